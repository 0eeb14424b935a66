//! The CI/CD pipeline (`--ci github` or `--ci gitlab`): a GitHub Actions workflow or a GitLab
//! CI/CD file, and the CloudFormation template that bootstraps the AWS account for it (the
//! same for both but for whom its roles trust). Both are rendered from the application's
//! `template.yaml` and each function's README, never from one function's choices, so a new
//! project and one grown by `lambda-new add` get the same files for the same functions.
//!
//! `add` rewrites them only when they are proven unchanged: what is on disk must be exactly
//! what this module renders for the template as it was before the add.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::catalog::{Catalog, Runtime, Vars};
use crate::choices::{Architecture, Ci};
use crate::error::Error;
use crate::render::{Plan, PlannedFile};

pub const WORKFLOW: &str = ".github/workflows/pipeline.yaml";
pub const GITLAB_CI: &str = ".gitlab-ci.yml";
pub const BOOTSTRAP: &str = "pipeline/bootstrap.yaml";

/// Whether `path` (relative to the application) is one of the pipeline's files.
pub fn is_pipeline_file(path: &str) -> bool {
    [WORKFLOW, GITLAB_CI, BOOTSTRAP].contains(&path)
}
/// The stages `sam deploy` deploys to, in order; each is a GitHub environment and a stack.
const STAGES: [&str; 2] = ["dev", "prod"];

/// A function of the application, as the pipeline sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub logical_id: String,
    /// Its folder in the application: `<folder>/function` is the Docker build context.
    pub folder: String,
    pub architecture: Architecture,
    pub runtime_id: String,
    /// The commands of its README's "Test" section, one per line.
    pub test_script: Vec<String>,
}

/// The pipeline files of a new project: `files` are the project's other rendered files.
pub fn new_files(
    ci: Ci,
    stack: &str,
    files: &[PlannedFile],
    catalog: &Catalog,
) -> Result<Vec<PlannedFile>, Error> {
    if ci == Ci::None {
        return Ok(Vec::new());
    }
    let text = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| String::from_utf8_lossy(&f.contents).into_owned())
    };
    let template = text("template.yaml").expect("every project has a template.yaml");
    parse(&template)
        .and_then(|doc| render(ci, stack, &doc, |folder| text(&readme(folder)), catalog))
        .map_err(Error::Internal)
}

/// The pipeline file of `ci`.
fn pipeline_path(ci: Ci) -> &'static str {
    match ci {
        Ci::Gitlab => GITLAB_CI,
        _ => WORKFLOW,
    }
}

/// Adds to `plan` (what `lambda-new add` writes, its template edit included) the edits of
/// the pipeline of the application in `project`: none without one (or with `--ci none`), else
/// its files rendered for the edited template (`new_doc`), each replacing exactly the bytes
/// lambda-new renders for the template as it was (`old_template`, with its document). `added`
/// is the new function's whole plan: its README is not on disk yet.
#[allow(
    clippy::too_many_arguments,
    reason = "each is a distinct input of the edit"
)]
pub fn grow(
    plan: &mut Plan,
    ci: Ci,
    project: &Path,
    stack: &str,
    (old_template, old_doc): (&str, &Value),
    new_doc: &Value,
    added: &Plan,
    catalog: &Catalog,
) -> Result<(), Error> {
    let template = plan
        .files
        .iter()
        // The answers file is replaced too: the template is the file that replaces its text.
        .find(|f| f.replaces.as_deref() == Some(old_template.as_bytes()))
        .expect("add edits the template");
    let template_path = project.join(&template.path);
    let edits = edits(ci, project, stack, (old_doc, new_doc), added, catalog).map_err(|error| {
        // Another run that added a function first wrote the pipeline and the template: the
        // pipeline no longer matches the template as this run read it.
        let template_now = read(&template_path).unwrap_or_default();
        match template_now == old_template.as_bytes() {
            true => error,
            false => Error::ChangedMeanwhile {
                path: template_path.clone(),
                what: "was changed",
            },
        }
    })?;
    plan.files.extend(edits);
    plan.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(())
}

/// For `lambda-new update`: the application's pipeline files (those of the pipeline on disk)
/// rendered for `new_template` and `readme` (a function folder's README after the update),
/// each to replace the file on disk only where that file is exactly what lambda-new renders
/// for `old_template` and the READMEs on disk; the second value names the files left as they
/// are, with why.
pub fn refresh(
    project: &Path,
    stack: &str,
    (old_template, new_template): (&str, &str),
    readme: impl Fn(&str) -> Option<String>,
    catalog: &Catalog,
) -> (Vec<PlannedFile>, Vec<(String, String)>) {
    let Some(ci) = ci_on_disk(project) else {
        return (Vec::new(), Vec::new());
    };
    let on_disk = |path: &str| text_on_disk(project, path);
    let rendered = parse(old_template)
        .and_then(|old| render(ci, stack, &old, |f| on_disk(&self::readme(f)), catalog))
        .and_then(|before| {
            let after = render(
                ci,
                stack,
                &parse(new_template)?,
                |f| readme(f).or_else(|| on_disk(&self::readme(f))),
                catalog,
            )?;
            Ok(before.into_iter().zip(after))
        });
    let pairs = match rendered {
        Ok(pairs) => pairs,
        Err(reason) => {
            let kept = vec![(pipeline_path(ci).to_owned(), reason)];
            return (Vec::new(), kept);
        }
    };
    let mut edits = Vec::new();
    let mut kept = Vec::new();
    for (before, mut after) in pairs {
        let current = read(&project.join(&before.path)).unwrap_or_default();
        if after.contents == current {
            continue;
        }
        if current != before.contents {
            kept.push((
                before.path,
                "not what lambda-new renders for template.yaml as it is (edited, or the \
                 template was edited since it was rendered); left as it is"
                    .to_owned(),
            ));
        } else {
            after.replaces = Some(current);
            edits.push(after);
        }
    }
    (edits, kept)
}

/// The CI whose pipeline file the application has.
fn ci_on_disk(project: &Path) -> Option<Ci> {
    [Ci::Github, Ci::Gitlab]
        .into_iter()
        .find(|&c| project.join(pipeline_path(c)).exists())
}

/// The text of the application's file at `path`, if it is there and readable.
fn text_on_disk(project: &Path, path: &str) -> Option<String> {
    String::from_utf8(read(&project.join(path)).ok()?).ok()
}

fn edits(
    ci: Ci,
    project: &Path,
    stack: &str,
    (old_doc, new_doc): (&Value, &Value),
    added: &Plan,
    catalog: &Catalog,
) -> Result<Vec<PlannedFile>, Error> {
    // The application's pipeline is the one on disk, whichever `--ci` this add was given.
    let Some(ci) = ci_on_disk(project).filter(|_| ci != Ci::None) else {
        return Ok(Vec::new());
    };
    let pipeline = pipeline_path(ci);
    let on_disk = |path: &str| text_on_disk(project, path);
    let refuse = |path: &str, reason: String| Error::CannotEdit {
        path: project.join(path),
        reason,
    };
    let before = render(ci, stack, old_doc, |f| on_disk(&readme(f)), catalog)
        .map_err(|reason| refuse(pipeline, reason))?;
    let in_plan = |path: &str| {
        added
            .files
            .iter()
            .find(|f| f.path == path)
            .map(|f| String::from_utf8_lossy(&f.contents).into_owned())
    };
    let after = render(
        ci,
        stack,
        new_doc,
        |f| in_plan(&readme(f)).or_else(|| on_disk(&readme(f))),
        catalog,
    )
    .map_err(|reason| refuse(pipeline, reason))?;
    let mut edits = Vec::new();
    for (old, mut new) in before.into_iter().zip(after) {
        let current = read(&project.join(&old.path)).unwrap_or_default();
        if current != old.contents {
            // Grown by another run's add since this run read the template: a race, not an edit.
            let grown = grows_only(
                &String::from_utf8_lossy(&old.contents),
                &String::from_utf8_lossy(&current),
                &old.path,
                None,
            );
            if grown.is_ok() {
                return Err(Error::ChangedMeanwhile {
                    path: project.join(&old.path),
                    what: "was changed",
                });
            }
            return Err(refuse(
                &old.path,
                "it is not as lambda-new wrote it (edited since?), so lambda-new will not \
                 rewrite it; add the function to the pipeline by hand and run `lambda-new add` \
                 with `--ci none`"
                    .into(),
            ));
        }
        new.replaces = Some(current);
        edits.push(new);
    }
    // The templates' promise, checked where every test's add runs (debug builds): parsing
    // four pipeline files and two templates back was 40% of an add.
    if cfg!(debug_assertions) {
        let added = added_functions(old_doc, new_doc).map_err(|reason| refuse(pipeline, reason))?;
        for edit in &edits {
            let old = String::from_utf8_lossy(edit.replaces.as_deref().unwrap_or_default());
            let new = String::from_utf8_lossy(&edit.contents);
            grows_only(&old, &new, &edit.path, Some(&added))
                .map_err(|reason| Error::Internal(format!("{}: {reason}", edit.path)))?;
        }
    }
    Ok(edits)
}

/// The functions the template of `new_doc` has and that of `old_doc` has not.
fn added_functions(old_doc: &Value, new_doc: &Value) -> Result<Vec<Function>, String> {
    // The README does not matter here: only which functions there are.
    let parse = |doc: &Value| functions(doc, |_| Some("\n## Test\n```sh\n```\n".to_owned()));
    let old = parse(old_doc)?;
    Ok(parse(new_doc)?
        .into_iter()
        .filter(|f| !old.iter().any(|o| o.logical_id == f.logical_id))
        .collect())
}

/// Parsed back, a regenerated pipeline file must be the old one plus exactly the new
/// functions' entries (jobs, or a repository) and changed only where every function is listed:
/// the deploy jobs, and the roles that name the repositories or the template's resource types.
/// With `added` unknown (`None`), any new entries pass, but there must be some.
fn grows_only(old: &str, new: &str, path: &str, added: Option<&[Function]>) -> Result<(), String> {
    let added = added.unwrap_or_default();
    let (section, new_keys, may_change): (&str, Vec<String>, Vec<String>) =
        if path == WORKFLOW || path == GITLAB_CI {
            let jobs = added
                .iter()
                .flat_map(|f| {
                    let job = job_id(&f.folder);
                    [format!("test-{job}"), format!("image-{job}")]
                })
                .collect();
            let deploys = STAGES.iter().map(|s| format!("deploy-{s}")).collect();
            ("jobs", jobs, deploys)
        } else {
            let repositories = added
                .iter()
                .map(|f| format!("{}Repository", f.logical_id))
                .collect();
            let roles = ["ImagePushRole", "CloudFormationRole"]
                .map(str::to_owned)
                .to_vec();
            ("Resources", repositories, roles)
        };
    let parse =
        |text: &str| serde_yaml::from_str::<serde_yaml::Mapping>(text).map_err(|e| e.to_string());
    let (mut old, mut new) = (parse(old)?, parse(new)?);
    // GitLab's jobs are the file's top-level keys: the whole file is the section.
    if path == GITLAB_CI {
        let wrap = |m| serde_yaml::Mapping::from_iter([(Value::from(section), Value::Mapping(m))]);
        (old, new) = (wrap(old), wrap(new));
    }
    let (Some(Value::Mapping(old_entries)), Some(Value::Mapping(mut new_entries))) =
        (old.remove(section), new.remove(section))
    else {
        return Err(format!("no {section}"));
    };
    if old != new {
        return Err(format!("changed outside {section}"));
    }
    for (key, value) in &old_entries {
        let name = key.as_str().unwrap_or_default();
        match new_entries.remove(key) {
            None => return Err(format!("{name} is gone")),
            Some(v) if v != *value && !may_change.iter().any(|m| m == name) => {
                return Err(format!("{name} changed"));
            }
            Some(_) => {}
        }
    }
    if added.is_empty() {
        return match new_entries.is_empty() {
            true => Err("nothing was added".into()),
            false => Ok(()),
        };
    }
    let mut left: Vec<String> = new_entries
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    left.sort();
    let mut wanted = new_keys;
    wanted.sort();
    match left == wanted {
        true => Ok(()),
        false => Err(format!("added {left:?}, not {wanted:?}")),
    }
}

/// The suffix of a function's job ids: its folder in lower case with dashes.
fn job_id(folder: &str) -> String {
    folder.to_lowercase().replace('_', "-")
}

fn readme(folder: &str) -> String {
    format!("{folder}/README.md")
}

/// The pipeline file of `ci` and the bootstrap template for the functions of `template`.
fn render(
    ci: Ci,
    stack: &str,
    doc: &Value,
    readme: impl Fn(&str) -> Option<String>,
    catalog: &Catalog,
) -> Result<Vec<PlannedFile>, String> {
    let functions = functions(doc, &readme)?;
    let context = context(ci, stack, doc, &functions, catalog)?;
    let context = handlebars::Context::wraps(context).map_err(|e| e.to_string())?;
    let engine = engine(ci)?;
    let pipeline = pipeline_source(ci);
    let mut out = crate::render::Buffer::default();
    [
        (pipeline_path(ci), pipeline.as_str()),
        (BOOTSTRAP, BOOTSTRAP_SOURCE),
    ]
    .into_iter()
    .map(|(path, source)| {
        let contents = out
            .render(engine, source, &context)
            .map_err(|e| format!("{source}: {e}"))?;
        Ok(PlannedFile {
            path: path.to_owned(),
            contents: contents.as_bytes().to_vec(),
            executable: false,
            replaces: None,
        })
    })
    .collect()
}

/// The bootstrap's template, shared by every CI.
const BOOTSTRAP_SOURCE: &str = "pipeline/bootstrap.yaml.hbs";

fn pipeline_source(ci: Ci) -> String {
    format!("pipeline/{}/pipeline.yaml.hbs", ci.id())
}

/// The document of a template.yaml the pipeline is rendered for.
fn parse(template: &str) -> Result<Value, String> {
    serde_yaml::from_str(template)
        .map_err(|e| format!("template.yaml is not YAML lambda-new can read: {e}"))
}

/// The templates of `ci`'s pipeline, built once a run: `add` and `update` render the pipeline
/// twice (the application's before and after).
fn engine(ci: Ci) -> Result<&'static Handlebars<'static>, String> {
    static ENGINES: [OnceLock<Result<Handlebars<'static>, String>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    let engine = ENGINES[usize::from(ci == Ci::Gitlab)].get_or_init(|| {
        let pipeline = pipeline_source(ci);
        // The two files, by path, and the parts they include, each a partial named after its
        // folder and file (`bootstrap_provider`): the bootstrap's that say whom its roles
        // trust, and the pipeline's jobs of a function and of a stage.
        let parts: Vec<(String, String)> = [
            "bootstrap/parameters",
            "bootstrap/provider",
            "bootstrap/image_trust",
            "bootstrap/deploy_trust",
            "jobs/function",
            "jobs/deploy",
        ]
        .map(|part| {
            let source = format!("pipeline/{}/{part}.hbs", ci.id());
            (part.replace('/', "_"), source)
        })
        .into();
        let parts = parts
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let mut engine = crate::render::engine();
        let files = [pipeline.as_str(), BOOTSTRAP_SOURCE].map(|source| (source, source));
        crate::render::register(&mut engine, files, &parts).map_err(|e| e.to_string())?;
        Ok(engine)
    });
    engine.as_ref().map_err(Clone::clone)
}

/// Every image function of the template, in its order.
fn functions(
    doc: &Value,
    readme: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Function>, String> {
    let Some(resources) = doc.get("Resources").and_then(Value::as_mapping) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (id, resource) in resources {
        let (Some(id), Some("AWS::Serverless::Function")) =
            (id.as_str(), resource.get("Type").and_then(Value::as_str))
        else {
            continue;
        };
        let properties = resource.get("Properties");
        if properties
            .and_then(|p| p.get("PackageType"))
            .and_then(Value::as_str)
            != Some("Image")
        {
            continue;
        }
        let metadata = |key: &str| {
            resource
                .get("Metadata")
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
        };
        let folder = metadata("DockerContext")
            .and_then(|c| c.trim_start_matches("./").strip_suffix("/function"))
            .ok_or_else(|| {
                format!(
                    "{id}: its DockerContext is not FOLDER/function, the layout lambda-new makes"
                )
            })?
            .to_owned();
        let runtime_id = metadata("DockerTag")
            .ok_or_else(|| format!("{id}: it has no DockerTag naming its runtime"))?
            .to_owned();
        let architecture = match properties
            .and_then(|p| p.get("Architectures"))
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
        {
            Some("arm64") => Architecture::Arm64,
            _ => Architecture::X86_64,
        };
        let text = readme(&folder)
            .ok_or_else(|| format!("{folder}/README.md, which documents its tests, is missing"))?;
        let test_script = test_commands(&text).ok_or_else(|| {
            format!("{folder}/README.md has no `## Test` section with a sh block")
        })?;
        out.push(Function {
            logical_id: id.to_owned(),
            folder,
            architecture,
            runtime_id,
            test_script,
        });
    }
    Ok(out)
}

/// The lines of the first `sh` block of a README's "Test" section: the commands the pipeline
/// runs for the function, so the two never differ.
pub fn test_commands(readme: &str) -> Option<Vec<String>> {
    let section = readme.split("\n## Test\n").nth(1)?;
    let section = section.split("\n## ").next()?;
    let block = section.split("```sh\n").nth(1)?.split("\n```").next()?;
    Some(block.lines().map(str::to_owned).collect())
}

#[derive(Serialize)]
struct Context {
    tool_version: &'static str,
    description: String,
    /// Who issues the tokens the roles trust, and what the CI calls its variables.
    ci_name: &'static str,
    variable_kind: &'static str,
    /// Each action the workflow uses, by its name in `actions.yaml`, as its `uses:` value.
    actions: BTreeMap<String, String>,
    images: serde_json::Value,
    functions: Vec<FunctionContext>,
    stages: Vec<Stage>,
    permissions: Vec<Permission>,
}

#[derive(Serialize)]
struct FunctionContext {
    logical_id: String,
    folder: String,
    /// The suffix of its jobs' ids.
    job: String,
    /// Its ECR repository's name.
    repository: String,
    arch: &'static str,
    platform: &'static str,
    /// The runner (GitHub's label, GitLab's tag) that builds its image natively.
    runner: &'static str,
    /// For arm64 only: the variable that may name another runner, and the QEMU image that
    /// builds the image there when that runner is not arm64.
    emulation: Option<Emulation>,
    test_image: String,
    test_setup: Vec<Setup>,
    test_script: Vec<String>,
    /// Steps after the README's commands, where one of them only reports.
    test_checks: Vec<Setup>,
}

/// Where no arm64 runner exists (GitHub Enterprise Server, a self-managed GitLab), the
/// variable names an x86 one and the image job builds under QEMU; the default stays native,
/// several times faster.
#[derive(Serialize)]
struct Emulation {
    variable: &'static str,
    /// The binfmt image of the release tag `deploy/v10.2.3-68` of tonistiigi/binfmt, which
    /// docker/setup-qemu-action runs too: a fixed QEMU rather than its default, `latest`.
    binfmt: &'static str,
}

/// A step of a test job besides the README's commands.
#[derive(Serialize)]
struct Setup {
    about: String,
    command: String,
}

#[derive(Serialize)]
struct Stage {
    name: &'static str,
    stack: String,
    /// The jobs it waits for, comma-separated.
    needs: String,
    /// Whether someone starts it (GitLab; GitHub's environment reviewers approve it instead).
    manual: bool,
}

#[derive(Serialize, Deserialize)]
struct Permission {
    about: String,
    #[serde(default, skip_serializing)]
    types: Vec<String>,
    actions: Vec<String>,
    resources: Vec<String>,
}

fn context(
    ci: Ci,
    stack: &str,
    doc: &Value,
    functions: &[Function],
    catalog: &Catalog,
) -> Result<Context, String> {
    let prefix = stack.to_lowercase();
    let functions = functions
        .iter()
        .map(|f| function_context(ci, f, &prefix, catalog))
        .collect::<Result<Vec<_>, String>>()?;
    let images: Vec<String> = functions
        .iter()
        .map(|f| format!("image-{}", f.job))
        .collect();
    let stages = STAGES
        .iter()
        .enumerate()
        .map(|(i, name)| Stage {
            name,
            stack: format!("{stack}-{name}"),
            needs: match i {
                0 => images.join(", "),
                _ => format!("deploy-{}", STAGES[i - 1]),
            },
            manual: i > 0,
        })
        .collect::<Vec<_>>();
    Ok(Context {
        tool_version: env!("CARGO_PKG_VERSION"),
        description: format!("CI/CD bootstrap for the SAM application {stack}"),
        ci_name: match ci {
            Ci::Gitlab => "GitLab",
            _ => "GitHub",
        },
        variable_kind: match ci {
            Ci::Gitlab => "CI/CD variable",
            _ => "repository variable",
        },
        actions: actions()?,
        images: table(include_str!(concat!(
            env!("OUT_DIR"),
            "/pipeline_gitlab_images.json"
        )))?,
        permissions: permissions(doc, &stages, &prefix)?,
        functions,
        stages,
    })
}

/// An action pinned by the full commit SHA of the release named beside it.
#[derive(Deserialize)]
struct Action {
    uses: String,
    sha: String,
    version: String,
}

fn actions() -> Result<BTreeMap<String, String>, String> {
    let actions: BTreeMap<String, Action> = table(include_str!(concat!(
        env!("OUT_DIR"),
        "/pipeline_actions.json"
    )))?;
    Ok(actions
        .into_iter()
        .map(|(name, a)| (name, format!("{}@{} # {}", a.uses, a.sha, a.version)))
        .collect())
}

fn function_context(
    ci: Ci,
    f: &Function,
    prefix: &str,
    catalog: &Catalog,
) -> Result<FunctionContext, String> {
    let (family, runtime) = catalog.runtime(&f.runtime_id).map_err(|_| {
        format!(
            "{}: its DockerTag {:?} is not a runtime lambda-new knows",
            f.logical_id, f.runtime_id
        )
    })?;
    let (test_image, test_setup) = test_image(&family.id, runtime, &family.vars_for(runtime));
    let job = job_id(&f.folder);
    Ok(FunctionContext {
        logical_id: f.logical_id.clone(),
        folder: f.folder.clone(),
        repository: format!("{prefix}/{job}"),
        job,
        arch: f.architecture.lambda_name(),
        platform: f.architecture.docker_platform(),
        runner: match (ci, f.architecture) {
            (Ci::Gitlab, Architecture::X86_64) => "saas-linux-small-amd64",
            (Ci::Gitlab, Architecture::Arm64) => "saas-linux-small-arm64",
            (_, Architecture::X86_64) => "ubuntu-24.04",
            (_, Architecture::Arm64) => "ubuntu-24.04-arm",
        },
        emulation: (f.architecture == Architecture::Arm64).then_some(Emulation {
            variable: "ARM64_RUNNER",
            binfmt: "docker.io/tonistiigi/binfmt:qemu-v10.2.3-68",
        }),
        test_image,
        test_setup,
        test_script: f.test_script.clone(),
        test_checks: checks(&family.id, &f.folder),
    })
}

/// What the pipeline checks beyond the README's commands: `gofmt -l` lists the files it would
/// change and succeeds anyway, so the job fails on a list that is not empty.
fn checks(family: &str, folder: &str) -> Vec<Setup> {
    match family {
        "go" => vec![Setup {
            about: "Fail when gofmt would change a file".into(),
            command: format!("test -z \"$(gofmt -l {folder}/function)\""),
        }],
        _ => Vec::new(),
    }
}

/// The official image a function's tests run in: its language at its runtime's version (for
/// Java, the JDK its build tools ask for), plus what that image lacks.
fn test_image(family: &str, runtime: &Runtime, vars: &Vars) -> (String, Vec<Setup>) {
    let var = |key: &str| match vars.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    match family {
        "go" => (var("go_image"), Vec::new()),
        "dotnet" => (var("sdk_image"), Vec::new()),
        "java" => (
            format!(
                "public.ecr.aws/docker/library/maven:{}-eclipse-temurin-{}",
                var("maven_version"),
                var("gradle_jdk")
            ),
            Vec::new(),
        ),
        // The image installs a minimal toolchain, without the linters the README runs.
        "rust" => (
            format!("{}:{}-trixie", var("rust_image"), runtime.version),
            vec![Setup {
                about: "Install clippy and rustfmt".into(),
                command: "rustup component add clippy rustfmt".into(),
            }],
        ),
        // The full image beside the slim one the alternative base builds on: it has the
        // compilers a native dependency may need.
        _ => (runtime.alternative_image.replace("-slim", ""), Vec::new()),
    }
}

/// CloudFormationRole's statements for the resource types and event types of the template.
fn permissions(doc: &Value, stages: &[Stage], prefix: &str) -> Result<Vec<Permission>, String> {
    let mut types = BTreeSet::new();
    if let Some(resources) = doc.get("Resources").and_then(Value::as_mapping) {
        for resource in resources.values() {
            if let Some(kind) = resource.get("Type").and_then(Value::as_str) {
                types.insert(kind.to_owned());
            }
            let events = resource
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for event in events.into_iter().flat_map(|e| e.values()) {
                if let Some(kind) = event.get("Type").and_then(Value::as_str) {
                    types.insert(format!("Event::{kind}"));
                }
            }
        }
    }
    let permissions: Vec<Permission> = table(include_str!(concat!(
        env!("OUT_DIR"),
        "/pipeline_permissions.json"
    )))?;
    Ok(permissions
        .into_iter()
        .filter(|p| {
            types
                .iter()
                .any(|t| p.types.iter().any(|prefix| t.starts_with(prefix.as_str())))
        })
        .map(|p| Permission {
            resources: p
                .resources
                .iter()
                .flat_map(|r| {
                    let r = r.replace("REPOSITORY_PREFIX", prefix);
                    match r.contains("STACK") {
                        true => stages
                            .iter()
                            .map(|s| r.replace("STACK", &s.stack))
                            .collect(),
                        false => vec![r],
                    }
                })
                .collect(),
            ..p
        })
        .collect())
}

/// A file of the application, read as every input is: a FIFO or device put where a pipeline
/// file or README was is never waited on (it reads as unreadable, so as changed).
fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::write::read_input(path, crate::add::TEMPLATE_MAX_BYTES)
}

/// A table of `templates/pipeline/` as build.rs turned it into JSON.
fn table<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| format!("a pipeline table: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(folder: &str, logical_id: &str) -> Function {
        Function {
            logical_id: logical_id.to_owned(),
            folder: folder.to_owned(),
            architecture: Architecture::X86_64,
            runtime_id: "python3.14".to_owned(),
            test_script: Vec::new(),
        }
    }

    #[test]
    fn a_regenerated_workflow_may_only_add_the_new_jobs_and_change_the_deploys() {
        let old = "name: p\njobs:\n  test-a: {x: 1}\n  image-a: {x: 1}\n  deploy-dev: {needs: [image-a]}\n";
        let added = [function("b", "BFunction")];
        let grown = "name: p\njobs:\n  test-a: {x: 1}\n  image-a: {x: 1}\n  test-b: {x: 2}\n  image-b: {x: 2}\n  deploy-dev: {needs: [image-a, image-b]}\n";
        assert_eq!(grows_only(old, grown, WORKFLOW, Some(&added)), Ok(()));
        let changed_old_job = grown.replace("test-a: {x: 1}", "test-a: {x: 3}");
        assert!(grows_only(old, &changed_old_job, WORKFLOW, Some(&added)).is_err());
        let extra_job = format!("{grown}  other: {{x: 1}}\n");
        assert!(grows_only(old, &extra_job, WORKFLOW, Some(&added)).is_err());
        let lost_job = grown.replace("  image-a: {x: 1}\n", "");
        assert!(grows_only(old, &lost_job, WORKFLOW, Some(&added)).is_err());
        let renamed = grown.replace("name: p", "name: q");
        assert!(grows_only(old, &renamed, WORKFLOW, Some(&added)).is_err());
    }

    #[test]
    fn test_commands_are_the_first_sh_block_of_the_test_section() {
        let readme = "# f\n\n## Test\n\nWith X:\n\n```sh\ncd f\nrun tests\n```\n\n```sh\nother\n```\n\n## Build\n";
        assert_eq!(
            test_commands(readme),
            Some(vec!["cd f".to_owned(), "run tests".to_owned()])
        );
        assert_eq!(test_commands("# f\n\n## Build\n```sh\nx\n```\n"), None);
    }
}
