//! `lambda-new update`: a generated project edited by its user is moved to a newer runtime
//! keeping every edit; conflicting edits are marked and fail the run; what cannot be merged
//! is kept; a dirty work tree, bad names and runtimes are refused; a dry run writes nothing;
//! a file changed during the write, or a signal, leaves the project as it was.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::disk::{self, STEP_DELAY, tree};

const HANDLER: &str = "app/function/app_fn/handler.py";
const DOCKERFILE: &str = "app/function/Dockerfile";
const ANSWERS: &str = ".lambda-new.toml";

/// A Python 3.12 project named `app`, made by lambda-new with `vcs` (`none` or `git`).
fn project(vcs: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    support::generate(&[
        "app",
        "--runtime",
        "python3.12",
        "--architecture",
        "x86_64",
        "--vcs",
        vcs,
    ])
}

/// `lambda-new update ARGS` in `project`, without colours.
fn update(project: &Path, args: &[&str]) -> Output {
    support::lambda_new()
        .arg("update")
        .args(args)
        .current_dir(project)
        .env("NO_COLOR", "1")
        .output()
        .expect("lambda-new runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn read(project: &Path, path: &str) -> String {
    fs::read_to_string(project.join(path)).unwrap()
}

fn edit(project: &Path, path: &str, change: impl FnOnce(String) -> String) {
    let text = read(project, path);
    fs::write(project.join(path), change(text)).unwrap();
}

/// The user's edits of the issue: a function at the end of the handler, an ENV line at the
/// end of the Dockerfile, the function's memory in the template and a resource of their own.
fn edit_like_a_user(project: &Path) {
    edit(project, HANDLER, |t| {
        t + "\n\ndef mine() -> int:\n    return 1\n"
    });
    edit(project, DOCKERFILE, |t| t + "ENV MINE=1\n");
    edit(project, "template.yaml", |t| {
        t.replacen("MemorySize: 512", "MemorySize: 1024", 1)
            .replacen(
                "\nOutputs:",
                "  MyTopic:\n    Type: AWS::SNS::Topic\n\nOutputs:",
                1,
            )
    });
}

/// Commits everything in `project`, as a person does after generating it.
fn commit_all(project: &Path) {
    git(project, &["add", "-A"]);
    git(project, &["commit", "-qm", "generated"]);
}

fn git(project: &Path, args: &[&str]) {
    support::run(
        Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(project),
    );
}

/// The issue's "done when": every edit kept, the runtime moved everywhere, no other byte of
/// the template changed, and the project's own unit tests and linters pass.
#[test]
fn an_edited_project_moves_to_a_newer_runtime_keeping_every_edit() {
    let (_out, project) = project("none");
    edit_like_a_user(&project);
    let template_before = read(&project, "template.yaml");
    let output = update(&project, &["--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    // The bootstrap grants the template's resources: with the user's topic in it, it is no
    // longer what lambda-new rendered, so it is left, and said so.
    insta::assert_snapshot!(stdout(&output), @r"
    Updated app (python3.12 -> python3.13; base: render)
      updated     app/README.md
      updated     app/function/pyproject.toml
      updated     README.md
      updated     template.yaml#Description
      merged      app/function/Dockerfile
      merged      template.yaml#Resources/AppFunction
      kept        pipeline/bootstrap.yaml: not what lambda-new renders for template.yaml as it is (edited, or the template was edited since it was rendered); left as it is
    Also updated: .github/workflows/pipeline.yaml, .lambda-new.toml
    ");

    let handler = read(&project, HANDLER);
    assert!(
        handler.ends_with("\n\ndef mine() -> int:\n    return 1\n"),
        "{handler}"
    );
    let dockerfile = read(&project, DOCKERFILE);
    assert!(dockerfile.starts_with("FROM public.ecr.aws/lambda/python:3.13\n"));
    assert!(dockerfile.contains("RUN python3.13 -m pip"), "{dockerfile}");
    assert!(dockerfile.ends_with("ENV MINE=1\n"), "{dockerfile}");
    assert!(!dockerfile.contains("3.12"), "{dockerfile}");

    // Only the lines that name the runtime changed (the application's Description, made
    // from this function, the function's, its DockerTag); every edit stayed.
    let template = read(&project, "template.yaml");
    let (before, after): (Vec<&str>, Vec<&str>) = (
        template_before.lines().collect(),
        template.lines().collect(),
    );
    assert_eq!(before.len(), after.len(), "{template}");
    let mut moved = Vec::new();
    for (old, new) in before.iter().zip(&after) {
        if old != new {
            assert_eq!(
                old.replace("3.12", "3.13")
                    .replace("python3.12", "python3.13"),
                *new
            );
            moved.push(new.trim());
        }
    }
    assert_eq!(
        moved,
        [
            "Description: \"app: an AWS Lambda function in Python 3.13, packaged as a container image\"",
            "Description: \"app: an AWS Lambda function in Python 3.13, packaged as a container image\"",
            "DockerTag: \"python3.13\""
        ]
    );
    assert!(template.contains("MemorySize: 1024") && template.contains("  MyTopic:\n"));

    let answers = read(&project, ANSWERS);
    assert!(answers.contains("runtime = \"python3.13\""), "{answers}");
    // The recorded hashes are the new render's: check reports the user's edits as drift.
    let check = support::lambda_new()
        .args(["check", "--json"])
        .current_dir(&project)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let changed: Vec<&str> = report["functions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "changed")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(changed, [DOCKERFILE, HANDLER]);

    // Done: a second update has nothing to do.
    let again = update(&project, &[]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).starts_with("Up to date: app (python3.13; base: render)\n"),
        "{}",
        stdout(&again)
    );

    pytest_and_ruff(&project.join("app/function"));
    lint(&project);
}

/// hadolint and cfn-lint as tests/lint.rs runs them on generated projects: no finding.
fn lint(project: &Path) {
    let linters: [(&str, &[&str], &str); 2] = [
        (
            "hadolint",
            &["--no-color", "--failure-threshold", "style"],
            DOCKERFILE,
        ),
        (
            "cfn-lint",
            &[
                "--include-checks",
                "I",
                "--non-zero-exit-code",
                "informational",
                "--",
            ],
            "template.yaml",
        ),
    ];
    for (tool, args, file) in linters {
        if !support::require_tool(tool, "lints the updated project") {
            continue;
        }
        let output = Command::new(tool)
            .args(args)
            .arg(file)
            .current_dir(project)
            .output()
            .unwrap();
        assert!(
            output.status.success() && output.stdout.is_empty(),
            "{tool}: {}{}",
            stdout(&output),
            disk::stderr(&output)
        );
    }
}

/// The project's unit tests and ruff, as its README runs them, on Python 3.13 (or this
/// machine's python3, said so).
fn pytest_and_ruff(function: &Path) {
    if !support::require_tool("python3", "runs the updated project's pytest suite") {
        return;
    }
    let python = support::python::interpreter_or_host("3.13", "the updated project");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("update-python-venv");
    let pins = fs::read_to_string(function.join("requirements-dev.txt")).unwrap();
    let stamp = venv.join("requirements-dev.txt");
    let wanted = format!("{}\n{pins}", python.display());
    if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let _ = fs::remove_dir_all(&venv);
        support::run(Command::new(&python).args(["-m", "venv"]).arg(&venv));
        support::run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(function.join("requirements-dev.txt")),
        );
        fs::write(&stamp, wanted).unwrap();
    }
    support::run(
        Command::new(venv.join("bin/pytest"))
            .args(["-q", "-p", "no:cacheprovider"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(function),
    );
    for args in [
        &["check", "--no-cache", "."][..],
        &["format", "--check", "--no-cache", "."],
    ] {
        support::run(
            Command::new(venv.join("bin/ruff"))
                .args(args)
                .current_dir(function),
        );
    }
}

/// Editing the very line the new render changes: markers in that file, listed, exit 1, no
/// claim of success; every other file is exactly what a clean update writes.
#[test]
fn a_conflicting_edit_is_marked_listed_and_fails_the_run() {
    let (_clean_out, clean) = project("none");
    assert!(
        update(&clean, &["--runtime", "python3.13"])
            .status
            .success()
    );
    let (_out, project) = project("none");
    let before = tree(&project);
    let mine = "FROM public.ecr.aws/lambda/python:3.12 AS mine\n";
    edit(&project, DOCKERFILE, |t| {
        t.replacen("FROM public.ecr.aws/lambda/python:3.12\n", mine, 1)
    });
    let output = update(&project, &["--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(1), "{}", disk::stderr(&output));
    // Never a claim of success: the run says what is not done, and where.
    insta::assert_snapshot!(stdout(&output), @r"
    Conflicts updating app (python3.12 -> python3.13; base: render)
      updated     app/README.md
      updated     app/function/pyproject.toml
      updated     README.md
      updated     template.yaml#Resources/AppFunction
      updated     template.yaml#Description
      conflicted  app/function/Dockerfile
    Also updated: .github/workflows/pipeline.yaml, .lambda-new.toml

    Not done: 1 conflict(s) written: resolve the <<<<<<< ours (yours) / >>>>>>> theirs (lambda-new's) markers in app/function/Dockerfile, then run the function's tests.
    ");
    let dockerfile = read(&project, DOCKERFILE);
    assert!(
        dockerfile.starts_with(&format!(
            "<<<<<<< ours\n{mine}=======\nFROM public.ecr.aws/lambda/python:3.13\n>>>>>>> theirs\n"
        )),
        "{dockerfile}"
    );
    // The rest of the Dockerfile merged cleanly.
    assert!(dockerfile.contains("RUN python3.13 -m pip"), "{dockerfile}");

    let (after, clean_after) = (tree(&project), tree(&clean));
    for ((path, bytes), (clean_path, clean_bytes)) in after.iter().zip(&clean_after) {
        assert_eq!(path, clean_path);
        if path != DOCKERFILE {
            assert_eq!(bytes, clean_bytes, "{path}");
        }
    }
    let changed: Vec<&str> = after
        .iter()
        .zip(&before)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            ".github/workflows/pipeline.yaml",
            ANSWERS,
            "README.md",
            "app/README.md",
            DOCKERFILE,
            "app/function/pyproject.toml",
            "template.yaml"
        ]
    );
}

#[test]
fn a_fresh_project_is_up_to_date_and_left_alone() {
    let (_out, project) = project("none");
    let before = tree(&project);
    let output = update(&project, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    assert_eq!(
        stdout(&output),
        "Up to date: app (python3.12; base: render)\n"
    );
    assert_eq!(tree(&project), before);
}

#[test]
fn a_dirty_work_tree_is_refused_unless_allowed() {
    if !support::require_tool("git", "the project is a git work tree") {
        return;
    }
    let (_out, project) = project("git");
    commit_all(&project);
    edit(&project, DOCKERFILE, |t| t + "ENV MINE=1\n");
    let before = tree(&project);
    let output = update(&project, &["--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = disk::stderr(&output);
    assert!(
        stderr.contains(
            "has uncommitted changes (app/function/Dockerfile); commit or stash them first"
        ) && stderr.contains("--allow-dirty"),
        "{stderr}"
    );
    assert_eq!(tree(&project), before);
    let output = update(&project, &["--runtime", "python3.13", "--allow-dirty"]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    assert!(read(&project, DOCKERFILE).ends_with("ENV MINE=1\n"));
}

/// What an older lambda-new generated: the file with a line this version no longer writes.
fn as_an_older_version_wrote(project: &Path, path: &str) -> String {
    let old = format!("# written by an older lambda-new\n{}", read(project, path));
    fs::write(project.join(path), &old).unwrap();
    edit(project, ANSWERS, |t| {
        let new_hash = support::sha256_hex(&fs::read(project.join(path)).unwrap());
        let text = t.replace("lambda-new = \"0.1.0\"", "lambda-new = \"0.0.1\"");
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("\"{path}\" = ")))
            .unwrap()
            .to_owned();
        text.replace(&line, &format!("\"{path}\" = \"{new_hash}\""))
    });
    old
}

/// Without a base (another version, no git): a file the user did not change is updated, a
/// changed one is kept and reported, and its recorded hash stays the old one.
#[test]
fn without_a_base_unchanged_files_are_updated_and_changed_ones_kept() {
    let (_out, project) = project("none");
    as_an_older_version_wrote(&project, DOCKERFILE);
    let old_handler = as_an_older_version_wrote(&project, HANDLER);
    let mine = old_handler.clone() + "\n\ndef mine() -> int:\n    return 1\n";
    fs::write(project.join(HANDLER), &mine).unwrap();
    let output = update(&project, &["--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    // The template's entries are still what this version renders for the recorded answers:
    // nothing of the user's in them, so they move too.
    insta::assert_snapshot!(stdout(&output), @r"
    Updated app (python3.12 -> python3.13; base: render+none)
      updated     app/README.md
      updated     app/function/Dockerfile
      updated     app/function/pyproject.toml
      updated     README.md
      updated     template.yaml#Resources/AppFunction
      updated     template.yaml#Description
      kept        app/function/app_fn/handler.py: changed since it was generated, and what was generated cannot be recovered to merge against
    Also updated: .github/workflows/pipeline.yaml, .lambda-new.toml
    ");
    let dockerfile = read(&project, DOCKERFILE);
    assert!(
        dockerfile.starts_with("FROM public.ecr.aws/lambda/python:3.13\n"),
        "{dockerfile}"
    );
    assert_eq!(read(&project, HANDLER), mine);
    assert!(read(&project, "template.yaml").contains("DockerTag: \"python3.13\""));
    // The kept file's recorded hash is still the one of what was generated then.
    let answers = read(&project, ANSWERS);
    let recorded = support::sha256_hex(old_handler.as_bytes());
    assert!(
        answers.contains(&format!("\"{HANDLER}\" = \"{recorded}\"")),
        "{answers}"
    );
    assert!(answers.contains("lambda-new = \"0.1.0\""), "{answers}");
}

/// The same with git: the file as generated is found in the history and the edit merged.
#[test]
fn git_history_gives_the_base_an_older_version_generated() {
    if !support::require_tool("git", "the base is found in git's history") {
        return;
    }
    let (_out, project) = project("git");
    let fresh_handler = read(&project, HANDLER);
    as_an_older_version_wrote(&project, HANDLER);
    commit_all(&project);
    edit(&project, HANDLER, |t| {
        t + "\n\ndef mine() -> int:\n    return 1\n"
    });
    git(&project, &["commit", "-qam", "mine"]);
    let output = update(&project, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("Updated app (python3.12; base: git)\n"),
        "{text}"
    );
    assert!(
        text.contains("  merged      app/function/app_fn/handler.py\n"),
        "{text}"
    );
    assert_eq!(
        read(&project, HANDLER),
        fresh_handler + "\n\ndef mine() -> int:\n    return 1\n"
    );
}

#[test]
fn a_dry_run_shows_the_diff_and_writes_nothing_and_json_lists_each_file() {
    let (_out, project) = project("none");
    edit_like_a_user(&project);
    let before = tree(&project);
    let output = update(&project, &["--runtime", "python3.13", "--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("Would update app (python3.12 -> python3.13; base: render)\n"));
    assert!(
        text.contains("--- a/app/function/Dockerfile\n+++ b/app/function/Dockerfile\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "-FROM public.ecr.aws/lambda/python:3.12\n+FROM public.ecr.aws/lambda/python:3.13\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("Nothing was written (--dry-run).\n"),
        "{text}"
    );
    assert_eq!(tree(&project), before);

    let output = update(
        &project,
        &["--runtime", "python3.13", "--dry-run", "--json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["conflicts"], false);
    let function = &json["functions"][0];
    assert_eq!(function["name"], "app");
    assert_eq!(function["runtime"], "python3.13");
    assert_eq!(function["base"], "render");
    let list = |key: &str| -> Vec<String> {
        function[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        list("updated"),
        [
            "app/README.md",
            "app/function/pyproject.toml",
            "README.md",
            "template.yaml#Description"
        ]
    );
    assert_eq!(
        list("merged"),
        [
            "app/function/Dockerfile",
            "template.yaml#Resources/AppFunction"
        ]
    );
    assert!(list("conflicted").is_empty() && list("created").is_empty());
    assert!(function["kept"].as_array().unwrap().is_empty());
    assert!(json["diffs"].as_array().unwrap().len() >= 5);
    assert_eq!(tree(&project), before);
}

#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let (_out, project) = project("none");
    let before = tree(&project);
    let cases: &[(&[&str], &str)] = &[
        (
            &["nope"],
            "no function \"nope\" in .lambda-new.toml; it has: app",
        ),
        (
            &["--runtime", "nodejs22.x"],
            "--runtime \"nodejs22.x\" is Node.js, but app is python3.12 (Python); update moves a function within its family only",
        ),
        (
            &["--runtime", "python3.9"],
            "--runtime python3.9 was deprecated on Lambda on 2025-12-15",
        ),
        (&["--runtime", "python9"], "unknown runtime \"python9\""),
    ];
    for (args, message) in cases {
        let output = update(&project, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            disk::stderr(&output).contains(message),
            "{args:?}: {}",
            disk::stderr(&output)
        );
        assert_eq!(tree(&project), before);
    }
    fs::remove_file(project.join(ANSWERS)).unwrap();
    let output = update(&project, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        disk::stderr(&output).contains("has no .lambda-new.toml"),
        "{}",
        disk::stderr(&output)
    );
}

/// Hostile files where a function's file was: a FIFO is not waited on and a link to
/// /dev/zero is not read without end; update refuses at once and writes nothing. A full
/// standard output does not undo an update that was written, and fails a dry run.
#[test]
fn a_fifo_or_a_device_in_a_file_s_place_is_refused_and_a_full_stdout_loses_nothing() {
    let (_out, project) = project("none");
    let handler = project.join(HANDLER);
    fs::remove_file(&handler).unwrap();
    let fifo = std::ffi::CString::new(handler.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let cases = [
        ("fifo", "it is not a regular file; nothing was written"),
        (
            "link",
            "it is a symlink (lambda-new follows no symlinks); nothing was written",
        ),
    ];
    for (hostile, message) in cases {
        if hostile == "link" {
            fs::remove_file(&handler).unwrap();
            std::os::unix::fs::symlink("/dev/zero", &handler).unwrap();
        }
        let before = tree(&project);
        let mut update = support::lambda_new();
        update
            .args(["update", "--runtime", "python3.13"])
            .current_dir(&project);
        // A hang fails the test instead of stopping it.
        let output = assert_cmd::Command::from_std(update)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{hostile}");
        assert!(
            disk::stderr(&output).contains(message),
            "{hostile}: {}",
            disk::stderr(&output)
        );
        assert_eq!(tree(&project), before, "{hostile}");
    }

    fs::remove_file(&handler).unwrap();
    // `update --runtime python3.13 EXTRA` with stdout on a full disk: its exit code and stderr.
    let to_full_stdout = |extra: &[&str]| {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = support::lambda_new()
            .args(["update", "--runtime", "python3.13"])
            .args(extra)
            .current_dir(&project)
            .stdout(full)
            .output()
            .unwrap();
        (output.status.code(), disk::stderr(&output))
    };
    let before = tree(&project);
    let (code, stderr) = to_full_stdout(&["--dry-run"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(tree(&project), before);
    let (code, stderr) = to_full_stdout(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("was updated, but its summary could not be printed"),
        "{stderr}"
    );
    assert!(read(&project, DOCKERFILE).contains("python:3.13"));
    let (code, stderr) = to_full_stdout(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("needed no change, but its summary could not be printed"),
        "{stderr}"
    );
}

/// A file changed by someone else while the update writes: the run fails, everything it
/// wrote is undone, and the other change is kept.
#[test]
fn a_file_changed_during_the_write_fails_the_run_and_loses_nothing() {
    let (_out, project) = project("none");
    let before = tree(&project);
    let mut run = support::lambda_new();
    run.args(["update", "--runtime", "python3.13"])
        .current_dir(&project)
        .env(STEP_DELAY, "100")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = run.spawn().unwrap();
    let started = std::time::Instant::now();
    while disk::stagings(&project).is_empty() {
        assert!(started.elapsed().as_secs() < 30, "the update never staged");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // template.yaml is the last file written: changed now, before it is moved aside.
    edit(&project, "template.yaml", |t| t + "# theirs\n");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", disk::stderr(&output));
    assert!(
        disk::stderr(&output).contains("template.yaml was changed while lambda-new was writing")
            || disk::stderr(&output)
                .contains("template.yaml was replaced while lambda-new was writing"),
        "{}",
        disk::stderr(&output)
    );
    let expected: Vec<_> = before
        .into_iter()
        .map(|(path, bytes)| match path.as_str() {
            "template.yaml" => {
                let mut bytes = bytes.unwrap();
                bytes.extend_from_slice(b"# theirs\n");
                (path, Some(bytes))
            }
            _ => (path, bytes),
        })
        .collect();
    assert_eq!(tree(&project), expected);
}

/// `lambda-new ARGS` in `project`, its write slowed so a signal can land inside it.
fn slowed(project: &Path, args: &[&str]) -> Command {
    let mut cmd = support::lambda_new();
    cmd.args(args)
        .current_dir(project)
        .env(STEP_DELAY, "8")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// SIGTERM at points spread over an update: the project ends up updated whole or as it was.
#[test]
fn sigterm_during_update_leaves_the_update_whole_or_nothing() {
    let args = ["update", "--runtime", "python3.13"];
    let (_out, project) = project("none");
    let started = std::time::Instant::now();
    support::run(&mut slowed(&project, &args));
    let (complete, run) = (tree(&project), started.elapsed());
    let mut rolled_back = 0;
    for after in disk::points(run, 14) {
        let (_out, project) = self::project("none");
        let mut cmd = slowed(&project, &args);
        if disk::assert_whole_or_nothing(&project, &mut cmd, after, libc::SIGTERM, &complete)
            .is_some()
        {
            rolled_back += 1;
        }
    }
    assert!(
        rolled_back > 0,
        "no SIGTERM landed inside the update's write"
    );
}

/// In an application of two functions, updating one changes only its files and its own
/// template entries; a runtime that does not fit every function named is refused.
#[test]
fn only_the_named_functions_resources_change() {
    let (_out, project) = project("none");
    let added = support::lambda_new()
        .args([
            "add",
            "worker",
            "--runtime",
            "go",
            "--trigger",
            "sqs",
            "--no-interactive",
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", disk::stderr(&added));
    let before = tree(&project);
    let output = update(&project, &["--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        disk::stderr(&output).contains("but worker is go-provided.al2023 (Go)"),
        "{}",
        disk::stderr(&output)
    );
    assert_eq!(tree(&project), before);

    let template_before = read(&project, "template.yaml");
    let output = update(&project, &["app", "--runtime", "python3.13"]);
    assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
    let changed: Vec<String> = tree(&project)
        .into_iter()
        .zip(&before)
        .filter(|(a, b)| a != *b)
        .map(|(a, _)| a.0)
        .collect();
    assert!(
        changed.iter().all(|p| p.starts_with("app/")
            || [ANSWERS, "template.yaml", "README.md"].contains(&p.as_str())
            || p.starts_with(".github/")),
        "{changed:?}"
    );
    let template = read(&project, "template.yaml");
    let worker = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("Worker") || l.contains("worker"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(worker(&template), worker(&template_before));
    assert!(template.contains("DockerTag: \"python3.13\""), "{template}");
    let answers = read(&project, ANSWERS);
    assert!(
        answers.contains("runtime = \"go-provided.al2023\""),
        "{answers}"
    );
}

/// The generated README's Update commands, as written, in a committed project.
#[test]
fn the_readme_update_commands_run_as_written() {
    if !support::require_tool("git", "the README says to commit first") {
        return;
    }
    let (_out, project) = project("git");
    commit_all(&project);
    let readme = read(&project, "README.md");
    let commands = support::first_sh_block(&readme, "\n## Update\n");
    assert_eq!(
        commands,
        ["lambda-new update --dry-run", "lambda-new update"]
    );
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        let output = update(&project, &args[2..]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            disk::stderr(&output)
        );
    }
}

/// Two updates of one project at once: it ends up updated once, whole; a run that loses
/// fails with exit 1 and says why.
#[test]
fn concurrent_updates_leave_the_project_updated_once() {
    let args = ["update", "--runtime", "python3.13"];
    let (_reference_out, reference) = project("none");
    support::run(&mut slowed(&reference, &args));
    let complete = tree(&reference);
    for round in 0..6 {
        let (_out, project) = project("none");
        let (outputs, stderrs) = disk::run_together((0..2).map(|_| {
            let mut cmd = slowed(&project, &args);
            // Fast runs race too; slowed ones overlap surely.
            if round % 2 == 0 {
                cmd.env_remove(STEP_DELAY);
            }
            cmd
        }));
        let context = format!("round {round}: {stderrs}");
        assert!(outputs.iter().any(|o| o.status.success()), "{context}");
        for output in outputs.iter().filter(|o| !o.status.success()) {
            let stderr = disk::stderr(output);
            assert_eq!(output.status.code(), Some(1), "{context}");
            assert!(
                stderr.contains("another lambda-new run is writing")
                    || stderr.contains("while lambda-new was writing"),
                "{context}"
            );
        }
        assert_eq!(tree(&project), complete, "{context}");
    }
}

/// In every family, an untouched function updated from its oldest supported runtime to the
/// newest is what lambda-new generates for the newest: the same function files, the same
/// resources and outputs, the same recorded answers.
#[test]
fn an_untouched_function_updates_to_exactly_a_fresh_render() {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let mut updated_families = Vec::new();
    for family in &catalog.families {
        let supported: Vec<&str> = family
            .runtimes
            .iter()
            .filter(|r| r.deprecated.is_none())
            .map(|r| r.id.as_str())
            .collect();
        let (Some(newest), Some(oldest)) = (supported.first(), supported.last()) else {
            continue;
        };
        if newest == oldest {
            continue;
        }
        let generate = |runtime: &str| {
            support::generate(&[
                "app",
                "--runtime",
                runtime,
                "--architecture",
                "x86_64",
                "--vcs",
                "none",
            ])
        };
        let (_old_out, updated) = generate(oldest);
        let output = update(&updated, &["--runtime", &family.id]);
        assert_eq!(output.status.code(), Some(0), "{}", disk::stderr(&output));
        let text = stdout(&output);
        assert!(
            !text.contains("merged") && !text.contains("kept") && !text.contains("conflicted"),
            "{oldest}: {text}"
        );
        let (_new_out, fresh) = generate(newest);
        // Every file, the application's own (README, template, answers, pipeline) too.
        let (updated_tree, fresh_tree) = (tree(&updated), tree(&fresh));
        let paths = |tree: &[(String, _)]| tree.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&updated_tree), paths(&fresh_tree), "{oldest}");
        for ((path, bytes), (_, fresh)) in updated_tree.iter().zip(&fresh_tree) {
            assert!(
                bytes == fresh,
                "{oldest} -> {newest}: {path} differs from a fresh render:\n{}",
                String::from_utf8_lossy(bytes.as_deref().unwrap_or_default())
            );
        }
        updated_families.push(family.id.as_str());
    }
    println!("updated from oldest to newest: {updated_families:?}");
    assert!(updated_families.contains(&"python") && updated_families.contains(&"java"));
}

/// SIGKILL at points over an update: the next update says what the killed one left and how
/// to restore it, and its commands give back the project as it was, or as updated whole.
#[test]
fn after_sigkill_the_next_update_says_how_to_restore_and_its_commands_do() {
    let args = ["update", "--runtime", "python3.13"];
    let (_out, reference) = project("none");
    let started = std::time::Instant::now();
    support::run(&mut slowed(&reference, &args));
    let (complete, run) = (tree(&reference), started.elapsed());
    let mut stale = 0;
    for i in 0..12u32 {
        let after = run * 6 / 5 * i / 12;
        let (_out, project) = self::project("none");
        let before = tree(&project);
        disk::run_signalled(&mut slowed(&project, &args), after, libc::SIGKILL);
        let context = format!("killed after {after:?}");
        if disk::stagings(&project).is_empty() {
            let now = tree(&project);
            assert!(now == before || now == complete, "{context}");
            continue;
        }
        stale += 1;
        let output = update(&project, &args[1..]);
        let stderr = disk::stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{context}: {stderr}");
        assert!(
            stderr.contains("left by a lambda-new run that was killed"),
            "{context}: {stderr}"
        );
        let commands = disk::restore_commands(&stderr);
        assert!(!commands.is_empty(), "{context}: {stderr}");
        support::run(
            Command::new("sh")
                .arg("-c")
                .arg(commands.join(" &&\n"))
                .current_dir(&project),
        );
        let now = tree(&project);
        assert!(now == before || now == complete, "{context}: {stderr}");
    }
    assert!(stale > 0, "no SIGKILL landed inside the update's write");
}
