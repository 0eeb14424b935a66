//! The language release a function's build files ask for, against the runtime it runs on:
//! Java's `release` (a newer one cannot load), Node.js's `engines.node` and Go's `go` line
//! against the Go of the build image.

use std::path::Path;

use super::images::FromLine;
use super::{Finding, Severity};
use crate::catalog::{Family, Runtime};

pub fn check(
    context: &Path,
    family: &Family,
    runtime: &Runtime,
    froms: &[FromLine],
) -> Vec<Finding> {
    let read = |name: &str| super::read_text(&context.join(name));
    let runtime_major = leading_number(&runtime.version);
    match family.id.as_str() {
        "java" => {
            let release = read("pom.xml")
                .and_then(|pom| between(&pom, "<maven.compiler.release>", "<"))
                .or_else(|| {
                    read("build.gradle.kts")
                        .or_else(|| read("build.gradle"))
                        .and_then(|gradle| after(&gradle, "options.release ="))
                });
            match (release, runtime_major) {
                (Some(release), Some(major)) if release > major => vec![Finding {
                    severity: Severity::Act,
                    ..Finding::info(
                        "toolchain",
                        format!(
                            "it compiles for Java {release}, which the {} runtime (Java {major}) cannot load",
                            runtime.id
                        ),
                    )
                }],
                (Some(release), Some(major)) if release < major => vec![Finding::info(
                    "toolchain",
                    format!(
                        "it compiles for Java {release} on the {} runtime (Java {major})",
                        runtime.id
                    ),
                )],
                _ => Vec::new(),
            }
        }
        "nodejs" => {
            let engines = read("package.json")
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|json| json["engines"]["node"].as_str().map(str::to_owned));
            match (engines.as_deref().and_then(first_number), runtime_major) {
                (Some(wanted), Some(runtime)) if wanted != runtime => vec![Finding::info(
                    "toolchain",
                    format!(
                        "package.json's engines.node ({}) is not the runtime's Node.js {runtime}",
                        engines.unwrap_or_default()
                    ),
                )],
                _ => Vec::new(),
            }
        }
        "go" => {
            let directive = read("go.mod").and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("go ").map(|v| v.trim().to_owned()))
            });
            let image = froms
                .iter()
                .find_map(|f| f.image.split_once("golang:").map(|(_, tag)| tag.to_owned()));
            match (directive, image) {
                (Some(directive), Some(tag)) if release(&directive) > release(&tag) => {
                    vec![Finding {
                        severity: Severity::Act,
                        ..Finding::info(
                            "toolchain",
                            format!(
                                "go.mod asks for Go {directive}, newer than the build image's (golang:{tag})"
                            ),
                        )
                    }]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// Major and minor of a Go release or image tag (`1.27.0`, `1.27-trixie`).
fn release(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or_default()
        .split('.')
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn leading_number(text: &str) -> Option<u64> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn first_number(text: &str) -> Option<u64> {
    leading_number(text.trim_start_matches(|c: char| !c.is_ascii_digit()))
}

fn between(text: &str, start: &str, end: &str) -> Option<u64> {
    let rest = &text[text.find(start)? + start.len()..];
    rest[..rest.find(end)?].trim().parse().ok()
}

fn after(text: &str, start: &str) -> Option<u64> {
    leading_number(text[text.find(start)? + start.len()..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_numbers() {
        assert!(release("1.28.0") > release("1.27-trixie"));
        assert_eq!(release("1.27.3"), release("1.27"));
        assert_eq!(first_number(">=20"), Some(20));
        assert_eq!(between("<r>21</r>", "<r>", "<"), Some(21));
        assert_eq!(
            after("options.release = 17\n", "options.release ="),
            Some(17)
        );
    }
}
