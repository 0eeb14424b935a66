//! `Globals.Function` keys an Image function must not inherit: SAM rejects a function with
//! `PackageType: Image` that has `Runtime`, `Handler` or `Layers`, even from Globals. Adding
//! one to a Zip project that sets them globally is refused, or (`--move-globals`) they are
//! moved into every existing function that relies on them, as text.

use serde_yaml::{Mapping, Value};

use super::lines::{Lines, indentation, reindent};
use super::{EditError, RESOURCES, document};

/// What SAM refuses on an Image function, in the order it names them.
const IMAGE_FORBIDDEN: [&str; 3] = ["Runtime", "Handler", "Layers"];
const GLOBALS: &str = "Globals";
const FUNCTION: &str = "Function";
const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";

/// The keys of `Globals.Function` an Image function would inherit, each with its line
/// (1-based; `None` when it is not on a line of its own, in flow style).
pub fn inherited(lines: &Lines, doc: &Value) -> Vec<(String, Option<usize>)> {
    let Some(globals) = global_function(doc) else {
        return Vec::new();
    };
    let entries = function_entries(lines);
    IMAGE_FORBIDDEN
        .iter()
        .filter(|key| globals.contains_key(**key))
        .map(|key| {
            let line = entries
                .as_ref()
                .and_then(|(_, _, e)| e.iter().find(|e| e.key == *key))
                .map(|e| e.line + 1);
            ((*key).to_owned(), line)
        })
        .collect()
}

/// `text` (whose document is `doc`) with the inherited keys moved from `Globals.Function`
/// into every function that relies on them, and the names of those functions. Verified by
/// reading it back: every old function has the same effective properties, and no key is
/// left for a new function to inherit.
pub fn move_inherited(text: &str, doc: &Value) -> Result<(String, Vec<String>), EditError> {
    let lines = Lines::new(text);
    let keys: Vec<String> = inherited(&lines, doc).into_iter().map(|(k, _)| k).collect();
    if keys.is_empty() {
        return Ok((text.to_owned(), Vec::new()));
    }
    let cannot = |why: String| EditError::CannotMoveGlobals(why);
    let (function_line, function_end, entries) = function_entries(&lines)
        .ok_or_else(|| cannot("Globals is written in flow style ({...})".into()))?;
    let globals = global_function(doc).expect("inherited keys come from Globals.Function");
    let moved: Vec<_> = entries.iter().filter(|e| keys.contains(&e.key)).collect();
    if moved.len() != keys.len() {
        return Err(cannot(
            "Globals.Function is written in flow style ({...})".into(),
        ));
    }
    let from_indent = indentation(lines.lines[moved[0].line]);

    let mut removed = vec![false; lines.lines.len()];
    let mut remove = |from: usize, to: usize| removed[from..to].iter_mut().for_each(|r| *r = true);
    for entry in &moved {
        remove(entry.line, entry.end);
    }
    let mut expected = doc.clone();
    let global_function = expected
        .get_mut(GLOBALS)
        .and_then(|g| g.get_mut(FUNCTION))
        .and_then(Value::as_mapping_mut)
        .expect("checked above");
    for key in &keys {
        global_function.remove(key.as_str());
    }
    if global_function.is_empty() {
        remove(function_line, function_end);
        let globals = expected
            .as_mapping_mut()
            .and_then(|m| m.get_mut(GLOBALS))
            .and_then(Value::as_mapping_mut)
            .expect("checked above");
        globals.remove(FUNCTION);
        if globals.is_empty() {
            let (start, end) = lines.section(GLOBALS).expect("Globals has lines");
            remove(start, lines.value_end(start, end, 0));
            expected.as_mapping_mut().map(|m| m.remove(GLOBALS));
        }
    }

    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut receivers = Vec::new();
    let (resources_line, resources_end, _) = lines.block_mapping(RESOURCES)?;
    let (_, resource_entries) = lines
        .entries(resources_line + 1, resources_end)
        .ok_or(EditError::NotBlock(RESOURCES))?;
    let resources = expected
        .get_mut(RESOURCES)
        .and_then(Value::as_mapping_mut)
        .ok_or(EditError::NoResources)?;
    for entry in &resource_entries {
        let Some(resource) = resources.get_mut(entry.key.as_str()) else {
            continue;
        };
        if resource.get("Type").and_then(Value::as_str) != Some(SERVERLESS_FUNCTION) {
            continue;
        }
        let relies: Vec<&String> = keys.iter().filter(|k| relies_on(resource, k)).collect();
        if relies.is_empty() {
            continue;
        }
        if relies.iter().any(|k| *k == "Layers") && has(resource, "Layers") {
            return Err(cannot(format!(
                "{} has Layers of its own, which SAM appends to the global ones; merge them by hand",
                entry.key
            )));
        }
        let (properties_end, to_indent) = properties_block(&lines, entry)
            .ok_or_else(|| cannot(format!("{} has no block-style Properties", entry.key)))?;
        let mut block = String::new();
        for key in &relies {
            let global = moved.iter().find(|e| &&e.key == key).expect("moved");
            let text: String = lines.lines[global.line..global.end].concat();
            block.push_str(&reindent(&with_final_newline(text), from_indent, to_indent));
            let properties = resource
                .get_mut("Properties")
                .and_then(Value::as_mapping_mut)
                .expect("a block-style Properties is a mapping");
            properties.insert(
                Value::from(key.as_str()),
                globals.get(key.as_str()).cloned().expect("inherited"),
            );
        }
        inserts.push((properties_end, block));
        receivers.push(entry.key.clone());
    }

    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.lines.iter().enumerate() {
        for (_, block) in inserts.iter().filter(|(at, _)| *at == i) {
            out.push_str(block);
        }
        if !removed[i] {
            out.push_str(line);
        }
    }
    for (_, block) in inserts.iter().filter(|(at, _)| *at == lines.lines.len()) {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(block);
    }
    let got = document(&out).map_err(|_| EditError::Mismatch("the whole template"))?;
    if got != expected {
        return Err(EditError::Mismatch("the moved Globals"));
    }
    Ok((out, receivers))
}

fn global_function(doc: &Value) -> Option<&Mapping> {
    doc.get(GLOBALS)?.get(FUNCTION)?.as_mapping()
}

/// `Globals.Function`'s key line, the end of its value, and its entries.
fn function_entries(lines: &Lines) -> Option<(usize, usize, Vec<super::lines::Entry>)> {
    let (start, end) = lines.section(GLOBALS)?;
    let (_, globals) = lines.entries(start + 1, end)?;
    let function = globals.into_iter().find(|e| e.key == FUNCTION)?;
    if !lines.opens_block(function.line) {
        return None;
    }
    let (_, entries) = lines.entries(function.line + 1, function.end)?;
    Some((function.line, function.end, entries))
}

fn has(resource: &Value, key: &str) -> bool {
    resource
        .get("Properties")
        .and_then(|p| p.get(key))
        .is_some()
}

/// Whether a function takes `key` from Globals: it does not set it itself (Layers, a list,
/// SAM merges) and does not ignore it (`IgnoreGlobals`).
fn relies_on(resource: &Value, key: &str) -> bool {
    let ignored = match resource.get("IgnoreGlobals") {
        Some(Value::String(all)) => all == "*" || all == key,
        Some(Value::Sequence(keys)) => keys.iter().any(|k| k.as_str() == Some(key)),
        _ => false,
    };
    !ignored && (key == "Layers" || !has(resource, key))
}

/// Where a resource's block-style `Properties` ends (the line to insert before) and its
/// entries' indentation.
fn properties_block(lines: &Lines, resource: &super::lines::Entry) -> Option<(usize, usize)> {
    let (_, fields) = lines.entries(resource.line + 1, resource.end)?;
    let properties = fields.into_iter().find(|e| e.key == "Properties")?;
    if !lines.opens_block(properties.line) {
        return None;
    }
    let (indent, _) = lines.entries(properties.line + 1, properties.end)?;
    Some((properties.end, indent))
}

fn with_final_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
