//! The end-to-end harness: a generated project's final Dockerfile stage, laid out on this
//! machine, run the way Lambda runs it under AWS's Runtime Interface Emulator (`aws-lambda-rie`),
//! and invoked through the endpoint the generated READMEs `curl`.
//!
//! How a family test uses it:
//! 1. [`Image::new`] reads what the stage runs (ENTRYPOINT + CMD, WORKDIR, ENV over what its
//!    [`Base`] image brings). The test lays the stage's files out under [`Image::root`] at their
//!    image paths ([`Image::path`]), doing the stage's COPYs from wherever it built them.
//! 2. What the base image brings and this machine cannot pull stands in: [`Image::stand_in`]
//!    links an image path (the image's interpreter) to this machine's program;
//!    [`Image::write_aws_entrypoint`] writes the AWS base images' `/lambda-entrypoint.sh`.
//! 3. [`Image::start`] (or [`Image::start_with`], with a different CMD and extra environment
//!    such as `AWS_LAMBDA_LOG_LEVEL`) starts the emulator with the function's command exactly as
//!    the stage gives it, as `docker run --entrypoint /aws-lambda/aws-lambda-rie IMAGE
//!    ENTRYPOINT... CMD...` would, listening on 127.0.0.1 at a free port.
//! 4. [`Rie::invoke`] POSTs a payload to `/2015-03-31/functions/function/invocations`;
//!    [`Rie::assert_greets`] and [`Rie::assert_raises`] check the generated handler's answers and
//!    a failing handler's error; [`Rie::function_lines`] is what the function wrote.
//!
//! The function runs as Lambda runs it (tests/support/sandbox.sh): in a private mount and PID
//! namespace, chrooted into a root where the image's top-level paths are at their real places,
//! merged read-only with the host's (which supplies the stand-ins, /bin/sh and the C library),
//! every mount read-only but a fresh tmpfs /tmp, as uid/gid 65534 (nobody) without
//! capabilities. A write outside /tmp fails with EROFS (or EACCES) and so shows up as a failed
//! invocation. That needs root (CI runs as root); elsewhere the tests skip, or fail under CI=true.
//!
//! Limits: the function sees the host's files too (read-only); a top-level path that is a link
//! on the host (/bin, /lib, /sbin on a merged-/usr Debian) stays the host's link, so an image
//! file must be laid out under /usr to be seen there; the emulator parses the command's words
//! for its own options (unknown ones pass through), as it does in a container; Python ignores
//! a bytecode cache it cannot write, so such writes need a probe rather than a failure.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::dockerfile::Stage;

/// What the script that builds the sandbox is.
const SANDBOX: &str = include_str!("sandbox.sh");

/// How long an invocation (the cold start included) may take: generous, CI machines are slow.
pub const WAIT: Duration = Duration::from_secs(60);

/// The environment Lambda's containers set whatever the image (the emulator adds the
/// `AWS_LAMBDA_*` ones and `AWS_LAMBDA_RUNTIME_API`).
const LAMBDA_ENV: [(&str, &str); 3] = [
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_LAMBDA_FUNCTION_TIMEOUT", "60"),
];

/// Whether this machine can run the harness: `aws-lambda-rie`, root (for the namespaces and
/// mounts), `unshare` and `setpriv`. Skips (prints why) when not, fails under CI=true.
pub fn available() -> bool {
    if !super::require_tool("aws-lambda-rie", "runs the function as Lambda does")
        || !super::require_tool("unshare", "isolates the function's file system")
        || !super::require_tool("setpriv", "runs the function as an unprivileged user")
    {
        return false;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the end-to-end tests mount a sandbox: run them as root under CI=true");
        }
        eprintln!("SKIPPED: not root (the end-to-end sandbox needs mount namespaces)");
        return false;
    }
    true
}

/// What the stage's base image brings: its ENTRYPOINT, WORKDIR and ENV (Docker's default PATH
/// is added when it sets none).
pub struct Base<'a> {
    pub entrypoint: &'a [&'a str],
    pub workdir: &'a str,
    pub env: &'a [(&'a str, &'a str)],
}

/// Docker's PATH for an image that sets none.
pub const DOCKER_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The AWS base images (public.ecr.aws/lambda/*): what every one of them brings. A family adds
/// its language's own variables to `env` where its test needs them.
pub const AWS_BASE: Base<'static> = Base {
    entrypoint: &["/lambda-entrypoint.sh"],
    workdir: "/var/task",
    env: &[
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":/etc/localtime"),
        (
            "PATH",
            "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        ),
        (
            "LD_LIBRARY_PATH",
            "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        ),
        ("LAMBDA_TASK_ROOT", "/var/task"),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
    ],
};

/// A final stage laid out under `root`, and what it runs.
pub struct Image {
    /// Image path `/x` is `root/x`. It must not lie under a top-level folder the image has
    /// too (overlayfs cannot merge a folder with one inside it); a temporary folder is fine.
    pub root: PathBuf,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub workdir: String,
    /// The base image's ENV, then the stage's, in order (a later one wins).
    pub env: Vec<(String, String)>,
    /// Host folders the sandbox makes reachable at their own paths; [`Image::stand_in`] adds them.
    pub expose: Vec<PathBuf>,
}

impl Image {
    /// `last`'s ENTRYPOINT (else `base`'s), CMD, WORKDIR (else `base`'s) and ENV over `base`'s.
    /// Lays nothing out; `root` is made.
    pub fn new(last: &Stage, root: &Path, base: &Base) -> Image {
        fs::create_dir_all(root).unwrap();
        let strings = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let base_env = base.env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let mut env: Vec<_> = base_env.chain(last.env.iter().cloned()).collect();
        if !env.iter().any(|(k, _)| k == "PATH") {
            env.insert(0, ("PATH".into(), DOCKER_PATH.into()));
        }
        Image {
            root: root.canonicalize().unwrap(),
            entrypoint: last
                .entrypoint
                .clone()
                .unwrap_or_else(|| strings(base.entrypoint)),
            cmd: last.cmd.clone().unwrap_or_default(),
            workdir: last.workdir.clone().unwrap_or_else(|| base.workdir.into()),
            env,
            expose: Vec::new(),
        }
    }

    /// Where image path `path` (absolute) is laid out on this machine.
    pub fn path(&self, path: &str) -> PathBuf {
        let rest = path
            .strip_prefix('/')
            .unwrap_or_else(|| panic!("{path} is not absolute"));
        self.root.join(rest)
    }

    /// Makes image path `path` a link to this machine's `program` (its real path, so that an
    /// interpreter still finds its libraries), reachable in the sandbox by uid 65534.
    pub fn stand_in(&mut self, path: &str, program: &Path) {
        let program = program.canonicalize().unwrap();
        let link = self.path(path);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&program, &link).unwrap();
        self.expose_for(&program);
    }

    /// Exposes the folder around `program` (its parent's parent: an installation's prefix, say
    /// /root/.pyenv/versions/3.11.7 for its bin/python3.11) when a folder on its path is closed
    /// to others, so that uid 65534 can run it.
    pub fn expose_for(&mut self, program: &Path) {
        let closed = program.ancestors().skip(1).any(|dir| {
            let mode = dir.metadata().unwrap().permissions().mode();
            mode & 0o001 == 0
        });
        if closed {
            let prefix = program.parent().and_then(Path::parent).unwrap();
            assert!(
                !prefix.starts_with("/tmp"),
                "{} is under /tmp",
                prefix.display()
            );
            if !self.expose.iter().any(|d| prefix.starts_with(d)) {
                self.expose.push(prefix.to_path_buf());
            }
        }
    }

    /// Stands in for the AWS base images' /lambda-entrypoint.sh: it requires exactly one
    /// argument, the handler, exports it as `_HANDLER` and, with a Runtime API (the emulator
    /// sets one), execs /var/runtime/bootstrap, the runtime the family's test lays out there.
    /// (The real script starts its bundled emulator when there is none; ours starts it
    /// ourselves.)
    pub fn write_aws_entrypoint(&self) {
        let script = self.path("/lambda-entrypoint.sh");
        fs::write(
            &script,
            "#!/bin/sh\n\
             if [ $# -ne 1 ]; then\n  \
               echo \"entrypoint requires the handler name to be the first argument\" 1>&2\n  \
               exit 142\n\
             fi\n\
             export _HANDLER=\"$1\"\n\
             [ -n \"$AWS_LAMBDA_RUNTIME_API\" ] || { echo 'no AWS_LAMBDA_RUNTIME_API' >&2; exit 1; }\n\
             exec /var/runtime/bootstrap\n",
        )
        .unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Starts the emulator with ENTRYPOINT + CMD; see [`Image::start_with`].
    pub fn start(&self) -> Rie {
        self.start_with(&self.cmd, &[])
    }

    /// Starts the emulator in the sandbox (module docs) with ENTRYPOINT + `cmd` in WORKDIR, and
    /// only the image's ENV, Lambda's and `env` (which wins) in the environment. Its output
    /// and the function's go to a log beside `root`.
    pub fn start_with(&self, cmd: &[String], env: &[(&str, &str)]) -> Rie {
        assert!(
            !self.entrypoint.is_empty() || !cmd.is_empty(),
            "nothing to run"
        );
        // Another program may take a free port before the emulator does: try others then.
        for _ in 0..5 {
            match self.try_start(cmd, env) {
                Ok(rie) => return rie,
                Err(output) if output.contains("address already in use") => continue,
                Err(output) => panic!("the sandbox exited:\n{output}"),
            }
        }
        panic!("no free ports for the emulator");
    }

    /// [`Image::start_with`] once: Err(its output) if the sandbox exits before the emulator
    /// listens.
    fn try_start(&self, cmd: &[String], env: &[(&str, &str)]) -> Result<Rie, String> {
        let port = free_port();
        let rie = super::which("aws-lambda-rie").expect("aws-lambda-rie on PATH");
        let new_root = unique_sibling(&self.root, "sandbox");
        fs::create_dir(&new_root).unwrap();
        let log = new_root.with_extension("log");
        let output = fs::File::create(&log).unwrap();

        let mut command = Command::new("unshare");
        command
            .args(["--mount", "--propagation", "private", "--pid", "--fork"])
            .args(["--kill-child", "--", "/bin/sh", "-c", SANDBOX, "sandbox"])
            .args(["/usr/bin/env", "-i", "-C", &self.workdir])
            .args(self.env.iter().map(|(k, v)| format!("{k}={v}")))
            .args(LAMBDA_ENV.iter().map(|(k, v)| format!("{k}={v}")))
            .args(env.iter().map(|(k, v)| format!("{k}={v}")))
            .arg("/aws-lambda/aws-lambda-rie")
            .arg(format!(
                "--runtime-interface-emulator-address=127.0.0.1:{port}"
            ))
            .arg(format!("--runtime-api-address=127.0.0.1:{}", free_port()))
            // No `--`: the emulator would run it. Its parser ignores the options it does not
            // know (such as python's `-m`), as it does in an image.
            .args(&self.entrypoint)
            .args(cmd)
            .env("SANDBOX_ROOT", &new_root)
            .env("SANDBOX_IMAGE", &self.root)
            .env("SANDBOX_RIE", rie.canonicalize().unwrap())
            .env("SANDBOX_EXPOSE", self.expose_list())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
        let mut rie = Rie {
            child,
            url: format!("http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"),
            log,
        };
        rie.wait_listening(port)?;
        Ok(rie)
    }

    fn expose_list(&self) -> String {
        let dirs = self.expose.iter().map(|d| d.to_str().expect("UTF-8 path"));
        dirs.collect::<Vec<_>>().join("\n")
    }
}

/// A port nobody listens on now (the emulator takes it a moment later), never one this test
/// process has handed out before.
fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        if given.insert(port) {
            return port;
        }
    }
}

/// `path` with extension `what`.N, for the first N not taken.
fn unique_sibling(path: &Path, what: &str) -> PathBuf {
    (0..)
        .map(|n| path.with_extension(format!("{what}.{n}")))
        .find(|p| !p.exists())
        .unwrap()
}

/// One invocation's answer from the emulator.
#[derive(Debug)]
pub struct Invocation {
    pub status: u16,
    /// The `X-Amz-Function-Error` header, if the emulator sent one.
    pub function_error: Option<String>,
    pub body: Vec<u8>,
}

/// The emulator and its function, in their sandbox; killed (with everything in the sandbox's
/// PID namespace) when dropped, the test passed or not.
pub struct Rie {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Rie {
    /// Err(the output) if the sandbox exits first.
    fn wait_listening(&mut self, port: u16) -> Result<(), String> {
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(format!("{status}\n{}", self.output()));
            }
            assert!(
                started.elapsed() < WAIT,
                "the emulator never listened:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// POSTs `payload` to the invocation endpoint and returns the answer, whatever its status.
    pub fn invoke(&self, payload: &[u8]) -> Invocation {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(WAIT))
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(&self.url)
            .send(payload)
            .unwrap_or_else(|e| panic!("no answer: {e}\n{}", self.output()));
        let function_error = response
            .headers()
            .get("X-Amz-Function-Error")
            .map(|v| v.to_str().unwrap().to_string());
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .unwrap();
        Invocation {
            status: response.status().as_u16(),
            function_error,
            body,
        }
    }

    /// [`Rie::invoke`], the answer's body as JSON (whatever the status).
    pub fn invoke_json(&self, payload: &[u8]) -> Value {
        let answer = self.invoke(payload);
        serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            let body = String::from_utf8_lossy(&answer.body);
            panic!("{answer:?} is not JSON ({e}): {body}\n{}", self.output())
        })
    }

    /// Everything the emulator and the function wrote so far, stdout and stderr.
    pub fn output(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The lines the function wrote: [`Rie::output`] without the emulator's own (its
    /// `(rapid)` log and the START, END and REPORT lines).
    pub fn function_lines(&self) -> Vec<String> {
        let emulator = |line: &str| {
            line.contains("] (rapid) ")
                || ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "]
                    .iter()
                    .any(|p| line.starts_with(p))
        };
        let output = self.output();
        let lines = output.lines().filter(|l| !l.is_empty() && !emulator(l));
        lines.map(str::to_string).collect()
    }

    /// Every line the function wrote, as JSON (Lambda's JSON log format); panics, naming
    /// `what`, on a line that is not JSON.
    pub fn json_lines(&self, what: &str) -> Vec<Value> {
        self.function_lines()
            .iter()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| {
                    panic!(
                        "{what}: a log line is not JSON ({e}): {line}\n{}",
                        self.output()
                    )
                })
            })
            .collect()
    }

    /// The request id of each invocation so far, from the emulator's START lines.
    pub fn request_ids(&self) -> Vec<String> {
        let output = self.output();
        let ids = output
            .lines()
            .filter_map(|l| l.strip_prefix("START RequestId: "))
            .filter_map(|rest| rest.split_whitespace().next());
        ids.map(str::to_string).collect()
    }

    /// Invokes `payload`: status 200, an API Gateway answer with one header, Content-Type (any
    /// case) application/json, and the greeting for `name`.
    pub fn assert_greets(&self, what: &str, payload: &[u8], name: &str) {
        let answer = self.invoke(payload);
        assert!(
            answer.status == 200 && answer.function_error.is_none(),
            "{what}: {answer:?}\n{}",
            self.output()
        );
        let answer: Value = serde_json::from_slice(&answer.body).expect("a JSON answer");
        assert_eq!(
            answer["statusCode"],
            200,
            "{what}: {answer}\n{}",
            self.output()
        );
        let headers = answer["headers"].as_object().expect("headers");
        assert!(
            headers.len() == 1
                && headers.iter().all(|(k, v)| {
                    k.eq_ignore_ascii_case("content-type") && v == "application/json"
                }),
            "{what}: {answer}"
        );
        let message: Value =
            serde_json::from_str(answer["body"].as_str().expect("a string body")).unwrap();
        let expected = json!({"message": format!("Hello, {name}!")});
        assert_eq!(message, expected, "{what}");
    }

    /// Invokes `payload`, which the handler fails with `error` (its type and message): the
    /// answer is the error document, its stack trace (`stack`, the client's name for it)
    /// mentions `file`. Returns the document.
    pub fn assert_raises(
        &self,
        what: &str,
        payload: &[u8],
        error: (&str, &str),
        stack: &str,
        file: &str,
    ) -> Value {
        let body = self.invoke_json(payload);
        assert_eq!(
            (&body["errorType"], &body["errorMessage"]),
            (&json!(error.0), &json!(error.1)),
            "{what}: {body}\n{}",
            self.output()
        );
        assert!(body[stack].to_string().contains(file), "{what}: {body}");
        body
    }
}

impl Rie {
    /// Invokes `event` and checks the answer against its expectation (see trigger.yaml):
    /// `http` (status and JSON body of an HTTP answer), `answer` (exactly this JSON), `error`
    /// (the invocation fails with an error document), `logs` (texts the function's log lines
    /// contain, each in some line written during this invocation).
    pub fn assert_expected(&self, event: &super::e2e::TriggerEvent) {
        let what = &event.what;
        let known = ["http", "answer", "error", "logs"];
        let expect = event.expect.as_object().expect("expect is a mapping");
        assert!(
            expect.keys().all(|k| known.contains(&k.as_str())),
            "{what}: unknown expectation in {expect:?}"
        );
        let lines_before = self.function_lines().len();
        let answer = self.invoke(&event.payload);
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            let text = String::from_utf8_lossy(&answer.body);
            panic!(
                "{what}: the answer is not JSON ({e}): {text}\n{}",
                self.output()
            )
        });
        let failed = body.get("errorType").is_some() || body.get("errorMessage").is_some();
        if expect.get("error") == Some(&Value::Bool(true)) {
            assert!(
                failed,
                "{what}: should fail, answered {body}\n{}",
                self.output()
            );
        } else {
            assert!(
                answer.status == 200 && !failed,
                "{what}: failed: {answer:?} {body}\n{}",
                self.output()
            );
        }
        if let Some(expected) = expect.get("answer") {
            assert_eq!(&body, expected, "{what}\n{}", self.output());
        }
        if let Some(http) = expect.get("http") {
            assert_eq!(body["statusCode"], http["status"], "{what}: {body}");
            let text = body["body"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: no body: {body}"));
            let json: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e}): {text}"));
            assert_eq!(json, http["body"], "{what}");
        }
        if let Some(logs) = expect.get("logs") {
            // The lines may arrive just after the answer.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            loop {
                let lines = self.function_lines();
                let new = &lines[lines_before.min(lines.len())..];
                let missing: Vec<&str> = logs
                    .as_array()
                    .expect("logs is a list")
                    .iter()
                    .map(|t| t.as_str().expect("log texts are strings"))
                    .filter(|text| !new.iter().any(|line| line.contains(text)))
                    .collect();
                if missing.is_empty() {
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "{what}: no log line contains {missing:?}\n{}",
                    self.output()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Rie {
    fn drop(&mut self) {
        let _ = self.child.kill(); // unshare --kill-child takes the namespace down with it
        let _ = self.child.wait();
    }
}
