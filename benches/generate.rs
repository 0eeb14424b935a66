//! `cargo bench`: wall time and peak memory of whole `lambda-new` runs generating a Python
//! project, next to `cp -r` of the same tree. Prints figures; asserts nothing about speed.
//! Targets: `--vcs none` at most 1.5x `cp -r`; the default run (with `git init`) at most 1.5x
//! `cp -r` followed by `git init`; `--dry-run` at most 1.5x `--version`; `add` of one function
//! at most 1.5x `cp -r` of its folder; under 10 MiB peak.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 50;

/// Runs a command to completion; returns its wall time and peak resident memory in KiB.
#[allow(
    clippy::zombie_processes,
    reason = "wait4 reaps the child; Child::wait would lose its rusage"
)]
fn measure(cmd: &mut Command) -> (Duration, i64) {
    let started = Instant::now();
    let child = cmd.spawn().expect("command starts");
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 reaps exactly the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed"
    );
    (elapsed, usage.ru_maxrss)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let (mut generate, mut with_git, mut copy, mut copy_git, mut peak) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
    // `vcs: None` is the default run: git is used as it would be for a person.
    let lambda_new = |name: &str, vcs: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
        cmd.args([name, "--runtime", "python", "--no-interactive"]);
        if let Some(vcs) = vcs {
            cmd.args(["--vcs", vcs]);
        }
        cmd.arg("--output-dir")
            .arg(scratch.path())
            .stdout(std::process::Stdio::null());
        cmd
    };
    for run in 0..RUNS {
        let name = format!("fn{run}");
        let (time, rss) = measure(&mut lambda_new(&name, Some("none")));
        generate.push(time);
        peak = peak.max(rss);
        let source = scratch.path().join(&name);
        let (time, _) = measure(
            Command::new("cp")
                .arg("-r")
                .arg(&source)
                .arg(copy_of(&source)),
        );
        copy.push(time);
        let (git_time, _) = measure(
            Command::new("git")
                .args(["init", "--quiet"])
                .current_dir(copy_of(&source))
                .stdout(std::process::Stdio::null()),
        );
        copy_git.push(time + git_time);
        let (time, rss) = measure(&mut lambda_new(&format!("git{run}"), None));
        with_git.push(time);
        peak = peak.max(rss);
    }
    // What a run costs before it writes: a --dry-run of the same project next to --version
    // (process start-up and argument parsing only).
    let (mut dry_run, mut version) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let mut cmd = lambda_new("dry", Some("none"));
        dry_run.push(measure(cmd.arg("--dry-run")).0);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
        version.push(measure(cmd.arg("--version").stdout(std::process::Stdio::null())).0);
    }
    let (dry_run, version) = (median(dry_run), median(version));
    println!("lambda-new --dry-run (Python project), median of {RUNS} runs: {dry_run:.2?}");
    println!("lambda-new --version, median of {RUNS} runs:                  {version:.2?}");
    println!(
        "ratio: {:.2}x (target: at most 1.5x)",
        dry_run.as_secs_f64() / version.as_secs_f64()
    );
    // `add` into a copy of one application each time, so every add edits the same template.
    let application = scratch.path().join("fn0");
    let (mut add, mut add_copy) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let project = scratch.path().join(format!("app{run}"));
        let status = Command::new("cp")
            .arg("-r")
            .arg(&application)
            .arg(&project)
            .status()
            .unwrap();
        assert!(status.success());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
        cmd.args(["add", "added", "--runtime", "python", "--no-interactive"])
            .arg("--project")
            .arg(&project)
            .stdout(std::process::Stdio::null());
        let (time, rss) = measure(&mut cmd);
        add.push(time);
        peak = peak.max(rss);
        let folder = project.join("added");
        add_copy.push(
            measure(
                Command::new("cp")
                    .arg("-r")
                    .arg(&folder)
                    .arg(copy_of(&folder)),
            )
            .0,
        );
    }
    let (add, add_copy) = (median(add), median(add_copy));
    println!("lambda-new add (Python function), median of {RUNS} runs:      {add:.2?}");
    println!("cp -r of the function's folder, median of {RUNS} runs:        {add_copy:.2?}");
    println!(
        "ratio: {:.2}x (target: at most 1.5x)",
        add.as_secs_f64() / add_copy.as_secs_f64()
    );
    let (generate, with_git, copy, copy_git) = (
        median(generate),
        median(with_git),
        median(copy),
        median(copy_git),
    );
    println!("lambda-new --vcs none (Python project), median of {RUNS} runs: {generate:.2?}");
    println!("cp -r of the same tree, median of {RUNS} runs:                {copy:.2?}");
    println!(
        "ratio: {:.2}x (target: at most 1.5x)",
        generate.as_secs_f64() / copy.as_secs_f64()
    );
    println!("lambda-new with git init (the default), median of {RUNS} runs: {with_git:.2?}");
    println!("cp -r then git init in the copy, median of {RUNS} runs:     {copy_git:.2?}");
    println!(
        "ratio: {:.2}x (target: at most 1.5x)",
        with_git.as_secs_f64() / copy_git.as_secs_f64()
    );
    println!(
        "peak memory of lambda-new: {:.1} MiB (target: under 10 MiB)",
        peak as f64 / 1024.0
    );
}

fn copy_of(source: &Path) -> std::path::PathBuf {
    source.with_extension("copy")
}
