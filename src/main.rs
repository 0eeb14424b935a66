use std::io::IsTerminal;
use std::process::ExitCode;

use clap::CommandFactory;

use lambda_new::catalog::Catalog;
use lambda_new::choices;
use lambda_new::cli::{Cli, ColorChoice, Command, NewArgs};
use lambda_new::error::Error;
use lambda_new::render::render;
use lambda_new::{interrupt, list, settings, summary, vcs, wizard, write};

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    set_colors(cli.new.color);
    let result = match &cli.command {
        Some(Command::List { json }) => Catalog::embedded().map(|catalog| {
            print!(
                "{}",
                if *json {
                    list::json(&catalog)
                } else {
                    list::table(&catalog)
                }
            );
        }),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "lambda-new",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        None => new_project(&cli.new),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            summary::error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

fn set_colors(choice: ColorChoice) {
    // NO_COLOR wins over CLICOLOR_FORCE (https://no-color.org); --color wins over both.
    let enabled = match choice {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => std::env::var_os("NO_COLOR")
            .is_some_and(|v| !v.is_empty())
            .then_some(false),
    };
    if let Some(enabled) = enabled {
        console::set_colors_enabled(enabled);
        console::set_colors_enabled_stderr(enabled);
    }
}

fn new_project(args: &NewArgs) -> Result<(), Error> {
    interrupt::install();
    let catalog = Catalog::embedded()?;
    let env = std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    });
    let mut request = settings::request(args, env)?;
    if args.init && request.name.is_none() {
        request.name = Some(directory_name(&args.output_dir)?);
    }
    // Only a person at a terminal is asked; scripts and CI never wait for input.
    if !args.no_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        request = wizard::complete(request, &catalog, &args.output_dir)?;
    }
    let (choices, warnings) = choices::resolve(&request, &catalog)?;
    summary::warnings(&warnings);
    let plan = render(&choices, &catalog)?;

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
    options.init_git = !args.dry_run && vcs::wants_git(choices.vcs, &args.output_dir)?;
    let outcome = if args.dry_run {
        write::Outcome::default()
    } else {
        interrupt::begin_writing();
        write::write_with(&plan, &target, &options)?
    };

    let report = summary::Report {
        plan: &plan,
        target: &target,
        choices: &choices,
        catalog: &catalog,
        warnings: &warnings,
        outcome: &outcome,
        dry_run: args.dry_run,
        git: options.init_git,
    };
    if args.json {
        print!("{}", summary::json(&report));
    } else if args.dry_run {
        summary::dry_run(&plan, &target);
    } else if !args.quiet {
        summary::created(&report);
    }
    Ok(())
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
