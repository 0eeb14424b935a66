//! `lambda-new NAME`: a new project for one function.

use std::fs;

use crate::catalog::Catalog;
use crate::choices;
use crate::cli::NewArgs;
use crate::error::Error;
use crate::render::render;
use crate::{answers, interrupt, output, settings, summary, vcs, wizard, write};

/// Writes a new project for one function.
pub fn run(args: &NewArgs) -> Result<(), Error> {
    let NewArgs { function, .. } = args;
    let catalog = Catalog::embedded()?;
    let mut request = settings::request(function, args.vcs, settings::process_env())?;
    if !args.init && fs::metadata(&args.output_dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::OutputNotADirectory(args.output_dir.clone()));
    }
    if args.init && request.name.is_none() {
        request.name = Some(directory_name(&args.output_dir)?);
    }
    if wizard::wanted(function.no_interactive) {
        interrupt::for_prompts();
        request = wizard::complete(request, &catalog, &args.output_dir)?;
    }
    let (choices, warnings) = choices::resolve(&request, &catalog)?;
    summary::warnings(&warnings);
    let mut plan = render(&choices, &catalog)?;
    let answers = answers::for_new_project(&choices, &catalog, &plan);
    plan.add(answers);

    let target = if args.init {
        args.output_dir.clone()
    } else {
        write::target(&args.output_dir, choices.name.as_str())
    };
    let mut options = write::Options {
        existing_dir: args.init || (args.force && target.is_dir()),
        must_be_empty: !args.init,
        overwrite: args.overwrite,
        init_git: false,
    };
    write::check(&plan, &target, &options)?;
    options.init_git = !function.dry_run && vcs::wants_git(choices.vcs, &args.output_dir)?;
    let outcome = if function.dry_run {
        write::Outcome::default()
    } else {
        interrupt::begin_writing();
        write::write_with(&plan, &target, &options)?
    };
    if let Some(note) = outcome.moved_note(&target) {
        summary::warning(&note);
    }

    let report = summary::Report {
        plan: &plan,
        target: &target,
        choices: &choices,
        catalog: &catalog,
        warnings: &warnings,
        outcome: &outcome,
        dry_run: function.dry_run,
        git: options.init_git,
    };
    let text = if function.json {
        summary::json(&report)
    } else if function.dry_run {
        summary::dry_run(&plan, &target)
    } else if function.quiet {
        return Ok(());
    } else {
        summary::created(&report)
    };
    summary::print_result(text, function.dry_run, || {
        format!("the project was written to {}", output::shown(&target))
    })
}

/// The name `--init` gives a project without NAME: its directory's.
fn directory_name(dir: &std::path::Path) -> Result<String, Error> {
    let absolute =
        std::fs::canonicalize(dir).map_err(|_| Error::OutputDirMissing(dir.to_path_buf()))?;
    Ok(absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}
