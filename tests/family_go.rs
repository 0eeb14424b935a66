//! Generated Go projects. Every runtime, base kind and architecture gets the same Go code and
//! the same build stage (checked first), so the code is tested once: the README's commands as
//! written (`go test`, `go vet`, `gofmt -l`, on the toolchain go.mod asks for), `go mod tidy
//! -diff` (go.mod and go.sum complete and minimal), then, with a package of the user's own
//! added, the Dockerfile's build stage run on this machine from the build context its
//! `.dockerignore` lets through, and the binary it makes started as each base kind's final
//! stage says (the AWS base through a stand-in for its /lambda-entrypoint.sh) under AWS's
//! Runtime Interface Emulator, as uid 65534 on a read-only file system but /tmp
//! (tests/support/rie.rs), with the project's events, one malformed event, and Lambda's
//! logging controls.
//!
//! Triggers change the handler and its tests alone (checked for every combination): every
//! trigger's project, on the newest runtime, passes the same checks, its unit tests replay each
//! of its bundled events, and its binary, built the same way, answers them on both bases as its
//! trigger.yaml expects.
//!
//! Go's module and build caches stay at their defaults in the user's home, shared with every
//! other Go build there, so only the first run downloads and compiles the dependencies.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::BaseKind;
use serde_json::json;
use support::build_context::BuildContext;
use support::dockerfile::{self, Stage, Step};
use support::e2e;
use support::rie::{self, Base, Image};
use support::s3;

/// What the alternative base image (slim Debian) brings: nothing the function uses but
/// Docker's PATH.
const DEBIAN: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[],
};
/// Where the build stage writes the binary, relative to its WORKDIR.
const BINARY: &str = "bootstrap";

fn run(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{cmd:?} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The build stage and the last stage, the image that runs.
fn stages(text: &str) -> (Stage, Stage) {
    let first_from = text
        .lines()
        .find(|l| l.starts_with("FROM "))
        .expect("a FROM");
    assert!(
        first_from.ends_with(" AS build"),
        "the first stage is `build`: {first_from}"
    );
    let stages = dockerfile::parse(text);
    let Ok([build, last]) = <[Stage; 2]>::try_from(stages) else {
        panic!("two stages, build and final:\n{text}")
    };
    (build, last)
}

#[test]
fn every_combination_builds_the_same_code_into_the_path_its_image_runs() {
    let mut first: Option<(String, BTreeMap<String, Vec<u8>>, Stage)> = None;
    for combo in support::family_matrix("go") {
        let label = combo.label();
        let plan = support::render(&combo, "my-fn");
        let file = |path: &str| {
            let found = plan
                .files
                .iter()
                .find(|f| support::function_path(&f.path) == path);
            String::from_utf8(
                found
                    .unwrap_or_else(|| panic!("{label}: no {path}"))
                    .contents
                    .clone(),
            )
            .unwrap()
        };
        let code: BTreeMap<String, Vec<u8>> = plan
            .files
            .iter()
            .filter(|f| {
                support::function_path(&f.path).starts_with("function/")
                    && support::function_path(&f.path) != "function/Dockerfile"
            })
            .map(|f| (f.path.clone(), f.contents.clone()))
            .collect();
        let (build, last) = stages(&file("function/Dockerfile"));

        // What the build stage makes, where the final stage takes it from.
        let workdir = build.workdir.clone().expect("the build stage sets WORKDIR");
        assert!(
            build
                .runs
                .iter()
                .any(|r| r.contains("go build") && r.contains(&format!("-o {BINARY} "))),
            "{label}: the build stage writes {BINARY}: {:?}",
            build.runs
        );
        let binary = [format!("{workdir}/{BINARY}")];
        let copy = last
            .copies
            .iter()
            .find(|c| c.from.as_deref() == Some("build") && c.sources == binary)
            .unwrap_or_else(|| panic!("{label}: the final stage copies the binary"));

        // Where the image looks for it. CMD is one element (the AWS base image's entry point
        // script requires exactly one argument) and every path is absolute.
        assert_eq!(last.cmd, Some(vec!["bootstrap".to_string()]), "{label}");
        match combo.base {
            BaseKind::Aws => {
                assert!(
                    last.from.starts_with("public.ecr.aws/lambda/provided:"),
                    "{label}"
                );
                // Its /lambda-entrypoint.sh runs /var/runtime/bootstrap.
                assert_eq!(
                    last.entrypoint, None,
                    "{label}: keep the base image's entry point"
                );
                assert_eq!(copy.dest, "/var/runtime/bootstrap", "{label}");
            }
            BaseKind::Alternative => {
                assert_eq!(last.entrypoint, Some(vec![copy.dest.clone()]), "{label}");
                assert!(copy.dest.starts_with('/'), "{label}");
                // Slim Debian has no CA certificates: the build image's serve HTTPS calls.
                let bundle = "/etc/ssl/certs/ca-certificates.crt";
                assert!(
                    last.copies
                        .iter()
                        .any(|c| c.sources == [bundle] && c.dest == bundle),
                    "{label}: {:?}",
                    last.copies
                );
            }
        }

        match &first {
            None => first = Some((label, code, build)),
            Some((first_label, first_code, first_build)) => {
                assert!(
                    *first_code == code,
                    "{label} has other Go code than {first_label}"
                );
                assert_eq!(
                    *first_build, build,
                    "{label} builds otherwise than {first_label}"
                );
            }
        }
    }
}

/// A trigger changes the handler and its tests alone: the module (go.mod, go.sum: every
/// trigger needs aws-lambda-go only, but s3, which reads each object's head with the AWS SDK)
/// and the image's build stay those of `api`, checked above for every combination.
#[test]
fn every_trigger_changes_only_the_handler_and_its_tests() {
    let handler = ["function/main.go", "function/main_test.go"];
    let with_module = [handler.as_slice(), &["function/go.mod", "function/go.sum"]].concat();
    let function = |combo: &support::Combo| -> BTreeMap<String, Vec<u8>> {
        support::render(combo, "my-fn")
            .files
            .into_iter()
            .filter(|f| support::function_path(&f.path).starts_with("function/"))
            .map(|f| (f.path, f.contents))
            .collect()
    };
    for api in support::family_combos("go") {
        let api_files = function(&api);
        for trigger in e2e::triggers() {
            let combo = api.with_trigger(&trigger);
            let files = function(&combo);
            let label = format!("{} {trigger}", combo.label());
            let own = if trigger == "s3" {
                &with_module[..]
            } else {
                &handler[..]
            };
            assert_eq!(
                files.keys().collect::<Vec<_>>(),
                api_files.keys().collect::<Vec<_>>(),
                "{label}"
            );
            for (path, contents) in &files {
                if !own.contains(&support::function_path(path)) {
                    assert!(
                        api_files[path] == *contents,
                        "{label}: {path} differs from api's"
                    );
                } else if trigger != "api" {
                    assert!(api_files[path] != *contents, "{label}: {path} is api's");
                }
            }
        }
    }
}

/// The first `sh` block of the README's `## Test` section, one command per line.
fn readme_test_commands(readme: &str) -> Vec<String> {
    let section = &readme[readme.find("\n## Test\n").expect("a Test section")..];
    let block = section.split("```sh\n").nth(1).expect("a sh block");
    let block = &block[..block.find("```").unwrap()];
    block.lines().map(str::to_string).collect()
}

#[test]
fn generated_project_passes_its_tests_and_linters() {
    if !support::require_tool("go", "tests and lints the generated Go projects") {
        return;
    }
    let started = Instant::now();
    // The bare family id picks the newest supported runtime.
    let (_out, project) = support::generate(&["my-fn", "--runtime", "go"]);
    let dockerfile =
        fs::read_to_string(support::function_folder(&project).join("function/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM public.ecr.aws/lambda/provided:al2023\n"),
        "{dockerfile}"
    );
    let tests = passes_tests_and_linters(&project);
    for case in [
        "event.json",
        "null_query_parameters",
        "no_query_parameters",
        "empty_name",
    ] {
        assert!(
            tests.contains(&format!("--- PASS: TestHandler/{case} ")),
            "{tests}"
        );
    }
    println!("Go project tested in {:.1?}", started.elapsed());
}

/// Every trigger's project (newest runtime) passes the same checks, and its unit tests replay
/// each of its bundled events (a subtest named after the event's file).
#[test]
fn every_trigger_project_passes_its_tests_and_linters() {
    if !support::require_tool("go", "tests and lints the generated Go projects") {
        return;
    }
    for trigger in e2e::triggers() {
        let started = Instant::now();
        let (_out, project) =
            support::generate(&["my-fn", "--runtime", "go", "--trigger", &trigger]);
        let tests = passes_tests_and_linters(&project);
        for event in e2e::trigger_events(&project, &trigger) {
            // `what` is "events/<file> (<trigger>)".
            let file = event.what["events/".len()..].split(' ').next().unwrap();
            let passed = format!("/{file} (");
            assert!(
                tests
                    .lines()
                    .any(|l| l.trim_start().starts_with("--- PASS: Test") && l.contains(&passed)),
                "{trigger}: no test replays {file}:\n{tests}"
            );
        }
        println!("Go {trigger} project tested in {:.1?}", started.elapsed());
    }
}

/// The README's test commands as written, from the project's root, with the toolchain it
/// tells a machine like this one to export; then `go mod tidy -diff` (go.mod and go.sum as
/// tidy leaves them: nothing missing, nothing unused). Answers `go test -v`'s output.
fn passes_tests_and_linters(project: &Path) -> String {
    let env = support::go_env();
    let readme = fs::read_to_string(support::function_folder(project).join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("`export GOTOOLCHAIN={}`", support::go_toolchain())),
        "{readme}"
    );
    let commands = readme_test_commands(&readme);
    assert_eq!(commands.len(), 3, "{commands:?}");
    for command in &commands {
        let output = run(Command::new("sh")
            .args(["-c", command])
            .current_dir(project)
            .envs(env.clone()));
        if command.starts_with("gofmt -l") {
            assert_eq!(output, "", "gofmt -l lists files that need formatting");
        }
    }
    let function = support::function_folder(project).join("function");
    run(Command::new("go")
        .args(["mod", "tidy", "-diff"])
        .current_dir(&function)
        .envs(env.clone()));
    run(Command::new("go")
        .args(["test", "-v", "./..."])
        .current_dir(&function)
        .envs(env))
}

#[test]
fn dockerignore_follows_docker_rules() {
    let context = tempfile::tempdir().unwrap();
    fs::write(
        context.path().join(".dockerignore"),
        "# comment\n**/*_test.go\n/out\nsub/*.tmp\ndocs\n!docs/keep.md\n",
    )
    .unwrap();
    let context = BuildContext::new(context.path());
    for (path, included) in [
        ("main.go", true),
        ("main_test.go", false),
        ("internal/a/a_test.go", false),
        ("internal/a/a.go", true),
        ("out", false),
        ("sub/out", true),
        ("sub/x.tmp", false),
        ("sub/deeper/x.tmp", true),
        ("docs/a/b.md", false),
        ("docs/keep.md", true),
    ] {
        assert_eq!(context.includes(path), included, "{path}");
    }
}

/// What a user adds: a package of their own, imported by main.go.
fn add_package(function: &Path) {
    let greet = function.join("internal/greet");
    fs::create_dir_all(&greet).unwrap();
    fs::write(
        greet.join("greet.go"),
        "// Package greet words the answers.\npackage greet\n\n\
         // Message greets name.\nfunc Message(name string) string {\n\
         \treturn \"Hello, \" + name + \"!\"\n}\n",
    )
    .unwrap();
    fs::write(
        greet.join("greet_test.go"),
        "package greet\n\nimport \"testing\"\n\nfunc TestMessage(t *testing.T) {}\n",
    )
    .unwrap();
    let main = function.join("main.go");
    let code = fs::read_to_string(&main).unwrap();
    let changed = code
        .replace(
            "\t\"net/http\"\n",
            "\t\"net/http\"\n\n\t\"my_fn/internal/greet\"\n",
        )
        .replace("\"Hello, \" + name + \"!\"", "greet.Message(name)");
    assert!(changed.contains("greet.Message(name)") && changed.contains("my_fn/internal/greet"));
    fs::write(main, changed).unwrap();
}

/// The Dockerfile's build stage done on this machine under `root` (image path `/x` at
/// `root/x`): the build context as `.dockerignore` lets it through, then each WORKDIR, COPY
/// and RUN in order, RUN lines through `sh` with the toolchain go.mod asks for. Go's module
/// and build caches stay at their defaults in the user's home.
fn build(function: &Path, root: &Path) {
    let text = fs::read_to_string(function.join("Dockerfile")).unwrap();
    let context = BuildContext::new(function);
    let env = support::go_env();
    let mut workdir = "/".to_string();
    for step in &dockerfile::instructions(&text)[0] {
        match step {
            Step::Workdir(dir) => {
                workdir = dir.clone();
                fs::create_dir_all(root.join(&workdir[1..])).unwrap();
            }
            Step::Copy(copy) => context.copy(copy, &workdir, root),
            Step::Run(line) => {
                run(Command::new("sh")
                    .args(["-c", line])
                    .current_dir(root.join(&workdir[1..]))
                    .envs(env.clone()));
            }
            Step::Other => {}
        }
    }
}

/// The Dockerfile's build stage run once (both base kinds build the same binary the same
/// way, checked here), on the project plus a package of the user's own; then each base's
/// final stage laid out and run under the RIE as Lambda runs it (tests/support/rie.rs).
#[test]
fn built_binary_answers_its_events_on_both_bases() {
    if !support::require_tool("go", "builds the generated Go projects")
        || !support::require_tool("sh", "runs the Dockerfile's RUN lines")
        || !rie::available()
    {
        return;
    }
    let started = Instant::now();
    // The same name for both, so both hold the same Go code (checked for every combination
    // above) and one build serves both images.
    let (_aws_out, aws) = support::generate(&["my-fn", "--runtime", "go", "--base", "aws"]);
    let (_out, project) = support::generate(&["my-fn", "--runtime", "go", "--base", "alternative"]);
    let function = support::function_folder(&project).join("function");
    let (build_stage, _) = stages(&fs::read_to_string(function.join("Dockerfile")).unwrap());
    let (aws_build, _) = stages(
        &fs::read_to_string(support::function_folder(&aws).join("function/Dockerfile")).unwrap(),
    );
    assert_eq!(aws_build, build_stage, "both bases build the binary alike");

    // The stage runs on the image's platform, which here is this machine's (the default
    // architecture).
    add_package(&function);
    let build_root = tempfile::tempdir().unwrap();
    build(&function, build_root.path());
    let workdir = build_stage.workdir.expect("the build stage sets WORKDIR");
    let built = build_root.path().join(&workdir[1..]);
    assert!(built.join("internal/greet/greet.go").is_file());
    for test in ["main_test.go", "internal/greet/greet_test.go"] {
        assert!(!built.join(test).exists(), "{test} stays out of the build");
    }
    assert_static_elf_for_this_machine(&fs::read(built.join(BINARY)).unwrap());
    println!("Go binary built in {:.1?}", started.elapsed());

    for project in [&aws, &project] {
        let base_started = Instant::now();
        let (_, last) = stages(
            &fs::read_to_string(support::function_folder(project).join("function/Dockerfile"))
                .unwrap(),
        );
        let root = tempfile::tempdir().unwrap();
        let image = lay_out(&last, root.path(), build_root.path());
        invoke(&image, project, &last.from);
        println!(
            "Go image from {}: events answered in {:.1?}",
            last.from,
            base_started.elapsed()
        );
    }
    println!("Go binary built and invoked in {:.1?}", started.elapsed());
}

/// Every trigger's project, newest runtime, built by its Dockerfile's build stage and run on
/// both bases under the RIE: each bundled event gets the answer its trigger.yaml expects.
#[test]
fn every_trigger_answers_its_events_on_both_bases() {
    if !support::require_tool("go", "builds the generated Go projects")
        || !support::require_tool("sh", "runs the Dockerfile's RUN lines")
        || !rie::available()
    {
        return;
    }
    for trigger in e2e::triggers() {
        let started = Instant::now();
        let generate = |base: &str| {
            support::generate(&[
                "my-fn",
                "--runtime",
                "go",
                "--base",
                base,
                "--trigger",
                &trigger,
            ])
        };
        let (_aws_out, aws) = generate("aws");
        let (_out, alternative) = generate("alternative");
        // Both bases hold the same code and build stage (checked above): one build serves both.
        let build_root = tempfile::tempdir().unwrap();
        build(
            &support::function_folder(&alternative).join("function"),
            build_root.path(),
        );
        for project in [&aws, &alternative] {
            let (_, last) = stages(
                &fs::read_to_string(support::function_folder(project).join("function/Dockerfile"))
                    .unwrap(),
            );
            let root = tempfile::tempdir().unwrap();
            let image = lay_out(&last, root.path(), build_root.path());
            let events = e2e::trigger_events(project, &trigger);
            let Some(fake_s3) = s3::for_trigger(&trigger, &events) else {
                continue;
            };
            let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[]));
            for event in &events {
                function.assert_expected(event);
            }
            drop(function);
            // In Lambda's JSON log format, every line is a JSON record: the handler's of its
            // invocation, and aws-lambda-go's report of an error the handler returned (through
            // the standard logger, which slog's default handles) the error document.
            let json = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
            let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[json]));
            for event in e2e::trigger_events(project, &trigger) {
                function.assert_expected(&event);
            }
            let request_ids = function.request_ids();
            for record in function.json_lines(&trigger) {
                let id = record["requestId"].as_str().unwrap_or_default();
                let message = record["message"].as_str().unwrap_or_default();
                let error_report = serde_json::from_str::<serde_json::Value>(message)
                    .is_ok_and(|m| m.get("errorType").is_some());
                assert!(
                    request_ids.iter().any(|r| r == id) || error_report,
                    "{trigger}: {record}"
                );
            }
        }
        println!(
            "Go {trigger}: built and answered its events on both bases in {:.1?}",
            started.elapsed()
        );
    }
}

/// The final stage `last` under `root`: its COPYs from the build stage laid out under
/// `build_root` (the build image's CA certificates: this machine's stand in), and on the AWS
/// base image the stand-in for its entry point.
fn lay_out(last: &Stage, root: &Path, build_root: &Path) -> Image {
    let aws = e2e::is_aws_base(last);
    let image = Image::new(last, root, if aws { &rie::AWS_BASE } else { &DEBIAN });
    if aws {
        image.write_aws_entrypoint();
    }
    for copy in &last.copies {
        assert_eq!(copy.from.as_deref(), Some("build"), "{copy:?}");
        let [source] = copy.sources.as_slice() else {
            panic!("one file per COPY: {copy:?}")
        };
        let from = match source.starts_with("/etc/ssl/") {
            true => PathBuf::from(source),
            false => build_root.join(&source[1..]),
        };
        let dest = image.path(&copy.dest);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(&from, &dest).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    // Docker makes the WORKDIR (the AWS base images have theirs).
    fs::create_dir_all(image.path(&image.workdir)).unwrap();
    image
}

/// Every event in `events/` and a few more, a malformed one (its error must come back), and
/// Lambda's logging controls.
fn invoke(image: &Image, project: &Path, from: &str) {
    let function = image.start();
    let mut events = e2e::event_files(project);
    events.push(("{}".into(), b"{}".to_vec(), "world".into()));
    let null = br#"{"queryStringParameters":null}"#.to_vec();
    events.push(("null query parameters".into(), null, "world".into()));
    for (what, payload, name) in &events {
        function.assert_greets(what, payload, name);
    }
    let lines = function.function_lines();
    let greetings = lines.iter().filter(|l| {
        l.contains(" level=INFO message=greeting name=Lambda requestId=")
            && l.starts_with("timestamp=")
    });
    assert_eq!(
        greetings.count(),
        1,
        "{from}: one log line per request:\n{lines:?}"
    );

    // aws-lambda-go decodes the event with encoding/json before the handler runs; a field of
    // the wrong type is reported as the invocation's error (not a crash), with the Go error's
    // type name, and the next event is served. (The emulator answers it with status 200 and no
    // X-Amz-Function-Error header, as it does lambda_runtime's.)
    let error = function.invoke_json(br#"{"queryStringParameters": 5}"#);
    assert_eq!(error["errorType"], "UnmarshalTypeError", "{error}");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("queryStringParameters"), "{error}");
    let (what, payload, name) = &events[0];
    function.assert_greets(what, payload, name);
    drop(function);

    // Lambda's advanced logging controls: every line the function writes is JSON, the
    // greeting's with the invocation's request id; at WARN, no INFO line.
    let json = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let function = image.start_with(&image.cmd, &[json]);
    function.assert_greets(what, payload, name);
    let [request_id] = function.request_ids().try_into().expect("one START line");
    let records = function.json_lines(from);
    let [record] = records.as_slice() else {
        panic!("{from}: one line: {records:?}")
    };
    assert_eq!(
        (&record["level"], &record["message"], &record["requestId"]),
        (&json!("INFO"), &json!("greeting"), &json!(request_id)),
        "{record}"
    );
    drop(function);
    let function = image.start_with(&image.cmd, &[json, ("AWS_LAMBDA_LOG_LEVEL", "WARN")]);
    function.assert_greets(what, payload, name);
    assert_eq!(
        function.function_lines(),
        Vec::<String>::new(),
        "{from}: at WARN"
    );
}

/// A statically linked ELF executable (no program interpreter) for this machine's CPU.
fn assert_static_elf_for_this_machine(elf: &[u8]) {
    assert_eq!(&elf[..4], b"\x7fELF", "an ELF file");
    assert_eq!(elf[4], 2, "64-bit");
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    let machine = match std::env::consts::ARCH {
        "x86_64" => 0x3e,
        "aarch64" => 0xb7,
        other => panic!("no Lambda architecture is {other}"),
    };
    assert_eq!(u16_at(18), machine, "built for {}", std::env::consts::ARCH);
    const PT_INTERP: u32 = 3;
    let (phoff, phentsize, phnum) = (
        u64_at(32) as usize,
        u16_at(54) as usize,
        u16_at(56) as usize,
    );
    let interpreted = (0..phnum).any(|i| u32_at(phoff + i * phentsize) == PT_INTERP);
    assert!(!interpreted, "statically linked: no dynamic loader needed");
}
