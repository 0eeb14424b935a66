//! Every generated file of every supported combination, as reviewed snapshots under
//! `snapshots/`. A template change shows up here as a diff to read before accepting.
//! Today's matrix is wired to the default trigger; every other trigger is snapshotted for each
//! family (and option value) on its newest runtime, AWS base, x86_64, as the files that differ
//! from that project's default-trigger twin; one Python project with `--ci gitlab` likewise.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write;

use lambda_new::render::{Plan, PlannedFile};

#[test]
fn generated_projects_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
        // Render everything first, so one broken template does not hide the others' diffs.
        let mut failures = Vec::new();
        for combo in support::matrix(false) {
            let (choices, _) =
                lambda_new::choices::resolve(&combo.request("my-fn"), &catalog).unwrap();
            let plan = match lambda_new::render::render(&choices, &catalog) {
                Ok(plan) => plan,
                Err(error) => {
                    failures.push(format!("{}: {error}", combo.label()));
                    continue;
                }
            };
            let mut tree = String::new();
            for file in &plan.files {
                show(&mut tree, file);
            }
            insta::assert_snapshot!(combo.label(), tree);
        }
        for combo in newest_per_family() {
            let twin = render(&combo, &catalog);
            for trigger in catalog.triggers.iter().skip(1) {
                let combo = combo.with_trigger(&trigger.id);
                let plan = match render_result(&combo, &catalog) {
                    Ok(plan) => plan,
                    Err(error) => {
                        failures.push(format!("{}: {error}", combo.label()));
                        continue;
                    }
                };
                insta::assert_snapshot!(combo.label(), differences(&twin, &plan));
            }
        }
        // The GitLab pipeline, beside the default GitHub one of a Python project.
        let python = newest_per_family()
            .into_iter()
            .find(|c| c.family == "python")
            .expect("the matrix has Python");
        let mut request = python.request("my-fn");
        request.ci = Some(lambda_new::choices::Ci::Gitlab);
        let (choices, _) = lambda_new::choices::resolve(&request, &catalog).unwrap();
        let plan = lambda_new::render::render(&choices, &catalog).unwrap();
        let twin = render(&python, &catalog);
        let label = format!("{}-ci-gitlab", python.label());
        insta::assert_snapshot!(label, differences(&twin, &plan));
        assert!(
            failures.is_empty(),
            "combinations that do not render:\n{}",
            failures.join("\n")
        );
    });
}

fn render_result(
    combo: &support::Combo,
    catalog: &lambda_new::catalog::Catalog,
) -> Result<Plan, lambda_new::error::Error> {
    let (choices, _) = lambda_new::choices::resolve(&combo.request("my-fn"), catalog)?;
    lambda_new::render::render(&choices, catalog)
}

fn render(combo: &support::Combo, catalog: &lambda_new::catalog::Catalog) -> Plan {
    render_result(combo, catalog).unwrap_or_else(|e| panic!("{}: {e}", combo.label()))
}

/// Each family (and option value) on its newest runtime, AWS base, x86_64.
fn newest_per_family() -> Vec<support::Combo> {
    let mut seen = BTreeMap::new();
    for combo in support::matrix(false) {
        let aws_x86 = combo.base == lambda_new::choices::BaseKind::Aws
            && combo.arch == lambda_new::choices::Architecture::X86_64;
        let key = (combo.family.clone(), combo.options.clone());
        if aws_x86 && !seen.contains_key(&key) {
            seen.insert(key, combo);
        }
    }
    seen.into_values().collect()
}

/// The files of `plan` that `twin` does not have or has with other contents or mode, whole,
/// then the paths only `twin` has.
fn differences(twin: &Plan, plan: &Plan) -> String {
    let mut out =
        String::from("(the files that differ from the project with the default trigger)\n");
    for file in &plan.files {
        if !twin.files.contains(file) {
            show(&mut out, file);
        }
    }
    for file in &twin.files {
        if !plan.files.iter().any(|f| f.path == file.path) {
            writeln!(out, "===== {} (not generated)", file.path).unwrap();
        }
    }
    out
}

/// Appends one file: a header with its path and mode, then its text.
fn show(tree: &mut String, file: &PlannedFile) {
    let mode = if file.executable { "755" } else { "644" };
    writeln!(tree, "===== {} ({mode})", file.path).unwrap();
    match std::str::from_utf8(&file.contents) {
        Ok(text) => tree.push_str(text),
        // A binary file (the Gradle wrapper's jar) by size and checksum.
        Err(_) => writeln!(
            tree,
            "(binary: {} bytes, sha256 {})",
            file.contents.len(),
            support::sha256_hex(&file.contents)
        )
        .unwrap(),
    }
    if !tree.ends_with('\n') {
        tree.push_str("\n(no newline at end of file)\n");
    }
}
