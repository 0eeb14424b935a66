//! The Rust family's generated projects, run with their own tools: `cargo test`, clippy and
//! rustfmt, then the compiled binary against the Runtime API emulator with the project's
//! own events and a malformed one, started as each base kind's final stage says (the AWS
//! base through a stand-in for its /lambda-entrypoint.sh). Once per distinct code variant:
//! base kind and architecture only change the Dockerfile, so today every combination shares
//! one variant.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lambda_new::choices::BaseKind;
use lambda_new::render::Plan;
use serde_json::Value;
use support::dockerfile;
use support::e2e::{self, Image};

const NAME: &str = "hello-rust";
const WAIT: Duration = Duration::from_secs(20);

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
    for combo in support::family_matrix("rust") {
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

/// Starts the binary `cargo build` made as `dockerfile`'s final stage says, standing in for
/// the build stage's release binary (`/bootstrap`; the same code, without a second, release
/// build), and sends it every event in `events/`, one without a name, and a malformed one.
fn invoke_image(project: &Path, dockerfile: &str, base: &str) {
    let stages = dockerfile::parse(dockerfile);
    let (build, last) = (&stages[0], stages.last().unwrap());
    assert!(
        build.runs.iter().any(|r| r.ends_with(" /bootstrap")),
        "{base}: the build stage leaves the binary at /bootstrap: {:?}",
        build.runs
    );
    let binary = shared_target_dir()
        .join("debug")
        .join(NAME.replace('-', "_"));
    let image = Image::lay_out(last, &project.join(format!("rootfs-{base}")), |source| {
        assert_eq!(source, "/bootstrap", "{base}: what the build stage makes");
        binary.clone()
    });
    let client = image.start(WAIT);

    let mut events = e2e::event_files(project);
    let mut nameless: Value = serde_json::from_slice(&events[0].1).unwrap();
    nameless["queryStringParameters"] = Value::Null;
    events.push((
        "no name".into(),
        nameless.to_string().into(),
        "world".into(),
    ));
    for (what, payload, name) in &events {
        client.assert_greets(what, payload, name);
    }

    // lambda_runtime deserializes the event before the handler runs; a field of the wrong
    // type is reported to /error (the process does not exit) with the header `unhandled`
    // and the Rust type name of its deserialization error, and the next event is served.
    let (error_type, body) = client.assert_error(
        &format!("{base}: a malformed event"),
        br#"{"queryStringParameters": 5}"#,
    );
    assert_eq!(error_type, "unhandled", "{body}");
    assert_eq!(
        body["errorType"], "&lambda_runtime::deserializer::DeserializeError",
        "{body}"
    );
    let (what, payload, name) = &events[0];
    client.assert_greets(what, payload, name);
    assert!(client.api.init_error().is_none());
    println!("{base} base ({}): events answered", last.from);
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
            let text = text(&plan, "function/Dockerfile").to_string();
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
        let bases = &dockerfiles[code];
        assert_eq!(bases.len(), 2, "both base kinds: {labels:?}");
        for (base, dockerfile) in bases {
            invoke_image(&project, dockerfile, base);
        }
    }
    println!(
        "rust family: {} variant(s) for {} combinations in {:.1?}",
        variants.len(),
        variants.values().map(Vec::len).sum::<usize>(),
        started.elapsed()
    );
}
