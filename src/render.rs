//! Choices + catalog -> Plan: every output file in memory. Pure: no disk, no terminal.
//!
//! A project is the union of template layers, later ones winning on equal paths:
//! `shared/common`, `shared/<base>`, `triggers/<trigger>/common`, `<family>/common`,
//! `<family>/<base>`, then for each of the family's option values `<family>/<value>/common` and
//! `<family>/<value>/<base>`; last the trigger's handler for the family,
//! `<family>/triggers/<trigger>`, then `<family>/<value>/triggers/<trigger>`. In a layer,
//! files ending in `.hbs` are Handlebars templates (the suffix is dropped), other files are
//! copied as they are, path segments may hold `{{...}}`, and `_partials/NAME.hbs` defines
//! the partial `NAME` instead of an output file.
//!
//! Every function of a project is a folder named after it (see [`FUNCTION_DIR`]): a layer's
//! `function/` (the Docker build context) and `events/` land in it, and files at a layer's
//! root are the project's (template.yaml, samconfig.toml, README.md, .gitignore), so a project
//! made for one function and one grown by `lambda-new add` look alike.

use std::collections::BTreeMap;

use handlebars::{Handlebars, Template, handlebars_helper};
use include_dir::Dir;
use serde::Serialize;

use crate::TEMPLATES;
use crate::catalog::{Catalog, TriggerEvent, Vars};
use crate::choices::{BaseKind, Choices};
use crate::error::Error;

/// One file of the project, with its path relative to the project directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Always '/'-separated.
    pub path: String,
    pub contents: Vec<u8>,
    /// Scripts (contents starting with `#!`) are written executable.
    pub executable: bool,
    /// For an edit of a file that exists (`lambda-new add` and `template.yaml`): the bytes it
    /// was read with. It is replaced only if it still has exactly them.
    pub replaces: Option<Vec<u8>>,
}

/// Every file of the project, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
}

impl Plan {
    /// Adds a file, keeping the plan sorted by path.
    pub fn add(&mut self, file: PlannedFile) {
        let at = self.files.partition_point(|f| f.path < file.path);
        self.files.insert(at, file);
    }
}

const PARTIALS: &str = "_partials";
/// The layer folders that belong to the function: each lands in the function's own folder.
const FUNCTION_DIR: [&str; 2] = ["function/", "events/"];
const TEMPLATE_SUFFIX: &str = ".hbs";

pub fn render(choices: &Choices, catalog: &Catalog) -> Result<Plan, Error> {
    render_files(choices, catalog, true)
}

/// The project without its pipeline files, for `lambda-new add`: it grows the application's
/// pipeline instead, and rendering the new function's own was an eighth of its time.
pub fn render_without_pipeline(choices: &Choices, catalog: &Catalog) -> Result<Plan, Error> {
    render_files(choices, catalog, false)
}

fn render_files(choices: &Choices, catalog: &Catalog, pipeline: bool) -> Result<Plan, Error> {
    let (family, _) = choices.runtime(catalog);
    let base = match choices.base {
        BaseKind::Aws => "aws",
        BaseKind::Alternative => "alternative",
    };
    let trigger = &choices.trigger;
    let mut layer_paths = vec![
        "shared/common".to_owned(),
        format!("shared/{base}"),
        format!("triggers/{trigger}/common"),
        format!("{}/common", family.id),
        format!("{}/{base}", family.id),
        format!("pipeline/{}/common", choices.ci.id()),
    ];
    for value in choices.options.values() {
        layer_paths.push(format!("{}/{value}/common", family.id));
        layer_paths.push(format!("{}/{value}/{base}", family.id));
    }
    layer_paths.push(format!("{}/triggers/{trigger}", family.id));
    for value in choices.options.values() {
        layer_paths.push(format!("{}/{value}/triggers/{trigger}", family.id));
    }
    let layers: Vec<&Dir> = layer_paths.iter().filter_map(|path| layer(path)).collect();

    // Collect first, compile after: only the files and partials that win are compiled.
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    let mut partials: BTreeMap<&str, &include_dir::File> = BTreeMap::new();
    for layer in &layers {
        let root = layer.path().to_str().expect("template paths are UTF-8");
        collect(layer, root.len() + 1, &mut sources, &mut partials);
    }
    let mut engine = engine();
    let partials = partials
        .into_iter()
        .map(|(p, file)| (p, name(file)))
        .collect();
    let templates = sources.values().filter_map(|source| match source {
        Source::Template(file) => Some((name(file), name(file))),
        Source::Verbatim(_) => None,
    });
    register(&mut engine, templates, &partials)?;

    // A path's segments that hold `{{...}}` are templates too, registered by their text.
    for segment in sources.keys().flat_map(|path| path.split('/')) {
        if segment.contains("{{") && !engine.has_template(segment) {
            engine.register_template(segment, inline(segment)?);
        }
    }

    // The context is turned into JSON once, not once per rendered file and path.
    let context = handlebars::Context::wraps(Context::new(choices, catalog, &mut engine)?)
        .map_err(|e| Error::Internal(format!("template context: {e}")))?;
    let mut files = Vec::with_capacity(sources.len());
    let mut out = Buffer::default();
    for (relative, source) in sources {
        let path = if relative.contains("{{") {
            let segments = relative
                .split('/')
                .map(|segment| match segment.contains("{{") {
                    true => out.render(&engine, segment, &context).map(String::from),
                    false => Ok(segment.to_owned()),
                });
            segments
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Internal(format!("path {relative}: {e}")))?
                .join("/")
        } else {
            relative
        };
        let path = match FUNCTION_DIR.iter().any(|dir| path.starts_with(dir)) {
            true => format!("{}/{path}", choices.name.as_str()),
            false => path,
        };
        let contents = match source {
            Source::Template(file) => out
                .render(&engine, name(file), &context)
                .map_err(|e| Error::Internal(format!("{}: {e}", name(file))))?
                .as_bytes()
                .to_vec(),
            Source::Verbatim(file) => file.contents().to_vec(),
        };
        let executable = contents.starts_with(b"#!");
        files.push(PlannedFile {
            path,
            contents,
            executable,
            replaces: None,
        });
    }
    if pipeline {
        let stack = choices
            .stack
            .clone()
            .unwrap_or_else(|| choices.name.kebab());
        files.extend(crate::pipeline::new_files(
            choices.ci, &stack, &files, catalog,
        )?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|pair| pair[0].path == pair[1].path) {
        return Err(Error::Internal(format!(
            "two templates render to {}",
            pair[0].path
        )));
    }
    Ok(Plan { files })
}

/// One buffer that every file of a run is rendered into, each then copied out at its exact
/// size: Handlebars' own `render` gives every output a fresh 8 KiB buffer, and the plan kept
/// one for each small file (a fifth of a dry run's peak heap).
#[derive(Default)]
pub(crate) struct Buffer(Vec<u8>);

impl Buffer {
    pub(crate) fn render(
        &mut self,
        engine: &Handlebars<'_>,
        name: &str,
        context: &handlebars::Context,
    ) -> Result<&str, handlebars::RenderError> {
        self.0.clear();
        engine.render_with_context_to_write(name, context, &mut self.0)?;
        Ok(std::str::from_utf8(&self.0).expect("Handlebars writes strs"))
    }
}

/// Where an output file's contents come from.
enum Source<'t> {
    /// A Handlebars template, registered under [`name`].
    Template(&'t include_dir::File<'t>),
    Verbatim(&'t include_dir::File<'t>),
}

/// An embedded file's name: its path under `templates/`.
fn name<'t>(file: &'t include_dir::File<'t>) -> &'t str {
    file.path().to_str().expect("template paths are UTF-8")
}

/// Registers each of `templates` (its name, its path under `templates/`) with the partials
/// it calls plainly written in (see [`prebuilt::templates_with_partials`]), then the partials
/// (name -> path) still called: those called with indentation, and whatever they call.
pub(crate) fn register<'t>(
    engine: &mut Handlebars<'static>,
    templates: impl IntoIterator<Item = (&'t str, &'t str)>,
    partials: &BTreeMap<&str, &str>,
) -> Result<(), Error> {
    let missing = |path: &str| Error::Internal(format!("{path} was not parsed by build.rs"));
    let (names, paths): (Vec<&str>, Vec<&str>) = templates.into_iter().unzip();
    let built = prebuilt::templates_with_partials(paths, partials).map_err(|p| missing(&p))?;
    let mut called = Vec::new();
    for (name, template) in names.into_iter().zip(built) {
        called.extend(prebuilt::partial_calls(&template));
        engine.register_template(name, template);
    }
    while let Some(partial) = called.pop() {
        // One that does not exist is left for Handlebars to report when it is rendered.
        let Some(&path) = partials.get(partial.as_str()) else {
            continue;
        };
        if !engine.has_template(&partial) {
            let template = parsed_template(path).ok_or_else(|| missing(path))?;
            called.extend(prebuilt::partial_calls(&template));
            engine.register_template(&partial, template);
        }
    }
    Ok(())
}

/// A template that is not a file, by its text, as build.rs parsed it: a path segment
/// (`{{names.module}}`) or a family's handler string.
fn inline(source: &str) -> Result<Template, Error> {
    prebuilt::inline(source)
        .ok_or_else(|| Error::Internal(format!("{source:?} was not parsed by build.rs")))
}

/// The template at `name` (its path under `templates/`) as build.rs parsed it: every `.hbs`
/// file has one.
pub(crate) fn parsed_template(name: &str) -> Option<Template> {
    prebuilt::template(name)
}

mod prebuilt;

/// Handlebars as the templates expect it: strict (a missing value is an error), no HTML
/// escaping, `json` to quote a value for JSON, YAML, TOML or a Dockerfile's exec form (a
/// JSON string is a valid quoted string in all four), `shell` to quote a word for a
/// POSIX shell command line in a README, and `times` to multiply two numbers.
pub(crate) fn engine() -> Handlebars<'static> {
    handlebars_helper!(json: |value: Json| quoted(value));
    handlebars_helper!(times: |a: u64, b: u64| a.saturating_mul(b));
    handlebars_helper!(shell: |word: str| shlex::try_quote(word).map_or_else(|_| word.to_owned(), |q| q.into_owned()));
    let mut engine = Handlebars::new();
    engine.set_strict_mode(true);
    engine.register_escape_fn(handlebars::no_escape);
    engine.register_helper("json", Box::new(json));
    engine.register_helper("shell", Box::new(shell));
    engine.register_helper("times", Box::new(times));
    engine
}

/// The layer folder at `path` under `templates/`, found a segment at a time by name
/// (include_dir's `get_dir` compares whole paths with every entry it passes).
fn layer(path: &str) -> Option<&'static Dir<'static>> {
    let mut dir: &'static Dir<'static> = &TEMPLATES;
    for segment in path.split('/') {
        dir = dir.dirs().find(|d| {
            d.path()
                .file_name()
                .is_some_and(|n| n.as_encoded_bytes() == segment.as_bytes())
        })?;
    }
    Some(dir)
}

/// Walks one layer: records each output file by its (unrendered) output path relative to the
/// layer, and each partial by name, overriding earlier layers.
fn collect<'t>(
    dir: &'t Dir<'t>,
    layer_root_len: usize,
    sources: &mut BTreeMap<String, Source<'t>>,
    partials: &mut BTreeMap<&'t str, &'t include_dir::File<'t>>,
) {
    for file in dir.files() {
        // By length, not Path::strip_prefix: comparing paths component by component is
        // a measurable part of a run.
        let relative = &name(file)[layer_root_len..];
        if let Some(partial) = relative.strip_prefix(&format!("{PARTIALS}/")) {
            partials.insert(
                partial.strip_suffix(TEMPLATE_SUFFIX).unwrap_or(partial),
                file,
            );
            continue;
        }
        // Keyed by the output path, so a later layer overrides a file whether or not
        // either of them is a template.
        match relative.strip_suffix(TEMPLATE_SUFFIX) {
            Some(output) => sources.insert(output.to_owned(), Source::Template(file)),
            None => sources.insert(relative.to_owned(), Source::Verbatim(file)),
        };
    }
    for sub in dir.dirs() {
        collect(sub, layer_root_len, sources, partials);
    }
}

/// What templates see. Every field is documented because template authors read it.
#[derive(Serialize)]
struct Context<'c> {
    project: Project,
    names: Names,
    runtime: RuntimeInfo,
    base: BaseInfo,
    arch: ArchInfo,
    /// The handler string: the image's CMD.
    handler: String,
    /// The API Gateway path the function answers: `/<kebab name>`.
    api_path: String,
    trigger: TriggerInfo<'c>,
    /// The family's variables, with the runtime's on top.
    vars: Vars,
    /// The family's own choices by key, e.g. `options.language`.
    options: BTreeMap<String, String>,
    tool_version: &'static str,
}

#[derive(Serialize)]
struct TriggerInfo<'c> {
    /// The catalog id, e.g. `sqs`.
    id: &'c str,
    name: &'c str,
    about: &'c str,
    /// Its sample events under `events/`: `file` and `about` of each, the primary one first.
    events: &'c [TriggerEvent],
    /// `AuthType` of a function URL: `AWS_IAM` or `NONE`.
    url_auth: &'static str,
}

#[derive(Serialize)]
struct Project {
    /// The name as given: Lambda function name and project directory.
    name: String,
    description: String,
    /// MiB.
    memory_size: u32,
    /// Seconds.
    timeout: u32,
    tracing: bool,
    json_logging: bool,
    /// Days the function's log group keeps its logs.
    log_retention_days: u32,
    /// The function's `ReservedConcurrentExecutions`, if capped.
    reserved_concurrency: Option<u32>,
}

#[derive(Serialize)]
struct Names {
    /// Docker image name (lower-case, dashes).
    image: String,
    /// CloudFormation stack name.
    stack: String,
    /// SAM logical id of the function.
    logical_id: String,
    /// The function's folder in the project (its name as given): it holds `function/` (the
    /// Docker build context), `events/` and the function's README.
    folder: String,
    /// What the function's other resources and outputs start with, so that functions of one
    /// template never clash: its name in upper camel case (`{prefix}Function` is its id).
    prefix: String,
    /// The language's module or package name (a safe lower-case identifier).
    module: String,
    /// The upper camel case form (a safe identifier), e.g. for .NET namespaces.
    pascal: String,
    /// An S3 bucket name for `!Sub`, fixed per account and region (see [`bucket_name`]).
    bucket: String,
}

#[derive(Serialize)]
struct RuntimeInfo {
    id: String,
    version: String,
    family: String,
    family_name: String,
}

#[derive(Serialize)]
struct BaseInfo {
    /// `aws` or `alternative`.
    kind: &'static str,
    image: String,
    /// One line for people: what the image is.
    summary: String,
    /// The runtime interface client's ENTRYPOINT on an alternative base; empty on AWS's.
    entrypoint: Vec<String>,
}

#[derive(Serialize)]
struct ArchInfo {
    lambda: &'static str,
    docker_platform: &'static str,
    rie_download: &'static str,
}

impl<'c> Context<'c> {
    fn new(
        choices: &Choices,
        catalog: &'c Catalog,
        engine: &mut Handlebars<'static>,
    ) -> Result<Self, Error> {
        let (family, runtime) = choices.runtime(catalog);
        let trigger = choices.trigger(catalog);
        let name = &choices.name;
        let kebab = name.kebab();
        let (kind, summary, entrypoint) = match choices.base {
            BaseKind::Aws => (
                "aws",
                "the AWS base image for Lambda".to_owned(),
                Vec::new(),
            ),
            BaseKind::Alternative => (
                "alternative",
                "an alternative (non-AWS) base image".to_owned(),
                family.alternative_entrypoint_for(runtime).to_vec(),
            ),
        };
        let mut context = Context {
            project: Project {
                name: name.to_string(),
                description: choices.description.clone(),
                memory_size: choices.memory_size,
                timeout: choices.timeout,
                tracing: choices.tracing,
                json_logging: choices.json_logging,
                log_retention_days: choices.log_retention_days,
                reserved_concurrency: choices.reserved_concurrency,
            },
            names: Names {
                image: kebab.clone(),
                stack: choices.stack.clone().unwrap_or_else(|| kebab.clone()),
                logical_id: name.logical_id(),
                folder: name.to_string(),
                prefix: name.resource_prefix(),
                module: name.identifier(&family.reserved_identifiers()),
                pascal: name.pascal_identifier(&family.reserved_identifiers()),
                bucket: bucket_name(&kebab),
            },
            runtime: RuntimeInfo {
                id: runtime.id.clone(),
                version: runtime.version.clone(),
                family: family.id.clone(),
                family_name: family.name.clone(),
            },
            base: BaseInfo {
                kind,
                image: choices.base_image.clone(),
                summary,
                entrypoint,
            },
            arch: ArchInfo {
                lambda: choices.architecture.lambda_name(),
                docker_platform: choices.architecture.docker_platform(),
                rie_download: choices.architecture.rie_download(),
            },
            handler: String::new(),
            api_path: format!("/{kebab}"),
            trigger: TriggerInfo {
                id: &trigger.id,
                name: &trigger.name,
                about: &trigger.about,
                events: &trigger.events,
                url_auth: choices.url_auth.sam_name(),
            },
            vars: family.vars_for(runtime),
            options: choices.options.clone(),
            tool_version: env!("CARGO_PKG_VERSION"),
        };
        context.handler = match family.handler.contains("{{") {
            true => {
                engine.register_template(&family.handler, inline(&family.handler)?);
                engine
                    .render(&family.handler, &context)
                    .map_err(|e| Error::Internal(format!("{}: handler: {e}", family.id)))?
            }
            false => family.handler.clone(),
        };
        Ok(context)
    }
}

/// The stack's id (a UUID, 36 characters) ends the bucket's name; a dash joins them.
const STACK_ID_PART: usize = 37;

/// The first part of a bucket name that a policy can state without referring to the bucket
/// (a reference would close a dependency circle through the bucket's notification); the
/// template appends `-` and the stack's own id, so every stack (a dev and a prod stage in one
/// account too) has its own bucket, within S3's 63 characters. A kebab name starts with a
/// letter (no reserved prefix but those below) and the id ends the name (no reserved suffix).
/// A name too long for its part, or one S3 reserves, is cut and given a hash of the whole,
/// so two functions' buckets never share a name.
fn bucket_name(kebab: &str) -> String {
    const RESERVED_PREFIXES: [&str; 3] = ["xn-", "sthree-", "amzn-s3-demo-"];
    let room = 63 - STACK_ID_PART;
    let reserved = RESERVED_PREFIXES.iter().any(|p| kebab.starts_with(p));
    if kebab.len() <= room && !reserved {
        return kebab.to_owned();
    }
    let hash = kebab.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let cut = kebab[..kebab.len().min(room - 10)].trim_end_matches('-');
    format!("b{hash:08x}-{cut}")
}

/// A value quoted for JSON, YAML, TOML or a Dockerfile's exec form. U+2028 and U+2029 are
/// escaped (valid in all four): YAML reads them raw as line breaks, and the text would change.
fn quoted(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .expect("JSON values serialize")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name S3 would see for a stack.
    fn deployed(kebab: &str) -> String {
        format!(
            "{}-1c2fa620-982a-11e3-aff7-50e2416294e0",
            bucket_name(kebab)
        )
    }

    #[test]
    fn bucket_names_fit_s3s_rules_for_every_name_length() {
        for len in 1..=64 {
            // A kebab name: never a dash at the end or two in a row.
            let name = deployed("ab-".repeat(len)[..len].trim_end_matches('-'));
            assert!(name.len() <= 63, "{name}");
            assert!(!name.contains("--") && !name.ends_with('-'), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
        }
        assert_eq!(
            deployed("my-fn"),
            "my-fn-1c2fa620-982a-11e3-aff7-50e2416294e0"
        );
        for reserved in ["xn-fn", "sthree-fn", "amzn-s3-demo-fn"] {
            assert!(bucket_name(reserved).starts_with('b'), "{reserved}");
        }
    }

    /// Every file under `templates/`.
    fn every_file() -> Vec<&'static include_dir::File<'static>> {
        let mut files = Vec::new();
        let mut dirs = vec![&TEMPLATES];
        while let Some(dir) = dirs.pop() {
            dirs.extend(dir.dirs());
            files.extend(dir.files());
        }
        files
    }

    #[test]
    fn every_template_parsed_at_build_time_is_the_template_parsed_now() {
        let templates: Vec<_> = every_file()
            .into_iter()
            .filter(|f| name(f).ends_with(TEMPLATE_SUFFIX))
            .collect();
        assert!(templates.len() > 300, "{} templates", templates.len());
        for file in templates {
            let name = name(file);
            let source = file.contents_utf8().expect("templates are UTF-8");
            let expected = Template::compile_with_name(source, name.to_owned()).unwrap();
            assert_eq!(parsed_template(name).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn every_path_segment_and_handler_parsed_at_build_time_is_the_template_parsed_now() {
        let paths: Vec<&str> = every_file().into_iter().map(|f| name(f)).collect();
        let catalog = Catalog::embedded().unwrap();
        let handlers = catalog.families.iter().map(|f| f.handler.as_str());
        let segments = paths.iter().flat_map(|path| {
            let output = path.strip_suffix(TEMPLATE_SUFFIX).unwrap_or(path);
            output.split('/')
        });
        let inline: Vec<&str> = segments
            .chain(handlers)
            .filter(|s| s.contains("{{"))
            .collect();
        assert!(inline.len() > 50, "{inline:?}");
        for source in inline {
            let expected = Template::compile(source).unwrap();
            assert_eq!(prebuilt::inline(source).unwrap(), expected, "{source}");
        }
    }

    #[test]
    fn long_names_that_share_a_beginning_get_different_buckets() {
        let long = "a".repeat(40);
        let (one, two) = (format!("{long}-one"), format!("{long}-two"));
        assert_ne!(bucket_name(&one), bucket_name(&two));
        assert_eq!(bucket_name(&one), bucket_name(&one));
    }
}
