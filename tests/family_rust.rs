//! The Rust family's generated projects, run with their own tools: `cargo test`, clippy and
//! rustfmt, then the compiled binary against the Runtime API emulator with the project's
//! own event. Once per distinct code variant: base kind and architecture only change the
//! Dockerfile, so today every combination shares one variant.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_new::render::Plan;
use serde_json::{Value, json};
use support::runtime_api::{Outcome, RuntimeApi};

const NAME: &str = "hello-rust";

/// Deprecated runtimes too: grouping by code variant makes them free.
fn rust_combos() -> Vec<support::Combo> {
    let combos: Vec<_> = support::matrix(true)
        .into_iter()
        .filter(|combo| combo.runtime.starts_with("rust-"))
        .collect();
    assert!(!combos.is_empty(), "the catalog has no rust runtimes");
    combos
}

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

fn text<'p>(plan: &'p Plan, path: &str) -> &'p str {
    let file = plan.files.iter().find(|f| f.path == path);
    std::str::from_utf8(
        &file
            .unwrap_or_else(|| panic!("{path} is generated"))
            .contents,
    )
    .unwrap()
}

/// Dependencies compile once per run: every generated project shares this target dir.
fn shared_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tmp dir lies in the target dir")
        .join("generated-rust")
}

fn cargo(project: &Path, args: &[&str]) {
    let started = Instant::now();
    let output = Command::new("cargo")
        .args(args)
        .current_dir(project.join("function"))
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {} failed in {}:\n{}{}",
        args.join(" "),
        project.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("cargo {}: ok in {:.1?}", args.join(" "), started.elapsed());
}

#[test]
fn every_dockerfile_copies_the_binary_cargo_builds() {
    for combo in rust_combos() {
        let plan = support::render(&combo, "Serde");
        let manifest: toml::Table = text(&plan, "function/Cargo.toml").parse().unwrap();
        let package = manifest["package"]["name"].as_str().unwrap();
        assert_eq!(
            package, "serde_fn",
            "a crate name that shadows a dependency is renamed"
        );
        let dockerfile = text(&plan, "function/Dockerfile");
        assert!(
            dockerfile.contains(&format!("/release/{package}\" /bootstrap")),
            "{}: the Dockerfile must copy target/<triple>/release/{package}:\n{dockerfile}",
            combo.label()
        );
        assert!(text(&plan, "function/Cargo.lock").contains(&format!("name = \"{package}\"")));
    }
}

/// Kills the function's process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the compiled binary the way the image does (CMD as its argument) against the
/// emulator, and sends it the project's own event plus one without a name.
fn invoke_binary(project: &Path) {
    let binary = shared_target_dir()
        .join("debug")
        .join(NAME.replace('-', "_"));
    let api = RuntimeApi::start();
    let _function = Running(
        Command::new(&binary)
            .arg("bootstrap")
            .envs(api.env())
            .env("_HANDLER", "bootstrap")
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display())),
    );
    let event: Value =
        serde_json::from_slice(&std::fs::read(project.join("events/event.json")).unwrap()).unwrap();
    let mut nameless = event.clone();
    nameless["queryStringParameters"] = Value::Null;
    for (event, greeting) in [(event, "Hello, Lambda!"), (nameless, "Hello, world!")] {
        let outcome = api
            .invoke(event.to_string().as_bytes(), Duration::from_secs(20))
            .expect("the function answers in time");
        let Outcome::Response(body) = outcome else {
            panic!(
                "the function failed: {outcome:?}; init error: {:?}",
                api.init_error()
            );
        };
        let response: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(response["statusCode"], 200, "{response}");
        assert_eq!(
            response["headers"],
            json!({"content-type": "application/json"})
        );
        let message: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(message, json!({ "message": greeting }));
    }
}

#[test]
fn generated_projects_pass_their_tests_and_lints_and_answer_events() {
    if !support::require_tool("cargo", "builds and tests generated Rust projects")
        || !support::require_tool("cargo-clippy", "lints generated Rust projects")
        || !support::require_tool("cargo-fmt", "checks generated Rust projects' formatting")
    {
        return;
    }
    let started = Instant::now();
    let mut variants: BTreeMap<BTreeMap<String, Vec<u8>>, Vec<String>> = BTreeMap::new();
    let mut plans = BTreeMap::new();
    for combo in rust_combos() {
        let plan = support::render(&combo, NAME);
        variants
            .entry(code_of(&plan))
            .or_default()
            .push(combo.label());
        plans.entry(code_of(&plan)).or_insert(plan);
    }
    for (code, labels) in &variants {
        println!("variant shared by {}", labels.join(", "));
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join(NAME);
        lambda_new::write::write(&plans[code], &project).unwrap();
        // --locked: the committed Cargo.lock must already hold every package.
        cargo(&project, &["test", "--locked"]);
        cargo(
            &project,
            &[
                "clippy",
                "--locked",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        );
        cargo(&project, &["fmt", "--check"]);
        cargo(&project, &["build", "--locked"]);
        invoke_binary(&project);
    }
    println!(
        "rust family: {} variant(s) for {} combinations in {:.1?}",
        variants.len(),
        variants.values().map(Vec::len).sum::<usize>(),
        started.elapsed()
    );
}
