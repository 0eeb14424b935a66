//! The CI/CD pipeline (`--ci github`): the workflow and the bootstrap template lint clean for
//! every family x trigger x architecture (each distinct file linted once), the bootstrap's
//! trust policy and repositories are what a platform team would accept, the workflow runs
//! exactly the commands the READMEs document, and `lambda-new add` grows both files. The same
//! for `--ci gitlab`: `.gitlab-ci.yml` against GitLab's schema, and its bootstrap's trust.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use lambda_new::choices::Architecture;
use lambda_new::pipeline::{BOOTSTRAP, GITLAB_CI, WORKFLOW, test_commands};
use serde_yaml::Value;
use support::{Combo, lambda_new, matrix, render, require_tool, run};

const TRIGGERS: [&str; 10] = [
    "api",
    "http-api",
    "function-url",
    "sqs",
    "sns",
    "s3",
    "schedule",
    "eventbridge",
    "dynamodb",
    "none",
];

/// Every distinct workflow and bootstrap of the matrix (all triggers, both architectures,
/// both bases, deprecated runtimes too) and of an application of three functions grown by
/// `lambda-new add`, keyed by content, with a label for each.
fn distinct_files() -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let (mut workflows, mut bootstraps) = (BTreeMap::new(), BTreeMap::new());
    let (_dir, project) = grown_application();
    let read = |path: &str| std::fs::read_to_string(project.join(path)).unwrap();
    workflows.insert(read(WORKFLOW), "grown".to_owned());
    bootstraps.insert(read(BOOTSTRAP), "grown".to_owned());
    for combo in matrix(true) {
        for trigger in TRIGGERS {
            let combo = combo.with_trigger(trigger);
            let plan = render(&combo, "my-fn");
            workflows
                .entry(support::text(&plan, WORKFLOW).to_owned())
                .or_insert_with(|| combo.label());
            bootstraps
                .entry(support::text(&plan, BOOTSTRAP).to_owned())
                .or_insert_with(|| combo.label());
        }
    }
    (workflows, bootstraps)
}

/// Writes each file as `<label>.<extension>` into a fresh directory.
fn write_all(files: &BTreeMap<String, String>, extension: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (contents, label) in files {
        std::fs::write(dir.path().join(format!("{label}.{extension}")), contents).unwrap();
    }
    dir
}

fn paths(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

fn assert_ok(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_workflow_passes_actionlint_zizmor_and_the_schema() {
    let tools = ["actionlint", "zizmor", "check-jsonschema"]
        .iter()
        .all(|tool| require_tool(tool, "linting the generated GitHub workflow"));
    if !tools {
        return;
    }
    let (workflows, _) = distinct_files();
    // Lands in .github/workflows so the linters read it as a workflow.
    let dir = write_all(&workflows, "yaml");
    let files = paths(dir.path());
    eprintln!("{} distinct workflows", files.len());
    assert_ok(
        &run(std::process::Command::new("actionlint")
            .arg("-shellcheck=")
            .args(&files)),
        "actionlint",
    );
    assert_ok(
        &run(std::process::Command::new("zizmor")
            .args(["--offline", "--no-progress", "--persona", "regular"])
            .args(&files)),
        "zizmor",
    );
    assert_ok(
        &run(std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&files)),
        "check-jsonschema",
    );
}

#[test]
fn every_bootstrap_passes_cfn_lint() {
    if !require_tool("cfn-lint", "linting the generated bootstrap template") {
        return;
    }
    let (_, bootstraps) = distinct_files();
    let dir = write_all(&bootstraps, "yaml");
    let files = paths(dir.path());
    eprintln!("{} distinct bootstrap templates", files.len());
    assert_ok(
        &run(std::process::Command::new("cfn-lint").args(&files)),
        "cfn-lint",
    );
}

fn bootstrap(combo: &Combo) -> Value {
    let plan = render(combo, "my-fn");
    serde_yaml::from_str(support::text(&plan, BOOTSTRAP)).unwrap()
}

fn python(trigger: &str) -> Combo {
    matrix(false)
        .into_iter()
        .find(|c| c.family == "python")
        .unwrap()
        .with_trigger(trigger)
}

/// The value of a tagged scalar (`!Sub ...`, `!GetAtt ...`) or a plain one, as text.
fn scalar(value: &Value) -> String {
    match value {
        Value::Tagged(tagged) => scalar(&tagged.value),
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap(),
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    }
}

#[test]
fn the_roles_trust_only_this_repository_and_its_stages() {
    let doc = bootstrap(&python("sqs"));
    let resources = &doc["Resources"];
    let expected = [
        ("ImagePushRole", vec!["ref:refs/heads/main"]),
        ("DeployRole", vec!["environment:dev", "environment:prod"]),
    ];
    for (role, contexts) in expected {
        let statement = &resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(
            statement["Action"], "sts:AssumeRoleWithWebIdentity",
            "{role}"
        );
        let condition = statement["Condition"].as_mapping().unwrap();
        assert_eq!(
            condition.keys().collect::<Vec<_>>(),
            ["StringEquals"],
            "{role}: only exact matches, never StringLike or ForAllValues"
        );
        let equals = &condition["StringEquals"];
        assert_eq!(
            equals["token.actions.githubusercontent.com:aud"],
            "sts.amazonaws.com"
        );
        let subjects = strings(&equals["token.actions.githubusercontent.com:sub"]);
        let mut wanted = Vec::new();
        for context in contexts {
            wanted.push(format!(
                "repo:${{GitHubOwner}}/${{GitHubRepository}}:{context}"
            ));
            wanted.push(format!(
                "repo:${{GitHubOwner}}@${{GitHubOwnerId}}/${{GitHubRepository}}@${{GitHubRepositoryId}}:{context}"
            ));
        }
        assert_eq!(subjects, wanted, "{role}");
    }
    let provider = &resources["GitHubOidcProvider"]["Properties"];
    assert!(provider.get("ThumbprintList").is_none());
    assert_eq!(strings(&provider["ClientIdList"]), ["sts.amazonaws.com"]);
}

/// Every policy statement of every role.
fn statements(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (id, resource) in doc["Resources"].as_mapping().unwrap() {
        let Some(policies) = resource["Properties"].get("Policies") else {
            continue;
        };
        for policy in policies.as_sequence().unwrap() {
            for statement in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
                out.push((scalar(id), statement));
            }
        }
    }
    out
}

#[test]
fn no_role_may_do_everything_and_the_execution_role_follows_the_template() {
    for trigger in TRIGGERS {
        let doc = bootstrap(&python(trigger));
        for (role, statement) in statements(&doc) {
            for action in strings(&statement["Action"]) {
                assert!(
                    action != "*" && !action.starts_with("*:"),
                    "{trigger}: {role} may do {action}"
                );
            }
            let resources = strings(&statement["Resource"]);
            // Only ECR's login has no resource; nothing else is granted on everything.
            if resources.iter().any(|r| r == "*") {
                assert_eq!(
                    strings(&statement["Action"]),
                    ["ecr:GetAuthorizationToken"],
                    "{role}"
                );
            }
        }
        let actions: Vec<String> = statements(&doc)
            .into_iter()
            .filter(|(role, _)| role == "CloudFormationRole")
            .flat_map(|(_, s)| strings(&s["Action"]))
            .collect();
        // The services of the resources template.yaml has (or SAM makes for its events),
        // and none of the others'.
        let plan = render(&python(trigger), "my-fn");
        let template = support::text(&plan, "template.yaml");
        let services = [
            ("sqs:*", "Type: AWS::SQS::"),
            ("sns:*", "Type: AWS::SNS::"),
            ("s3:*", "Type: AWS::S3::"),
            ("dynamodb:*", "Type: AWS::DynamoDB::"),
            ("scheduler:*", "Type: ScheduleV2"),
            ("events:*", "Type: EventBridgeRule"),
        ];
        for (service, used_by) in services {
            assert_eq!(
                actions.iter().any(|a| a == service),
                template.contains(used_by),
                "{trigger}: CloudFormationRole and {service}: {actions:?}"
            );
        }
        assert_eq!(
            actions.iter().any(|a| a.starts_with("apigateway:")),
            matches!(trigger, "api" | "http-api"),
            "{trigger}"
        );
    }
}

#[test]
fn each_repository_is_immutable_scanned_and_expires_untagged_images_only() {
    let doc = bootstrap(&python("api"));
    let repository = &doc["Resources"]["MyFnFunctionRepository"]["Properties"];
    assert_eq!(repository["RepositoryName"], "my-fn/my-fn");
    assert_eq!(repository["ImageTagMutability"], "IMMUTABLE");
    assert_eq!(repository["ImageScanningConfiguration"]["ScanOnPush"], true);
    let text = repository["LifecyclePolicy"]["LifecyclePolicyText"]
        .as_str()
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(text).unwrap();
    let rules = policy["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        assert_eq!(rule["selection"]["tagStatus"], "untagged", "{rule}");
        assert_eq!(rule["action"]["type"], "expire", "{rule}");
    }
}

/// The workflow's jobs, by id.
fn jobs(workflow: &str) -> serde_yaml::Mapping {
    let doc: Value = serde_yaml::from_str(workflow).unwrap();
    doc["jobs"].as_mapping().unwrap().clone()
}

#[test]
fn test_jobs_run_exactly_the_readme_commands_and_images_are_native() {
    for combo in matrix(false) {
        let plan = render(&combo, "my-fn");
        let readme = support::text(&plan, "my-fn/README.md");
        let documented = test_commands(readme).expect("the README has a Test block");
        let jobs = jobs(support::text(&plan, WORKFLOW));
        let steps = jobs["test-my-fn"]["steps"].as_sequence().unwrap();
        let run = steps
            .iter()
            .find(|s| {
                s["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("Unit tests"))
            })
            .unwrap()["run"]
            .as_str()
            .unwrap();
        assert_eq!(
            run.lines().collect::<Vec<_>>(),
            documented,
            "{}: the workflow must run what the README documents",
            combo.label()
        );
        // gofmt -l only lists what it would change: the job fails on a list.
        let fails_on_gofmt = steps
            .iter()
            .any(|s| s["run"] == "test -z \"$(gofmt -l my-fn/function)\"");
        assert_eq!(fails_on_gofmt, combo.family == "go", "{}", combo.label());
        let image = &jobs["image-my-fn"];
        assert_github_runner(image, combo.arch, &combo.label());
        let build = image["steps"].as_sequence().unwrap().last().unwrap();
        assert!(
            build["uses"]
                .as_str()
                .unwrap()
                .starts_with("docker/build-push-action@")
        );
        assert_eq!(build["with"]["platforms"], combo.arch.docker_platform());
        assert_eq!(build["with"]["provenance"], false);
        assert_eq!(build["with"]["sbom"], false);
    }
}

/// An image job runs where its architecture is native: x86_64 on `ubuntu-24.04`; arm64 on
/// `ubuntu-24.04-arm` or the runner `vars.ARM64_RUNNER` names, with QEMU set up (pinned, for
/// arm64 only) when that runner is not arm64, before Buildx.
fn assert_github_runner(image: &Value, arch: Architecture, label: &str) {
    let steps = image["steps"].as_sequence().unwrap();
    let qemu = steps.iter().position(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("docker/setup-qemu-action@"))
    });
    let buildx = steps.iter().position(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("docker/setup-buildx-action@"))
    });
    match arch {
        Architecture::Arm64 => {
            assert_eq!(
                image["runs-on"], "${{ vars.ARM64_RUNNER || 'ubuntu-24.04-arm' }}",
                "{label}"
            );
            let qemu = qemu.unwrap_or_else(|| panic!("{label}: no QEMU step"));
            assert!(qemu < buildx.unwrap(), "{label}: QEMU after Buildx");
            let step = &steps[qemu];
            assert_eq!(step["if"], "runner.arch != 'ARM64'", "{label}");
            assert_eq!(step["with"]["platforms"], "arm64", "{label}");
            assert_eq!(step["with"]["image"], BINFMT, "{label}");
        }
        Architecture::X86_64 => {
            assert_eq!(image["runs-on"], "ubuntu-24.04", "{label}");
            assert_eq!(qemu, None, "{label}: QEMU for a native x86_64 build");
        }
    }
}

/// The QEMU binfmt image both pipelines pin (a release of tonistiigi/binfmt, not `latest`).
const BINFMT: &str = "docker.io/tonistiigi/binfmt:qemu-v10.2.3-68";

#[test]
fn every_action_is_pinned_by_commit_and_permissions_are_per_job() {
    let plan = render(&python("api"), "my-fn");
    let workflow = support::text(&plan, WORKFLOW);
    let doc: Value = serde_yaml::from_str(workflow).unwrap();
    assert_eq!(doc["permissions"], Value::Mapping(Default::default()));
    for line in workflow.lines().filter(|l| l.contains("uses: ")) {
        let (_, reference) = line.split_once('@').unwrap();
        let (sha, version) = reference.split_once(" # ").unwrap();
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        assert!(version.starts_with('v'), "{line}");
    }
    for (id, job) in jobs(workflow) {
        let id = id.as_str().unwrap();
        let permissions = job["permissions"].as_mapping().unwrap();
        let assumes_role = job["steps"].as_sequence().unwrap().iter().any(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("configure-aws-credentials"))
        });
        assert_eq!(
            permissions.get("id-token").is_some(),
            assumes_role,
            "{id}: id-token: write only where a role is assumed"
        );
    }
    let deploy = &jobs(workflow)["deploy-dev"];
    assert_eq!(deploy["concurrency"]["group"], "deploy-dev");
    assert_eq!(jobs(workflow)["deploy-prod"]["environment"], "prod");
}

#[test]
fn ci_none_writes_no_pipeline() {
    let out = tempfile::tempdir().unwrap();
    let output = run(lambda_new()
        .args([
            "my-fn",
            "--ci",
            "none",
            "--no-interactive",
            "--vcs",
            "none",
            "-o",
        ])
        .arg(out.path()));
    assert_ok(&output, "lambda-new --ci none");
    let project = out.path().join("my-fn");
    assert!(!project.join(".github").exists());
    assert!(!project.join("pipeline").exists());
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    assert!(!readme.contains("## CI/CD"));
}

/// `lambda-new add ARGS` in `project`, whatever its exit status.
fn add(project: &Path, args: &[&str]) -> std::process::Output {
    lambda_new()
        .arg("add")
        .args(args)
        .args(["--no-interactive", "--project"])
        .arg(project)
        .output()
        .unwrap()
}

/// An application of a Python function, then a Go one on arm64 with a queue and a Java one
/// with a schedule, both added.
fn grown_application() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, project) = support::generate(&["app", "--runtime", "python", "--vcs", "none"]);
    for args in [
        [
            "worker",
            "--runtime",
            "go",
            "--architecture",
            "arm64",
            "--trigger",
            "sqs",
        ],
        [
            "nightly",
            "--runtime",
            "java",
            "--architecture",
            "x86_64",
            "--trigger",
            "schedule",
        ],
    ] {
        assert_ok(&add(&project, &args), "lambda-new add");
    }
    (dir, project)
}

#[test]
fn add_grows_the_workflow_and_the_bootstrap() {
    let (_dir, project) = support::generate(&[
        "app",
        "--runtime",
        "python",
        "--architecture",
        "x86_64",
        "--vcs",
        "none",
    ]);
    let read = |path: &str| std::fs::read_to_string(project.join(path)).unwrap();
    let (old_workflow, old_bootstrap) = (read(WORKFLOW), read(BOOTSTRAP));
    let output = add(
        &project,
        &[
            "worker",
            "--runtime",
            "go",
            "--architecture",
            "arm64",
            "--trigger",
            "sqs",
        ],
    );
    assert_ok(&output, "lambda-new add");
    let (workflow, bootstrap) = (read(WORKFLOW), read(BOOTSTRAP));

    // The old jobs are as they were; the new function has its own, built on arm64.
    let (old_jobs, new_jobs) = (jobs(&old_workflow), jobs(&workflow));
    for id in ["test-app", "image-app"] {
        assert_eq!(old_jobs[id], new_jobs[id], "{id}");
    }
    assert_github_runner(&new_jobs["image-worker"], Architecture::Arm64, "worker");
    let needs = strings(&new_jobs["deploy-dev"]["needs"]);
    assert_eq!(needs, ["image-app", "image-worker"]);
    let deploy = new_jobs["deploy-dev"]["steps"]
        .as_sequence()
        .unwrap()
        .last()
        .unwrap()["run"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in ["AppFunction", "WorkerFunction"] {
        assert!(
            deploy.contains(&format!("--image-repositories \"{id}=$REGISTRY/")),
            "{deploy}"
        );
    }

    // The bootstrap: old resources kept, plus the new repository and the queue's service.
    let old: Value = serde_yaml::from_str(&old_bootstrap).unwrap();
    let new: Value = serde_yaml::from_str(&bootstrap).unwrap();
    assert_eq!(
        old["Resources"]["AppFunctionRepository"],
        new["Resources"]["AppFunctionRepository"]
    );
    assert_eq!(
        new["Resources"]["WorkerFunctionRepository"]["Properties"]["RepositoryName"],
        "app/worker"
    );
    assert!(!old_bootstrap.contains("sqs:*") && bootstrap.contains("sqs:*"));

    // What add wrote is again exactly what lambda-new renders: a second add grows it too.
    assert_ok(
        &add(&project, &["third", "--runtime", "python"]),
        "a second add",
    );
    assert!(read(WORKFLOW).contains("test-third:"));
}

#[test]
fn add_refuses_a_pipeline_edited_by_hand_and_writes_nothing() {
    let (_dir, project) = support::generate(&["app", "--runtime", "python", "--vcs", "none"]);
    let workflow = project.join(WORKFLOW);
    let edited = std::fs::read_to_string(&workflow).unwrap() + "# mine\n";
    std::fs::write(&workflow, &edited).unwrap();
    let template = std::fs::read(project.join("template.yaml")).unwrap();
    let output = add(&project, &["worker", "--runtime", "python"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pipeline.yaml") && stderr.contains("--ci none"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&workflow).unwrap(), edited);
    assert_eq!(
        std::fs::read(project.join("template.yaml")).unwrap(),
        template
    );
    assert!(!project.join("worker").exists());
    // --ci none adds the function and leaves the pipeline alone.
    assert_ok(
        &add(&project, &["worker", "--runtime", "python", "--ci", "none"]),
        "add --ci none",
    );
    assert_eq!(std::fs::read_to_string(&workflow).unwrap(), edited);
}

/// A FIFO where the workflow or the function's README was is read as changed, never waited
/// on: `add` refuses at once and writes nothing.
#[test]
fn add_never_waits_on_a_fifo_in_the_pipeline_s_place() {
    for file in [WORKFLOW, "app/README.md"] {
        let (_dir, project) = support::generate(&["app", "--runtime", "python", "--vcs", "none"]);
        std::fs::remove_file(project.join(file)).unwrap();
        support::disk::mkfifo(&project.join(file));
        let template = std::fs::read(project.join("template.yaml")).unwrap();
        let output = assert_cmd::Command::from_std(support::lambda_new())
            .args([
                "add",
                "worker",
                "--runtime",
                "python",
                "--no-interactive",
                "--project",
            ])
            .arg(&project)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{file}: {output:?}");
        assert_eq!(
            std::fs::read(project.join("template.yaml")).unwrap(),
            template,
            "{file}"
        );
        assert!(!project.join("worker").exists(), "{file}");
    }
}

/// The README's setup sets every repository variable the workflow reads, from outputs the
/// bootstrap template has, and deploys the bootstrap file the project has.
#[test]
fn the_readme_sets_up_what_the_workflow_reads() {
    let mut combo = python("api");
    combo.arch = Architecture::Arm64;
    let plan = render(&combo, "my-fn");
    let readme = support::text(&plan, "README.md");
    let workflow = support::text(&plan, WORKFLOW);
    let bootstrap: Value = serde_yaml::from_str(support::text(&plan, BOOTSTRAP)).unwrap();
    let variables: std::collections::BTreeSet<&str> = workflow
        .split("${{ vars.")
        .skip(1)
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    assert!(variables.contains("AWS_DEPLOY_ROLE_ARN"), "{variables:?}");
    for variable in variables {
        assert!(
            readme.contains(&format!("gh variable set {variable} ")),
            "the README never sets {variable}"
        );
    }
    let outputs = bootstrap["Outputs"].as_mapping().unwrap();
    for line in readme.lines().filter(|l| l.contains("gh variable set")) {
        if let Some(rest) = line.split("$(output ").nth(1) {
            let key = rest.split(')').next().unwrap();
            assert!(outputs.contains_key(key), "the README reads output {key}");
        }
    }
    assert!(readme.contains(&format!("--template-file {BOOTSTRAP} ")));
}

/// `combo` rendered with `--ci gitlab`.
fn render_gitlab(combo: &Combo, name: &str) -> lambda_new::render::Plan {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let mut request = combo.request(name);
    request.ci = Some(lambda_new::choices::Ci::Gitlab);
    let (choices, _) = lambda_new::choices::resolve(&request, &catalog).unwrap();
    lambda_new::render::render(&choices, &catalog).unwrap()
}

/// An application with a GitLab pipeline: a Python function, then a Go one on arm64 with a
/// queue, added without `--ci` (add grows the pipeline the application has).
fn grown_gitlab_application() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, project) = support::generate(&[
        "app",
        "--runtime",
        "python",
        "--architecture",
        "x86_64",
        "--vcs",
        "none",
        "--ci",
        "gitlab",
    ]);
    let args = [
        "worker",
        "--runtime",
        "go",
        "--architecture",
        "arm64",
        "--trigger",
        "sqs",
    ];
    assert_ok(&add(&project, &args), "lambda-new add");
    (dir, project)
}

#[test]
fn every_gitlab_pipeline_passes_the_schema_and_its_bootstrap_cfn_lint() {
    let tools = ["check-jsonschema", "cfn-lint"]
        .iter()
        .all(|tool| require_tool(tool, "linting the generated GitLab pipeline"));
    if !tools {
        return;
    }
    let (mut pipelines, mut bootstraps) = (BTreeMap::new(), BTreeMap::new());
    let (_dir, project) = grown_gitlab_application();
    let read = |path: &str| std::fs::read_to_string(project.join(path)).unwrap();
    pipelines.insert(read(GITLAB_CI), "grown".to_owned());
    bootstraps.insert(read(BOOTSTRAP), "grown".to_owned());
    for combo in matrix(true) {
        for trigger in TRIGGERS {
            let combo = combo.with_trigger(trigger);
            let plan = render_gitlab(&combo, "my-fn");
            pipelines
                .entry(support::text(&plan, GITLAB_CI).to_owned())
                .or_insert_with(|| combo.label());
            bootstraps
                .entry(support::text(&plan, BOOTSTRAP).to_owned())
                .or_insert_with(|| combo.label());
        }
    }
    let dir = write_all(&pipelines, "yml");
    let files = paths(dir.path());
    eprintln!("{} distinct GitLab pipelines", files.len());
    assert_ok(
        &run(std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .args(&files)),
        "check-jsonschema",
    );
    let dir = write_all(&bootstraps, "yaml");
    let files = paths(dir.path());
    eprintln!("{} distinct GitLab bootstrap templates", files.len());
    assert_ok(
        &run(std::process::Command::new("cfn-lint").args(&files)),
        "cfn-lint",
    );
}

/// A role's trust policy: the JSON text of its `!Sub [TEXT, VARIABLES]`, for gitlab.com.
fn gitlab_trust(role: &Value) -> serde_json::Value {
    let Value::Tagged(sub) = &role["Properties"]["AssumeRolePolicyDocument"] else {
        panic!("the trust policy is not a !Sub: {role:?}");
    };
    assert_eq!(sub.tag, "!Sub");
    let text = sub.value[0].as_str().unwrap();
    assert!(sub.value[1].get("Provider").is_some());
    let text = text
        .replace("${GitLabHost}", "gitlab.com")
        .replace("${Provider}", "PROVIDER");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_gitlab_roles_trust_only_the_projects_branch_main() {
    let plan = render_gitlab(&python("sqs"), "my-fn");
    let doc: Value = serde_yaml::from_str(support::text(&plan, BOOTSTRAP)).unwrap();
    let resources = &doc["Resources"];
    for role in ["ImagePushRole", "DeployRole"] {
        let policy = gitlab_trust(&resources[role]);
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{role}");
        let statement = &statements[0];
        assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");
        assert_eq!(statement["Principal"]["Federated"], "PROVIDER");
        let condition = statement["Condition"].as_object().unwrap();
        assert_eq!(
            condition.keys().collect::<Vec<_>>(),
            ["StringEquals"],
            "{role}: only exact matches, never StringLike or ForAllValues"
        );
        let equals = condition["StringEquals"].as_object().unwrap();
        assert_eq!(equals.len(), 2, "{role}: {equals:?}");
        assert_eq!(equals["gitlab.com:aud"], "sts.amazonaws.com");
        assert_eq!(
            equals["gitlab.com:sub"],
            "project_path:${GitLabProjectPath}:ref_type:branch:ref:main"
        );
    }
    let parameters = &doc["Parameters"];
    assert_eq!(parameters["GitLabHost"]["Default"], "gitlab.com");
    assert_eq!(parameters["ExistingOidcProviderArn"]["Default"], "");
    let provider = &resources["GitLabOidcProvider"]["Properties"];
    assert!(provider.get("ThumbprintList").is_none());
    assert_eq!(scalar(&provider["Url"]), "https://${GitLabHost}");
    assert_eq!(strings(&provider["ClientIdList"]), ["sts.amazonaws.com"]);
    assert!(resources.get("GitHubOidcProvider").is_none());
}

#[test]
fn gitlab_test_jobs_run_exactly_the_readme_commands_and_images_are_native() {
    for combo in matrix(false) {
        let plan = render_gitlab(&combo, "my-fn");
        let label = combo.label();
        let readme = support::text(&plan, "my-fn/README.md");
        let mut wanted = test_commands(readme).expect("the README has a Test block");
        if combo.family == "go" {
            wanted.push("test -z \"$(gofmt -l my-fn/function)\"".to_owned());
        }
        let doc: Value = serde_yaml::from_str(support::text(&plan, GITLAB_CI)).unwrap();
        assert_eq!(
            strings(&doc["test-my-fn"]["script"]),
            wanted,
            "{label}: the pipeline must run what the README documents"
        );
        let image = &doc["image-my-fn"];
        assert_gitlab_runner(image, combo.arch, &label);
        assert_eq!(image["extends"], ".aws", "{label}");
        let build = strings(&image["script"]).join("\n");
        for flag in [
            "--provenance=false",
            "--sbom=false",
            &format!("--platform {}", combo.arch.docker_platform()),
            "--tag \"$REGISTRY/my-fn/my-fn:$CI_COMMIT_SHA\"",
        ] {
            assert!(build.contains(flag), "{label}: {flag} in {build}");
        }
    }
}

#[test]
fn gitlab_jobs_assume_roles_with_id_tokens_and_deploys_never_overlap() {
    let plan = render_gitlab(&python("api"), "my-fn");
    let text = support::text(&plan, GITLAB_CI);
    let doc: Value = serde_yaml::from_str(text).unwrap();
    let aws = &doc[".aws"];
    assert_eq!(aws["id_tokens"]["AWS_ID_TOKEN"]["aud"], "sts.amazonaws.com");
    let login = strings(&aws["before_script"]).join("\n");
    assert!(
        login.contains("aws sts assume-role-with-web-identity --role-arn \"$ROLE_ARN\"")
            && login.contains("--web-identity-token \"$AWS_ID_TOKEN\""),
        "{login}"
    );
    // No job is given keys: each extends .aws or assumes nothing.
    assert!(!text.contains("AWS_ACCESS_KEY_ID:") && !text.contains("AWS_SECRET_ACCESS_KEY:"));
    for (stage, manual) in [("dev", false), ("prod", true)] {
        let job = &doc[format!("deploy-{stage}").as_str()];
        assert_eq!(job["environment"], stage);
        assert_eq!(job["resource_group"], format!("deploy-{stage}"));
        assert_eq!(job["extends"], ".aws");
        assert_eq!(job["variables"]["ROLE_ARN"], "$AWS_DEPLOY_ROLE_ARN");
        assert_eq!(job["rules"][0]["when"] == "manual", manual, "{stage}");
    }
    // Images are pinned by a tag, never latest or none.
    for line in text
        .lines()
        .filter(|l| l.contains("image: ") || l.contains("name: "))
    {
        let image = line.split_once(": ").unwrap().1.trim_matches('"');
        let (_, tag) = image.rsplit_once(':').unwrap_or_default();
        assert!(!tag.is_empty() && tag != "latest", "{line}");
    }
}

#[test]
fn add_grows_the_gitlab_pipeline_and_its_bootstrap() {
    let (_dir, project) = support::generate(&[
        "app",
        "--runtime",
        "python",
        "--architecture",
        "x86_64",
        "--vcs",
        "none",
        "--ci",
        "gitlab",
    ]);
    let read = |path: &str| std::fs::read_to_string(project.join(path)).unwrap();
    let old: Value = serde_yaml::from_str(&read(GITLAB_CI)).unwrap();
    let old_bootstrap = read(BOOTSTRAP);
    let args = [
        "worker",
        "--runtime",
        "go",
        "--architecture",
        "arm64",
        "--trigger",
        "sqs",
    ];
    assert_ok(&add(&project, &args), "lambda-new add");
    let new: Value = serde_yaml::from_str(&read(GITLAB_CI)).unwrap();
    for id in ["test-app", "image-app", ".aws", "workflow", "stages"] {
        assert_eq!(old[id], new[id], "{id}");
    }
    assert_gitlab_runner(&new["image-worker"], Architecture::Arm64, "worker");
    assert!(new.get("test-worker").is_some());
    assert_eq!(
        strings(&new["deploy-dev"]["needs"]),
        ["image-app", "image-worker"]
    );
    let deploy = strings(&new["deploy-prod"]["script"]).join("\n");
    for id in ["AppFunction", "WorkerFunction"] {
        assert!(
            deploy.contains(&format!("--image-repositories \"{id}=$REGISTRY/")),
            "{deploy}"
        );
    }
    let bootstrap: Value = serde_yaml::from_str(&read(BOOTSTRAP)).unwrap();
    assert_eq!(
        bootstrap["Resources"]["WorkerFunctionRepository"]["Properties"]["RepositoryName"],
        "app/worker"
    );
    assert!(!old_bootstrap.contains("sqs:*") && read(BOOTSTRAP).contains("sqs:*"));
    assert!(bootstrap["Resources"].get("GitLabOidcProvider").is_some());
    assert!(!project.join(".github").exists());
    // A pipeline edited by hand is refused, as the GitHub one is.
    std::fs::write(project.join(GITLAB_CI), read(GITLAB_CI) + "# mine\n").unwrap();
    let output = add(&project, &["third", "--runtime", "python"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!project.join("third").exists());
}

/// An image job runs where its architecture is native: x86_64 on GitLab's amd64 runners;
/// arm64 on the runner tagged as `ARM64_RUNNER` says (GitLab's arm64 runners by default),
/// which installs QEMU first when it is not arm64.
fn assert_gitlab_runner(image: &Value, arch: Architecture, label: &str) {
    let script = strings(&image["script"]);
    let qemu = script.iter().position(|l| l.contains("tonistiigi/binfmt"));
    let buildx = script
        .iter()
        .position(|l| l == "docker buildx create --use");
    match arch {
        Architecture::Arm64 => {
            assert_eq!(strings(&image["tags"]), ["$ARM64_RUNNER"], "{label}");
            assert_eq!(
                image["variables"]["ARM64_RUNNER"], "saas-linux-small-arm64",
                "{label}"
            );
            let qemu = qemu.unwrap_or_else(|| panic!("{label}: no QEMU line"));
            assert!(qemu < buildx.unwrap(), "{label}: QEMU after Buildx");
            assert!(script[qemu].contains(BINFMT), "{label}");
        }
        Architecture::X86_64 => {
            assert_eq!(
                strings(&image["tags"]),
                ["saas-linux-small-amd64"],
                "{label}"
            );
            assert_eq!(qemu, None, "{label}: QEMU for a native amd64 build");
        }
    }
}

/// The GitLab arm64 image job's QEMU line, run by sh with `uname` and `docker` stubbed:
/// it installs the arm64 emulator on an x86_64 runner and does nothing on an arm64 one.
#[test]
fn gitlab_installs_qemu_only_on_a_runner_that_is_not_arm64() {
    let mut combo = python("api");
    combo.arch = Architecture::Arm64;
    let plan = render_gitlab(&combo, "my-fn");
    let doc: Value = serde_yaml::from_str(support::text(&plan, GITLAB_CI)).unwrap();
    let script = strings(&doc["image-my-fn"]["script"]);
    let line = script.iter().find(|l| l.contains("binfmt")).unwrap();
    let readme = support::text(&plan, "README.md");
    assert!(readme.contains("CI/CD variable `ARM64_RUNNER`"), "{readme}");
    for (machine, installs) in [("x86_64", true), ("aarch64", false)] {
        let bin = tempfile::tempdir().unwrap();
        let log = bin.path().join("docker.log");
        let stub = |name: &str, body: String| {
            use std::os::unix::fs::PermissionsExt;
            let path = bin.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        stub("uname", format!("echo {machine}"));
        stub("docker", format!("echo \"$@\" >> {}", log.display()));
        let path = format!(
            "{}:{}",
            bin.path().display(),
            std::env::var("PATH").unwrap()
        );
        let output = std::process::Command::new("sh")
            .args(["-c", line])
            .env("PATH", path)
            .output()
            .unwrap();
        assert_ok(&output, machine);
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        let wanted = format!("run --privileged --rm {BINFMT} --install arm64\n");
        assert_eq!(
            calls == wanted,
            installs,
            "{machine}: docker called with {calls:?}"
        );
        assert_eq!(calls.is_empty(), !installs, "{machine}: {calls:?}");
    }
}

/// The README's setup prints every CI/CD variable the pipeline reads, from outputs the
/// bootstrap template has.
#[test]
fn the_readme_sets_up_what_the_gitlab_pipeline_reads() {
    let plan = render_gitlab(&python("api"), "my-fn");
    let readme = support::text(&plan, "README.md");
    let pipeline = support::text(&plan, GITLAB_CI);
    let bootstrap: Value = serde_yaml::from_str(support::text(&plan, BOOTSTRAP)).unwrap();
    let variables: std::collections::BTreeSet<&str> = pipeline
        .split("$AWS_")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .next()
                .unwrap()
        })
        .filter(|name| *name != "ID_TOKEN")
        .collect();
    assert!(variables.contains("DEPLOY_ROLE_ARN"), "{variables:?}");
    for variable in variables {
        assert!(
            readme.contains(&format!("echo \"AWS_{variable}=")),
            "the README never gives AWS_{variable}"
        );
    }
    let outputs = bootstrap["Outputs"].as_mapping().unwrap();
    for line in readme.lines().filter(|l| l.contains("$(output ")) {
        let key = line
            .split("$(output ")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap();
        assert!(outputs.contains_key(key), "the README reads output {key}");
    }
    assert!(readme.contains(&format!("--template-file {BOOTSTRAP} ")));
    assert!(readme.contains("GitLabProjectPath=GROUP/PROJECT") && !readme.contains("gh variable"));
}
