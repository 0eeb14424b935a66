//! Every combination (deprecated runtimes included) through the linters users run:
//! hadolint for each Dockerfile and cfn-lint for each template.yaml, zero findings; and every
//! trigger for each supported combination.

mod support;

use std::path::PathBuf;
use std::process::Command;

/// `--failure-threshold style` fails on every finding, down to style hints.
const HADOLINT: &[&str] = &["--no-color", "--failure-threshold", "style"];
/// Informational rules (I...) are opt-in: include them, and fail on any finding.
const CFN_LINT: &[&str] = &[
    "--include-checks",
    "I",
    "--non-zero-exit-code",
    "informational",
    "--",
];

/// Writes every combination into one temporary directory; returns it with the paths of
/// the generated files named `file_name`.
fn generate_all(file_name: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let projects = support::matrix(true)
        .into_iter()
        .map(|combo| (combo, "lint-me"));
    generate(projects, file_name)
}

/// Names at the edges of the rules, and words some language reserves, for every family's
/// newest runtime on both bases (one option value each: names do not depend on it).
fn generate_edge_names(file_name: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let long = "L".repeat(64);
    let names = [
        "A",
        "a_",
        "A--b__C",
        long.as_str(),
        "class",
        "import",
        "package",
        "func",
        "type",
        "main",
        "test",
        "System",
        "lambda",
        "async",
        "crate",
        "end",
    ];
    let mut newest: Vec<support::Combo> = Vec::new();
    for combo in support::matrix(false) {
        let seen = newest
            .iter()
            .any(|c| c.family == combo.family && c.base == combo.base);
        if !seen && combo.arch == lambda_new::choices::Architecture::X86_64 {
            newest.push(combo);
        }
    }
    let projects = newest
        .into_iter()
        .flat_map(|combo| names.map(|name| (combo.clone(), name)));
    generate(projects.collect::<Vec<_>>().into_iter(), file_name)
}

/// Every trigger (and the public function URL) for each family's newest runtime, on both
/// bases and architectures, with every option value. A file is linted once per distinct
/// content: a template varies by trigger, runtime and architecture, a Dockerfile only where a
/// family makes it depend on the trigger.
fn generate_every_trigger(file_name: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut paths = Vec::new();
    let mut newest: Vec<(String, String)> = Vec::new();
    for combo in support::matrix(false) {
        match newest.iter().find(|(family, _)| *family == combo.family) {
            Some((_, runtime)) if *runtime != combo.runtime => continue,
            Some(_) => {}
            None => newest.push((combo.family.clone(), combo.runtime.clone())),
        }
        for trigger in support::e2e::triggers() {
            let mut requests = vec![combo.with_trigger(&trigger).request("lint-me")];
            if trigger == "function-url" {
                let mut public = requests[0].clone();
                public.function_url_auth = Some(lambda_new::choices::UrlAuth::None);
                requests.push(public);
            }
            for (i, request) in requests.iter().enumerate() {
                let (choices, _) = lambda_new::choices::resolve(request, &catalog).unwrap();
                let plan = lambda_new::render::render(&choices, &catalog).unwrap();
                let file = plan.files.iter().find(|f| f.path.ends_with(file_name));
                let Some(file) = file.filter(|f| seen.insert(f.contents.clone())) else {
                    continue;
                };
                let target = root.path().join(format!("{}-{trigger}-{i}", combo.label()));
                lambda_new::write::write(&plan, &target).unwrap();
                paths.push(target.join(&file.path));
            }
        }
    }
    (root, paths)
}

fn generate<'n>(
    projects: impl Iterator<Item = (support::Combo, &'n str)>,
    file_name: &str,
) -> (tempfile::TempDir, Vec<PathBuf>) {
    let root = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (combo, name) in projects {
        let target = root.path().join(format!("{}-{name}", combo.label()));
        lambda_new::write::write(&support::render(&combo, name), &target).unwrap();
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
    assert_clean("hadolint", HADOLINT, &dockerfiles);
}

#[test]
fn every_template_passes_cfn_lint() {
    if !support::require_tool("cfn-lint", "lints generated SAM templates") {
        return;
    }
    let (_root, templates) = generate_all("template.yaml");
    assert_clean("cfn-lint", CFN_LINT, &templates);
}

#[test]
fn every_trigger_lints_clean() {
    if !support::require_tool("hadolint", "lints generated Dockerfiles")
        || !support::require_tool("cfn-lint", "lints generated SAM templates")
    {
        return;
    }
    let (_root, templates) = generate_every_trigger("template.yaml");
    assert!(templates.len() >= 11, "a template per trigger at least");
    assert_clean("cfn-lint", CFN_LINT, &templates);
    let (_root, dockerfiles) = generate_every_trigger("Dockerfile");
    assert_clean("hadolint", HADOLINT, &dockerfiles);
}

#[test]
fn edge_case_names_lint_clean() {
    if !support::require_tool("hadolint", "lints generated Dockerfiles")
        || !support::require_tool("cfn-lint", "lints generated SAM templates")
    {
        return;
    }
    let (_root, dockerfiles) = generate_edge_names("Dockerfile");
    assert_clean("hadolint", HADOLINT, &dockerfiles);
    // template.yaml depends on the name, not on the family: one family's are enough.
    let (_root, mut templates) = generate_edge_names("template.yaml");
    templates.retain(|t| t.to_string_lossy().contains("/python"));
    assert_clean("cfn-lint", CFN_LINT, &templates);
}
