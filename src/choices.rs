//! Complete, validated choices: everything rendering needs, checked once, here.

use std::collections::BTreeMap;

use clap::ValueEnum;

use crate::catalog::{Catalog, Family, Runtime, Trigger};
use crate::error::Error;
use crate::image_ref;
use crate::name::FunctionName;
use crate::request::Request;

/// The runtime a request without `--runtime` gets.
pub const DEFAULT_RUNTIME: &str = "python";
pub const DEFAULT_MEMORY_SIZE: u32 = 512;
pub const DEFAULT_TIMEOUT: u32 = 10;
/// Long enough to look back at last month's incidents; short enough not to pay for years.
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 30;
/// A public function URL's default cap: anyone on the internet can invoke it, and each
/// instance running at once is billed.
pub const DEFAULT_PUBLIC_URL_CONCURRENCY: u32 = 10;
/// The trigger `--function-url-auth` belongs to.
pub const FUNCTION_URL: &str = "function-url";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaseKind {
    /// The AWS base image for the runtime.
    Aws,
    /// A slim non-AWS image, with the runtime interface client installed or compiled in.
    #[value(alias = "alt")]
    Alternative,
}

/// Who may call a function URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrlAuth {
    /// Only IAM principals allowed to call it, with SigV4-signed requests.
    #[value(name = "aws-iam", alias = "iam")]
    AwsIam,
    /// Anyone on the internet.
    None,
}

impl UrlAuth {
    /// The `AuthType` of `FunctionUrlConfig`.
    pub fn sam_name(self) -> &'static str {
        match self {
            UrlAuth::AwsIam => "AWS_IAM",
            UrlAuth::None => "NONE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Vcs {
    Git,
    None,
}

/// The CI/CD system the pipeline is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ci {
    /// GitHub Actions: `.github/workflows/pipeline.yaml` and `pipeline/bootstrap.yaml`.
    Github,
    /// GitLab CI/CD: `.gitlab-ci.yml` and `pipeline/bootstrap.yaml`.
    Gitlab,
    /// No pipeline.
    None,
}

impl Ci {
    /// The name of its template folder under `templates/pipeline/`.
    pub fn id(self) -> &'static str {
        match self {
            Ci::Github => "github",
            Ci::Gitlab => "gitlab",
            Ci::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Architecture {
    #[value(name = "x86_64", alias = "amd64")]
    X86_64,
    #[value(alias = "aarch64")]
    Arm64,
}

impl Architecture {
    pub fn host() -> Self {
        if std::env::consts::ARCH == "aarch64" {
            Architecture::Arm64
        } else {
            Architecture::X86_64
        }
    }

    /// The name `template.yaml` and the Lambda API use.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    pub fn docker_platform(self) -> &'static str {
        match self {
            Architecture::X86_64 => "linux/amd64",
            Architecture::Arm64 => "linux/arm64",
        }
    }

    /// The Runtime Interface Emulator's release file for this architecture.
    pub fn rie_download(self) -> &'static str {
        match self {
            Architecture::X86_64 => "aws-lambda-rie",
            Architecture::Arm64 => "aws-lambda-rie-arm64",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Choices {
    pub name: FunctionName,
    pub runtime_id: String,
    pub base: BaseKind,
    /// The image the Dockerfile builds on (for an alternative base, also its build stage).
    pub base_image: String,
    pub architecture: Architecture,
    /// A value for each of the family's options, by key.
    pub options: BTreeMap<String, String>,
    /// The catalog id of the event source the function is wired to.
    pub trigger: String,
    /// Only for the `function-url` trigger.
    pub url_auth: UrlAuth,
    pub description: String,
    /// MiB.
    pub memory_size: u32,
    /// Seconds.
    pub timeout: u32,
    /// AWS X-Ray active tracing.
    pub tracing: bool,
    /// Lambda's JSON log format instead of plain text.
    pub json_logging: bool,
    /// How long the function's log group keeps its logs.
    pub log_retention_days: u32,
    /// `ReservedConcurrentExecutions`; `None`: no cap.
    pub reserved_concurrency: Option<u32>,
    /// `None`: git when it is installed and the project is not inside a repository already.
    pub vcs: Option<Vcs>,
    pub ci: Ci,
    /// The CloudFormation stack the function deploys with; `None`: its own name (a new
    /// project). `lambda-new add` sets the application's.
    pub stack: Option<String>,
}

/// Something the person should know about their choices that does not stop the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl Choices {
    pub fn trigger<'c>(&self, catalog: &'c Catalog) -> &'c Trigger {
        catalog
            .trigger(&self.trigger)
            .expect("choices hold a trigger id from this catalog")
    }

    pub fn runtime<'c>(&self, catalog: &'c Catalog) -> (&'c Family, &'c Runtime) {
        catalog
            .runtime(&self.runtime_id)
            .expect("choices hold a runtime id from this catalog")
    }
}

/// Completes a request with defaults and validates it; every input check lives here.
pub fn resolve(request: &Request, catalog: &Catalog) -> Result<(Choices, Vec<Warning>), Error> {
    let raw_name = request.name.as_deref().ok_or(Error::MissingName)?;
    let name = FunctionName::parse(raw_name).map_err(|reason| Error::InvalidName {
        name: raw_name.to_owned(),
        reason,
    })?;

    let (family, runtime) =
        catalog.runtime(request.runtime.as_deref().unwrap_or(DEFAULT_RUNTIME))?;
    let mut warnings = Vec::new();
    if let Some(date) = &runtime.deprecated {
        let newest = catalog.runtime(&family.id)?.1;
        warnings.push(Warning(format!(
            "{} was deprecated on Lambda on {date}: functions on it get no security patches; \
             use {} (`--runtime {}`) for new functions",
            runtime.id, newest.id, family.id
        )));
    }

    let (base, base_image) = match (request.base, &request.base_image) {
        (Some(BaseKind::Aws), Some(_)) => return Err(Error::BaseImageWithAwsBase),
        (_, Some(image)) => {
            image_ref::check(image).map_err(|reason| Error::InvalidBaseImage {
                image: image.clone(),
                reason,
            })?;
            (BaseKind::Alternative, image.clone())
        }
        (Some(BaseKind::Alternative), None) => {
            (BaseKind::Alternative, runtime.alternative_image.clone())
        }
        (Some(BaseKind::Aws) | None, None) => (BaseKind::Aws, runtime.aws_image.clone()),
    };

    let options = resolve_options(&request.options, family, catalog)?;
    let trigger = match &request.trigger {
        Some(id) => catalog.trigger(id)?,
        None => catalog.default_trigger(),
    };
    if request.function_url_auth.is_some() && trigger.id != FUNCTION_URL {
        return Err(Error::UrlAuthWithoutFunctionUrl {
            trigger: trigger.id.clone(),
        });
    }
    let description = request
        .description
        .clone()
        .unwrap_or_else(|| default_description(&name, family, runtime));
    let public_url = trigger.id == FUNCTION_URL && request.function_url_auth == Some(UrlAuth::None);
    let choices = Choices {
        name,
        runtime_id: runtime.id.clone(),
        base,
        base_image,
        architecture: request.architecture.unwrap_or_else(Architecture::host),
        options,
        trigger: trigger.id.clone(),
        url_auth: request.function_url_auth.unwrap_or(UrlAuth::AwsIam),
        description,
        memory_size: request.memory_size.unwrap_or(DEFAULT_MEMORY_SIZE),
        timeout: request.timeout.unwrap_or(DEFAULT_TIMEOUT),
        tracing: request.tracing.unwrap_or(false),
        json_logging: request.json_logging.unwrap_or(false),
        log_retention_days: request
            .log_retention_days
            .unwrap_or(DEFAULT_LOG_RETENTION_DAYS),
        reserved_concurrency: request
            .reserved_concurrency
            .or(public_url.then_some(DEFAULT_PUBLIC_URL_CONCURRENCY)),
        vcs: request.vcs,
        ci: request.ci.unwrap_or(Ci::Github),
        stack: None,
    };
    Ok((choices, warnings))
}

/// The description a function gets when none is given.
pub fn default_description(name: &FunctionName, family: &Family, runtime: &Runtime) -> String {
    format!(
        "{name}: an AWS Lambda function in {} {}, packaged as a container image",
        family.name, runtime.version
    )
}

/// The family's options: given values checked, the others defaulted to their first value.
fn resolve_options(
    given: &BTreeMap<String, String>,
    family: &Family,
    catalog: &Catalog,
) -> Result<BTreeMap<String, String>, Error> {
    if let Some(key) = given
        .keys()
        .find(|k| !family.options.iter().any(|o| o.key == **k))
    {
        return Err(Error::OptionNotForFamily {
            key: key.clone(),
            family: family.name.clone(),
            applies_to: catalog
                .families
                .iter()
                .filter(|f| f.options.iter().any(|o| o.key == *key))
                .map(|f| f.name.clone())
                .collect(),
        });
    }
    family
        .options
        .iter()
        .map(|option| {
            let value = match given.get(&option.key) {
                None => option.values[0].id.clone(),
                Some(v) if option.values.iter().any(|known| known.id == *v) => v.clone(),
                Some(v) => {
                    return Err(Error::InvalidOptionValue {
                        key: option.key.clone(),
                        value: v.clone(),
                        valid: option.values.iter().map(|known| known.id.clone()).collect(),
                    });
                }
            };
            Ok((option.key.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> Request {
        Request {
            name: Some(name.into()),
            ..Request::default()
        }
    }

    fn resolve_ok(request: &Request) -> (Choices, Vec<Warning>) {
        resolve(request, &Catalog::embedded().unwrap()).unwrap()
    }

    #[test]
    fn defaults_fill_what_is_missing() {
        let (choices, warnings) = resolve_ok(&request("my-fn"));
        assert_eq!(choices.runtime_id, "python3.14");
        assert_eq!(choices.base, BaseKind::Aws);
        assert_eq!(choices.base_image, "public.ecr.aws/lambda/python:3.14");
        assert_eq!(choices.architecture, Architecture::host());
        assert!(warnings.is_empty());
    }

    #[test]
    fn base_image_implies_alternative() {
        let mut r = request("my-fn");
        r.base_image = Some("python:3.14-alpine".into());
        let (choices, _) = resolve_ok(&r);
        assert_eq!(choices.base, BaseKind::Alternative);
        assert_eq!(choices.base_image, "python:3.14-alpine");
    }

    #[test]
    fn alternative_base_gets_the_runtime_default_image() {
        let mut r = request("my-fn");
        r.base = Some(BaseKind::Alternative);
        r.runtime = Some("python3.12".into());
        assert_eq!(
            resolve_ok(&r).0.base_image,
            "public.ecr.aws/docker/library/python:3.12-slim-trixie"
        );
    }

    /// The catalog's own images meet the rule a user's --base-image must meet.
    #[test]
    fn every_catalog_image_is_a_valid_reference() {
        let catalog = Catalog::embedded().unwrap();
        for runtime in catalog.families.iter().flat_map(|f| &f.runtimes) {
            for image in [&runtime.aws_image, &runtime.alternative_image] {
                assert_eq!(image_ref::check(image), Ok(()), "{image}");
            }
        }
    }

    #[test]
    fn deprecated_runtime_warns_with_its_date() {
        let mut r = request("my-fn");
        r.runtime = Some("python3.10".into());
        let (choices, warnings) = resolve_ok(&r);
        assert_eq!(choices.runtime_id, "python3.10");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].0.contains("2026-06-30"), "{warnings:?}");
        assert!(warnings[0].0.contains("python3.14"), "{warnings:?}");
    }

    #[test]
    fn errors_name_the_problem() {
        let catalog = Catalog::embedded().unwrap();
        assert!(matches!(
            resolve(&Request::default(), &catalog),
            Err(Error::MissingName)
        ));
        assert!(matches!(
            resolve(&request("bad name"), &catalog),
            Err(Error::InvalidName { .. })
        ));
        let mut r = request("my-fn");
        r.base = Some(BaseKind::Aws);
        r.base_image = Some("python:3.14-alpine".into());
        assert!(matches!(
            resolve(&r, &catalog),
            Err(Error::BaseImageWithAwsBase)
        ));
        r.base = None;
        r.base_image = Some("python".into());
        assert!(matches!(
            resolve(&r, &catalog),
            Err(Error::InvalidBaseImage { .. })
        ));
        let mut r = request("my-fn");
        r.options.insert("language".into(), "typescript".into());
        let Err(Error::OptionNotForFamily { key, family, .. }) = resolve(&r, &catalog) else {
            panic!("an option Python does not have must be rejected");
        };
        assert_eq!((key.as_str(), family.as_str()), ("language", "Python"));
    }

    #[test]
    fn the_trigger_defaults_to_the_first_and_typos_get_a_suggestion() {
        let catalog = Catalog::embedded().unwrap();
        let (choices, _) = resolve_ok(&request("my-fn"));
        assert_eq!(choices.trigger, catalog.triggers[0].id);
        assert_eq!(choices.url_auth, UrlAuth::AwsIam);
        let mut r = request("my-fn");
        r.trigger = Some("sqs".into());
        assert_eq!(resolve_ok(&r).0.trigger, "sqs");
        r.trigger = Some("sqss".into());
        let Err(Error::UnknownTrigger {
            suggestion, valid, ..
        }) = resolve(&r, &catalog)
        else {
            panic!("an unknown trigger must be rejected");
        };
        assert_eq!(suggestion.as_deref(), Some("sqs"));
        assert_eq!(valid.len(), catalog.triggers.len());
    }

    #[test]
    fn function_url_auth_belongs_to_function_urls_only() {
        let catalog = Catalog::embedded().unwrap();
        let mut r = request("my-fn");
        r.function_url_auth = Some(UrlAuth::None);
        let Err(Error::UrlAuthWithoutFunctionUrl { trigger }) = resolve(&r, &catalog) else {
            panic!("--function-url-auth without a function URL must be rejected");
        };
        assert_eq!(trigger, catalog.triggers[0].id);
        r.trigger = Some(FUNCTION_URL.into());
        assert_eq!(resolve_ok(&r).0.url_auth, UrlAuth::None);
    }
}
