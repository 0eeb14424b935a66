//! Adds a function's resources and outputs to an existing SAM template as text: every byte of
//! the template stays as it was (comments, order, quoting, blank lines, line endings, a BOM);
//! the new lines go at the end of its `Resources` and `Outputs` mappings. The result is parsed
//! back and must be the old document plus exactly the new entries, or the edit is refused.
//!
//! Pure: the caller reads the template and writes the result.

mod derived;
mod globals;
pub(crate) mod lines;

use std::borrow::Cow;

use serde_yaml::{Mapping, Value};

use derived::Derived;
use lines::{Lines, reindent};

/// Why a template cannot be edited safely; each says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("it is not YAML that lambda-new can read: {0}")]
    NotYaml(String),
    #[error(
        "it is written in JSON or YAML flow style ({{...}}); lambda-new adds to block-style YAML only"
    )]
    FlowStyle,
    #[error("it holds more than one YAML document")]
    SeveralDocuments,
    #[error("it has no `Transform: AWS::Serverless-2016-10-31`, so it is not a SAM template")]
    NoTransform,
    #[error("it has no top-level `Resources:` mapping")]
    NoResources,
    #[error(
        "its `Resources:` is empty; CloudFormation needs at least one resource there, so it is not a template SAM accepts"
    )]
    EmptyResources,
    #[error(
        "its `{0}` is not a block mapping (the key alone on its line, the entries indented below it)"
    )]
    NotBlock(&'static str),
    #[error(
        "it has the key {key:?} twice in one mapping (lines {first} and {second}); YAML allows a key once"
    )]
    DuplicateKey {
        key: String,
        first: usize,
        second: usize,
    },
    #[error("line {0} indents with a tab, which YAML does not allow; indent with spaces")]
    Tabs(usize),
    #[error("its brackets nest deeper than {MAX_DEPTH} levels, which no SAM template needs")]
    TooDeep,
    #[error("{}", globals_text(.0))]
    Globals(Vec<(String, Option<usize>)>),
    #[error("--move-globals cannot move them: {0}; move them by hand")]
    CannotMoveGlobals(String),
    #[error("its {kind} {existing:?} clashes with the new {new:?}; pick another function name")]
    Clash {
        kind: &'static str,
        existing: String,
        new: String,
    },
    #[error("{}; pick another function name", derived_text(.id, .existing, .new))]
    DerivedClash {
        /// The id both would have.
        id: String,
        /// The existing resource that has it or from which SAM derives it.
        existing: String,
        /// The new resource that has it or from which SAM would derive it.
        new: String,
    },
    #[error(
        "it would have {count} {what}, more than CloudFormation's limit of {limit} per template"
    )]
    TooMany {
        what: &'static str,
        count: usize,
        limit: usize,
    },
    #[error(
        "the edited template would not read back as the old one plus the new resources (in {0}); edit it by hand"
    )]
    Mismatch(&'static str),
}

fn globals_text(keys: &[(String, Option<usize>)]) -> String {
    let named: Vec<String> = keys
        .iter()
        .map(|(key, line)| match line {
            Some(line) => format!("{key} (line {line})"),
            None => key.clone(),
        })
        .collect();
    format!(
        "its Globals.Function sets {}, which every function inherits and SAM rejects on an Image function; \
         move them into the functions that use them, or run again with --move-globals to have lambda-new move them (shown as a diff)",
        named.join(", ")
    )
}

fn derived_text(id: &str, existing: &str, new: &str) -> String {
    let from = |resource: &str, which: &str| {
        if resource.eq_ignore_ascii_case(id) {
            format!("the {which} resource {resource:?}")
        } else {
            format!("the id SAM derives from the {which} {resource:?}")
        }
    };
    format!(
        "{id:?} would be both {} and {}",
        from(existing, "existing"),
        from(new, "new")
    )
}

/// The top-level sections lambda-new adds to.
pub(crate) const RESOURCES: &str = "Resources";
pub(crate) const OUTPUTS: &str = "Outputs";
const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";
pub(crate) const BOM: &str = "\u{feff}";
/// CloudFormation's quotas per template.
const MAX_RESOURCES: usize = 500;
const MAX_OUTPUTS: usize = 200;
/// How deeply brackets may nest: the YAML parser's time grows with the square of the depth,
/// and a template nests a few levels (values files cap theirs the same way).
const MAX_DEPTH: usize = 512;

/// An edited template, and the functions that received keys moved from Globals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    /// What `text` reads as (checked when it was made).
    pub doc: Value,
    pub moved_globals_into: Vec<String>,
}

/// Whether `text` is a SAM template lambda-new can add to, before anything is rendered; with
/// `move_globals`, Globals an Image function must not inherit are no reason to refuse. Its
/// document, for [`insert_parsed`] and the pipeline (parsing YAML is most of an add's time).
pub fn check(text: &str, move_globals: bool) -> Result<Value, EditError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let doc = document(text)?;
    check_sam(text, &doc)?;
    resources(&doc)?;
    let lines = Lines::new(text);
    lines.block_mapping(RESOURCES)?;
    if section(&doc, OUTPUTS).is_some() {
        lines.block_mapping(OUTPUTS)?;
    }
    let inherited = globals::inherited(&lines, &doc);
    if !inherited.is_empty() {
        if !move_globals {
            return Err(EditError::Globals(inherited));
        }
        globals::move_inherited(text, &doc)?;
    }
    Ok(doc)
}

/// `old` with the `Resources` and `Outputs` entries of `addition` (a template as lambda-new
/// renders it, with two-space indentation and `\n` line endings) inserted; with
/// `move_globals`, the Globals an Image function must not inherit moved first.
pub fn insert(old: &str, addition: &str, move_globals: bool) -> Result<Edited, EditError> {
    let old_doc = document(old.strip_prefix(BOM).unwrap_or(old))?;
    insert_parsed(old, &old_doc, addition, move_globals)
}

/// [`insert`], given the document of `old` (without its BOM).
pub fn insert_parsed(
    old: &str,
    old_doc: &Value,
    addition: &str,
    move_globals: bool,
) -> Result<Edited, EditError> {
    let (bom, old) = match old.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", old),
    };
    check_sam(old, old_doc)?;
    let inherited = globals::inherited(&Lines::new(old), old_doc);
    let (old, old_doc, moved_globals_into): (Cow<str>, Cow<Value>, _) =
        match (inherited.is_empty(), move_globals) {
            (true, _) => (Cow::Borrowed(old), Cow::Borrowed(old_doc), Vec::new()),
            (false, false) => return Err(EditError::Globals(inherited)),
            (false, true) => {
                let (moved, into) = globals::move_inherited(old, old_doc)?;
                let doc = document(&moved)?;
                (Cow::Owned(moved), Cow::Owned(doc), into)
            }
        };
    let old: &str = &old;
    let new_doc = document(addition)?;
    let new_resources = section(&new_doc, RESOURCES).ok_or(EditError::NoResources)?;
    let new_outputs = section(&new_doc, OUTPUTS).cloned().unwrap_or_default();
    let old_resources = resources(&old_doc)?;
    refuse_clashes("resource", old_resources, new_resources)?;
    refuse_derived_clashes(old_resources, new_resources)?;
    let old_outputs = section(&old_doc, OUTPUTS);
    if let Some(outputs) = old_outputs {
        refuse_clashes("output", outputs, &new_outputs)?;
    }
    refuse_over_limit(
        "resources",
        old_resources.len() + new_resources.len(),
        MAX_RESOURCES,
    )?;
    refuse_over_limit(
        "outputs",
        old_outputs.map_or(0, Mapping::len) + new_outputs.len(),
        MAX_OUTPUTS,
    )?;

    let has_outputs = old_outputs.is_some();
    let mut expected = old_doc.into_owned();
    extend(&mut expected, RESOURCES, new_resources);
    if !new_outputs.is_empty() {
        extend(&mut expected, OUTPUTS, &new_outputs);
    }
    let edit = Edit {
        old,
        addition,
        has_outputs,
        newline: if old
            .split_inclusive('\n')
            .next()
            .is_some_and(|l| l.ends_with("\r\n"))
        {
            "\r\n"
        } else {
            "\n"
        },
    };
    let at_end = edit.text(false).and_then(|text| verify(text, &expected));
    // A file ending without a line break gets one only if that changes nothing (it would
    // change a block scalar there): else the new lines go before the last entries.
    let edited = match at_end {
        Err(EditError::Mismatch(_)) if !old.is_empty() && !old.ends_with('\n') => {
            edit.text(true).and_then(|text| verify(text, &expected))?
        }
        result => result?,
    };
    Ok(Edited {
        text: format!("{bom}{edited}"),
        doc: expected,
        moved_globals_into,
    })
}

/// The text of an insertion: where it goes, in the template's line endings.
struct Edit<'a> {
    old: &'a str,
    addition: &'a str,
    has_outputs: bool,
    newline: &'static str,
}

impl Edit<'_> {
    /// The old text with the new entries; with `keep_tail`, none after the old last line.
    fn text(&self, keep_tail: bool) -> Result<String, EditError> {
        let in_style = |block: String| block.replace('\n', self.newline);
        let lines = Lines::new(self.old);
        let resources = in_style(block(self.addition, RESOURCES));
        let mut edited = insert_into(&lines, RESOURCES, &resources, keep_tail)?;
        let outputs = in_style(block(self.addition, OUTPUTS));
        if !outputs.is_empty() {
            let lines = Lines::new(&edited);
            edited = if self.has_outputs {
                insert_into(&lines, OUTPUTS, &outputs, keep_tail)?
            } else {
                let section = in_style("\nOutputs:\n".to_owned()) + &outputs;
                append_section(&lines, &section, self.newline, keep_tail)
            };
        }
        Ok(edited)
    }
}

/// `edited`, if it reads back as `expected`.
fn verify(edited: String, expected: &Value) -> Result<String, EditError> {
    let got = document(&edited).map_err(|_| EditError::Mismatch("the whole template"))?;
    for key in [RESOURCES, OUTPUTS] {
        if section(&got, key) != section(expected, key) {
            return Err(EditError::Mismatch(key));
        }
    }
    if got != *expected {
        return Err(EditError::Mismatch("the other sections"));
    }
    Ok(edited)
}

/// The document of `text`, which must be one; nesting is capped before parsing, and a parse
/// error on a line indented with a tab is named as the tab.
pub(crate) fn document(text: &str) -> Result<Value, EditError> {
    let mut depth = 0usize;
    for byte in text.bytes() {
        match byte {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_DEPTH {
            return Err(EditError::TooDeep);
        }
    }
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let first = documents
        .next()
        .ok_or_else(|| EditError::NotYaml("it is empty".into()))?;
    let value = serde::Deserialize::deserialize(first).map_err(|e: serde_yaml::Error| {
        let tab = text.lines().position(|l| {
            let indent = &l[..l.len() - l.trim_start().len()];
            indent.contains('\t')
        });
        match (tab, lines::duplicate_key(text)) {
            (Some(line), _) => EditError::Tabs(line + 1),
            (None, Some((key, first, second))) if e.to_string().contains("duplicate entry") => {
                EditError::DuplicateKey { key, first, second }
            }
            _ => EditError::NotYaml(e.to_string()),
        }
    })?;
    if documents.next().is_some() {
        return Err(EditError::SeveralDocuments);
    }
    Ok(value)
}

fn check_sam(text: &str, doc: &Value) -> Result<(), EditError> {
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    if first.is_some_and(|l| l.starts_with('{')) {
        return Err(EditError::FlowStyle);
    }
    let is_sam = |v: &Value| v.as_str() == Some(SAM_TRANSFORM);
    let transform = doc.get("Transform");
    let declared = match transform {
        Some(Value::Sequence(items)) => items.iter().any(is_sam),
        Some(value) => is_sam(value),
        None => false,
    };
    if !declared {
        return Err(EditError::NoTransform);
    }
    Ok(())
}

/// The template's `Resources`: a mapping with at least one entry.
fn resources(doc: &Value) -> Result<&Mapping, EditError> {
    match doc.get(RESOURCES) {
        None => Err(EditError::NoResources),
        Some(Value::Null) => Err(EditError::EmptyResources),
        Some(Value::Mapping(m)) if m.is_empty() => Err(EditError::EmptyResources),
        Some(Value::Mapping(m)) => Ok(m),
        Some(_) => Err(EditError::NotBlock(RESOURCES)),
    }
}

fn section<'d>(doc: &'d Value, key: &str) -> Option<&'d Mapping> {
    doc.get(key).and_then(Value::as_mapping)
}

fn extend(doc: &mut Value, key: &str, entries: &Mapping) {
    let root = doc.as_mapping_mut().expect("a template is a mapping");
    let section = root
        .entry(Value::from(key))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Some(mapping) = section.as_mapping_mut() {
        for (k, v) in entries {
            mapping.insert(k.clone(), v.clone());
        }
    }
}

/// Logical ids and output names are compared case-insensitively: two that differ only in case
/// are one name to a person, and names come from case-converted function names.
fn refuse_clashes(kind: &'static str, old: &Mapping, new: &Mapping) -> Result<(), EditError> {
    for key in new.keys().filter_map(Value::as_str) {
        if let Some(existing) = old
            .keys()
            .filter_map(Value::as_str)
            .find(|k| k.eq_ignore_ascii_case(key))
        {
            return Err(EditError::Clash {
                kind,
                existing: existing.to_owned(),
                new: key.to_owned(),
            });
        }
    }
    Ok(())
}

/// Refuses a new resource whose id is one SAM derives from an existing resource, an existing
/// resource whose id SAM would derive from a new one, and an id SAM would derive from both.
fn refuse_derived_clashes(old: &Mapping, new: &Mapping) -> Result<(), EditError> {
    let with_derived = |section: &Mapping| -> Vec<(String, Vec<Derived>)> {
        section
            .iter()
            .filter_map(|(id, resource)| {
                let id = id.as_str()?;
                Some((id.to_owned(), derived::ids(id, resource)))
            })
            .collect()
    };
    let (old, new) = (with_derived(old), with_derived(new));
    let clash = |id: String, existing: &str, new: &str| EditError::DerivedClash {
        id,
        existing: existing.to_owned(),
        new: new.to_owned(),
    };
    for (new_id, new_derived) in &new {
        for (old_id, old_derived) in &old {
            if old_derived.iter().any(|d| d.covers(new_id)) {
                return Err(clash(new_id.clone(), old_id, new_id));
            }
            if new_derived.iter().any(|d| d.covers(old_id)) {
                return Err(clash(old_id.clone(), old_id, new_id));
            }
            for d in new_derived {
                if let Derived::Exact(id) = d
                    && old_derived.iter().any(|o| o.covers(id))
                {
                    return Err(clash(d.text(), old_id, new_id));
                }
            }
        }
    }
    Ok(())
}

fn refuse_over_limit(what: &'static str, count: usize, limit: usize) -> Result<(), EditError> {
    if count > limit {
        return Err(EditError::TooMany { what, count, limit });
    }
    Ok(())
}

/// The lines of `rendered`'s top-level `key` section after its key line, without trailing
/// blank lines (lambda-new renders each section with two-space indentation).
fn block(rendered: &str, key: &str) -> String {
    let lines = Lines::new(rendered);
    let Some((start, end)) = lines.section(key) else {
        return String::new();
    };
    let out: String = lines.lines[start + 1..end].concat();
    let trimmed = out.trim_end().to_owned();
    if trimmed.is_empty() {
        trimmed
    } else {
        trimmed + "\n"
    }
}

/// Inserts `block` (two-space indented lines) after the last indented line of the top-level
/// `key` mapping, re-indented to that mapping's own indentation; with `keep_tail`, when that
/// line ends the file without a line break, before the mapping's last entry instead.
fn insert_into(
    lines: &Lines,
    key: &'static str,
    block: &str,
    keep_tail: bool,
) -> Result<String, EditError> {
    let (start, end, indent) = lines.block_mapping(key)?;
    let last = lines.value_end(start, end, 0) - 1;
    let block = reindent(block, 2, indent);
    if lines.lines[last].ends_with('\n') {
        return Ok(splice(lines, last + 1, &block));
    }
    if keep_tail {
        let (_, entries) = lines
            .entries(start + 1, end)
            .ok_or(EditError::NotBlock(key))?;
        let at = entries.last().map_or(last + 1, |e| e.line);
        return Ok(splice(lines, at, &block));
    }
    let newline = if block.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Ok(splice(lines, last + 1, &format!("{newline}{block}")))
}

/// Adds a top-level `section` at the end; with `keep_tail`, when the file ends without a line
/// break, before the last top-level section instead.
fn append_section(lines: &Lines, section: &str, newline: &str, keep_tail: bool) -> String {
    match lines.lines.last() {
        Some(last) if !last.ends_with('\n') && keep_tail => {
            let at = lines
                .lines
                .iter()
                .rposition(|l| lines::starts_at_column_zero(l))
                .unwrap_or(0);
            let section = section.strip_prefix(newline).unwrap_or(section).to_owned();
            splice(lines, at, &(section + newline))
        }
        Some(last) if !last.ends_with('\n') => {
            splice(lines, lines.lines.len(), &format!("{newline}{section}"))
        }
        _ => splice(lines, lines.lines.len(), section),
    }
}

/// The lines with `text` inserted before line `at`.
fn splice(lines: &Lines, at: usize, text: &str) -> String {
    let mut out: String = lines.lines[..at].concat();
    out.push_str(text);
    out.push_str(&lines.lines[at..].concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDITION: &str = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Transform: AWS::Serverless-2016-10-31

Resources:
  NewFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
  NewQueue:
    Type: AWS::SQS::Queue

Outputs:
  NewFunctionArn:
    Value: !GetAtt NewFunction.Arn
";

    const OLD: &str = "\
# A hand-written template.
Transform: [AWS::Serverless-2016-10-31]
Globals:
    Function:
        Timeout: 3
Resources:
    # The API.
    Old:
        Type: 'AWS::Serverless::Function'   # quoted on purpose
        Properties:
            CodeUri: src/
            Handler: app.handler
            Runtime: python3.13


# Outputs follow.
Outputs:
    OldArn:
        Value: !GetAtt Old.Arn
";

    #[test]
    fn inserts_at_the_end_of_each_section_in_its_indentation() {
        let edited = insert(OLD, ADDITION, false).unwrap().text;
        let expected = "\
# A hand-written template.
Transform: [AWS::Serverless-2016-10-31]
Globals:
    Function:
        Timeout: 3
Resources:
    # The API.
    Old:
        Type: 'AWS::Serverless::Function'   # quoted on purpose
        Properties:
            CodeUri: src/
            Handler: app.handler
            Runtime: python3.13
    NewFunction:
      Type: AWS::Serverless::Function
      Properties:
        PackageType: Image
    NewQueue:
      Type: AWS::SQS::Queue


# Outputs follow.
Outputs:
    OldArn:
        Value: !GetAtt Old.Arn
    NewFunctionArn:
      Value: !GetAtt NewFunction.Arn
";
        assert_eq!(edited, expected);
    }

    #[test]
    fn a_template_without_outputs_gets_them_at_the_end() {
        let old =
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Old:\n    Type: AWS::SNS::Topic";
        let edited = insert(old, ADDITION, false).unwrap().text;
        assert!(edited.starts_with(old), "{edited}");
        assert!(
            edited.ends_with("\nOutputs:\n  NewFunctionArn:\n    Value: !GetAtt NewFunction.Arn\n"),
            "{edited}"
        );
    }

    #[test]
    fn what_cannot_be_edited_safely_is_refused() {
        let cases: &[(&str, EditError)] = &[
            (
                r#"{"Transform": "AWS::Serverless-2016-10-31", "Resources": {}}"#,
                EditError::FlowStyle,
            ),
            (
                "Resources:\n  A:\n    Type: AWS::SNS::Topic\n",
                EditError::NoTransform,
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources: {A: {Type: AWS::SNS::Topic}}\n",
                EditError::NotBlock(RESOURCES),
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\n---\nB: 1\n",
                EditError::SeveralDocuments,
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  newfunction:\n    Type: X\n",
                EditError::Clash {
                    kind: "resource",
                    existing: "newfunction".into(),
                    new: "NewFunction".into(),
                },
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\nOutputs:\n  NewFunctionArn:\n    Value: 1\n",
                EditError::Clash {
                    kind: "output",
                    existing: "NewFunctionArn".into(),
                    new: "NewFunctionArn".into(),
                },
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\n    Text: |+\n      kept\n\n\n",
                EditError::Mismatch(RESOURCES),
            ),
        ];
        for (old, error) in cases {
            assert_eq!(
                insert(old, ADDITION, false).err().as_ref(),
                Some(error),
                "{old}"
            );
        }
    }
}
