//! Least privilege as AWS deploys it: every trigger's template translated by SAM's own
//! translator (samtranslator, from the SAM CLI's environment), then every IAM statement of the
//! result read. No managed policy anywhere, no `Resource: "*"` but X-Ray's (its write actions
//! take no resource), and each statement a source needs names the function's own resource.
//! The same translation shows each source's own production settings, the log group, the
//! concurrency cap and the REST API's stages.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_new::choices::UrlAuth;
use lambda_new::request::Request;
use serde_json::{Value, json};

/// Reads SAM templates (CloudFormation's short tags included) and prints their translation,
/// by path, as one JSON object. An image function gets the `ImageUri` `sam build` would fill
/// in. A managed policy looked up by name fails it: none is wanted.
const TRANSLATE: &str = r#"
import json, sys
from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        sys.exit("the template asks SAM to look up a managed policy")

translated = {}
for path in sys.argv[1:]:
    with open(path) as text:
        template = yaml_parse(text.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["ImageUri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/built:latest"
    translated[path] = transform(template, {}, NoManagedPolicies())
json.dump(translated, sys.stdout)
"#;

/// The only actions allowed on `Resource: "*"`: X-Ray's writes, which IAM cannot scope.
const XRAY: [&str; 2] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/// The Python of the SAM CLI's own environment (samcli and samtranslator importable).
fn sam_python() -> Option<PathBuf> {
    if !support::require_tool("sam", "translates templates with samtranslator") {
        return None;
    }
    let sam = std::fs::canonicalize(support::which("sam")?).ok()?;
    Some(sam.with_file_name("python"))
}

/// Writes the project a request makes under `root/label` and returns its template's path.
fn template(root: &Path, label: &str, request: &Request) -> PathBuf {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let (choices, _) = lambda_new::choices::resolve(request, &catalog).unwrap();
    let plan = lambda_new::render::render(&choices, &catalog).unwrap();
    let target = root.join(label);
    lambda_new::write::write(&plan, &target).unwrap();
    target.join("template.yaml")
}

fn request(trigger: &str) -> Request {
    Request {
        name: Some("my-fn".to_owned()),
        runtime: Some("python".to_owned()),
        trigger: Some(trigger.to_owned()),
        ..Default::default()
    }
}

/// Every template's translation, in the order given.
fn translate(python: &Path, templates: &[PathBuf]) -> Vec<Value> {
    let out = support::run(
        Command::new(python)
            .args(["-c", TRANSLATE])
            .args(templates)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("SAM_CLI_TELEMETRY", "0"),
    );
    let mut all: Value = serde_json::from_slice(&out.stdout).unwrap();
    templates
        .iter()
        .map(|t| all[t.to_str().unwrap()].take())
        .collect()
}

/// Every IAM statement of a translated template: (resource id, statement).
fn statements(translated: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (id, resource) in translated["Resources"].as_object().unwrap() {
        let properties = &resource["Properties"];
        assert!(
            properties.get("ManagedPolicyArns").is_none(),
            "{id} has managed policies: {properties}"
        );
        let documents: Vec<&Value> = match resource["Type"].as_str().unwrap() {
            "AWS::IAM::Role" => properties["Policies"]
                .as_array()
                .map(|p| p.iter().map(|p| &p["PolicyDocument"]).collect())
                .unwrap_or_default(),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => vec![&properties["PolicyDocument"]],
            _ => continue,
        };
        for document in documents {
            for statement in document["Statement"].as_array().unwrap() {
                found.push((id.clone(), statement.clone()));
            }
        }
    }
    found
}

fn as_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Fails on a statement whose resource is `*` (or ends in `:*` with no resource named) unless
/// it is X-Ray's; returns the X-Ray statements seen.
fn assert_scoped(label: &str, translated: &Value) -> usize {
    let mut xray = 0;
    for (id, statement) in statements(translated) {
        let actions = as_list(&statement["Action"]);
        for resource in as_list(&statement["Resource"]) {
            if resource != "*" {
                continue;
            }
            assert!(
                actions.iter().all(|a| XRAY.contains(&a.as_str().unwrap())),
                "{label}: {id} grants {actions:?} on every resource"
            );
            xray += 1;
        }
    }
    xray
}

/// The function's role's statement granting `action`, whose resource must be `resource`.
fn assert_grants(label: &str, translated: &Value, action: &str, resource: Value) {
    let found = statements(translated).into_iter().find(|(id, s)| {
        id == "MyFnFunctionRole" && as_list(&s["Action"]).iter().any(|a| a == action)
    });
    let (_, statement) = found.unwrap_or_else(|| panic!("{label}: the role lacks {action}"));
    assert_eq!(statement["Resource"], resource, "{label}: {action}");
}

fn get_att(resource: &str, attribute: &str) -> Value {
    json!({"Fn::GetAtt": [resource, attribute]})
}

/// What the trigger's source needs of the function's role, each on its own resource.
fn needs(trigger: &str) -> Vec<(&'static str, Value)> {
    let failed = ("sqs:SendMessage", get_att("MyFnFailedEventQueue", "Arn"));
    match trigger {
        "sqs" => [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
        ]
        .map(|a| (a, get_att("MyFnQueue", "Arn")))
        .to_vec(),
        "dynamodb" => vec![
            ("dynamodb:GetRecords", get_att("MyFnTable", "StreamArn")),
            (
                "dynamodb:GetShardIterator",
                get_att("MyFnTable", "StreamArn"),
            ),
            ("dynamodb:DescribeStream", get_att("MyFnTable", "StreamArn")),
            (
                "dynamodb:ListStreams",
                json!({"Fn::Sub": "${MyFnTable.Arn}/stream/*"}),
            ),
            ("sqs:SendMessage", get_att("MyFnStreamFailureQueue", "Arn")),
        ],
        "s3" => vec![
            (
                "s3:GetObject",
                json!({"Fn::Sub": ["arn:${AWS::Partition}:s3:::my-fn-${StackId}/uploads/*", stack_id()]}),
            ),
            failed,
        ],
        "sns" | "schedule" | "eventbridge" => vec![failed],
        _ => Vec::new(),
    }
}

/// The variable both the bucket's name and the role's statement end with: the stack id's UUID.
fn stack_id() -> Value {
    json!({"StackId": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}})
}

/// The sources' own production settings, as deployed: SQS's advised minimum of receives
/// before the dead-letter queue, the topic encrypted at rest, the stream read from its start,
/// and the bucket named as the role's statement names it.
fn assert_source_settings(label: &str, trigger: &str, translated: &Value) {
    let resources = &translated["Resources"];
    match trigger {
        "sqs" => {
            let redrive = &resources["MyFnQueue"]["Properties"]["RedrivePolicy"];
            assert!(redrive["maxReceiveCount"].as_u64() >= Some(5), "{label}");
        }
        "sns" => assert_eq!(
            resources["MyFnTopic"]["Properties"]["KmsMasterKeyId"], "alias/aws/sns",
            "{label}"
        ),
        "dynamodb" => {
            let mapping = resources
                .as_object()
                .unwrap()
                .values()
                .find(|r| r["Type"] == "AWS::Lambda::EventSourceMapping")
                .expect("the stream's mapping");
            let position = &mapping["Properties"]["StartingPosition"];
            assert_eq!(position, "TRIM_HORIZON", "{label}");
        }
        "s3" => assert_eq!(
            resources["MyFnBucket"]["Properties"]["BucketName"],
            json!({"Fn::Sub": ["my-fn-${StackId}", stack_id()]}),
            "{label}"
        ),
        _ => {}
    }
}

#[test]
fn every_trigger_translates_to_statements_on_its_own_resources() {
    let Some(python) = sam_python() else { return };
    let root = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Request)> = support::e2e::triggers()
        .into_iter()
        .map(|t| (t.clone(), request(&t)))
        .collect();
    let mut public = request("function-url");
    public.function_url_auth = Some(UrlAuth::None);
    cases.push(("function-url-public".to_owned(), public));
    let mut traced = request("sqs");
    traced.tracing = Some(true);
    cases.push(("sqs-traced".to_owned(), traced));
    let templates: Vec<PathBuf> = cases
        .iter()
        .map(|(label, r)| template(root.path(), label, r))
        .collect();
    let translated = translate(&python, &templates);
    assert!(translated.len() >= 12, "every trigger, public URL, tracing");
    for ((label, request), translated) in cases.iter().zip(&translated) {
        let function = &translated["Resources"]["MyFnFunction"]["Properties"];
        assert_eq!(
            function["Role"],
            get_att("MyFnFunctionRole", "Arn"),
            "{label}: the function runs with the role the template states"
        );
        let xray = assert_scoped(label, translated);
        let traced = request.tracing == Some(true);
        assert_eq!(xray, usize::from(traced), "{label}: X-Ray's statement");
        assert_grants(
            label,
            translated,
            "logs:PutLogEvents",
            get_att("MyFnLogGroup", "Arn"),
        );
        let trigger = request.trigger.as_deref().unwrap();
        for (action, resource) in needs(trigger) {
            assert_grants(label, translated, action, resource);
        }
        assert_source_settings(label, trigger, translated);
        println!("{label}: every statement scoped");
    }
}

/// The checks above fail on what they guard against: a role widened to every queue.
#[test]
fn a_statement_on_every_resource_is_refused() {
    let wide = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "Policies": [{"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}
        ]}}]
    }}}});
    let refused = std::panic::catch_unwind(|| assert_scoped("wide", &wide));
    assert!(refused.is_err());
    let xray = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "Policies": [{"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": XRAY, "Resource": "*"}
        ]}}]
    }}}});
    assert_eq!(assert_scoped("xray", &xray), 1);
    let managed = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
    }}}});
    assert!(std::panic::catch_unwind(|| statements(&managed)).is_err());
}

/// The settings as SAM deploys them: the log group's retention behind the function's
/// LoggingConfig, the public URL's concurrency cap (default and set), and a REST API with
/// the Prod stage alone.
#[test]
fn log_group_concurrency_and_stages_survive_translation() {
    let Some(python) = sam_python() else { return };
    let root = tempfile::tempdir().unwrap();
    let mut public = request("function-url");
    public.function_url_auth = Some(UrlAuth::None);
    let mut capped = public.clone();
    capped.reserved_concurrency = Some(25);
    capped.log_retention_days = Some(14);
    let cases = [
        ("default", public, 30, Some(10_u64)),
        ("set", capped, 14, Some(25)),
        ("api", request("api"), 30, None),
    ];
    let templates: Vec<PathBuf> = cases
        .iter()
        .map(|(label, r, ..)| template(root.path(), label, r))
        .collect();
    let translated = translate(&python, &templates);
    for ((label, _, days, cap), translated) in cases.iter().zip(&translated) {
        let resources = &translated["Resources"];
        let function = &resources["MyFnFunction"]["Properties"];
        assert_eq!(
            function["LoggingConfig"]["LogGroup"],
            json!({"Ref": "MyFnLogGroup"}),
            "{label}"
        );
        let log_group = &resources["MyFnLogGroup"];
        assert_eq!(log_group["Properties"]["RetentionInDays"], *days, "{label}");
        assert_eq!(log_group["DeletionPolicy"], "Delete", "{label}");
        assert_eq!(
            function["ReservedConcurrentExecutions"].as_u64(),
            *cap,
            "{label}"
        );
        // A deployment with a StageName makes a stage too (SAM's extra "Stage").
        let stages: Vec<&Value> = resources
            .as_object()
            .unwrap()
            .values()
            .filter(|r| {
                ["AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment"]
                    .contains(&r["Type"].as_str().unwrap())
            })
            .filter_map(|r| r["Properties"].get("StageName"))
            .collect();
        let expected: Vec<&str> = if *label == "api" {
            vec!["Prod"]
        } else {
            vec![]
        };
        assert_eq!(stages, expected, "{label}: the REST API's stages");
    }
}
