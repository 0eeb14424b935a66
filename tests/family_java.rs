//! The generated Java projects, run for real. Maven compiles them with javac's lint as errors
//! and runs their JUnit tests once per distinct pom.xml that matters (every runtime on the
//! alternative base, the AWS base for the newest and oldest runtime; the architecture changes
//! nothing). For the newest and oldest runtime on the alternative base, and the newest on the
//! AWS base, the Dockerfile's build-stage RUN commands build the project (with a class and a
//! resource the user added), the final stage's COPYs lay the image out, and AWS's Runtime
//! Interface Emulator runs it as Lambda would (tests/support/rie.rs): every event, the
//! failing invocation, the log lines and Lambda's logging controls, the JVM's warnings.
//!
//! Gradle cannot be installed here (services.gradle.org is unreachable, for the shipped
//! wrapper too, and Debian's is 4.4), so the Gradle variant is checked for the same sources,
//! versions and image layout, and its wrapper for Gradle's own files; its build is not run
//! (see the README's testing section).
//!
//! Maven shares the user's repository (~/.m2); the JDK is Temurin 25 (`JAVA25_HOME`, or
//! /usr/lib/jvm/temurin-25-jdk-amd64), which compiles every runtime at its `--release`.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use lambda_new::choices::{Architecture, BaseKind};
use support::Combo;
use support::dockerfile::{self, Stage};
use support::e2e;
use support::rie::{self, AWS_BASE, Base, Image, Rie};
use support::s3;

const TEMURIN_25: &str = "/usr/lib/jvm/temurin-25-jdk-amd64";
/// Where the eclipse-temurin images keep java; the ENTRYPOINT names it.
const IMAGE_JAVA: &str = "/opt/java/openjdk/bin/java";
const TASK_ROOT: &str = "/var/task";

fn java_runtimes() -> Vec<String> {
    let mut runtimes: Vec<String> = Vec::new();
    for combo in support::matrix(true) {
        if combo.runtime.starts_with("java") && !runtimes.contains(&combo.runtime) {
            runtimes.push(combo.runtime);
        }
    }
    assert!(!runtimes.is_empty(), "no Java runtime in the catalog");
    runtimes
}

fn combo(runtime: &str, base: BaseKind, tool: &str) -> Combo {
    trigger_combo(support::DEFAULT_TRIGGER, runtime, base, tool)
}

fn trigger_combo(trigger: &str, runtime: &str, base: BaseKind, tool: &str) -> Combo {
    Combo {
        family: "java".to_owned(),
        runtime: runtime.to_owned(),
        base,
        arch: Architecture::X86_64,
        options: BTreeMap::from([("dependency-manager".to_owned(), tool.to_owned())]),
        trigger: trigger.to_owned(),
    }
}

/// Every trigger but `api`, whose project the runtime-matrix tests check.
fn other_triggers() -> Vec<String> {
    let triggers: Vec<String> = e2e::triggers().into_iter().filter(|t| t != "api").collect();
    assert!(
        !triggers.is_empty(),
        "no trigger besides api in the catalog"
    );
    triggers
}

/// Writes `combo` as project `name` under `root`; returns the project directory.
fn generate(root: &Path, combo: &Combo, name: &str) -> PathBuf {
    let project = root.join(combo.label());
    lambda_new::write::write(&support::render(combo, name), &project).expect("project written");
    project
}

/// JDK 25, or None (with the reason printed) when it is missing outside CI.
fn jdk() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("JAVA25_HOME").map(PathBuf::from),
        Some(TEMURIN_25.into()),
    ];
    if let Some(home) = candidates
        .into_iter()
        .flatten()
        .find(|h| h.join("bin/javac").is_file())
    {
        return Some(home);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("JDK 25 is required under CI=true (set JAVA25_HOME or install {TEMURIN_25})");
    }
    eprintln!("SKIPPED: no JDK 25 (set JAVA25_HOME or install {TEMURIN_25})");
    None
}

/// Runs `command`, naming it `what` if it fails.
fn run(mut command: Command, what: &str) -> Output {
    eprintln!("running {what}");
    support::run(&mut command)
}

/// Maven on `jdk`; its JVM (and the test JVM, with `-DargLine` on `mvn test`) stops at C1,
/// which halves the time these short builds take.
fn maven(jdk: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("mvn");
    command
        .args(args)
        .current_dir(dir)
        .env("JAVA_HOME", jdk)
        .env("MAVEN_OPTS", FAST_JVM);
    command
}

const FAST_JVM: &str = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

/// The newest and the oldest runtime: the two ends of `--release` and of JUnit (6 and 5).
fn newest_and_oldest(runtimes: &[String]) -> Vec<String> {
    let mut ends = vec![runtimes[0].clone()];
    ends.extend(runtimes.last().filter(|r| **r != runtimes[0]).cloned());
    ends
}

fn last_stage(dockerfile: &Path) -> (Vec<Stage>, usize) {
    let text = std::fs::read_to_string(dockerfile).expect("Dockerfile");
    let stages = dockerfile::parse(&text);
    let last = stages.len() - 1;
    (stages, last)
}

#[test]
fn maven_projects_pass_their_tests_and_lint() {
    if !support::require_tool("mvn", "builds and tests the generated Java projects") {
        return;
    }
    let Some(jdk) = jdk() else { return };
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    // The sources are the same for every combination; pom.xml differs by runtime (release,
    // JUnit) and by base (the runtime interface client), not by architecture. Every runtime
    // on the alternative base, whose pom has more to get wrong; the AWS base at both ends.
    let runtimes = java_runtimes();
    let mut variants: Vec<Combo> = runtimes
        .iter()
        .map(|r| combo(r, BaseKind::Alternative, "maven"))
        .collect();
    variants.extend(
        newest_and_oldest(&runtimes)
            .iter()
            .map(|r| combo(r, BaseKind::Aws, "maven")),
    );
    for combo in variants {
        let function =
            support::function_folder(&generate(root.path(), &combo, "hello-java")).join("function");
        let tests = passes_tests_and_lint(&jdk, &function, &combo.label());
        assert_eq!(tests, 5, "{}", combo.label());
        println!(
            "{}: mvn test passed ({:.0?} so far)",
            combo.label(),
            started.elapsed()
        );
    }
    println!("Java (Maven) unit tests took {:.1?}", started.elapsed());
}

/// Every other trigger's project, on the newest runtime and both bases (the sources are the
/// same for every runtime): its tests, which replay each of its events, pass without a warning.
#[test]
fn maven_trigger_projects_pass_their_tests_and_lint() {
    if !support::require_tool("mvn", "builds and tests the generated Java projects") {
        return;
    }
    let Some(jdk) = jdk() else { return };
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let newest = &java_runtimes()[0];
    for trigger in other_triggers() {
        for base in [BaseKind::Alternative, BaseKind::Aws] {
            let combo = trigger_combo(&trigger, newest, base, "maven");
            let label = format!("{trigger}: {}", combo.label());
            let project = generate(root.path(), &combo, "hello-java");
            let tests = passes_tests_and_lint(
                &jdk,
                &support::function_folder(&project).join("function"),
                &label,
            );
            let events = e2e::trigger_events(&project, &trigger).len();
            assert!(tests > events, "{label}: {tests} tests for {events} events");
            println!(
                "{label}: mvn test passed ({:.0?} so far)",
                started.elapsed()
            );
        }
    }
    println!(
        "Java (Maven) trigger unit tests took {:.1?}",
        started.elapsed()
    );
}

/// `mvn clean test` in `function` with javac's lint as errors: Maven prints no warning and
/// every test passes. Returns how many ran.
fn passes_tests_and_lint(jdk: &Path, function: &Path, label: &str) -> usize {
    // Not quiet, so that any warning Maven prints (unpinned plugins, javac lint) shows.
    let arg_line = format!("-DargLine={FAST_JVM}");
    let args = [
        "-B",
        "clean",
        "test",
        "-Dmaven.compiler.failOnWarning=true",
        &arg_line,
    ];
    let output = run(maven(jdk, function, &args), &format!("{label}: mvn test"));
    let log = String::from_utf8_lossy(&output.stdout);
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("[WARNING]")).collect();
    assert!(
        warnings.is_empty(),
        "{label}: Maven warned:\n{}",
        warnings.join("\n")
    );
    // Surefire's summary, the last "Tests run:" line.
    let summary = log
        .lines()
        .filter_map(|l| l.strip_prefix("[INFO] Tests run: "))
        .next_back()
        .unwrap_or_else(|| panic!("{label}: no test ran:\n{log}"));
    let (count, rest) = summary.split_once(',').unwrap();
    assert_eq!(
        rest, " Failures: 0, Errors: 0, Skipped: 0",
        "{label}: {summary}"
    );
    count.parse().unwrap()
}

/// Builds each image the way its Dockerfile does (the build stage's RUN commands, then the
/// final stage's COPYs into a laid-out image) and runs it under AWS's Runtime Interface
/// Emulator as Lambda would (tests/support/rie.rs: ENTRYPOINT + CMD, uid 65534, only /tmp
/// writable), with a class and a resource the user added. It answers every event in
/// `events/`, one without a name and one its deserializer rejects. The alternative base for
/// the newest and oldest runtime; the AWS base for the newest, with a stand-in for the
/// runtime inside the AWS image (see `aws_image`).
#[test]
fn images_answer_their_events_under_the_rie() {
    if !support::require_tool("mvn", "builds the generated Java projects") || !rie::available() {
        return;
    }
    let Some(jdk) = jdk() else { return };
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let runtimes = newest_and_oldest(&java_runtimes());
    // The newest and oldest bytecode; the runtimes between differ only in `--release`.
    for runtime in &runtimes {
        let combo = combo(runtime, BaseKind::Alternative, "maven");
        let label = combo.label();
        let built = Built::new(root.path(), &combo, &jdk, false, true);
        let image = alternative_image(&built, &jdk);
        assert_eq!(image.workdir, TASK_ROOT);
        assert_eq!(image.entrypoint[0], IMAGE_JAVA);
        let function = image.start();
        answers_its_events(&function, &built.project, &label);
        logs_lines(&function, &built.project, &label);
        // JDK 25 stands in for every image's JVM: the client's JNI library loads without
        // the "restricted method" warnings JDK 24+ print exactly when the ENTRYPOINT
        // enables native access (the oldest runtime's JVM would refuse that flag).
        let output = function.output();
        let warned = output.contains("WARNING: A restricted method");
        let enabled = image
            .entrypoint
            .iter()
            .any(|a| a == "--enable-native-access=ALL-UNNAMED");
        assert_ne!(warned, enabled, "{label}: {output}");
        assert!(enabled || runtime != &runtimes[0], "{label}");
        drop(function);
        if runtime == &runtimes[0] {
            honours_log_controls(&image, &built.project, &label);
        }
        println!(
            "{label}: answered under the RIE ({:.0?} so far)",
            started.elapsed()
        );

        if runtime == &runtimes[0] {
            let aws_started = Instant::now();
            let aws = Combo {
                base: BaseKind::Aws,
                ..combo.clone()
            };
            // Its own build stage, so its own pom decides /var/task/lib; the alternative
            // build of the same runtime has just filled the Maven repository for it.
            let aws_built = Built::new(root.path(), &aws, &jdk, true, true);
            let image = aws_image(&aws_built, &built, &jdk);
            let function = image.start();
            answers_its_events(&function, &aws_built.project, &aws.label());
            logs_lines(&function, &aws_built.project, &aws.label());
            drop(function);
            honours_log_controls(&image, &aws_built.project, &aws.label());
            println!(
                "{}: the stand-in runtime answered in {:.1?}",
                aws.label(),
                aws_started.elapsed()
            );
        }
    }
    println!("Java end-to-end runs took {:.1?}", started.elapsed());
}

/// Every other trigger's image on the newest runtime, built and laid out as `api`'s is, on the
/// alternative base and then the AWS base (with its stand-in runtime): under the RIE, each of
/// the trigger's events gets the answer, the error or the log lines its trigger.yaml expects.
#[test]
fn trigger_images_meet_their_contract_under_the_rie() {
    if !support::require_tool("mvn", "builds the generated Java projects") || !rie::available() {
        return;
    }
    let Some(jdk) = jdk() else { return };
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    let newest = &java_runtimes()[0];
    for (i, trigger) in other_triggers().iter().enumerate() {
        let trigger_started = Instant::now();
        let combo = trigger_combo(trigger, newest, BaseKind::Alternative, "maven");
        // The first build fills the Maven repository with what the Dockerfile asks for.
        let built = Built::new(root.path(), &combo, &jdk, i > 0, false);
        let events = e2e::trigger_events(&built.project, trigger);
        let Some(fake_s3) = s3::for_trigger(trigger, &events) else {
            continue;
        };
        let image = alternative_image(&built, &jdk);
        let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[]));
        meets_its_contract(&function, &built.project, trigger, &combo.label());
        drop(function);

        let aws = Combo {
            base: BaseKind::Aws,
            ..combo.clone()
        };
        let aws_built = Built::new(root.path(), &aws, &jdk, true, false);
        let image = aws_image(&aws_built, &built, &jdk);
        let function = image.start_with(&image.cmd, &s3::env(&fake_s3, &[]));
        meets_its_contract(&function, &aws_built.project, trigger, &aws.label());
        println!(
            "{trigger}: both images met the contract in {:.1?}",
            trigger_started.elapsed()
        );
    }
    println!(
        "Java trigger end-to-end runs took {:.1?}",
        started.elapsed()
    );
}

/// Every event `trigger` bundles gets what its trigger.yaml expects.
fn meets_its_contract(function: &Rie, project: &Path, trigger: &str, label: &str) {
    let events = e2e::trigger_events(project, trigger);
    assert!(!events.is_empty(), "{label}: {trigger} bundles no event");
    for event in &events {
        eprintln!("{label}: {trigger} {}", event.what);
        function.assert_expected(event);
    }
}

/// A generated project whose Dockerfile's build stage has run in its function/ folder.
struct Built {
    project: PathBuf,
    function: PathBuf,
    stages: Vec<Stage>,
}

impl Built {
    /// With `warm`, the RUN commands that only fill the Maven repository
    /// (`dependency:go-offline`) are skipped; Maven still downloads whatever is missing.
    /// With `user_code`, the `api` handler uses a class and a resource the user added.
    fn new(root: &Path, combo: &Combo, jdk: &Path, warm: bool, user_code: bool) -> Built {
        let project = generate(root, combo, "hello-java");
        let function = support::function_folder(&project).join("function");
        if user_code {
            add_user_code(&function);
        }
        let (stages, _) = last_stage(&function.join("Dockerfile"));
        for command in &stages[0].runs {
            if warm && command.contains("dependency:go-offline") {
                continue;
            }
            let mut sh = Command::new("sh");
            // Maven's own JVM at C1, as in `maven`: these builds are too short for C2.
            sh.args(["-c", command])
                .current_dir(&function)
                .env("JAVA_HOME", jdk)
                .env("MAVEN_OPTS", FAST_JVM);
            run(sh, &format!("{}: RUN {command}", combo.label()));
        }
        Built {
            project,
            function,
            stages,
        }
    }

    fn last_stage(&self) -> &Stage {
        self.stages.last().unwrap()
    }

    /// The final stage over `base`, its COPYs done from the build stage's WORKDIR (this
    /// project's function/ folder).
    fn lay_out(&self, base: &Base) -> Image {
        let image = Image::new(
            self.last_stage(),
            &self.project.with_extension("image"),
            base,
        );
        let build_dir = self.stages[0]
            .workdir
            .as_deref()
            .expect("the build stage sets WORKDIR");
        for copy in &self.last_stage().copies {
            assert_eq!(copy.from.as_deref(), Some("build"), "{copy:?}");
            for source in &copy.sources {
                copy_tree(
                    &local_path(source, build_dir, &self.function),
                    &image.path(&copy.dest),
                );
            }
        }
        image
    }
}

/// The alternative image: eclipse-temurin's ENV, JDK 25 standing in for its JRE at
/// /opt/java/openjdk.
fn alternative_image(built: &Built, jdk: &Path) -> Image {
    let image_from = &built.last_stage().from;
    assert!(
        image_from.starts_with("public.ecr.aws/docker/library/eclipse-temurin:"),
        "{image_from}"
    );
    let mut image = built.lay_out(&TEMURIN);
    image.stand_in(TEMURIN_HOME, jdk);
    image
}

/// What eclipse-temurin images bring that the function sees: their ENV (they set no
/// WORKDIR, and the stage replaces their ENTRYPOINT).
const TEMURIN: Base<'static> = Base {
    entrypoint: &[],
    workdir: "/",
    env: &[
        ("JAVA_HOME", TEMURIN_HOME),
        (
            "PATH",
            "/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("LANG", "en_US.UTF-8"),
        ("LANGUAGE", "en_US:en"),
        ("LC_ALL", "en_US.UTF-8"),
    ],
};
const TEMURIN_HOME: &str = "/opt/java/openjdk";

/// The AWS base image's project. That image's /lambda-entrypoint.sh exports CMD (the
/// handler) as _HANDLER and runs /var/runtime/bootstrap, which starts the runtime the image
/// carries in /var/runtime/lib, AWSLambda, with the handler, on the JVM in /var/lang; the
/// runtime loads the function from LAMBDA_TASK_ROOT (classes in /var/task, jars in
/// /var/task/lib) in a class loader of its own. STAND-INS: the harness's
/// /lambda-entrypoint.sh; JDK 25 at /var/lang; for the image's runtime, the open-source
/// runtime interface client (the Maven artifact the alternative pom declares, at its
/// version) with the libraries it needs, taken from the alternative build (`alternative`)
/// of the same runtime, in /var/runtime/lib; and a /var/runtime/bootstrap that starts it
/// (with native access enabled, as on the alternative base: this is JDK 25).
/// Only aws-lambda-java-core of the function's own jars is in /var/runtime/lib too (the
/// client links against it); the rest, events included, must come from /var/task/lib.
fn aws_image(aws: &Built, alternative: &Built, jdk: &Path) -> Image {
    let stage = aws.last_stage();
    assert!(
        stage.from.starts_with("public.ecr.aws/lambda/java:"),
        "{}",
        stage.from
    );
    assert_eq!(stage.entrypoint, None, "the image's own entry point");
    assert_eq!(stage.workdir, None, "the image's WORKDIR, /var/task");
    let cmd = stage.cmd.clone().expect("CMD");
    assert_eq!(cmd.len(), 1, "/lambda-entrypoint.sh takes only the handler");

    let java_env = [("JAVA_HOME", "/var/lang")];
    let env: Vec<_> = AWS_BASE.env.iter().copied().chain(java_env).collect();
    let mut image = aws.lay_out(&Base {
        env: &env,
        ..AWS_BASE
    });
    image.write_aws_entrypoint();
    image.stand_in("/var/lang", jdk);

    let alternative_pom = std::fs::read_to_string(alternative.function.join("pom.xml")).unwrap();
    let ric = "aws-lambda-java-runtime-interface-client";
    let version = maven_version(&alternative_pom, ric).expect("the alternative pom's RIC");
    let own = jar_names(&image.path("/var/task/lib"));
    let dependencies = alternative.function.join("target/dependency");
    let runtime_lib = image.path("/var/runtime/lib");
    std::fs::create_dir_all(&runtime_lib).unwrap();
    let mut runtime_jars = Vec::new();
    for jar in jar_names(&dependencies) {
        if !own.contains(&jar) || jar.starts_with("aws-lambda-java-core-") {
            std::fs::copy(dependencies.join(&jar), runtime_lib.join(&jar)).unwrap();
            runtime_jars.push(jar);
        }
    }
    assert!(
        runtime_jars.contains(&format!("{ric}-{version}.jar")),
        "{runtime_jars:?}"
    );
    let bootstrap = image.path("/var/runtime/bootstrap");
    std::fs::write(
        &bootstrap,
        format!(
            "#!/bin/sh\n\
             exec /var/lang/bin/java --enable-native-access=ALL-UNNAMED {FAST_JVM} \\\n  \
             -cp '/var/runtime/lib/*' \
             com.amazonaws.services.lambda.runtime.api.client.AWSLambda \"$_HANDLER\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    image
}

/// The `.jar` file names in `dir`.
fn jar_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".jar"))
        .collect()
}

/// Every file in `events/` and one event without a name; then one the client cannot
/// deserialize, whose error comes back as the function's error, and a good one after it.
fn answers_its_events(function: &Rie, project: &Path, label: &str) {
    let mut events = e2e::event_files(project);
    events.push(("{}".to_owned(), b"{}".to_vec(), "world".to_owned()));
    for (what, payload, name) in &events {
        function.assert_greets(&format!("{label}: {what}"), payload, name);
    }

    // The client's Jackson reads the event into APIGatewayProxyRequestEvent before the
    // handler runs; a number where a map belongs is reported as a user exception (the body
    // names the wrapping RuntimeException, with no stack trace), and the client goes on to the next event.
    // (This emulator sends no X-Amz-Function-Error header: the body is the error document.)
    let body = function.invoke_json(br#"{"queryStringParameters": 5}"#);
    assert_eq!(
        (&body["errorType"], &body["errorMessage"]),
        (
            &serde_json::json!("java.lang.RuntimeException"),
            &serde_json::json!("An error occurred during JSON parsing")
        ),
        "{label}: {body}"
    );
    let (what, payload, name) = &events[0];
    function.assert_greets(&format!("{label}: {what}"), payload, name);
    meets_its_contract(function, project, "api", label);
}

/// What a user adds without touching the Dockerfile: a class in a package of its own and a
/// resource, which the handler now uses for its default name ("world", as before).
fn add_user_code(function: &Path) {
    let main = function.join("src/main");
    let package = std::fs::read_dir(main.join("java"))
        .unwrap()
        .next()
        .expect("the handler's package")
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    let defaults = main.join("java").join(&package).join("defaults");
    std::fs::create_dir_all(&defaults).unwrap();
    std::fs::write(
        defaults.join("Defaults.java"),
        format!(
            "package {package}.defaults;\n\n\
             import java.io.InputStream;\n\
             import java.util.Scanner;\n\n\
             /** The name to greet when the request names nobody, from a resource. */\n\
             public final class Defaults {{\n\
             \x20   private Defaults() {{}}\n\n\
             \x20   public static String name() {{\n\
             \x20       InputStream in = Defaults.class.getResourceAsStream(\"/default-name.txt\");\n\
             \x20       if (in == null) {{\n\
             \x20           throw new IllegalStateException(\"default-name.txt is missing\");\n\
             \x20       }}\n\
             \x20       try (Scanner text = new Scanner(in, \"UTF-8\")) {{\n\
             \x20           return text.nextLine().trim();\n\
             \x20       }}\n\
             \x20   }}\n\
             }}\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(main.join("resources")).unwrap();
    std::fs::write(main.join("resources/default-name.txt"), "world\n").unwrap();
    let handler = main.join("java").join(&package).join("Handler.java");
    let source = std::fs::read_to_string(&handler).unwrap();
    let default = "name = \"world\";";
    assert_eq!(source.matches(default).count(), 1, "{source}");
    let call = format!("name = {package}.defaults.Defaults.name();");
    std::fs::write(&handler, source.replace(default, &call)).unwrap();
}

/// The handler's log line for the first event is a line of its own, with the level the
/// runtime's text format puts before it.
fn logs_lines(function: &Rie, project: &Path, label: &str) {
    let (_, _, name) = e2e::event_files(project).remove(0);
    let lines = function.function_lines();
    assert!(
        lines.contains(&format!("[INFO] Greeting {name}")),
        "{label}: no line of its own for the greeting:\n{}",
        function.output()
    );
}

/// Lambda's advanced logging controls, each in a fresh sandbox: with JSON format, every line
/// the function writes is a JSON record, and the greeting is one (level INFO, with the
/// request id); with level WARN as well, the INFO record is dropped.
fn honours_log_controls(image: &Image, project: &Path, label: &str) {
    let (_, event, name) = e2e::event_files(project).remove(0);
    for level in ["INFO", "WARN"] {
        let env = [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", level),
        ];
        let function = image.start_with(&image.cmd, &env);
        function.assert_greets(&format!("{label}: JSON logs at {level}"), &event, &name);
        let output = function.output();
        let records = function.json_lines(&format!("{label}: {level}"));
        let greetings: Vec<_> = records
            .iter()
            .filter(|r| r["message"] == format!("Greeting {name}").as_str())
            .collect();
        if level == "WARN" {
            assert!(
                greetings.is_empty(),
                "{label}: INFO logged at WARN:\n{output}"
            );
        } else {
            let [greeting] = greetings.as_slice() else {
                panic!("{label}: one greeting record expected:\n{output}")
            };
            assert_eq!(greeting["level"], "INFO", "{label}: {greeting}");
            assert!(
                greeting["AWSRequestId"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty()),
                "{label}: {greeting}"
            );
        }
    }
}

/// `path` from the Dockerfile, with its `image_dir` prefix moved to `local`.
fn local_path(path: &str, image_dir: &str, local: &Path) -> PathBuf {
    let rest = path
        .strip_prefix(image_dir)
        .unwrap_or_else(|| panic!("{path} lies outside {image_dir}"));
    local.join(rest.trim_start_matches('/'))
}

/// `COPY dir/ dest/`: the directory's contents into `dest`.
fn copy_tree(source: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(source).unwrap_or_else(|e| panic!("{}: {e}", source.display())) {
        let entry = entry.unwrap();
        let target = dest.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `--enable-native-access` (JEP 412, Java 17) is in the alternative ENTRYPOINT exactly for
/// the runtimes whose JVM accepts it: 17 and newer. Java 8 and 11 refuse to start with it.
#[test]
fn native_access_is_enabled_exactly_from_java_17() {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    for runtime in java_runtimes() {
        let (family, entry) = catalog.runtime(&runtime).unwrap();
        let major: u32 = entry.version.parse().unwrap();
        let enabled = family
            .alternative_entrypoint_for(entry)
            .iter()
            .any(|a| a == "--enable-native-access=ALL-UNNAMED");
        assert_eq!(enabled, major >= 17, "{runtime}");
    }
}

/// Every JVM installed on this machine (under /usr/lib/jvm) starts with the JVM options of
/// the alternative ENTRYPOINT of the runtimes of its major version, so a flag the JVM
/// rejects (`--enable-native-access` before 17) fails here. JDK 25 at least must be there.
#[test]
fn installed_jvms_accept_their_runtimes_entrypoint_options() {
    let Some(jdk25) = jdk() else { return };
    let mut homes: Vec<PathBuf> = std::fs::read_dir("/usr/lib/jvm")
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    homes.push(jdk25);
    // The same JDK may be there by several names (links).
    let mut homes: Vec<PathBuf> = homes.iter().filter_map(|h| h.canonicalize().ok()).collect();
    homes.sort();
    homes.dedup();
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let mut checked = Vec::new();
    for home in homes {
        let Ok(release) = std::fs::read_to_string(home.join("release")) else {
            continue;
        };
        let Some(major) = release
            .lines()
            .find_map(|l| l.strip_prefix("JAVA_VERSION=\""))
            .and_then(|v| v.split(['.', '"']).next())
        else {
            continue;
        };
        for runtime in java_runtimes() {
            let (family, entry) = catalog.runtime(&runtime).unwrap();
            if entry.version != major {
                continue;
            }
            let entrypoint = family.alternative_entrypoint_for(entry);
            assert_eq!(entrypoint[0], IMAGE_JAVA);
            // The options: what comes before `-cp`, the class path and the main class.
            let options: Vec<&String> =
                entrypoint[1..].iter().take_while(|a| *a != "-cp").collect();
            let mut java = Command::new(home.join("bin/java"));
            java.args(&options).arg("-version");
            run(java, &format!("{runtime}'s options on {}", home.display()));
            checked.push(format!("{runtime} on {}", home.display()));
        }
    }
    assert!(
        checked.iter().any(|c| c.starts_with("java25 ")),
        "{checked:?}"
    );
    println!("entrypoint options accepted: {checked:?}");
}

/// The Gradle variant has the Maven variant's sources, events, versions and image layout,
/// for every trigger.
#[test]
fn gradle_projects_share_sources_versions_and_layout() {
    for (trigger, runtime) in e2e::triggers()
        .iter()
        .flat_map(|t| java_runtimes().into_iter().map(move |r| (t.clone(), r)))
    {
        for base in [BaseKind::Aws, BaseKind::Alternative] {
            let render = |tool| {
                let combo = trigger_combo(&trigger, &runtime, base, tool);
                support::render(&combo, "hello-java")
            };
            let (maven, gradle) = (render("maven"), render("gradle"));
            let shared = |plan: &lambda_new::render::Plan| {
                let mut files: Vec<(String, Vec<u8>)> = plan
                    .files
                    .iter()
                    .filter(|f| {
                        support::function_path(&f.path).starts_with("function/src/")
                            || support::function_path(&f.path).starts_with("events/")
                    })
                    .map(|f| {
                        (
                            support::function_path(&f.path).to_owned(),
                            f.contents.clone(),
                        )
                    })
                    .collect();
                files.sort();
                files
            };
            let sources = shared(&maven);
            assert!(
                sources
                    .iter()
                    .any(|(path, _)| path == "function/src/main/java/hello_java/Handler.java"),
                "{trigger}: no handler"
            );
            assert!(
                sources == shared(&gradle),
                "{trigger} {runtime}: sources differ"
            );
            let pom = support::text(&maven, "function/pom.xml");
            let build = support::text(&gradle, "function/build.gradle.kts");
            for artifact in [
                "aws-lambda-java-core",
                "aws-lambda-java-events",
                "jackson-databind",
                "aws-lambda-java-runtime-interface-client",
                "junit-bom",
            ] {
                let in_pom = maven_version(pom, artifact);
                let in_gradle = build
                    .split('"')
                    .find(|s| s.contains(&format!(":{artifact}:")))
                    .and_then(|s| s.rsplit(':').next());
                assert_eq!(
                    in_pom.as_deref(),
                    in_gradle,
                    "{trigger} {runtime} {base:?}: {artifact}"
                );
            }
            let release = maven_tag(pom, "maven.compiler.release");
            assert!(
                build.contains(&format!("options.release = {}\n", release.unwrap())),
                "{runtime}: --release differs"
            );
            let stages = |plan| dockerfile::parse(support::text(plan, "function/Dockerfile"));
            let (m, g) = (stages(&maven), stages(&gradle));
            let (m, g) = (m.last().unwrap(), g.last().unwrap());
            assert_eq!(
                (&m.from, &m.entrypoint, &m.cmd),
                (&g.from, &g.entrypoint, &g.cmd)
            );
            let dests = |s: &Stage| s.copies.iter().map(|c| c.dest.clone()).collect::<Vec<_>>();
            assert_eq!(dests(m), vec!["/var/task/lib/", "/var/task/"]);
            assert_eq!(dests(m), dests(g));
            gradle_wrapper_is_gradles_own(&gradle, &stages(&gradle)[0].from);
            gradle_tasks_fill_what_the_image_copies(build, &stages(&gradle));
        }
    }
}

/// A trigger's project declares the events library and Jackson exactly when its handler
/// imports them, in pom.xml and build.gradle.kts alike.
#[test]
fn trigger_libraries_are_declared_exactly_when_used() {
    let newest = &java_runtimes()[0];
    let libraries = [
        (
            "aws-lambda-java-events",
            "com.amazonaws.services.lambda.runtime.events.",
        ),
        ("jackson-databind", "com.fasterxml.jackson."),
    ];
    let mut declared = BTreeMap::new();
    for trigger in e2e::triggers() {
        for (tool, build_file) in [
            ("maven", "function/pom.xml"),
            ("gradle", "function/build.gradle.kts"),
        ] {
            let combo = trigger_combo(&trigger, newest, BaseKind::Alternative, tool);
            let plan = support::render(&combo, "hello-java");
            let handler = support::text(&plan, "function/src/main/java/hello_java/Handler.java");
            let build = support::text(&plan, build_file);
            for (artifact, package) in libraries {
                let imported = handler.contains(&format!("import {package}"));
                let listed = build.contains(&format!("{artifact}</artifactId>"))
                    || build.contains(&format!(":{artifact}:"));
                assert_eq!(listed, imported, "{trigger} ({tool}): {artifact}");
                if listed {
                    *declared.entry(artifact).or_insert(0) += 1;
                }
            }
        }
    }
    // Both kinds of trigger are there: some declare each library, some do not.
    let projects = 2 * e2e::triggers().len();
    assert!(
        libraries
            .iter()
            .all(|(artifact, _)| (1..projects)
                .contains(&declared.get(artifact).copied().unwrap_or(0))),
        "{declared:?} of {projects} projects"
    );
}

/// Each folder the Gradle image COPYs from the build stage is a `Sync` task's output, and
/// the build stage RUNs that task: the runtime class path into lib/, and the main source
/// set's whole output (classes and src/main/resources) into the task root.
fn gradle_tasks_fill_what_the_image_copies(build_file: &str, stages: &[Stage]) {
    let runs = stages[0].runs.join("\n");
    let expected = [
        ("copyDependencies", "configurations.runtimeClasspath"),
        ("copyMainOutput", "sourceSets.main.get().output"),
    ];
    let copies = &stages.last().unwrap().copies;
    assert_eq!(copies.len(), expected.len());
    for (copy, (task, from)) in copies.iter().zip(expected) {
        let registered = build_file
            .split(&format!("val {task} by tasks.registering(Sync::class) {{"))
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap_or_else(|| panic!("no Sync task {task}:\n{build_file}"));
        let dir = copy.sources[0]
            .strip_prefix("/build/build/")
            .and_then(|d| d.strip_suffix('/'))
            .unwrap_or_else(|| panic!("{copy:?} is not a build folder"));
        assert!(
            registered.contains(&format!("from({from})"))
                && registered.contains(&format!("into(layout.buildDirectory.dir(\"{dir}\"))")),
            "{task} does not fill {dir} from {from}:{registered}"
        );
        assert!(
            runs.contains(&format!(" {task}")),
            "the build stage never runs {task}"
        );
    }
}

/// SHA-256 of the Gradle wrapper jar that Gradle 9.4.0 and 9.4.1 generate, as Gradle
/// publishes it (gradle.org/release-checksums, mirrored in gradle/actions'
/// wrapper-checksums.json). The template's copy comes from the npm package
/// @react-native-community/template 0.87.2 (template/android/gradle/wrapper/), whose
/// gradlew and gradlew.bat are that Gradle's too; services.gradle.org is unreachable here.
const GRADLE_WRAPPER_JAR_SHA256: &str =
    "55243ef57851f12b070ad14f7f5bb8302daceeebc5bce5ece5fa6edb23e1145c";

/// The wrapper is Gradle's own jar, `gradlew` is an executable POSIX script and
/// `gradlew.bat` a CRLF batch file, and the wrapper downloads the Gradle the build image
/// (`FROM .../gradle:<version>-jdk<n>`) runs.
fn gradle_wrapper_is_gradles_own(plan: &lambda_new::render::Plan, build_image: &str) {
    let get = |path: &str| {
        plan.files
            .iter()
            .find(|f| support::function_path(&f.path) == path)
            .unwrap_or_else(|| panic!("{path} missing"))
    };
    let jar = get("function/gradle/wrapper/gradle-wrapper.jar");
    assert_eq!(
        support::sha256_hex(&jar.contents),
        GRADLE_WRAPPER_JAR_SHA256
    );
    let gradlew = get("function/gradlew");
    assert!(gradlew.executable && gradlew.contents.starts_with(b"#!/bin/sh\n"));
    assert!(gradlew.contents.ends_with(b"\"$@\"\n"), "gradlew truncated");
    let bat = String::from_utf8(get("function/gradlew.bat").contents.clone()).unwrap();
    assert!(
        bat.lines().count() > 1 && bat.split('\n').all(|l| l.is_empty() || l.ends_with('\r')),
        "gradlew.bat must keep its CRLF line ends"
    );
    let version = build_image
        .rsplit_once(":")
        .and_then(|(_, tag)| tag.split_once("-jdk"))
        .map(|(version, _)| version)
        .unwrap_or_else(|| panic!("no Gradle version in {build_image}"));
    let properties = String::from_utf8(
        get("function/gradle/wrapper/gradle-wrapper.properties")
            .contents
            .clone(),
    )
    .unwrap();
    let url = format!(
        "distributionUrl=https\\://services.gradle.org/distributions/gradle-{version}-bin.zip\n"
    );
    assert!(properties.contains(&url), "{properties}");
}

/// The `<version>` next to `<artifactId>artifact</artifactId>` in a pom, if declared.
fn maven_version(pom: &str, artifact: &str) -> Option<String> {
    let after = pom
        .split(&format!("<artifactId>{artifact}</artifactId>"))
        .nth(1)?;
    let block = after.split("</dependency>").next()?;
    maven_tag(block, "version")
}

fn maven_tag(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find('<')?;
    Some(xml[start..end].to_owned())
}
