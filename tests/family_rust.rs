//! The Rust family's generated projects, run with their own tools: the README's `cargo test`,
//! clippy and rustfmt commands as written (and clippy once more, denying unused dependencies);
//! then the crate copied as the build stage's COPYs and `.dockerignore` say and built, and the
//! binary started as each base kind's final stage says (the AWS base through a stand-in for its
//! /lambda-entrypoint.sh) under AWS's Runtime Interface Emulator, as uid 65534 on a read-only
//! file system but /tmp (tests/support/rie.rs), with the project's own events.
//!
//! The default trigger (`api`) over the whole runtime matrix, once per distinct code variant
//! (base kind and architecture only change the Dockerfile), with a module of the user's own
//! added, a malformed event and Lambda's logging controls; every other trigger on the newest
//! runtime, both base kinds, each bundled event held to its trigger.yaml expectation.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::{Architecture, BaseKind};
use lambda_new::render::Plan;
use serde_json::{Value, json};
use support::build_context::BuildContext;
use support::dockerfile::{self, Step};
use support::e2e;
use support::rie::{self, Base, Image};
use support::s3;

const NAME: &str = "hello-rust";

/// The files that decide what the code does and how it is tested: everything but the
/// Dockerfile, the ignore files and the documentation.
fn code_of(plan: &Plan) -> BTreeMap<String, Vec<u8>> {
    plan.files
        .iter()
        .filter(|f| {
            support::function_path(&f.path).starts_with("function/")
                || support::function_path(&f.path).starts_with("events/")
        })
        .filter(|f| !f.path.ends_with("/Dockerfile") && !f.path.ends_with("/.dockerignore"))
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect()
}

/// Runs `command` through `sh` in `dir`, every cargo in it sharing the target dir.
fn cargo_sh(dir: &Path, command: &str) {
    let started = Instant::now();
    support::run(
        Command::new("sh")
            .args(["-c", command])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", support::generated_rust_target())
            .env("CARGO_TERM_COLOR", "never"),
    );
    println!("{command}: ok in {:.1?}", started.elapsed());
}

#[test]
fn every_dockerfile_copies_the_binary_cargo_builds() {
    for combo in support::family_matrix("rust") {
        let plan = support::render(&combo, "Serde");
        let manifest: toml::Table = support::text(&plan, "function/Cargo.toml").parse().unwrap();
        let package = manifest["package"]["name"].as_str().unwrap();
        assert_eq!(
            package, "serde_fn",
            "a crate name that shadows a dependency is renamed"
        );
        let dockerfile = support::text(&plan, "function/Dockerfile");
        assert!(
            dockerfile.contains(&format!("/release/{package}\" /bootstrap")),
            "{}: the Dockerfile must copy target/<triple>/release/{package}:\n{dockerfile}",
            combo.label()
        );
        for trigger in e2e::triggers() {
            let plan = support::render(&combo.with_trigger(&trigger), "Serde");
            assert!(
                support::text(&plan, "function/Cargo.lock")
                    .contains(&format!("name = \"{package}\"")),
                "{trigger}: the lock names the crate"
            );
        }
    }
}

/// A crate named like a package of its Cargo.lock would shadow it: every package of every
/// trigger's lock is a reserved identifier (a function of that name gets another crate name).
#[test]
fn every_locked_crate_is_reserved() {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let family = catalog.families.iter().find(|f| f.id == "rust").unwrap();
    let combo = &support::family_combos("rust")[0];
    for trigger in e2e::triggers() {
        let plan = support::render(&combo.with_trigger(&trigger), NAME);
        let lock = support::text(&plan, "function/Cargo.lock");
        let missing: Vec<String> = locked_packages(lock)
            .iter()
            .map(|p| p["name"].as_str().unwrap().replace('-', "_"))
            .filter(|name| name != "hello_rust" && !family.reserved_identifiers().contains(name))
            .collect();
        assert!(missing.is_empty(), "{trigger}: reserve {missing:?}");
    }
}

/// What a user adds: a module of their own, which the handler calls, and a build script whose
/// output the module reads.
fn add_module(function: &Path) {
    fs::write(
        function.join("src/greet.rs"),
        "//! The greeting's words.\n\n/// Greets `name`.\npub fn message(name: &str) -> String {\n    \
         format!(\"{}, {name}!\", env!(\"GREETING\"))\n}\n",
    )
    .unwrap();
    fs::write(
        function.join("build.rs"),
        "fn main() {\n    println!(\"cargo::rustc-env=GREETING=Hello\");\n}\n",
    )
    .unwrap();
    let main = function.join("src/main.rs");
    let code = fs::read_to_string(&main).unwrap();
    fs::write(
        &main,
        code.replace("mod handler;", "mod greet;\nmod handler;"),
    )
    .unwrap();
    let handler = function.join("src/handler.rs");
    let code = fs::read_to_string(&handler).unwrap();
    let changed = code.replace("format!(\"Hello, {name}!\")", "crate::greet::message(name)");
    assert_ne!(changed, code, "the handler words its greeting with format!");
    fs::write(&handler, changed).unwrap();
}

/// The Dockerfile's build stage on this machine, under `root` (image path `/x` at `root/x`):
/// the build context as `.dockerignore` lets it through, copied as its COPYs say; then, for
/// its RUN lines (the musl target they add cannot be downloaded here), `cargo build --locked`
/// for this machine in the stage's WORKDIR. Returns the binary it made (named after the crate:
/// tests that build at the same time in the shared target dir give their crates different
/// names).
fn build(project: &Path, root: &Path) -> PathBuf {
    let function = support::function_folder(project).join("function");
    let text = fs::read_to_string(function.join("Dockerfile")).unwrap();
    let context = BuildContext::new(&function);
    let mut workdir = "/".to_string();
    for step in &dockerfile::instructions(&text)[0] {
        match step {
            Step::Workdir(dir) => workdir = dir.clone(),
            Step::Copy(copy) => context.copy(copy, &workdir, root),
            Step::Run(_) | Step::Other => {}
        }
    }
    let crate_dir = root.join(&workdir[1..]);
    assert!(
        !crate_dir.join("target").exists(),
        "target/ stays out of the build"
    );
    cargo_sh(&crate_dir, "cargo build --locked");
    let manifest: toml::Table = fs::read_to_string(crate_dir.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let package = manifest["package"]["name"].as_str().unwrap();
    support::generated_rust_target().join("debug").join(package)
}

/// What the alternative base image (slim Debian) brings: nothing the function uses but
/// Docker's PATH.
const DEBIAN: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[],
};

/// Lays `dockerfile`'s final stage out under `root` with `binary` standing in for the build
/// stage's release binary (`/bootstrap`), ready to run under the RIE as Lambda does
/// (tests/support/rie.rs).
fn lay_out(dockerfile: &str, base: &str, binary: &Path, root: &Path) -> Image {
    let stages = dockerfile::parse(dockerfile);
    let (build, last) = (&stages[0], stages.last().unwrap());
    assert!(
        build.runs.iter().any(|r| r.ends_with(" /bootstrap")),
        "{base}: the build stage leaves the binary at /bootstrap: {:?}",
        build.runs
    );
    let aws = e2e::is_aws_base(last);
    let image = Image::new(last, root, if aws { &rie::AWS_BASE } else { &DEBIAN });
    if aws {
        image.write_aws_entrypoint();
    }
    for copy in &last.copies {
        assert_eq!(copy.from.as_deref(), Some("build"), "{base}: {copy:?}");
        let from = match copy.sources.as_slice() {
            [s] if s == "/bootstrap" => binary.to_path_buf(),
            // The build image's CA certificates: this machine's stand in.
            [s] if s == "/etc/ssl/certs/ca-certificates.crt" => PathBuf::from(s),
            other => panic!("{base}: the build stage makes no {other:?}"),
        };
        let dest = image.path(&copy.dest);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(&from, &dest).unwrap();
    }
    // Docker makes the WORKDIR (the AWS base images have theirs).
    fs::create_dir_all(image.path(&image.workdir)).unwrap();
    image
}

/// Invokes `payload`: status 200, an API Gateway answer with one header, Content-Type
/// application/json (lambda_http sends a REST API's in `multiValueHeaders`, which API Gateway
/// merges with `headers`), and the greeting for `name`.
fn assert_greets(function: &rie::Rie, what: &str, payload: &[u8], name: &str) {
    let answer = function.invoke(payload);
    assert!(
        answer.status == 200 && answer.function_error.is_none(),
        "{what}: {answer:?}\n{}",
        function.output()
    );
    let answer: Value = serde_json::from_slice(&answer.body).expect("a JSON answer");
    assert_eq!(answer["statusCode"], 200, "{what}: {answer}");
    // Every header of both fields, one (lower-case name, value) per value.
    let single = answer["headers"].as_object().into_iter().flatten();
    let single = single.map(|(k, v)| (k.to_ascii_lowercase(), v.clone()));
    let multi = answer["multiValueHeaders"]
        .as_object()
        .into_iter()
        .flatten();
    let multi = multi.flat_map(|(k, values)| {
        let values = values.as_array().expect("a list of values");
        values.iter().map(|v| (k.to_ascii_lowercase(), v.clone()))
    });
    let headers: Vec<_> = single.chain(multi).collect();
    assert_eq!(
        headers,
        [("content-type".to_string(), json!("application/json"))],
        "{what}: {answer}"
    );
    let body: Value =
        serde_json::from_str(answer["body"].as_str().expect("a string body")).unwrap();
    assert_eq!(
        body,
        json!({"message": format!("Hello, {name}!")}),
        "{what}"
    );
}

/// Runs the api image under the RIE: every event in `events/` (also held to trigger.yaml's
/// expectation), one without a name, a malformed one, and Lambda's logging controls.
fn invoke_image(project: &Path, dockerfile: &str, base: &str, binary: &Path) {
    let root = tempfile::tempdir().unwrap();
    let image = lay_out(dockerfile, base, binary, root.path());
    let last = dockerfile::parse(dockerfile).pop().unwrap();
    let function = image.start();

    let mut events = e2e::event_files(project);
    let mut nameless: Value = serde_json::from_slice(&events[0].1).unwrap();
    // As API Gateway sends a request without a query string.
    nameless["queryStringParameters"] = Value::Null;
    nameless["multiValueQueryStringParameters"] = Value::Null;
    events.push((
        "no name".into(),
        nameless.to_string().into(),
        "world".into(),
    ));
    for (what, payload, name) in &events {
        assert_greets(&function, what, payload, name);
    }
    let lines = function.function_lines();
    let greetings = lines
        .iter()
        .filter(|l| l.contains(" INFO ") && l.ends_with("Greeting Lambda"));
    assert_eq!(
        greetings.count(),
        1,
        "{base}: one log line per request:\n{lines:?}"
    );
    for event in e2e::trigger_events(project, support::DEFAULT_TRIGGER) {
        function.assert_expected(&event);
    }

    // lambda_http (through lambda_runtime) deserializes the event before the handler runs; an
    // event of no kind it knows is reported as the invocation's error (the process does not
    // exit), with the Rust type name of its deserialization error, and the next event is served. (It sends the error
    // type `unhandled`; the emulator passes no X-Amz-Function-Error header on, 200 either way.)
    let answer = function.invoke(br#"{"queryStringParameters": 5}"#);
    let error: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        error["errorType"], "&lambda_runtime::deserializer::DeserializeError",
        "{base}: {answer:?} {error}"
    );
    let (what, payload, name) = &events[0];
    assert_greets(&function, what, payload, name);
    drop(function);

    // Lambda's advanced logging controls: every line the function writes is JSON, the
    // greeting's in the span that carries the invocation's request id; at WARN, no INFO line.
    let json = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let function = image.start_with(&image.cmd, &[json]);
    assert_greets(&function, what, payload, name);
    let [request_id] = function.request_ids().try_into().expect("one START line");
    let records = function.json_lines(base);
    let [record] = records.as_slice() else {
        panic!("{base}: one line: {records:?}")
    };
    assert_eq!(
        (
            &record["level"],
            &record["fields"]["message"],
            &record["span"]["requestId"]
        ),
        (
            &json!("INFO"),
            &json!("Greeting Lambda"),
            &json!(request_id)
        ),
        "{record}"
    );
    drop(function);
    let function = image.start_with(&image.cmd, &[json, ("AWS_LAMBDA_LOG_LEVEL", "WARN")]);
    assert_greets(&function, what, payload, name);
    assert_eq!(
        function.function_lines(),
        Vec::<String>::new(),
        "{base}: at WARN"
    );
    println!("{base} base ({}): events answered", last.from);
}

/// Whether the tools the end-to-end tests run are here (else they skip, saying so).
fn tools_available() -> bool {
    support::require_tool("cargo", "builds and tests generated Rust projects")
        && support::require_tool("cargo-clippy", "lints generated Rust projects")
        && support::require_tool("cargo-fmt", "checks generated Rust projects' formatting")
        && rie::available()
}

/// The README's test commands, as written, from the project's root; then clippy again denying
/// dependencies the crate does not use (for the tests: dev-dependencies).
fn run_checks(project: &Path, commands: &[String]) {
    assert_eq!(commands.len(), 3, "{commands:?}");
    for command in commands {
        cargo_sh(project, command);
    }
    cargo_sh(
        &support::function_folder(project),
        "cargo clippy --manifest-path function/Cargo.toml --all-targets -- -D unused-crate-dependencies",
    );
}

/// The generated Cargo.lock already held every package at its version: cargo added, dropped
/// and changed nothing (it does move the crate's own entry into name order).
fn assert_lock_kept(project: &Path, plan: &Plan) {
    let after =
        fs::read_to_string(support::function_folder(project).join("function/Cargo.lock")).unwrap();
    assert!(
        locked_packages(&after) == locked_packages(support::text(plan, "function/Cargo.lock")),
        "cargo changed the packages in Cargo.lock:\n{after}"
    );
}

/// A Cargo.lock's packages, in name order.
fn locked_packages(lock: &str) -> Vec<toml::Value> {
    let lock: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    let mut packages = lock["package"].as_array().expect("packages").clone();
    packages.sort_by_key(|p| (p["name"].to_string(), p["version"].to_string()));
    packages
}

/// How many records an event holds.
fn records(payload: &[u8]) -> usize {
    let event: Value = serde_json::from_slice(payload).unwrap();
    event["Records"].as_array().expect("Records").len()
}

/// The first `sh` block of the README's `## Test` section, one command per line.
fn readme_test_commands(readme: &str) -> Vec<String> {
    let section = &readme[readme.find("\n## Test\n").expect("a Test section")..];
    let block = section.split("```sh\n").nth(1).expect("a sh block");
    let block = &block[..block.find("```").unwrap()];
    block.lines().map(str::to_string).collect()
}

#[test]
fn generated_projects_pass_their_tests_and_lints_and_answer_events() {
    if !tools_available() {
        return;
    }
    let started = Instant::now();
    let mut variants: BTreeMap<BTreeMap<String, Vec<u8>>, Vec<String>> = BTreeMap::new();
    let mut plans = BTreeMap::new();
    // Per variant, each base kind's Dockerfile for this machine's architecture (the default).
    let mut dockerfiles: BTreeMap<_, BTreeMap<&str, String>> = BTreeMap::new();
    let host_arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    };
    // Deprecated runtimes too: grouping by code variant makes them free.
    for combo in support::family_matrix("rust") {
        let plan = support::render(&combo, NAME);
        variants
            .entry(code_of(&plan))
            .or_default()
            .push(combo.label());
        if combo.arch.lambda_name() == host_arch {
            let base = match combo.base {
                BaseKind::Aws => "aws",
                BaseKind::Alternative => "alternative",
            };
            let text = support::text(&plan, "function/Dockerfile").to_string();
            let bases = dockerfiles.entry(code_of(&plan)).or_default();
            bases.entry(base).or_insert(text);
        }
        plans.entry(code_of(&plan)).or_insert(plan);
    }
    for (code, labels) in &variants {
        println!("variant shared by {}", labels.join(", "));
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join(NAME);
        lambda_new::write::write(&plans[code], &project).unwrap();
        // The README's commands, as written, from the project's root.
        let readme =
            fs::read_to_string(support::function_folder(&project).join("README.md")).unwrap();
        let commands = readme_test_commands(&readme);
        run_checks(&project, &commands);
        assert_lock_kept(&project, &plans[code]);

        // A module of the user's own, and a stale target/ the build must not take.
        let function = support::function_folder(&project).join("function");
        add_module(&function);
        fs::create_dir_all(function.join("target")).unwrap();
        fs::write(function.join("target/stale"), "").unwrap();
        let binary = build(&project, &root.path().join("build"));
        let bases = &dockerfiles[code];
        assert_eq!(bases.len(), 2, "both base kinds: {labels:?}");
        for (base, dockerfile) in bases {
            invoke_image(&project, dockerfile, base, &binary);
        }
    }
    println!(
        "rust family: {} variant(s) for {} combinations in {:.1?}",
        variants.len(),
        variants.values().map(Vec::len).sum::<usize>(),
        started.elapsed()
    );
}

/// Every trigger but the default, on the newest runtime for this machine's architecture: the
/// README's checks, the lock kept, one build, and on each base kind every bundled event
/// answered as its trigger.yaml expects.
#[test]
fn every_trigger_passes_its_tests_and_lints_and_answers_its_events() {
    if !tools_available() {
        return;
    }
    let host = if cfg!(target_arch = "aarch64") {
        Architecture::Arm64
    } else {
        Architecture::X86_64
    };
    // The catalog lists runtimes newest first.
    let newest: Vec<_> = support::family_matrix("rust")
        .into_iter()
        .filter(|c| c.arch == host)
        .collect();
    let newest: Vec<_> = newest
        .iter()
        .filter(|c| c.runtime == newest[0].runtime)
        .collect();
    assert_eq!(newest.len(), 2, "both base kinds: {newest:?}");
    let started = Instant::now();
    for trigger in e2e::triggers() {
        if trigger == support::DEFAULT_TRIGGER {
            continue;
        }
        let trigger_started = Instant::now();
        let name = format!("hello-{trigger}");
        let plans: Vec<_> = newest
            .iter()
            .map(|c| (c.base, support::render(&c.with_trigger(&trigger), &name)))
            .collect();
        assert!(
            code_of(&plans[0].1) == code_of(&plans[1].1),
            "{trigger}: the base kind changes only the Dockerfile"
        );
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join(&name);
        lambda_new::write::write(&plans[0].1, &project).unwrap();
        let readme =
            fs::read_to_string(support::function_folder(&project).join("README.md")).unwrap();
        run_checks(&project, &readme_test_commands(&readme));
        assert_lock_kept(&project, &plans[0].1);

        let binary = build(&project, &root.path().join("build"));
        let events = e2e::trigger_events(&project, &trigger);
        for (base, plan) in &plans {
            let base = format!("{trigger} on {base:?}");
            let image_root = tempfile::tempdir().unwrap();
            let dockerfile = support::text(plan, "function/Dockerfile");
            let image = lay_out(dockerfile, &base, &binary, image_root.path());
            // s3's handler reads each object's head: moto stands in for S3.
            let Some(fake_s3) = s3::for_trigger(&trigger, &events) else {
                continue;
            };
            let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[]));
            for event in &events {
                function.assert_expected(event);
            }
            if fake_s3.is_some() {
                let of_type = format!(" of type {}", s3::CONTENT_TYPE);
                let lines = function.function_lines();
                let heads = lines.iter().filter(|l| l.ends_with(&of_type));
                let objects: usize = events.iter().map(|e| records(&e.payload)).sum();
                assert_eq!(
                    heads.count(),
                    objects,
                    "{base}: a line per object: {lines:?}"
                );
            }
        }
        println!(
            "{trigger}: {} event(s) answered on both bases in {:.1?}",
            events.len(),
            trigger_started.elapsed()
        );
    }
    println!("rust triggers in {:.1?}", started.elapsed());
}
