//! Every combination (deprecated runtimes included) through the linters users run:
//! hadolint for each Dockerfile and cfn-lint for each template.yaml, zero findings.

mod support;

use std::path::PathBuf;
use std::process::Command;

/// Writes every combination into one temporary directory; returns it with the paths of
/// the generated files named `file_name`.
fn generate_all(file_name: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let root = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for combo in support::matrix(true) {
        let target = root.path().join(combo.label());
        lambda_new::write::write(&support::render(&combo, "lint-me"), &target).unwrap();
        for entry in walk(&target) {
            if entry.file_name().is_some_and(|n| n == file_name) {
                paths.push(entry);
            }
        }
    }
    assert!(!paths.is_empty(), "no {file_name} generated");
    (root, paths)
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_clean(tool: &str, args: &[&str], files: &[PathBuf]) {
    let output = Command::new(tool).args(args).args(files).output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "{tool} found problems in generated files:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{tool}: {} files clean", files.len());
}

#[test]
fn every_dockerfile_passes_hadolint() {
    if !support::require_tool("hadolint", "lints generated Dockerfiles") {
        return;
    }
    let (_root, dockerfiles) = generate_all("Dockerfile");
    // `--failure-threshold style` fails on every finding, down to style hints.
    assert_clean(
        "hadolint",
        &["--no-color", "--failure-threshold", "style"],
        &dockerfiles,
    );
}

#[test]
fn every_template_passes_cfn_lint() {
    if !support::require_tool("cfn-lint", "lints generated SAM templates") {
        return;
    }
    let (_root, templates) = generate_all("template.yaml");
    // Informational rules (I...) are opt-in; include them, and fail on any finding.
    assert_clean(
        "cfn-lint",
        &[
            "--include-checks",
            "I",
            "--non-zero-exit-code",
            "informational",
            "--",
        ],
        &templates,
    );
}
