//! Helpers shared by the integration tests. Each test crate uses only some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `lambda-new` binary under test.
pub fn lambda_new() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lambda-new"))
}

/// Generates a project with `args` (NAME first) into a fresh temporary directory and
/// returns that directory (kept alive by the guard) and the project path.
pub fn generate(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("temporary directory");
    let status = lambda_new()
        .args(args)
        .arg("--no-interactive")
        .arg("--output-dir")
        .arg(out.path())
        .output()
        .expect("lambda-new runs");
    assert!(
        status.status.success(),
        "lambda-new {args:?} failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let project = out.path().join(args[0]);
    (out, project)
}

/// Whether an external tool a test needs is on PATH. Locally a missing tool skips the test
/// with a printed reason; under `CI=true` it fails, since CI must install it.
pub fn require_tool(tool: &str, why: &str) -> bool {
    if which(tool).is_some() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{tool} is required under CI=true ({why}); .ci/run must install it");
    }
    eprintln!("SKIPPED: {tool} is not installed ({why})");
    false
}

pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
