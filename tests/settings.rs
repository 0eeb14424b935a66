//! Settings from flags, `--define`, values files and `LAMBDA_NEW_*`, their precedence and
//! errors; `--json`, `--quiet`, `--color`, `--vcs` and shell completions.

mod support;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn lambda_new(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lambda-new").unwrap();
    cmd.current_dir(dir).arg("--vcs=none");
    for (var, _) in std::env::vars() {
        if var.starts_with("LAMBDA_NEW_") || var == "NO_COLOR" || var == "CLICOLOR_FORCE" {
            cmd.env_remove(var);
        }
    }
    cmd
}

/// The function's properties in the generated template.yaml.
fn function_properties(project: &Path) -> serde_yaml::Value {
    let template: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(project.join("template.yaml")).unwrap()).unwrap();
    let resources = template["Resources"].as_mapping().unwrap();
    let (_, function) = resources.iter().next().unwrap();
    function["Properties"].clone()
}

fn timeout_of(project: &Path) -> u64 {
    function_properties(project)["Timeout"].as_u64().unwrap()
}

#[test]
fn defines_set_the_project_settings() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args([
            "my-fn",
            "-d",
            "memory-size=1024",
            "-d",
            "timeout=30",
            "-d",
            "tracing=true",
        ])
        .args([
            "--define",
            "json-logging=yes",
            "-d",
            "description=Says: \"hi\" # not a comment",
        ])
        .assert()
        .success();
    let properties = function_properties(&dir.path().join("my-fn"));
    assert_eq!(properties["MemorySize"].as_u64(), Some(1024));
    assert_eq!(properties["Timeout"].as_u64(), Some(30));
    assert_eq!(properties["Tracing"].as_str(), Some("Active"));
    assert_eq!(
        properties["LoggingConfig"]["LogFormat"].as_str(),
        Some("JSON")
    );
    assert_eq!(
        properties["Description"].as_str(),
        Some("Says: \"hi\" # not a comment")
    );
}

#[test]
fn defaults_leave_tracing_json_logging_and_a_cap_out() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path()).arg("my-fn").assert().success();
    let properties = function_properties(&dir.path().join("my-fn"));
    assert_eq!(properties["MemorySize"].as_u64(), Some(512));
    assert_eq!(properties["Timeout"].as_u64(), Some(10));
    assert!(properties.get("Tracing").is_none());
    assert!(properties["LoggingConfig"].get("LogFormat").is_none());
    assert!(properties.get("ReservedConcurrentExecutions").is_none());
}

/// The log group's retention and the concurrency cap, from settings; a public function URL
/// is capped by default.
#[test]
fn log_retention_and_concurrency_settings_reach_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let template = |name: &str| -> serde_yaml::Value {
        let text = fs::read_to_string(dir.path().join(name).join("template.yaml")).unwrap();
        serde_yaml::from_str(&text).unwrap()
    };
    lambda_new(dir.path())
        .args([
            "set",
            "-d",
            "log-retention-days=365",
            "-d",
            "reserved-concurrency=3",
        ])
        .assert()
        .success();
    let set = template("set");
    assert_eq!(
        set["Resources"]["SetLogGroup"]["Properties"]["RetentionInDays"].as_u64(),
        Some(365)
    );
    let properties = &set["Resources"]["SetFunction"]["Properties"];
    assert_eq!(properties["ReservedConcurrentExecutions"].as_u64(), Some(3));
    lambda_new(dir.path())
        .args([
            "public",
            "--trigger",
            "function-url",
            "--function-url-auth",
            "none",
        ])
        .assert()
        .success();
    let public = template("public");
    let properties = &public["Resources"]["PublicFunction"]["Properties"];
    assert_eq!(
        properties["ReservedConcurrentExecutions"].as_u64(),
        Some(10)
    );
    assert_eq!(
        public["Resources"]["PublicLogGroup"]["Properties"]["RetentionInDays"].as_u64(),
        Some(30)
    );
}

#[test]
fn precedence_is_flag_define_file_env_default() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.toml");
    fs::write(&values, "timeout = 6\narchitecture = \"x86_64\"\n").unwrap();
    let run = |name: &str, args: &[&str], env_timeout: Option<&str>| {
        let mut cmd = lambda_new(dir.path());
        cmd.arg(name).args(args);
        if let Some(t) = env_timeout {
            cmd.env("LAMBDA_NEW_TIMEOUT", t);
        }
        cmd.assert().success();
        timeout_of(&dir.path().join(name))
    };
    let file = ["--values-file", "values.toml"];
    assert_eq!(
        run("a", &["-d", "timeout=7", file[0], file[1]], Some("5")),
        7
    );
    assert_eq!(run("b", &file, Some("5")), 6);
    assert_eq!(run("c", &[], Some("5")), 5);
    assert_eq!(run("d", &[], None), 10);

    // An explicit flag beats a define, which beats the values file.
    lambda_new(dir.path())
        .args(["e", "--architecture", "arm64", "-d", "architecture=x86_64"])
        .assert()
        .success();
    assert!(
        fs::read_to_string(dir.path().join("e/template.yaml"))
            .unwrap()
            .contains("- arm64")
    );
    lambda_new(dir.path())
        .args([
            "f",
            "-d",
            "architecture=arm64",
            "--values-file",
            "values.toml",
        ])
        .assert()
        .success();
    assert!(
        fs::read_to_string(dir.path().join("f/template.yaml"))
            .unwrap()
            .contains("- arm64")
    );
}

#[test]
fn every_setting_can_come_from_a_yaml_file_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("values.yaml"),
        "name: from-file\nruntime: python3.12\nbase: alternative\nmemory-size: 256\ntracing: false\n",
    )
    .unwrap();
    lambda_new(dir.path())
        .args(["--values-file", "values.yaml"])
        .assert()
        .success();
    let dockerfile =
        fs::read_to_string(dir.path().join("from-file/from-file/function/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM public.ecr.aws/docker/library/python:3.12-slim-trixie AS build"),
        "{dockerfile}"
    );

    lambda_new(dir.path())
        .env("LAMBDA_NEW_NAME", "from-env")
        .env("LAMBDA_NEW_BASE_IMAGE", "python:3.14-alpine")
        .env("LAMBDA_NEW_MEMORY_SIZE", "2048")
        .assert()
        .success();
    let project = dir.path().join("from-env");
    assert_eq!(
        function_properties(&project)["MemorySize"].as_u64(),
        Some(2048)
    );
    assert!(
        fs::read_to_string(support::function_folder(&project).join("function/Dockerfile"))
            .unwrap()
            .contains("FROM python:3.14-alpine AS build")
    );
}

#[test]
fn bad_settings_name_the_key_the_rule_and_the_source() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.yaml"), "colour: blue\n").unwrap();
    fs::write(dir.path().join("nested.toml"), "[memory-size]\nvalue = 1\n").unwrap();
    fs::write(dir.path().join("values.json"), "{}").unwrap();
    for (args, env, message) in [
        (
            &["f", "-d", "colour=blue"][..],
            None,
            "unknown setting `colour` in --define; valid settings: name, runtime",
        ),
        (
            &["f", "-d", "memory-size=64"],
            None,
            "invalid value \"64\" for `memory-size` in --define: expected MiB, a whole number from 128 to 10240",
        ),
        (
            &["f", "-d", "timeout=ten"],
            None,
            "for `timeout` in --define: expected seconds, a whole number from 1 to 900",
        ),
        (
            &["f", "-d", "tracing=maybe"],
            None,
            "for `tracing` in --define: expected true or false",
        ),
        (
            &["f", "-d", "log-retention-days=31"],
            None,
            "invalid value \"31\" for `log-retention-days` in --define: expected days the function's log group keeps logs, one of CloudWatch Logs' periods: 1, 3, 5,",
        ),
        (
            &["f", "-d", "reserved-concurrency=0"],
            None,
            "for `reserved-concurrency` in --define: expected a whole number from 1 to 1000",
        ),
        (
            &["f", "-d", "architecture=sparc"],
            None,
            "for `architecture` in --define: expected x86_64 or arm64",
        ),
        (
            &["f", "-d", "description=two\nlines"],
            None,
            "expected text of at most 256 characters, without control characters",
        ),
        (
            &["f", "-d", "timeout"],
            None,
            "--define takes KEY=VALUE, got \"timeout\"",
        ),
        (
            &["f", "--values-file", "bad.yaml"],
            None,
            "unknown setting `colour` in values file bad.yaml",
        ),
        (
            &["f", "--values-file", "nested.toml"],
            None,
            "`memory-size` must be a string, number or boolean",
        ),
        (
            &["f", "--values-file", "values.json"],
            None,
            "use a .toml, .yaml or .yml file",
        ),
        (
            &["f", "--values-file", "missing.toml"],
            None,
            "cannot read values file missing.toml",
        ),
        (
            &["f"],
            Some(("LAMBDA_NEW_COLOUR", "blue")),
            "unknown setting `colour` in environment variable LAMBDA_NEW_COLOUR",
        ),
        (
            &["f"],
            Some(("LAMBDA_NEW_TIMEOUT", "0")),
            "for `timeout` in environment variable LAMBDA_NEW_TIMEOUT",
        ),
        (
            &["f", "-d", "language=typescript"],
            None,
            "--language does not apply to Python",
        ),
    ] {
        let mut cmd = lambda_new(dir.path());
        cmd.args(args);
        if let Some((var, value)) = env {
            cmd.env(var, value);
        }
        cmd.assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!dir.path().join("f").exists());
}

#[test]
fn json_result_describes_files_and_choices() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path())
        .args([
            "my-fn",
            "--json",
            "--architecture",
            "arm64",
            "-d",
            "timeout=20",
        ])
        .assert()
        .success();
    let result: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(result["project_dir"], "my-fn");
    assert_eq!(result["dry_run"], false);
    assert_eq!(result["git"], false);
    assert_eq!(result["choices"]["runtime"], "python3.14");
    assert_eq!(result["choices"]["architecture"], "arm64");
    assert_eq!(result["choices"]["timeout"], 20);
    let files = result["files"].as_array().unwrap();
    for file in files {
        let path = dir
            .path()
            .join("my-fn")
            .join(file["path"].as_str().unwrap());
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            file["bytes"].as_u64().unwrap(),
            "{file}"
        );
    }
    insta::assert_json_snapshot!(result["choices"], @r#"
    {
      "architecture": "arm64",
      "base": "aws",
      "base_image": "public.ecr.aws/lambda/python:3.14",
      "description": "my-fn: an AWS Lambda function in Python 3.14, packaged as a container image",
      "family": "python",
      "function_url_auth": null,
      "json_logging": false,
      "memory_size": 512,
      "name": "my-fn",
      "options": {},
      "runtime": "python3.14",
      "timeout": 20,
      "tracing": false,
      "trigger": "api"
    }
    "#);
}

#[test]
fn json_dry_run_writes_nothing_and_warnings_are_included() {
    let dir = tempfile::tempdir().unwrap();
    let assert = lambda_new(dir.path())
        .args(["my-fn", "--json", "--dry-run", "--runtime", "python3.10"])
        .assert()
        .success();
    let result: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(result["dry_run"], true);
    assert!(
        result["warnings"][0]
            .as_str()
            .unwrap()
            .contains("python3.10 was deprecated")
    );
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn quiet_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-fn", "--quiet"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(dir.path().join("my-fn/template.yaml").is_file());
}

#[test]
fn color_flag_overrides_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["a", "--dry-run", "--color", "always"])
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}["));
    lambda_new(dir.path())
        .args(["b", "--dry-run", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn vcs_git_initialises_a_repository_unless_inside_one() {
    if !support::require_tool("git", "tests --vcs git") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("lambda-new").unwrap();
    cmd.current_dir(dir.path())
        .args(["repo-fn", "--vcs", "git"]);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("Initialised a git repository"));
    assert!(dir.path().join("repo-fn/.git").is_dir());

    // By default, a project inside an existing work tree gets no repository of its own.
    let mut cmd = Command::cargo_bin("lambda-new").unwrap();
    cmd.current_dir(dir.path().join("repo-fn")).arg("nested");
    cmd.assert().success();
    assert!(!dir.path().join("repo-fn/nested/.git").exists());

    // --vcs none never creates one.
    lambda_new(dir.path()).arg("plain").assert().success();
    assert!(!dir.path().join("plain/.git").exists());
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        Command::cargo_bin("lambda-new")
            .unwrap()
            .current_dir(dir.path())
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("dependency-manager"));
    }
}

#[test]
fn help_is_snapshotted() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("lambda-new").unwrap();
    let output = cmd.current_dir(dir.path()).arg("--help").output().unwrap();
    assert!(output.status.success());
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("help", String::from_utf8(output.stdout).unwrap());
    });
}
