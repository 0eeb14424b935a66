//! What the end-to-end tests share: the project's events, and (being replaced by the harness
//! on AWS's emulator, tests/support/rie.rs, which every family moves to) a Dockerfile's final
//! stage laid out on this machine, the process it starts against our Runtime API emulator, and
//! the checks of its answers.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::dockerfile::Stage;
use super::runtime_api::{Outcome, RuntimeApi};

/// Whether `stage` builds on one of the AWS base images.
pub fn is_aws_base(stage: &Stage) -> bool {
    stage.from.starts_with("public.ecr.aws/lambda/")
}

/// Every file in the project's `events/`, in name order: (its path, the payload, the name the
/// answer greets: the `name` query parameter, "world" without one).
pub fn event_files(project: &Path) -> Vec<(String, Vec<u8>, String)> {
    let mut paths: Vec<_> = fs::read_dir(project.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the project has sample events");
    paths
        .into_iter()
        .map(|path| {
            let payload = fs::read(&path).unwrap();
            let event: Value = serde_json::from_slice(&payload).unwrap();
            let name = event["queryStringParameters"]["name"]
                .as_str()
                .unwrap_or("world")
                .to_string();
            (path.display().to_string(), payload, name)
        })
        .collect()
}

/// A final stage laid out on this machine: image path `/x` is `root/x`.
pub struct Image {
    pub root: PathBuf,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub workdir: String,
    pub env: Vec<(String, String)>,
    /// Image paths this machine's own programs stand in for (the image's interpreter, say):
    /// [`Image::host_paths`] maps them there instead of under `root`. None by default.
    pub stand_ins: Vec<(String, PathBuf)>,
    /// Whether [`Image::host_paths`] keeps an absolute path outside the folders laid out
    /// under `root` (a system one such as /bin/sh) as it is; by default every one is mapped.
    pub keep_system_paths: bool,
    /// Whether the process starts with `_HANDLER` set from CMD, as the base image's entry
    /// point does; unset, the image's own entry point must export it. Set by default.
    pub handler_env: bool,
}

impl Image {
    /// `last`'s CMD, and its ENTRYPOINT, WORKDIR and ENV over what its base image brings: on
    /// an AWS base image `aws_entrypoint`, WORKDIR /var/task and `aws_env`; on the others no
    /// ENTRYPOINT and WORKDIR / (none that matters here). Lays nothing out yet.
    pub fn new(
        last: &Stage,
        root: &Path,
        aws_entrypoint: &[&str],
        aws_env: &[(&str, &str)],
    ) -> Image {
        let (entrypoint, workdir, env) = if is_aws_base(last) {
            (aws_entrypoint, "/var/task", aws_env)
        } else {
            (&[][..], "/", &[][..])
        };
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Image {
            root: root.to_path_buf(),
            entrypoint: last
                .entrypoint
                .clone()
                .unwrap_or_else(|| entrypoint.iter().map(|s| s.to_string()).collect()),
            cmd: last.cmd.clone().expect("CMD"),
            workdir: last.workdir.clone().unwrap_or_else(|| workdir.into()),
            env: env.chain(last.env.iter().cloned()).collect(),
            stand_ins: Vec::new(),
            keep_system_paths: false,
            handler_env: true,
        }
    }

    /// Does the stage's COPYs (`--from=build` sources found with `build_path`) under `root`
    /// and reads what it runs. On the AWS base image, what the image brings stands in: its
    /// ENTRYPOINT /lambda-entrypoint.sh, WORKDIR and ENV.
    pub fn lay_out(last: &Stage, root: &Path, build_path: impl Fn(&str) -> PathBuf) -> Image {
        let aws_env = [
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ];
        let image = Image::new(last, root, &["/lambda-entrypoint.sh"], &aws_env);
        if is_aws_base(last) {
            image.write_aws_entrypoint();
        }
        assert!(!image.entrypoint.is_empty(), "{}: no ENTRYPOINT", last.from);
        for copy in &last.copies {
            assert_eq!(copy.from.as_deref(), Some("build"), "{copy:?}");
            let [source] = copy.sources.as_slice() else {
                panic!("one file per COPY: {copy:?}")
            };
            let dest = image.host_path(&copy.dest);
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            fs::copy(build_path(source), &dest).unwrap();
        }
        fs::create_dir_all(image.host_path(&image.workdir)).unwrap();
        image
    }

    /// Stands in for the AWS base image's /lambda-entrypoint.sh: it requires exactly one
    /// argument, exports it as _HANDLER and execs /var/runtime/bootstrap (the real script
    /// runs that under its bundled emulator when AWS_LAMBDA_RUNTIME_API is unset).
    fn write_aws_entrypoint(&self) {
        use std::os::unix::fs::PermissionsExt;
        let script = self.host_path("/lambda-entrypoint.sh");
        let bootstrap = self.host_path("/var/runtime/bootstrap");
        fs::create_dir_all(&self.root).unwrap();
        fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 if [ $# -ne 1 ]; then\n  \
                   echo \"entrypoint requires the handler name to be the first argument\" 1>&2\n  \
                   exit 142\n\
                 fi\n\
                 export _HANDLER=\"$1\"\n\
                 [ -n \"$AWS_LAMBDA_RUNTIME_API\" ] || {{ echo 'no AWS_LAMBDA_RUNTIME_API' >&2; exit 1; }}\n\
                 exec '{}'\n",
                bootstrap.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Where image path `path` lives on this machine.
    pub fn host_path(&self, path: &str) -> PathBuf {
        let rest = path
            .strip_prefix('/')
            .unwrap_or_else(|| panic!("{path} is not absolute"));
        self.root.join(rest)
    }

    /// A value (ENV, an ENTRYPOINT word) with its absolute paths (`:`-separated lists too)
    /// mapped to this machine: a stand-in's to its program, the others under `root` (but
    /// system paths, with `keep_system_paths`).
    pub fn host_paths(&self, value: &str) -> String {
        let parts = value.split(':').map(|p| {
            let first = p.split('/').nth(1).unwrap_or("");
            if let Some((_, program)) = self.stand_ins.iter().find(|(path, _)| path == p) {
                program.to_string_lossy().into_owned()
            } else if p.starts_with('/')
                && (!self.keep_system_paths || self.host_path(&format!("/{first}")).exists())
            {
                self.host_path(p).to_string_lossy().into_owned()
            } else {
                p.to_string()
            }
        });
        parts.collect::<Vec<_>>().join(":")
    }

    /// ENTRYPOINT + CMD, output in `root`.log; see [`Image::start_as`].
    pub fn start(&self, wait: Duration) -> Client {
        let program = self.host_path(&self.entrypoint[0]);
        self.start_as(program, &self.cmd, self.root.with_extension("log"), wait)
    }

    /// ENTRYPOINT (its first word run as `program`, the others' paths mapped) + `cmd` in
    /// WORKDIR, with only PATH, the image's ENV and the variables Lambda sets (`_HANDLER`,
    /// with `handler_env`, is `cmd`'s first word); see [`Client::start`] for `log` and `wait`.
    pub fn start_as(
        &self,
        program: PathBuf,
        cmd: &[String],
        log: PathBuf,
        wait: Duration,
    ) -> Client {
        let mut command = Command::new(program);
        command
            .args(self.entrypoint[1..].iter().map(|a| self.host_paths(a)))
            .args(cmd)
            .current_dir(self.host_path(&self.workdir))
            .env_clear() // only what the image and Lambda provide
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs(self.env.iter().map(|(k, v)| (k, self.host_paths(v))))
            .env("LAMBDA_TASK_ROOT", self.host_path("/var/task"));
        if self.handler_env {
            command.env("_HANDLER", &cmd[0]);
        }
        Client::start(&mut command, log, wait)
    }
}

/// A started function process and its emulator; the process is killed when the test ends,
/// passed or not.
pub struct Client {
    child: Child,
    pub api: RuntimeApi,
    log: PathBuf,
    wait: Duration,
}

impl Client {
    /// Starts `command` with a fresh emulator's variables (one emulator per process, like a
    /// sandbox), its output in `log`; every invocation waits up to `wait` for the answer.
    pub fn start(command: &mut Command, log: PathBuf, wait: Duration) -> Client {
        let output = fs::File::create(&log).unwrap();
        let api = RuntimeApi::start();
        let child = command
            .envs(api.env())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
        Client {
            child,
            api,
            log,
            wait,
        }
    }

    pub fn invoke(&self, payload: &[u8]) -> Outcome {
        let wait = self.wait;
        self.api.invoke(payload, wait).unwrap_or_else(|_| {
            panic!(
                "no answer in {wait:?}; init error {:?}\n{}",
                self.api.init_error(),
                self.log()
            )
        })
    }

    /// What the process has written so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Invokes `payload`: an API Gateway answer, status 200 with one header, Content-Type (any
    /// case) application/json, and the greeting for `name`.
    pub fn assert_greets(&self, what: &str, payload: &[u8], name: &str) {
        let outcome = self.invoke(payload);
        let Outcome::Response(body) = &outcome else {
            panic!("{what}: {outcome:?}\n{}", self.log())
        };
        let answer: Value = serde_json::from_slice(body).expect("JSON response");
        assert_eq!(answer["statusCode"], 200, "{what}: {answer}");
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
        assert_eq!(
            message,
            json!({"message": format!("Hello, {name}!")}),
            "{what}"
        );
    }

    /// Invokes `payload`, which must end at the error endpoint: its error type and body.
    pub fn assert_error(&self, what: &str, payload: &[u8]) -> (String, Value) {
        match self.invoke(payload) {
            Outcome::Error { error_type, body } => (error_type, body),
            outcome => panic!("{what} was answered: {outcome:?}\n{}", self.log()),
        }
    }
}

impl Client {
    /// Invokes `payload`, which the handler fails with `error` (its type and message): the
    /// error body says so, and its stack trace (`stack`, the client's name for it) mentions
    /// `file`. Returns the error-type header.
    pub fn assert_raises(
        &self,
        what: &str,
        payload: &[u8],
        error: (&str, &str),
        stack: &str,
        file: &str,
    ) -> String {
        let (error_type, body) = self.assert_error(what, payload);
        assert_eq!(
            (&body["errorType"], &body["errorMessage"]),
            (&json!(error.0), &json!(error.1)),
            "{what}: {body}"
        );
        assert!(body[stack].to_string().contains(file), "{what}: {body}");
        error_type
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
