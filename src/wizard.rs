//! The interactive wizard: asks, on a terminal, for what the command line did not settle.
//! Prompts go to stderr, so stdout stays clean for `--json`.

use std::path::Path;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::catalog::Catalog;
use crate::choices::{Architecture, BaseKind, Ci, DEFAULT_RUNTIME, FUNCTION_URL, UrlAuth};
use crate::error::Error;
use crate::image_ref;
use crate::name::FunctionName;
use crate::request::Request;

/// Whether to prompt: only a person at a terminal is asked; scripts and CI never wait for
/// input.
pub fn wanted(no_interactive: bool) -> bool {
    use std::io::IsTerminal;
    !no_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Fills what is missing from `request`; `Err(Interrupted)` on Esc, Ctrl-C or a "no" at the
/// final confirmation.
pub fn complete(
    mut request: Request,
    catalog: &Catalog,
    output_dir: &Path,
) -> Result<Request, Error> {
    // Ctrl-C at a text prompt is a signal; see `interrupt` for how it is handled.
    let theme = ColorfulTheme::default();

    if request.name.is_none() {
        let name: String = Input::with_theme(&theme)
            .with_prompt("Function name")
            .validate_with(|input: &String| -> Result<(), String> {
                FunctionName::parse(input).map_err(|reason| reason.to_string())?;
                if output_dir.join(input).symlink_metadata().is_ok() {
                    return Err(format!(
                        "{} already exists",
                        output_dir.join(input).display()
                    ));
                }
                Ok(())
            })
            .interact_text()
            .map_err(interrupted)?;
        request.name = Some(name);
    }

    if request.runtime.is_none() {
        let families: Vec<String> = catalog.families.iter().map(|f| f.name.clone()).collect();
        let default = catalog
            .families
            .iter()
            .position(|f| f.id == DEFAULT_RUNTIME)
            .unwrap_or(0);
        let family = &catalog.families[select(&theme, "Language", &families, default)?];

        let labels: Vec<String> = family
            .runtimes
            .iter()
            .map(|r| match &r.deprecated {
                Some(date) => format!("{} (deprecated since {date})", r.id),
                None => r.id.clone(),
            })
            .collect();
        let newest = family
            .runtimes
            .iter()
            .position(|r| r.deprecated.is_none())
            .unwrap_or(0);
        let labels: Vec<String> = labels
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                if i == newest {
                    format!("{l} (recommended)")
                } else {
                    l
                }
            })
            .collect();
        request.runtime = Some(
            family.runtimes[select(&theme, "Runtime", &labels, newest)?]
                .id
                .clone(),
        );
    }
    let (family, runtime) =
        catalog.runtime(request.runtime.as_deref().unwrap_or(DEFAULT_RUNTIME))?;

    if request.base.is_none() && request.base_image.is_none() {
        let kinds = [
            format!("AWS base image ({})", runtime.aws_image),
            format!(
                "Alternative base image with the runtime interface client ({} by default)",
                runtime.alternative_image
            ),
        ];
        if select(&theme, "Base image", &kinds, 0)? == 1 {
            let image: String = Input::with_theme(&theme)
                .with_prompt("Alternative image")
                .default(runtime.alternative_image.clone())
                .validate_with(|input: &String| image_ref::check(input))
                .interact_text()
                .map_err(interrupted)?;
            request.base = Some(BaseKind::Alternative);
            request.base_image = Some(image);
        } else {
            request.base = Some(BaseKind::Aws);
        }
    }

    if request.architecture.is_none() {
        let archs = [Architecture::X86_64, Architecture::Arm64];
        let labels: Vec<String> = archs
            .iter()
            .map(|a| {
                let host = if *a == Architecture::host() {
                    " (this machine)"
                } else {
                    ""
                };
                format!("{}{host}", a.lambda_name())
            })
            .collect();
        let default = archs
            .iter()
            .position(|a| *a == Architecture::host())
            .unwrap_or(0);
        request.architecture = Some(archs[select(&theme, "Architecture", &labels, default)?]);
    }

    for option in &family.options {
        if request.options.contains_key(&option.key) {
            continue;
        }
        let labels: Vec<String> = option.values.iter().map(|v| v.name.clone()).collect();
        let chosen = select(&theme, &option.about, &labels, 0)?;
        request
            .options
            .insert(option.key.clone(), option.values[chosen].id.clone());
    }

    if request.trigger.is_none() {
        let labels: Vec<String> = catalog
            .triggers
            .iter()
            .map(|t| format!("{}: {}", t.name, t.about))
            .collect();
        let chosen = select(&theme, "Trigger", &labels, 0)?;
        request.trigger = Some(catalog.triggers[chosen].id.clone());
    }
    if request.trigger.as_deref() == Some(FUNCTION_URL) && request.function_url_auth.is_none() {
        let auths = [UrlAuth::AwsIam, UrlAuth::None];
        let labels = [
            "IAM: only callers with signed requests allowed to invoke it".to_owned(),
            "None: public, anyone on the internet can call it".to_owned(),
        ];
        request.function_url_auth =
            Some(auths[select(&theme, "Who may call the URL", &labels, 0)?]);
    }

    if request.ci.is_none() {
        let kinds = [Ci::Github, Ci::Gitlab, Ci::None];
        let labels = [
            "GitHub Actions: tests, images and deploys, with an AWS bootstrap template".to_owned(),
            "GitLab CI/CD: the same, for GitLab".to_owned(),
            "None".to_owned(),
        ];
        request.ci = Some(kinds[select(&theme, "CI/CD pipeline", &labels, 0)?]);
    }

    let summary = format!(
        "Create {} ({}, {}, {}, {})?",
        output_dir
            .join(request.name.as_deref().unwrap_or_default())
            .display(),
        runtime.id,
        request.base_image.as_deref().unwrap_or(&runtime.aws_image),
        request.architecture.map_or("", Architecture::lambda_name),
        request.trigger.as_deref().unwrap_or_default(),
    );
    let confirmed = Confirm::with_theme(&theme)
        .with_prompt(summary)
        .default(true)
        .interact_opt()
        .map_err(interrupted)?;
    if confirmed != Some(true) {
        return Err(cancelled());
    }
    Ok(request)
}

/// Arrow-key selection; Esc cancels.
fn select(
    theme: &ColorfulTheme,
    prompt: &str,
    items: &[String],
    default: usize,
) -> Result<usize, Error> {
    Select::with_theme(theme)
        .with_prompt(prompt)
        .items(items)
        .default(default)
        .interact_opt()
        .map_err(interrupted)?
        .ok_or_else(cancelled)
}

/// A prompt that ends in error (Ctrl-C in a selection, a closed terminal) may leave the cursor
/// hidden: show it again before giving up.
fn interrupted(_: dialoguer::Error) -> Error {
    cancelled()
}

fn cancelled() -> Error {
    let _ = console::Term::stderr().show_cursor();
    Error::Interrupted
}
