//! Every way a run can fail, and the exit code each one maps to.

use std::path::PathBuf;

use crate::name::NameError;
use crate::output::{escape, shown};

// IntoStaticStr names each variant in snake_case: the `kind` of a `--json` error.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Error {
    #[error("invalid function name {name:?}: {reason}")]
    InvalidName { name: String, reason: NameError },

    #[error(
        "a function name is required: pass it as NAME or with --name (e.g. `lambda-new my-function`)"
    )]
    MissingName,

    #[error("unknown runtime {given:?}{}\n  valid runtimes: {}", suggestion_text(.suggestion), .valid.join(", "))]
    UnknownRuntime {
        given: String,
        suggestion: Option<String>,
        valid: Vec<String>,
    },

    #[error("--{key} does not apply to {family}{}", applies_to_text(.applies_to))]
    OptionNotForFamily {
        key: String,
        family: String,
        applies_to: Vec<String>,
    },

    #[error("invalid --{key} {value:?}; valid values: {}", .valid.join(", "))]
    InvalidOptionValue {
        key: String,
        value: String,
        valid: Vec<String>,
    },

    #[error("unknown setting `{}` in {}; valid settings: {}", escape(.key), escape(.origin), .valid.join(", "))]
    UnknownKey {
        key: String,
        origin: String,
        valid: Vec<&'static str>,
    },

    #[error("invalid value {value:?} for `{key}` in {}: expected {rule}", escape(.origin))]
    InvalidValue {
        key: &'static str,
        value: String,
        rule: &'static str,
        origin: String,
    },

    #[error("--define takes KEY=VALUE, got {0:?}")]
    BadDefine(String),

    #[error("cannot read values file {}: {reason}", shown(.path))]
    ValuesFile { path: PathBuf, reason: String },

    #[error("--vcs git needs git, which is not installed; install it or pass --vcs none")]
    GitMissing,

    #[error("cancelled; nothing was written")]
    Interrupted,

    #[error("invalid --base-image {image:?}: {reason}")]
    InvalidBaseImage { image: String, reason: String },

    #[error(
        "--base-image names an alternative base image, so it cannot be combined with --base aws"
    )]
    BaseImageWithAwsBase,

    #[error("{} already exists; choose another name or --output-dir (lambda-new never writes into an existing path)", shown(.0))]
    DestinationExists(PathBuf),

    #[error("the output directory {} does not exist; create it first or pick another with --output-dir", shown(.0))]
    OutputDirMissing(PathBuf),

    #[error("the output directory {} is not a directory; pick a directory with --output-dir", shown(.0))]
    OutputNotADirectory(PathBuf),

    #[error("could not write to standard output: {0}")]
    Stdout(std::io::Error),

    #[error("{} is not a directory; --init and --force write into an existing directory", shown(.0))]
    NotADirectory(PathBuf),

    #[error("{} is not empty; --force writes only into an empty directory (to add a project to it, use --init --output-dir {})", shown(.0), shown(.0))]
    NotEmpty(PathBuf),

    #[error("{} already has {}; nothing was written (pass --overwrite to replace them)", shown(.dir), .files.join(", "))]
    FilesExist { dir: PathBuf, files: Vec<String> },

    #[error("in {}, {} must be a directory for the project but is a file; nothing was written", shown(.dir), .paths.join(", "))]
    PathBlocked { dir: PathBuf, paths: Vec<String> },

    #[error("could not {action} {}: {source}; nothing was left behind", shown(.path))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A fault in the embedded templates or catalog: a bug in lambda-new, not in the input.
    #[error("internal error in the embedded templates: {0}")]
    Internal(String),
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean {s:?}?"),
        None => String::new(),
    }
}

fn applies_to_text(families: &[String]) -> String {
    if families.is_empty() {
        String::new()
    } else {
        format!("; it applies to {}", families.join(", "))
    }
}

impl Error {
    /// A stable, machine-readable name for this kind of failure (`output_dir_missing`, ...).
    pub fn kind(&self) -> &'static str {
        self.into()
    }

    /// Exit code: 2 for input that cannot be used (like clap's usage errors), 130 when the
    /// person cancelled (like a shell's Ctrl-C), 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidName { .. }
            | Error::MissingName
            | Error::UnknownRuntime { .. }
            | Error::InvalidBaseImage { .. }
            | Error::OptionNotForFamily { .. }
            | Error::InvalidOptionValue { .. }
            | Error::BaseImageWithAwsBase
            | Error::UnknownKey { .. }
            | Error::InvalidValue { .. }
            | Error::BadDefine(_)
            | Error::ValuesFile { .. } => 2,
            Error::Interrupted => 130,
            Error::DestinationExists(_)
            | Error::OutputDirMissing(_)
            | Error::OutputNotADirectory(_)
            | Error::Stdout(_)
            | Error::Io { .. }
            | Error::NotADirectory(_)
            | Error::NotEmpty(_)
            | Error::FilesExist { .. }
            | Error::PathBlocked { .. }
            | Error::GitMissing
            | Error::Internal(_) => 1,
        }
    }
}
