//! The Node.js family's generated projects, checked with the machine's Node.js and npm: for
//! each runtime and language, `npm ci` against the generated lock file, the project's own
//! `npm test` (Node's built-in runner; for TypeScript after `tsc`), for TypeScript the strict
//! type check `npm run typecheck` and the proof that `npm test` forgets a deleted test, and
//! Biome (`npm run lint`, then `npm run format`, which must find nothing to change). The
//! alternative base's entry script gets a shell syntax check. Every other trigger's project
//! gets the same checks on the newest runtime, and its tests must replay each of its events.
//!
//! CI has Node.js 20 only (nodejs.org is out of reach), so every project's tests run on
//! Node.js 20 whatever runtime it targets: the code must stay within what Node.js 20 runs.
//! npm warns that the package wants a newer Node.js (`engines`); that is expected. These
//! tests do not build the images or start aws-lambda-ric (tests/e2e_nodejs.rs does).

mod support;

use std::collections::BTreeMap;
use std::fs;
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

/// How many tests each trigger's generated project runs (the same in both languages): one
/// per bundled event and the edge cases.
const TESTS: &[(&str, usize)] = &[
    ("api", 4),
    ("http-api", 4),
    ("function-url", 4),
    ("sqs", 11),
    ("sns", 7),
    ("s3", 5),
    ("schedule", 3),
    ("eventbridge", 6),
    ("dynamodb", 6),
    ("none", 7),
];

fn test_count(trigger: &str) -> usize {
    TESTS
        .iter()
        .find(|(id, _)| *id == trigger)
        .unwrap_or_else(|| panic!("no test count for trigger {trigger}"))
        .1
}

/// Installs and tests one generated project; panics with npm's output on failure.
fn install_and_test(combo: &support::Combo, project: &Path) {
    let function = support::function_folder(project).join("function");
    let typescript = combo.options.get("language").map(String::as_str) == Some("typescript");

    npm(&function, &["ci"]);
    if typescript {
        npm(&function, &["run", "typecheck"]);
    }
    assert_passes(combo, &function, test_count(&combo.trigger));
    if typescript {
        deleted_test_stops_running(combo, &function);
    }
    lint_clean(combo, &function);

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
        serde_json::from_slice(&fs::read(function.join("package.json")).unwrap()).unwrap();
    assert_eq!(package["type"], "module", "{}: package.json", combo.label());
}

/// Runs `npm test` and checks that exactly `count` tests ran, all passing; returns the report.
fn assert_passes(combo: &support::Combo, function: &Path, count: usize) -> String {
    let output = npm(function, &["test"]);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    // TAP (Node 20) prints "# pass 4", the spec reporter (Node 22+) "ℹ pass 4".
    let pass = format!("pass {count}\n");
    assert!(
        report.contains(&pass) && report.contains("fail 0\n"),
        "{}: expected {count} passing tests, got:\n{report}",
        combo.label()
    );
    report
}

/// TypeScript compiles tests into dist/: a test deleted from test/ must not keep running
/// from an earlier build.
fn deleted_test_stops_running(combo: &support::Combo, function: &Path) {
    let extra = function.join("test/extra.test.ts");
    fs::write(
        &extra,
        "import { test } from 'node:test';\n\ntest('a test about to be deleted', () => {});\n",
    )
    .unwrap();
    let count = test_count(&combo.trigger);
    let report = assert_passes(combo, function, count + 1);
    assert!(report.contains("a test about to be deleted"), "{report}");
    fs::remove_file(&extra).unwrap();
    let report = assert_passes(combo, function, count);
    assert!(
        !report.contains("a test about to be deleted"),
        "{}: the deleted test still ran:\n{report}",
        combo.label()
    );
}

/// Biome: `npm run lint` passes and `npm run format` (its fixes and formatting) changes no
/// file of the generated project.
fn lint_clean(combo: &support::Combo, function: &Path) {
    npm(function, &["run", "lint"]);
    let before = sources(function);
    npm(function, &["run", "format"]);
    assert_eq!(
        sources(function),
        before,
        "{}: `npm run format` rewrote generated files",
        combo.label()
    );
}

/// Every file Biome may rewrite (all but node_modules/ and dist/), by path.
fn sources(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("node_modules") && !path.ends_with("dist") {
                files.extend(sources(&path));
            }
        } else {
            files.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
    files
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
    install_and_test_all(&projects);
    println!(
        "Node.js family: {} projects installed and tested in {:.1} s",
        projects.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn every_trigger_passes_its_tests_and_lints() {
    if !support::require_tool(
        "npm",
        "installs and runs the generated Node.js projects' tests",
    ) {
        return;
    }
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    // api is tested on every runtime above; the others on the newest (the catalog's first),
    // in both languages.
    let combos = support::family_combos("nodejs");
    let newest = combos[0].runtime.clone();
    let projects: Vec<_> = combos
        .iter()
        .filter(|c| c.base == BaseKind::Aws && c.runtime == newest)
        .flat_map(|combo| {
            support::e2e::triggers()
                .into_iter()
                .filter(|t| t != support::DEFAULT_TRIGGER)
                .map(|trigger| combo.with_trigger(&trigger))
        })
        .map(|combo| {
            let project = write(&combo, root.path());
            replays_every_event(&combo, &project);
            (combo, project)
        })
        .collect();
    install_and_test_all(&projects);
    println!(
        "Node.js family: {} trigger projects installed and tested in {:.1} s",
        projects.len(),
        started.elapsed().as_secs_f64()
    );
}

/// npm spends most of its time waiting on the registry: the projects run side by side.
fn install_and_test_all(projects: &[(support::Combo, PathBuf)]) {
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
}

/// The project's unit tests read every event the trigger bundles (by its file name).
fn replays_every_event(combo: &support::Combo, project: &Path) {
    let extension = match combo.options.get("language").map(String::as_str) {
        Some("typescript") => "ts",
        _ => "js",
    };
    let tests = fs::read_to_string(
        support::function_folder(project).join(format!("function/test/handler.test.{extension}")),
    )
    .unwrap();
    for event in support::e2e::trigger_events(project, &combo.trigger) {
        assert!(
            tests.contains(&format!("'{}'", event.file))
                || tests.contains(&format!("events/{}'", event.file)),
            "{}: the unit tests never read events/{}",
            combo.label(),
            event.file
        );
    }
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
        let script = support::function_folder(&project).join("function/lambda-entrypoint.sh");
        support::run(Command::new("sh").arg("-n").arg(&script));
        let text = fs::read_to_string(&script).unwrap();
        assert!(
            text.contains("export _HANDLER=\"${1:"),
            "{}: {text}",
            combo.label()
        );
    }
}
