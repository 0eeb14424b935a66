//! The Ruby family's generated projects, checked with the Ruby toolchain: each distinct
//! variant of the Ruby sources gets its Minitest suite run, a syntax and warnings check, and
//! RuboCop.
//!
//! rubygems.org is out of reach in CI, so these run Debian's `ruby` (3.1, with its bundled
//! minitest 5) and Debian's `rubocop` (1.39) directly, without Bundler. That proves the
//! handler answers the sample event and the no-name cases, that the tests pass, and that the
//! code is warning-free and clean under RuboCop's default cops of that release, on Ruby 3.1.
//! It does not prove that the Gemfile resolves, that the pinned minitest 6, rake and RuboCop
//! accept the code, or that the images build and start aws_lambda_ric.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lambda_new::choices::BaseKind;

/// The files whose contents make a code variant (the Dockerfile and README do not).
const SOURCES: &[&str] = &[
    "function/app.rb",
    "function/test/app_test.rb",
    "function/Gemfile",
    "function/Rakefile",
];

/// Writes the combination into `root/<label>` and returns the project directory.
fn write(combo: &support::Combo, root: &Path) -> std::path::PathBuf {
    let dir = root.join(combo.label());
    lambda_new::write::write(&support::render(combo, "my-fn"), &dir).expect("project written");
    dir
}

/// The Ruby sources of a project, concatenated: projects with equal keys test the same code.
fn variant_key(project: &Path) -> String {
    SOURCES
        .iter()
        .map(|file| std::fs::read_to_string(project.join(file)).expect("source generated"))
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
    let mut variants: BTreeMap<String, (String, std::path::PathBuf)> = BTreeMap::new();
    for combo in support::family_combos("ruby")
        .iter()
        .filter(|c| c.base == BaseKind::Aws)
    {
        let project = write(combo, root.path());
        variants
            .entry(variant_key(&project))
            .or_insert((combo.label(), project));
    }
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

        for file in ["app.rb", "test/app_test.rb", "Gemfile", "Rakefile"] {
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

#[test]
fn entry_script_is_valid_sh_and_matches_the_dockerfile() {
    if !support::require_tool("sh", "checks the generated entry script's syntax") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    for combo in support::family_combos("ruby")
        .iter()
        .filter(|c| c.base == BaseKind::Alternative)
    {
        let function = write(combo, root.path()).join("function");
        let script = function.join("lambda-entrypoint.sh");
        support::run(Command::new("sh").arg("-n").arg(&script));

        let text = std::fs::read_to_string(&script).unwrap();
        let dockerfile = std::fs::read_to_string(function.join("Dockerfile")).unwrap();
        // The gem version the script runs is the one the Dockerfile installs.
        let version = dockerfile
            .split("aws_lambda_ric:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("Dockerfile installs aws_lambda_ric:VERSION");
        assert!(
            text.contains(&format!(
                "/opt/aws_lambda_ric/gems/aws_lambda_ric-{version}/bin/aws_lambda_ric"
            )),
            "{}: the entry script does not run aws_lambda_ric {version}",
            combo.label()
        );
        assert!(
            text.contains("export _HANDLER=\"${1:?"),
            "{}",
            combo.label()
        );
        assert!(
            dockerfile.contains("COPY lambda-entrypoint.sh /usr/local/bin/lambda-entrypoint.sh")
                && dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/lambda-entrypoint.sh\"]"),
            "{}: the Dockerfile does not install and use the entry script",
            combo.label()
        );
    }
}
