//! Terminating signals sent to the real binary at points spread over a whole run: the
//! directory ends up holding either the complete project or exactly what it held before.
//! After SIGKILL, the next run says what a killed run left and how to restore it, and its
//! commands do.

mod support;

use std::path::Path;
use std::time::Duration;

use support::disk::{self, STEP_DELAY, tree};

/// Per write step: spreads a Python project's write over about 150-300 ms.
const DELAY_MS: &str = "8";

#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `lambda-new app`: a new directory.
    New,
    /// `lambda-new app --init --overwrite` into a directory with files of the user's.
    Init,
}

fn args(mode: Mode) -> Vec<&'static str> {
    let mut args = vec!["app", "--runtime", "python", "--vcs", "none"];
    if let Mode::Init = mode {
        args.extend(["--init", "--overwrite"]);
    }
    args
}

type Tree = Vec<(String, Option<Vec<u8>>)>;

/// The tree a slowed run without signals leaves in a seeded directory, and how long it took.
fn complete(mode: Mode) -> (Tree, Duration) {
    let dir = disk::seeded_dir();
    let started = std::time::Instant::now();
    support::run(disk::command(dir.path(), &args(mode)).env(STEP_DELAY, DELAY_MS));
    (tree(dir.path()), started.elapsed())
}

#[test]
fn terminating_signals_leave_the_whole_project_or_the_prior_state() {
    for mode in [Mode::New, Mode::Init] {
        let (complete, run) = complete(mode);
        for (signal, count) in [
            (libc::SIGTERM, 14),
            (libc::SIGINT, 14),
            (libc::SIGHUP, 7),
            (libc::SIGQUIT, 7),
        ] {
            let mut rolled_back = 0;
            for after in disk::points(run, count) {
                let dir = disk::seeded_dir();
                let mut cmd = disk::command(dir.path(), &args(mode));
                cmd.env(STEP_DELAY, DELAY_MS);
                let cancelled =
                    disk::assert_whole_or_nothing(dir.path(), &mut cmd, after, signal, &complete);
                if let Some(stderr) = cancelled {
                    assert!(
                        stderr.contains("nothing was left behind"),
                        "{mode:?}, signal {signal} after {after:?}: {stderr}"
                    );
                    rolled_back += 1;
                }
            }
            assert!(
                rolled_back > 0,
                "{mode:?}: no signal {signal} landed inside a write; the test proves nothing"
            );
        }
    }
}

/// Ctrl-C at a terminal signals the whole process group, git included.
#[test]
fn ctrl_c_during_git_init_exits_130_and_rolls_back() {
    if !support::require_tool("git", "the project is put under git") {
        return;
    }
    let marks = tempfile::tempdir().unwrap();
    let mark = marks.path().join("git-started");
    let (_bin, path) = disk::fake_git(&format!(
        "touch {}\nsleep 2\nexec \"$REAL_GIT\" \"$@\"",
        mark.display()
    ));
    for mode in [Mode::New, Mode::Init] {
        for (signal, whole_group, code) in [(libc::SIGINT, true, 130), (libc::SIGTERM, false, 143)]
        {
            let _ = std::fs::remove_file(&mark);
            let dir = disk::seeded_dir();
            let before = tree(dir.path());
            let mut args = args(mode);
            args.retain(|a| *a != "none" && *a != "--vcs");
            args.extend(["--vcs", "git"]);
            let mut cmd = disk::command(dir.path(), &args);
            std::os::unix::process::CommandExt::process_group(cmd.env("PATH", &path), 0);
            let child = cmd.spawn().unwrap();
            disk::wait_for(&mark);
            let pid = child.id() as libc::pid_t;
            // SAFETY: signals our own child (or its process group); no memory effects.
            unsafe { libc::kill(if whole_group { -pid } else { pid }, signal) };
            let output = child.wait_with_output().unwrap();
            let context = format!("{mode:?}, signal {signal}: {}", disk::stderr(&output));
            assert_eq!(output.status.code(), Some(code), "{context}");
            assert!(
                disk::stderr(&output).contains("nothing was left behind"),
                "{context}"
            );
            assert_eq!(tree(dir.path()), before, "{context}");
        }
    }
}

#[test]
fn after_sigkill_the_next_run_says_how_to_restore_and_its_commands_do() {
    for mode in [Mode::New, Mode::Init] {
        let (complete, run) = complete(mode);
        let (mut stale, mut restored) = (0, 0);
        for after in disk::points(run, 16) {
            let dir = disk::seeded_dir();
            let before = tree(dir.path());
            let mut cmd = disk::command(dir.path(), &args(mode));
            cmd.env(STEP_DELAY, DELAY_MS);
            disk::run_signalled(&mut cmd, after, libc::SIGKILL);
            let context = format!("{mode:?}, killed after {after:?}");
            if disk::stagings(dir.path()).is_empty() {
                let now = tree(dir.path());
                assert!(now == before || now == complete, "{context}: {now:?}");
                continue;
            }
            stale += 1;
            let output = disk::command(dir.path(), &args(mode)).output().unwrap();
            let stderr = disk::stderr(&output);
            assert_eq!(output.status.code(), Some(1), "{context}: {stderr}");
            assert!(
                stderr.contains("left by a lambda-new run that was killed"),
                "{context}: {stderr}"
            );
            restore(dir.path(), &disk::restore_commands(&stderr), &context);
            let now = tree(dir.path());
            if stderr.contains("back as it was before that run") {
                assert_eq!(now, before, "{context}: {stderr}");
                restored += 1;
            } else {
                // No journal: killed before placing anything, or after placing everything.
                assert!(now == before || now == complete, "{context}: {stderr}");
            }
        }
        assert!(stale > 0, "{mode:?}: no SIGKILL landed inside a write");
        if let Mode::Init = mode {
            assert!(restored > 0, "no SIGKILL landed while placing files");
        }
    }
}

fn restore(dir: &Path, commands: &[String], context: &str) {
    assert!(!commands.is_empty(), "{context}: no commands");
    let script = commands.join(" &&\n");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "{context}: {script}");
}

/// SIGTERM at points spread over `lambda-new add`: the application ends up with the function
/// added whole (its folder and its template lines) or exactly as it was.
#[test]
fn sigterm_during_add_leaves_the_function_whole_or_nothing() {
    let app = || {
        let dir = tempfile::tempdir().unwrap();
        support::run(&mut disk::command(dir.path(), &["app", "--vcs", "none"]));
        dir
    };
    let add = ["add", "worker", "--runtime", "python"];
    let dir = app();
    let project = dir.path().join("app");
    let started = std::time::Instant::now();
    support::run(disk::command(&project, &add).env(STEP_DELAY, DELAY_MS));
    let (complete, run) = (tree(&project), started.elapsed());
    let mut rolled_back = 0;
    for after in disk::points(run, 14) {
        let dir = app();
        let project = dir.path().join("app");
        let mut cmd = disk::command(&project, &add);
        cmd.env(STEP_DELAY, DELAY_MS);
        if disk::assert_whole_or_nothing(&project, &mut cmd, after, libc::SIGTERM, &complete)
            .is_some()
        {
            rolled_back += 1;
        }
    }
    assert!(rolled_back > 0, "no SIGTERM landed inside the add's write");
}
