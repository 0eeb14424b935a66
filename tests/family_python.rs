//! Generated Python projects pass their own unit tests and ruff, with the tool versions
//! their requirements-dev.txt pins, on their own runtime's Python where this machine has it:
//! once per runtime by the README's Test commands as written, otherwise in a venv installed
//! once per interpreter and pins under target/.
//!
//! Interpreters: tests/support/python.rs. A runtime without its own runs on the machine's
//! python3, with a printed NOTE; ruff's `target-version` and its FA rules still check the code
//! against that runtime's syntax.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use lambda_new::choices::{Architecture, BaseKind};

/// A venv of `python` with the generated requirements-dev.txt installed, reused while the
/// interpreter and the pins match (the tests share it, so one makes it at a time). A trigger
/// whose requirements.txt adds packages (s3's boto3) gets a venv of its own.
fn dev_venv(python: &Path, version: &str, requirements: &Path) -> PathBuf {
    static MAKING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let pins = std::fs::read_to_string(requirements).unwrap();
    let runtime_pins = std::fs::read(requirements.with_file_name("requirements.txt")).unwrap();
    let set = &support::sha256_hex(&runtime_pins)[..12];
    let venv =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("python-dev-venv-{version}-{set}"));
    let stamp = venv.join("requirements-dev.txt");
    let wanted = format!("{}\n{pins}", python.display());
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let _ = std::fs::remove_dir_all(&venv);
        support::run(Command::new(python).args(["-m", "venv"]).arg(&venv));
        support::run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(requirements),
        );
        std::fs::write(&stamp, wanted).unwrap();
    }
    venv
}

/// The first `sh` block of the README's `## Test` section.
fn readme_test_block(project: &Path) -> String {
    let readme =
        std::fs::read_to_string(support::function_folder(project).join("README.md")).unwrap();
    let (_, section) = readme.split_once("\n## Test\n").expect("a Test section");
    let (_, block) = section.split_once("```sh\n").expect("an sh block");
    block
        .split_once("```")
        .expect("a closed block")
        .0
        .to_string()
}

/// Runs the README's Test block with bash from the project's root, `python` first on PATH, then
/// checks the shell is back in the project's root (the README's next commands run there).
fn run_readme_test(project: &Path, python: &Path) {
    let block = readme_test_block(project);
    let path = std::env::join_paths(
        std::iter::once(python.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    support::run(
        Command::new("bash")
            .args(["-euo", "pipefail", "-c"])
            .arg(format!("{block}test -f template.yaml\n"))
            .env("PATH", path)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .current_dir(project),
    );
}

#[test]
fn generated_projects_pass_pytest_and_ruff() {
    if !support::require_tool("python3", "runs the generated projects' pytest suites") {
        return;
    }
    let started = Instant::now();
    // The code differs by runtime (ruff's target version, 3.9's annotations) and base kind,
    // not by architecture. Deprecated runtimes too: people still generate them.
    let combos: Vec<_> = support::family_matrix("python")
        .into_iter()
        .filter(|c| c.arch == Architecture::X86_64)
        .collect();
    assert!(!combos.is_empty());
    let mut on_own = 0;
    for combo in &combos {
        let version = combo.runtime.strip_prefix("python").unwrap();
        let python = support::python::interpreter_or_host(version, &combo.label());
        let own = python.file_name().unwrap() == format!("python{version}").as_str();
        on_own += usize::from(own);
        let mut args = vec!["my-fn".to_owned()];
        args.extend(combo.args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_out, project) = support::generate(&args);
        let function = support::function_folder(&project).join("function");
        if own && combo.base == BaseKind::Aws {
            // The README's commands as written, once per runtime (the code is the same on
            // both bases), with that runtime's python first on PATH.
            run_readme_test(&project, &python);
            continue;
        }
        let key = if own { version } else { "host" };
        pytest_and_ruff(&python, key, &function);
    }
    println!(
        "{} Python projects tested in {:.1?}, {on_own} on their own runtime's Python",
        combos.len(),
        started.elapsed()
    );
}

/// Every trigger's project on the newest runtime, both bases, and on the oldest (3.9's
/// postponed annotations, ruff's oldest target; the runtimes between are api's, above). The
/// name is the longest Lambda allows, so a generated line that outgrows ruff's limit fails.
#[test]
fn every_trigger_passes_pytest_and_ruff() {
    if !support::require_tool("python3", "runs the generated projects' pytest suites") {
        return;
    }
    let name = "a-function-whose-name-is-as-long-as-lambda-allows-it-to-be-xxxxx";
    assert_eq!(name.len(), lambda_new::name::MAX_LEN);
    let all: Vec<_> = support::family_matrix("python")
        .into_iter()
        .filter(|c| c.arch == Architecture::X86_64)
        .collect();
    let (newest, oldest) = (&all[0].runtime, &all[all.len() - 1].runtime);
    let combos: Vec<_> = all
        .iter()
        .filter(|c| &c.runtime == newest || (&c.runtime == oldest && c.base == BaseKind::Aws))
        .collect();
    assert_eq!(combos.len(), 3, "{combos:?}");
    for trigger in support::e2e::triggers() {
        let started = Instant::now();
        for combo in &combos {
            let version = combo.runtime.strip_prefix("python").unwrap();
            let python = support::python::interpreter_or_host(version, &combo.label());
            let own = python.file_name().unwrap() == format!("python{version}").as_str();
            let mut args = vec![name.to_owned()];
            args.extend(combo.with_trigger(&trigger).args());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (_out, project) = support::generate(&args);
            // The unit tests replay every bundled event (and so must change when one is added).
            let tests = std::fs::read_to_string(
                support::function_folder(&project).join("function/tests/test_handler.py"),
            )
            .unwrap();
            for event in support::e2e::trigger_events(&project, &trigger) {
                let quoted = format!("\"{}\"", event.file);
                assert!(tests.contains(&quoted), "{trigger}: no test reads {quoted}");
            }
            pytest_and_ruff(
                &python,
                if own { version } else { "host" },
                &support::function_folder(&project).join("function"),
            );
        }
        println!(
            "{trigger}: {} projects in {:.1?}",
            combos.len(),
            started.elapsed()
        );
    }
}

/// The project's pytest suite and ruff's check and format check, by the pins of its
/// requirements-dev.txt in a venv of `python` (`key` names the venv).
fn pytest_and_ruff(python: &Path, key: &str, function: &Path) {
    let venv = dev_venv(python, key, &function.join("requirements-dev.txt"));
    // Byte-code stays out of the tree so the lint sees only generated files.
    support::run(
        Command::new(venv.join("bin/pytest"))
            .args(["-q", "-p", "no:cacheprovider"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(function),
    );
    support::run(
        Command::new(venv.join("bin/ruff"))
            .args(["check", "--no-cache", "."])
            .current_dir(function),
    );
    support::run(
        Command::new(venv.join("bin/ruff"))
            .args(["format", "--check", "--no-cache", "."])
            .current_dir(function),
    );
}
