//! The binary's contract: flags, errors, exit codes, and what is (not) left on disk.

mod support;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn lambda_new(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lambda-new").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Every entry under `dir`, as sorted relative paths.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.strip_prefix(dir).unwrap().display().to_string();
        if path.is_dir() && !path.is_symlink() {
            out.extend(listing(&path).into_iter().map(|p| format!("{name}/{p}")));
        }
        out.push(name);
    }
    out.sort();
    out
}

/// Under umask 077 too, every directory (git's as well) is 0755 and every file lambda-new
/// writes 0644: Lambda runs the code as an unprivileged user.
#[test]
fn a_private_umask_still_leaves_every_directory_traversable() {
    use std::os::unix::fs::PermissionsExt;
    if !support::require_tool("git", "the project is made with git init") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("lambda-new");
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            "umask 077 && exec \"$0\" my-fn --no-interactive --vcs git",
        ])
        .arg(&binary)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let project = dir.path().join("my-fn");
    let mut git_dirs = 0;
    for path in listing(&project) {
        let full = project.join(&path);
        let mode = fs::symlink_metadata(&full).unwrap().permissions().mode() & 0o777;
        if full.is_dir() {
            assert_eq!(mode, 0o755, "{path} has mode {mode:o}");
            git_dirs += usize::from(path.starts_with(".git/"));
        } else if !path.starts_with(".git/") {
            assert_eq!(mode, 0o644, "{path} has mode {mode:o}");
        }
    }
    assert!(git_dirs > 0, "git init made no directory in .git");
    let mode = fs::metadata(&project).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
}

#[test]
fn creates_the_project_with_readable_files() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--architecture", "arm64", "--vcs", "none"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Created my-fn (18 files)"));
    let project = dir.path().join("my-fn");
    for file in [
        "template.yaml",
        "README.md",
        "my-fn/README.md",
        "my-fn/function/Dockerfile",
        "my-fn/function/my_fn/handler.py",
        "my-fn/events/event.json",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    use std::os::unix::fs::PermissionsExt;
    for path in listing(&project) {
        let mode = fs::metadata(project.join(&path))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        let expected = if project.join(&path).is_dir() {
            0o755
        } else {
            0o644
        };
        assert_eq!(mode, expected, "{path} has mode {mode:o}");
    }
    let template = fs::read_to_string(project.join("template.yaml")).unwrap();
    assert!(template.contains("- arm64"), "{template}");
    let readme = fs::read_to_string(project.join("my-fn/README.md")).unwrap();
    assert!(readme.contains("--platform linux/arm64"), "{readme}");
    // Nothing but the project itself: no temporary directory left beside it.
    assert_eq!(
        listing(dir.path())
            .iter()
            .filter(|p| !p.contains('/'))
            .count(),
        1
    );
}

#[test]
fn summary_is_plain_when_piped_and_lists_next_steps() {
    let dir = tempfile::tempdir().unwrap();
    let output = lambda_new(dir.path())
        .args(["my-fn", "--architecture", "x86_64", "--vcs", "none"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}'),
        "escape codes in piped output: {stdout:?}"
    );
    insta::assert_snapshot!(stdout, @r"
    Created my-fn (18 files): Python 3.14 on the AWS base image, x86_64, REST API

    Next:
      cd my-fn
      sam build
      sam local invoke MyFnFunction --event my-fn/events/event.json
      sam deploy --guided
    my-fn/my-fn/README.md has the unit tests, plain docker commands and deployment without SAM.
    ");
}

#[test]
fn colors_follow_clicolor_force_and_no_color() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["forced", "--dry-run"])
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}["));
    lambda_new(dir.path())
        .args(["plain", "--dry-run"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn output_dir_and_name_flag() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("out")).unwrap();
    lambda_new(dir.path())
        .args(["--name", "flagged", "--output-dir", "out"])
        .assert()
        .success();
    assert!(dir.path().join("out/flagged/template.yaml").is_file());
}

#[test]
fn dry_run_lists_files_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("my-fn/my-fn/function/Dockerfile"))
        .stdout(predicate::str::contains("Nothing was written"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn missing_name_is_an_error_without_prompting() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [&["--no-interactive"][..], &[]] {
        // No terminal on stdin: it must not wait for input.
        lambda_new(dir.path())
            .args(extra)
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("a function name is required"))
            .stderr(predicate::str::contains("--name"));
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn invalid_names_are_rejected_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let too_long = "a".repeat(65);
    for (name, reason) in [
        ("", "the name is empty"),
        (too_long.as_str(), "65 characters long"),
        ("my fn", "must not contain spaces; try \"my-fn\""),
        ("a/b", "path separator"),
        ("..", "must not contain \"..\""),
        ("-fn", "must not start with '-'"),
        ("9lives", "must start with an ASCII letter"),
        ("my.fn", "'.' is not allowed"),
        ("naïve", "'ï' is not allowed"),
    ] {
        lambda_new(dir.path())
            .arg(format!("--name={name}"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("invalid function name"))
            .stderr(predicate::str::contains(reason));
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn reserved_python_names_get_a_safe_package() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path()).arg("json").assert().success();
    assert!(
        dir.path()
            .join("json/json/function/json_fn/handler.py")
            .is_file()
    );
    let dockerfile = fs::read_to_string(dir.path().join("json/json/function/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(r#"CMD ["json_fn.handler.lambda_handler"]"#),
        "{dockerfile}"
    );
}

#[test]
fn unknown_runtime_lists_valid_values_and_suggests() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--runtime", "pyton3.13"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown runtime \"pyton3.13\"; did you mean \"python3.13\"?",
        ))
        .stderr(predicate::str::contains("valid runtimes: "))
        .stderr(predicate::str::contains("python3.12"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn deprecated_runtime_warns_with_its_date() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["old-fn", "--runtime", "python3.11"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: python3.11 was deprecated on Lambda on 2026-06-30",
        ));
    let dockerfile =
        fs::read_to_string(dir.path().join("old-fn/old-fn/function/Dockerfile")).unwrap();
    assert!(dockerfile.starts_with("FROM public.ecr.aws/lambda/python:3.11\n"));
}

#[test]
fn supported_runtime_does_not_warn() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--runtime", "python3.12"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (args, message) in [
        (
            &["my-fn", "--architecture", "sparc"][..],
            "invalid value 'sparc'",
        ),
        (&["my-fn", "--base", "ubuntu"], "invalid value 'ubuntu'"),
        (
            &[
                "my-fn",
                "--base",
                "aws",
                "--base-image",
                "python:3.14-alpine",
            ],
            "cannot be combined with --base aws",
        ),
        (&["my-fn", "--base-image", "python"], "name a tag or digest"),
        (
            &["my-fn", "--base-image", "python:latest"],
            "\"latest\" floats",
        ),
        (
            &["my-fn", "--language", "typescript"],
            "--language does not apply to Python",
        ),
        (
            &["my-fn", "--unknown-flag"],
            "unexpected argument '--unknown-flag'",
        ),
    ] {
        lambda_new(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn architecture_aliases_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["a", "--architecture", "aarch64"])
        .assert()
        .success();
    lambda_new(dir.path())
        .args(["b", "--architecture", "amd64"])
        .assert()
        .success();
    assert!(
        fs::read_to_string(dir.path().join("a/template.yaml"))
            .unwrap()
            .contains("- arm64")
    );
    assert!(
        fs::read_to_string(dir.path().join("b/template.yaml"))
            .unwrap()
            .contains("- x86_64")
    );
}

#[test]
fn base_image_implies_the_alternative_base() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--base-image", "python:3.14-alpine"])
        .assert()
        .success();
    let dockerfile =
        fs::read_to_string(dir.path().join("my-fn/my-fn/function/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM python:3.14-alpine AS build\n"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/python\",\"-m\",\"awslambdaric\"]"));
}

#[test]
fn existing_destination_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("my-fn");
    fs::create_dir(&existing).unwrap();
    fs::write(existing.join("keep.txt"), "mine").unwrap();
    for extra in [&[][..], &["--dry-run"]] {
        lambda_new(dir.path())
            .arg("my-fn")
            .args(extra)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("my-fn already exists"));
    }
    assert_eq!(listing(dir.path()), ["my-fn", "my-fn/keep.txt"]);
    assert_eq!(
        fs::read_to_string(existing.join("keep.txt")).unwrap(),
        "mine"
    );

    // An empty directory, a file and a dangling symlink are all "something there".
    fs::create_dir(dir.path().join("empty")).unwrap();
    fs::write(dir.path().join("file"), "x").unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("link")).unwrap();
    for name in ["empty", "file", "link"] {
        lambda_new(dir.path())
            .arg(name)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("already exists"));
    }
    assert_eq!(
        listing(dir.path()),
        ["empty", "file", "link", "my-fn", "my-fn/keep.txt"]
    );
}

#[test]
fn missing_output_dir_is_reported_not_created() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--output-dir", "no/such/dir"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the output directory no/such/dir does not exist",
        ));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn output_dir_that_is_a_file_is_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a-file"), "kept").unwrap();
    for extra in [&[][..], &["--force"], &["--dry-run"]] {
        lambda_new(dir.path())
            .args(["my-fn", "--output-dir", "a-file"])
            .args(extra)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "the output directory a-file is not a directory",
            ))
            .stderr(predicate::str::contains("does not exist").not());
    }
    assert_eq!(listing(dir.path()), ["a-file"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("a-file")).unwrap(),
        "kept"
    );
}

#[test]
fn help_documents_every_flag_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path()).arg("--help").assert().success();
    let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for flag in [
        "--name",
        "--runtime",
        "--base",
        "--base-image",
        "--architecture",
        "--language",
        "--dependency-manager",
        "--output-dir",
        "--no-interactive",
        "--dry-run",
        "Examples:",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    lambda_new(dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("lambda-new {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn list_shows_every_runtime_with_status() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path()).arg("list").assert().success();
    let table = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let python = table
        .lines()
        .find(|l| l.starts_with("python3.14 *"))
        .expect(&table);
    assert!(
        python.contains("public.ecr.aws/lambda/python:3.14"),
        "{python}"
    );
    assert!(python.contains("python:3.14-slim-trixie"), "{python}");
    assert!(python.contains("x86_64,arm64"), "{python}");
    let old = table
        .lines()
        .find(|l| l.starts_with("python3.9 "))
        .expect(&table);
    assert!(old.ends_with("deprecated since 2025-12-15"), "{old}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn list_json_covers_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path())
        .args(["list", "--json"])
        .assert()
        .success();
    let listing: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let rows = listing["runtimes"].as_array().unwrap();
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let runtimes: usize = catalog.families.iter().map(|f| f.runtimes.len()).sum();
    assert_eq!(rows.len(), runtimes);
    for row in rows {
        let id = row["runtime"].as_str().unwrap();
        let (_, runtime) = catalog.runtime(id).unwrap();
        let expected = if runtime.deprecated.is_some() {
            "deprecated"
        } else {
            "supported"
        };
        assert_eq!(row["status"], expected, "{row}");
        assert!(row["deprecation_date"].is_string(), "{row}");
    }
    // Exactly one default per family, and never a deprecated one.
    for family in &catalog.families {
        let defaults: Vec<_> = rows
            .iter()
            .filter(|r| r["family"] == family.id.as_str() && r["family_default"] == true)
            .collect();
        assert_eq!(defaults.len(), 1, "{}", family.id);
        assert_eq!(defaults[0]["status"], "supported");
    }
    // Every trigger, in the catalog's order, the first the only default, with its events.
    let triggers = listing["triggers"].as_array().unwrap();
    let ids: Vec<&str> = triggers
        .iter()
        .map(|t| t["trigger"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = catalog.triggers.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, expected);
    for (row, trigger) in triggers.iter().zip(&catalog.triggers) {
        assert_eq!(
            row["default"],
            trigger.id == catalog.triggers[0].id,
            "{row}"
        );
        assert_eq!(row["about"], trigger.about.as_str());
        assert_eq!(row["events"][0], "event.json", "{row}");
    }
}

#[test]
fn a_function_named_like_a_subcommand_needs_the_name_flag() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["--name", "list"])
        .assert()
        .success();
    assert!(dir.path().join("list/template.yaml").is_file());
}

#[test]
fn init_writes_into_the_directory_and_keeps_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("existing-app");
    fs::create_dir(&project).unwrap();
    fs::write(project.join("notes.txt"), "mine").unwrap();
    lambda_new(&project)
        .args(["--init", "--vcs", "none"])
        .assert()
        .success();
    assert!(project.join("template.yaml").is_file());
    assert!(
        project
            .join("existing-app/function/existing_app/handler.py")
            .is_file(),
        "name from the directory"
    );
    assert_eq!(
        fs::read_to_string(project.join("notes.txt")).unwrap(),
        "mine"
    );
    // No staging directory left inside.
    assert!(
        !listing(&project)
            .iter()
            .any(|p| p.contains(".lambda-new-staging")),
        "{:?}",
        listing(&project)
    );
}

#[test]
fn init_refuses_clashes_unless_overwrite_and_reports_replacements() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("README.md"), "my readme").unwrap();
    fs::write(dir.path().join("template.yaml"), "my template").unwrap();
    lambda_new(dir.path())
        .args(["app", "--init", "--vcs", "none"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "already has README.md, template.yaml; nothing was written (pass --overwrite",
        ));
    assert_eq!(listing(dir.path()), ["README.md", "template.yaml"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "my readme"
    );

    lambda_new(dir.path())
        .args(["app", "--init", "--overwrite", "--vcs", "none"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Replaced ./README.md")
                .or(predicate::str::contains("Replaced README.md")),
        )
        .stdout(predicate::str::contains("template.yaml"));
    assert!(
        fs::read_to_string(dir.path().join("README.md"))
            .unwrap()
            .starts_with("# app")
    );
}

#[test]
fn overwrite_needs_init_and_force_needs_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["app", "--overwrite"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--init"));
    fs::create_dir(dir.path().join("empty")).unwrap();
    lambda_new(dir.path())
        .args(["empty", "--force", "--vcs", "none"])
        .assert()
        .success();
    assert!(dir.path().join("empty/template.yaml").is_file());

    fs::create_dir(dir.path().join("full")).unwrap();
    fs::write(dir.path().join("full/x"), "x").unwrap();
    lambda_new(dir.path())
        .args(["full", "--force"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "full is not empty; --force writes only into an empty directory",
        ));
    assert_eq!(listing(&dir.path().join("full")), ["x"]);

    fs::write(dir.path().join("file"), "x").unwrap();
    lambda_new(dir.path())
        .args(["file", "--force"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("file already exists"));
}

#[test]
fn init_with_a_file_where_a_directory_goes_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app"), "a file").unwrap();
    lambda_new(dir.path())
        .args(["app", "--init", "--overwrite", "--vcs", "none"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "app is a file, where the project needs a directory",
        ));
    assert_eq!(listing(dir.path()), ["app"]);
}

/// `--overwrite` never replaces a directory (it would lose a whole tree), and each path in
/// the way is named once, as what it is.
#[test]
fn init_overwrite_refuses_a_directory_or_symlink_in_the_way_naming_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("app")).unwrap();
    fs::create_dir(dir.path().join("template.yaml")).unwrap();
    fs::write(dir.path().join("template.yaml/precious"), "data").unwrap();
    let before = listing(dir.path());
    let assert = lambda_new(dir.path())
        .args([
            "app",
            "--runtime",
            "python",
            "--init",
            "--overwrite",
            "--vcs",
            "none",
        ])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let blocking: Vec<&str> = stderr.lines().skip(1).map(str::trim).collect();
    assert_eq!(
        blocking,
        [
            "app is a symlink, where the project needs a directory",
            "template.yaml is a directory, where the project needs a file",
        ],
        "{stderr}"
    );
    assert_eq!(listing(dir.path()), before);
    assert_eq!(
        fs::read_to_string(dir.path().join("template.yaml/precious")).unwrap(),
        "data"
    );
    assert!(fs::read_dir(elsewhere.path()).unwrap().next().is_none());
}

#[test]
fn list_table_is_snapshotted() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path()).arg("list").assert().success();
    let table = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("list", table);
    });
}

/// A parent that refuses new entries even to root (Linux's sysfs): a real OS error,
/// reported with the path, and nothing left behind.
#[test]
fn an_unwritable_parent_is_reported() {
    let sys = Path::new("/sys");
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--output-dir", "/sys", "--vcs", "none"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "could not create a staging directory in /sys",
        ))
        .stderr(predicate::str::contains("nothing was left behind"));
    assert!(!sys.join("my-fn").exists());
}

#[test]
fn a_bad_trigger_or_a_misplaced_url_auth_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["t-fn", "--trigger", "sqss"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown trigger \"sqss\"; did you mean \"sqs\"?",
        ))
        .stderr(predicate::str::contains("valid triggers: api, http-api"))
        .stderr(predicate::str::contains("lambda-new list"));
    lambda_new(dir.path())
        .args(["t-fn", "--trigger", "sqs", "--function-url-auth", "none"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--function-url-auth applies to --trigger function-url only, not to --trigger sqs",
        ));
    lambda_new(dir.path())
        .args(["t-fn", "-d", "function-url-auth=public"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("aws-iam or none"));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn the_trigger_comes_from_every_settings_source() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let values = elsewhere.path().join("values.toml");
    std::fs::write(&values, "trigger = \"sns\"\n").unwrap();
    let chosen = |args: &[&str], env: Option<&str>| {
        let mut command = lambda_new(dir.path());
        if let Some(value) = env {
            command.env("LAMBDA_NEW_TRIGGER", value);
        }
        let output = command
            .args(["t-fn", "--dry-run", "--json"])
            .args(args)
            .assert()
            .success();
        let json: serde_json::Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
        json["choices"]["trigger"].as_str().unwrap().to_owned()
    };
    assert_eq!(chosen(&[], None), "api");
    assert_eq!(chosen(&[], Some("schedule")), "schedule");
    let from_file = ["--values-file", values.to_str().unwrap()];
    assert_eq!(chosen(&from_file, Some("schedule")), "sns");
    assert_eq!(chosen(&["-d", "trigger=s3"], None), "s3");
    assert_eq!(
        chosen(&["-d", "trigger=s3", "--trigger", "none"], None),
        "none"
    );
    assert!(listing(dir.path()).is_empty());
}
