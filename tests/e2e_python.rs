//! End to end for the Python family: generate a project, lay its image out on this machine the
//! way its Dockerfile says (image paths under a temporary root, the host's python3 standing in
//! for the image's), start the runtime interface client it names against the Runtime API
//! emulator, and send it every event in `events/`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use support::dockerfile::{self, Stage};
use support::runtime_api::{Outcome, RuntimeApi};

/// Generous: the client starts in well under a second, but CI machines are slow.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn aws_base_project_answers_its_events() {
    answers_its_events("aws");
}

#[test]
fn alternative_base_project_answers_its_events() {
    answers_its_events("alternative");
}

fn answers_its_events(base: &str) {
    // pip3 on PATH says pip is installed; it is run as `python3 -m pip`, for that interpreter.
    if !support::require_tool("python3", "runs the generated handler")
        || !support::require_tool("pip3", "installs the generated requirements")
    {
        return;
    }
    // The default architecture is this machine's, so the host's wheels fit.
    let (tmp, project) = support::generate(&["my-fn", "--base", base]);
    let image = Image::build(&project.join("function"), tmp.path());

    let client = image.start(&image.cmd);
    let mut events: Vec<PathBuf> = fs::read_dir(project.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    events.sort();
    assert!(!events.is_empty(), "the project has sample events");
    for path in events {
        let payload = fs::read(&path).unwrap();
        let event: Value = serde_json::from_slice(&payload).unwrap();
        // The handler greets the `name` query parameter, "world" without one.
        let name = event["queryStringParameters"]["name"]
            .as_str()
            .unwrap_or("world");
        let outcome = client.invoke(&payload);
        let Outcome::Response(body) = outcome else {
            panic!("{}: {outcome:?}\n{}", path.display(), client.log())
        };
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["statusCode"], 200, "{}: {answer}", path.display());
        let message: Value =
            serde_json::from_str(answer["body"].as_str().expect("body is a string")).unwrap();
        assert_eq!(
            message,
            json!({"message": format!("Hello, {name}!")}),
            "{}",
            path.display()
        );
    }
    drop(client);

    // A handler that raises: the client reports it to the error endpoint.
    let task_root = image.host_path("/var/task");
    fs::write(
        task_root.join("failing.py"),
        "def handler(event, context):\n    raise ValueError(\"boom\")\n",
    )
    .unwrap();
    let client = image.start(&["failing.handler".to_string()]);
    let outcome = client.invoke(b"{}");
    let Outcome::Error { body, .. } = outcome else {
        panic!(
            "the failing handler succeeded: {outcome:?}\n{}",
            client.log()
        )
    };
    assert_eq!(
        (&body["errorType"], &body["errorMessage"]),
        (&json!("ValueError"), &json!("boom")),
        "{body}"
    );
    assert!(
        body["stackTrace"].to_string().contains("failing.py"),
        "{body}"
    );
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

/// The final stage of a generated Dockerfile, laid out under `root` (image path `/x` is
/// `root/x`), with what the image runs.
struct Image {
    root: PathBuf,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    workdir: String,
    env: Vec<(String, String)>,
}

impl Image {
    /// Does what the Dockerfile in `context` does, on this machine, under `tmp/rootfs`.
    fn build(context: &Path, tmp: &Path) -> Image {
        let stages = dockerfile::parse(&fs::read_to_string(context.join("Dockerfile")).unwrap());
        let last = stages.last().expect("a FROM");
        let mut image = Image {
            root: tmp.join("rootfs"),
            entrypoint: Vec::new(),
            cmd: last.cmd.clone().expect("CMD names the handler"),
            workdir: "/".into(),
            env: Vec::new(),
        };
        let ric_dir = if last.from.starts_with("public.ecr.aws/lambda/") {
            // What the AWS base image brings (its ENTRYPOINT /lambda-entrypoint.sh runs its own
            // client from /var/runtime): the open-source client stands in for it.
            image.entrypoint = strings(&["python3", "-m", "awslambdaric"]);
            image.workdir = "/var/task".into();
            image.env = [
                ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
                ("PYTHONPATH", "/var/runtime"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec();
            "/var/runtime".to_string()
        } else {
            pip_target(&stages)
        };
        image.entrypoint = last.entrypoint.clone().unwrap_or(image.entrypoint);
        image.workdir = last.workdir.clone().unwrap_or(image.workdir);
        image.env.extend(last.env.iter().cloned());

        // RUN: the dependencies, into the folder the Dockerfile installs them in (pip takes
        // seconds even with nothing to install, so only when something is listed).
        let requirements = context.join("requirements.txt");
        let listed = fs::read_to_string(&requirements).unwrap();
        if listed
            .lines()
            .map(str::trim)
            .any(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let target = image.host_path(&pip_target(&stages));
            pip_install(&target, &["--requirement", requirements.to_str().unwrap()]);
        }
        copy_dir(&ric(&ric_version(&stages)), &image.host_path(&ric_dir));

        // COPY: the function's code. Every stage shares the root, so `--from` copies of a
        // folder onto itself have nothing to do.
        for copy in &last.copies {
            for source in &copy.sources {
                let (from, to) = match &copy.from {
                    Some(_) => (image.host_path(source), image.host_path(&copy.dest)),
                    None => (context.join(source), image.host_path(&copy.dest)),
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
        image
    }

    /// Where image path `path` lives on this machine.
    fn host_path(&self, path: &str) -> PathBuf {
        self.root.join(
            path.strip_prefix('/')
                .unwrap_or_else(|| panic!("{path} is not absolute")),
        )
    }

    /// Runs ENTRYPOINT + `cmd` as Lambda would: in WORKDIR, with the image's ENV, the
    /// variables Lambda sets and those of a fresh emulator (one per client, like a sandbox).
    fn start(&self, cmd: &[String]) -> Client {
        let [handler] = cmd else {
            panic!("CMD must be exactly the handler: {cmd:?}")
        };
        // The interpreter's path in the image (/usr/local/bin/python) means the host's python3.
        let program = &self.entrypoint[0];
        let program = if Path::new(program)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("python")
        {
            support::which("python3").unwrap()
        } else {
            self.host_path(program)
        };
        let log = self
            .root
            .with_file_name(format!("client-{}.log", handler.replace('.', "-")));
        let output = fs::File::create(&log).unwrap();
        let api = RuntimeApi::start();
        let mut command = Command::new(program);
        command
            .args(&self.entrypoint[1..])
            .arg(handler)
            .current_dir(self.host_path(&self.workdir))
            .env_clear() // only what the image and Lambda provide, nothing from this shell
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs(self.env.iter().map(|(k, v)| (k, self.host_paths(v))))
            .env("LAMBDA_TASK_ROOT", self.host_path("/var/task"))
            .env("_HANDLER", handler)
            .envs(api.env())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output);
        Client {
            child: command.spawn().expect("the client starts"),
            api,
            log,
        }
    }

    /// An ENV value with its absolute paths (`:`-separated lists too) mapped to this machine.
    fn host_paths(&self, value: &str) -> String {
        let parts = value.split(':').map(|p| {
            if p.starts_with('/') {
                self.host_path(p).to_string_lossy().into_owned()
            } else {
                p.to_string()
            }
        });
        parts.collect::<Vec<_>>().join(":")
    }
}

/// A running runtime interface client and its emulator; the client is killed when dropped
/// (even when the test panics).
struct Client {
    child: Child,
    api: RuntimeApi,
    log: PathBuf,
}

impl Client {
    fn invoke(&self, payload: &[u8]) -> Outcome {
        self.api.invoke(payload, WAIT).unwrap_or_else(|_| {
            panic!(
                "no answer in {WAIT:?}; init error: {:?}\n{}",
                self.api.init_error(),
                self.log()
            )
        })
    }

    fn log(&self) -> String {
        format!(
            "client output:\n{}",
            fs::read_to_string(&self.log).unwrap_or_default()
        )
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
/// AWS base image has its own), the version the alternative-base Dockerfile pins.
fn ric_version(stages: &[Stage]) -> String {
    static ALTERNATIVE: OnceLock<String> = OnceLock::new();
    let mut words = stages
        .iter()
        .flat_map(|s| &s.runs)
        .flat_map(|r| r.split_whitespace());
    if let Some(version) = words.find_map(|w| w.strip_prefix("awslambdaric==")) {
        return version.to_string();
    }
    ALTERNATIVE
        .get_or_init(|| {
            let (_tmp, project) = support::generate(&["pin", "--base", "alternative"]);
            let stages = dockerfile::parse(
                &fs::read_to_string(project.join("function/Dockerfile")).unwrap(),
            );
            ric_version(&stages)
        })
        .clone()
}

/// awslambdaric `version` installed once per machine and Python version under target/tmp.
fn ric(version: &str) -> PathBuf {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.implementation.cache_tag)"])
        .output()
        .unwrap();
    let tag = String::from_utf8(python.stdout).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("awslambdaric-{version}-{}", tag.trim()));
    if !dir.exists() {
        // Installed aside and renamed, so an interrupted run leaves no half-installed cache.
        let partial = PathBuf::from(format!("{}.partial", dir.display()));
        let _ = fs::remove_dir_all(&partial);
        pip_install(&partial, &[&format!("awslambdaric=={version}")]);
        fs::rename(&partial, &dir).unwrap();
    }
    dir
}

fn pip_install(target: &Path, args: &[&str]) {
    let out = Command::new("python3")
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
