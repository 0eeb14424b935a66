//! The Rust family's generated projects, run with their own tools: the README's `cargo test`,
//! clippy and rustfmt commands as written; then, with a module of the user's own added, the
//! crate copied as the build stage's COPYs and `.dockerignore` say and built, and the binary
//! started as each base kind's final stage says (the AWS base through a stand-in for its
//! /lambda-entrypoint.sh) under AWS's Runtime Interface Emulator, as uid 65534 on a read-only
//! file system but /tmp (tests/support/rie.rs), with the project's own events, a malformed
//! one, and Lambda's logging controls. Once per distinct code variant: base kind
//! and architecture only change the Dockerfile, so today every combination shares one variant.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::BaseKind;
use lambda_new::render::Plan;
use serde_json::{Value, json};
use support::build_context::BuildContext;
use support::dockerfile::{self, Step};
use support::e2e;
use support::rie::{self, Base, Image};

const NAME: &str = "hello-rust";

/// The files that decide what the code does and how it is tested: everything but the
/// Dockerfile, the ignore files and the documentation.
fn code_of(plan: &Plan) -> BTreeMap<String, Vec<u8>> {
    plan.files
        .iter()
        .filter(|f| f.path.starts_with("function/") || f.path.starts_with("events/"))
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
        assert!(
            support::text(&plan, "function/Cargo.lock").contains(&format!("name = \"{package}\""))
        );
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
/// for this machine in the stage's WORKDIR. Returns the binary it made.
fn build(project: &Path, root: &Path) -> PathBuf {
    let function = project.join("function");
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
    support::generated_rust_target()
        .join("debug")
        .join(NAME.replace('-', "_"))
}

/// What the alternative base image (slim Debian) brings: nothing the function uses but
/// Docker's PATH.
const DEBIAN: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[],
};

/// Lays `dockerfile`'s final stage out with `binary` standing in for the build stage's
/// release binary (`/bootstrap`) and runs it under the RIE as Lambda does
/// (tests/support/rie.rs): every event in `events/`, one without a name, a malformed one, and
/// Lambda's logging controls.
fn invoke_image(project: &Path, dockerfile: &str, base: &str, binary: &Path) {
    let stages = dockerfile::parse(dockerfile);
    let (build, last) = (&stages[0], stages.last().unwrap());
    assert!(
        build.runs.iter().any(|r| r.ends_with(" /bootstrap")),
        "{base}: the build stage leaves the binary at /bootstrap: {:?}",
        build.runs
    );
    let aws = e2e::is_aws_base(last);
    let root = tempfile::tempdir().unwrap();
    let image = Image::new(
        last,
        root.path(),
        if aws { &rie::AWS_BASE } else { &DEBIAN },
    );
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
    let function = image.start();

    let mut events = e2e::event_files(project);
    let mut nameless: Value = serde_json::from_slice(&events[0].1).unwrap();
    nameless["queryStringParameters"] = Value::Null;
    events.push((
        "no name".into(),
        nameless.to_string().into(),
        "world".into(),
    ));
    for (what, payload, name) in &events {
        function.assert_greets(what, payload, name);
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

    // lambda_runtime deserializes the event before the handler runs; a field of the wrong
    // type is reported as the invocation's error (the process does not exit), with the Rust
    // type name of its deserialization error, and the next event is served. (It sends the error
    // type `unhandled`; the emulator passes no X-Amz-Function-Error header on, 200 either way.)
    let answer = function.invoke(br#"{"queryStringParameters": 5}"#);
    let error: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        error["errorType"], "&lambda_runtime::deserializer::DeserializeError",
        "{base}: {answer:?} {error}"
    );
    let (what, payload, name) = &events[0];
    function.assert_greets(what, payload, name);
    drop(function);

    // Lambda's advanced logging controls: every line the function writes is JSON, the
    // greeting's in the span that carries the invocation's request id; at WARN, no INFO line.
    let json = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let function = image.start_with(&image.cmd, &[json]);
    function.assert_greets(what, payload, name);
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
    function.assert_greets(what, payload, name);
    assert_eq!(
        function.function_lines(),
        Vec::<String>::new(),
        "{base}: at WARN"
    );
    println!("{base} base ({}): events answered", last.from);
}

/// A Cargo.lock's packages, in name order.
fn locked_packages(lock: &str) -> Vec<toml::Value> {
    let lock: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    let mut packages = lock["package"].as_array().expect("packages").clone();
    packages.sort_by_key(|p| (p["name"].to_string(), p["version"].to_string()));
    packages
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
    if !support::require_tool("cargo", "builds and tests generated Rust projects")
        || !support::require_tool("cargo-clippy", "lints generated Rust projects")
        || !support::require_tool("cargo-fmt", "checks generated Rust projects' formatting")
        || !rie::available()
    {
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
        let readme = fs::read_to_string(project.join("README.md")).unwrap();
        let commands = readme_test_commands(&readme);
        assert_eq!(commands.len(), 3, "{commands:?}");
        for command in &commands {
            cargo_sh(&project, command);
        }
        // The generated Cargo.lock already held every package at its version: cargo added,
        // dropped and changed nothing (it does move the crate's own entry into name order).
        let after = fs::read_to_string(project.join("function/Cargo.lock")).unwrap();
        assert!(
            locked_packages(&after)
                == locked_packages(support::text(&plans[code], "function/Cargo.lock")),
            "cargo changed the packages in Cargo.lock:\n{after}"
        );

        // A module of the user's own, and a stale target/ the build must not take.
        let function = project.join("function");
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
