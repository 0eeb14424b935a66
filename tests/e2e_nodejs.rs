//! End to end for the Node.js family, under AWS's Runtime Interface Emulator (tests/support/rie.rs):
//! generate a project, add a second source module the handler imports (the Dockerfile must carry
//! it without edits), replay its Dockerfile on this machine (every stage's WORKDIR, COPY and RUN
//! in order: the build stage under one root, the final stage under the image's), run ENTRYPOINT +
//! CMD under the emulator as an unprivileged user on a read-only file system, and check every
//! event in `events/`, a failing handler's error, and Lambda's logging controls. Every other
//! trigger's project, in both languages on the newest runtime, answers each of its bundled
//! events as its trigger.yaml expects.
//!
//! Stand-ins, because this machine (and CI) has Node.js 20 only and nodejs.org is out of reach:
//! - the image's node (`/usr/local/bin/node`, `/var/lang/bin/node` on the AWS base) is the
//!   host's Node.js 20, whatever runtime the project targets;
//! - aws-lambda-ric 4.x needs Node.js 22 or newer, so projects that pin it (nodejs22.x and
//!   newer) run aws-lambda-ric 3.3.0 instead, behind a shim at 4.x's entry point (`index.mjs`)
//!   that keeps 4.x's contract: the handler comes from `_HANDLER` and the code from
//!   `LAMBDA_TASK_ROOT`, the arguments are ignored. 3.3.0 itself takes the handler from its
//!   first argument and the code from the working directory. The nodejs20.x (and nodejs18.x)
//!   alternative-base projects pin 3.3.0 and run exactly as generated;
//! - the AWS base image brings its own runtime in /var/runtime, started by its bootstrap: the
//!   open-source client stands in for it there, so the handler string, the files and the logging
//!   behaviour of the client are proven, not the image's own runtime. Both implement Lambda's
//!   advanced logging controls by patching `console`.
//!
//! aws-lambda-ric compiles native code (curl, aws-lambda-cpp, a node-gyp addon: autoconf,
//! automake, libtool, cmake, make, g++, python3) for minutes, so it is built once per machine
//! and client version under target/tmp and hard-linked into each image. Its node-gyp (9.4)
//! would download Node's headers from nodejs.org; `npm_config_nodedir` points it at the
//! headers the host's Node.js installed (`<prefix>/include/node`) instead.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use lambda_new::choices::{Architecture, BaseKind};
use serde_json::Value;
use support::dockerfile::{self, Copy, Step};
use support::e2e::{event_files, is_aws_base, trigger_events, triggers};
use support::rie::{self, AWS_BASE, Base, Image, Rie};
use support::s3;

/// The newest aws-lambda-ric that runs on Node.js 20 (4.x needs Node.js 22).
const STAND_IN_RIC: &str = "3.3.0";

/// The official node images set no ENTRYPOINT that matters here (the Dockerfile sets its own)
/// and work in /.
const NODE_IMAGE: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[],
};

#[test]
fn aws_base_javascript_projects_run_under_the_emulator() {
    runs_under_the_emulator(BaseKind::Aws, "javascript");
}

#[test]
fn aws_base_typescript_projects_run_under_the_emulator() {
    runs_under_the_emulator(BaseKind::Aws, "typescript");
}

#[test]
fn alternative_base_javascript_projects_run_under_the_emulator() {
    runs_under_the_emulator(BaseKind::Alternative, "javascript");
}

#[test]
fn alternative_base_typescript_projects_run_under_the_emulator() {
    runs_under_the_emulator(BaseKind::Alternative, "typescript");
}

#[test]
fn aws_base_triggers_run_under_the_emulator() {
    triggers_run_under_the_emulator(BaseKind::Aws);
}

#[test]
fn alternative_base_triggers_run_under_the_emulator() {
    triggers_run_under_the_emulator(BaseKind::Alternative);
}

/// Every trigger but api (which the tests above run on every runtime), in both languages, on
/// the newest runtime and this machine's architecture: each bundled event gets the answer,
/// the failure or the log lines its trigger.yaml expects, in text and in JSON logs.
fn triggers_run_under_the_emulator(base: BaseKind) {
    if !support::require_tool("node", "runs the generated handler")
        || !support::require_tool("npm", "installs the dependencies and the client")
        || !rie::available()
    {
        return;
    }
    let combos = support::family_matrix("nodejs");
    let newest = combos[0].runtime.clone();
    for combo in combos
        .iter()
        .filter(|c| c.base == base && c.arch == Architecture::host() && c.runtime == newest)
    {
        for trigger in triggers() {
            if trigger == support::DEFAULT_TRIGGER {
                continue;
            }
            let started = Instant::now();
            let combo = combo.with_trigger(&trigger);
            let mut args = vec!["my-fn".to_string()];
            args.extend(combo.args());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (tmp, project) = support::generate(&args);
            let Some(built) = Built::build(
                &support::function_folder(&project).join("function"),
                tmp.path(),
            ) else {
                return; // a build tool is missing: skipped (require_tool said why)
            };
            let events = trigger_events(&project, &trigger);
            let Some(fake_s3) = s3::for_trigger(&trigger, &events) else {
                continue;
            };
            let rie = built
                .image
                .start_with(&built.image.cmd, &s3::env(&fake_s3, &[]));
            for event in &events {
                rie.assert_expected(event);
            }
            drop(rie);
            // The handler logs through the runtime's console: with JSON logs every line it
            // writes is a JSON record, and the expected texts are in them.
            let json = [("AWS_LAMBDA_LOG_FORMAT", "JSON")];
            let rie = built
                .image
                .start_with(&built.image.cmd, &s3::env(&fake_s3, &json));
            for event in &events {
                rie.assert_expected(event);
            }
            built.json_lines(&rie, &combo.label());
            eprintln!(
                "{}: its events ran under aws-lambda-rie in {:.1?}",
                combo.label(),
                started.elapsed()
            );
        }
    }
}

/// Every Node.js runtime of the catalog (deprecated ones too), on this machine's architecture.
fn runs_under_the_emulator(base: BaseKind, language: &str) {
    if !support::require_tool("node", "runs the generated handler")
        || !support::require_tool("npm", "installs the dependencies and the client")
        || !rie::available()
    {
        return;
    }
    let combos: Vec<_> = support::family_matrix("nodejs")
        .into_iter()
        .filter(|c| {
            c.base == base
                && c.arch == Architecture::host()
                && c.options.get("language").map(String::as_str) == Some(language)
        })
        .collect();
    assert!(!combos.is_empty(), "the catalog has no Node.js {language}");
    for combo in combos {
        let started = Instant::now();
        let label = combo.label();
        let mut args = vec!["my-fn".to_string()];
        args.extend(combo.args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (tmp, project) = support::generate(&args);
        let function = support::function_folder(&project).join("function");
        add_second_module(&function, language);
        let Some(built) = Built::build(&function, tmp.path()) else {
            return; // a build tool is missing: skipped (require_tool said why)
        };

        let rie = built.image.start();
        for (what, payload, name) in &event_files(&project) {
            rie.assert_greets(&format!("{label}: {what}"), payload, name);
        }
        for event in trigger_events(&project, support::DEFAULT_TRIGGER) {
            rie.assert_expected(&event);
        }
        assert_logs_greeting(&rie, &label);
        drop(rie);
        check_logging_controls(&built, &project, &label);
        check_failure(&built, &label);
        eprintln!(
            "{label}: ran under aws-lambda-rie in {:.1?}{}",
            started.elapsed(),
            match &built.stand_in {
                Some(pinned) => {
                    format!(" (aws-lambda-ric {STAND_IN_RIC} standing in for {pinned})")
                }
                None => String::new(),
            }
        );
    }
}

/// What a user does first: moves the greeting into a module of its own under src/ that the
/// handler imports. The answers stay the same, so every later check also proves the module
/// reached the image.
fn add_second_module(function: &Path, language: &str) {
    let (extension, signature) = match language {
        "typescript" => ("ts", "(name: string): string"),
        _ => ("js", "(name)"),
    };
    fs::write(
        function.join(format!("src/greeting.{extension}")),
        format!("export const greeting = {signature} => `Hello, ${{name}}!`;\n"),
    )
    .unwrap();
    let handler = function.join(format!("src/index.{extension}"));
    let text = fs::read_to_string(&handler).unwrap();
    let body = "message: `Hello, ${name}!`";
    assert!(text.contains(body), "{}: {text}", handler.display());
    let text = format!(
        "import {{ greeting }} from './greeting.js';\n{}",
        text.replace(body, "message: greeting(name)")
    );
    fs::write(&handler, text).unwrap();
}

/// The default logging (text, every level): the handler's `console.info` line reaches the log.
fn assert_logs_greeting(rie: &Rie, label: &str) {
    let lines = rie.function_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("INFO") && l.contains("Greeting Lambda")),
        "{label}: no INFO line greeting Lambda in the function's output:\n{}",
        rie.output()
    );
}

/// Lambda's advanced logging controls: JSON format at level INFO logs the greeting as a JSON
/// record; at level WARN nothing of INFO appears. Every line the function writes is JSON.
fn check_logging_controls(built: &Built, project: &Path, label: &str) {
    let image = &built.image;
    let payload = fs::read(support::function_folder(project).join("events/event.json")).unwrap();
    for (level, greets) in [("INFO", true), ("WARN", false)] {
        let env = [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", level),
        ];
        let rie = image.start_with(&image.cmd, &env);
        rie.assert_greets(
            &format!("{label}: JSON logs at {level}"),
            &payload,
            "Lambda",
        );
        let records = built.json_lines(&rie, label);
        let greetings: Vec<_> = records
            .iter()
            .filter(|r| r["message"] == "Greeting Lambda")
            .collect();
        if greets {
            let [record] = greetings.as_slice() else {
                panic!("{label}: one JSON greeting at {level}:\n{}", rie.output())
            };
            assert_eq!(record["level"], "INFO", "{label}: {record}");
            assert!(record["requestId"].is_string(), "{label}: {record}");
        } else {
            assert!(
                greetings.is_empty() && records.iter().all(|r| r["level"] != "INFO"),
                "{label}: INFO logged at level {level}:\n{}",
                rie.output()
            );
        }
    }
}

/// A handler that throws: the emulator answers with its error, and the client logs it (as a
/// JSON record at level ERROR, with JSON logs at level WARN).
fn check_failure(built: &Built, label: &str) {
    let image = &built.image;
    let failing = image.path("/var/task/failing.mjs");
    fs::write(
        &failing,
        "export const handler = async () => {\n  throw new TypeError('boom');\n};\n",
    )
    .unwrap();
    let env = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
    ];
    let rie = image.start_with(&["failing.handler".to_string()], &env);
    // The Node.js clients name the stack `trace` (not `stackTrace`, as other languages').
    rie.assert_raises(
        &format!("{label}: the failing handler"),
        b"{}",
        ("TypeError", "boom"),
        "trace",
        "failing.mjs",
    );
    let records = built.json_lines(&rie, label);
    assert!(
        records
            .iter()
            .any(|r| r["level"] == "ERROR" && r.to_string().contains("boom")),
        "{label}: the error is not logged as a JSON ERROR record:\n{}",
        rie.output()
    );
    fs::remove_file(failing).unwrap();
}

#[test]
fn instructions_keep_their_order_per_stage() {
    let stages = dockerfile::instructions(
        "# syntax=docker/dockerfile:1\nFROM a AS build\nWORKDIR /x\nRUN one \\\n  # note\n  two\n\
         COPY --from=b s /d/\nWORKDIR /y\nFROM c\nCMD [\"h\"]\n",
    );
    let [build, last] = stages.as_slice() else {
        panic!("two stages: {stages:?}")
    };
    let [
        Step::Workdir(x),
        Step::Run(run),
        Step::Copy(copy),
        Step::Workdir(y),
    ] = build.as_slice()
    else {
        panic!("{build:?}")
    };
    assert_eq!(
        (x.as_str(), run.as_str(), y.as_str()),
        ("/x", "one two", "/y")
    );
    assert_eq!(
        (copy.from.as_deref(), copy.dest.as_str()),
        (Some("b"), "/d/")
    );
    assert!(matches!(last.as_slice(), [Step::Other]), "{last:?}");
}

/// A generated Dockerfile replayed on this machine: the build stages under one root, the final
/// stage under the image's; and the client version standing in for the one it pins, if any.
struct Built {
    /// The build stages' file system: image path `/x` is `build_root/x`.
    build_root: PathBuf,
    image: Image,
    /// The aws-lambda-ric version the Dockerfile pins, when another one stands in for it.
    stand_in: Option<String>,
    /// The aws-lambda-ric version that runs.
    running: String,
}

impl Built {
    /// Does what the Dockerfile in `context` does, on this machine, under `tmp`; `None` when a
    /// tool it needs is missing (and the test is skipped).
    fn build(context: &Path, tmp: &Path) -> Option<Built> {
        let text = fs::read_to_string(context.join("Dockerfile")).unwrap();
        let stages = dockerfile::parse(&text);
        let last = stages.last().expect("a FROM");
        let aws = is_aws_base(last);
        let base = if aws { &AWS_BASE } else { &NODE_IMAGE };
        let mut image = Image::new(last, &tmp.join("image"), base);
        let node = support::which("node").expect("node is on PATH");
        if !aws {
            image.stand_in("/usr/local/bin/node", &node);
        }
        let mut built = Built {
            build_root: tmp.join("build"),
            image,
            stand_in: None,
            running: String::new(),
        };
        if aws {
            built.lay_out_aws_runtime(context, &node)?;
        }

        let steps = dockerfile::instructions(&text);
        for (index, (stage, steps)) in stages.iter().zip(steps).enumerate() {
            let root = match index + 1 == stages.len() {
                true => built.image.root.clone(),
                false => built.build_root.clone(),
            };
            // The AWS base images work in /var/task; Docker's default is /.
            let mut workdir = match is_aws_base(stage) {
                true => "/var/task".to_string(),
                false => "/".to_string(),
            };
            let mut apt_packages = Vec::new();
            for step in steps {
                match step {
                    Step::Workdir(dir) => {
                        workdir = absolute(&workdir, &dir);
                        fs::create_dir_all(under(&root, &workdir)).unwrap();
                    }
                    Step::Copy(copy) => built.copy(context, &root, &workdir, &copy),
                    Step::Run(run) => {
                        for command in run.split("&&") {
                            built.run(&root, command, &workdir, &mut apt_packages)?;
                        }
                    }
                    Step::Other => {}
                }
            }
        }
        Some(built)
    }

    /// What the AWS base image brings: its Node.js at /var/lang/bin/node, and its runtime in
    /// /var/runtime started by /var/runtime/bootstrap (behind /lambda-entrypoint.sh, which
    /// exports CMD as `_HANDLER`). The open-source client, the version the alternative base
    /// pins (or its stand-in), takes the runtime's place, behind 4.x's contract.
    fn lay_out_aws_runtime(&mut self, context: &Path, node: &Path) -> Option<()> {
        self.image.stand_in("/var/lang/bin/node", node);
        self.image.write_aws_entrypoint();
        let pinned = ric_version(&alternative_dockerfile(context));
        let version = self.runnable(&pinned);
        let client = ric(&version, &[])?;
        let runtime = self.image.path("/var/runtime");
        copy_dir(&client.join("node_modules/aws-lambda-ric"), &runtime, true);
        for built_only in ["deps", "src"] {
            let _ = fs::remove_dir_all(runtime.join(built_only));
        }
        write_shim(&runtime);
        let bootstrap = runtime.join("bootstrap");
        fs::write(
            &bootstrap,
            "#!/bin/sh\n# Stand-in for the image's bootstrap: its Node.js runs its runtime.\n\
             exec /var/lang/bin/node /var/runtime/index.mjs\n",
        )
        .unwrap();
        fs::set_permissions(&bootstrap, fs::Permissions::from_mode(0o755)).unwrap();
        Some(())
    }

    /// The client version to run for `pinned`: itself, or the stand-in on a Node.js it
    /// does not support.
    fn runnable(&mut self, pinned: &str) -> String {
        let major: u32 = pinned.split('.').next().unwrap().parse().unwrap();
        self.running = if major >= 4 && node_major() < 22 {
            self.stand_in = Some(pinned.to_string());
            STAND_IN_RIC.to_string()
        } else {
            pinned.to_string()
        };
        self.running.clone()
    }

    /// Every line the function wrote, as JSON; panics on one that is not. aws-lambda-ric 3.x
    /// (only) prints `Executing 'HANDLER' in function directory 'DIR'` before it patches
    /// `console`, whatever the log format: that line is left out for it.
    fn json_lines(&self, rie: &Rie, label: &str) -> Vec<Value> {
        let banner = |line: &str| self.running.starts_with("3.") && line.starts_with("Executing '");
        rie.function_lines()
            .iter()
            .filter(|line| !banner(line))
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| {
                    panic!(
                        "{label}: a log line is not JSON ({e}): {line}\n{}",
                        rie.output()
                    )
                })
            })
            .collect()
    }

    /// COPY: from the build context, or (`--from`) from the build stages' root, into `root`.
    fn copy(&self, context: &Path, root: &Path, workdir: &str, copy: &Copy) {
        let dest = absolute(workdir, &copy.dest);
        for source in &copy.sources {
            let (from, to) = match &copy.from {
                Some(_) => (
                    under(&self.build_root, &absolute(workdir, source)),
                    under(root, &dest),
                ),
                None => (context.join(source), under(root, &dest)),
            };
            if from == to {
                continue;
            }
            // A folder's contents go into the destination; a file into a destination
            // ending in `/`, else to that name.
            match (from.is_dir(), dest.ends_with('/')) {
                (true, _) => copy_dir(&from, &to, false),
                (false, true) => copy_file(&from, &to.join(from.file_name().unwrap())),
                (false, false) => copy_file(&from, &to),
            }
        }
    }

    /// One `&&`-separated command of a RUN, in `workdir` under `root`, with image paths mapped.
    fn run(
        &mut self,
        root: &Path,
        command: &str,
        workdir: &str,
        apt_packages: &mut Vec<String>,
    ) -> Option<()> {
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            // The build tools: this machine must have them (checked when they are needed).
            ["apt-get", "install", rest @ ..] => {
                apt_packages.extend(
                    rest.iter()
                        .filter(|w| !w.starts_with('-'))
                        .map(|w| w.to_string()),
                );
            }
            ["apt-get", ..] => {}
            ["rm", rest @ ..] => {
                for path in rest.iter().filter(|w| !w.starts_with('-')) {
                    let path = absolute(workdir, path);
                    match path.strip_suffix("/*") {
                        Some(dir) => {
                            for entry in fs::read_dir(under(root, dir)).into_iter().flatten() {
                                remove(&entry.unwrap().path());
                            }
                        }
                        None => remove(&under(root, &path)),
                    }
                }
            }
            ["npm", "install", rest @ ..]
                if rest.iter().any(|w| w.starts_with("aws-lambda-ric@")) =>
            {
                // The client: built once per version into the cache, linked in here.
                let prefix = option_value(rest, "--prefix").expect("npm install --prefix DIR");
                let pinned = ric_version(command);
                let version = self.runnable(&pinned);
                let built = ric(&version, apt_packages)?;
                let prefix = under(root, &absolute(workdir, &prefix));
                copy_dir(&built, &prefix, true);
                if self.stand_in.is_some() {
                    write_shim(&prefix.join("node_modules/aws-lambda-ric"));
                }
            }
            ["npm", rest @ ..] => {
                // Every absolute path is the image's (e.g. `--cache /tmp/npm-cache`).
                let args: Vec<String> = rest
                    .iter()
                    .map(|w| match w.starts_with('/') {
                        true => under(root, w).to_string_lossy().into_owned(),
                        false => w.to_string(),
                    })
                    .collect();
                npm(&under(root, workdir), &args);
            }
            _ => panic!("RUN step `{command}` is not one this test knows how to run"),
        }
        Some(())
    }
}

/// Writes 4.x's entry point `index.mjs`, with 4.x's contract (handler from `_HANDLER`, code from
/// `LAMBDA_TASK_ROOT`, arguments ignored), over the 3.x client in `client`, which takes the
/// handler from its first argument and the code from the working directory.
fn write_shim(client: &Path) {
    let shim = client.join("index.mjs");
    let _ = fs::remove_file(&shim); // never write through a hard link into the cache
    fs::write(
        shim,
        "// Test stand-in: aws-lambda-ric 3.x behind 4.x's entry point and contract.\n\
         process.argv.splice(2, Infinity, process.env._HANDLER);\n\
         process.chdir(process.env.LAMBDA_TASK_ROOT);\n\
         await import('./bin/index.mjs');\n",
    )
    .unwrap();
}

/// Image path `path` (absolute) in the file system laid out under `root`.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The alternative-base Dockerfile for the same runtime and language as the project in
/// `context` (its FROM and tsconfig.json tell which), for the client version it pins.
fn alternative_dockerfile(context: &Path) -> String {
    // FROM public.ecr.aws/lambda/nodejs:20 is runtime nodejs20.x.
    let dockerfile = fs::read_to_string(context.join("Dockerfile")).unwrap();
    let stages = dockerfile::parse(&dockerfile);
    let from = &stages.last().unwrap().from;
    let major = from.rsplit(':').next().unwrap();
    let language = if context.join("tsconfig.json").exists() {
        "typescript"
    } else {
        "javascript"
    };
    let runtime = format!("nodejs{major}.x");
    let (_tmp, project) = support::generate(&[
        "pin",
        "--runtime",
        &runtime,
        "--base",
        "alternative",
        "--language",
        language,
    ]);
    fs::read_to_string(support::function_folder(&project).join("function/Dockerfile")).unwrap()
}

/// The aws-lambda-ric version `text` (a Dockerfile or a RUN command) installs.
fn ric_version(text: &str) -> String {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("aws-lambda-ric@"))
        .unwrap_or_else(|| panic!("no aws-lambda-ric@VERSION in {text}"))
        .to_string()
}

/// `npm install --prefix DIR aws-lambda-ric@VERSION` (as the alternative Dockerfiles run it),
/// done once per machine, client version, Node.js ABI and architecture under target/tmp, and
/// reused by later runs. `None` when a build tool (`apt_packages`, the Dockerfile's list) is
/// missing.
fn ric(version: &str, apt_packages: &[String]) -> Option<PathBuf> {
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
    let abi = node_eval("process.versions.modules + '-' + process.arch");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("aws-lambda-ric-{version}-node-abi{abi}"));
    if dir.exists() {
        return Some(dir);
    }
    // What the Dockerfile's build stage installs with apt, as the commands they provide.
    let mut tools = vec![
        "autoconf",
        "automake",
        "libtoolize",
        "cmake",
        "make",
        "g++",
        "python3",
    ];
    for package in apt_packages {
        tools.push(match package.as_str() {
            "libtool" => "libtoolize",
            "xz-utils" => "xz",
            other => other,
        });
    }
    tools.sort_unstable();
    tools.dedup();
    for tool in tools {
        if !support::require_tool(tool, "aws-lambda-ric compiles native code") {
            return None;
        }
    }
    let started = Instant::now();
    // Built aside and renamed, so an interrupted run leaves no half-built cache; the process
    // id keeps two test runs at once apart.
    let partial = PathBuf::from(format!("{}.partial-{}", dir.display(), std::process::id()));
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial).unwrap();
    npm(
        &partial,
        &[
            "install".to_string(),
            "--prefix".to_string(),
            partial.to_string_lossy().into_owned(),
            "--omit=dev".to_string(),
            format!("aws-lambda-ric@{version}"),
        ],
    );
    if fs::rename(&partial, &dir).is_err() {
        fs::remove_dir_all(&partial).unwrap(); // another run finished first
    }
    eprintln!(
        "built aws-lambda-ric {version} into {} in {:.1?}",
        dir.display(),
        started.elapsed()
    );
    Some(dir)
}

/// npm in `dir`, quietly; native builds find Node's headers where the host's Node.js put
/// them (node-gyp would download them from nodejs.org otherwise).
fn npm(dir: &Path, args: &[String]) {
    let mut command = Command::new("npm");
    command
        .args(args)
        .args(["--no-audit", "--no-fund", "--no-update-notifier"])
        .current_dir(dir);
    if let Some(nodedir) = node_headers() {
        command.env("npm_config_nodedir", nodedir);
    }
    support::run(&mut command);
}

/// The install prefix of the host's node if it has Node's headers (`include/node`), as
/// Node.js builds from nodejs.org and NodeSource's packages do.
fn node_headers() -> Option<PathBuf> {
    let node = fs::canonicalize(support::which("node")?).ok()?;
    let prefix = node.parent()?.parent()?;
    prefix
        .join("include/node/node_api.h")
        .exists()
        .then(|| prefix.to_path_buf())
}

fn node_major() -> u32 {
    node_eval("process.versions.node.split('.')[0]")
        .parse()
        .unwrap()
}

fn node_eval(expression: &str) -> String {
    let out = Command::new("node")
        .args(["-p", expression])
        .output()
        .unwrap();
    assert!(out.status.success(), "node -p {expression}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `path` resolved against `workdir`, as Docker does for WORKDIR, COPY and RUN.
fn absolute(workdir: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        let path = path.strip_prefix("./").unwrap_or(path);
        let path = if path == "." { "" } else { path };
        format!("{}/{path}", workdir.trim_end_matches('/'))
    }
}

fn option_value(words: &[&str], flag: &str) -> Option<String> {
    let at = words.iter().position(|w| *w == flag)?;
    words.get(at + 1).map(|w| w.to_string())
}

fn remove(path: &Path) {
    let _ = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
}

/// Copies (or, for the read-only client build, hard-links) `from`'s contents into `to`.
fn copy_dir(from: &Path, to: &Path, link: bool) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let path = entry.path();
        let dest = to.join(path.file_name().unwrap());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&path, &dest, link);
        } else if kind.is_symlink() {
            let target = fs::read_link(&path).unwrap();
            let _ = fs::remove_file(&dest);
            std::os::unix::fs::symlink(target, &dest).unwrap();
        } else if !(link && fs::hard_link(&path, &dest).is_ok()) {
            copy_file(&path, &dest);
        }
    }
}

fn copy_file(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), to.display()));
}
