//! End to end for the Python family: generate a project, lay its image out the way its
//! Dockerfile says, and run it under AWS's Runtime Interface Emulator as Lambda would (see
//! tests/support/rie.rs: uid 65534, read-only file system but /tmp), sending it every event in
//! `events/`: api's project on every runtime, every other trigger's on the newest.
//!
//! Stand-ins: this machine's python3 is the image's interpreter (/usr/local/bin/python on the
//! alternative base, /var/lang/bin/python3 on the AWS one), whatever version the project
//! targets; on the AWS base image, whose own runtime (/var/runtime) is not published, the
//! open-source awslambdaric at the version the alternative base pins stands in for it.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde_json::json;
use support::dockerfile::{self, Stage};
use support::e2e;
use support::rie::{self, Base, Image};
use support::s3;

/// What the official python images (python:X-slim-trixie) bring.
const PYTHON_BASE: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[
        (
            "PATH",
            "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("LANG", "C.UTF-8"),
    ],
};

#[test]
fn aws_base_project_answers_its_events() {
    answers_its_events("aws");
}

#[test]
fn alternative_base_project_answers_its_events() {
    answers_its_events("alternative");
}

/// Every Python runtime of the catalog (deprecated ones too) on this machine's architecture.
fn answers_its_events(base: &str) {
    for combo in host_combos().filter(|c| base_arg(c) == base) {
        let started = std::time::Instant::now();
        answers_its_events_on(&combo.runtime, base);
        println!("{}: {:.1?}", combo.label(), started.elapsed());
    }
}

fn answers_its_events_on(runtime: &str, base: &str) {
    let Some((tmp, project)) = generate(runtime, base) else {
        return;
    };
    add_second_module(&support::function_folder(&project).join("function"));
    let image = build_image(
        &support::function_folder(&project).join("function"),
        tmp.path(),
        runtime,
    );

    let function = image.start();
    for (what, payload, name) in &e2e::event_files(&project) {
        function.assert_greets(what, payload, name);
    }
    drop(function);

    // A handler that raises: its error comes back as the invocation's answer.
    fs::write(
        image.path("/var/task/failing.py"),
        "def handler(event, context):\n    raise ValueError(\"boom\")\n",
    )
    .unwrap();
    let function = image.start_with(&["failing.handler".to_string()], &[]);
    function.assert_raises(
        "the failing handler",
        b"{}",
        ("ValueError", "boom"),
        "stackTrace",
        "failing.py",
    );
    drop(function);

    // Python ignores a bytecode cache it cannot write, so a read-only /var/task cannot show
    // the attempt: every module loaded from /var/task must come with its cache, or Python
    // must be told not to write one.
    fs::write(
        image.path("/var/task/probe.py"),
        "import os\nimport sys\n\nimport my_fn.handler  # noqa: F401\n\n\n\
         def handler(event, context):\n    \
             loaded = [m for m in list(sys.modules.values())\n              \
                 if (getattr(m, \"__file__\", None) or \"\").startswith(\"/var/task/\")]\n    \
             return [m.__name__ for m in loaded\n            \
                 if not sys.dont_write_bytecode and not os.path.exists(m.__cached__)]\n",
    )
    .unwrap();
    let function = image.start_with(&["probe.handler".to_string()], &[]);
    let uncached = function.invoke_json(b"{}");
    assert_eq!(
        uncached,
        json!([]),
        "would write bytecode caches into /var/task"
    );
}

/// A user's second source file, a module beside the handler that it imports, goes into the
/// image without a change to the Dockerfile.
fn add_second_module(function: &Path) {
    let package = function.join("my_fn");
    fs::write(
        package.join("greeting.py"),
        "def hello(name: str) -> str:\n    return f\"Hello, {name}!\"\n",
    )
    .unwrap();
    let handler = package.join("handler.py");
    let code = fs::read_to_string(&handler).unwrap();
    let patched = code
        .replacen(
            "from typing import Any, TypedDict\n",
            "from typing import Any, TypedDict\n\nfrom . import greeting\n",
            1,
        )
        .replacen("f\"Hello, {name}!\"", "greeting.hello(name)", 1);
    assert_eq!(patched.matches("greeting").count(), 2, "{code}");
    fs::write(handler, patched).unwrap();
}

#[test]
fn aws_base_triggers_answer_their_events() {
    triggers_answer_their_events("aws");
}

#[test]
fn alternative_base_triggers_answer_their_events() {
    triggers_answer_their_events("alternative");
}

/// Every trigger's project on the newest Python (api's on every runtime is above): each bundled
/// event gets what its trigger.yaml expects, with text logs and again with JSON logs, where
/// every line the function writes is a JSON document.
fn triggers_answer_their_events(base: &str) {
    for trigger in e2e::triggers() {
        let started = Instant::now();
        let Some((tmp, project)) = generate_for("python", base, &trigger) else {
            return;
        };
        let image = build_image(
            &support::function_folder(&project).join("function"),
            tmp.path(),
            "python",
        );
        let events = e2e::trigger_events(&project, &trigger);
        let Some(fake_s3) = s3::for_trigger(&trigger, &events) else {
            continue;
        };
        let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[]));
        for event in &events {
            function.assert_expected(event);
        }
        drop(function);

        let json = [("AWS_LAMBDA_LOG_FORMAT", "JSON")];
        let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &json));
        for event in &events {
            function.assert_expected(event);
        }
        let lines = function.function_lines();
        assert!(!lines.is_empty(), "{trigger} on {base}: the handler logs");
        for line in lines {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&line);
            assert!(parsed.is_ok(), "{trigger} on {base}: not JSON: {line}");
        }
        println!("{trigger} on {base}: {:.1?}", started.elapsed());
    }
}

/// Lambda's advanced logging controls reach the handler's logger: with JSON format and WARN
/// level no INFO line appears and every line is JSON; with INFO (the control the test needs to
/// be able to fail) the greeting is logged, as JSON; with neither, as text.
#[test]
fn logging_controls_are_honoured() {
    // Every runtime: each pins its own client (3.9 an older one) and runs its own Python.
    for combo in host_combos() {
        let (runtime, base) = (combo.runtime.as_str(), combo.label());
        let Some((tmp, project)) = generate(runtime, base_arg(&combo)) else {
            return;
        };
        let image = build_image(
            &support::function_folder(&project).join("function"),
            tmp.path(),
            runtime,
        );
        let events = e2e::event_files(&project);
        let run = |env: &[(&str, &str)]| {
            let function = image.start_with(&image.cmd, env);
            for (what, payload, name) in &events {
                function.assert_greets(what, payload, name);
            }
            function.function_lines()
        };
        let json_lines = |lines: &[String]| -> Vec<serde_json::Value> {
            let parse = |l: &String| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            lines.iter().map(parse).collect()
        };
        let json = [("AWS_LAMBDA_LOG_FORMAT", "JSON")];

        let warn = run(&[json[0], ("AWS_LAMBDA_LOG_LEVEL", "WARN")]);
        let levels: Vec<_> = json_lines(&warn)
            .iter()
            .map(|l| l["level"].clone())
            .collect();
        assert!(
            levels.iter().all(|l| l != "INFO" && l != "DEBUG"),
            "{base}: {warn:?}"
        );
        assert!(
            !warn.iter().any(|l| l.contains("Greeting")),
            "{base}: {warn:?}"
        );

        let info = json_lines(&run(&[json[0], ("AWS_LAMBDA_LOG_LEVEL", "INFO")]));
        let greetings = info.iter().filter(|l| {
            l["level"] == "INFO" && l["message"].as_str().unwrap_or("").starts_with("Greeting ")
        });
        assert_eq!(greetings.count(), events.len(), "{base}: {info:?}");

        let text = run(&[]);
        let greetings = text.iter().filter(|l| l.contains("Greeting "));
        assert_eq!(greetings.count(), events.len(), "{base}: {text:?}");
    }
}

/// The harness can fail: the function runs as uid 65534, /tmp is writable and nothing else is,
/// and a write elsewhere fails the invocation.
#[test]
fn the_function_may_write_only_to_tmp() {
    let Some((tmp, project)) = generate("python", "alternative") else {
        return;
    };
    let image = build_image(
        &support::function_folder(&project).join("function"),
        tmp.path(),
        "python",
    );
    fs::write(
        image.path("/var/task/writes.py"),
        "import os\n\n\n\
         def handler(event, context):\n    \
             with open(event[\"path\"], \"w\") as f:\n        \
                 f.write(\"x\")\n    \
             print(\"wrote\", event[\"path\"])\n    \
             return [os.getuid(), os.getgid(), os.getgroups()]\n",
    )
    .unwrap();
    let function = image.start_with(&["writes.handler".to_string()], &[]);
    let answer = function.invoke_json(br#"{"path": "/tmp/x"}"#);
    assert_eq!(answer, json!([65534, 65534, []]), "{}", function.output());
    for path in ["/var/task/x", "/x", "/etc/x", "/root/x", "/usr/local/bin/x"] {
        let error = function.invoke_json(format!(r#"{{"path": "{path}"}}"#).as_bytes());
        assert_eq!(error["errorType"], "OSError", "{path}: {error}");
        let message = error["errorMessage"].as_str().unwrap();
        assert!(
            message.contains("Read-only file system") || message.contains("Permission denied"),
            "{path}: {error}"
        );
    }
    assert!(!image.path("/var/task/x").exists());
    // What the function writes is captured, apart from the emulator's own lines: its print and
    // the client's log of each error.
    let lines = function.function_lines();
    assert_eq!(lines[0], "wrote /tmp/x", "{}", function.output());
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert!(
        lines[1..].iter().all(|l| l.starts_with("[ERROR] OSError")),
        "{lines:?}"
    );
}

/// Every Python runtime of the catalog (deprecated ones too), both bases, on this machine's
/// architecture.
fn host_combos() -> impl Iterator<Item = support::Combo> {
    let host = lambda_new::choices::Architecture::host();
    support::family_matrix("python")
        .into_iter()
        .filter(move |c| c.arch == host)
}

fn base_arg(combo: &support::Combo) -> &'static str {
    match combo.base {
        lambda_new::choices::BaseKind::Aws => "aws",
        lambda_new::choices::BaseKind::Alternative => "alternative",
    }
}

/// A project generated with `--runtime RUNTIME --base BASE`, when this machine can run it.
fn generate(runtime: &str, base: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    generate_for(runtime, base, support::DEFAULT_TRIGGER)
}

/// A project generated with `--runtime RUNTIME --base BASE --trigger TRIGGER`, when this
/// machine can run it.
fn generate_for(runtime: &str, base: &str, trigger: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    // pip3 on PATH says pip is installed; it is run as `python3 -m pip`, for that interpreter.
    if !support::require_tool("python3", "runs the generated handler")
        || !support::require_tool("pip3", "installs the generated requirements")
        || !rie::available()
    {
        return None;
    }
    // The default architecture is this machine's, so the host's wheels fit.
    Some(support::generate(&[
        "my-fn",
        "--runtime",
        runtime,
        "--base",
        base,
        "--trigger",
        trigger,
    ]))
}

/// Does what the Dockerfile in `context` does, on this machine, under `tmp/rootfs`, with the
/// stand-ins of the module docs for what the base image brings.
fn build_image(context: &Path, tmp: &Path, runtime: &str) -> Image {
    let stages = dockerfile::parse(&fs::read_to_string(context.join("Dockerfile")).unwrap());
    let last = stages.last().expect("a FROM");
    let aws = e2e::is_aws_base(last);
    let base = if aws { &rie::AWS_BASE } else { &PYTHON_BASE };
    let mut image = Image::new(last, &tmp.join("rootfs"), base);
    let python = interpreter(runtime);
    let ric_dir = if aws {
        image.write_aws_entrypoint();
        image.stand_in("/var/lang/bin/python3", &python);
        let bootstrap = image.path("/var/runtime/bootstrap");
        fs::create_dir_all(bootstrap.parent().unwrap()).unwrap();
        fs::write(
            &bootstrap,
            "#!/bin/sh\n\
             export PYTHONPATH=\"/var/runtime${PYTHONPATH:+:$PYTHONPATH}\"\n\
             exec /var/lang/bin/python3 -m awslambdaric \"$_HANDLER\"\n",
        )
        .unwrap();
        fs::set_permissions(&bootstrap, fs::Permissions::from_mode(0o755)).unwrap();
        "/var/runtime".to_string()
    } else {
        image.stand_in(&image.entrypoint[0].clone(), &python);
        pip_target(&stages)
    };

    // RUN: the dependencies, into the folder the Dockerfile installs them in (pip takes
    // seconds even with nothing to install, so only when something is listed).
    let requirements = context.join("requirements.txt");
    let listed = fs::read_to_string(&requirements).unwrap();
    if listed
        .lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let target = image.path(&pip_target(&stages));
        pip_install(
            &python,
            &target,
            &["--requirement", requirements.to_str().unwrap()],
        );
    }
    let version = ric_version(&stages, runtime);
    copy_dir(&ric(&python, &version), &image.path(&ric_dir));

    // COPY: the function's code. Every stage shares the root, so `--from` copies of a
    // folder onto itself have nothing to do.
    for copy in &last.copies {
        for source in &copy.sources {
            let (from, to) = match &copy.from {
                Some(_) => (image.path(source), image.path(&copy.dest)),
                None => (context.join(source), image.path(&copy.dest)),
            };
            if from == to {
                continue;
            }
            match (from.is_dir(), copy.dest.ends_with('/')) {
                (true, _) => copy_dir(&from, &to),
                (false, true) => copy_file(&from, &to.join(from.file_name().unwrap())),
                (false, false) => copy_file(&from, &to),
            }
        }
    }
    fs::create_dir_all(image.path(&image.workdir)).unwrap();
    image
}

/// The Python `runtime` ("python3.9", or "python": the newest) runs on: its own where this
/// machine has it, else this machine's python3.
fn interpreter(runtime: &str) -> PathBuf {
    let combos = support::family_matrix("python");
    let runtime = match runtime {
        "python" => &combos[0].runtime,
        runtime => runtime,
    };
    let version = runtime.strip_prefix("python").unwrap();
    support::python::interpreter_or_host(version, runtime)
}

#[test]
fn dockerfile_reader_reads_what_the_tests_run() {
    let stages = dockerfile::parse(
        r#"# syntax=docker/dockerfile:1
FROM --platform=linux/amd64 python:3 AS build
RUN pip install \
    # a comment inside a continuation
    a==1
FROM python:3-slim
ENV A=1 \
    B="two words"
ENV LEGACY some value
WORKDIR /w
COPY --from=build /x /x
COPY a/ b /dest/
ENTRYPOINT ["/bin/run", "-m"]
CMD handler arg
"#,
    );
    let [build, last] = stages.as_slice() else {
        panic!("two stages: {stages:?}")
    };
    assert_eq!(
        (build.from.as_str(), &build.runs),
        ("python:3", &strings(&["pip install a==1"]))
    );
    assert_eq!(last.from, "python:3-slim");
    let env = [("A", "1"), ("B", "two words"), ("LEGACY", "some value")];
    assert_eq!(last.env, env.map(|(k, v)| (k.to_string(), v.to_string())));
    assert_eq!(last.workdir.as_deref(), Some("/w"));
    assert_eq!(last.copies[0].from.as_deref(), Some("build"));
    assert_eq!(
        (&last.copies[1].sources, last.copies[1].dest.as_str()),
        (&strings(&["a/", "b"]), "/dest/")
    );
    assert_eq!(last.entrypoint, Some(strings(&["/bin/run", "-m"])));
    assert_eq!(last.cmd, Some(strings(&["/bin/sh", "-c", "handler arg"])));
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The `--target` of the Dockerfile's `pip install`: where the dependencies go.
fn pip_target(stages: &[Stage]) -> String {
    let run = stages
        .iter()
        .flat_map(|s| &s.runs)
        .find(|r| r.contains("pip install"))
        .expect("a RUN pip install");
    let words: Vec<&str> = run.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "--target")
        .unwrap_or_else(|| panic!("no --target in {run}"));
    words[at + 1].to_string()
}

/// The awslambdaric version the Dockerfile pins or, for a Dockerfile without the client (the
/// AWS base image has its own), the version the alternative-base Dockerfile of `runtime` pins.
fn ric_version(stages: &[Stage], runtime: &str) -> String {
    let mut words = stages
        .iter()
        .flat_map(|s| &s.runs)
        .flat_map(|r| r.split_whitespace());
    if let Some(version) = words.find_map(|w| w.strip_prefix("awslambdaric==")) {
        return version.to_string();
    }
    let (_tmp, project) =
        support::generate(&["pin", "--runtime", runtime, "--base", "alternative"]);
    let dockerfile =
        fs::read_to_string(support::function_folder(&project).join("function/Dockerfile")).unwrap();
    ric_version(&dockerfile::parse(&dockerfile), runtime)
}

/// awslambdaric `version` installed once per machine and interpreter version under target/tmp.
fn ric(python: &Path, version: &str) -> PathBuf {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
    let python_tag = Command::new(python)
        .args(["-c", "import sys; print(sys.implementation.cache_tag)"])
        .output()
        .unwrap();
    let tag = String::from_utf8(python_tag.stdout).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("awslambdaric-{version}-{}", tag.trim()));
    if !dir.exists() {
        // Installed aside and renamed, so an interrupted run leaves no half-installed cache.
        let partial = PathBuf::from(format!("{}.partial", dir.display()));
        let _ = fs::remove_dir_all(&partial);
        pip_install(python, &partial, &[&format!("awslambdaric=={version}")]);
        fs::rename(&partial, &dir).unwrap();
    }
    dir
}

fn pip_install(python: &Path, target: &Path, args: &[&str]) {
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(target)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "pip install {args:?} failed:\n{stderr}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            copy_file(&path, &dest);
        }
    }
}

fn copy_file(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), to.display()));
}
