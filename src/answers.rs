//! The recorded answers: `.lambda-new.toml` at the application's root holds, per function,
//! the choices it was generated with, the lambda-new version that generated it and a SHA-256
//! of each file it wrote. Rendering is pure, so these answers and that version give the same
//! bytes again: `lambda-new check` compares against them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::choices::{self, BaseKind, Choices, FUNCTION_URL};
use crate::error::Error;
use crate::render::{Plan, PlannedFile};
use crate::request::Request;
use crate::write;

/// The file's name, at the application's root.
pub const FILE: &str = ".lambda-new.toml";
/// A file of answers bigger than this was not written by lambda-new (one function's are about 2 KiB).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// This binary's version, as recorded.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const HEADER: &str = "\
# Written by lambda-new: each function's answers, the lambda-new version that generated it and
# a SHA-256 of each file it wrote. `lambda-new check` reads it; keep it under version control.
";

/// The whole file. Maps and field order keep it stable and diffable.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Files of the application itself (not of one function) that `lambda-new NAME` wrote,
    /// by path; template.yaml is not among them: functions are checked in it by resource.
    #[serde(default, rename = "project-files")]
    pub project_files: BTreeMap<String, String>,
    #[serde(default)]
    pub functions: BTreeMap<String, Function>,
}

/// One function's answers, named like the settings (`--define KEY=VALUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Function {
    pub lambda_new: String,
    pub runtime: String,
    pub trigger: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_url_auth: Option<String>,
    pub base: String,
    /// Only for an alternative base: the AWS one follows the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_image: Option<String>,
    pub architecture: String,
    /// Only when it is not the default, which follows the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub memory_size: u32,
    pub timeout: u32,
    pub tracing: bool,
    pub json_logging: bool,
    pub log_retention_days: u32,
    /// The application's pipeline (`github` or `none`) when the function was written.
    pub ci: String,
    /// The cap on instances running at once, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    /// The application's stack, for a function `lambda-new add` wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The family's own choices (`language`, `dependency-manager`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// SHA-256 (hex) of each file the function got, by path from the application's root.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

impl Answers {
    pub fn parse(text: &str) -> Result<Answers, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("answers serialize to TOML");
        format!("{HEADER}\n{body}")
    }

    /// Reads the application's answers: `None` when it has none (not made by lambda-new).
    pub fn read(project: &Path) -> Result<Option<(Answers, Vec<u8>)>, Error> {
        let path = project.join(FILE);
        let fail = |reason: String| Error::CannotRead {
            path: path.clone(),
            reason,
        };
        match path.symlink_metadata() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(format!("it cannot be read: {e}"))),
            Ok(meta) if !meta.is_file() => return Err(fail("it is not a regular file".into())),
            Ok(_) => {}
        }
        // Read as every input is (no FIFO swapped in after the check above can hang it).
        let bytes = write::read_input(&path, MAX_BYTES)
            .map_err(|e| fail(write::unreadable(&e, MAX_BYTES)))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
        let answers = Answers::parse(text).map_err(fail)?;
        Ok(Some((answers, bytes)))
    }
}

impl Function {
    /// What `choices` were, and the hash of each of the function's files in `plan`.
    pub fn new(choices: &Choices, catalog: &Catalog, plan: &Plan) -> Function {
        let (family, runtime) = choices.runtime(catalog);
        let default_description = choices::default_description(&choices.name, family, runtime);
        let prefix = format!("{}/", choices.name.as_str());
        Function {
            lambda_new: VERSION.to_owned(),
            runtime: choices.runtime_id.clone(),
            trigger: choices.trigger.clone(),
            function_url_auth: (choices.trigger == FUNCTION_URL).then(|| {
                match choices.url_auth {
                    choices::UrlAuth::AwsIam => "aws-iam",
                    choices::UrlAuth::None => "none",
                }
                .to_owned()
            }),
            base: match choices.base {
                BaseKind::Aws => "aws",
                BaseKind::Alternative => "alternative",
            }
            .to_owned(),
            base_image: (choices.base == BaseKind::Alternative).then(|| choices.base_image.clone()),
            architecture: choices.architecture.lambda_name().to_owned(),
            description: (choices.description != default_description)
                .then(|| choices.description.clone()),
            memory_size: choices.memory_size,
            timeout: choices.timeout,
            tracing: choices.tracing,
            json_logging: choices.json_logging,
            log_retention_days: choices.log_retention_days,
            ci: choices.ci.id().to_owned(),
            reserved_concurrency: choices.reserved_concurrency,
            stack: choices.stack.clone(),
            options: choices.options.clone(),
            files: hashes(plan.files.iter().filter(|f| f.path.starts_with(&prefix))),
        }
    }

    /// The choices these answers stand for, resolved again against `catalog` (with
    /// `runtime` in place of the recorded one, if given).
    pub fn choices(
        &self,
        name: &str,
        catalog: &Catalog,
        runtime: Option<&str>,
    ) -> Result<Choices, Error> {
        use clap::ValueEnum;
        let invalid = |key: &'static str, value: &str| Error::InvalidValue {
            key,
            value: value.to_owned(),
            rule: "a value lambda-new writes",
            origin: FILE.to_owned(),
        };
        let request = Request {
            name: Some(name.to_owned()),
            runtime: Some(runtime.unwrap_or(&self.runtime).to_owned()),
            base: Some(
                BaseKind::from_str(&self.base, false).map_err(|_| invalid("base", &self.base))?,
            ),
            base_image: self.base_image.clone(),
            architecture: Some(
                choices::Architecture::from_str(&self.architecture, false)
                    .map_err(|_| invalid("architecture", &self.architecture))?,
            ),
            options: self.options.clone(),
            trigger: Some(self.trigger.clone()),
            function_url_auth: match &self.function_url_auth {
                Some(auth) => Some(
                    choices::UrlAuth::from_str(auth, false)
                        .map_err(|_| invalid("function-url-auth", auth))?,
                ),
                None => None,
            },
            description: self.description.clone(),
            memory_size: Some(self.memory_size),
            timeout: Some(self.timeout),
            tracing: Some(self.tracing),
            json_logging: Some(self.json_logging),
            log_retention_days: Some(self.log_retention_days),
            reserved_concurrency: self.reserved_concurrency,
            ci: Some(choices::Ci::from_str(&self.ci, false).map_err(|_| invalid("ci", &self.ci))?),
            vcs: None,
        };
        let (mut choices, _) = choices::resolve(&request, catalog)?;
        choices.stack = self.stack.clone();
        Ok(choices)
    }
}

/// The answers file a new project gets: its one function and the project's own files.
pub fn for_new_project(choices: &Choices, catalog: &Catalog, plan: &Plan) -> PlannedFile {
    let mut answers = Answers {
        project_files: hashes(
            plan.files
                .iter()
                .filter(|f| !f.path.contains('/') && f.path != "template.yaml"),
        ),
        ..Answers::default()
    };
    answers.functions.insert(
        choices.name.to_string(),
        Function::new(choices, catalog, plan),
    );
    planned(&answers, None)
}

/// The answers file after `lambda-new add`: `old` (the file's bytes and contents, if the
/// application has one) with the function added, as an edit of what was read.
pub fn for_addition(
    old: Option<(Answers, Vec<u8>)>,
    choices: &Choices,
    catalog: &Catalog,
    plan: &Plan,
) -> PlannedFile {
    let (mut answers, bytes) = match old {
        Some((answers, bytes)) => (answers, Some(bytes)),
        None => (Answers::default(), None),
    };
    answers.functions.insert(
        choices.name.to_string(),
        Function::new(choices, catalog, plan),
    );
    planned(&answers, bytes)
}

fn planned(answers: &Answers, replaces: Option<Vec<u8>>) -> PlannedFile {
    PlannedFile {
        path: FILE.to_owned(),
        contents: answers.to_toml().into_bytes(),
        executable: false,
        replaces,
    }
}

fn hashes<'p>(files: impl Iterator<Item = &'p PlannedFile>) -> BTreeMap<String, String> {
    files
        .map(|f| (f.path.clone(), sha256(&f.contents)))
        .collect()
}

/// Lower-case hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    faster_hex::hex_string(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::render;

    /// Recorded hashes are lower-case hex SHA-256, as `sha256sum` prints them: files written
    /// by earlier versions must still match.
    #[test]
    fn a_hash_is_sha256sums_hex() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn choices_for(request: Request) -> Choices {
        choices::resolve(&request, &Catalog::embedded().unwrap())
            .unwrap()
            .0
    }

    /// Every choice survives the file, so rendering from it gives the same bytes.
    #[test]
    fn answers_round_trip_to_the_same_render() {
        let catalog = Catalog::embedded().unwrap();
        let mut request = Request {
            name: Some("my-fn".into()),
            runtime: Some("nodejs22.x".into()),
            base: Some(BaseKind::Alternative),
            trigger: Some(FUNCTION_URL.into()),
            function_url_auth: Some(choices::UrlAuth::None),
            description: Some("mine".into()),
            memory_size: Some(1024),
            tracing: Some(true),
            ..Request::default()
        };
        request
            .options
            .insert("language".into(), "typescript".into());
        let mut choices = choices_for(request);
        choices.stack = Some("app".into());
        let plan = render(&choices, &catalog).unwrap();
        let file = for_addition(None, &choices, &catalog, &plan);
        assert_eq!(file.replaces, None);
        let text = String::from_utf8(file.contents).unwrap();
        let answers = Answers::parse(&text).unwrap();
        assert_eq!(answers.to_toml(), text, "writing is stable");
        let recorded = &answers.functions["my-fn"];
        assert_eq!(recorded.description.as_deref(), Some("mine"));
        let again = recorded.choices("my-fn", &catalog, None).unwrap();
        assert_eq!(render(&again, &catalog).unwrap(), plan);
        for f in plan.files.iter().filter(|f| f.path.starts_with("my-fn/")) {
            assert_eq!(recorded.files[&f.path], sha256(&f.contents), "{}", f.path);
        }
    }

    #[test]
    fn a_default_description_is_not_recorded_so_it_follows_the_runtime() {
        let catalog = Catalog::embedded().unwrap();
        let choices = choices_for(Request {
            name: Some("my-fn".into()),
            runtime: Some("python3.12".into()),
            ..Request::default()
        });
        let plan = render(&choices, &catalog).unwrap();
        let recorded = Function::new(&choices, &catalog, &plan);
        assert_eq!(recorded.description, None);
        let newer = recorded
            .choices("my-fn", &catalog, Some("python3.14"))
            .unwrap();
        assert!(
            newer.description.contains("Python 3.14"),
            "{}",
            newer.description
        );
    }

    #[test]
    fn an_addition_edits_the_file_it_read() {
        let catalog = Catalog::embedded().unwrap();
        let first = choices_for(Request {
            name: Some("first".into()),
            ..Request::default()
        });
        let plan = render(&first, &catalog).unwrap();
        let new = for_new_project(&first, &catalog, &plan);
        assert!(new.replaces.is_none());
        let text = String::from_utf8(new.contents.clone()).unwrap();
        let answers = Answers::parse(&text).unwrap();
        assert!(answers.project_files.contains_key("README.md"));
        assert!(!answers.project_files.contains_key("template.yaml"));
        let second = choices_for(Request {
            name: Some("second".into()),
            runtime: Some("go".into()),
            ..Request::default()
        });
        let plan = render(&second, &catalog).unwrap();
        let edit = for_addition(
            Some((answers, new.contents.clone())),
            &second,
            &catalog,
            &plan,
        );
        assert_eq!(edit.replaces, Some(new.contents));
        let after = Answers::parse(std::str::from_utf8(&edit.contents).unwrap()).unwrap();
        assert_eq!(
            after.functions.keys().collect::<Vec<_>>(),
            ["first", "second"]
        );
    }
}
