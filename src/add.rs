//! `lambda-new add NAME`: a function added to an existing SAM application. Its folder and
//! events are new files; its resources and outputs are inserted into the application's
//! template as text ([`crate::sam_template`]), which is replaced only if it still holds the
//! bytes it was read with.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::choices;
use crate::cli::AddArgs;
use crate::error::Error;
use crate::render::{Plan, PlannedFile, render_without_pipeline};
use crate::{answers, interrupt, output, settings, summary, wizard, write};

/// The names a SAM application's template goes by, in the order SAM CLI looks for them.
const TEMPLATE_NAMES: [&str; 2] = ["template.yaml", "template.yml"];

/// A template bigger than this is not one a person edits by hand.
pub(crate) const TEMPLATE_MAX_BYTES: u64 = 4 * 1024 * 1024;

pub fn run(args: &AddArgs) -> Result<(), Error> {
    let function = &args.function;
    let catalog = Catalog::embedded()?;
    let mut request = settings::request(function, None, settings::process_env())?;
    let (project, template_name) = find_project(args.project.as_deref())?;
    let template_path = project.join(template_name);
    let old = read_template(&template_path)?;
    // Refuse a template lambda-new cannot edit before asking anything.
    let old_doc = crate::sam_template::check(&old, args.move_globals)
        .map_err(|e| cannot_edit(&template_path, e))?;
    if wizard::wanted(function.no_interactive) {
        interrupt::for_prompts();
        request = wizard::complete(request, &catalog, &project)?;
    }
    let (mut choices, warnings) = choices::resolve(&request, &catalog)?;
    summary::warnings(&warnings);
    choices.stack = Some(stack_name(&project));
    let whole = render_without_pipeline(&choices, &catalog)?;
    let folder = choices.name.as_str();
    if project.join(folder).symlink_metadata().is_ok() {
        return Err(Error::FunctionExists(project.join(folder)));
    }
    let (mut plan, moved_into, new_doc) = plan(
        &whole,
        folder,
        template_name,
        (&old, &old_doc),
        args.move_globals,
    )
    .map_err(|e| cannot_edit(&template_path, e))?;
    let recorded = answers::Answers::read(&project)?;
    plan.add(answers::for_addition(recorded, &choices, &catalog, &whole));
    let stack = choices.stack.as_deref().unwrap_or_default();
    crate::pipeline::grow(
        &mut plan,
        choices.ci,
        &project,
        stack,
        (&old, &old_doc),
        &new_doc,
        &whole,
        &catalog,
    )?;
    if !moved_into.is_empty() && !function.json && !function.quiet && !function.dry_run {
        show_moved_globals(&plan, template_name, &moved_into);
    }
    let options = write::Options {
        existing_dir: true,
        ..write::Options::default()
    };
    write::check(&plan, &project, &options)?;
    if !function.dry_run {
        interrupt::begin_writing();
        let outcome = write::write_with(&plan, &project, &options)?;
        if let Some(note) = outcome.moved_note(&project) {
            summary::warning(&note);
        }
    }

    let report = summary::Addition {
        plan: &plan,
        project: &project,
        choices: &choices,
        catalog: &catalog,
        warnings: &warnings,
        dry_run: function.dry_run,
    };
    let text = if function.json {
        summary::added_json(&report)
    } else if function.dry_run {
        summary::add_dry_run(&report)
    } else if function.quiet {
        return Ok(());
    } else {
        summary::added(&report)
    };
    summary::print_result(text, function.dry_run, || {
        format!(
            "{} was added to {}",
            choices.name.as_str(),
            output::shown(&project)
        )
    })
}

/// What `add` writes, from the plan of a whole project for the function: its folder and its
/// events as new files, and the application's template (`old`, at `template_name`, with its
/// document) with the function's resources and outputs inserted (and, with `move_globals`,
/// the Globals an Image function must not inherit moved into the functions named in the
/// second value); the third value is the edited template's document. Pure.
pub fn plan(
    whole: &Plan,
    folder: &str,
    template_name: &str,
    (old, old_doc): (&str, &serde_yaml::Value),
    move_globals: bool,
) -> Result<(Plan, Vec<String>, serde_yaml::Value), crate::sam_template::EditError> {
    let prefix = format!("{folder}/");
    let own = |path: &str| path.starts_with(&prefix);
    let rendered = whole
        .files
        .iter()
        .find(|f| f.path == TEMPLATE_NAMES[0])
        .expect("every project has a template.yaml");
    let addition = String::from_utf8_lossy(&rendered.contents);
    let edited = crate::sam_template::insert_parsed(old, old_doc, &addition, move_globals)?;
    let mut files: Vec<PlannedFile> = whole
        .files
        .iter()
        .filter(|f| own(&f.path))
        .cloned()
        .collect();
    files.push(PlannedFile {
        path: template_name.to_owned(),
        contents: edited.text.into_bytes(),
        executable: false,
        replaces: Some(old.as_bytes().to_vec()),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((Plan { files }, edited.moved_globals_into, edited.doc))
}

/// The template's diff, before it is written, when Globals were moved: the person sees what
/// moved into which function.
fn show_moved_globals(plan: &Plan, template_name: &str, into: &[String]) {
    let Some(file) = plan.files.iter().find(|f| f.path == template_name) else {
        return;
    };
    let old = String::from_utf8_lossy(file.replaces.as_deref().unwrap_or_default());
    let new = String::from_utf8_lossy(&file.contents);
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{template_name}"), &format!("b/{template_name}"))
        .to_string();
    println!(
        "Moving Globals.Function's Runtime/Handler/Layers into {} (--move-globals):\n{}",
        into.join(", "),
        crate::output::printable(&diff)
    );
}

/// The application's directory and its template's name: `given`, or the nearest directory
/// upwards from the current one that holds a template (or what a killed `add` left of one).
pub(crate) fn find_project(given: Option<&Path>) -> Result<(PathBuf, &'static str), Error> {
    if let Some(dir) = given {
        let bad = |reason| Error::BadProject {
            path: dir.to_path_buf(),
            reason,
        };
        return match dir.symlink_metadata() {
            Err(_) => Err(bad("does not exist")),
            Ok(meta) if meta.file_type().is_symlink() => {
                Err(bad("is a symlink, which lambda-new does not write through"))
            }
            Ok(meta) if !meta.is_dir() => Err(bad("is not a directory")),
            Ok(_) => template_in(dir)?.map_or_else(
                || {
                    write::refuse_stale(dir)?;
                    Err(Error::NoSamTemplate(dir.to_path_buf()))
                },
                |name| Ok((dir.to_path_buf(), name)),
            ),
        };
    }
    let cwd = std::env::current_dir().map_err(|e| Error::Io {
        action: "find",
        path: PathBuf::from("."),
        source: e,
    })?;
    let mut relative = PathBuf::from(".");
    for dir in cwd.ancestors() {
        if let Some(name) = template_in(dir)? {
            return Ok((relative, name));
        }
        // An add moved the template aside: this is the application, half-edited by a killed
        // run, or being edited by a live one.
        if write::has_staging(dir) {
            write::refuse_stale(&relative)?;
            return Err(Error::Busy(relative));
        }
        relative = if relative == Path::new(".") {
            PathBuf::from("..")
        } else {
            relative.join("..")
        };
    }
    Err(Error::NoSamProject(cwd))
}

/// The name of the template in `dir`, if it has one; both names is ambiguous.
fn template_in(dir: &Path) -> Result<Option<&'static str>, Error> {
    let mut found = TEMPLATE_NAMES
        .into_iter()
        .filter(|name| dir.join(name).symlink_metadata().is_ok());
    match (found.next(), found.next()) {
        (Some(first), Some(second)) => Err(Error::TwoTemplates {
            dir: dir.to_path_buf(),
            first: dir.join(first),
            second: dir.join(second),
        }),
        (first, _) => Ok(first),
    }
}

/// The application's stack: `stack_name` in samconfig.toml's default deploy parameters, else
/// the directory's name (what `sam deploy --guided` offers).
pub(crate) fn stack_name(project: &Path) -> String {
    let configured = std::fs::read_to_string(project.join("samconfig.toml"))
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .and_then(|config| {
            let default = config.get("default")?;
            ["deploy", "global"].iter().find_map(|command| {
                let name = default.get(command)?.get("parameters")?.get("stack_name")?;
                name.as_str().map(str::to_owned)
            })
        });
    configured.unwrap_or_else(|| {
        std::fs::canonicalize(project)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "sam-app".to_owned())
    })
}

/// The template's text: a regular file of UTF-8, not too big to be one, read safely.
pub(crate) fn read_template(path: &Path) -> Result<String, Error> {
    let fail = |reason: String| Error::CannotEdit {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = write::read_input(path, TEMPLATE_MAX_BYTES)
        .map_err(|e| fail(write::unreadable(&e, TEMPLATE_MAX_BYTES)))?;
    String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))
}

fn cannot_edit(path: &Path, error: crate::sam_template::EditError) -> Error {
    Error::CannotEdit {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}
