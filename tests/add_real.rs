//! `lambda-new add` on the SAM templates people really have (issue 16): Globals an Image
//! function must not inherit, ids SAM derives, the template's own bytes (permissions, CRLF,
//! BOM, quoting, a last line without a newline), true reasons for refusals, CloudFormation's
//! limits, hostile nesting, and the errors of add's own flags.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lambda_new::sam_template::{EditError, insert};

fn lambda_new(dir: &Path) -> Command {
    let mut command = support::lambda_new();
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const ZIP_WITH_GLOBALS: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    Timeout: 10
Resources:
  Relies:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: relies/
  OwnRuntime:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: own/
      Runtime: python3.13
  Ignores:
    Type: AWS::Serverless::Function
    IgnoreGlobals: '*'
    Properties:
      CodeUri: ignores/
      Runtime: nodejs22.x
      Handler: index.handler
";

#[test]
fn globals_an_image_function_would_inherit_are_refused_with_their_lines() {
    let refused = insert(
        ZIP_WITH_GLOBALS,
        &support::rendered_template("probe-fn", "sqs"),
        false,
    );
    assert_eq!(
        refused,
        Err(EditError::Globals(vec![
            ("Runtime".into(), Some(5)),
            ("Handler".into(), Some(6)),
        ]))
    );
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains("Runtime (line 5), Handler (line 6)"),
        "{message}"
    );
    assert!(message.contains("--move-globals"), "{message}");
    // Keys an Image function may inherit are no reason to refuse.
    let timeout_only =
        ZIP_WITH_GLOBALS.replace("    Runtime: python3.12\n    Handler: app.handler\n", "");
    insert(
        &timeout_only,
        &support::rendered_template("probe-fn", "sqs"),
        false,
    )
    .unwrap();
}

#[test]
fn move_globals_gives_every_relying_function_its_keys_and_the_new_one_none() {
    let edited = insert(
        ZIP_WITH_GLOBALS,
        &support::rendered_template("probe-fn", "sqs"),
        true,
    )
    .unwrap();
    assert_eq!(edited.moved_globals_into, ["Relies", "OwnRuntime"]);
    let doc: serde_yaml::Value = serde_yaml::from_str(&edited.text).unwrap();
    let property = |id: &str, key: &str| {
        doc["Resources"][id]["Properties"]
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    assert_eq!(doc["Globals"]["Function"]["Timeout"], 10);
    assert!(doc["Globals"]["Function"].get("Runtime").is_none());
    assert_eq!(property("Relies", "Runtime").as_deref(), Some("python3.12"));
    assert_eq!(
        property("Relies", "Handler").as_deref(),
        Some("app.handler")
    );
    assert_eq!(
        property("OwnRuntime", "Runtime").as_deref(),
        Some("python3.13")
    );
    assert_eq!(
        property("OwnRuntime", "Handler").as_deref(),
        Some("app.handler")
    );
    assert_eq!(
        property("Ignores", "Runtime").as_deref(),
        Some("nodejs22.x")
    );
    assert_eq!(property("ProbeFnFunction", "Runtime"), None);
    assert!(edited.text.contains(
        "      CodeUri: relies/\n      Runtime: python3.12\n      Handler: app.handler\n"
    ));

    // Globals left with nothing go, Function and all.
    let only = "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Layers:\n      - !Ref Deps\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn/\n";
    let edited = insert(only, &support::rendered_template("probe-fn", "none"), true).unwrap();
    assert!(!edited.text.contains("Globals"), "{}", edited.text);
    assert!(
        edited
            .text
            .contains("      CodeUri: fn/\n      Layers:\n        - !Ref Deps\n"),
        "{}",
        edited.text
    );
    // The issue's own case, in flow style: refused by default, and not moved as text.
    let flow = "Transform: AWS::Serverless-2016-10-31\nGlobals: {Function: {Runtime: python3.12}}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    let addition = support::rendered_template("probe-fn", "sqs");
    assert_eq!(
        insert(flow, &addition, false),
        Err(EditError::Globals(vec![("Runtime".into(), None)]))
    );
    let error = insert(flow, &addition, true).unwrap_err().to_string();
    assert!(error.contains("flow style"), "{error}");
    // A function with Layers of its own gets the global ones prepended by SAM: by hand.
    let merged = only.replace(
        "      CodeUri: fn/\n",
        "      CodeUri: fn/\n      Layers: [x]\n",
    );
    assert!(matches!(
        insert(
            &merged,
            &support::rendered_template("probe-fn", "none"),
            true
        ),
        Err(EditError::CannotMoveGlobals(_))
    ));
}

#[test]
fn ids_sam_derives_are_taken_ids() {
    let existing_role = "Transform: AWS::Serverless-2016-10-31\nResources:\n  MyLambdaFunctionRole:\n    Type: AWS::IAM::Role\n";
    let error = insert(
        existing_role,
        &support::rendered_template("my-lambda", "none"),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(&error, EditError::DerivedClash { id, existing, .. } | EditError::Clash { existing, new: id, .. }
            if id.eq_ignore_ascii_case("MyLambdaFunctionRole") && existing == "MyLambdaFunctionRole"),
        "{error}"
    );
    // An event of an existing function makes `<Id><Event>`.
    let event = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        QueueFunction:\n          Type: SQS\n";
    let error = insert(
        event,
        &support::rendered_template("worker-queue", "none"),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(&error, EditError::DerivedClash { id, existing, .. } if id == "WorkerQueueFunction" && existing == "Worker"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("derives from the existing \"Worker\""),
        "{error}"
    );
    // Names that only share a beginning are not taken.
    insert(
        event,
        &support::rendered_template("worker-two", "api"),
        false,
    )
    .unwrap();
}

#[test]
fn the_template_s_own_bytes_stay_crlf_bom_quoting_and_a_last_line_without_newline() {
    let addition = support::rendered_template("new-fn", "sqs");
    let mut edits = Vec::new();
    let crlf = "Transform: AWS::Serverless-2016-10-31\r\nResources:\r\n  Topic:\r\n    Type: AWS::SNS::Topic\r\nOutputs:\r\n  TopicArn:\r\n    Value: !Ref Topic\r\n";
    let edited = insert(crlf, &addition, false).unwrap().text;
    assert!(support::only_inserts(crlf, &edited));
    assert_eq!(
        edited.matches('\n').count(),
        edited.matches("\r\n").count(),
        "{edited:?}"
    );
    edits.push(edited);

    let bom = format!("\u{feff}{}", crlf.replace('\r', ""));
    let edited = insert(&bom, &addition, false).unwrap().text;
    assert!(edited.starts_with('\u{feff}') && support::only_inserts(&bom, &edited));
    edits.push(edited);

    let quoted = "\"Transform\": AWS::Serverless-2016-10-31\n\"Resources\":\n  Topic:\n    Type: AWS::SNS::Topic\n'Outputs':\n  A:\n    Value: 1\n";
    let edited = insert(quoted, &addition, false).unwrap().text;
    assert!(support::only_inserts(quoted, &edited) && edited.contains("NewFnFunction:"));
    edits.push(edited);

    // The block scalar keeps its value (no line break added to it): the new lines go before.
    let last = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Note: |\n        kept as it is";
    let edited = insert(last, &addition, false).unwrap().text;
    let doc: serde_yaml::Value = serde_yaml::from_str(&edited).unwrap();
    assert_eq!(
        doc["Resources"]["Topic"]["Metadata"]["Note"],
        "kept as it is"
    );
    assert!(edited.ends_with("kept as it is") && edited.contains("NewFnFunction:"));
    edits.push(edited);

    if support::require_tool("cfn-lint", "lints the edited templates") {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = edits
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let path = dir.path().join(format!("t{i}.yaml"));
                fs::write(&path, text).unwrap();
                path
            })
            .collect();
        support::run(Command::new("cfn-lint").args(&paths));
    }
}

#[test]
fn refusals_give_the_true_reason() {
    let addition = support::rendered_template("new-fn", "none");
    let refused = |text: &str| insert(text, &addition, false).unwrap_err();
    let sam = "Transform: AWS::Serverless-2016-10-31\n";
    assert_eq!(
        refused(&format!("{sam}Resources:\n")),
        EditError::EmptyResources
    );
    assert_eq!(
        refused(&format!("{sam}Resources:\n  A:\n\tType: AWS::SNS::Topic\n")),
        EditError::Tabs(4)
    );
    let duplicate = refused(&format!(
        "{sam}Resources:\n  A:\n    Type: AWS::SNS::Topic\n  A:\n    Type: AWS::SQS::Queue\n"
    ))
    .to_string();
    assert!(
        duplicate.contains("\"A\" twice in one mapping (lines 3 and 5)"),
        "{duplicate}"
    );
}

#[test]
fn cloudformation_s_limits_are_kept() {
    let addition = support::rendered_template("new-fn", "sqs");
    let mut text = "Transform: AWS::Serverless-2016-10-31\nResources:\n".to_owned();
    for i in 0..499 {
        text.push_str(&format!("  Topic{i}:\n    Type: AWS::SNS::Topic\n"));
    }
    assert!(matches!(
        insert(&text, &addition, false),
        Err(EditError::TooMany {
            what: "resources",
            limit: 500,
            ..
        })
    ));
    let mut text = "Transform: AWS::Serverless-2016-10-31\nResources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n".to_owned();
    for i in 0..199 {
        text.push_str(&format!("  O{i}:\n    Value: x\n"));
    }
    assert!(matches!(
        insert(&text, &addition, false),
        Err(EditError::TooMany {
            what: "outputs",
            limit: 200,
            ..
        })
    ));
}

#[test]
fn deep_nesting_is_refused_fast() {
    let depth = 100_000;
    let text = format!(
        "Transform: AWS::Serverless-2016-10-31\nMetadata:\n  X: {}{}\nResources:\n  T:\n    Type: AWS::SNS::Topic\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = Instant::now();
    assert_eq!(
        insert(&text, &support::rendered_template("new-fn", "none"), false),
        Err(EditError::TooDeep)
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// A minimal application with one topic, for the binary's tests.
fn application() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("template.yaml"),
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_template_keeps_its_permission_bits() {
    let dir = application();
    let template = dir.path().join("template.yaml");
    fs::set_permissions(&template, fs::Permissions::from_mode(0o600)).unwrap();
    support::run(lambda_new(dir.path()).args(["add", "worker", "--runtime", "python", "-y"]));
    assert!(
        fs::read_to_string(&template)
            .unwrap()
            .contains("WorkerFunction:")
    );
    assert_eq!(
        fs::metadata(&template).unwrap().permissions().mode() & 0o7777,
        0o600
    );
}

#[test]
fn both_template_names_are_refused_naming_both() {
    let dir = application();
    fs::copy(
        dir.path().join("template.yaml"),
        dir.path().join("template.yml"),
    )
    .unwrap();
    let output = lambda_new(dir.path())
        .args(["add", "worker", "-y"])
        .output()
        .unwrap();
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let path = |name: &str| dir.path().join(name).display().to_string();
    assert!(
        stderr.contains(&format!(
            "{} and {}",
            path("template.yaml"),
            path("template.yml")
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("worker").exists());
}

#[test]
fn project_errors_speak_of_project() {
    let dir = application();
    let file = dir.path().join("file");
    fs::write(&file, "").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    for (project, reason) in [
        (file, "is not a directory"),
        (dir.path().join("missing"), "does not exist"),
        (link, "is a symlink"),
    ] {
        let output = lambda_new(dir.path())
            .args(["add", "worker", "-y", "--project"])
            .arg(&project)
            .output()
            .unwrap();
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--project") && stderr.contains(reason),
            "{stderr}"
        );
        for other in ["--output-dir", "--init", "--force"] {
            assert!(!stderr.contains(other), "{stderr}");
        }
    }
}

#[test]
fn globals_are_refused_or_moved_with_a_diff_and_sam_accepts_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    fs::write(&template, ZIP_WITH_GLOBALS).unwrap();
    let add = [
        "add",
        "probe-fn",
        "--runtime",
        "python",
        "--trigger",
        "sqs",
        "-y",
    ];
    let output = lambda_new(dir.path()).args(add).output().unwrap();
    let refusal = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{refusal}");
    assert!(refusal.contains("Runtime (line 5)") && refusal.contains("nothing was written"));
    assert_eq!(fs::read_to_string(&template).unwrap(), ZIP_WITH_GLOBALS);
    assert!(!dir.path().join("probe-fn").exists());

    let output = lambda_new(dir.path())
        .args(add)
        .arg("--move-globals")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("-    Runtime: python3.12")
            && stdout.contains("+      Runtime: python3.12"),
        "{stdout}"
    );
    if support::require_tool("sam", "validates the template after --move-globals") {
        for d in ["relies", "own", "ignores"] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        support::run(
            Command::new("sam")
                .args(["validate", "--lint", "--template-file"])
                .arg(&template)
                .current_dir(dir.path()),
        );
    }
}

#[test]
fn a_line_separator_in_a_description_round_trips_through_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let description = "first\u{2028}  second\u{2029}  third";
    support::run(lambda_new(dir.path()).args([
        "fn",
        "--runtime",
        "python",
        "--vcs",
        "none",
        "-y",
        "-d",
        &format!("description={description}"),
    ]));
    let text = fs::read_to_string(dir.path().join("fn/template.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let found = doc["Resources"]["FnFunction"]["Properties"]["Description"].as_str();
    assert_eq!(found, Some(description), "{text}");
}

/// SIGKILL while template.yaml is moved aside and its replacement not yet placed: the next
/// `add`, and `lambda-new NAME` there, name what the killed run left and the commands that
/// put the application back, and those commands do.
#[test]
fn sigkill_with_the_template_moved_aside_is_found_by_the_next_runs() {
    use support::disk;
    let dir = application();
    let before = disk::tree(dir.path());
    let template = dir.path().join("template.yaml");
    let mut child = disk::command(dir.path(), &["add", "worker", "--runtime", "python"])
        .env("TEST_LAMBDA_NEW_ASIDE_DELAY_MS", "3000")
        .spawn()
        .unwrap();
    let started = Instant::now();
    while template.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never moved aside"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    disk::signal(&child, libc::SIGKILL);
    child.wait().unwrap();

    for args in [&["add", "other"][..], &["fresh", "--vcs", "none"][..]] {
        let output = disk::command(dir.path(), args).output().unwrap();
        let stderr = disk::stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("left by a lambda-new run that was killed"),
            "{stderr}"
        );
        assert!(stderr.contains("template.yaml"), "{stderr}");
    }
    let output = disk::command(dir.path(), &["add", "other"])
        .output()
        .unwrap();
    let commands = disk::restore_commands(&disk::stderr(&output));
    assert!(!commands.is_empty(), "{}", disk::stderr(&output));
    let status = Command::new("sh")
        .arg("-c")
        .arg(commands.join(" &&\n"))
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(disk::tree(dir.path()), before);
}
