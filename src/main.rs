//! The binary: parses the command line and hands it to the command's module.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use lambda_new::catalog::Catalog;
use lambda_new::cli::{Cli, ColorChoice, Command};
use lambda_new::error::Error;
use lambda_new::{add, check, list, new_project, output, summary, update};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_failed(&error),
    };
    let (color, json) = match &cli.command {
        Some(Command::Add(args)) => (args.function.color, args.function.json),
        Some(Command::List { json }) => (cli.new.function.color, *json),
        Some(Command::Check(args)) => (args.color, args.json),
        Some(Command::Update(args)) => (args.color, args.json),
        _ => (cli.new.function.color, cli.new.function.json),
    };
    set_colors(color);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
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

/// The exit code of a run that did not fail: 0, or what the command says (`check`).
fn run(cli: &Cli) -> Result<u8, Error> {
    match &cli.command {
        Some(Command::List { json }) => {
            let catalog = Catalog::embedded()?;
            let text = if *json {
                list::json(&catalog)
            } else {
                list::table(&catalog)
            };
            output::print(text).map(|()| 0).map_err(Error::Stdout)
        }
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "lambda-new", &mut script);
            output::print(script).map(|()| 0).map_err(Error::Stdout)
        }
        Some(Command::Add(args)) => add::run(args).map(|()| 0),
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Update(args)) => update::run(args),
        None => new_project::run(&cli.new).map(|()| 0),
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
    // Long words are cut to a readable prefix: clap echoes them whole.
    let message = lambda_new::error::shorten_words(&error.render().to_string());
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
