//! The Rust family's generated projects, run with their own tools: `cargo test`, clippy and
//! rustfmt, then the compiled binary against the Runtime API emulator with the project's
//! own events and a malformed one, started as each base kind's final stage says (the AWS
//! base through a stand-in for its /lambda-entrypoint.sh). Once per distinct code variant:
//! base kind and architecture only change the Dockerfile, so today every combination shares
//! one variant.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_new::choices::BaseKind;
use lambda_new::render::Plan;
use serde_json::{Value, json};
use support::dockerfile::{self, Stage};
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
    let client = image.start();

    let mut events = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(project.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the project has sample events");
    for path in paths {
        let event: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let name = event["queryStringParameters"]["name"]
            .as_str()
            .unwrap_or("world")
            .to_string();
        events.push((path.display().to_string(), event, name));
    }
    let mut nameless = events[0].1.clone();
    nameless["queryStringParameters"] = Value::Null;
    events.push(("no name".into(), nameless, "world".into()));
    for (what, event, name) in &events {
        check_greeting(&client, what, event, name);
    }

    // lambda_runtime deserializes the event before the handler runs; a field of the wrong
    // type is reported to /error (the process does not exit) with the header `unhandled`
    // and the Rust type name of its deserialization error, and the next event is served.
    let outcome = client.invoke(br#"{"queryStringParameters": 5}"#);
    let Outcome::Error { error_type, body } = &outcome else {
        panic!(
            "{base}: a malformed event was answered: {outcome:?}\n{}",
            client.log()
        )
    };
    assert_eq!(error_type, "unhandled", "{outcome:?}");
    assert_eq!(
        body["errorType"], "&lambda_runtime::deserializer::DeserializeError",
        "{body}"
    );
    let (what, event, name) = &events[0];
    check_greeting(&client, what, event, name);
    assert!(client.api.init_error().is_none());
    println!("{base} base ({}): events answered", last.from);
}

/// Invokes `event`: a 200 answer with one header, Content-Type (any case)
/// application/json, and the greeting for `name`.
fn check_greeting(client: &Client, what: &str, event: &Value, name: &str) {
    let outcome = client.invoke(event.to_string().as_bytes());
    let Outcome::Response(body) = &outcome else {
        panic!("{what}: {outcome:?}\n{}", client.log())
    };
    let response: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(response["statusCode"], 200, "{what}: {response}");
    let headers = response["headers"].as_object().expect("headers");
    assert!(
        headers.len() == 1
            && headers
                .iter()
                .all(|(k, v)| k.eq_ignore_ascii_case("content-type") && v == "application/json"),
        "{what}: {response}"
    );
    let message: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        message,
        json!({ "message": format!("Hello, {name}!") }),
        "{what}"
    );
}

/// A final stage laid out on this machine: image path `/x` is `root/x`.
struct Image {
    root: PathBuf,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    workdir: String,
    env: Vec<(String, String)>,
}

impl Image {
    /// Does the stage's COPYs (`--from=build` sources found with `build_path`) under `root`
    /// and reads what it runs. On the AWS base image, what the image brings stands in: its
    /// ENTRYPOINT /lambda-entrypoint.sh, WORKDIR and ENV.
    fn lay_out(last: &Stage, root: &Path, build_path: impl Fn(&str) -> PathBuf) -> Image {
        let mut image = Image {
            root: root.to_path_buf(),
            entrypoint: Vec::new(),
            cmd: last.cmd.clone().expect("CMD"),
            // Distroless sets none that matters here; the binary does not depend on it.
            workdir: "/".into(),
            env: Vec::new(),
        };
        if last.from.starts_with("public.ecr.aws/lambda/") {
            image.entrypoint = vec!["/lambda-entrypoint.sh".into()];
            image.workdir = "/var/task".into();
            image.env = [
                ("LAMBDA_TASK_ROOT", "/var/task"),
                ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec();
            image.write_aws_entrypoint();
        }
        if let Some(entrypoint) = &last.entrypoint {
            image.entrypoint = entrypoint.clone();
        }
        image.workdir = last.workdir.clone().unwrap_or(image.workdir);
        image.env.extend(last.env.iter().cloned());
        assert!(!image.entrypoint.is_empty(), "{}: no ENTRYPOINT", last.from);
        for copy in &last.copies {
            assert_eq!(copy.from.as_deref(), Some("build"), "{copy:?}");
            let [source] = copy.sources.as_slice() else {
                panic!("one file per COPY: {copy:?}")
            };
            let dest = image.host_path(&copy.dest);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(build_path(source), &dest).unwrap();
        }
        std::fs::create_dir_all(image.host_path(&image.workdir)).unwrap();
        image
    }

    /// Stands in for the AWS base image's /lambda-entrypoint.sh: it requires exactly one
    /// argument, exports it as _HANDLER and execs /var/runtime/bootstrap (the real script
    /// runs that under its bundled emulator when AWS_LAMBDA_RUNTIME_API is unset).
    fn write_aws_entrypoint(&self) {
        use std::os::unix::fs::PermissionsExt;
        let script = self.host_path("/lambda-entrypoint.sh");
        let bootstrap = self.host_path("/var/runtime/bootstrap");
        std::fs::create_dir_all(&self.root).unwrap();
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 if [ $# -ne 1 ]; then\n  \
                   echo \"entrypoint requires the handler name to be the first argument\" 1>&2\n  \
                   exit 142\n\
                 fi\n\
                 export _HANDLER=\"$1\"\n\
                 [ -n \"$AWS_LAMBDA_RUNTIME_API\" ] || {{ echo 'no AWS_LAMBDA_RUNTIME_API' >&2; exit 1; }}\n\
                 exec '{}'\n",
                bootstrap.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn host_path(&self, path: &str) -> PathBuf {
        let rest = path
            .strip_prefix('/')
            .unwrap_or_else(|| panic!("{path} is not absolute"));
        self.root.join(rest)
    }

    /// ENTRYPOINT + CMD in WORKDIR, with the image's ENV, the variables Lambda sets and a
    /// fresh emulator's.
    fn start(&self) -> Client {
        let log = self.root.with_extension("log");
        let output = std::fs::File::create(&log).unwrap();
        let api = RuntimeApi::start();
        let child = Command::new(self.host_path(&self.entrypoint[0]))
            .args(&self.entrypoint[1..])
            .args(&self.cmd)
            .current_dir(self.host_path(&self.workdir))
            .env_clear() // only what the image and Lambda provide
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs(self.env.iter().map(|(k, v)| {
                let v = if v.starts_with('/') {
                    self.host_path(v).display().to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            }))
            .env("LAMBDA_TASK_ROOT", self.host_path("/var/task"))
            .env("_HANDLER", &self.cmd[0])
            .envs(api.env())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .expect("the image's entry point starts");
        Client { child, api, log }
    }
}

/// The started image and its emulator; the process is killed when the test ends, however
/// it ends.
struct Client {
    child: Child,
    api: RuntimeApi,
    log: PathBuf,
}

impl Client {
    fn invoke(&self, payload: &[u8]) -> Outcome {
        let wait = Duration::from_secs(20);
        self.api.invoke(payload, wait).unwrap_or_else(|_| {
            panic!(
                "no answer in {wait:?}; init error {:?}\n{}",
                self.api.init_error(),
                self.log()
            )
        })
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    // Per variant, each base kind's Dockerfile for this machine's architecture (the default).
    let mut dockerfiles: BTreeMap<_, BTreeMap<&str, String>> = BTreeMap::new();
    let host_arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    };
    for combo in rust_combos() {
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
