//! include_dir! embeds templates/ at compile time; make cargo rebuild when it changes,
//! including when files are added or removed. Every `family.yaml` and every
//! `triggers/*/trigger.yaml` is also turned into JSON here, once, so that a run parses a small
//! JSON catalog instead of YAML (the catalog stays YAML for the people who edit it), and so is
//! every table of the pipeline's.
//!
//! Every Handlebars template is also written out compacted (see [`compact`]): Handlebars parses
//! templates at run time, and its parser's cost grows faster than the text it reads, so the
//! long runs of plain text that make up most of a template are taken out of what it parses,
//! and each template is cut into chunks that are parsed one at a time (see [`chunks`]).

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
    let mut texts = Vec::new();
    let mut code = String::from(
        "/// Every `.hbs` file by its path under `templates/`, compacted and cut into chunks, each\n\
         /// with the number of lines before it; sorted by path.\n",
    );
    code.push_str("pub static COMPACTED: &[(&str, &[(usize, &str)])] = &[\n");
    for (name, path) in templates {
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let compacted = compact(&source, &mut texts);
        code.push_str(&format!("    ({name:?}, &{:?}),\n", chunks(&compacted)));
    }
    code.push_str("];\n/// The plain text taken out of the compacted templates, by number.\n");
    code.push_str("pub static TEXTS: &[&str] = &[\n");
    for text in texts {
        code.push_str(&format!("    {text:?},\n"));
    }
    code.push_str("];\n");
    std::fs::write(out.join("compacted.rs"), code).expect("OUT_DIR is writable");
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

/// The template with each run of plain text replaced by `{{__text N}}`, a helper that writes
/// `texts[N]` back, but for what Handlebars judges the tags beside it by: a blank first line
/// (a block tag or partial before it may be alone on its line) and the newline before a blank
/// last line (one after it may be, and its indentation counts) stay. So do the empty lines
/// next to them: an indented partial indents each line it writes, but a write that starts
/// with a newline is not indented, so text is never cut between two newlines. Whitespace control
/// (`~`) strips across lines, so a run next to a `~` stays whole. An escaped mustache (`\{{`)
/// is copied as if it were a tag: it and its line stay as they are. The templates use no raw
/// blocks (checked here).
fn compact(source: &str, texts: &mut Vec<String>) -> String {
    assert!(
        !source.contains("{{{{"),
        "a template uses a raw block; build.rs's compaction does not know it"
    );
    /// Shorter text is not worth a helper call.
    const SHORTEST: usize = 32;
    let blank = |line: &str| line.trim().is_empty();
    let mut compacted = String::with_capacity(source.len());
    let mut rest = source;
    let mut stripped_after = false;
    loop {
        let run_end = rest.find("{{").unwrap_or(rest.len());
        let run = &rest[..run_end];
        let stripped_before = rest[run_end..].starts_with("{{~");
        // The blank lines the run starts with; its last line, with the newline before it,
        // when blank or escaping.
        let mut start = 0;
        while let Some(line) = run[start..].find('\n').map(|i| &run[start..=start + i]) {
            match blank(line) {
                true => start += line.len(),
                false => break,
            }
        }
        let end = match run.rfind('\n') {
            Some(last) if blank(&run[last..]) || run.ends_with('\\') => last,
            None if blank(run) || run.ends_with('\\') => 0,
            _ => run.len(),
        };
        let end = start.max(run[..end].trim_end_matches('\n').len());
        if !stripped_after && !stripped_before && end >= start + SHORTEST {
            compacted.push_str(&run[..start]);
            compacted.push_str(&format!("{{{{__text {}}}}}", texts.len()));
            texts.push(run[start..end].to_owned());
            compacted.push_str(&run[end..]);
        } else {
            compacted.push_str(run);
        }
        rest = &rest[run_end..];
        if rest.is_empty() {
            return compacted;
        }
        // The tag, copied as it is: a comment ends at `--}}`, any other tag at `}}`.
        let close = if rest.starts_with("{{!--") {
            "--}}"
        } else {
            "}}"
        };
        let tag_end = rest[2..]
            .find(close)
            .map(|i| i + 2 + close.len())
            .unwrap_or_else(|| panic!("an unclosed tag in a template"));
        compacted.push_str(&rest[..tag_end]);
        stripped_after = rest[..tag_end].ends_with("~}}");
        rest = &rest[tag_end..];
    }
}

/// The compacted template cut where a line starts outside every block, into chunks of at
/// least [`SHORTEST_CHUNK`] bytes, each with the number of lines before it. Handlebars' parser
/// finds each element's line by counting from the start of the text it was given, so its cost
/// grows with the square of a template's length; render.rs parses the chunks one at a time
/// and joins them into the same template. Never where whitespace control (`~`) strips across
/// the cut, nor after an escaped mustache (`\{{`), which opens no block.
fn chunks(template: &str) -> Vec<(usize, &str)> {
    /// Shorter chunks are not worth a parser call each.
    const SHORTEST_CHUNK: usize = 256;
    let mut chunks = Vec::new();
    let (mut start, mut depth, mut stripped_after) = (0, 0_i32, false);
    let mut at = 0;
    loop {
        let run_end = template[at..].find("{{").map_or(template.len(), |i| at + i);
        let tag = &template[run_end..];
        let escaped = template[..run_end].ends_with('\\');
        if depth == 0 && !stripped_after && !tag.starts_with("{{~") {
            for (i, _) in template[at..run_end].match_indices('\n') {
                let cut = at + i + 1;
                if cut - start >= SHORTEST_CHUNK && cut < template.len() {
                    chunks.push((
                        template[..start].matches('\n').count(),
                        &template[start..cut],
                    ));
                    start = cut;
                }
            }
        }
        if tag.is_empty() {
            chunks.push((template[..start].matches('\n').count(), &template[start..]));
            return chunks;
        }
        // The tag, as compact() finds it.
        let close = if tag.starts_with("{{!--") {
            "--}}"
        } else {
            "}}"
        };
        let tag_end = tag[2..]
            .find(close)
            .map(|i| i + 2 + close.len())
            .expect("tags are closed");
        match tag[2..].trim_start_matches('~').chars().next() {
            Some('#') if !escaped => depth += 1,
            Some('/') if !escaped => depth -= 1,
            _ => {}
        }
        stripped_after = tag[..tag_end].ends_with("~}}");
        at = run_end + tag_end;
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
