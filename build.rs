//! include_dir! embeds templates/ at compile time; make cargo rebuild when it changes,
//! including when files are added or removed. Every `family.yaml` is also turned into JSON
//! here, once, so that a run parses a small JSON catalog instead of YAML (the catalog stays
//! YAML for the people who edit it).

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=templates");
    let mut families = serde_json::Map::new();
    let mut dirs: Vec<_> = std::fs::read_dir("templates")
        .expect("templates/ exists")
        .map(|entry| entry.expect("templates/ is readable").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let path = dir.join("family.yaml");
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read(&path).expect("family.yaml is readable");
        let value: serde_json::Value =
            serde_yaml::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        families.insert(path.display().to_string(), value);
    }
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalog.json");
    std::fs::write(out, serde_json::to_vec(&families).expect("JSON serializes"))
        .expect("OUT_DIR is writable");
}
