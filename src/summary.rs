//! What the person reads after a run: what was made and the commands to run next.

use std::fmt::Write;
use std::path::Path;

use console::style;

use crate::catalog::Catalog;
use crate::choices::{BaseKind, Choices, FUNCTION_URL, Warning};
use crate::output;
use crate::render::Plan;
use crate::write::Outcome;

pub fn warnings(warnings: &[Warning]) {
    for Warning(text) in warnings {
        warning(text);
    }
}

pub fn warning(text: &str) {
    output::eprint(&format!(
        "{} {}\n",
        style("warning:").yellow().bold().for_stderr(),
        output::printable(text)
    ));
}

/// Prints a run's result. With `--dry-run` the text is the result, so failing to print it
/// fails the run; otherwise what was `written` exists, and a warning says the summary is
/// missing.
pub fn print_result(
    text: String,
    dry_run: bool,
    written: impl FnOnce() -> String,
) -> Result<(), crate::error::Error> {
    match output::print(text) {
        Err(io) if dry_run => Err(crate::error::Error::Stdout(io)),
        Err(io) => {
            warning(&format!(
                "{}, but its summary could not be printed: {io}",
                written()
            ));
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

pub fn error(error: &crate::error::Error) {
    output::eprint(&format!(
        "{} {}\n",
        style("error:").red().bold().for_stderr(),
        output::printable(&error.to_string())
    ));
}

/// The `--json` document for a failure: `{"error": {"kind", "message", "exit_code"}}`.
pub fn error_json(kind: &str, message: &str, exit_code: u8) -> String {
    let value = serde_json::json!({
        "error": { "kind": kind, "message": message, "exit_code": exit_code },
    });
    serde_json::to_string_pretty(&value).expect("strings and numbers serialize") + "\n"
}

pub fn dry_run(plan: &Plan, target: &Path) -> String {
    let mut out = format!(
        "{} {} ({} files):\n",
        style("Would create").bold(),
        output::shown(target),
        plan.files.len()
    );
    for file in &plan.files {
        let mode = if file.executable {
            "  (executable)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {}  {} bytes{mode}",
            output::shown(&target.join(&file.path)),
            file.contents.len()
        );
    }
    out.push_str("Nothing was written (--dry-run).\n");
    out
}

/// Everything a run did, for the summary or the `--json` result.
pub struct Report<'a> {
    pub plan: &'a Plan,
    pub target: &'a Path,
    pub choices: &'a Choices,
    pub catalog: &'a Catalog,
    pub warnings: &'a [Warning],
    pub outcome: &'a Outcome,
    pub dry_run: bool,
    pub git: bool,
}

pub fn created(report: &Report) -> String {
    let Report {
        plan,
        target,
        choices,
        catalog,
        outcome,
        git,
        ..
    } = *report;
    let (family, runtime) = choices.runtime(catalog);
    let base = match choices.base {
        BaseKind::Aws => "the AWS base image".to_owned(),
        BaseKind::Alternative => format!(
            "an alternative base image ({})",
            output::escape(&choices.base_image)
        ),
    };
    let mut out = format!(
        "{} {} ({} files): {} {} on {base}, {}, {}\n",
        style("Created").green().bold(),
        output::shown(target),
        plan.files.len(),
        family.name,
        runtime.version,
        choices.architecture.lambda_name(),
        choices.trigger(catalog).name,
    );
    for path in &outcome.replaced {
        let _ = writeln!(out, "Replaced {}", output::shown(&target.join(path)));
    }
    if git {
        out.push_str("Initialised a git repository in it.\n");
    }
    let name = choices.name.as_str();
    let _ = write!(
        out,
        "\n{}\n  cd {}\n  sam build\n  sam local invoke {} --event {name}/events/event.json\n  sam deploy --guided\n",
        style("Next:").bold(),
        output::shell_word(target),
        choices.name.logical_id()
    );
    let _ = writeln!(
        out,
        "{} has the unit tests, plain docker commands and deployment without SAM.",
        output::shown(&target.join(name).join("README.md"))
    );
    out
}

/// The `--json` result: one document with what was (or would be) written and every choice.
pub fn json(report: &Report) -> String {
    let Report {
        plan,
        target,
        choices,
        catalog,
        warnings,
        outcome,
        dry_run,
        git,
    } = *report;
    let value = serde_json::json!({
        // JSON strings are Unicode: a non-UTF-8 path shows U+FFFD where its bytes were not.
        "project_dir": target.to_string_lossy(),
        "dry_run": dry_run,
        "git": git,
        "replaced": outcome.replaced,
        "files": plan.files.iter().map(|f| serde_json::json!({
            "path": f.path,
            "bytes": f.contents.len(),
            "executable": f.executable,
        })).collect::<Vec<_>>(),
        "choices": choices_json(choices, catalog),
        "warnings": warnings.iter().map(|w| &w.0).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
}

/// Every resolved choice, for `--json`.
fn choices_json(choices: &Choices, catalog: &Catalog) -> serde_json::Value {
    let (family, runtime) = choices.runtime(catalog);
    serde_json::json!({
        "name": choices.name.as_str(),
        "family": family.id,
        "runtime": runtime.id,
        "base": match choices.base { BaseKind::Aws => "aws", BaseKind::Alternative => "alternative" },
        "base_image": choices.base_image,
        "architecture": choices.architecture.lambda_name(),
        "options": choices.options,
        "trigger": choices.trigger,
        "function_url_auth": (choices.trigger == FUNCTION_URL).then(|| choices.url_auth.sam_name()),
        "description": choices.description,
        "memory_size": choices.memory_size,
        "timeout": choices.timeout,
        "tracing": choices.tracing,
        "json_logging": choices.json_logging,
    })
}

/// What `lambda-new add` did (or would do).
pub struct Addition<'a> {
    pub plan: &'a Plan,
    pub project: &'a Path,
    pub choices: &'a Choices,
    pub catalog: &'a Catalog,
    pub warnings: &'a [Warning],
    pub dry_run: bool,
}

/// The lines an edit inserts, as a unified diff of the file.
fn edit_diff(path: &str, old: &[u8], new: &[u8]) -> String {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

fn edits(plan: &Plan) -> impl Iterator<Item = (&str, String)> {
    plan.files.iter().filter_map(|f| {
        let old = f.replaces.as_ref()?;
        Some((f.path.as_str(), edit_diff(&f.path, old, &f.contents)))
    })
}

pub fn add_dry_run(report: &Addition) -> String {
    let new_files = report.plan.files.iter().filter(|f| f.replaces.is_none());
    let mut out = format!(
        "{} {} to {} ({} new files):\n",
        style("Would add").bold(),
        report.choices.name.as_str(),
        output::shown(report.project),
        new_files.clone().count()
    );
    for file in new_files {
        let _ = writeln!(out, "  {}", output::shown(&report.project.join(&file.path)));
    }
    for (path, diff) in edits(report.plan) {
        let _ = writeln!(
            out,
            "and edit {}:",
            output::shown(&report.project.join(path))
        );
        out.push_str(&output::printable(&diff));
    }
    out.push_str("Nothing was written (--dry-run).\n");
    out
}

pub fn added(report: &Addition) -> String {
    let Addition {
        plan,
        project,
        choices,
        catalog,
        ..
    } = *report;
    let (family, runtime) = choices.runtime(catalog);
    let name = choices.name.as_str();
    let edited: Vec<&str> = plan
        .files
        .iter()
        .filter(|f| f.replaces.is_some())
        .map(|f| f.path.as_str())
        .collect();
    let mut out = format!(
        "{} {name} to {} ({} new files; {} edited): {} {}, {}, {}\n",
        style("Added").green().bold(),
        output::shown(project),
        plan.files.len() - edited.len(),
        edited.join(", "),
        family.name,
        runtime.version,
        choices.architecture.lambda_name(),
        choices.trigger(catalog).name,
    );
    let _ = write!(
        out,
        "\n{}\n  cd {}\n  sam build\n  sam local invoke {} --event {name}/events/event.json\n  sam deploy\n",
        style("Next:").bold(),
        output::shell_word(project),
        choices.name.logical_id()
    );
    let _ = writeln!(
        out,
        "{} has the function's tests and commands.",
        output::shown(&project.join(name).join("README.md"))
    );
    out
}

pub fn added_json(report: &Addition) -> String {
    let value = serde_json::json!({
        "project_dir": report.project.to_string_lossy(),
        "dry_run": report.dry_run,
        "files": report.plan.files.iter().filter(|f| f.replaces.is_none()).map(|f| serde_json::json!({
            "path": f.path,
            "bytes": f.contents.len(),
            "executable": f.executable,
        })).collect::<Vec<_>>(),
        "edits": edits(report.plan).map(|(path, diff)| serde_json::json!({
            "path": path,
            "diff": diff,
        })).collect::<Vec<_>>(),
        "choices": choices_json(report.choices, report.catalog),
        "warnings": report.warnings.iter().map(|w| &w.0).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
}
