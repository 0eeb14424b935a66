use std::fs;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use lambda_new::catalog::Catalog;
use lambda_new::choices;
use lambda_new::cli::{Cli, ColorChoice, Command, NewArgs};
use lambda_new::error::Error;
use lambda_new::render::render;
use lambda_new::{interrupt, list, output, settings, summary, vcs, wizard, write};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_failed(&error),
    };
    set_colors(cli.new.color);
    let json = cli.new.json || matches!(cli.command, Some(Command::List { json: true }));
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            summary::error(&error);
            if json {
                let document =
                    summary::error_json(error.kind(), &error.to_string(), error.exit_code());
                // Nothing more to say if stdout fails too: stderr has the error already.
                let _ = output::print(document);
            }
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    match &cli.command {
        Some(Command::List { json }) => {
            let catalog = Catalog::embedded()?;
            let text = if *json {
                list::json(&catalog)
            } else {
                list::table(&catalog)
            };
            output::print(text).map_err(Error::Stdout)
        }
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "lambda-new", &mut script);
            output::print(script).map_err(Error::Stdout)
        }
        None => new_project(&cli.new),
    }
}

/// Help and version go to stdout (exit 0, or 1 if stdout fails); usage errors to stderr with
/// clap's exit code 2, and with `--json` among the arguments also as a JSON error document.
fn clap_failed(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        return match error.print() {
            Ok(()) => ExitCode::SUCCESS,
            Err(io) => {
                summary::error(&Error::Stdout(io));
                ExitCode::FAILURE
            }
        };
    }
    // A usage error echoes what was typed, so it is shown without colour and with control
    // characters escaped, rather than as clap would print it.
    let message = error.render().to_string();
    output::eprint(&output::printable(&message));
    let code = u8::try_from(error.exit_code()).unwrap_or(2);
    if json_requested(std::env::args_os()) {
        let message = message
            .strip_prefix("error: ")
            .unwrap_or(&message)
            .trim_end();
        let _ = output::print(summary::error_json("usage", message, code));
    }
    ExitCode::from(code)
}

/// Whether `--json` is among the arguments before a `--` (clap could not parse them, so
/// this is the best available reading).
fn json_requested(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
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
    if !args.init && fs::metadata(&args.output_dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::OutputNotADirectory(args.output_dir.clone()));
    }
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
    let text = if args.json {
        summary::json(&report)
    } else if args.dry_run {
        summary::dry_run(&plan, &target)
    } else if args.quiet {
        return Ok(());
    } else {
        summary::created(&report)
    };
    match output::print(text) {
        // With --dry-run the listing is the result; otherwise the project is, and it exists.
        Err(io) if args.dry_run => Err(Error::Stdout(io)),
        Err(io) => {
            summary::warning(&format!(
                "the project was written to {}, but its summary could not be printed: {io}",
                output::shown(&target)
            ));
            Ok(())
        }
        Ok(()) => Ok(()),
    }
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
