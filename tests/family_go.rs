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
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lambda_new::choices::BaseKind;
use support::dockerfile::{self, Stage};
use support::e2e::{self, Image};

/// Generous: the binary starts in milliseconds, but CI machines are slow.
const WAIT: Duration = Duration::from_secs(30);
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
    for combo in support::family_matrix("go") {
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
        let client = image.start(WAIT);
        let mut events = e2e::event_files(project);
        events.push(("{}".into(), b"{}".to_vec(), "world".into()));
        let null = br#"{"queryStringParameters":null}"#.to_vec();
        events.push(("null query parameters".into(), null, "world".into()));
        for (what, payload, name) in &events {
            client.assert_greets(what, payload, name);
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
        let (error_type, body) =
            client.assert_error("a malformed event", br#"{"queryStringParameters": 5}"#);
        assert_eq!(error_type, "Unhandled", "{body}");
        assert_eq!(body["errorType"], "UnmarshalTypeError", "{body}");
        let message = body["errorMessage"].as_str().unwrap_or_default();
        assert!(message.contains("queryStringParameters"), "{body}");
        let (what, payload, name) = &events[0];
        client.assert_greets(what, payload, name);
        assert!(client.api.init_error().is_none());
        println!(
            "Go image from {}: events answered in {:.1?}",
            last.from,
            base_started.elapsed()
        );
    }
    println!("Go binary built and invoked in {:.1?}", started.elapsed());
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
