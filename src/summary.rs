//! What the person reads after a run: what was made and the commands to run next.

use std::path::Path;

use console::style;

use crate::catalog::Catalog;
use crate::choices::{BaseKind, Choices, Warning};
use crate::render::Plan;

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

pub fn created(plan: &Plan, target: &Path, choices: &Choices, catalog: &Catalog) {
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
