//! What the person reads after a run: what was made and the commands to run next.

use std::path::Path;

use console::style;

use crate::catalog::Catalog;
use crate::choices::{BaseKind, Choices, Warning};
use crate::render::Plan;
use crate::write::Outcome;

pub fn warnings(warnings: &[Warning]) {
    for Warning(text) in warnings {
        eprintln!("{} {text}", style("warning:").yellow().bold().for_stderr());
    }
}

pub fn error(error: &crate::error::Error) {
    eprintln!("{} {error}", style("error:").red().bold().for_stderr());
}

pub fn dry_run(plan: &Plan, target: &Path) {
    println!(
        "{} {} ({} files):",
        style("Would create").bold(),
        target.display(),
        plan.files.len()
    );
    for file in &plan.files {
        let mode = if file.executable {
            "  (executable)"
        } else {
            ""
        };
        println!(
            "  {}  {} bytes{mode}",
            target.join(&file.path).display(),
            file.contents.len()
        );
    }
    println!("Nothing was written (--dry-run).");
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

pub fn created(report: &Report) {
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
        BaseKind::Alternative => format!("an alternative base image ({})", choices.base_image),
    };
    println!(
        "{} {} ({} files): {} {} on {base}, {}",
        style("Created").green().bold(),
        target.display(),
        plan.files.len(),
        family.name,
        runtime.version,
        choices.architecture.lambda_name()
    );
    for path in &outcome.replaced {
        println!("Replaced {}", target.join(path).display());
    }
    if git {
        println!("Initialised a git repository in it.");
    }
    println!();
    println!("{}", style("Next:").bold());
    println!("  cd {}", target.display());
    println!("  sam build");
    println!(
        "  sam local invoke {} --event events/event.json",
        choices.name.logical_id()
    );
    println!("  sam deploy --guided");
    println!(
        "{} has the unit tests, plain docker commands and deployment without SAM.",
        target.join("README.md").display()
    );
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
        "project_dir": target,
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
