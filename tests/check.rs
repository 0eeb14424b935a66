//! `lambda-new check`: deprecation phases of image functions' base images, toolchains, and for
//! generated functions the drift since; exit codes 0 / 1 / 2. Also the recorded answers it
//! reads: rendering them again gives the same bytes.

mod support;

use std::fs;
use std::path::Path;

use serde_json::Value;
use support::{generate, lambda_new};

/// `check --json` on `project` as on `today`: the report and the exit code.
fn check(project: &Path, today: &str) -> (Value, i32) {
    let output = lambda_new()
        .args(["check", "--json", "--today", today, "--project"])
        .arg(project)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (report, output.status.code().unwrap())
}

/// `(kind, severity, date)` of each finding of the report's only function.
fn findings(report: &Value) -> Vec<(String, String, Option<String>)> {
    let functions = report["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 1, "{report:#}");
    functions[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["date"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn finding(kind: &str, severity: &str, date: Option<&str>) -> (String, String, Option<String>) {
    (kind.into(), severity.into(), date.map(str::to_owned))
}

#[test]
fn a_python39_project_is_deprecated_and_on_amazon_linux_2() {
    let (_guard, project) = generate(&["py-old", "--runtime", "python3.9", "--vcs", "none"]);
    let (report, code) = check(&project, "2026-12-06");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["functions"][0]["runtime"], "python3.9");
    assert_eq!(
        findings(&report),
        [
            finding("deprecated", "act", Some("2025-12-15")),
            finding("amazon-linux-2", "act", Some("2026-06-30")),
        ]
    );
    // Before the deprecation, within the quarter ahead: soon, with the days left.
    let (report, code) = check(&project, "2025-10-01");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report)[0],
        finding("deprecation-soon", "act", Some("2025-12-15"))
    );
    let message = report["functions"][0]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("in 75 days"), "{message}");
    // A year earlier, Amazon Linux 2 is worth knowing and nothing needs doing.
    let (report, code) = check(&project, "2024-06-01");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        findings(&report),
        [finding("amazon-linux-2", "info", Some("2026-06-30"))]
    );
}

#[test]
fn an_al2_go_project_gets_the_dates_of_provided_al2() {
    let (_guard, project) = generate(&["go-old", "--runtime", "go-provided.al2", "--vcs", "none"]);
    let (report, code) = check(&project, "2026-05-01");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["functions"][0]["runtime"], "provided.al2");
    assert_eq!(
        findings(&report),
        [
            finding("deprecation-soon", "act", Some("2026-06-30")),
            finding("amazon-linux-2", "act", Some("2026-06-30")),
        ]
    );
    let (report, _) = check(&project, "2026-07-01");
    assert_eq!(
        findings(&report)[0],
        finding("deprecated", "act", Some("2026-06-30"))
    );
}

#[test]
fn a_fresh_project_is_clean() {
    let (_guard, project) = generate(&["fresh", "--vcs", "none"]);
    let (report, code) = check(&project, "2026-12-06");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report), []);
    assert_eq!(report["functions"][0]["generated_as"], "fresh");
    assert_eq!(report["project"], serde_json::json!([]));
    // The same for people, found from inside the project.
    let output = lambda_new()
        .args(["check", "--today", "2026-12-06"])
        .current_dir(project.join("fresh/function"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("FreshFunction (python3.14)\n  ok\n"),
        "{text}"
    );
    assert!(text.contains("0 to act on"), "{text}");
}

/// A SAM application lambda-new did not make: a Zip function (not checked), an image
/// function on Docker Hub's mirror of an AWS image reached through an ARG and a stage, one
/// on an image that is not an AWS base image, and one whose Dockerfile is gone.
#[test]
fn any_sam_application_is_checked_by_its_dockerfiles() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("template.yaml"),
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    PackageType: Image\nResources:\n  Zipped:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Zip\n      Runtime: nodejs18.x\n  Old:\n    Type: AWS::Serverless::Function\n    Metadata:\n      DockerContext: ./old\n      Dockerfile: Dockerfile.lambda\n  Own:\n    Type: AWS::Serverless::Function\n    Metadata: {DockerContext: own, Dockerfile: Dockerfile}\n  Gone:\n    Type: AWS::Serverless::Function\n    Metadata: {DockerContext: gone, Dockerfile: Dockerfile}\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub '${AWS::StackName}-q'}\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("old")).unwrap();
    fs::write(
        root.join("old/Dockerfile.lambda"),
        "ARG NODE=18\nFROM amazon/aws-lambda-nodejs:${NODE} AS base\nFROM base\nCMD [\"app.handler\"]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("own")).unwrap();
    fs::write(root.join("own/Dockerfile"), "FROM node:24-slim\n").unwrap();

    let (report, code) = check(root, "2026-12-06");
    assert_eq!(code, 1, "{report:#}");
    let functions = report["functions"].as_array().unwrap();
    let ids: Vec<&str> = functions
        .iter()
        .map(|f| f["logical_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["Old", "Own", "Gone"]);
    let kinds = |i: usize| -> Vec<&str> {
        functions[i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect()
    };
    assert_eq!(functions[0]["runtime"], "nodejs18.x");
    assert_eq!(functions[0]["dockerfile"], "old/Dockerfile.lambda");
    assert_eq!(kinds(0), ["deprecated", "amazon-linux-2"]);
    assert_eq!(functions[0]["findings"][0]["date"], "2025-09-01");
    assert_eq!(kinds(1), ["not-aws-base"]);
    assert_eq!(functions[1]["findings"][0]["severity"], "info");
    assert_eq!(kinds(2), ["no-dockerfile"]);
    assert!(functions.iter().all(|f| f.get("generated_as").is_none()));
}

/// What the user changed, removed or unwired since generating, and a pin this version writes
/// newer than the file has.
#[test]
fn drift_and_pins_behind_are_reported_for_information() {
    let (_guard, project) = generate(&["drifty", "--vcs", "none"]);
    let function = project.join("drifty/function");
    let handler = function.join("drifty/handler.py");
    fs::write(&handler, fs::read_to_string(&handler).unwrap() + "# mine\n").unwrap();
    fs::remove_file(project.join("drifty/events/event.json")).unwrap();
    let dev = function.join("requirements-dev.txt");
    let pins = fs::read_to_string(&dev).unwrap();
    let pytest = pins.lines().find(|l| l.starts_with("pytest==")).unwrap();
    fs::write(&dev, pins.replace(pytest, "pytest==8.0.0")).unwrap();
    let template = project.join("template.yaml");
    let text = fs::read_to_string(&template).unwrap();
    let start = text.find("      Events:\n").unwrap();
    let end = text[start..].find("    Metadata:").unwrap() + start;
    fs::write(&template, format!("{}{}", &text[..start], &text[end..])).unwrap();
    fs::remove_file(project.join("README.md")).unwrap();

    let (report, code) = check(&project, "2026-12-06");
    assert_eq!(code, 0, "drift alone is for information: {report:#}");
    let all = report["functions"][0]["findings"].as_array().unwrap();
    let described: Vec<(&str, &str)> = all
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    let has = |kind: &str, needle: &str| {
        assert!(
            described
                .iter()
                .any(|(k, m)| *k == kind && m.contains(needle)),
            "{kind} {needle}: {described:#?}"
        );
    };
    has("changed", "drifty/function/drifty/handler.py");
    has("changed", "drifty/function/requirements-dev.txt");
    has("missing", "drifty/events/event.json");
    has(
        "wiring-removed",
        "DriftyFunction in template.yaml no longer has its event Api",
    );
    has("pin-behind", "`pytest==8.0.0` is behind `pytest==");
    assert!(all.iter().all(|f| f["severity"] == "info"));
    assert_eq!(report["project"][0]["kind"], "missing");
    assert_eq!(report["project"][0]["file"], "README.md");
}

#[test]
fn a_java_release_the_runtime_cannot_load_is_to_act_on() {
    let (_guard, project) = generate(&["jv", "--runtime", "java21", "--vcs", "none"]);
    let pom = project.join("jv/function/pom.xml");
    let text = fs::read_to_string(&pom).unwrap();
    assert!(text.contains("<maven.compiler.release>21<"));
    fs::write(
        &pom,
        text.replace("<maven.compiler.release>21<", "<maven.compiler.release>25<"),
    )
    .unwrap();
    let (report, code) = check(&project, "2026-12-06");
    assert_eq!(code, 1, "{report:#}");
    let toolchain = report["functions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "toolchain")
        .cloned()
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(toolchain["severity"], "act");
    assert!(toolchain["message"].as_str().unwrap().contains("Java 25"));
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    let (_guard, project) = generate(&["bad", "--vcs", "none"]);
    let run = |args: &[&str], dir: &Path| {
        let output = lambda_new()
            .arg("check")
            .args(args)
            .arg("--project")
            .arg(dir)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--today", "2026-02-30"], &project);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
    let empty = tempfile::tempdir().unwrap();
    let (code, stderr) = run(&[], empty.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no template.yaml"), "{stderr}");
    fs::write(empty.path().join("template.yaml"), "Resources: [\n").unwrap();
    let (code, stderr) = run(&[], empty.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("it is not YAML"), "{stderr}");
    fs::write(project.join(".lambda-new.toml"), "functions = 1\n").unwrap();
    let output = lambda_new()
        .args(["check", "--json", "--project"])
        .arg(&project)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["error"]["kind"], "cannot_read");
}

/// The answers a project records, rendered again with this version, give every file's bytes,
/// for a new project and for a function `add` wrote; `add` edits the file it read.
#[test]
fn recorded_answers_render_the_same_bytes() {
    use lambda_new::answers::{Answers, sha256};
    use lambda_new::catalog::Catalog;

    let (_guard, project) = generate(&[
        "first",
        "--runtime",
        "nodejs",
        "--language",
        "typescript",
        "--base",
        "alternative",
        "--architecture",
        "arm64",
        "-d",
        "memory-size=1024",
        "--vcs",
        "none",
    ]);
    let before = fs::read(project.join(".lambda-new.toml")).unwrap();
    let output = lambda_new()
        .args([
            "add",
            "second",
            "--runtime",
            "go",
            "--trigger",
            "function-url",
        ])
        .args([
            "--function-url-auth",
            "none",
            "-d",
            "description=mine",
            "--no-interactive",
        ])
        .arg("--project")
        .arg(&project)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = fs::read_to_string(project.join(".lambda-new.toml")).unwrap();
    assert!(
        text.starts_with(
            std::str::from_utf8(&before)
                .unwrap()
                .split("[functions.")
                .next()
                .unwrap()
        )
    );
    let answers = Answers::parse(&text).unwrap();
    assert_eq!(
        answers.to_toml(),
        text,
        "the file is written as it reads back"
    );
    assert_eq!(answers.functions.len(), 2);
    let catalog = Catalog::embedded().unwrap();
    for (name, recorded) in &answers.functions {
        let choices = recorded.choices(name, &catalog, None).unwrap();
        let plan = lambda_new::render::render(&choices, &catalog).unwrap();
        let own: Vec<_> = plan
            .files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{name}/")))
            .collect();
        assert_eq!(own.len(), recorded.files.len(), "{name}");
        for file in own {
            assert_eq!(
                recorded.files[&file.path],
                sha256(&file.contents),
                "{}",
                file.path
            );
            assert_eq!(
                fs::read(project.join(&file.path)).unwrap(),
                file.contents,
                "{}",
                file.path
            );
        }
    }
    let (report, code) = check(&project, "2026-12-06");
    assert_eq!(code, 0, "{report:#}");
}

/// The application README's `lambda-new check` block runs as written from the project root:
/// clean on a fresh project.
#[test]
fn the_readme_check_command_runs_as_written() {
    let (_guard, project) = generate(&["documented", "--vcs", "none"]);
    let readme = fs::read_to_string(project.join("README.md")).unwrap();
    let commands = support::first_sh_block(&readme, "## Keep it current");
    assert_eq!(commands, ["lambda-new check"]);
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(args[0], "lambda-new");
        let output = lambda_new()
            .args(&args[1..])
            .current_dir(&project)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{command}");
    }
}

/// `add` refuses an answers file it cannot read, before writing anything.
#[test]
fn add_refuses_answers_it_cannot_read_and_changes_nothing() {
    let (_guard, project) = generate(&["app", "--vcs", "none"]);
    let answers = project.join(".lambda-new.toml");
    fs::remove_file(&answers).unwrap();
    std::os::unix::fs::symlink("/dev/null", &answers).unwrap();
    let before = support::disk::tree(&project);
    let output = lambda_new()
        .args(["add", "worker", "--no-interactive", "--project"])
        .arg(&project)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".lambda-new.toml: it is not a regular file"),
        "{stderr}"
    );
    assert_eq!(support::disk::tree(&project), before);
}

/// `add` to an application lambda-new did not make starts its answers file with the function.
#[test]
fn add_to_a_hand_written_application_starts_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("template.yaml"),
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    let output = lambda_new()
        .args([
            "add",
            "worker",
            "--runtime",
            "python3.9",
            "--no-interactive",
            "--project",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = fs::read_to_string(dir.path().join(".lambda-new.toml")).unwrap();
    let answers = lambda_new::answers::Answers::parse(&text).unwrap();
    assert_eq!(answers.functions.keys().collect::<Vec<_>>(), ["worker"]);
    assert!(answers.project_files.is_empty());
    let (report, code) = check(dir.path(), "2026-12-06");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["functions"][0]["generated_as"], "worker");
    assert_eq!(report["functions"][0]["runtime"], "python3.9");
}

/// A FIFO in place of the template or of the answers is refused at once (never waited on),
/// and nothing is added beside it.
#[test]
fn a_fifo_as_template_or_answers_is_refused_at_once() {
    use std::os::unix::fs::FileTypeExt;
    let names = |dir: &Path| {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let cases: [(&str, &[&str]); 2] = [
        ("template.yaml", &["check", "--project"]),
        (
            ".lambda-new.toml",
            &["add", "worker", "--no-interactive", "--project"],
        ),
    ];
    for (file, args) in cases {
        let (_guard, project) = generate(&["app", "--vcs", "none"]);
        let path = project.join(file);
        fs::remove_file(&path).unwrap();
        support::disk::mkfifo(&path);
        let before = names(&project);
        let output = assert_cmd::Command::from_std(lambda_new())
            .args(args)
            .arg(&project)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{file}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a regular file"), "{file}: {stderr}");
        assert_eq!(names(&project), before, "{file}");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
    }
}

/// A FIFO in place of a function's Dockerfile is reported as unreadable, never waited on.
#[test]
fn a_fifo_as_dockerfile_is_reported_not_waited_on() {
    let (_guard, project) = generate(&["app", "--vcs", "none"]);
    let dockerfile = project.join("app/function/Dockerfile");
    fs::remove_file(&dockerfile).unwrap();
    support::disk::mkfifo(&dockerfile);
    let output = assert_cmd::Command::from_std(lambda_new())
        .args(["check", "--project"])
        .arg(&project)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("cannot be read"), "{stdout}");
}
