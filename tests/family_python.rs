//! Generated Python projects pass their own unit tests and ruff, with the tool versions
//! their requirements-dev.txt pins (installed once per run into a venv under target/).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::Architecture;

/// A venv with the generated requirements-dev.txt installed, reused while the pins match.
fn dev_venv(requirements: &Path) -> PathBuf {
    let pins = std::fs::read_to_string(requirements).unwrap();
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-dev-venv");
    let stamp = venv.join("requirements-dev.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(pins.as_str()) {
        let _ = std::fs::remove_dir_all(&venv);
        support::run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        support::run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(requirements),
        );
        std::fs::copy(requirements, &stamp).unwrap();
    }
    venv
}

#[test]
fn generated_projects_pass_pytest_and_ruff() {
    if !support::require_tool("python3", "runs the generated projects' pytest suites") {
        return;
    }
    let started = Instant::now();
    // The code differs by runtime (ruff's target version) and base kind, not by architecture.
    let combos: Vec<_> = support::matrix(false)
        .into_iter()
        .filter(|c| c.runtime.starts_with("python") && c.arch == Architecture::X86_64)
        .collect();
    assert!(!combos.is_empty());
    for combo in &combos {
        let mut args = vec!["my-fn".to_owned()];
        args.extend(combo.args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_out, project) = support::generate(&args);
        let function = project.join("function");
        let venv = dev_venv(&function.join("requirements-dev.txt"));
        // Byte-code stays out of the tree so the lint sees only generated files.
        support::run(
            Command::new(venv.join("bin/pytest"))
                .args(["-q", "-p", "no:cacheprovider"])
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .current_dir(&function),
        );
        support::run(
            Command::new(venv.join("bin/ruff"))
                .args(["check", "--no-cache", "."])
                .current_dir(&function),
        );
        support::run(
            Command::new(venv.join("bin/ruff"))
                .args(["format", "--check", "--no-cache", "."])
                .current_dir(&function),
        );
    }
    println!(
        "{} Python projects tested in {:.1?}",
        combos.len(),
        started.elapsed()
    );
}
