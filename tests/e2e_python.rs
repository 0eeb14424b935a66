//! End to end for the Python family: generate a project, lay its image out on this machine the
//! way its Dockerfile says (image paths under a temporary root, the host's python3 standing in
//! for the image's), start the runtime interface client it names against the Runtime API
//! emulator, and send it every event in `events/`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use support::dockerfile::{self, Stage};
use support::e2e::{self, Client, Image};

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
    let image = build_image(&project.join("function"), tmp.path());

    let client = start(&image, &image.cmd);
    for (what, payload, name) in &e2e::event_files(&project) {
        client.assert_greets(what, payload, name);
    }
    drop(client);

    // A handler that raises: the client reports it to the error endpoint.
    let task_root = image.host_path("/var/task");
    fs::write(
        task_root.join("failing.py"),
        "def handler(event, context):\n    raise ValueError(\"boom\")\n",
    )
    .unwrap();
    let client = start(&image, &["failing.handler".to_string()]);
    client.assert_raises(
        "the failing handler",
        b"{}",
        ("ValueError", "boom"),
        "stackTrace",
        "failing.py",
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

/// Does what the Dockerfile in `context` does, on this machine, under `tmp/rootfs`. What the
/// AWS base image brings (its ENTRYPOINT /lambda-entrypoint.sh runs its own client from
/// /var/runtime): the open-source client stands in for it.
fn build_image(context: &Path, tmp: &Path) -> Image {
    let stages = dockerfile::parse(&fs::read_to_string(context.join("Dockerfile")).unwrap());
    let last = stages.last().expect("a FROM");
    let aws_env = [
        ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ("PYTHONPATH", "/var/runtime"),
    ];
    let aws_client = ["python3", "-m", "awslambdaric"];
    let image = Image::new(last, &tmp.join("rootfs"), &aws_client, &aws_env);
    let ric_dir = if e2e::is_aws_base(last) {
        "/var/runtime".to_string()
    } else {
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

/// Runs ENTRYPOINT + `cmd` (exactly the handler) as Lambda would, against a fresh emulator
/// (one per client, like a sandbox); the interpreter's path in the image
/// (/usr/local/bin/python, or python3) means the host's python3.
fn start(image: &Image, cmd: &[String]) -> Client {
    let [handler] = cmd else {
        panic!("CMD must be exactly the handler: {cmd:?}")
    };
    let program = &image.entrypoint[0];
    let program = if Path::new(program)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("python")
    {
        support::which("python3").unwrap()
    } else {
        image.host_path(program)
    };
    let log = image
        .root
        .with_file_name(format!("client-{}.log", handler.replace('.', "-")));
    image.start_as(program, cmd, log, WAIT)
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
