//! The Node.js family's generated projects, checked with the machine's Node.js and npm: for
//! each runtime and language, `npm ci` against the generated lock file, the project's own
//! `npm test` (Node's built-in runner; for TypeScript after `tsc`), and for TypeScript the
//! strict type check `npm run typecheck`. The alternative base's entry script gets a shell
//! syntax check.
//!
//! CI has Node.js 20 only (nodejs.org is out of reach), so every project's tests run on
//! Node.js 20 whatever runtime it targets: the code must stay within what Node.js 20 runs.
//! npm warns that the package wants a newer Node.js (`engines`); that is expected. These
//! tests do not build the images or start aws-lambda-ric (no Docker engine here).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use lambda_new::choices::BaseKind;

/// `npm` in `dir`, quietly: no audit, no funding notices, no update check. npm's default
/// cache (~/.npm) is shared by every project and preferred to the registry, so each package
/// is downloaded once.
fn npm(dir: &Path, args: &[&str]) -> Output {
    support::run(
        Command::new("npm")
            .args(args)
            .args([
                "--no-audit",
                "--no-fund",
                "--no-update-notifier",
                "--prefer-offline",
            ])
            .current_dir(dir),
    )
}

/// Writes the combination into `root/<label>` and returns the project directory.
fn write(combo: &support::Combo, root: &Path) -> PathBuf {
    let dir = root.join(combo.label());
    lambda_new::write::write(&support::render(combo, "my-fn"), &dir).expect("project written");
    dir
}

/// Installs and tests one generated project; panics with npm's output on failure.
fn install_and_test(combo: &support::Combo, project: &Path) {
    let function = project.join("function");
    let typescript = combo.options.get("language").map(String::as_str) == Some("typescript");

    npm(&function, &["ci"]);
    if typescript {
        npm(&function, &["run", "typecheck"]);
    }
    let output = npm(&function, &["test"]);
    let report = String::from_utf8_lossy(&output.stdout);
    // TAP (Node 20) prints "# pass 4", the spec reporter (Node 22+) "ℹ pass 4".
    assert!(
        report.contains("pass 4") && report.contains("fail 0"),
        "{}: expected 4 passing tests, got:\n{report}",
        combo.label()
    );

    // The handler string `index.handler` names index.js in /var/task, which the Dockerfile
    // copies from src/ (JavaScript) or dist/src/ (TypeScript), as an ES module.
    let handler_file = if typescript {
        "dist/src/index.js"
    } else {
        "src/index.js"
    };
    assert!(
        function.join(handler_file).is_file(),
        "{}: {handler_file} is missing",
        combo.label()
    );
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(function.join("package.json")).unwrap()).unwrap();
    assert_eq!(package["type"], "module", "{}: package.json", combo.label());
}

#[test]
fn generated_nodejs_tests_pass_and_types_check() {
    if !support::require_tool(
        "npm",
        "installs and runs the generated Node.js projects' tests",
    ) {
        return;
    }
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    // The code is the same on both base kinds: test it once per runtime and language.
    let projects: Vec<_> = support::family_combos("nodejs")
        .into_iter()
        .filter(|c| c.base == BaseKind::Aws)
        .map(|combo| {
            let project = write(&combo, root.path());
            (combo, project)
        })
        .collect();
    // npm spends most of its time waiting on the registry: run the projects side by side.
    std::thread::scope(|scope| {
        let handles: Vec<_> = projects
            .iter()
            .map(|(combo, project)| scope.spawn(move || install_and_test(combo, project)))
            .collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    println!(
        "Node.js family: {} projects installed and tested in {:.1} s",
        projects.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn alternative_entry_script_is_valid_shell() {
    if !support::require_tool("sh", "checks the generated entry script's syntax") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    for combo in support::family_combos("nodejs")
        .iter()
        .filter(|c| c.base == BaseKind::Alternative)
    {
        let project = write(combo, root.path());
        let script = project.join("function/lambda-entrypoint.sh");
        support::run(Command::new("sh").arg("-n").arg(&script));
        let text = std::fs::read_to_string(&script).unwrap();
        assert!(
            text.contains("export _HANDLER=\"${1:"),
            "{}: {text}",
            combo.label()
        );
    }
}
