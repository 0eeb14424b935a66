//! The wizard, driven through a real pseudo-terminal: arrow keys, validation, cancelling.

use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";

fn spawn(dir: &Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
    cmd.current_dir(dir)
        .args(args)
        .arg("--vcs=none")
        .env("TERM", "xterm-256color");
    for var in [
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "LAMBDA_NEW_NAME",
        "LAMBDA_NEW_RUNTIME",
    ] {
        cmd.env_remove(var);
    }
    rexpect::session::spawn_command(cmd, Some(10_000)).expect("lambda-new starts in a pty")
}

/// Waits for `prompt`, then answers with `keys`; returns what was printed before the prompt.
fn answer(session: &mut PtySession, prompt: &str, keys: &str) -> String {
    let before = session
        .exp_string(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    session.send(keys).unwrap();
    session.flush().unwrap();
    before
}

fn exit_code(session: &mut PtySession) -> i32 {
    let rest = session.exp_eof().unwrap();
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("lambda-new did not exit normally: {other:?}; output: {rest}"),
    }
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn default_path_takes_every_recommended_choice() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = spawn(dir.path(), &[]);
    answer(&mut session, "Function name", &format!("wiz-fn{ENTER}"));
    answer(&mut session, "Language", ENTER);
    answer(&mut session, "Runtime", ENTER);
    answer(&mut session, "Base image", ENTER);
    answer(&mut session, "Architecture", ENTER);
    answer(&mut session, "Trigger", ENTER);
    answer(&mut session, "CI/CD pipeline", ENTER);
    answer(&mut session, "Create", ENTER);
    session.exp_string("wiz-fn (18 files)").unwrap();
    assert_eq!(exit_code(&mut session), 0);
    let dockerfile = read(dir.path().join("wiz-fn/wiz-fn/function/Dockerfile"));
    assert!(
        dockerfile.starts_with("FROM public.ecr.aws/lambda/python:3.14\n"),
        "{dockerfile}"
    );
}

#[test]
fn arrow_keys_pick_other_choices() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = spawn(dir.path(), &["arrow-fn"]);
    answer(&mut session, "Language", ENTER);
    // The newest runtime comes first and is preselected; one down is the next version.
    answer(&mut session, "Runtime", &format!("{DOWN}{ENTER}"));
    answer(&mut session, "Base image", &format!("{DOWN}{ENTER}"));
    answer(&mut session, "Alternative image", ENTER);
    // Whichever architecture is this machine's is preselected: take the other one.
    answer(&mut session, "Architecture", &format!("{DOWN}{ENTER}"));
    // Two down from the REST API: a function URL, which asks who may call it; take public.
    answer(&mut session, "Trigger", &format!("{DOWN}{DOWN}{ENTER}"));
    answer(
        &mut session,
        "Who may call the URL",
        &format!("{DOWN}{ENTER}"),
    );
    answer(&mut session, "CI/CD pipeline", ENTER);
    answer(&mut session, "Create", ENTER);
    assert_eq!(exit_code(&mut session), 0);
    let template = read(dir.path().join("arrow-fn/template.yaml"));
    assert!(template.contains("AuthType: NONE"), "{template}");
    let dockerfile = read(dir.path().join("arrow-fn/arrow-fn/function/Dockerfile"));
    assert!(dockerfile.starts_with("# Build stage"), "{dockerfile}");
    assert!(
        dockerfile.contains("FROM public.ecr.aws/docker/library/python:3.13-slim-trixie AS build"),
        "{dockerfile}"
    );
    let other = match lambda_new::choices::Architecture::host() {
        lambda_new::choices::Architecture::X86_64 => "- arm64",
        lambda_new::choices::Architecture::Arm64 => "- x86_64",
    };
    assert!(read(dir.path().join("arrow-fn/template.yaml")).contains(other));
}

#[test]
fn a_rejected_name_shows_the_reason_and_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    let mut session = spawn(
        dir.path(),
        &[
            "--runtime",
            "python",
            "--base",
            "aws",
            "--architecture",
            "x86_64",
        ],
    );
    answer(&mut session, "Function name", &format!("bad name{ENTER}"));
    session.exp_string("must not contain spaces").unwrap();
    answer(&mut session, "Function name", &format!("taken{ENTER}"));
    session.exp_string("already exists").unwrap();
    answer(&mut session, "Function name", &format!("good-name{ENTER}"));
    answer(&mut session, "Trigger", ENTER);
    answer(&mut session, "CI/CD pipeline", ENTER);
    answer(&mut session, "Create", ENTER);
    assert_eq!(exit_code(&mut session), 0);
    assert!(dir.path().join("good-name/template.yaml").is_file());
}

#[test]
fn answers_from_the_command_line_are_not_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = spawn(
        dir.path(),
        &[
            "cli-fn",
            "--runtime",
            "python3.12",
            "--base",
            "aws",
            "--architecture",
            "arm64",
            "--trigger",
            "function-url",
            "--function-url-auth",
            "none",
            "--ci",
            "github",
        ],
    );
    let before = answer(&mut session, "Create", ENTER);
    for prompt in [
        "Function name",
        "Language",
        "Runtime",
        "Base image",
        "Architecture",
        "Trigger",
        "Who may call",
        "CI/CD pipeline",
    ] {
        assert!(!before.contains(prompt), "asked {prompt:?} again: {before}");
    }
    assert_eq!(exit_code(&mut session), 0);
    assert!(read(dir.path().join("cli-fn/template.yaml")).contains("- arm64"));
}

#[test]
fn ctrl_c_leaves_nothing_and_restores_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = spawn(dir.path(), &["ctrl-c-fn"]);
    session.exp_string("Language").unwrap();
    session.send_control('c').unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(
        rest.contains("\u{1b}[?25h"),
        "cursor not shown again: {rest:?}"
    );
    assert!(matches!(
        session.process().wait().unwrap(),
        WaitStatus::Exited(_, 130)
    ));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn esc_or_no_cancels_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = spawn(dir.path(), &["esc-fn"]);
    answer(&mut session, "Language", ESC);
    assert_eq!(exit_code(&mut session), 130);

    let mut session = spawn(
        dir.path(),
        &[
            "no-fn",
            "--runtime",
            "python",
            "--base",
            "aws",
            "--architecture",
            "arm64",
            "--trigger",
            "api",
        ],
    );
    answer(&mut session, "CI/CD pipeline", ENTER);
    answer(&mut session, "Create", "n");
    session
        .exp_string("cancelled; nothing was written")
        .unwrap();
    assert_eq!(exit_code(&mut session), 130);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

/// `lambda-new add` on a terminal asks only for what its flags left open.
#[test]
fn add_asks_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new(env!("CARGO_BIN_EXE_lambda-new"))
        .current_dir(dir.path())
        .args(["app", "--vcs", "none", "--no-interactive"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let project = dir.path().join("app");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
    cmd.current_dir(&project)
        .args(["add", "--runtime", "go", "--trigger", "sqs"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    let mut session =
        rexpect::session::spawn_command(cmd, Some(10_000)).expect("lambda-new starts in a pty");
    // A name the application already has is refused at the prompt.
    answer(&mut session, "Function name", &format!("app{ENTER}"));
    session.exp_string("already exists").unwrap();
    answer(&mut session, "Function name", &format!("worker{ENTER}"));
    answer(&mut session, "Base image", ENTER);
    let before = answer(&mut session, "Architecture", ENTER);
    let before = before + &answer(&mut session, "CI/CD pipeline", ENTER);
    let before = before + &answer(&mut session, "Create", ENTER);
    for prompt in ["Language", "Runtime", "Trigger"] {
        assert!(!before.contains(prompt), "asked {prompt:?}: {before}");
    }
    assert_eq!(exit_code(&mut session), 0);
    assert!(project.join("worker/function/main.go").is_file());
    assert!(read(project.join("template.yaml")).contains("  WorkerQueue:\n"));
}
