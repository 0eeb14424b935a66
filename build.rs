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
    let mut families = documents(Path::new("templates"), "family.yaml");
    // The words each family reserves go beside the catalog, as Rust: they are half its bytes,
    // which every run would scan, and a run reads one family's.
    let reserved: Vec<String> = families
        .values_mut()
        .map(|family| {
            let id = family["id"]
                .as_str()
                .expect("every family has an id")
                .to_owned();
            let words = family
                .as_object_mut()
                .and_then(|f| f.remove("reserved_identifiers"))
                .unwrap_or_else(|| serde_json::json!([]));
            format!("({id:?}, {:?})", words.to_string())
        })
        .collect();
    let reserved = format!(
        "static RESERVED: &[(&str, &str)] = &[{}];\n",
        reserved.join(", ")
    );
    std::fs::write(out.join("reserved.rs"), reserved).expect("OUT_DIR is writable");
    write_list(&families, &out.join("catalog.json"));
    let triggers = documents(Path::new("templates/triggers"), "trigger.yaml");
    write_list(&triggers, &out.join("triggers.json"));
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
    let mut files = Vec::new();
    walk(Path::new("templates"), &mut files);
    // Sorted as strings: render.rs finds a template by binary search on its name.
    let mut templates: Vec<(String, PathBuf)> = files
        .iter()
        .filter(|path| path.extension().is_some_and(|e| e == "hbs"))
        .map(|path| {
            let name = path.strip_prefix("templates/").expect("under templates/");
            (
                name.to_str().expect("template paths are UTF-8").to_owned(),
                path.clone(),
            )
        })
        .collect();
    templates.sort();
    let mut tables = Tables::default();
    let mut prebuilt = Vec::new();
    for (name, path) in templates {
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let parsed = Template::compile_with_name(&source, name.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        tables.file = name.clone();
        let index = tables.template(&parsed);
        prebuilt.push(format!("({}, {index})", tables.str(&name)));
    }
    // The templates that are not files: path segments such as `{{names.module}}` and the
    // families' handler strings, by their text.
    let mut inline = std::collections::BTreeSet::new();
    for path in &files {
        let output = path.to_str().expect("template paths are UTF-8");
        let output = output.strip_suffix(".hbs").unwrap_or(output);
        inline.extend(
            output
                .split('/')
                .filter(|s| s.contains("{{"))
                .map(str::to_owned),
        );
    }
    for family in families.values() {
        let handler = family["handler"]
            .as_str()
            .expect("every family has a handler");
        if handler.contains("{{") {
            inline.insert(handler.to_owned());
        }
    }
    let inline: Vec<String> = inline
        .into_iter()
        .map(|source| {
            tables.file.clone_from(&source);
            let parsed = Template::compile(&source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let index = tables.template(&parsed);
            format!("({}, {index})", tables.str(&source))
        })
        .collect();
    let code = tables.code(&prebuilt, &inline);
    std::fs::write(out.join("prebuilt.rs"), code).expect("OUT_DIR is writable");
}

/// Every file below `dir`.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("templates/ is readable").path();
        if path.is_dir() {
            walk(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// The parsed templates as the tables of src/render/prebuilt.rs, written as Rust: plain data
/// (indices into the tables and into one text), which the binary holds without a pointer for
/// the loader to relocate at every start. Each table entry is its Rust expression.
#[derive(Default)]
struct Tables {
    /// The template being written, for messages.
    file: String,
    text: String,
    /// Where each distinct string is in `text`.
    texts: HashMap<String, (usize, usize)>,
    templates: Vec<String>,
    elements: Vec<String>,
    mapping: Vec<String>,
    helpers: Vec<String>,
    partials: Vec<String>,
    params: Vec<String>,
    /// A path's names.
    names: Vec<String>,
    /// The segments of other paths.
    segs: Vec<String>,
    hash: Vec<String>,
}

impl Tables {
    fn code(&self, prebuilt: &[String], inline: &[String]) -> String {
        let table = |name: &str, kind: &str, entries: &[String]| {
            format!("static {name}: &[{kind}] = &[{}];\n", entries.join(", "))
        };
        [
            "/// Every `.hbs` file by its path under `templates/` and its index in TEMPLATES; sorted by path.\n".to_owned(),
            table("PREBUILT", "(Str, u32)", prebuilt),
            "/// Templates that are not files (path segments, handlers) by their text; sorted.\n".to_owned(),
            table("INLINE", "(Str, u32)", inline),
            format!("static TEXT: &str = {:?};\n", self.text),
            table("TEMPLATES", "Tpl", &self.templates),
            table("ELEMENTS", "El", &self.elements),
            table("MAPPING", "(u32, u32)", &self.mapping),
            table("HELPERS", "Helper", &self.helpers),
            table("PARTIALS", "Partial", &self.partials),
            table("PARAMS", "Param", &self.params),
            table("NAMES", "Str", &self.names),
            table("SEGS", "Seg", &self.segs),
            table("HASH", "(Str, Param)", &self.hash),
        ]
        .concat()
    }

    fn str(&mut self, s: &str) -> String {
        let (start, len) = match self.texts.get(s) {
            Some(&at) => at,
            None => {
                let at = (self.text.len(), s.len());
                self.text.push_str(s);
                self.texts.insert(s.to_owned(), at);
                at
            }
        };
        format!("Str({start}, {len})")
    }

    fn option_str(&mut self, s: Option<&str>) -> String {
        match s {
            Some(s) => format!("Some({})", self.str(s)),
            None => "None".to_owned(),
        }
    }

    /// Adds the entries of a table at once, after whatever making them added: a range of
    /// one table is contiguous.
    fn range(table: &mut Vec<String>, entries: Vec<String>) -> String {
        let start = table.len();
        table.extend(entries);
        format!("Range({start}, {})", table.len() - start)
    }

    /// The template's index in TEMPLATES.
    fn template(&mut self, t: &Template) -> usize {
        let elements: Vec<String> = t.elements.iter().map(|e| self.element(e)).collect();
        let elements = Self::range(&mut self.elements, elements);
        let mapping = t
            .mapping
            .iter()
            .map(|m| format!("({}, {})", m.0, m.1))
            .collect();
        let mapping = Self::range(&mut self.mapping, mapping);
        let name = self.option_str(t.name.as_deref());
        self.templates.push(format!(
            "Tpl {{ name: {name}, elements: {elements}, mapping: {mapping} }}"
        ));
        self.templates.len() - 1
    }

    fn element(&mut self, e: &TemplateElement) -> String {
        match e {
            TemplateElement::RawString(text) => format!("El::Raw({})", self.str(text)),
            TemplateElement::Comment(text) => format!("El::Comment({})", self.str(text)),
            TemplateElement::Expression(h) => format!("El::Expression({})", self.helper(h)),
            TemplateElement::HelperBlock(h) => format!("El::Block({})", self.helper(h)),
            // A partial by its name (not `{{> (lookup ...)}}`): a run finds the partials a
            // template still calls by their names.
            TemplateElement::PartialExpression(d)
                if d.template.is_none() && matches!(d.name, Parameter::Name(_)) =>
            {
                let partial = format!(
                    "Partial {{ name: {}, params: {}, hash: {}, indent: {}, \
                     indent_before_write: {} }}",
                    self.param(&d.name),
                    self.params(&d.params),
                    self.hash(&d.hash),
                    self.option_str(d.indent.as_deref()),
                    indent_before_write(d),
                );
                self.partials.push(partial);
                format!("El::Partial({})", self.partials.len() - 1)
            }
            other => panic!("{}: prebuilt.rs has no place for {other:?}", self.file),
        }
    }

    /// The helper's index in HELPERS.
    fn helper(&mut self, h: &HelperTemplate) -> usize {
        let block_param = match &h.block_param {
            None => "None".to_owned(),
            Some(BlockParam::Single(one)) => format!("Some(({}, None))", self.param(one)),
            Some(BlockParam::Pair((one, two))) => {
                format!("Some(({}, Some({})))", self.param(one), self.param(two))
            }
            Some(other) => panic!("{}: prebuilt.rs has no place for {other:?}", self.file),
        };
        let mut nested = |t: &Option<Template>| match t {
            Some(t) => format!("Some({})", self.template(t)),
            None => "None".to_owned(),
        };
        let (template, inverse) = (nested(&h.template), nested(&h.inverse));
        let helper = format!(
            "Helper {{ name: {}, params: {}, hash: {}, block_param: {block_param}, \
             template: {template}, inverse: {inverse}, block: {}, chain: {}, \
             indent_before_write: {} }}",
            self.param(&h.name),
            self.params(&h.params),
            self.hash(&h.hash),
            h.block,
            h.chain,
            indent_before_write(h),
        );
        self.helpers.push(helper);
        self.helpers.len() - 1
    }

    fn params(&mut self, params: &[Parameter]) -> String {
        let params = params.iter().map(|p| self.param(p)).collect();
        Self::range(&mut self.params, params)
    }

    /// Sorted by key, so that the build is reproducible.
    fn hash(&mut self, hash: &HashMap<String, Parameter>) -> String {
        let mut keys: Vec<&String> = hash.keys().collect();
        keys.sort();
        let pairs = keys
            .into_iter()
            .map(|key| format!("({}, {})", self.str(key), self.param(&hash[key])))
            .collect();
        Self::range(&mut self.hash, pairs)
    }

    fn param(&mut self, p: &Parameter) -> String {
        match p {
            Parameter::Name(name) => format!("Param::Name({})", self.str(name)),
            Parameter::Path(JsonPath::Local((level, name, raw))) => {
                format!(
                    "Param::Local({level}, {}, {})",
                    self.str(name),
                    self.str(raw)
                )
            }
            Parameter::Path(JsonPath::Relative((segs, raw))) => {
                let names: Option<Vec<String>> = segs
                    .iter()
                    .map(|seg| match seg {
                        PathSeg::Named(name) => Some(self.str(name)),
                        _ => None,
                    })
                    .collect();
                match names {
                    Some(names) => {
                        let names = Self::range(&mut self.names, names);
                        format!("Param::Names({names}, {})", self.str(raw))
                    }
                    None => {
                        let segs = segs.iter().map(|seg| self.seg(seg)).collect();
                        let segs = Self::range(&mut self.segs, segs);
                        format!("Param::Path({segs}, {})", self.str(raw))
                    }
                }
            }
            Parameter::Literal(json) => format!("Param::Literal({})", self.str(&json.to_string())),
            Parameter::Subexpression(sub) => match sub.element.as_ref() {
                TemplateElement::Expression(h) => {
                    format!("Param::Subexpression({})", self.helper(h))
                }
                other => panic!("{}: prebuilt.rs has no place for {other:?}", self.file),
            },
            other => panic!("{}: prebuilt.rs has no place for {other:?}", self.file),
        }
    }
}

impl Tables {
    /// A segment of a path that is not only names. The rules are not public, but Debug names
    /// them.
    fn seg(&mut self, seg: &PathSeg) -> String {
        match seg {
            PathSeg::Named(name) => format!("Seg::Named({})", self.str(name)),
            ruled => match format!("{ruled:?}").as_str() {
                "Ruled(path_root)" => "Seg::Root".to_owned(),
                other => panic!("{}: prebuilt.rs has no place for {other}", self.file),
            },
        }
    }
}

/// A helper's or partial's `indent_before_write`: not public, but Debug shows it, as the
/// last field.
fn indent_before_write(element: &impl std::fmt::Debug) -> bool {
    format!("{element:?}").ends_with("indent_before_write: true }")
}

/// The document of every `<dir>/*/<file>`, as JSON, by path.
fn documents(dir: &Path, file: &str) -> serde_json::Map<String, serde_json::Value> {
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
    documents
}

/// Writes `documents` as `[[path, document], ...]`: a list, which a run reads in one pass.
fn write_list(documents: &serde_json::Map<String, serde_json::Value>, out: &Path) {
    std::fs::write(
        out,
        serde_json::to_vec(&documents.iter().collect::<Vec<_>>()).expect("JSON serializes"),
    )
    .expect("OUT_DIR is writable");
}
