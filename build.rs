//! include_dir! embeds templates/ at compile time; make cargo rebuild when it changes,
//! including when files are added or removed. Every `family.yaml` and every
//! `triggers/*/trigger.yaml` is also turned into JSON here, once, so that a run parses a small
//! JSON catalog instead of YAML (the catalog stays YAML for the people who edit it).

use std::path::{Path, PathBuf};

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
