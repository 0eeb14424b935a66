//! Generated Go projects. Every runtime, base kind and architecture gets the same Go code and
//! the same build stage (checked first), so the code is tested once: the commands the README
//! gives (`go test`, `go vet`, `gofmt -l`), `go mod tidy -diff` (go.mod and go.sum complete
//! and minimal), then the Dockerfile's build stage run on this machine and the binary it
//! makes started as each base kind's final stage says (the AWS base through a stand-in for
//! its /lambda-entrypoint.sh) against the Runtime API emulator with the project's events and
//! one malformed event.
//!
//! Go's module and build caches stay at their defaults in the user's home, shared with every
//! other Go build there, so only the first run downloads and compiles the dependencies.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_new::choices::BaseKind;
use serde_json::{Value, json};
use support::dockerfile::{self, Stage};
use support::runtime_api::{Outcome, RuntimeApi};

/// Generous: the binary starts in milliseconds, but CI machines are slow.
const WAIT: Duration = Duration::from_secs(30);
/// Where the build stage writes the binary, relative to its WORKDIR.
const BINARY: &str = "bootstrap";

fn go_combos() -> Vec<support::Combo> {
    let combos: Vec<_> = support::matrix(true)
        .into_iter()
        .filter(|c| c.runtime.starts_with("go-"))
        .collect();
    assert!(!combos.is_empty(), "the catalog has Go runtimes");
    combos
}

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

fn go(dir: &Path, args: &[&str]) -> String {
    run(Command::new("go").args(args).current_dir(dir))
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
    for combo in go_combos() {
        let label = combo.label();
        let plan = support::render(&combo, "my-fn");
        let file = |path: &str| {
            let found = plan.files.iter().find(|f| f.path == path);
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
            .filter(|f| f.path.starts_with("function/") && f.path != "function/Dockerfile")
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
        let copy = last
            .copies
            .iter()
            .find(|c| c.from.as_deref() == Some("build"))
            .unwrap_or_else(|| panic!("{label}: the final stage copies from the build stage"));
        assert_eq!(copy.sources, [format!("{workdir}/{BINARY}")], "{label}");

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

#[test]
fn generated_project_passes_its_tests_and_linters() {
    if !support::require_tool("go", "tests and lints the generated Go projects") {
        return;
    }
    let started = Instant::now();
    // The bare family id picks the newest supported runtime.
    let (_out, project) = support::generate(&["my-fn", "--runtime", "go"]);
    let function = project.join("function");
    let dockerfile = fs::read_to_string(function.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM public.ecr.aws/lambda/provided:al2023\n"),
        "{dockerfile}"
    );

    // The README's commands.
    let tests = go(&function, &["test", "-v", "./..."]);
    for case in [
        "sample_event",
        "null_query_parameters",
        "no_query_parameters",
        "empty_name",
    ] {
        assert!(
            tests.contains(&format!("--- PASS: TestHandler/{case} ")),
            "{tests}"
        );
    }
    go(&function, &["vet", "./..."]);
    let unformatted = run(Command::new("gofmt")
        .args(["-l", "."])
        .current_dir(&function));
    assert_eq!(unformatted, "", "gofmt -l lists files that need formatting");
    // go.mod and go.sum as `go mod tidy` would leave them: nothing missing, nothing unused.
    go(&function, &["mod", "tidy", "-diff"]);
    println!("Go project tested in {:.1?}", started.elapsed());
}

/// The Dockerfile's build stage run once (both base kinds build the same binary the same
/// way, checked here), then each base's final stage laid out under its own root and started
/// as that stage says, answering every event in `events/` and rejecting a malformed one.
#[test]
fn built_binary_answers_its_events_on_both_bases() {
    if !support::require_tool("go", "builds the generated Go projects")
        || !support::require_tool("sh", "runs the Dockerfile's RUN lines")
    {
        return;
    }
    let started = Instant::now();
    // The same name for both, so both hold the same Go code (checked for every combination
    // above) and one build serves both images.
    let (_aws_out, aws) = support::generate(&["my-fn", "--runtime", "go", "--base", "aws"]);
    let (_out, project) = support::generate(&["my-fn", "--runtime", "go", "--base", "alternative"]);
    let function = project.join("function");
    let (build, _) = stages(&fs::read_to_string(function.join("Dockerfile")).unwrap());
    let (aws_build, _) = stages(&fs::read_to_string(aws.join("function/Dockerfile")).unwrap());
    assert_eq!(aws_build, build, "both bases build the binary alike");

    // The build stage's RUN lines, as written, for this machine's platform: the stage runs on
    // the image's platform, which here is this machine's (the default architecture).
    for line in &build.runs {
        run(Command::new("sh").args(["-c", line]).current_dir(&function));
    }
    let build_dir = build.workdir.expect("the build stage sets WORKDIR");
    let binary = function.join(BINARY);
    assert_static_elf_for_this_machine(&fs::read(&binary).unwrap());
    println!("Go binary built in {:.1?}", started.elapsed());

    for project in [&aws, &project] {
        let base_started = Instant::now();
        let (_, last) = stages(&fs::read_to_string(project.join("function/Dockerfile")).unwrap());
        let image = Image::lay_out(&last, &project.join("rootfs"), |source| {
            let rest = source
                .strip_prefix(&format!("{build_dir}/"))
                .unwrap_or_else(|| panic!("{source} lies outside the build stage's WORKDIR"));
            function.join(rest)
        });
        let client = image.start();
        let mut events = event_files(project);
        events.push(("{}".into(), b"{}".to_vec(), "world".into()));
        let null = br#"{"queryStringParameters":null}"#.to_vec();
        events.push(("null query parameters".into(), null, "world".into()));
        for (what, payload, name) in &events {
            check_greeting(&client, what, &client.invoke(payload), name);
        }
        let log = client.log();
        assert!(
            log.contains("INFO greeting name=Lambda"),
            "one log line per request:\n{log}"
        );

        // aws-lambda-go decodes the event with encoding/json before the handler runs; a field
        // of the wrong type is reported to /error (not a crash) with the Go error's type name
        // in the body, and the loop goes on to the next event. It sends no
        // Lambda-Runtime-Function-Error-Type header there (only as a trailer of streamed
        // responses), so Lambda, like the emulator, reports `Unhandled`.
        let outcome = client.invoke(br#"{"queryStringParameters": 5}"#);
        let Outcome::Error { error_type, body } = &outcome else {
            panic!("a malformed event was answered: {outcome:?}\n{log}")
        };
        assert_eq!(error_type, "Unhandled", "{outcome:?}");
        assert_eq!(body["errorType"], "UnmarshalTypeError", "{body}");
        let message = body["errorMessage"].as_str().unwrap_or_default();
        assert!(message.contains("queryStringParameters"), "{body}");
        let (what, payload, name) = &events[0];
        check_greeting(&client, what, &client.invoke(payload), name);
        assert!(client.api.init_error().is_none());
        println!(
            "Go image from {}: events answered in {:.1?}",
            last.from,
            base_started.elapsed()
        );
    }
    println!("Go binary built and invoked in {:.1?}", started.elapsed());
}

/// Every file in the project's `events/`: (file name, payload, the name it greets).
fn event_files(project: &Path) -> Vec<(String, Vec<u8>, String)> {
    let mut paths: Vec<_> = fs::read_dir(project.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the project has sample events");
    paths
        .into_iter()
        .map(|path| {
            let payload = fs::read(&path).unwrap();
            let event: Value = serde_json::from_slice(&payload).unwrap();
            let name = event["queryStringParameters"]["name"]
                .as_str()
                .unwrap_or("world")
                .to_string();
            (path.display().to_string(), payload, name)
        })
        .collect()
}

/// A 200 answer with one header, Content-Type (any case) application/json, and the greeting.
fn check_greeting(client: &Client, what: &str, outcome: &Outcome, name: &str) {
    let Outcome::Response(body) = outcome else {
        panic!("{what}: {outcome:?}\n{}", client.log())
    };
    let answer: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(answer["statusCode"], 200, "{what}: {answer}");
    let headers = answer["headers"].as_object().expect("headers");
    assert!(
        headers.len() == 1
            && headers
                .iter()
                .all(|(k, v)| k.eq_ignore_ascii_case("content-type") && v == "application/json"),
        "{what}: {answer}"
    );
    let message: Value =
        serde_json::from_str(answer["body"].as_str().expect("a string body")).unwrap();
    assert_eq!(
        message,
        json!({"message": format!("Hello, {name}!")}),
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
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            fs::copy(build_path(source), &dest).unwrap();
        }
        fs::create_dir_all(image.host_path(&image.workdir)).unwrap();
        image
    }

    /// Stands in for the AWS base image's /lambda-entrypoint.sh: it requires exactly one
    /// argument, exports it as _HANDLER and execs /var/runtime/bootstrap (the real script
    /// runs that under its bundled emulator when AWS_LAMBDA_RUNTIME_API is unset).
    fn write_aws_entrypoint(&self) {
        use std::os::unix::fs::PermissionsExt;
        let script = self.host_path("/lambda-entrypoint.sh");
        let bootstrap = self.host_path("/var/runtime/bootstrap");
        fs::create_dir_all(&self.root).unwrap();
        fs::write(
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
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
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
        let output = fs::File::create(&log).unwrap();
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

/// The started image and its emulator; the process is killed when the test ends, passed
/// or not.
struct Client {
    child: Child,
    api: RuntimeApi,
    log: PathBuf,
}

impl Client {
    fn invoke(&self, payload: &[u8]) -> Outcome {
        self.api.invoke(payload, WAIT).unwrap_or_else(|_| {
            panic!(
                "no answer in {WAIT:?}; init error {:?}\n{}",
                self.api.init_error(),
                self.log()
            )
        })
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
