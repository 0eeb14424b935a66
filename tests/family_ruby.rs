//! The Ruby family's generated projects, checked with the Ruby toolchain this machine can have.
//!
//! rubygems.org is out of reach here and in CI, so neither Bundler nor aws_lambda_ric can be
//! installed: no image's gems are installed and the real runtime interface client never runs.
//! What runs instead, on Debian's `ruby` (3.1, with its bundled minitest 5) and `rubocop`
//! (1.39), without Bundler:
//!
//! - each distinct variant of the sources: its Minitest suite, `ruby -wc`, RuboCop;
//! - each Dockerfile's final stage laid out from the build context as Docker would (its
//!   `.dockerignore` applied), with a second source file a user adds (`lib/greeting.rb`,
//!   required by app.rb), and the handler loaded from that layout the way aws_lambda_ric
//!   loads it, as an unprivileged user who can write nothing there, answering every bundled
//!   event, failing on a bad one, and logging as Lambda's advanced logging controls ask
//!   (`tests/fixtures/ruby_runtime_stand_in.rb` stands in for the client's Logger patch);
//! - the alternative base's entry script: it reads the handler and names no client version
//!   (Gemfile.lock pins it).
//!
//! Not proven here: that the Gemfile resolves, that the pinned minitest 6, rake and RuboCop
//! accept the code, that the build stages compile native gems, and that the real client and
//! the AWS base image's runtime start the function.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::BaseKind;
use serde_json::Value;
use support::build_context::BuildContext;

/// The files whose contents make a code variant (the Dockerfile and README do not).
const SOURCES: &[&str] = &[
    "function/app.rb",
    "function/test/app_test.rb",
    "function/Gemfile",
    "function/Rakefile",
    "function/lambda_entrypoint.rb",
];

/// The stand-in for aws_lambda_ric's handler loading and Logger patch.
const RUNTIME_STAND_IN: &str = include_str!("fixtures/ruby_runtime_stand_in.rb");

/// Writes the combination into `root/<label>` and returns the project directory.
fn write(combo: &support::Combo, root: &Path) -> PathBuf {
    let dir = root.join(combo.label());
    lambda_new::write::write(&support::render(combo, "my-fn"), &dir).expect("project written");
    dir
}

/// The Ruby sources of a project, concatenated: projects with equal keys test the same code.
fn variant_key(project: &Path) -> String {
    SOURCES
        .iter()
        .map(|file| std::fs::read_to_string(project.join(file)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\0")
}

#[test]
fn generated_ruby_tests_pass_and_code_is_clean() {
    if !support::require_tool("ruby", "runs the generated Minitest suites") {
        return;
    }
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let mut variants: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    for combo in support::family_combos("ruby") {
        let project = write(&combo, root.path());
        variants
            .entry(variant_key(&project))
            .or_insert((combo.label(), project));
    }
    assert!(variants.len() >= 2, "both bases' sources are tested");
    let rubocop = support::require_tool("rubocop", "lints the generated Ruby code");
    for (label, project) in variants.values() {
        let function = project.join("function");

        // The README's `rake test`, minus Bundler and rake: Minitest with warnings on.
        let output = support::run(
            Command::new("ruby")
                .args(["-w", "-Itest", "test/app_test.rb"])
                .current_dir(&function),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("4 runs, 6 assertions, 0 failures, 0 errors, 0 skips"),
            "{label}: unexpected Minitest summary:\n{stdout}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{label}: Ruby warned:\n{stderr}");
        // Exactly one log line per invocation (4 tests, 4 invocations).
        assert_eq!(
            stdout.matches("INFO -- : Greeting ").count(),
            4,
            "{label}:\n{stdout}"
        );

        let mut files = vec!["Gemfile".to_owned(), "Rakefile".to_owned()];
        for entry in walk(&function) {
            let relative = entry.strip_prefix(&function).unwrap().to_str().unwrap();
            if relative.ends_with(".rb") {
                files.push(relative.to_owned());
            }
        }
        for file in &files {
            let output = support::run(
                Command::new("ruby")
                    .args(["-wc", file])
                    .current_dir(&function),
            );
            assert!(
                output.stderr.is_empty(),
                "{label}: {file}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }

        if rubocop {
            // Debian's RuboCop knows Ruby versions up to 3.2 only: lint with the generated
            // settings, the target version lowered to the Ruby that runs the tests.
            let config = function.join(".rubocop-ci.yml");
            std::fs::write(
                &config,
                "inherit_from: .rubocop.yml\nAllCops:\n  TargetRubyVersion: 3.1\n",
            )
            .unwrap();
            support::run(
                Command::new("rubocop")
                    .args(["--config", ".rubocop-ci.yml", "--format", "simple"])
                    .current_dir(&function),
            );
            std::fs::remove_file(config).unwrap();
        }
    }
    println!(
        "ruby: {} code variant(s) tested in {:.1} s",
        variants.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Adds what a user adds: a second source file app.rb requires and uses. Also leaves what a
/// local `bundle install` leaves, which must stay out of the image.
fn add_user_files(function: &Path) {
    let lib = function.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(
        lib.join("greeting.rb"),
        "# frozen_string_literal: true\n\n\
         # The answer's message, in a file of its own.\n\
         module Greeting\n  def self.for(name)\n    \"Hello, #{name}!\"\n  end\nend\n",
    )
    .unwrap();
    let app = function.join("app.rb");
    let source = std::fs::read_to_string(&app).unwrap();
    let changed = source
        .replacen(
            "require 'logger'\n",
            "require 'logger'\nrequire_relative 'lib/greeting'\n",
            1,
        )
        .replacen("\"Hello, #{name}!\"", "Greeting.for(name)", 1);
    assert_ne!(changed, source, "app.rb changed as a user would");
    std::fs::write(app, changed).unwrap();
    for local in ["vendor/bundle/ruby/3.4.0/gems/local.rb", ".bundle/config"] {
        let path = function.join(local);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "local build output\n").unwrap();
    }
}

/// The final stage laid out under `root` (image path `/x` at `root/x`): the build context's
/// COPYs done as Docker does them. `COPY --from=build` brings the gems Bundler installed,
/// which cannot be installed here: their sources are checked, nothing is copied.
fn lay_out(function: &Path, root: &Path) -> support::dockerfile::Stage {
    let dockerfile = std::fs::read_to_string(function.join("Dockerfile")).unwrap();
    let last = support::dockerfile::parse(&dockerfile).pop().unwrap();
    let context = BuildContext::new(function);
    let workdir = last.workdir.clone().unwrap_or_else(|| "/var/task".into());
    for copy in &last.copies {
        match copy.from.as_deref() {
            Some("build") => assert!(
                copy.sources.iter().all(|s| s.starts_with("/var/task")),
                "{copy:?}"
            ),
            Some(other) => panic!("COPY --from={other}"),
            None => context.copy(copy, &workdir, root),
        }
    }
    last
}

/// What the stand-in runtime printed: the handler's log lines (stdout) and its answers.
struct Run {
    logs: Vec<String>,
    answers: Vec<Value>,
    errors: Vec<String>,
}

/// Runs the stand-in runtime over `events` in the laid-out `/var/task`, as uid and gid 65534
/// when this process is root (as in CI), with only `env` besides PATH and _HANDLER.
fn invoke(root: &Path, handler: &str, events: &[PathBuf], env: &[(&str, &str)]) -> Run {
    let stand_in = root.join("stand-in-runtime.rb");
    std::fs::write(&stand_in, RUNTIME_STAND_IN).unwrap();
    let mut command = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "ruby",
        ]);
        c
    } else {
        Command::new("ruby")
    };
    command
        .arg(&stand_in)
        .args(events)
        .current_dir(root.join("var/task"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", "/nonexistent")
        .env("_HANDLER", handler)
        .envs(env.iter().copied());
    let output = support::run(&mut command);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for line in stderr.lines() {
        if let Some(json) = line.strip_prefix("ANSWER ") {
            answers.push(serde_json::from_str(json).unwrap());
        } else if let Some(error) = line.strip_prefix("ERROR ") {
            errors.push(error.to_owned());
        } else {
            panic!("unexpected output: {line}\n{stderr}");
        }
    }
    Run {
        logs: stdout.lines().map(str::to_owned).collect(),
        answers,
        errors,
    }
}

/// Makes `dir` and everything under it readable (not writable) by everyone.
fn open_for_reading(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
}

#[test]
fn laid_out_image_runs_the_handler_with_a_second_file_and_lambdas_logging() {
    if !support::require_tool("ruby", "loads the handler from the laid-out image") {
        return;
    }
    if unsafe { libc::geteuid() } == 0
        && !support::require_tool("setpriv", "runs the handler as an unprivileged user")
    {
        return;
    }
    for combo in support::family_combos("ruby") {
        let label = combo.label();
        let dir = tempfile::tempdir().unwrap();
        let project = write(&combo, dir.path());
        let function = project.join("function");
        add_user_files(&function);
        let root = dir.path().join("image");
        let last = lay_out(&function, &root);
        let task = root.join("var/task");

        // The code tree went in; tests, tool settings and local build output did not.
        for kept in ["app.rb", "lib/greeting.rb", "Gemfile"] {
            assert!(
                task.join(kept).is_file(),
                "{label}: {kept} is not in the image"
            );
        }
        for left in ["test", "vendor", ".bundle", "Dockerfile", ".rubocop.yml"] {
            assert!(!task.join(left).exists(), "{label}: {left} is in the image");
        }
        if combo.base == BaseKind::Alternative {
            let entrypoint = last.entrypoint.clone().expect("ENTRYPOINT");
            assert_eq!(entrypoint[0], "/usr/local/bin/ruby", "{label}");
            let script = entrypoint[1].strip_prefix('/').unwrap();
            assert!(root.join(script).is_file(), "{label}: no {script}");
        }

        let mut events: Vec<PathBuf> = walk(&project.join("events"));
        let bad = dir.path().join("not-an-object.json");
        std::fs::write(&bad, "\"not an object\"").unwrap();
        events.push(bad);
        open_for_reading(dir.path());
        let handler = &last.cmd.clone().expect("CMD")[0];

        // Lambda's defaults: text logs, one INFO line an invocation.
        let run = invoke(&root, handler, &events, &[]);
        assert_eq!(
            run.answers.len(),
            events.len() - 1,
            "{label}: {:?}",
            run.errors
        );
        for answer in &run.answers {
            assert_eq!(answer["statusCode"], 200, "{label}: {answer}");
            let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["message"], "Hello, Lambda!", "{label}: {answer}");
        }
        let [error] = &run.errors[..] else {
            panic!("{label}: the bad event did not fail: {:?}", run.errors)
        };
        assert!(error.starts_with("NoMethodError: "), "{label}: {error}");
        assert_eq!(run.logs.len(), events.len() - 1, "{label}: {:?}", run.logs);
        assert!(
            run.logs.iter().all(|l| l.contains(" INFO -- : Greeting ")),
            "{label}: {:?}",
            run.logs
        );

        // JSON at INFO: every line a JSON object with Lambda's keys.
        let json_info = [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ];
        let run = invoke(&root, handler, &events[..1], &json_info);
        let [line] = &run.logs[..] else {
            panic!("{label}: {:?}", run.logs)
        };
        let line: Value = serde_json::from_str(line).expect("a JSON log line");
        assert_eq!(
            (&line["level"], &line["message"]),
            (&"INFO".into(), &"Greeting Lambda".into()),
            "{label}: {line}"
        );
        assert!(line["requestId"].is_string() && line["timestamp"].is_string());

        // JSON at WARN: no INFO line at all, and what is written is JSON.
        let json_warn = [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
        ];
        let run = invoke(&root, handler, &events, &json_warn);
        assert_eq!(run.answers.len(), events.len() - 1, "{label}");
        assert!(
            run.logs
                .iter()
                .all(|l| { serde_json::from_str::<Value>(l).is_ok_and(|v| v["level"] != "INFO") }),
            "{label}: {:?}",
            run.logs
        );
        assert!(run.logs.is_empty(), "{label}: {:?}", run.logs);
    }
}

#[test]
fn alternative_entry_point_takes_the_handler_and_leaves_the_version_to_the_lock() {
    if !support::require_tool("ruby", "runs the generated entry script") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    for combo in support::family_combos("ruby") {
        let label = combo.label();
        let function = write(&combo, root.path()).join("function");
        let dockerfile = std::fs::read_to_string(function.join("Dockerfile")).unwrap();
        let gemfile = std::fs::read_to_string(function.join("Gemfile")).unwrap();
        // The client's version is written once, in the Gemfile (Bundler pins it in the lock);
        // nothing installs it outside Bundler.
        assert!(!dockerfile.contains("gem install"), "{label}");
        let requirement = gemfile
            .lines()
            .filter(|l| l.starts_with("gem 'aws_lambda_ric'"));
        match combo.base {
            BaseKind::Aws => {
                assert_eq!(
                    requirement.count(),
                    0,
                    "{label}: the AWS image brings its own"
                );
                assert!(!function.join("lambda_entrypoint.rb").exists(), "{label}");
                continue;
            }
            BaseKind::Alternative => assert_eq!(requirement.count(), 1, "{label}"),
        }
        let script = std::fs::read_to_string(function.join("lambda_entrypoint.rb")).unwrap();
        let versioned = script
            .as_bytes()
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit());
        assert!(
            !versioned,
            "{label}: the entry script names a version:\n{script}"
        );
        assert!(script.contains("Gem.bin_path('aws_lambda_ric', 'aws_lambda_ric')"));
        // Without the handler it stops with a usage line, before loading anything.
        let output = Command::new("ruby")
            .arg("lambda_entrypoint.rb")
            .current_dir(&function)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{label}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage: ruby "),
            "{label}: {output:?}"
        );
    }
}
