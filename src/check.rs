//! `lambda-new check`: for every image function of a SAM application (generated or not), its
//! base image against Lambda's deprecation phases, its build files' language release against
//! the runtime, and, for functions lambda-new generated, what changed since and which pins
//! this version has moved on. Reads only; exit 1 when something needs acting on.

pub mod drift;
pub mod images;
pub mod lifecycle;
pub mod toolchain;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_yaml::Value;

use crate::answers::Answers;
use crate::catalog::Catalog;
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::name::FunctionName;
use crate::output;
use images::Base;
use lifecycle::{Day, Stand};

/// Exit code when a finding needs acting on.
pub const EXIT_ACT: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something to act on: the exit code is 1.
    Act,
    /// Worth knowing.
    Info,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `deprecated`, `deprecation-soon`, `amazon-linux-2`, `unknown-image`, `not-aws-base`,
    /// `toolchain`, `pin-behind`, `changed`, `missing`, `wiring-removed`, `no-dockerfile`,
    /// `not-rendered`.
    pub kind: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The day the finding is about (a deprecation), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The file it is about, from the application's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Finding {
    pub fn info(kind: &'static str, message: String) -> Finding {
        Finding {
            kind,
            severity: Severity::Info,
            message,
            date: None,
            file: None,
        }
    }

    fn act(kind: &'static str, message: String) -> Finding {
        Finding {
            severity: Severity::Act,
            ..Finding::info(kind, message)
        }
    }

    fn at(mut self, file: &str) -> Finding {
        self.file = Some(file.to_owned());
        self
    }

    fn on(mut self, date: Day) -> Finding {
        self.date = Some(date.to_string());
        self
    }
}

/// One image function of the template.
#[derive(Debug, Serialize)]
pub struct FunctionReport {
    pub logical_id: String,
    /// Its name in `.lambda-new.toml`, when lambda-new generated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// The image the final stage builds on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_image: Option<String>,
    /// The Lambda runtime that image is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub today: String,
    pub functions: Vec<FunctionReport>,
    /// Findings about the application's own files.
    pub project: Vec<Finding>,
}

impl Report {
    pub fn exit_code(&self) -> u8 {
        let act = self
            .functions
            .iter()
            .flat_map(|f| &f.findings)
            .chain(&self.project)
            .any(|f| f.severity == Severity::Act);
        if act { EXIT_ACT } else { 0 }
    }
}

pub fn run(args: &CheckArgs) -> Result<u8, Error> {
    let today = match &args.today {
        Some(text) => Day::parse(text).ok_or_else(|| Error::InvalidValue {
            key: "today",
            value: text.clone(),
            rule: "a date as YYYY-MM-DD",
            origin: "--today".to_owned(),
        })?,
        None => Day::today(),
    };
    let (project, template_name) = crate::add::find_project(args.project.as_deref())?;
    let catalog = Catalog::embedded()?;
    let report = check(&project, template_name, &catalog, today)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).expect("the report serializes") + "\n"
    } else {
        text(&report)
    };
    output::print(text).map_err(Error::Stdout)?;
    Ok(report.exit_code())
}

/// The report for the application at `project`. Reads only.
pub fn check(
    project: &Path,
    template_name: &str,
    catalog: &Catalog,
    today: Day,
) -> Result<Report, Error> {
    let template_path = project.join(template_name);
    let template = read_template(&template_path)?;
    let answers = Answers::read(project)?.map(|(answers, _)| answers);
    let generated = |logical_id: &str| {
        answers.as_ref().and_then(|a| {
            a.functions.iter().find(|(name, _)| {
                FunctionName::parse(name).is_ok_and(|n| n.logical_id() == logical_id)
            })
        })
    };
    let mut functions = Vec::new();
    for (logical_id, resource) in image_functions(&template) {
        let mut report = function(project, &logical_id, resource, catalog, today);
        if let Some((name, recorded)) = generated(&logical_id) {
            report.generated_as = Some(name.clone());
            report
                .findings
                .extend(drift::function(project, name, recorded, &template, catalog));
        }
        functions.push(report);
    }
    let project_findings = answers
        .as_ref()
        .map(|a| drift::project(project, a))
        .unwrap_or_default();
    Ok(Report {
        today: today.to_string(),
        functions,
        project: project_findings,
    })
}

/// A file of the application read as every input is (no FIFO waited on, bounded): its bytes.
fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::write::read_input(path, crate::add::TEMPLATE_MAX_BYTES)
}

/// The same, as text: `None` when it cannot be read or is not UTF-8.
fn read_text(path: &Path) -> Option<String> {
    String::from_utf8(read(path).ok()?).ok()
}

fn read_template(path: &Path) -> Result<Value, Error> {
    let fail = |reason: String| Error::CannotRead {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = read(path)
        .map_err(|e| fail(crate::write::unreadable(&e, crate::add::TEMPLATE_MAX_BYTES)))?;
    let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
    let template: Value =
        serde_yaml::from_str(&text).map_err(|e| fail(format!("it is not YAML: {e}")))?;
    if !template.get("Resources").is_some_and(Value::is_mapping) {
        return Err(fail("it has no Resources mapping".into()));
    }
    Ok(template)
}

/// The template's functions packaged as images, by logical id.
fn image_functions(template: &Value) -> Vec<(String, &Value)> {
    let global = template
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("PackageType"));
    let Some(resources) = template.get("Resources").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| {
            let kind = r.get("Type").and_then(Value::as_str);
            let package = r
                .get("Properties")
                .and_then(|p| p.get("PackageType"))
                .or(global)
                .and_then(Value::as_str);
            matches!(
                kind,
                Some("AWS::Serverless::Function" | "AWS::Lambda::Function")
            ) && package == Some("Image")
        })
        .filter_map(|(id, r)| Some((id.as_str()?.to_owned(), r)))
        .collect()
}

/// A function's Dockerfile and base image, judged against the deprecation table.
fn function(
    project: &Path,
    logical_id: &str,
    resource: &Value,
    catalog: &Catalog,
    today: Day,
) -> FunctionReport {
    let mut report = FunctionReport {
        logical_id: logical_id.to_owned(),
        generated_as: None,
        dockerfile: None,
        base_image: None,
        runtime: None,
        findings: Vec::new(),
    };
    let metadata = |key: &str| {
        resource
            .get("Metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    };
    let (Some(context), Some(dockerfile)) = (metadata("DockerContext"), metadata("Dockerfile"))
    else {
        report.findings.push(Finding::act(
            "no-dockerfile",
            "its Metadata has no Dockerfile and DockerContext: `sam build` cannot build it".into(),
        ));
        return report;
    };
    let context = project.join(context);
    let path = context.join(dockerfile);
    let shown = relative(project, &path);
    report.dockerfile = Some(shown.clone());
    let Some(text) = read_text(&path) else {
        report.findings.push(
            Finding::act(
                "no-dockerfile",
                format!("its Dockerfile {shown} cannot be read"),
            )
            .at(&shown),
        );
        return report;
    };
    let froms = images::from_lines(&text);
    let Some(base) = images::final_base(&froms) else {
        report
            .findings
            .push(Finding::act("no-dockerfile", format!("{shown} has no FROM line")).at(&shown));
        return report;
    };
    report.base_image = Some(base.to_owned());
    match images::classify(base, catalog) {
        Base::Lambda(family, runtime) => {
            let lambda_name = runtime
                .id
                .strip_prefix(&format!("{}-", family.id))
                .unwrap_or(&runtime.id);
            report.runtime = Some(lambda_name.to_owned());
            report.findings.extend(phases(lambda_name, runtime, today));
            report
                .findings
                .extend(toolchain::check(&context, family, runtime, &froms));
        }
        Base::UnknownLambda => report.findings.push(
            Finding::info(
                "unknown-image",
                format!(
                    "{base} is an AWS base image of a runtime this lambda-new does not know: check its dates on Lambda's runtimes page"
                ),
            )
            .at(&shown),
        ),
        Base::Other => report.findings.push(
            Finding::info(
                "not-aws-base",
                format!(
                    "{base} is not an AWS base image: Lambda's runtime deprecations do not apply, keep the image current yourself"
                ),
            )
            .at(&shown),
        ),
    }
    for finding in &mut report.findings {
        if finding.file.is_none() && finding.kind == "toolchain" {
            finding.file = Some(relative(project, &context));
        }
    }
    report
}

/// The runtime's deprecation and its OS's end of life, relative to `today`.
fn phases(name: &str, runtime: &crate::catalog::Runtime, today: Day) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(date) = lifecycle::deprecation(runtime) {
        match lifecycle::stand(date, today) {
            Stand::Past => findings.push(
                Finding::act(
                    "deprecated",
                    format!(
                        "{name} was deprecated on {date}: its base image gets no more security patches"
                    ),
                )
                .on(date),
            ),
            Stand::Soon(days) => findings.push(
                Finding::act(
                    "deprecation-soon",
                    format!("{name} is deprecated on {date}, in {days} days"),
                )
                .on(date),
            ),
            Stand::Later => {}
        }
    }
    if runtime.amazon_linux_2 {
        let end = Day::parse(lifecycle::AMAZON_LINUX_2_END_OF_LIFE).expect("a valid date");
        let stand = lifecycle::stand(end, today);
        let message = format!(
            "{name}'s base image is built on Amazon Linux 2, which {} end of life on {end}",
            if stand == Stand::Past {
                "reached"
            } else {
                "reaches"
            }
        );
        findings.push(
            match stand {
                Stand::Later => Finding::info("amazon-linux-2", message),
                _ => Finding::act("amazon-linux-2", message),
            }
            .on(end),
        );
    }
    findings
}

fn relative(project: &Path, path: &Path) -> String {
    let path = path.strip_prefix(project).unwrap_or(path);
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    cleaned.to_string_lossy().into_owned()
}

/// The report for people: each function with its findings, then a verdict.
fn text(report: &Report) -> String {
    let mut out = String::new();
    for function in &report.functions {
        let runtime = function
            .runtime
            .as_deref()
            .or(function.base_image.as_deref())
            .unwrap_or("no image");
        let _ = writeln!(out, "{} ({runtime})", function.logical_id);
        if function.findings.is_empty() {
            let _ = writeln!(out, "  ok");
        }
        for finding in &function.findings {
            let _ = writeln!(out, "  {}", line(finding));
        }
    }
    for finding in &report.project {
        let _ = writeln!(out, "{}", line(finding));
    }
    let count = |severity| {
        report
            .functions
            .iter()
            .flat_map(|f| &f.findings)
            .chain(&report.project)
            .filter(|f| f.severity == severity)
            .count()
    };
    let _ = writeln!(
        out,
        "{} image function(s) checked on {}: {} to act on, {} for information",
        report.functions.len(),
        report.today,
        count(Severity::Act),
        count(Severity::Info)
    );
    output::printable(&out).into_owned()
}

fn line(finding: &Finding) -> String {
    let mark = match finding.severity {
        Severity::Act => "act ",
        Severity::Info => "info",
    };
    format!("{mark} [{}] {}", finding.kind, finding.message)
}
