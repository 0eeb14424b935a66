//! Helpers shared by the integration tests. Each test crate uses only some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `lambda-new` binary under test.
pub fn lambda_new() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lambda-new"))
}

/// Generates a project with `args` (NAME first) into a fresh temporary directory and
/// returns that directory (kept alive by the guard) and the project path.
pub fn generate(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("temporary directory");
    let status = lambda_new()
        .args(args)
        .arg("--no-interactive")
        .arg("--output-dir")
        .arg(out.path())
        .output()
        .expect("lambda-new runs");
    assert!(
        status.status.success(),
        "lambda-new {args:?} failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let project = out.path().join(args[0]);
    (out, project)
}

/// The folder of a project's only function: the one subdirectory that holds a `function/`
/// (its Docker build context) and its `events/`; `project` itself if it is a function's folder.
pub fn function_folder(project: &Path) -> PathBuf {
    if project.join("function").is_dir() {
        return project.to_path_buf();
    }
    let folders: Vec<PathBuf> = std::fs::read_dir(project)
        .unwrap_or_else(|e| panic!("{}: {e}", project.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("function").is_dir())
        .collect();
    assert_eq!(folders.len(), 1, "one function in {}", project.display());
    folders.into_iter().next().unwrap()
}

/// Whether `new` is `old` with text inserted at no more than two places (where `lambda-new
/// add` inserts into a template: after its resources and after its outputs): no byte of `old`
/// removed, changed or moved.
pub fn only_inserts(old: &str, new: &str) -> bool {
    let (old, new) = (old.as_bytes(), new.as_bytes());
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    // What is left of old must lie whole between the two insertions.
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];
    old_middle.is_empty()
        || new_middle
            .windows(old_middle.len())
            .any(|w| w == old_middle)
}

/// Whether an external tool a test needs is on PATH. Locally a missing tool skips the test
/// with a printed reason; under `CI=true` it fails, since CI must install it.
pub fn require_tool(tool: &str, why: &str) -> bool {
    if which(tool).is_some() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{tool} is required under CI=true ({why}); .ci/run must install it");
    }
    eprintln!("SKIPPED: {tool} is not installed ({why})");
    false
}

pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// One generated-project configuration: a point of the runtime x base x architecture x
/// family-option matrix.
#[derive(Debug, Clone)]
pub struct Combo {
    /// The catalog family's id, e.g. `nodejs`.
    pub family: String,
    pub runtime: String,
    pub base: lambda_new::choices::BaseKind,
    pub arch: lambda_new::choices::Architecture,
    pub options: std::collections::BTreeMap<String, String>,
    /// A trigger id; `api` (the default) unless a test picks another.
    pub trigger: String,
}

impl Combo {
    /// A stable, file-name-safe label, e.g. `python3.14-aws-x86_64` or
    /// `java25-alternative-arm64-gradle`.
    pub fn label(&self) -> String {
        let base = match self.base {
            lambda_new::choices::BaseKind::Aws => "aws",
            lambda_new::choices::BaseKind::Alternative => "alternative",
        };
        let mut label = format!("{}-{base}-{}", self.runtime, self.arch.lambda_name());
        for value in self.options.values() {
            label.push('-');
            label.push_str(value);
        }
        if self.trigger != DEFAULT_TRIGGER {
            label.push('-');
            label.push_str(&self.trigger);
        }
        label
    }

    /// The same combination wired to `trigger`.
    pub fn with_trigger(&self, trigger: &str) -> Combo {
        Combo {
            trigger: trigger.to_owned(),
            ..self.clone()
        }
    }

    pub fn request(&self, name: &str) -> lambda_new::request::Request {
        lambda_new::request::Request {
            name: Some(name.to_owned()),
            runtime: Some(self.runtime.clone()),
            base: Some(self.base),
            base_image: None,
            architecture: Some(self.arch),
            options: self.options.clone(),
            trigger: Some(self.trigger.clone()),
            ..Default::default()
        }
    }

    /// The command-line arguments that ask for this combination.
    pub fn args(&self) -> Vec<String> {
        let label_base = match self.base {
            lambda_new::choices::BaseKind::Aws => "aws",
            lambda_new::choices::BaseKind::Alternative => "alternative",
        };
        let mut args = vec![
            "--runtime".to_owned(),
            self.runtime.clone(),
            "--base".to_owned(),
            label_base.to_owned(),
            "--architecture".to_owned(),
            self.arch.lambda_name().to_owned(),
            "--trigger".to_owned(),
            self.trigger.clone(),
        ];
        for (key, value) in &self.options {
            args.push(format!("--{key}"));
            args.push(value.clone());
        }
        args
    }
}

/// The trigger of today's matrix (the catalog's default).
pub const DEFAULT_TRIGGER: &str = "api";

/// Every combination of the embedded catalog, deprecated runtimes included or not.
pub fn matrix(include_deprecated: bool) -> Vec<Combo> {
    use lambda_new::choices::{Architecture, BaseKind};
    let catalog = lambda_new::catalog::Catalog::embedded().expect("embedded catalog");
    let mut combos = Vec::new();
    for family in &catalog.families {
        // Cartesian product of the family's option values.
        let mut option_sets = vec![std::collections::BTreeMap::new()];
        for option in &family.options {
            option_sets = option_sets
                .into_iter()
                .flat_map(|set| {
                    option.values.iter().map(move |value| {
                        let mut set = set.clone();
                        set.insert(option.key.clone(), value.id.clone());
                        set
                    })
                })
                .collect();
        }
        for runtime in &family.runtimes {
            if runtime.deprecated.is_some() && !include_deprecated {
                continue;
            }
            for base in [BaseKind::Aws, BaseKind::Alternative] {
                for arch in [Architecture::X86_64, Architecture::Arm64] {
                    for options in &option_sets {
                        combos.push(Combo {
                            family: family.id.clone(),
                            runtime: runtime.id.clone(),
                            base,
                            arch,
                            options: options.clone(),
                            trigger: DEFAULT_TRIGGER.to_owned(),
                        });
                    }
                }
            }
        }
    }
    combos
}

/// One family's combinations on every architecture, deprecated runtimes included.
pub fn family_matrix(family: &str) -> Vec<Combo> {
    let combos: Vec<Combo> = matrix(true)
        .into_iter()
        .filter(|c| c.family == family)
        .collect();
    assert!(!combos.is_empty(), "the catalog has no {family} runtime");
    combos
}

/// One family's combinations on x86_64 only, deprecated runtimes included: for tests of files
/// the architecture does not change.
pub fn family_combos(family: &str) -> Vec<Combo> {
    let combos: Vec<Combo> = family_matrix(family)
        .into_iter()
        .filter(|c| c.arch == lambda_new::choices::Architecture::X86_64)
        .collect();
    assert!(!combos.is_empty(), "the catalog has no {family} runtime");
    combos
}

/// The lines of the first ```sh block after `heading` in a README.
pub fn first_sh_block<'r>(readme: &'r str, heading: &str) -> Vec<&'r str> {
    let at = readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?} section"));
    readme[at..]
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no sh block after {heading:?}"))
        .lines()
        .collect()
}

/// Runs a command without input and asserts it succeeds, showing its output if not.
pub fn run(command: &mut Command) -> std::process::Output {
    let output = command
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?} did not start: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The target directory every generated Rust project builds in, so their dependencies
/// compile once per machine whichever test builds them.
pub fn generated_rust_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tmp dir lies in the target dir")
        .join("generated-rust")
}

/// A planned path relative to its function's folder when it lies in one (`my-fn/function/x`
/// is `function/x`, `my-fn/events/y` is `events/y`); other paths as they are.
pub fn function_path(path: &str) -> &str {
    match path.split_once('/') {
        Some((_, rest)) if rest.starts_with("function/") || rest.starts_with("events/") => rest,
        _ => path,
    }
}

/// The text of the planned file at `path` (the function's files as `function/...` and
/// `events/...`, see [`function_path`]); panics if the plan has none or it is not UTF-8.
pub fn text<'p>(plan: &'p lambda_new::render::Plan, path: &str) -> &'p str {
    let file = plan
        .files
        .iter()
        .find(|f| f.path == path || function_path(&f.path) == path);
    let file = file.unwrap_or_else(|| panic!("{path} is not generated"));
    std::str::from_utf8(&file.contents).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The template `lambda-new NAME` renders for `name` on `trigger` (a Python function).
pub fn rendered_template(name: &str, trigger: &str) -> String {
    let combo = matrix(false)
        .into_iter()
        .find(|c| c.family == "python")
        .unwrap()
        .with_trigger(trigger);
    text(&render(&combo, name), "template.yaml").to_owned()
}

/// Renders a combination in memory with the library, as the binary would.
pub fn render(combo: &Combo, name: &str) -> lambda_new::render::Plan {
    let catalog = lambda_new::catalog::Catalog::embedded().expect("embedded catalog");
    let (choices, _) =
        lambda_new::choices::resolve(&combo.request(name), &catalog).expect("combination resolves");
    lambda_new::render::render(&choices, &catalog).expect("combination renders")
}

/// The exact Go toolchain the generated README names for machines with `GOTOOLCHAIN=local`
/// (as this project's are): the generated go.mod asks for a newer Go than theirs.
pub fn go_toolchain() -> String {
    let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
    let (family, runtime) = catalog.runtime("go").unwrap();
    family.vars_for(runtime)["go_toolchain"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `GOTOOLCHAIN` as the generated README says, and that toolchain's `go` and `gofmt` first on
/// PATH: the environment for every go command run on a generated project.
pub fn go_env() -> Vec<(&'static str, String)> {
    let toolchain = go_toolchain();
    let goroot = run(Command::new("go")
        .args(["env", "GOROOT"])
        .env("GOTOOLCHAIN", &toolchain));
    let goroot = String::from_utf8_lossy(&goroot.stdout);
    let path = std::env::var("PATH").unwrap();
    vec![
        ("GOTOOLCHAIN", toolchain),
        ("PATH", format!("{}/bin:{path}", goroot.trim())),
    ]
}

pub mod build_context;
pub mod disk;
pub mod dockerfile;
pub mod e2e;
pub mod python;
pub mod rie;
pub mod s3;

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
