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
    let _ = write!(
        out,
        "\n{}\n  cd {}\n  sam build\n  sam local invoke {} --event events/event.json\n  sam deploy --guided\n",
        style("Next:").bold(),
        output::shell_word(target),
        choices.name.logical_id()
    );
    let _ = writeln!(
        out,
        "{} has the unit tests, plain docker commands and deployment without SAM.",
        output::shown(&target.join("README.md"))
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
    let (family, runtime) = choices.runtime(catalog);
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
        "choices": {
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
        },
        "warnings": warnings.iter().map(|w| &w.0).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
}
