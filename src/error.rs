//! Every way a run can fail, and the exit code each one maps to.

use std::path::PathBuf;

use crate::name::NameError;

#[derive(Debug, thiserror::Error)]
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

    #[error("unknown setting `{key}` in {origin}; valid settings: {}", .valid.join(", "))]
    UnknownKey {
        key: String,
        origin: String,
        valid: Vec<&'static str>,
    },

    #[error("invalid value {value:?} for `{key}` in {origin}: expected {rule}")]
    InvalidValue {
        key: &'static str,
        value: String,
        rule: &'static str,
        origin: String,
    },

    #[error("--define takes KEY=VALUE, got {0:?}")]
    BadDefine(String),

    #[error("cannot read values file {}: {reason}", .path.display())]
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

    #[error("{} already exists; choose another name or --output-dir (lambda-new never writes into an existing path)", .0.display())]
    DestinationExists(PathBuf),

    #[error("the output directory {} does not exist; create it first or pick another with --output-dir", .0.display())]
    OutputDirMissing(PathBuf),

    #[error("{} is not a directory; --init and --force write into an existing directory", .0.display())]
    NotADirectory(PathBuf),

    #[error("{} is not empty; --force writes only into an empty directory (to add a project to it, use --init --output-dir {})", .0.display(), .0.display())]
    NotEmpty(PathBuf),

    #[error("{} already has {}; nothing was written (pass --overwrite to replace them)", .dir.display(), .files.join(", "))]
    FilesExist { dir: PathBuf, files: Vec<String> },

    /// Each entry: a blocking path and what is wrong with it, e.g. "src: a symlink, where the
    /// project needs a directory".
    #[error("in {}, these paths are in the way of the project; nothing was written:{}", .dir.display(), lines(.paths))]
    PathBlocked { dir: PathBuf, paths: Vec<String> },

    #[error("another lambda-new run is writing into {}; nothing was written", .0.display())]
    Busy(PathBuf),

    #[error("{} {what} while lambda-new was writing, so it was left alone", .path.display())]
    ChangedMeanwhile { path: PathBuf, what: &'static str },

    /// A staging directory a killed run left; `help` says what it holds and how to restore.
    #[error("{} holds {}, left by a lambda-new run that was killed before it finished; nothing was written.\n{help}", .dir.display(), .staging.display())]
    StaleStaging {
        dir: PathBuf,
        staging: PathBuf,
        help: String,
    },

    #[error("git init failed in {}: {reason}", .dir.display())]
    GitFailed { dir: PathBuf, reason: String },

    #[error("cancelled by {}", crate::interrupt::name(*.0))]
    Signal(i32),

    /// A write that failed after it began, and what undoing it could not remove or restore.
    #[error("{cause}; {}", undone_text(.left))]
    Undone {
        cause: Box<Error>,
        left: Vec<String>,
    },

    #[error("could not {action} {}: {source}", .path.display())]
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

fn lines(items: &[String]) -> String {
    items.iter().map(|item| format!("\n  {item}")).collect()
}

fn undone_text(left: &[String]) -> String {
    if left.is_empty() {
        "nothing was left behind".to_owned()
    } else {
        format!("undoing it left behind:{}", lines(left))
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
    /// Exit code: 2 for input that cannot be used (like clap's usage errors), 130 when the
    /// person cancelled (like a shell's Ctrl-C), 128+N for signal N while writing, 1 for the
    /// rest.
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
            Error::Signal(signal) => u8::try_from(128 + signal).unwrap_or(u8::MAX),
            Error::Undone { cause, .. } => cause.exit_code(),
            Error::DestinationExists(_)
            | Error::OutputDirMissing(_)
            | Error::Io { .. }
            | Error::NotADirectory(_)
            | Error::NotEmpty(_)
            | Error::FilesExist { .. }
            | Error::PathBlocked { .. }
            | Error::Busy(_)
            | Error::GitFailed { .. }
            | Error::ChangedMeanwhile { .. }
            | Error::StaleStaging { .. }
            | Error::GitMissing
            | Error::Internal(_) => 1,
        }
    }
}
