//! include_dir! embeds templates/ at compile time; make cargo rebuild when it changes,
//! including when files are added or removed. Every `family.yaml` and every
//! `triggers/*/trigger.yaml` is also turned into JSON here, once, so that a run parses a small
//! JSON catalog instead of YAML (the catalog stays YAML for the people who edit it), and so is
//! every table of the pipeline's.
//!
//! Every Handlebars template is also parsed here, by the Handlebars a run uses, and written out
//! as static data (see src/render/prebuilt.rs): parsing was most of a run's time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use handlebars::template::{BlockParam, HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{Path as JsonPath, PathSeg};

fn main() {
    println!("cargo:rerun-if-changed=templates");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    convert(
        Path::new("templates"),
        "family.yaml",
        &out.join("catalog.json"),
    );
    convert(
        Path::new("templates/triggers"),
        "trigger.yaml",
        &out.join("triggers.json"),
    );
    // The pipeline's tables, likewise (`pipeline/gitlab/images.yaml` -> `pipeline_gitlab_images.json`).
    for table in [
        "pipeline/actions.yaml",
        "pipeline/permissions.yaml",
        "pipeline/gitlab/images.yaml",
    ] {
        let path = Path::new("templates").join(table);
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value =
            serde_yaml::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = table.replace('/', "_").replace(".yaml", ".json");
        std::fs::write(out.join(name), value.to_string()).expect("OUT_DIR is writable");
    }
    let mut templates = Vec::new();
    walk(Path::new("templates"), &mut templates);
    // Sorted as strings: render.rs finds a template by binary search on its name.
    let mut templates: Vec<(String, PathBuf)> = templates
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix("templates/").expect("under templates/");
            (
                name.to_str().expect("template paths are UTF-8").to_owned(),
                path,
            )
        })
        .collect();
    templates.sort();
    let mut code = String::from(
        "/// Every `.hbs` file by its path under `templates/`, parsed; sorted by path.\n\
         static PREBUILT: &[(&str, Tpl)] = &[\n",
    );
    for (name, path) in templates {
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let parsed = Template::compile_with_name(&source, name.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        code.push_str(&format!("    ({name:?}, {}),\n", template(&parsed, &name)));
    }
    code.push_str("];\n");
    std::fs::write(out.join("prebuilt.rs"), code).expect("OUT_DIR is writable");
}

/// Every `*.hbs` file below `dir`.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("templates/ is readable").path();
        if path.is_dir() {
            walk(&path, found);
        } else if path.extension().is_some_and(|e| e == "hbs") {
            found.push(path);
        }
    }
}

/// `Tpl` (src/render/prebuilt.rs) for a parsed template, as Rust.
fn template(t: &Template, file: &str) -> String {
    let elements: Vec<String> = t.elements.iter().map(|e| element(e, file)).collect();
    let mapping: Vec<String> = t
        .mapping
        .iter()
        .map(|m| format!("({}, {})", m.0, m.1))
        .collect();
    format!(
        "Tpl {{ name: {:?}, elements: &[{}], mapping: &[{}] }}",
        t.name.as_deref(),
        elements.join(", "),
        mapping.join(", ")
    )
}

fn element(e: &TemplateElement, file: &str) -> String {
    match e {
        TemplateElement::RawString(text) => format!("El::Raw({text:?})"),
        TemplateElement::Comment(text) => format!("El::Comment({text:?})"),
        TemplateElement::Expression(h) => format!("El::Expression(&{})", helper(h, file)),
        TemplateElement::HelperBlock(h) => format!("El::Block(&{})", helper(h, file)),
        TemplateElement::PartialExpression(d) if d.template.is_none() => format!(
            "El::Partial(&Partial {{ name: {}, params: &[{}], hash: &[{}], indent: {:?}, \
             indent_before_write: {} }})",
            param(&d.name, file),
            params(&d.params, file),
            hash(&d.hash, file),
            d.indent.as_deref(),
            // Not public, but Debug shows it, as its last field.
            format!("{d:?}").ends_with("indent_before_write: true }"),
        ),
        other => panic!("{file}: prebuilt.rs has no place for {other:?}"),
    }
}

fn helper(h: &HelperTemplate, file: &str) -> String {
    let block_param = match &h.block_param {
        None => "None".to_owned(),
        Some(BlockParam::Single(one)) => format!("Some(({}, None))", param(one, file)),
        Some(BlockParam::Pair((one, two))) => {
            format!("Some(({}, Some({})))", param(one, file), param(two, file))
        }
        Some(other) => panic!("{file}: prebuilt.rs has no place for {other:?}"),
    };
    let nested = |t: &Option<Template>| match t {
        Some(t) => format!("Some(&{})", template(t, file)),
        None => "None".to_owned(),
    };
    format!(
        "Helper {{ name: {}, params: &[{}], hash: &[{}], block_param: {block_param}, \
         template: {}, inverse: {}, block: {}, chain: {}, indent_before_write: {} }}",
        param(&h.name, file),
        params(&h.params, file),
        hash(&h.hash, file),
        nested(&h.template),
        nested(&h.inverse),
        h.block,
        h.chain,
        // Not public, but Debug shows it, as its last field.
        format!("{h:?}").ends_with("indent_before_write: true }"),
    )
}

fn params(params: &[Parameter], file: &str) -> String {
    let params: Vec<String> = params.iter().map(|p| param(p, file)).collect();
    params.join(", ")
}

/// Sorted by key, so that the build is reproducible.
fn hash(hash: &HashMap<String, Parameter>, file: &str) -> String {
    let mut pairs: Vec<String> = hash
        .iter()
        .map(|(key, value)| format!("({key:?}, {})", param(value, file)))
        .collect();
    pairs.sort();
    pairs.join(", ")
}

fn param(p: &Parameter, file: &str) -> String {
    match p {
        Parameter::Name(name) => format!("Param::Name({name:?})"),
        Parameter::Path(JsonPath::Local((level, name, raw))) => {
            format!("Param::Local({level}, {name:?}, {raw:?})")
        }
        Parameter::Path(JsonPath::Relative((segs, raw))) => {
            let names: Option<Vec<String>> = segs
                .iter()
                .map(|seg| match seg {
                    PathSeg::Named(name) => Some(format!("{name:?}")),
                    _ => None,
                })
                .collect();
            match names {
                Some(names) => format!("Param::Names(&[{}], {raw:?})", names.join(", ")),
                None => format!("Param::Path({raw:?})"),
            }
        }
        Parameter::Literal(json) => format!("Param::Literal({:?})", json.to_string()),
        Parameter::Subexpression(sub) => match sub.element.as_ref() {
            TemplateElement::Expression(h) => format!("Param::Subexpression(&{})", helper(h, file)),
            other => panic!("{file}: prebuilt.rs has no place for {other:?}"),
        },
        other => panic!("{file}: prebuilt.rs has no place for {other:?}"),
    }
}

/// Writes `{path: document}` for every `<dir>/*/<file>`, as JSON.
fn convert(dir: &Path, file: &str, out: &Path) {
    let mut documents = serde_json::Map::new();
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("templates/ is readable").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let path = dir.join(file);
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value =
            serde_yaml::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        documents.insert(path.display().to_string(), value);
    }
    std::fs::write(
        out,
        serde_json::to_vec(&documents).expect("JSON serializes"),
    )
    .expect("OUT_DIR is writable");
}
