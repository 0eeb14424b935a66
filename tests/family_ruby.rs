//! The Ruby family's generated projects, checked with the Ruby toolchain this machine can have.
//!
//! rubygems.org is out of reach here and in CI, so no real gem can be installed (not
//! aws_lambda_ric, not the pinned minitest, rake or RuboCop), and the AWS base image's runtime
//! is not published: no real Ruby runtime client ever starts a function here. What runs
//! instead, on Debian's `ruby` (3.1, with its bundled minitest 5), `rubocop` (1.39) and Bundler:
//!
//! - each distinct variant of the sources (every runtime and base for the `api` trigger, the
//!   newest runtime on both bases for every trigger): its Minitest suite, which replays every
//!   bundled event, `ruby -wc`, RuboCop;
//! - every trigger's image on the newest runtime, both bases, under the emulator as below:
//!   each bundled event answered as its trigger.yaml expects (answer, HTTP answer, failure,
//!   log lines);
//! - each Dockerfile's final stage laid out from the build context as Docker would (its
//!   `.dockerignore` applied), with a second source file a user adds (`lib/greeting.rb`,
//!   required by app.rb), run under AWS's Runtime Interface Emulator as Lambda runs it
//!   (tests/support/rie.rs: uid 65534, read-only root, tmpfs /tmp) with a stand-in runtime
//!   client (`tests/fixtures/ruby_runtime_stand_in.rb`: the Runtime API loop, the client's way
//!   of loading the handler, and its Logger patch for Lambda's log format and level): every
//!   bundled event answered, a bad one failing, and JSON at WARN logging no INFO line. On the
//!   alternative base the image's own ENTRYPOINT runs: its entry script, Bundler with the
//!   image's settings, and the client gem Bundler installed from the generated Gemfile (the
//!   gems are stand-ins, the client's executable the stand-in client);
//! - the alternative base's entry script: it reads the handler and names no client version
//!   (Gemfile.lock pins it).
//!
//! The s3 trigger's handler and tests require aws-sdk-s3, which runs as Debian's
//! (.ci/install/ruby-aws-sdk-s3.sh): in its Minitest suite, and under the emulator (both bases)
//! with moto standing in for S3 (tests/support/s3.rs). That version predates
//! `AWS_ENDPOINT_URL`, so there the test loads it through a file of its own that sets the
//! endpoint the variable names (`debian_s3_sdk`).
//!
//! Not proven here: that the Gemfile resolves against the real gems, that the pinned
//! minitest 6, rake and RuboCop accept the code, that the build stages compile native gems, and
//! that the real client, its Logger patch and the AWS base image's runtime start the function
//! as the stand-in does.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use std::os::unix::fs::PermissionsExt;

use lambda_new::choices::BaseKind;
use serde_json::Value;
use support::build_context::BuildContext;
use support::dockerfile::Stage;
use support::e2e;
use support::rie::{self, Base, Image};
use support::s3;

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

/// Every trigger's project on the newest runtime, on both bases (x86_64): the full runtime
/// matrix is for `api` only (`support::family_combos`).
fn trigger_combos() -> Vec<support::Combo> {
    let combos = support::family_combos("ruby");
    let newest = combos[0].runtime.clone();
    let newest: Vec<_> = combos.iter().filter(|c| c.runtime == newest).collect();
    e2e::triggers()
        .iter()
        .flat_map(|trigger| newest.iter().map(|combo| combo.with_trigger(trigger)))
        .collect()
}

/// The file names of `trigger`'s bundled events.
fn event_files(trigger: &str) -> Vec<String> {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let trigger = catalog.trigger(trigger).unwrap();
    trigger.events.iter().map(|e| e.file.clone()).collect()
}

/// The counts of a Minitest summary line (runs, assertions, failures, errors, skips).
fn minitest_summary(stdout: &str) -> Option<[u64; 5]> {
    let line = stdout.lines().find(|l| l.ends_with(" skips"))?;
    let counts: Vec<u64> = line
        .split(", ")
        .map(|part| part.split(' ').next()?.parse().ok())
        .collect::<Option<_>>()?;
    counts.try_into().ok()
}

/// The Ruby sources of a project, concatenated: projects with equal keys test the same code.
fn variant_key(project: &Path) -> String {
    SOURCES
        .iter()
        .map(|file| {
            std::fs::read_to_string(support::function_folder(project).join(file))
                .unwrap_or_default()
        })
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
    let mut variants: BTreeMap<String, (String, String, PathBuf)> = BTreeMap::new();
    // api on every runtime, the other triggers on the newest.
    let others = trigger_combos().into_iter().filter(|c| c.trigger != "api");
    for combo in support::family_combos("ruby").into_iter().chain(others) {
        let project = write(&combo, root.path());
        variants
            .entry(variant_key(&project))
            .or_insert((combo.label(), combo.trigger, project));
    }
    assert!(
        variants.len() >= 2 * e2e::triggers().len(),
        "both bases' sources of every trigger are tested"
    );
    let rubocop = support::require_tool("rubocop", "lints the generated Ruby code");
    for (label, trigger, project) in variants.values() {
        let function = support::function_folder(project).join("function");
        // The test replays every bundled event.
        let test = std::fs::read_to_string(function.join("test/app_test.rb")).unwrap();
        let events = event_files(trigger);
        for file in &events {
            assert!(
                test.contains(file.as_str()),
                "{label}: {file} is not replayed"
            );
        }

        // The README's `rake test`, minus Bundler and rake: Minitest with warnings on.
        let output = support::run(
            Command::new("ruby")
                .args(["-w", "-Itest", "test/app_test.rb"])
                .current_dir(&function),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{label}: Ruby warned:\n{stderr}");
        let Some([runs, _, 0, 0, 0]) = minitest_summary(&stdout) else {
            panic!("{label}: unexpected Minitest summary:\n{stdout}")
        };
        // Every bundled event, and edge cases besides.
        assert!(
            runs > events.len() as u64,
            "{label}: {runs} runs:\n{stdout}"
        );
        if trigger == "api" {
            assert!(
                stdout.contains("4 runs, 6 assertions, 0 failures, 0 errors, 0 skips"),
                "{label}: unexpected Minitest summary:\n{stdout}"
            );
            // Exactly one log line per invocation (4 tests, 4 invocations).
            assert_eq!(
                stdout.matches("INFO -- : Greeting ").count(),
                4,
                "{label}:\n{stdout}"
            );
        }

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
    }
    if rubocop {
        lint(
            variants
                .values()
                .map(|(_, _, project)| support::function_folder(project).join("function")),
            root.path(),
        );
    }
    println!(
        "ruby: {} code variant(s) tested in {:.1} s",
        variants.len(),
        started.elapsed().as_secs_f64()
    );
}

/// RuboCop on every `function` directory at once (it starts slowly), with their settings:
/// those are the same but for the target Ruby version, which Debian's RuboCop (it knows
/// versions up to 3.2 only) lints as the Ruby that runs the tests.
fn lint(functions: impl Iterator<Item = PathBuf>, work: &Path) {
    let functions: Vec<PathBuf> = functions.collect();
    let settings = |function: &PathBuf| {
        let text = std::fs::read_to_string(function.join(".rubocop.yml")).unwrap();
        let other = |l: &&str| !l.trim_start().starts_with("TargetRubyVersion:");
        text.lines().filter(other).collect::<Vec<_>>().join("\n")
    };
    assert!(
        functions
            .iter()
            .all(|f| settings(f) == settings(&functions[0]))
    );
    let config = work.join(".rubocop-ci.yml");
    let inherited = functions[0].join(".rubocop.yml");
    std::fs::write(
        &config,
        format!(
            "inherit_from: {}\nAllCops:\n  TargetRubyVersion: 3.1\n",
            inherited.display()
        ),
    )
    .unwrap();
    let output = support::run(
        Command::new("rubocop")
            .arg("--config")
            .arg(&config)
            .args(["--format", "simple"])
            .args(&functions)
            .current_dir(work),
    );
    // app.rb, its test, Gemfile and Rakefile in each at least.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let inspected: usize = stdout
        .lines()
        .find_map(|l| l.split_once(" files inspected"))
        .and_then(|(count, _)| count.parse().ok())
        .unwrap_or_else(|| panic!("no RuboCop summary:\n{stdout}"));
    assert!(
        inspected >= 4 * functions.len(),
        "{inspected} files:\n{stdout}"
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

/// Does `last`'s COPYs from the build context `function` under `root` (image path `/x` at
/// `root/x`) as Docker does them. `COPY --from=build` brings the gems Bundler installed, which
/// cannot be installed here: their sources are checked, nothing is copied.
fn lay_out(last: &Stage, function: &Path, root: &Path) {
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
}

/// What the official ruby images (ruby:X-slim-trixie) bring.
const RUBY_BASE: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[
        (
            "PATH",
            "/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("LANG", "C.UTF-8"),
        ("GEM_HOME", "/usr/local/bundle"),
        ("BUNDLE_APP_CONFIG", "/usr/local/bundle"),
    ],
};

/// The laid-out final stage of `function` under `root`, ready for the emulator. The runtime
/// client stands in (see the module docs): on the AWS base image as its runtime,
/// /var/runtime/bootstrap, under /var/lang/bin/ruby; on the alternative base as the
/// aws_lambda_ric gem the image's own entry script starts through Bundler.
fn image(function: &Path, root: &Path) -> Image {
    let dockerfile = std::fs::read_to_string(function.join("Dockerfile")).unwrap();
    let stages = support::dockerfile::parse(&dockerfile);
    let last = stages.last().unwrap();
    let aws = last.from.starts_with("public.ecr.aws/lambda/");
    let mut image = Image::new(last, root, if aws { &rie::AWS_BASE } else { &RUBY_BASE });
    lay_out(last, function, &image.root);
    let ruby = support::which("ruby").unwrap();
    if aws {
        image.write_aws_entrypoint();
        image.stand_in("/var/lang/bin/ruby", &ruby);
        let bootstrap = image.path("/var/runtime/bootstrap");
        std::fs::create_dir_all(bootstrap.parent().unwrap()).unwrap();
        std::fs::write(
            &bootstrap,
            format!("#!/var/lang/bin/ruby\n{RUNTIME_STAND_IN}"),
        )
        .unwrap();
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    } else {
        assert_eq!(image.entrypoint[0], "/usr/local/bin/ruby");
        image.stand_in("/usr/local/bin/ruby", &ruby);
        bundle_install(&stages[0], &image, &root.with_extension("gems"));
    }
    image
}

/// Does what the build stage's `bundle install` does, offline: with its Bundler settings
/// (image paths mapped under the image's root), Bundler resolves the generated Gemfile, writes
/// Gemfile.lock and installs the default group into /var/task/vendor/bundle, from stand-in
/// gems built in `work`, one for each gem the Gemfile names at a version its requirement
/// allows (`~> X.Y` as X.Y.0): aws_lambda_ric's executable is the stand-in runtime client,
/// logger's library loads Ruby's own, the others are empty.
fn bundle_install(build: &Stage, image: &Image, work: &Path) {
    let task = image.path("/var/task");
    let gemfile = std::fs::read_to_string(task.join("Gemfile")).unwrap();
    let cache = task.join("vendor/cache");
    std::fs::create_dir_all(&cache).unwrap();
    for line in gemfile.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("gem '") else {
            continue;
        };
        let parts: Vec<&str> = rest.split('\'').collect();
        let (name, requirement) = (parts[0], parts[2]);
        let version = format!("{}.0", requirement.strip_prefix("~> ").expect("~> X.Y"));
        let source = work.join(name);
        std::fs::create_dir_all(source.join("lib")).unwrap();
        std::fs::create_dir_all(source.join("bin")).unwrap();
        let library = match name {
            "logger" => "load File.join(RbConfig::CONFIG['rubylibdir'], 'logger.rb')\n",
            _ => "",
        };
        std::fs::write(source.join(format!("lib/{name}.rb")), library).unwrap();
        if name == "aws_lambda_ric" {
            std::fs::write(source.join("bin/aws_lambda_ric"), RUNTIME_STAND_IN).unwrap();
        }
        std::fs::write(
            source.join(format!("{name}.gemspec")),
            format!(
                "Gem::Specification.new do |s|\n  s.name = '{name}'\n  s.version = '{version}'\n  \
                 s.summary = 'stand-in'\n  s.authors = ['lambda-new tests']\n  \
                 s.files = Dir['lib/*', 'bin/*']\n  s.executables = Dir.children('bin')\nend\n"
            ),
        )
        .unwrap();
        support::run(
            Command::new("gem")
                .args(["build", "--quiet", &format!("{name}.gemspec")])
                .current_dir(&source)
                .env("HOME", work),
        );
        let built = format!("{name}-{version}.gem");
        std::fs::rename(source.join(&built), cache.join(&built)).unwrap();
    }
    let mut command = Command::new("bundle");
    command
        .args(["install", "--local"])
        .current_dir(&task)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", work)
        .envs(
            build
                .env
                .iter()
                .map(|(k, v)| (k, v.replace("/var/task", task.to_str().unwrap()))),
        );
    support::run(&mut command);
    std::fs::remove_dir_all(cache).unwrap();
    assert!(task.join("Gemfile.lock").is_file());
}

#[test]
fn image_answers_every_event_with_a_second_file_under_lambdas_logging_controls() {
    if !support::require_tool("ruby", "runs the handler")
        || !support::require_tool("gem", "builds the stand-in gems")
        || !support::require_tool("bundle", "installs the alternative base's gems")
        || !rie::available()
    {
        return;
    }
    for combo in support::family_combos("ruby") {
        let label = combo.label();
        let dir = tempfile::tempdir().unwrap();
        let project = write(&combo, dir.path());
        let function = support::function_folder(&project).join("function");
        add_user_files(&function);
        let image = image(&function, &dir.path().join("image"));

        // The code tree went in; tests, tool settings and local build output did not.
        let task = image.path("/var/task");
        for kept in ["app.rb", "lib/greeting.rb", "Gemfile"] {
            assert!(
                task.join(kept).is_file(),
                "{label}: {kept} is not in the image"
            );
        }
        let local_gem = "vendor/bundle/ruby/3.4.0/gems/local.rb";
        for left in ["test", ".bundle", local_gem, "Dockerfile", ".rubocop.yml"] {
            assert!(!task.join(left).exists(), "{label}: {left} is in the image");
        }

        // Lambda's defaults: text logs, one INFO line an invocation.
        let events = e2e::event_files(&project);
        let function = image.start();
        for (what, payload, name) in &events {
            function.assert_greets(&format!("{label}: {what}"), payload, name);
        }
        let error = function.invoke_json(b"\"not an object\"");
        assert_eq!(
            error["errorType"], "Function<NoMethodError>",
            "{label}: {error}"
        );
        assert!(error["stackTrace"].to_string().contains("/var/task/app.rb"));
        let lines = function.function_lines();
        assert_eq!(lines.len(), events.len(), "{label}: {lines:?}");
        assert!(
            lines.iter().all(|l| l.contains(" INFO -- : Greeting ")),
            "{label}: {lines:?}"
        );
        drop(function);

        // JSON at INFO: every line a JSON object with Lambda's keys.
        let json_at = |level| {
            [
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", level),
            ]
        };
        let function = image.start_with(&image.cmd, &json_at("INFO"));
        function.assert_greets(&label, &events[0].1, &events[0].2);
        let lines = function.function_lines();
        let [line] = &lines[..] else {
            panic!("{label}: {}", function.output())
        };
        let line: Value = serde_json::from_str(line).expect("a JSON log line");
        assert_eq!(line["level"], "INFO", "{label}: {line}");
        assert_eq!(line["message"], format!("Greeting {}", events[0].2));
        assert!(line["requestId"].is_string() && line["timestamp"].is_string());
        drop(function);

        // JSON at WARN: no INFO line, and whatever is written is JSON.
        let function = image.start_with(&image.cmd, &json_at("WARN"));
        for (what, payload, name) in &events {
            function.assert_greets(&format!("{label}: {what}"), payload, name);
        }
        let lines = function.function_lines();
        assert!(
            lines
                .iter()
                .all(|l| { serde_json::from_str::<Value>(l).is_ok_and(|v| v["level"] != "INFO") }),
            "{label}: {lines:?}"
        );
        assert!(lines.is_empty(), "{label}: {lines:?}");
    }
}

#[test]
fn every_trigger_answers_its_bundled_events_on_both_bases() {
    if !support::require_tool("ruby", "runs the handler")
        || !support::require_tool("gem", "builds the stand-in gems")
        || !support::require_tool("bundle", "installs the alternative base's gems")
        || !rie::available()
    {
        return;
    }
    for combo in trigger_combos() {
        let started = Instant::now();
        let label = combo.label();
        let dir = tempfile::tempdir().unwrap();
        let project = write(&combo, dir.path());
        let image = image(
            &support::function_folder(&project).join("function"),
            &dir.path().join("image"),
        );
        let events = e2e::trigger_events(&project, &combo.trigger);
        let Some(fake_s3) = s3::for_trigger(&combo.trigger, &events) else {
            continue;
        };
        let mut env = s3::env(&fake_s3, &[]);
        let rubylib = fake_s3.as_ref().map(|_| debian_s3_sdk(&image));
        if let Some(rubylib) = &rubylib {
            env.push(("RUBYLIB", rubylib));
        }
        let function = image.start_with(&image.cmd, &env);
        for event in &events {
            function.assert_expected(event);
        }
        if fake_s3.is_some() {
            // The size and type come from each object's head, as moto stored it.
            let of_type = format!(") of type {}", s3::CONTENT_TYPE);
            let lines = function.function_lines();
            let heads = lines.iter().filter(|l| l.contains(&of_type)).count();
            assert_eq!(heads, lines.len(), "{label}: {lines:?}");
            assert!(heads >= events.len(), "{label}: {lines:?}");
        }
        println!(
            "{label}: {} event(s) in {:.1} s",
            events.len(),
            started.elapsed().as_secs_f64()
        );
    }
}

/// Makes Debian's aws-sdk-s3 (.ci/install/ruby-aws-sdk-s3.sh) the S3 client `image`'s handler
/// gets, pointed at the endpoint `AWS_ENDPOINT_URL` names, as the SDK versions that read that
/// variable point themselves: returns the RUBYLIB to run with. Its first folder, laid out in the
/// image, holds an `aws-sdk-s3.rb` that loads Debian's and sets the endpoint; RUBYLIB comes
/// before the gems Bundler adds, so it wins over the alternative base's stand-in gem. The
/// other folders are the SDK's own gems', which Bundler would otherwise hide.
fn debian_s3_sdk(image: &Image) -> String {
    let query = "require 'aws-sdk-s3'\n\
                 puts $LOADED_FEATURES.find { |f| f.end_with?('/aws-sdk-s3.rb') }\n\
                 puts Gem.loaded_specs.values.reject(&:default_gem?).flat_map(&:full_require_paths)";
    let output = Command::new("ruby").args(["-e", query]).output().unwrap();
    assert!(
        output.status.success(),
        "Debian's aws-sdk-s3 does not load (.ci/install/ruby-aws-sdk-s3.sh installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    let sdk = lines.next().expect("aws-sdk-s3.rb's path");
    let shim = "/opt/lambda-new-tests/ruby";
    std::fs::create_dir_all(image.path(shim)).unwrap();
    std::fs::write(
        image.path(&format!("{shim}/aws-sdk-s3.rb")),
        format!(
            "# frozen_string_literal: true\n\n\
             require '{sdk}'\n\
             Aws.config.update(endpoint: ENV.fetch('AWS_ENDPOINT_URL'), force_path_style: true)\n"
        ),
    )
    .unwrap();
    std::iter::once(shim)
        .chain(lines)
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn alternative_entry_point_takes_the_handler_and_leaves_the_version_to_the_lock() {
    if !support::require_tool("ruby", "runs the generated entry script") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    for combo in support::family_combos("ruby") {
        let label = combo.label();
        let function = support::function_folder(&write(&combo, root.path())).join("function");
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
