//! `lambda-new add`: a project grown to several functions of different families and triggers,
//! and every way an add must refuse, leaving the project as it was.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use predicates::prelude::*;

fn lambda_new(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("lambda-new").unwrap();
    // NO_COLOR rather than --color: a flag before `add` would belong to `lambda-new NAME`.
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Every file under `dir` with its bytes, sorted by path.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The functions a project grows by, after `lambda-new app` (Python, REST API): each is added
/// with these arguments.
const ADDED: &[(&str, &[&str])] = &[
    ("worker", &["--runtime", "go", "--trigger", "sqs"]),
    (
        "web",
        &[
            "--runtime",
            "nodejs",
            "--language",
            "typescript",
            "--trigger",
            "http-api",
        ],
    ),
    (
        "uploads",
        &[
            "--runtime",
            "java",
            "--trigger",
            "s3",
            "--base",
            "alternative",
        ],
    ),
    ("nightly", &["--runtime", "ruby", "--trigger", "schedule"]),
    ("changes", &["--runtime", "dotnet", "--trigger", "dynamodb"]),
    ("direct", &["--runtime", "rust", "--trigger", "none"]),
];

#[test]
fn a_project_grows_to_many_functions_and_keeps_every_byte_it_had() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["app", "--vcs", "none", "--architecture", "x86_64"])
        .assert()
        .success();
    let project = dir.path().join("app");
    let readme = fs::read(project.join("README.md")).unwrap();
    let first = tree(&project.join("app"));
    for (name, args) in ADDED {
        let before = fs::read_to_string(project.join("template.yaml")).unwrap();
        lambda_new(&project)
            .arg("add")
            .arg(name)
            .args(*args)
            .args(["--architecture", "x86_64"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Added {name} to .")));
        let after = fs::read_to_string(project.join("template.yaml")).unwrap();
        assert!(
            support::only_inserts(&before, &after),
            "{name}:\n{before}\n---\n{after}"
        );

        // The function is exactly what `lambda-new NAME` makes for it, but for the stack its
        // README names: its code, events and Dockerfile run as that project's (the family
        // tests run those end to end).
        let alone = tempfile::tempdir().unwrap();
        lambda_new(alone.path())
            .arg(name)
            .args(*args)
            .args(["--architecture", "x86_64", "--vcs", "none"])
            .assert()
            .success();
        let readme_path = "README.md".to_string();
        let strip_readme = |files: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
            files
                .into_iter()
                .filter(|(p, _)| *p != readme_path)
                .collect()
        };
        assert_eq!(
            strip_readme(tree(&project.join(name))),
            strip_readme(tree(&alone.path().join(name).join(name))),
            "{name}"
        );
        let function_readme = fs::read_to_string(project.join(name).join("README.md")).unwrap();
        assert!(function_readme.contains("--stack-name app "), "{name}");
    }
    // What the project had is as it was: its README and its first function.
    assert_eq!(fs::read(project.join("README.md")).unwrap(), readme);
    assert_eq!(tree(&project.join("app")), first);

    let template: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(project.join("template.yaml")).unwrap()).unwrap();
    for (name, _) in ADDED {
        let id = format!("{}Function", heck::AsUpperCamelCase(name));
        let docker = &template["Resources"][id.as_str()]["Metadata"]["DockerContext"];
        assert_eq!(docker.as_str(), Some(format!("./{name}/function").as_str()));
    }

    if support::require_tool("cfn-lint", "lints the grown template") {
        support::run(Command::new("cfn-lint").arg(project.join("template.yaml")));
    }
    if support::require_tool("sam", "validates the grown template") {
        support::run(
            Command::new("sam")
                .args(["validate", "--lint"])
                .current_dir(&project)
                .env("HOME", dir.path())
                .env_remove("AWS_REGION")
                .env_remove("AWS_DEFAULT_REGION"),
        );
    }
    // The functions' own tests, as their READMEs say, in the grown project.
    if support::require_tool("go", "runs the added Go function's tests") {
        let readme = fs::read_to_string(project.join("worker/README.md")).unwrap();
        let block = readme
            .split("## Test")
            .nth(1)
            .and_then(|rest| rest.split("```sh\n").nth(1))
            .and_then(|rest| rest.split("```").next())
            .expect("a Test block");
        support::run(
            Command::new("bash")
                .args(["-euc", &format!("{block}\ntest -f template.yaml")])
                .current_dir(&project)
                .envs(support::go_env()),
        );
    }
}

#[test]
fn dry_run_shows_the_files_and_the_lines_it_would_insert() {
    let dir = tempfile::tempdir().unwrap();
    // Without a pipeline, whose files add regenerates (tests/pipeline.rs).
    lambda_new(dir.path())
        .args(["app", "--vcs", "none", "--ci", "none"])
        .assert()
        .success();
    let project = dir.path().join("app");
    let before = tree(&project);
    let output = lambda_new(&project)
        .args(["add", "worker", "--trigger", "sqs", "--dry-run"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(stdout.contains("./worker/function/Dockerfile"), "{stdout}");
    assert!(stdout.contains("+++ b/template.yaml"), "{stdout}");
    assert!(stdout.contains("+  WorkerQueue:"), "{stdout}");
    assert!(!stdout.lines().any(|l| l.starts_with("-  ")), "{stdout}");
    assert_eq!(tree(&project), before);

    let output = lambda_new(&project)
        .args(["add", "worker", "--trigger", "sqs", "--dry-run", "--json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    // The template, and the recorded answers the function joins.
    let edits = json["edits"].as_array().unwrap();
    let edit = |path: &str| {
        edits.iter().find(|e| e["path"] == path).unwrap()["diff"]
            .as_str()
            .unwrap()
    };
    assert!(edit("template.yaml").contains("+  WorkerFunction:"));
    assert!(edit(".lambda-new.toml").contains("+[functions.worker]"));
    assert!(
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"].as_str().unwrap().starts_with("worker/")),
        "{json}"
    );
    assert_eq!(json["choices"]["trigger"], "sqs");
    assert_eq!(tree(&project), before);
}

#[test]
fn add_finds_the_application_upwards_and_refuses_without_one() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["add", "worker"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no template.yaml or template.yml in",
        ))
        .stderr(predicate::str::contains("--project DIR"));
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());

    lambda_new(dir.path())
        .args(["app", "--vcs", "none"])
        .assert()
        .success();
    let deep = dir.path().join("app/app/function");
    lambda_new(&deep)
        .args(["add", "worker", "--runtime", "go"])
        .assert()
        .success();
    assert!(dir.path().join("app/worker/function/main.go").is_file());
    lambda_new(dir.path())
        .args(["add", "second", "--project", "app"])
        .assert()
        .success();
    assert!(dir.path().join("app/second/function/Dockerfile").is_file());
}

/// Each clash or template it cannot edit is refused before anything is written.
#[test]
fn clashes_and_templates_it_cannot_edit_leave_everything_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    lambda_new(dir.path())
        .args(["my-app", "--vcs", "none"])
        .assert()
        .success();
    let project = dir.path().join("my-app");
    fs::create_dir(project.join("taken")).unwrap();
    let before = tree(&project);
    let refused = |args: &[&str], code: i32, message: &str| {
        lambda_new(&project)
            .arg("add")
            .args(args)
            .assert()
            .code(code)
            .stderr(predicate::str::contains(message));
        assert_eq!(tree(&project), before, "{args:?}");
    };
    // The folder exists; the logical id exists after case conversion.
    refused(&["taken"], 1, "already exists");
    refused(&["my_app"], 2, "clashes with the new \"MyAppFunction\"");
    refused(&["MY-APP"], 2, "clashes");
    // A bad choice is refused as for a new project.
    refused(&["other", "--trigger", "kinesis"], 2, "unknown trigger");

    for (file, text, message) in [
        (
            "template.yaml",
            "{\"Transform\": \"AWS::Serverless-2016-10-31\", \"Resources\": {}}\n",
            "JSON or YAML flow style",
        ),
        (
            "template.yaml",
            "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
            "no `Transform: AWS::Serverless-2016-10-31`",
        ),
        (
            "template.yml",
            "Transform: AWS::Serverless-2016-10-31\nResources: {A: {Type: AWS::SNS::Topic}}\n",
            "is not a block mapping",
        ),
        (
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources: {}\n",
            "`Resources:` is empty",
        ),
    ] {
        let other = tempfile::tempdir().unwrap();
        fs::write(other.path().join(file), text).unwrap();
        let before = tree(other.path());
        lambda_new(other.path())
            .args(["add", "worker"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("nothing was written"));
        assert_eq!(tree(other.path()), before, "{text}");
    }

    // A template that is a FIFO, or a symlink to /dev/zero, is refused without reading it.
    let fifo = |path: &Path| {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap()
    };
    let zero = |path: &Path| std::os::unix::fs::symlink("/dev/zero", path).unwrap();
    for (make, reason) in [
        (&fifo as &dyn Fn(&Path), "is not a regular file"),
        (&zero, "is a symlink"),
    ] {
        let other = tempfile::tempdir().unwrap();
        make(&other.path().join("template.yaml"));
        let started = std::time::Instant::now();
        lambda_new(other.path())
            .args(["add", "worker"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(reason));
        assert!(started.elapsed().as_secs() < 10);
        assert_eq!(fs::read_dir(other.path()).unwrap().count(), 1);
    }
}
