//! The commands each generated README shows, proven as far as this machine can run them:
//! read in order, every build, run and deploy command starts at the project root and names
//! files the project has; the deploy commands take the region the AWS CLI itself would;
//! `sam validate` lints with the project's own samconfig.toml; and the Python "Test" block
//! runs word for word and ends back at the root.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

/// The ```sh blocks of a README, each as its lines.
fn sh_blocks(readme: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match (&mut current, line) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), line) => block.push(line),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "a ```sh block is never closed");
    blocks
}

/// The commands of a README's ```sh blocks, a line continued with `\\` joined to the next.
fn sh_commands(readme: &str) -> Vec<String> {
    let mut commands: Vec<String> = Vec::new();
    let mut continued = false;
    for line in sh_blocks(readme).into_iter().flatten() {
        match commands.last_mut() {
            Some(last) if continued => last.push_str(line.trim_start()),
            _ => commands.push(line.to_owned()),
        }
        let last = commands.last_mut().unwrap();
        continued = last.ends_with('\\');
        if continued {
            last.pop();
        }
    }
    commands
}

/// A command without its trailing comment.
fn command(line: &str) -> &str {
    line.split(" #").next().unwrap().trim()
}

#[test]
fn readme_commands_run_from_the_project_root_and_name_its_files() {
    for combo in support::matrix(true) {
        let label = combo.label();
        let plan = support::render(&combo, "my-fn");
        // The project's README and the function's: both run from the project root.
        let readmes = [
            support::text(&plan, "README.md"),
            support::text(&plan, "my-fn/README.md"),
        ];
        let has = |path: &str| plan.files.iter().any(|f| f.path == path);
        // The directories the reader has `cd`ed into, in order.
        let mut cwd: Vec<&str> = Vec::new();
        for line in readmes.iter().flat_map(|r| sh_blocks(r)).flatten() {
            let cmd = command(line);
            if let Some(dir) = cmd.strip_prefix("cd ") {
                for part in dir.split('/') {
                    if part == ".." {
                        assert!(cwd.pop().is_some(), "{label}: `cd {dir}` above the project");
                    } else {
                        cwd.push(part);
                        let inside = cwd.join("/") + "/";
                        assert!(
                            plan.files.iter().any(|f| f.path.starts_with(&inside)),
                            "{label}: `cd {dir}` into a directory the project lacks"
                        );
                    }
                }
                continue;
            }
            let from_root = ["docker ", "sam ", "aws ", "curl "]
                .iter()
                .any(|tool| cmd.starts_with(tool));
            if from_root {
                assert!(
                    cwd.is_empty(),
                    "{label}: `{cmd}` would run in {cwd:?}, not the project root"
                );
                for word in cmd.split_whitespace() {
                    if let Some(path) = project_file(word) {
                        assert!(has(path), "{label}: `{cmd}` names {path}, which is missing");
                    }
                }
                if cmd.starts_with("docker build") {
                    let context = cmd.split_whitespace().last().unwrap();
                    assert!(
                        has(&format!("{context}/Dockerfile")),
                        "{label}: `{cmd}` builds {context}/ but it has no Dockerfile"
                    );
                }
            }
        }
        assert!(cwd.is_empty(), "{label}: the README ends in {cwd:?}");
    }
}

/// The deploy block's `REGION=` line, run by bash with an `aws` stand-in whose configured
/// region is us-east-1: the environment wins as it does for the AWS CLI.
#[test]
fn readme_deploy_region_honours_the_environment_first() {
    let plan = support::render(&support::matrix(false)[0], "my-fn");
    let line = sh_blocks(support::text(&plan, "my-fn/README.md"))
        .into_iter()
        .flatten()
        .find(|line| line.starts_with("REGION="))
        .expect("the README sets REGION for the deploy commands");
    let bin = tempfile::tempdir().unwrap();
    let aws = bin.path().join("aws");
    fs::write(
        &aws,
        "#!/bin/sh\n[ \"$*\" = 'configure get region' ] && echo us-east-1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&aws, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let region = |env: &[(&str, &str)]| {
        let mut bash = Command::new("bash");
        bash.args(["-c", &format!("{line}\necho \"$REGION\"")])
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("PATH", &path)
            .envs(env.iter().copied());
        let out = support::run(&mut bash);
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(region(&[]), "us-east-1");
    assert_eq!(
        region(&[("AWS_DEFAULT_REGION", "eu-north-1")]),
        "eu-north-1"
    );
    assert_eq!(
        region(&[
            ("AWS_DEFAULT_REGION", "eu-north-1"),
            ("AWS_REGION", "ap-south-2")
        ]),
        "ap-south-2"
    );
}

/// Plain `sam validate` in each family's project on both bases: the project's samconfig.toml
/// turns its lint on (cfn-lint through SAM), so the template must pass it; a broken template
/// must not, or the check proves nothing.
#[test]
fn sam_validate_lints_with_the_projects_samconfig() {
    if !support::require_tool("sam", "sam validate reads samconfig.toml") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sam_validate = |project: &Path| {
        Command::new("sam")
            .arg("validate")
            .current_dir(project)
            .env("HOME", home.path())
            .env("SAM_CLI_TELEMETRY", "0")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sam runs")
    };
    let mut seen = Vec::new();
    for combo in support::matrix(false) {
        let key = (combo.family.clone(), combo.base);
        if seen.contains(&key) || combo.arch != lambda_new::choices::Architecture::Arm64 {
            continue;
        }
        seen.push(key);
        let mut args = vec!["my-fn".to_owned()];
        args.extend(combo.args());
        args.extend(["--vcs".to_owned(), "none".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_dir, project) = support::generate(&args);
        let out = sam_validate(&project);
        assert!(
            out.status.success(),
            "{}: sam validate failed:\n{}{}",
            combo.label(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if seen.len() == 1 {
            // The lint really runs: an unknown resource type fails it.
            let template = project.join("template.yaml");
            let text = fs::read_to_string(&template).unwrap();
            fs::write(
                &template,
                text.replace("AWS::Serverless::Function", "AWS::Serverless::Functio"),
            )
            .unwrap();
            let out = sam_validate(&project);
            let said = [out.stdout, out.stderr].concat();
            assert!(!out.status.success(), "sam validate did not lint");
            assert!(String::from_utf8_lossy(&said).contains("E3006"));
        }
    }
    assert!(seen.len() >= 14, "every family on both bases: {seen:?}");
}

/// The Python README's "Test" block, word for word in bash from the project root, then a
/// command from the next section: it must find the project root again.
#[test]
fn python_readme_test_block_runs_as_written() {
    let (_dir, project) = support::generate(&["my-fn", "--runtime", "python", "--vcs", "none"]);
    let readme = fs::read_to_string(project.join("my-fn/README.md")).unwrap();
    let test = readme.split("## Test").nth(1).expect("a Test section");
    let block = sh_blocks(test).into_iter().next().expect("a command block");
    let version = block
        .iter()
        .find_map(|l| l.strip_prefix("python").and_then(|r| r.split(' ').next()))
        .expect("the block makes a virtual environment");
    // The README names the runtime's interpreter; this machine runs its own python3.
    let script = block
        .join("\n")
        .replace(&format!("python{version} "), "python3 ");
    let mut bash = Command::new("bash");
    bash.args(["-euc", &format!("{script}\ntest -f template.yaml")])
        .current_dir(&project);
    support::run(&mut bash);
}

/// The words of an `aws` or `sam` command that name a file of the project: `FOLDER/events/X`
/// as an argument, `@FOLDER/events/X` for curl, `file://` and `fileb://` for the AWS CLI.
fn project_file(word: &str) -> Option<&str> {
    let word = word.trim_matches(|c| c == '\'' || c == '"');
    let word = word
        .strip_prefix("fileb://")
        .or_else(|| word.strip_prefix("file://"))
        .or_else(|| word.strip_prefix('@'))
        .unwrap_or(word);
    support::function_path(word)
        .starts_with("events/")
        .then_some(word)
}

/// The stack outputs a README line reads: each `OutputKey=='KEY'` of a describe-stacks query.
fn queried_outputs(line: &str) -> Vec<&str> {
    line.split("OutputKey=='")
        .skip(1)
        .map(|rest| rest.split('\'').next().unwrap())
        .collect()
}

/// Each trigger's README section, for every family's newest runtime (the README differs by
/// family) on both bases: every bundled event is invoked locally by the function's logical id
/// and exists; every stack output the README queries is one template.yaml defines, on the
/// project's own stack; every `$VARIABLE` an `aws` or `curl` command uses was read from the
/// stack outputs before (or the credentials the AWS CLI exports); the EventBridge event it puts
/// matches the rule's pattern; a queue read waits 20 seconds for a message; an IAM function URL
/// is called once with curl signing for Lambda and both permissions named; and each
/// at-least-once source has its line on idempotency.
#[test]
fn trigger_sections_name_what_the_project_deploys() {
    let mut checked = 0;
    for newest in support::matrix(false) {
        if newest.arch != lambda_new::choices::Architecture::X86_64 {
            continue;
        }
        for trigger in support::e2e::triggers() {
            let combo = newest.with_trigger(&trigger);
            let label = format!("{} {trigger}", combo.label());
            let plan = support::render(&combo, "my-fn");
            let readme = support::text(&plan, "my-fn/README.md");
            let template: serde_yaml::Value =
                serde_yaml::from_str(support::text(&plan, "template.yaml")).unwrap();
            let outputs = template["Outputs"].as_mapping().unwrap();
            let has = |path: &str| plan.files.iter().any(|f| f.path == path);
            let events: Vec<String> = plan
                .files
                .iter()
                .filter_map(|f| {
                    let path = support::function_path(&f.path);
                    path.strip_prefix("events/").map(str::to_owned)
                })
                .collect();
            let mut invoked = Vec::new();
            // Shell variables set so far, from the stack outputs or the deploy section.
            let mut set: Vec<String> = Vec::new();
            let mut signed = 0;
            for line in sh_commands(readme) {
                let cmd = command(&line);
                for word in cmd.split_whitespace() {
                    if let Some(path) = project_file(word) {
                        assert!(has(path), "{label}: `{cmd}` names {path}, which is missing");
                    }
                }
                if let Some(rest) = cmd.strip_prefix("sam local invoke ") {
                    let words: Vec<&str> = rest.split_whitespace().collect();
                    assert_eq!(words[0], "MyFnFunction", "{label}: `{cmd}`");
                    if let ["-e" | "--event", event] = words[1..] {
                        let event = support::function_path(event);
                        invoked.push(event.trim_start_matches("events/").to_owned());
                    }
                }
                for key in queried_outputs(cmd) {
                    assert!(
                        outputs.contains_key(key),
                        "{label}: the README reads output {key}, which template.yaml lacks"
                    );
                    assert!(cmd.contains("--stack-name my-fn "), "{label}: `{cmd}`");
                }
                if let Some((variable, _)) = cmd.split_once('=')
                    && !variable.contains(' ')
                {
                    set.push(variable.to_owned());
                }
                if cmd == r#"eval "$(aws configure export-credentials --format env)""# {
                    set.extend(CREDENTIALS.map(str::to_owned));
                }
                if cmd.starts_with("aws sqs receive-message") {
                    assert!(
                        cmd.ends_with(" --wait-time-seconds 20"),
                        "{label}: `{cmd}` returns before a failed message arrives"
                    );
                }
                if cmd.starts_with("curl --aws-sigv4 ") {
                    assert!(
                        cmd.starts_with(r#"curl --aws-sigv4 "aws:amz:$REGION:lambda" "#),
                        "{label}: `{cmd}` signs for another service"
                    );
                    signed += 1;
                }
                if cmd.starts_with("aws ") || cmd.starts_with("curl ") {
                    for used in cmd.split('$').skip(1) {
                        let name: String = used
                            .trim_start_matches('{')
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() {
                            assert!(
                                set.contains(&name),
                                "{label}: `{cmd}` uses ${name} before the README sets it"
                            );
                        }
                    }
                }
                if cmd.starts_with("aws events put-events") {
                    assert_put_event_matches_the_rule(&label, cmd, &template);
                }
            }
            let iam_url = trigger == "function-url";
            assert_eq!(signed, usize::from(iam_url), "{label}: a signed call");
            if iam_url {
                for permission in ["`lambda:InvokeFunctionUrl`", "`lambda:InvokeFunction`"] {
                    assert!(readme.contains(permission), "{label}: {permission}");
                }
            }
            if AT_LEAST_ONCE.contains(&trigger.as_str()) {
                assert!(
                    readme.contains("make the work idempotent ("),
                    "{label}: a line on idempotency"
                );
            }
            invoked.sort();
            let mut expected = events.clone();
            expected.sort();
            assert_eq!(
                invoked, expected,
                "{label}: `sam local invoke` for each event"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 70,
        "every family on both bases, for each trigger: {checked}"
    );
}

/// What `aws configure export-credentials --format env` sets.
const CREDENTIALS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// The sources that may deliver an event twice.
const AT_LEAST_ONCE: [&str; 5] = ["sqs", "sns", "s3", "eventbridge", "dynamodb"];

/// The entry `aws events put-events --entries '[...]'` puts carries the source and
/// detail-type the function's EventBridge rule matches.
fn assert_put_event_matches_the_rule(label: &str, cmd: &str, template: &serde_yaml::Value) {
    let entries = cmd.split('\'').nth(1).expect("--entries in single quotes");
    let entries: serde_json::Value = serde_json::from_str(entries).unwrap();
    let entry = &entries[0];
    let function = &template["Resources"]["MyFnFunction"]["Properties"];
    let rule = function["Events"]
        .as_mapping()
        .unwrap()
        .values()
        .find(|e| e["Type"] == "EventBridgeRule")
        .expect("an EventBridge rule");
    let pattern = &rule["Properties"]["Pattern"];
    let allowed = |key: &str, value: &serde_json::Value| {
        pattern[key]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|v| v.as_str() == value.as_str())
    };
    assert!(allowed("source", &entry["Source"]), "{label}: {entry}");
    assert!(
        allowed("detail-type", &entry["DetailType"]),
        "{label}: {entry}"
    );
    let detail: serde_json::Value =
        serde_json::from_str(entry["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        detail["name"], "Lambda",
        "{label}: the README's event greets Lambda"
    );
}

/// `sam validate` (its lint on, from samconfig.toml) for every trigger, on one family: the
/// template depends on the family only through names. Function URLs with either auth.
#[test]
fn sam_validate_lints_every_trigger() {
    if !support::require_tool("sam", "sam validate reads samconfig.toml") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut variants: Vec<Vec<String>> = support::e2e::triggers()
        .into_iter()
        .map(|t| vec!["--trigger".to_owned(), t])
        .collect();
    variants.push(
        ["--trigger", "function-url", "--function-url-auth", "none"]
            .map(str::to_owned)
            .to_vec(),
    );
    let validate = |variant: &[String]| {
        let mut args = vec!["my-fn", "--runtime", "python", "--vcs", "none"];
        args.extend(variant.iter().map(String::as_str));
        let (_dir, project) = support::generate(&args);
        let out = Command::new("sam")
            .arg("validate")
            .current_dir(&project)
            .env("HOME", home.path())
            .env("SAM_CLI_TELEMETRY", "0")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sam runs");
        assert!(
            out.status.success(),
            "{variant:?}: sam validate failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Two at a time: SAM spends most of its time starting up.
    for pair in variants.chunks(2) {
        std::thread::scope(|scope| {
            for variant in pair {
                scope.spawn(|| validate(variant));
            }
        });
    }
}
