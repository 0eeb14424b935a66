//! Helpers for the tests that interrupt, race and disturb real runs of the binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary's test-only pause between write steps (debug builds), so signals and
/// concurrent runs land inside a write.
pub const STEP_DELAY: &str = "TEST_LAMBDA_NEW_STEP_DELAY_MS";

/// Every path under `dir`, relative, with a file's contents, a symlink's target, and `None`
/// for a directory; sorted, to compare whole trees.
pub fn tree(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out);
    out.sort();
    out
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<(String, Option<Vec<u8>>)>) {
    for entry in std::fs::read_dir(root.join(rel)).expect("readable directory") {
        let entry = entry.unwrap();
        let rel = rel.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        let name = rel.display().to_string();
        if kind.is_dir() {
            out.push((name, None));
            walk(root, &rel, out);
        } else if kind.is_symlink() {
            let target = std::fs::read_link(root.join(&rel)).unwrap();
            out.push((name, Some(format!("-> {}", target.display()).into_bytes())));
        } else if kind.is_file() {
            out.push((name, Some(std::fs::read(root.join(&rel)).unwrap())));
        } else {
            // A FIFO or a device is never read: that would hang, or never end.
            out.push((name, Some(format!("{kind:?}").into_bytes())));
        }
    }
}

/// A directory with files of the user's, two of them where a Python project puts its own.
pub fn seeded_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "my readme").unwrap();
    std::fs::create_dir(dir.path().join("events")).unwrap();
    std::fs::write(dir.path().join("events/event.json"), "{\"mine\": 1}").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    dir
}

/// `lambda-new` in `dir` with `args`, no prompts, output captured.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = super::lambda_new();
    cmd.current_dir(dir)
        .args(args)
        .arg("--no-interactive")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub fn signal(child: &Child, signal: i32) {
    // SAFETY: kill has no memory effects; the pid is our own child, not yet reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
}

/// Starts `cmd`, sends `sig` after `after`, and waits for it.
pub fn run_signalled(cmd: &mut Command, after: Duration, sig: i32) -> Output {
    let child = cmd.spawn().expect("lambda-new starts");
    std::thread::sleep(after);
    signal(&child, sig);
    child.wait_with_output().unwrap()
}

/// Evenly spread points over a little more than a whole run (start-up, write, end), so the
/// signals land in each phase.
pub fn points(run: Duration, count: u32) -> impl Iterator<Item = Duration> {
    let span = run * 6 / 5;
    (0..count).map(move |i| span * i / count)
}

/// Runs `cmd`, which writes in `dir`, sends it `sig` after `after`, and asserts that `dir`
/// ends whole or as it was: `complete` when the run finished, as before it when the signal
/// ended it (handled: exit 128 + sig; or killed before the handler was installed). Returns
/// the run's standard error when it says it cancelled its write and rolled back.
pub fn assert_whole_or_nothing(
    dir: &Path,
    cmd: &mut Command,
    after: Duration,
    sig: i32,
    complete: &[(String, Option<Vec<u8>>)],
) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    let before = tree(dir);
    let output = run_signalled(cmd, after, sig);
    let stderr = stderr(&output);
    let context = format!("signal {sig} after {after:?}: {stderr}");
    match output.status.code() {
        Some(0) => assert_eq!(tree(dir), complete, "{context}"),
        Some(code) if code == 128 + sig => {
            assert_eq!(tree(dir), before, "{context}");
            return stderr.contains("cancelled by").then_some(stderr);
        }
        None if output.status.signal() == Some(sig) => {
            assert_eq!(tree(dir), before, "{context}");
        }
        _ => panic!("unexpected {}: {context}", output.status),
    }
    None
}

/// Waits until `path` exists (a fake tool's "I started" mark).
pub fn wait_for(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A directory holding an executable `git` script with `body`, to put first on PATH. The
/// real git is `$REAL_GIT` in the script.
pub fn fake_git(body: &str) -> (tempfile::TempDir, String) {
    use std::os::unix::fs::PermissionsExt;
    let real = super::which("git").expect("git installed");
    let bin = tempfile::tempdir().unwrap();
    let script = bin.path().join("git");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nREAL_GIT={}\n{body}\n", real.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    (bin, path.into_string().unwrap())
}

/// The hidden staging directories in `dir` (and those a run was still making).
pub fn stagings(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".lambda-new-staging-") || name.starts_with(".lambda-new-creating-")
        })
        .collect()
}

/// The commands a run that met a stale staging directory prints to restore or clean up:
/// the indented lines after the first line ending in a colon.
pub fn restore_commands(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .skip_while(|l| !l.ends_with(':'))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Runs every command at once and waits for all; their outputs, in order, and their
/// standard errors joined for an assertion's message.
pub fn run_together(commands: impl IntoIterator<Item = Command>) -> (Vec<Output>, String) {
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut cmd| cmd.spawn().unwrap())
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let stderrs = outputs.iter().map(stderr).collect::<Vec<_>>().join(" | ");
    (outputs, stderrs)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A FIFO at `path`: an input that hangs a reader that waits for its writer.
pub fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
}
