use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use lambda_new::catalog::Catalog;
use lambda_new::choices;
use lambda_new::cli::{Cli, Command, NewArgs};
use lambda_new::error::Error;
use lambda_new::render::render;
use lambda_new::request::Request;
use lambda_new::{list, summary, write};

fn main() -> ExitCode {
    // NO_COLOR wins even over CLICOLOR_FORCE (https://no-color.org).
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    let cli = Cli::parse();
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

fn new_project(cli: &NewArgs) -> Result<(), Error> {
    let catalog = Catalog::embedded()?;
    let (choices, warnings) = choices::resolve(&Request::from(cli), &catalog)?;
    summary::warnings(&warnings);
    let plan = render(&choices, &catalog)?;
    let target = target_dir(cli, choices.name.as_str());
    if cli.dry_run {
        write::check_target(&target)?;
        summary::dry_run(&plan, &target);
        return Ok(());
    }
    write::write(&plan, &target)?;
    summary::created(&plan, &target, &choices, &catalog);
    Ok(())
}

/// `OUTPUT_DIR/NAME`, shown as plain `NAME` for the default output directory.
fn target_dir(cli: &NewArgs, name: &str) -> PathBuf {
    if cli.output_dir == std::path::Path::new(".") {
        PathBuf::from(name)
    } else {
        cli.output_dir.join(name)
    }
}
