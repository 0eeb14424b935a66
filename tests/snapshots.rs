//! Every generated file of every supported combination, as reviewed snapshots under
//! `snapshots/`. A template change shows up here as a diff to read before accepting.

mod support;

use std::fmt::Write;

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
            insta::assert_snapshot!(combo.label(), tree);
        }
        assert!(
            failures.is_empty(),
            "combinations that do not render:\n{}",
            failures.join("\n")
        );
    });
}
