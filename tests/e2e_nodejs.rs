//! End to end for the Node.js family: generate a project, lay its image out on this machine the
//! way its Dockerfile says (every stage's WORKDIR, COPY and RUN in order, image paths under a
//! temporary root, the host's node standing in for the image's), start it as ENTRYPOINT + CMD
//! say against the Runtime API emulator, and send it every event in `events/`.
//!
//! Stand-ins, because this machine (and CI) has Node.js 20 only and nodejs.org is out of reach:
//! - every project runs on the host's Node.js 20, whatever runtime it targets;
//! - aws-lambda-ric 4.x needs Node.js 22 or newer, so projects that pin it (nodejs22.x and
//!   newer) run aws-lambda-ric 3.3.0 instead, behind a shim at 4.x's entry point
//!   (`index.mjs`) that keeps 4.x's contract: the handler comes from `_HANDLER` and the code
//!   from `LAMBDA_TASK_ROOT`, the arguments are ignored. 3.3.0 itself takes the handler from
//!   its first argument and the code from the working directory. The nodejs20.x (and
//!   nodejs18.x) alternative-base projects pin 3.3.0 and run exactly as generated;
//! - the AWS base image brings its own client: the open-source one stands in for it, so the
//!   handler string and the files are proven, not the image's bootstrap.
//!
//! aws-lambda-ric compiles native code (curl, aws-lambda-cpp, a node-gyp addon: autoconf,
//! automake, libtool, cmake, make, g++, python3) for minutes, so it is built once per machine
//! and client version under target/tmp and hard-linked into each image. Its node-gyp (9.4)
//! would download Node's headers from nodejs.org; `npm_config_nodedir` points it at the
//! headers the host's Node.js installed (`<prefix>/include/node`) instead.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use lambda_new::choices::{Architecture, BaseKind};
use support::dockerfile::{self, Copy, Step};
use support::e2e::{self, Client, Image};

/// Generous: the client starts in well under a second, but CI machines are slow.
const WAIT: Duration = Duration::from_secs(30);

/// The newest aws-lambda-ric that runs on Node.js 20 (4.x needs Node.js 22).
const STAND_IN_RIC: &str = "3.3.0";

#[test]
fn aws_base_javascript_projects_answer_their_events() {
    answers_its_events(BaseKind::Aws, "javascript");
}

#[test]
fn aws_base_typescript_projects_answer_their_events() {
    answers_its_events(BaseKind::Aws, "typescript");
}

#[test]
fn alternative_base_javascript_projects_answer_their_events() {
    answers_its_events(BaseKind::Alternative, "javascript");
}

#[test]
fn alternative_base_typescript_projects_answer_their_events() {
    answers_its_events(BaseKind::Alternative, "typescript");
}

/// Every Node.js runtime of the catalog (deprecated ones too), on this machine's architecture.
fn answers_its_events(base: BaseKind, language: &str) {
    if !support::require_tool("node", "runs the generated handler")
        || !support::require_tool("npm", "installs the dependencies and the client")
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
        let mut args = vec!["my-fn".to_string()];
        args.extend(combo.args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (tmp, project) = support::generate(&args);
        let Some(built) = Built::build(&project.join("function"), tmp.path()) else {
            return; // a build tool is missing: skipped (require_tool said why)
        };
        check_events(&built.image, &project, &combo.label());
        check_failure(&built.image, &combo.label());
        eprintln!(
            "{}: ran end to end in {:.1?}{}",
            combo.label(),
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

fn check_events(image: &Image, project: &Path, label: &str) {
    let client = start(image, &image.cmd);
    for (what, payload, name) in &e2e::event_files(project) {
        client.assert_greets(&format!("{label}: {what}"), payload, name);
    }
}

/// A handler that throws: the client reports it to the error endpoint.
fn check_failure(image: &Image, label: &str) {
    fs::write(
        image.host_path("/var/task/failing.mjs"),
        "export const handler = async () => {\n  throw new TypeError('boom');\n};\n",
    )
    .unwrap();
    let client = start(image, &["failing.handler".to_string()]);
    // The Node.js clients name the stack `trace` (not `stackTrace`, as other languages').
    let error_type = client.assert_raises(
        &format!("{label}: the failing handler"),
        b"{}",
        ("TypeError", "boom"),
        "trace",
        "failing.mjs",
    );
    // 3.x posts invocation errors through its native client (aws-lambda-cpp), which sends
    // no Lambda-Runtime-Function-Error-Type header: the emulator says Unhandled, as Lambda.
    assert_eq!(error_type, "Unhandled", "{label}: the error-type header");
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

/// Runs ENTRYPOINT + `cmd` (exactly the handler) as Lambda would, against a fresh emulator
/// (one per client, like a sandbox).
fn start(image: &Image, cmd: &[String]) -> Client {
    let [handler] = cmd else {
        panic!("CMD must be exactly the handler: {cmd:?}")
    };
    let program = image.host_paths(&image.entrypoint[0]).into();
    let log = image
        .root
        .with_file_name(format!("client-{}.log", handler.replace('.', "-")));
    image.start_as(program, cmd, log, WAIT)
}

/// The final stage of a generated Dockerfile laid out on this machine, and the client
/// version standing in for the one it pins, if any.
struct Built {
    image: Image,
    /// The aws-lambda-ric version the Dockerfile pins, when another one stands in for it.
    stand_in: Option<String>,
}

impl Built {
    /// Does what the Dockerfile in `context` does, on this machine, under `tmp/rootfs`; `None`
    /// when a tool it needs is missing (and the test is skipped). The image's node is the
    /// host's; paths into the folders the image has are under the root, other absolute paths
    /// (system ones such as /bin/sh) stay.
    fn build(context: &Path, tmp: &Path) -> Option<Built> {
        let text = fs::read_to_string(context.join("Dockerfile")).unwrap();
        let stages = dockerfile::parse(&text);
        let last = stages.last().expect("a FROM");
        // What the AWS base image brings: its ENTRYPOINT /lambda-entrypoint.sh sets _HANDLER
        // from CMD and starts its own client from /var/runtime, in /var/task. The open-source
        // client (the version the alternative base pins, or its stand-in) takes that place,
        // behind an entry point that reads _HANDLER and LAMBDA_TASK_ROOT as that bootstrap
        // does. The alternative base's entry script must export _HANDLER itself.
        let aws_env = [
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ];
        let aws_client = ["/usr/local/bin/node", "/var/runtime/index.mjs"];
        let mut image = Image::new(last, &tmp.join("rootfs"), &aws_client, &aws_env);
        let node = support::which("node").expect("node is on PATH");
        image.stand_ins = vec![("/usr/local/bin/node".to_string(), node)];
        image.keep_system_paths = true;
        image.handler_env = e2e::is_aws_base(last);
        let mut built = Built {
            image,
            stand_in: None,
        };
        if e2e::is_aws_base(last) {
            let pinned = ric_version(&alternative_dockerfile(context));
            let version = built.runnable(&pinned);
            let client = ric(&version, &[])?;
            let runtime = built.image.host_path("/var/runtime");
            copy_dir(&client.join("node_modules/aws-lambda-ric"), &runtime, true);
            for built_only in ["deps", "src"] {
                let _ = fs::remove_dir_all(runtime.join(built_only));
            }
            built.shim("/var/runtime");
        }

        // Every stage's instructions, in order, on one shared root: a `--from` copy of a
        // folder onto itself has nothing to do.
        for (stage, steps) in stages.iter().zip(dockerfile::instructions(&text)) {
            // The AWS base images work in /var/task; Docker's default is /.
            let mut workdir = match e2e::is_aws_base(stage) {
                true => "/var/task".to_string(),
                false => "/".to_string(),
            };
            let mut apt_packages = Vec::new();
            for step in steps {
                match step {
                    Step::Workdir(dir) => {
                        workdir = absolute(&workdir, &dir);
                        fs::create_dir_all(built.image.host_path(&workdir)).unwrap();
                    }
                    Step::Copy(copy) => built.copy(context, &workdir, &copy),
                    Step::Run(run) => {
                        for command in run.split("&&") {
                            built.run(command, &workdir, &mut apt_packages)?;
                        }
                    }
                    Step::Other => {}
                }
            }
        }
        built.map_entry_script();
        Some(built)
    }

    /// The client version to run for `pinned`: itself, or the stand-in on a Node.js it
    /// does not support.
    fn runnable(&mut self, pinned: &str) -> String {
        let major: u32 = pinned.split('.').next().unwrap().parse().unwrap();
        if major >= 4 && node_major() < 22 {
            self.stand_in = Some(pinned.to_string());
            STAND_IN_RIC.to_string()
        } else {
            pinned.to_string()
        }
    }

    /// With a 3.x client standing in for 4.x: 4.x's entry point, with 4.x's contract (handler
    /// from `_HANDLER`, code from `LAMBDA_TASK_ROOT`, arguments ignored) on 3.x's, which
    /// takes the handler from its first argument and the code from the working directory.
    fn shim_4x(&self, client_dir: &str) {
        if self.stand_in.is_some() {
            self.shim(client_dir);
        }
    }

    /// Writes the 4.x-contract entry point `index.mjs` over a 3.x client in `client_dir`.
    fn shim(&self, client_dir: &str) {
        fs::write(
            self.image.host_path(client_dir).join("index.mjs"),
            "// Test stand-in: aws-lambda-ric 3.x behind 4.x's entry point and contract.\n\
             process.argv.splice(2, Infinity, process.env._HANDLER);\n\
             process.chdir(process.env.LAMBDA_TASK_ROOT);\n\
             await import('./bin/index.mjs');\n",
        )
        .unwrap();
    }

    /// COPY: from the build context, or (`--from`) from the shared root.
    fn copy(&self, context: &Path, workdir: &str, copy: &Copy) {
        let dest = absolute(workdir, &copy.dest);
        for source in &copy.sources {
            let (from, to) = match &copy.from {
                Some(_) => (self.image.host_path(source), self.image.host_path(&dest)),
                None => (context.join(source), self.image.host_path(&dest)),
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

    /// One `&&`-separated command of a RUN, in `workdir`, with image paths mapped.
    fn run(&mut self, command: &str, workdir: &str, apt_packages: &mut Vec<String>) -> Option<()> {
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
                            for entry in fs::read_dir(self.image.host_path(dir))
                                .into_iter()
                                .flatten()
                            {
                                remove(&entry.unwrap().path());
                            }
                        }
                        None => remove(&self.image.host_path(&path)),
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
                let prefix = absolute(workdir, &prefix);
                copy_dir(&built, &self.image.host_path(&prefix), true);
                self.shim_4x(&format!("{prefix}/node_modules/aws-lambda-ric"));
            }
            ["npm", rest @ ..] => {
                // Every absolute path is the image's (e.g. `--cache /tmp/npm-cache`).
                let args: Vec<String> = rest
                    .iter()
                    .map(|w| match w.starts_with('/') {
                        true => self.image.host_path(w).to_string_lossy().into_owned(),
                        false => w.to_string(),
                    })
                    .collect();
                npm(&self.image.host_path(workdir), &args);
            }
            _ => panic!("RUN step `{command}` is not one this test knows how to run"),
        }
        Some(())
    }

    /// The entry script, if ENTRYPOINT is one: image paths in it mapped to this machine
    /// (`/usr/local/bin/node` to the host's node, paths into the image's folders under
    /// the root).
    fn map_entry_script(&self) {
        let Some(program) = self.image.entrypoint.first() else {
            return;
        };
        let script = self.image.host_path(program);
        let Ok(text) = fs::read_to_string(&script) else {
            return; // not a file of the image: node itself (the AWS base)
        };
        assert!(text.starts_with("#!"), "{program} is a script");
        let mapped: Vec<String> = text
            .split_inclusive(['\n', ' ', '"', '\''])
            .map(|token| {
                let end = token.len() - token.ends_with(['\n', ' ', '"', '\'']) as usize;
                let (path, tail) = token.split_at(end);
                if path.starts_with('/') && !token.starts_with("#!") {
                    format!("{}{tail}", self.image.host_paths(path))
                } else {
                    token.to_string()
                }
            })
            .collect();
        fs::write(&script, mapped.concat()).unwrap();
    }
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
    fs::read_to_string(project.join("function/Dockerfile")).unwrap()
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
