//! Every trigger's bundled events against its trigger.yaml: each event file the contract names
//! is generated, is pretty-printed JSON, has the shape AWS sends for that source, and a small
//! reference reading of the contract's rules (the comments in trigger.yaml) gives exactly the
//! expectation every family's handler is held to.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

/// What a handler following the contract's rules does with an event.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    http: Option<Value>,
    answer: Option<Value>,
    error: bool,
    logs: Vec<String>,
}

/// A JSON object's non-empty string `name`, if it has one.
fn greeting_name(value: &Value) -> Option<&str> {
    value["name"].as_str().filter(|name| !name.is_empty())
}

fn greeting(name: &str) -> String {
    format!("Hello, {name}!")
}

/// A JSON text's non-empty string `name`.
fn name_in_json_text(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    greeting_name(&value).map(str::to_owned)
}

fn records<'e>(event: &'e Value, source_key: &str, source: &str) -> &'e Vec<Value> {
    let records = event["Records"].as_array().expect("a Records list");
    assert!(!records.is_empty(), "no records");
    for record in records {
        assert_eq!(record[source_key], source, "{record}");
    }
    records
}

/// The contract's rules, read plainly (see each trigger.yaml's comments).
fn reference(trigger: &str, event: &Value) -> Outcome {
    let mut out = Outcome::default();
    match trigger {
        "api" | "http-api" | "function-url" => {
            let method = match trigger {
                "api" => &event["httpMethod"],
                _ => &event["requestContext"]["http"]["method"],
            };
            assert_eq!(method, "GET");
            let name = event["queryStringParameters"]["name"].as_str().unwrap();
            out.http = Some(json!({"status": 200, "body": {"message": greeting(name)}}));
        }
        "sqs" => {
            let mut failures = Vec::new();
            for record in records(event, "eventSource", "aws:sqs") {
                match name_in_json_text(record["body"].as_str().unwrap()) {
                    Some(name) => out.logs.push(greeting(&name)),
                    None => failures.push(json!({"itemIdentifier": record["messageId"]})),
                }
            }
            out.answer = Some(json!({ "batchItemFailures": failures }));
            every_record_failed(&mut out, records(event, "eventSource", "aws:sqs").len());
        }
        "sns" => {
            for record in records(event, "EventSource", "aws:sns") {
                match name_in_json_text(record["Sns"]["Message"].as_str().unwrap()) {
                    Some(name) => out.logs.push(greeting(&name)),
                    None => out.error = true,
                }
            }
        }
        "s3" => {
            for record in records(event, "eventSource", "aws:s3") {
                assert!(
                    record["eventName"]
                        .as_str()
                        .unwrap()
                        .starts_with("ObjectCreated:")
                );
                let s3 = &record["s3"];
                let key = support::s3::decode_key(s3["object"]["key"].as_str().unwrap());
                assert!(
                    key.starts_with("uploads/"),
                    "the bucket notifies uploads/ only"
                );
                out.logs.push(format!(
                    "New object s3://{}/{key} ({} bytes)",
                    s3["bucket"]["name"].as_str().unwrap(),
                    s3["object"]["size"]
                ));
            }
        }
        "dynamodb" => {
            // Stops at the first failure: it and every later record are reported.
            let mut failures = Vec::new();
            for record in records(event, "eventSource", "aws:dynamodb") {
                let change = &record["dynamodb"];
                let name = &change["NewImage"]["name"]["S"];
                match (record["eventName"].as_str().unwrap(), name.as_str()) {
                    _ if !failures.is_empty() => {
                        failures.push(json!({"itemIdentifier": change["SequenceNumber"]}))
                    }
                    ("REMOVE", _) => out.logs.push(format!(
                        "Removed {}",
                        change["Keys"]["id"]["S"].as_str().unwrap()
                    )),
                    ("INSERT" | "MODIFY", Some(name)) => out.logs.push(greeting(name)),
                    _ => failures.push(json!({"itemIdentifier": change["SequenceNumber"]})),
                }
            }
            out.answer = Some(json!({ "batchItemFailures": failures }));
            every_record_failed(
                &mut out,
                records(event, "eventSource", "aws:dynamodb").len(),
            );
        }
        "schedule" => match event["job"].as_str() {
            Some(job) => out.logs.push(format!(
                "Running {job} for {}",
                event["scheduledTime"].as_str().unwrap()
            )),
            None => out.error = true,
        },
        "eventbridge" => {
            assert_eq!(event["detail-type"], "Greeting requested");
            match greeting_name(&event["detail"]) {
                Some(name) => out.logs.push(greeting(name)),
                None => out.error = true,
            }
        }
        "none" => match greeting_name(event) {
            Some(name) => out.answer = Some(json!({"message": greeting(name)})),
            None => out.error = true,
        },
        other => panic!("no reference reading for trigger {other}"),
    }
    out
}

/// A batch answer that reports every record of a non-empty batch fails the invocation instead,
/// so Lambda's Errors metric counts it.
fn every_record_failed(out: &mut Outcome, records: usize) {
    let failed = out.answer.as_ref().unwrap()["batchItemFailures"]
        .as_array()
        .unwrap()
        .len();
    if records > 0 && failed == records {
        out.answer = None;
        out.error = true;
    }
}

/// The expectation trigger.yaml states, in the same form.
fn expected(expect: &Value) -> Outcome {
    let http = expect.get("http").cloned();
    Outcome {
        http,
        answer: expect.get("answer").cloned(),
        error: expect["error"] == true,
        logs: expect["logs"]
            .as_array()
            .map(|logs| {
                logs.iter()
                    .map(|l| l.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Pretty-printed with two spaces, one newline at the end, as a reader expects to edit it.
fn assert_pretty(path: &Path, text: &str) {
    assert!(
        text.ends_with("}\n") && !text.ends_with("\n\n"),
        "{}: not one newline at the end",
        path.display()
    );
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert!(
            indent % 2 == 0 && !line.starts_with('\t') && !line.ends_with(' '),
            "{}: not two-space pretty JSON: {line:?}",
            path.display()
        );
    }
}

#[test]
fn every_bundled_event_meets_its_trigger_contract() {
    let triggers = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/triggers");
    let mut seen = 0;
    for trigger in support::e2e::triggers() {
        let contract: Value = serde_yaml::from_str(
            &fs::read_to_string(triggers.join(&trigger).join("trigger.yaml")).unwrap(),
        )
        .unwrap();
        let (_dir, project) = support::generate(&[
            "my-fn",
            "--runtime",
            "python",
            "--trigger",
            &trigger,
            "--vcs",
            "none",
        ]);
        let events = contract["events"].as_array().unwrap();
        assert_eq!(
            events[0]["file"], "event.json",
            "{trigger}: the primary event comes first"
        );
        let mut generated: Vec<_> = fs::read_dir(support::function_folder(&project).join("events"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        generated.sort();
        let mut named: Vec<_> = events
            .iter()
            .map(|e| e["file"].as_str().unwrap().to_owned())
            .collect();
        named.sort();
        assert_eq!(
            generated, named,
            "{trigger}: events/ holds exactly the contract's events"
        );
        for entry in events {
            let path = support::function_folder(&project)
                .join("events")
                .join(entry["file"].as_str().unwrap());
            let text = fs::read_to_string(&path).unwrap();
            assert_pretty(&path, &text);
            let event: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            assert_eq!(
                reference(&trigger, &event),
                expected(&entry["expect"]),
                "{trigger}: {} does not give what trigger.yaml expects",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 16, "every trigger's events were read: {seen}");
}

/// The reference reading can fail: a changed id or name breaks it.
#[test]
fn the_reference_reading_notices_a_wrong_event() {
    let event = json!({"Records": [
        {"eventSource": "aws:sqs", "messageId": "a", "body": "{\"name\": \"Alice\"}"},
        {"eventSource": "aws:sqs", "messageId": "b", "body": "not JSON"},
    ]});
    let contract = json!({
        "answer": {"batchItemFailures": [{"itemIdentifier": "c80e8021-a70a-42c7-a470-796e1186f753"}]},
        "logs": ["Hello, Alice!"],
    });
    assert_ne!(reference("sqs", &event), expected(&contract));
    assert_eq!(
        support::s3::decode_key("uploads/caf%C3%A9+1.txt"),
        "uploads/café 1.txt"
    );
}

/// The key paths of a JSON value, object keys joined with dots (list items are not entered).
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(map) = value {
        for (key, inner) in map {
            let path = format!("{prefix}{key}");
            key_paths(inner, &format!("{path}."), out);
            out.insert(path);
        }
    }
}

/// What SAM's sample HTTP API event has that a `GET /<name>?name=Lambda` to a route or URL with
/// no body, path parameters, stage variables, JWT or Lambda authorizer and no mutual TLS does
/// not carry; and the sample's own headers and query parameters.
const NOT_SENT: [&str; 7] = [
    "body",
    "pathParameters",
    "stageVariables",
    "requestContext.authentication",
    "requestContext.authorizer",
    "headers.",
    "queryStringParameters.",
];

/// The HTTP API's and function URL's events (the URL's with either auth) hold every key path of
/// `sam local generate-event apigateway http-api-proxy` that such a request carries; an IAM
/// function URL's also the caller's identity.
#[test]
fn payload_2_events_carry_the_full_shape() {
    if !support::require_tool("sam", "generates the reference payload 2.0 event") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = support::run(
        std::process::Command::new("sam")
            .args(["local", "generate-event", "apigateway", "http-api-proxy"])
            .env("HOME", home.path())
            .env("SAM_CLI_TELEMETRY", "0"),
    );
    let mut sample = BTreeSet::new();
    key_paths(
        &serde_json::from_slice(&out.stdout).unwrap(),
        "",
        &mut sample,
    );
    sample.retain(|path| !NOT_SENT.iter().any(|n| path.starts_with(n)));
    assert!(
        sample.contains("requestContext.http.sourceIp"),
        "{sample:?}"
    );
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let cases = [
        ("http-api", None),
        ("function-url", Some(lambda_new::choices::UrlAuth::AwsIam)),
        ("function-url", Some(lambda_new::choices::UrlAuth::None)),
    ];
    for (trigger, auth) in cases {
        let request = lambda_new::request::Request {
            name: Some("my-fn".to_owned()),
            runtime: Some("python".to_owned()),
            trigger: Some(trigger.to_owned()),
            function_url_auth: auth,
            ..Default::default()
        };
        let (choices, _) = lambda_new::choices::resolve(&request, &catalog).unwrap();
        let plan = lambda_new::render::render(&choices, &catalog).unwrap();
        let event: Value = serde_json::from_str(support::text(&plan, "events/event.json")).unwrap();
        let mut paths = BTreeSet::new();
        key_paths(&event, "", &mut paths);
        let missing: Vec<&String> = sample.difference(&paths).collect();
        assert!(missing.is_empty(), "{trigger} {auth:?}: lacks {missing:?}");
        let iam = auth == Some(lambda_new::choices::UrlAuth::AwsIam);
        assert_eq!(
            paths.contains("requestContext.authorizer.iam.userArn"),
            iam,
            "{trigger} {auth:?}: the caller's identity"
        );
    }
}

/// Where .ci/install/moto.sh installs moto's server and the AWS CLI, pinned together.
const MOTO_BIN: &str = "/opt/moto/bin";

/// moto's server (a local stand-in for AWS) on a free port, stopped when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Moto {
    fn start(server: &Path) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed().as_secs() < 60,
                "moto_server never listened"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The AWS CLI from moto's environment, pointed at moto with test credentials and nothing
/// from the user's own configuration. eu-central-2: in us-east-1 the AWS CLI v1 sends SQS
/// calls to its legacy host even when AWS_ENDPOINT_URL says otherwise.
fn aws_env(command: &mut std::process::Command, bin: &Path, moto: &Moto, home: &Path) {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    command
        .env("PATH", path)
        .env("HOME", home)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "eu-central-2")
        .env_remove("AWS_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
}

/// A CloudFormation tag (`!Ref X`, `!GetAtt X.Y`, `!Sub ...`, `!Select`, `!Split`) as its JSON form; the names of
/// the resources a value refers to are added to `refs`.
fn cloudformation_json(value: &serde_yaml::Value, refs: &mut Vec<String>) -> Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Tagged(tagged) => {
            let inner = cloudformation_json(&tagged.value, refs);
            match tagged.tag.to_string().as_str() {
                "!Ref" => {
                    let name = inner.as_str().unwrap();
                    if !name.contains("::") {
                        refs.push(name.to_owned());
                    }
                    json!({ "Ref": inner })
                }
                "!GetAtt" => {
                    let (resource, attribute) = inner.as_str().unwrap().split_once('.').unwrap();
                    refs.push(resource.to_owned());
                    json!({ "Fn::GetAtt": [resource, attribute] })
                }
                "!Sub" => {
                    // `!Sub TEXT` or `!Sub [TEXT, {VAR: VALUE}]`: the variables are not refs.
                    let (text, vars) = match &inner {
                        Value::Array(list) => (list[0].as_str().unwrap(), list[1].clone()),
                        text => (text.as_str().unwrap(), json!({})),
                    };
                    for part in text.split("${").skip(1) {
                        let name = part.split('}').next().unwrap();
                        if !name.contains("::") && vars.get(name).is_none() {
                            refs.push(name.split('.').next().unwrap().to_owned());
                        }
                    }
                    json!({ "Fn::Sub": inner })
                }
                "!Select" => json!({ "Fn::Select": inner }),
                "!Split" => json!({ "Fn::Split": inner }),
                tag => panic!("unexpected tag {tag}"),
            }
        }
        Y::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().unwrap().to_owned(), cloudformation_json(v, refs)))
                .collect(),
        ),
        Y::Sequence(items) => items.iter().map(|v| cloudformation_json(v, refs)).collect(),
        other => serde_json::to_value(other).unwrap(),
    }
}

/// The template's own resources (SAM's function and the resources SAM makes from it left
/// out: moto cannot run an image) and the outputs that name only those, for moto to deploy.
fn stack_without_the_function(template: &Path) -> Value {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(template).unwrap()).unwrap();
    let mut resources = serde_json::Map::new();
    for (name, resource) in yaml["Resources"].as_mapping().unwrap() {
        if !resource["Type"]
            .as_str()
            .unwrap()
            .starts_with("AWS::Serverless::")
        {
            let json = cloudformation_json(resource, &mut Vec::new());
            resources.insert(name.as_str().unwrap().to_owned(), json);
        }
    }
    let mut outputs = serde_json::Map::new();
    for (name, output) in yaml["Outputs"].as_mapping().unwrap() {
        let mut refs = Vec::new();
        let json = cloudformation_json(output, &mut refs);
        if refs.iter().all(|r| resources.contains_key(r)) {
            outputs.insert(name.as_str().unwrap().to_owned(), json);
        }
    }
    json!({ "Resources": resources, "Outputs": outputs })
}

/// The ```sh blocks of the function README's section that sends the trigger real events: the
/// one after "Deploy without SAM".
fn deployed_blocks(readme: &str) -> Vec<String> {
    let sections: Vec<&str> = readme.split("\n## ").collect();
    let deploy = sections
        .iter()
        .position(|s| s.starts_with("Deploy without SAM\n"));
    let section = sections[deploy.expect("a Deploy without SAM section") + 1];
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in section.lines() {
        match (&mut current, line) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(block), "```") => {
                blocks.push(block.join("\n"));
                current = None;
            }
            (Some(block), line) => block.push(line),
            (None, _) => {}
        }
    }
    blocks
}

/// For each trigger whose event source moto has, the README's commands after `sam deploy`,
/// word for word in bash with the AWS CLI against moto, on a stack of the template's own
/// resources and outputs. What they send is then caught (the queue itself, an SQS probe
/// subscribed to the topic, notified by the bucket or targeted by the rule's own pattern, the
/// table's stream) and read with the contract's rules: it must be what the README says.
#[test]
fn readme_deployed_event_commands_work_against_a_local_aws() {
    let bin = Path::new(MOTO_BIN);
    if !bin.join("moto_server").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{MOTO_BIN} is required under CI=true; .ci/install/moto.sh installs it"
        );
        eprintln!("SKIPPED: no moto in {MOTO_BIN} (runs the README's aws commands locally)");
        return;
    }
    let moto = Moto::start(&bin.join("moto_server"));
    let home = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| -> Value {
        let mut command = std::process::Command::new(bin.join("aws"));
        aws_env(&mut command, bin, &moto, home.path());
        command.args(args).args(["--output", "json"]);
        let out = support::run(&mut command);
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    let probe = |name: &str| -> (String, String) {
        let url = aws(&["sqs", "create-queue", "--queue-name", name])["QueueUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        let arn = aws(&[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &url,
            "--attribute-names",
            "QueueArn",
        ])["Attributes"]["QueueArn"]
            .as_str()
            .unwrap()
            .to_owned();
        (url, arn)
    };
    let bodies = |url: &str| -> Vec<Value> {
        let got = aws(&[
            "sqs",
            "receive-message",
            "--queue-url",
            url,
            "--max-number-of-messages",
            "10",
        ]);
        got["Messages"].as_array().cloned().unwrap_or_default()
    };
    let check = |trigger: &str| {
        let stack = format!("my-{trigger}");
        let (_dir, project) = support::generate(&[
            &stack,
            "--runtime",
            "python",
            "--trigger",
            trigger,
            "--vcs",
            "none",
        ]);
        let template = stack_without_the_function(&project.join("template.yaml"));
        let body = project.join("stack.json");
        fs::write(&body, template.to_string()).unwrap();
        aws(&[
            "cloudformation",
            "create-stack",
            "--stack-name",
            &stack,
            "--template-body",
            &format!("file://{}", body.display()),
        ]);
        let stacks = aws(&["cloudformation", "describe-stacks", "--stack-name", &stack]);
        let outputs = stacks["Stacks"][0]["Outputs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // The function's outputs start with its name in upper camel case.
        let prefix: String = stack
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        let output = |key: &str| -> String {
            let key = format!("{prefix}{key}");
            let found = outputs.iter().find(|o| o["OutputKey"] == key.as_str());
            found.unwrap_or_else(|| panic!("{trigger}: no output {key}"))["OutputValue"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        // Catch what the commands send before they send it.
        let (probe_url, probe_arn) = probe(&format!("{stack}-probe"));
        match trigger {
            "sns" => {
                aws(&[
                    "sns",
                    "subscribe",
                    "--topic-arn",
                    &output("TopicArn"),
                    "--protocol",
                    "sqs",
                    "--notification-endpoint",
                    &probe_arn,
                ]);
            }
            "s3" => {
                let config = json!({"QueueConfigurations": [{
                    "QueueArn": probe_arn,
                    "Events": ["s3:ObjectCreated:*"],
                }]});
                aws(&[
                    "s3api",
                    "put-bucket-notification-configuration",
                    "--bucket",
                    &output("BucketName"),
                    "--notification-configuration",
                    &config.to_string(),
                ]);
            }
            "eventbridge" => {
                let yaml: serde_yaml::Value = serde_yaml::from_str(
                    &fs::read_to_string(project.join("template.yaml")).unwrap(),
                )
                .unwrap();
                let function = yaml["Resources"]
                    .as_mapping()
                    .unwrap()
                    .values()
                    .find(|r| r["Type"] == "AWS::Serverless::Function")
                    .unwrap();
                let events = function["Properties"]["Events"].as_mapping().unwrap();
                let rule = events.values().next().unwrap();
                let pattern = cloudformation_json(&rule["Properties"]["Pattern"], &mut Vec::new());
                aws(&[
                    "events",
                    "put-rule",
                    "--name",
                    &stack,
                    "--event-pattern",
                    &pattern.to_string(),
                ]);
                let targets = json!([{"Id": "probe", "Arn": probe_arn}]);
                aws(&[
                    "events",
                    "put-targets",
                    "--rule",
                    &stack,
                    "--targets",
                    &targets.to_string(),
                ]);
            }
            _ => {}
        }
        let script = deployed_blocks(
            &fs::read_to_string(support::function_folder(&project).join("README.md")).unwrap(),
        )
        .join("\n");
        let mut bash = std::process::Command::new("bash");
        bash.args(["-euo", "pipefail", "-c", &script])
            .current_dir(&project);
        aws_env(&mut bash, bin, &moto, home.path());
        support::run(&mut bash);
        // What the source would hand the function, read with the contract's rules.
        let (event, logs) = match trigger {
            "sqs" => {
                let records: Vec<Value> = bodies(&output("QueueUrl"))
                    .into_iter()
                    .map(|m| json!({"eventSource": "aws:sqs", "messageId": m["MessageId"], "body": m["Body"]}))
                    .collect();
                (
                    json!({ "Records": records }),
                    vec!["Hello, Alice!".to_owned()],
                )
            }
            "sns" => {
                let records: Vec<Value> = bodies(&probe_url)
                    .into_iter()
                    .map(|m| {
                        let envelope: Value =
                            serde_json::from_str(m["Body"].as_str().unwrap()).unwrap();
                        json!({"EventSource": "aws:sns", "Sns": envelope})
                    })
                    .collect();
                (
                    json!({ "Records": records }),
                    vec!["Hello, Lambda!".to_owned()],
                )
            }
            "s3" => {
                let bucket = output("BucketName");
                let records: Vec<Value> = bodies(&probe_url)
                    .into_iter()
                    .map(|m| serde_json::from_str::<Value>(m["Body"].as_str().unwrap()).unwrap())
                    .filter_map(|n| n["Records"].as_array().cloned())
                    .flatten()
                    .collect();
                let log = format!("New object s3://{bucket}/uploads/hello world.txt (11 bytes)");
                let listed = aws(&["s3api", "list-objects-v2", "--bucket", &bucket]);
                assert!(
                    listed["Contents"].is_null(),
                    "s3: the bucket was not emptied: {listed}"
                );
                (json!({ "Records": records }), vec![log])
            }
            "dynamodb" => {
                let stream = output("TableStreamArn");
                let shard = aws(&[
                    "dynamodbstreams",
                    "describe-stream",
                    "--stream-arn",
                    &stream,
                ])["StreamDescription"]["Shards"][0]["ShardId"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let iterator = aws(&[
                    "dynamodbstreams",
                    "get-shard-iterator",
                    "--stream-arn",
                    &stream,
                    "--shard-id",
                    &shard,
                    "--shard-iterator-type",
                    "TRIM_HORIZON",
                ])["ShardIterator"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let got = aws(&[
                    "dynamodbstreams",
                    "get-records",
                    "--shard-iterator",
                    &iterator,
                ]);
                let logs = ["Hello, Alice!", "Hello, Alicia!", "Removed 1"];
                (
                    json!({ "Records": got["Records"] }),
                    logs.map(str::to_owned).to_vec(),
                )
            }
            "eventbridge" => {
                let mut events = bodies(&probe_url);
                assert_eq!(
                    events.len(),
                    1,
                    "eventbridge: the rule's pattern matched {events:?}"
                );
                let event: Value =
                    serde_json::from_str(events.remove(0)["Body"].as_str().unwrap()).unwrap();
                (event, vec!["Hello, Lambda!".to_owned()])
            }
            _ => unreachable!(),
        };
        let outcome = reference(trigger, &event);
        assert_eq!(
            outcome.logs, logs,
            "{trigger}: the README's commands sent {event}"
        );
        if trigger == "sqs" {
            // The README's second message is the one a handler reports as failed.
            let failures = &outcome.answer.unwrap()["batchItemFailures"];
            assert_eq!(failures.as_array().unwrap().len(), 1, "{trigger}: {event}");
        }
        println!("{trigger}: the README's aws commands work against moto");
    };
    // One stack each: the triggers run side by side.
    std::thread::scope(|scope| {
        for trigger in ["sqs", "sns", "s3", "dynamodb", "eventbridge"] {
            scope.spawn(move || check(trigger));
        }
    });
}
