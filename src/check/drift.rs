//! For a function lambda-new generated: what the user changed or removed, and the pins behind
//! what this version renders for the same answers.

use std::path::Path;

use serde_yaml::Value;

use super::Finding;
use crate::answers::{self, Answers};
use crate::catalog::Catalog;
use crate::render::{Plan, render};

/// The function's recorded files against the disk, its wiring against the template, and its
/// version pins against a render of its answers by this version.
pub fn function(
    project: &Path,
    name: &str,
    recorded: &answers::Function,
    template: &Value,
    catalog: &Catalog,
) -> Vec<Finding> {
    let mut findings = files(project, &recorded.files);
    let plan = match recorded
        .choices(name, catalog, None)
        .and_then(|choices| render(&choices, catalog))
    {
        Ok(plan) => plan,
        Err(e) => {
            findings.push(Finding::info(
                "not-rendered",
                format!("its recorded answers cannot be rendered by this version: {e}"),
            ));
            return findings;
        }
    };
    findings.extend(wiring(&plan, template));
    findings.extend(pins(project, name, &plan));
    findings
}

/// The application's own recorded files (README, samconfig.toml, ...).
pub fn project(project: &Path, answers: &Answers) -> Vec<Finding> {
    files(project, &answers.project_files)
}

fn files(project: &Path, recorded: &std::collections::BTreeMap<String, String>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (path, hash) in recorded {
        match super::read(&project.join(path)) {
            Err(_) => findings.push(
                Finding::info("missing", format!("{path} was generated and is gone")).at(path),
            ),
            Ok(bytes) if answers::sha256(&bytes) != *hash => findings.push(
                Finding::info(
                    "changed",
                    format!("{path} was changed since it was generated"),
                )
                .at(path),
            ),
            Ok(_) => {}
        }
    }
    findings
}

/// Resources the function's render has that the template lost, and events its function
/// resource lost.
fn wiring(plan: &Plan, template: &Value) -> Vec<Finding> {
    let rendered = plan
        .files
        .iter()
        .find(|f| f.path == "template.yaml")
        .and_then(|f| serde_yaml::from_slice::<Value>(&f.contents).ok());
    let Some(rendered) = rendered else {
        return Vec::new();
    };
    let resources = |doc: &Value| doc.get("Resources").and_then(Value::as_mapping).cloned();
    let (Some(wanted), have) = (
        resources(&rendered),
        resources(template).unwrap_or_default(),
    ) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for (id, resource) in &wanted {
        let id_text = id.as_str().unwrap_or_default();
        let Some(present) = have.get(id) else {
            findings.push(Finding::info(
                "wiring-removed",
                format!("template.yaml no longer has the resource {id_text}"),
            ));
            continue;
        };
        let events = |r: &Value| {
            r.get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let kept = events(present);
        for event in events(resource).iter().filter(|e| !kept.contains(e)) {
            findings.push(Finding::info(
                "wiring-removed",
                format!(
                    "{id_text} in template.yaml no longer has its event {}",
                    event.as_str().unwrap_or_default()
                ),
            ));
        }
    }
    findings
}

/// Lines of the function's files that differ from this version's render only in their
/// version numbers, where the file's are older: a pin this version moved on.
fn pins(project: &Path, name: &str, plan: &Plan) -> Vec<Finding> {
    let prefix = format!("{name}/");
    let mut findings = Vec::new();
    for file in plan.files.iter().filter(|f| f.path.starts_with(&prefix)) {
        let (Some(disk), Ok(new)) = (
            super::read_text(&project.join(&file.path)),
            std::str::from_utf8(&file.contents),
        ) else {
            continue;
        };
        let diff = similar::TextDiff::from_lines(disk.as_str(), new);
        for op in diff.ops() {
            let similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } = *op
            else {
                continue;
            };
            let old_lines = &diff.old_slices()[old_index..old_index + old_len];
            let new_lines = &diff.new_slices()[new_index..new_index + new_len];
            for (old, new) in old_lines.iter().zip(new_lines) {
                if version_behind(old, new) {
                    findings.push(
                        Finding::info(
                            "pin-behind",
                            format!(
                                "{}: `{}` is behind `{}`, what this lambda-new writes",
                                file.path,
                                old.trim(),
                                new.trim()
                            ),
                        )
                        .at(&file.path),
                    );
                }
            }
        }
    }
    findings
}

/// Whether `old` is `new` with older version numbers (`pytest==8.3.0` vs `pytest==8.4.2`).
fn version_behind(old: &str, new: &str) -> bool {
    let (old_shape, old_versions) = versions(old);
    let (new_shape, new_versions) = versions(new);
    !old_versions.is_empty() && old_shape == new_shape && old_versions < new_versions
}

/// The line with each version number (digits and dots) replaced by `#`, and the numbers.
fn versions(line: &str) -> (String, Vec<Vec<u64>>) {
    let mut shape = String::new();
    let mut numbers = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_ascii_digit() {
            shape.push(c);
            continue;
        }
        let mut end = start + 1;
        while let Some(&(i, next)) = chars.peek() {
            if next.is_ascii_digit() || next == '.' {
                end = i + 1;
                chars.next();
            } else {
                break;
            }
        }
        let token = line[start..end].trim_end_matches('.');
        shape.push('#');
        shape.push_str(&line[start + token.len()..end]);
        numbers.push(token.split('.').filter_map(|n| n.parse().ok()).collect());
    }
    (shape, numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_pins_are_behind_and_other_changes_are_not() {
        assert!(version_behind("pytest==8.3.0\n", "pytest==8.4.2\n"));
        assert!(version_behind(
            "    <version>1.9</version>",
            "    <version>1.10</version>"
        ));
        assert!(version_behind("go 1.26.0", "go 1.27.0"));
        assert!(!version_behind("pytest==8.4.2", "pytest==8.4.2"));
        assert!(!version_behind("pytest==9.0.0", "pytest==8.4.2"));
        assert!(!version_behind("requests==2.0", "pytest==8.4.2"));
        assert!(!version_behind("no numbers", "no numbers either"));
    }
}
