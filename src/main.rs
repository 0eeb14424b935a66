use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use lambda_new::catalog::Catalog;
use lambda_new::choices;
use lambda_new::cli::{Cli, ColorChoice, Command, NewArgs};
use lambda_new::error::Error;
use lambda_new::render::render;
use lambda_new::{list, settings, summary, vcs, wizard, write};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let catalog = Catalog::embedded()?;
    let env = std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    });
    let mut request = settings::request(args, env)?;
    // Only a person at a terminal is asked; scripts and CI never wait for input.
    if !args.no_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        request = wizard::complete(request, &catalog, &args.output_dir)?;
    }
    let (choices, warnings) = choices::resolve(&request, &catalog)?;
    summary::warnings(&warnings);
    let plan = render(&choices, &catalog)?;
    let target = write::target(&args.output_dir, choices.name.as_str());
    write::check_target(&target)?;
    let git = !args.dry_run && vcs::wants_git(choices.vcs, &args.output_dir)?;
    match (args.dry_run, git) {
        (true, _) => {}
        (false, true) => write::write_with_git(&plan, &target)?,
        (false, false) => write::write(&plan, &target)?,
    }
    if args.json {
        print!(
            "{}",
            summary::json(
                &plan,
                &target,
                &choices,
                &catalog,
                &warnings,
                args.dry_run,
                git
            )
        );
    } else if args.dry_run {
        summary::dry_run(&plan, &target);
    } else if !args.quiet {
        summary::created(&plan, &target, &choices, &catalog, git);
    }
    Ok(())
}
