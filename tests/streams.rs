//! stdout and stderr that fail (a full device, a pipe nobody reads), `--json` on failure, and
//! what the binary echoes to a terminal: no panic, one JSON document, no raw control characters.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn lambda_new(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-new"));
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null());
    cmd
}

/// Where a broken stdout or stderr points.
#[derive(Debug, Clone, Copy)]
enum Broken {
    /// /dev/full: every write fails with ENOSPC.
    Full,
    /// A pipe whose reader is closed: EPIPE (Rust ignores SIGPIPE, so no signal kills it).
    ClosedPipe,
}

impl Broken {
    fn stdio(self) -> Stdio {
        match self {
            Broken::Full => File::options()
                .write(true)
                .open("/dev/full")
                .unwrap()
                .into(),
            Broken::ClosedPipe => {
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                writer.into()
            }
        }
    }
}

fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {:?}", output.status))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_failing_stdout_never_panics() {
    // (arguments, exit code, whether the project is written)
    let cases: &[(&[&str], i32, bool)] = &[
        (&["my-fn"], 0, true), // with git when installed
        (&["my-fn", "--vcs", "none"], 0, true),
        (&["my-fn", "--vcs", "none", "--json"], 0, true),
        (&["my-fn", "--dry-run"], 1, false),
        (&["my-fn", "--dry-run", "--json"], 1, false),
        (&["list"], 1, false),
        (&["list", "--json"], 1, false),
        (&["completions", "bash"], 1, false),
        (&["--help"], 1, false),
        (&["--version"], 1, false),
        (&["1-bad-name", "--json"], 2, false),
        (&["--no-such-flag", "--json"], 2, false),
    ];
    for broken in [Broken::Full, Broken::ClosedPipe] {
        for &(args, expected, written) in cases {
            let dir = tempfile::tempdir().unwrap();
            let output = lambda_new(dir.path())
                .args(args)
                .stdout(broken.stdio())
                .output()
                .unwrap();
            let err = stderr(&output);
            assert_eq!(code(&output), expected, "{args:?} on {broken:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?} on {broken:?}: {err}");
            assert_eq!(dir.path().join("my-fn").is_dir(), written, "{args:?}");
            if written {
                assert!(
                    err.contains("warning: the project was written to my-fn, but its summary could not be printed"),
                    "{args:?} on {broken:?}: {err}"
                );
            } else if expected == 1 {
                assert!(
                    err.contains("error: could not write to standard output"),
                    "{args:?} on {broken:?}: {err}"
                );
            }
        }
    }
}

#[test]
fn a_failing_stderr_does_not_turn_a_warning_into_an_abort() {
    for broken in [Broken::Full, Broken::ClosedPipe] {
        let dir = tempfile::tempdir().unwrap();
        // A deprecated runtime warns on stderr before anything is written.
        let output = lambda_new(dir.path())
            .args(["my-fn", "--runtime", "python3.11", "--vcs", "none"])
            .stderr(broken.stdio())
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{broken:?}");
        assert!(dir.path().join("my-fn/template.yaml").is_file());
        assert!(String::from_utf8_lossy(&output.stdout).contains("Created my-fn"));

        // Both streams broken: still exit 0 with the project in place.
        let output = lambda_new(dir.path())
            .args(["other", "--runtime", "python3.11", "--vcs", "none"])
            .stdout(broken.stdio())
            .stderr(broken.stdio())
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{broken:?}");
        assert!(dir.path().join("other/template.yaml").is_file());

        // An error keeps its exit code when it cannot be shown.
        let output = lambda_new(dir.path())
            .args(["1-bad"])
            .stderr(broken.stdio())
            .output()
            .unwrap();
        assert_eq!(code(&output), 2, "{broken:?}");
    }
}

/// Runs with and without `--json`: the exit codes agree and stdout is one error document.
fn assert_json_error(dir: &Path, args: &[&str], kind: &str, expected: i32) {
    let plain = lambda_new(dir).args(args).output().unwrap();
    assert_eq!(code(&plain), expected, "{args:?}: {}", stderr(&plain));
    let output = lambda_new(dir).args(args).arg("--json").output().unwrap();
    assert_eq!(code(&output), expected, "{args:?} --json");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document ({e}): {output:?}"));
    let error = &document["error"];
    assert_eq!(error["kind"], kind, "{document}");
    assert_eq!(error["exit_code"], expected, "{document}");
    let message = error["message"].as_str().unwrap();
    assert!(!message.is_empty() && stderr(&output).contains(message.lines().next().unwrap()));
    assert_eq!(document.as_object().unwrap().len(), 1, "{document}");
}

#[test]
fn json_failures_print_one_error_document_with_the_same_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("taken")).unwrap();
    fs::write(dir.path().join("a-file"), "").unwrap();
    assert_json_error(dir.path(), &["1-bad"], "invalid_name", 2);
    assert_json_error(
        dir.path(),
        &["f", "-d", "bogus=1", "--vcs", "none"],
        "unknown_key",
        2,
    );
    assert_json_error(dir.path(), &["taken"], "destination_exists", 1);
    assert_json_error(dir.path(), &["f", "-o", "missing"], "output_dir_missing", 1);
    assert_json_error(
        dir.path(),
        &["f", "-o", "a-file"],
        "output_not_a_directory",
        1,
    );
    // clap's usage errors, too, when `--json` is among the arguments.
    assert_json_error(dir.path(), &["f", "--no-such-flag"], "usage", 2);
    assert_json_error(dir.path(), &["f", "--vcs", "svn"], "usage", 2);
    assert!(!dir.path().join("f").exists());
}

#[test]
fn a_non_utf8_output_dir_is_reported_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = OsStr::from_bytes(b"out\xff");
    fs::create_dir(dir.path().join(out)).unwrap();
    let output = lambda_new(dir.path())
        .args([OsStr::new("my-fn"), OsStr::new("--vcs"), OsStr::new("none")])
        .args([OsStr::new("--json"), OsStr::new("-o"), out])
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["project_dir"], "out\u{fffd}/my-fn");
    assert!(dir.path().join(out).join("my-fn/template.yaml").is_file());

    // The summary for people shows the byte escaped, and its cd line names the path exactly.
    let output = lambda_new(dir.path())
        .args([OsStr::new("other"), OsStr::new("--vcs"), OsStr::new("none")])
        .args([OsStr::new("-o"), out])
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Created out\\xff/other"), "{stdout}");
    let project = dir.path().join(out).join("other");
    assert_cd_line_works(dir.path(), &stdout, "bash", &project);
}

/// The `cd` line of the summary, run by `shell` in `dir`, must land in the project.
fn assert_cd_line_works(dir: &Path, stdout: &str, shell: &str, project: &Path) {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("  cd "))
        .unwrap_or_else(|| panic!("no cd line in {stdout}"));
    let pwd = Command::new(shell)
        .current_dir(dir)
        .args(["-c", &format!("cd {line} && pwd -P")])
        .output()
        .unwrap();
    assert!(pwd.status.success(), "{line}: {pwd:?}");
    let landed = OsStr::from_bytes(pwd.stdout.strip_suffix(b"\n").unwrap());
    assert_eq!(Path::new(landed), project.canonicalize().unwrap(), "{line}");
}

#[test]
fn next_cd_line_is_shell_quoted() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["with space", "it's $HOME", "-dash"] {
        fs::create_dir(dir.path().join(out)).unwrap();
        let output = lambda_new(dir.path())
            .args([
                "my-fn",
                "--vcs",
                "none",
                "--color",
                "never",
                &format!("--output-dir={out}"),
            ])
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_cd_line_works(
            dir.path(),
            &stdout,
            "sh",
            &dir.path().join(out).join("my-fn"),
        );
    }
}

#[test]
fn control_characters_in_paths_and_input_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let out = "evil\u{1b}]0;owned\u{7}\r\u{9b}2J";
    fs::create_dir(dir.path().join(out)).unwrap();
    let runs: &[&[&str]] = &[
        &["my-fn", "--vcs", "none", "-o", out],
        &["my-fn", "--vcs", "none", "-o", out], // already exists: an error
        &["my-fn", "--dry-run", "-o", out],     // already exists, even dry
        &["other", "--dry-run", "-o", out],     // the listing
        &["x", "-o", &format!("{out}/missing")], // a missing output dir
        &["x", "-d", "k\u{1b}[2J=1"],           // an unknown key
        &["x", "--values-file", "v\u{1b}[2J.toml"], // an unreadable values file
        &["x", "--runtime", "py\u{1b}[2J"],     // an unknown runtime
        &["x", "--vcs", "v\u{1b}[2J\u{7}\r\u{9b}"], // clap: an invalid value
        &["x", "--\u{1b}[2J\r"],                // clap: an unknown flag
    ];
    for args in runs {
        let output = lambda_new(dir.path())
            .args(*args)
            .args(["--color", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8([output.stdout.clone(), output.stderr.clone()].concat())
            .unwrap_or_else(|_| panic!("{args:?}: not UTF-8: {output:?}"));
        assert!(!text.is_empty(), "{args:?} printed nothing");
        assert!(
            text.chars().all(|c| c == '\n' || !c.is_control()),
            "{args:?} printed a raw control character: {text:?}"
        );
    }
    let project = dir.path().join(out).join("my-fn");
    assert!(project.join("template.yaml").is_file());
    // The cd line stays usable: bash reads `$'...'`.
    let output = lambda_new(dir.path())
        .args(["second", "--vcs", "none", "-o", out, "--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_cd_line_works(
        dir.path(),
        &stdout,
        "bash",
        &dir.path().join(out).join("second"),
    );
}

/// `lambda-new add` with a failing stdout: a dry run fails (its listing is the result), a real
/// add succeeds and says its summary is missing; nothing panics.
#[test]
fn add_with_a_failing_stdout() {
    for broken in [Broken::Full, Broken::ClosedPipe] {
        let dir = tempfile::tempdir().unwrap();
        let made = lambda_new(dir.path())
            .args(["app", "--vcs", "none"])
            .output()
            .unwrap();
        assert_eq!(code(&made), 0);
        let project = dir.path().join("app");
        for (args, expected, written) in [
            (&["add", "worker", "--dry-run"][..], 1, false),
            (&["add", "worker", "--json"][..], 0, true),
        ] {
            let output = lambda_new(&project)
                .args(args)
                .stdout(broken.stdio())
                .output()
                .unwrap();
            let err = stderr(&output);
            assert_eq!(code(&output), expected, "{args:?} on {broken:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?} on {broken:?}: {err}");
            assert_eq!(project.join("worker").is_dir(), written, "{args:?}");
            let said = if written {
                "warning: worker was added to ., but its summary could not be printed"
            } else {
                "error: could not write to standard output"
            };
            assert!(err.contains(said), "{args:?} on {broken:?}: {err}");
        }
    }
}
