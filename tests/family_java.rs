//! The generated Java projects, run for real. Maven compiles them with javac's lint as errors
//! and runs their JUnit tests once per distinct pom.xml that matters (every runtime on the
//! alternative base, the AWS base for the newest and oldest runtime; the architecture changes
//! nothing). For the newest and oldest runtime on the alternative base, the Dockerfile's
//! build-stage RUN commands and COPYs assemble /var/task, and the runtime interface client
//! starts as ENTRYPOINT + CMD say, against the Runtime API emulator, answering the project's
//! own event.
//!
//! Gradle cannot be installed here (services.gradle.org is unreachable and Debian's is 4.4),
//! so the Gradle variant is checked for the same sources, versions and image layout only;
//! its build is not run (see the README's testing section).
//!
//! Maven shares the user's repository (~/.m2); the JDK is Temurin 25 (`JAVA25_HOME`, or
//! /usr/lib/jvm/temurin-25-jdk-amd64), which compiles every runtime at its `--release`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lambda_new::choices::{Architecture, BaseKind};
use support::Combo;
use support::dockerfile::{self, Stage};
use support::runtime_api::{Outcome, RuntimeApi};

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
    Combo {
        family: "java".to_owned(),
        runtime: runtime.to_owned(),
        base,
        arch: Architecture::X86_64,
        options: BTreeMap::from([("dependency-manager".to_owned(), tool.to_owned())]),
    }
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

fn run(mut command: Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
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
        let function = generate(root.path(), &combo, "hello-java").join("function");
        // Not quiet, so that any warning Maven prints (unpinned plugins, javac lint) shows.
        let arg_line = format!("-DargLine={FAST_JVM}");
        let args = [
            "-B",
            "clean",
            "test",
            "-Dmaven.compiler.failOnWarning=true",
            &arg_line,
        ];
        let output = run(
            maven(&jdk, &function, &args),
            &format!("{}: mvn test", combo.label()),
        );
        let log = String::from_utf8_lossy(&output.stdout);
        let warnings: Vec<&str> = log.lines().filter(|l| l.contains("[WARNING]")).collect();
        assert!(
            warnings.is_empty(),
            "{}: Maven warned:\n{}",
            combo.label(),
            warnings.join("\n")
        );
        assert!(
            log.contains("Tests run: 5, Failures: 0, Errors: 0, Skipped: 0"),
            "{log}"
        );
        println!(
            "{}: mvn test passed ({:.0?} so far)",
            combo.label(),
            started.elapsed()
        );
    }
    println!("Java (Maven) unit tests took {:.1?}", started.elapsed());
}

/// Builds the alternative image's /var/task the way its Dockerfile does (the build stage's
/// RUN commands, then its COPYs), starts the ENTRYPOINT + CMD, and invokes it.
#[test]
fn alternative_images_answer_the_sample_event_through_the_ric() {
    if !support::require_tool("mvn", "builds the generated Java projects") {
        return;
    }
    let Some(jdk) = jdk() else { return };
    let started = Instant::now();
    let root = tempfile::tempdir().unwrap();
    // The newest and oldest bytecode; the runtimes between differ only in `--release`.
    for runtime in newest_and_oldest(&java_runtimes()) {
        let combo = combo(&runtime, BaseKind::Alternative, "maven");
        let project = generate(root.path(), &combo, "hello-java");
        let function = project.join("function");
        let (stages, last) = last_stage(&function.join("Dockerfile"));
        let (build, image) = (&stages[0], &stages[last]);
        let build_dir = build
            .workdir
            .as_deref()
            .expect("the build stage sets WORKDIR");
        for command in &build.runs {
            let mut sh = Command::new("sh");
            sh.args(["-c", command])
                .current_dir(&function)
                .env("JAVA_HOME", &jdk);
            run(sh, &format!("{}: RUN {command}", combo.label()));
        }
        let task_root = root.path().join(format!("{}-task", combo.label()));
        for copy in &image.copies {
            assert_eq!(copy.from.as_deref(), Some("build"), "{copy:?}");
            let dest = local_path(&copy.dest, TASK_ROOT, &task_root);
            for source in &copy.sources {
                copy_tree(&local_path(source, build_dir, &function), &dest);
            }
        }
        assert_eq!(image.workdir.as_deref(), Some(TASK_ROOT));

        let mut argv: Vec<String> = image.entrypoint.clone().expect("ENTRYPOINT");
        argv.extend(image.cmd.clone().expect("CMD"));
        assert_eq!(argv[0], IMAGE_JAVA);
        let java = jdk.join("bin/java");
        let argv: Vec<String> = argv[1..]
            .iter()
            .map(|a| a.replace(TASK_ROOT, task_root.to_str().unwrap()))
            .collect();
        let api = RuntimeApi::start();
        let child = Command::new(&java)
            .args(&argv)
            .current_dir(&task_root)
            .envs(api.env())
            .env("LAMBDA_TASK_ROOT", &task_root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("java starts");
        let mut client = Client(Some(child));

        let event = std::fs::read(project.join("events/event.json")).unwrap();
        let answer = response(&api, &event, &combo, &mut client);
        assert_eq!(answer["statusCode"], 200, "{answer}");
        assert_eq!(
            answer["headers"]["Content-Type"], "application/json",
            "{answer}"
        );
        let body: serde_json::Value =
            serde_json::from_str(answer["body"].as_str().expect("a string body")).unwrap();
        assert_eq!(body, serde_json::json!({"message": "Hello, Lambda!"}));
        let no_name = response(&api, b"{}", &combo, &mut client);
        assert_eq!(
            no_name["body"].as_str(),
            Some(r#"{"message": "Hello, world!"}"#),
            "{no_name}"
        );
        println!(
            "{}: the RIC answered ({:.0?} so far)",
            combo.label(),
            started.elapsed()
        );
    }
    println!("Java RIC end-to-end runs took {:.1?}", started.elapsed());
}

/// The runtime interface client's process: stopped when dropped.
struct Client(Option<Child>);

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Invokes `payload`; on anything but a response, stops the client and shows its output.
fn response(
    api: &RuntimeApi,
    payload: &[u8],
    combo: &Combo,
    client: &mut Client,
) -> serde_json::Value {
    match api.invoke(payload, Duration::from_secs(60)) {
        Ok(Outcome::Response(body)) => serde_json::from_slice(&body).expect("JSON response"),
        other => {
            let mut child = client.0.take().expect("the client runs");
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "{}: no response ({other:?}; init error {:?}):\n{}{}",
                combo.label(),
                api.init_error(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
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

/// The Gradle variant has the Maven variant's sources, versions and image layout.
#[test]
fn gradle_projects_share_sources_versions_and_layout() {
    for runtime in java_runtimes() {
        for base in [BaseKind::Aws, BaseKind::Alternative] {
            let maven = support::render(&combo(&runtime, base, "maven"), "hello-java");
            let gradle = support::render(&combo(&runtime, base, "gradle"), "hello-java");
            let file = |plan: &lambda_new::render::Plan, path: &str| {
                let file = plan.files.iter().find(|f| f.path == path);
                String::from_utf8(
                    file.unwrap_or_else(|| panic!("{path} missing"))
                        .contents
                        .clone(),
                )
                .unwrap()
            };
            for source in [
                "function/src/main/java/hello_java/Handler.java",
                "function/src/test/java/hello_java/HandlerTest.java",
                "events/event.json",
            ] {
                assert_eq!(
                    file(&maven, source),
                    file(&gradle, source),
                    "{runtime}: {source}"
                );
            }
            let pom = file(&maven, "function/pom.xml");
            let build = file(&gradle, "function/build.gradle.kts");
            for artifact in [
                "aws-lambda-java-core",
                "aws-lambda-java-events",
                "aws-lambda-java-runtime-interface-client",
                "junit-bom",
            ] {
                let in_pom = maven_version(&pom, artifact);
                let in_gradle = build
                    .split('"')
                    .find(|s| s.contains(&format!(":{artifact}:")))
                    .and_then(|s| s.rsplit(':').next());
                assert_eq!(
                    in_pom.as_deref(),
                    in_gradle,
                    "{runtime} {base:?}: {artifact}"
                );
            }
            let release = maven_tag(&pom, "maven.compiler.release");
            assert!(
                build.contains(&format!("options.release = {}\n", release.unwrap())),
                "{runtime}: --release differs"
            );
            let stages = |plan| dockerfile::parse(&file(plan, "function/Dockerfile"));
            let (m, g) = (stages(&maven), stages(&gradle));
            let (m, g) = (m.last().unwrap(), g.last().unwrap());
            assert_eq!(
                (&m.from, &m.entrypoint, &m.cmd),
                (&g.from, &g.entrypoint, &g.cmd)
            );
            let dests = |s: &Stage| s.copies.iter().map(|c| c.dest.clone()).collect::<Vec<_>>();
            assert_eq!(dests(m), vec!["/var/task/lib/", "/var/task/"]);
            assert_eq!(dests(m), dests(g));
        }
    }
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
