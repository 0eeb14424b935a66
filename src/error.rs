//! Every way a run can fail, and the exit code each one maps to.

use std::path::PathBuf;

use crate::name::NameError;
use crate::output::{escape, shown};

// IntoStaticStr names each variant in snake_case: the `kind` of a `--json` error.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Error {
    #[error("invalid function name {}: {reason}", quote(.name))]
    InvalidName { name: String, reason: NameError },

    #[error(
        "a function name is required: pass it as NAME or with --name (e.g. `lambda-new my-function`)"
    )]
    MissingName,

    #[error("unknown runtime {}{}\n  valid runtimes: {}", quote(.given), suggestion_text(.suggestion), .valid.join(", "))]
    UnknownRuntime {
        given: String,
        suggestion: Option<String>,
        valid: Vec<String>,
    },

    #[error("unknown trigger {}{}\n  valid triggers: {} (see `lambda-new list`)", quote(.given), suggestion_text(.suggestion), .valid.join(", "))]
    UnknownTrigger {
        given: String,
        suggestion: Option<String>,
        valid: Vec<String>,
    },

    #[error(
        "--function-url-auth applies to --trigger function-url only, not to --trigger {trigger}"
    )]
    UrlAuthWithoutFunctionUrl { trigger: String },

    #[error("--{key} does not apply to {family}{}", applies_to_text(.applies_to))]
    OptionNotForFamily {
        key: String,
        family: String,
        applies_to: Vec<String>,
    },

    #[error("invalid --{key} {}; valid values: {}", quote(.value), .valid.join(", "))]
    InvalidOptionValue {
        key: String,
        value: String,
        valid: Vec<String>,
    },

    #[error("unknown setting {} in {}; valid settings: {}", quote_key(.key), escape(.origin), .valid.join(", "))]
    UnknownKey {
        key: String,
        origin: String,
        valid: Vec<&'static str>,
    },

    #[error("invalid value {} for `{key}` in {}: expected {rule}", quote(.value), escape(.origin))]
    InvalidValue {
        key: &'static str,
        value: String,
        rule: &'static str,
        origin: String,
    },

    #[error("--define takes KEY=VALUE, got {}", quote(.0))]
    BadDefine(String),

    #[error("cannot read values file {}: {reason}", shown(.path))]
    ValuesFile { path: PathBuf, reason: String },

    #[error("--vcs git needs git, which is not installed; install it or pass --vcs none")]
    GitMissing,

    #[error("cancelled; nothing was written")]
    Interrupted,

    #[error("invalid --base-image {}: {reason}", quote(.image))]
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

    /// Each entry: a blocking path and what is wrong with it, e.g. "src: a symlink, where the
    /// project needs a directory".
    #[error("in {}, these paths are in the way of the project; nothing was written:{}", shown(.dir), lines(.paths))]
    PathBlocked { dir: PathBuf, paths: Vec<String> },

    #[error("another lambda-new run is writing into {}; nothing was written", shown(.0))]
    Busy(PathBuf),

    #[error("{} {what} while lambda-new was writing, so it was left alone", shown(.path))]
    ChangedMeanwhile { path: PathBuf, what: &'static str },

    /// A staging directory a killed run left; `help` says what it holds and how to restore.
    #[error("{} holds {}, left by a lambda-new run that was killed before it finished; nothing was written.\n{help}", shown(.dir), shown(.staging))]
    StaleStaging {
        dir: PathBuf,
        staging: PathBuf,
        help: String,
    },

    #[error("git init failed in {}: {reason}", shown(.dir))]
    GitFailed { dir: PathBuf, reason: String },

    #[error("cancelled by {}", crate::interrupt::name(*.0))]
    Signal(i32),

    /// A write that failed after it began, and what undoing it could not remove or restore.
    #[error("{cause}; {}", undone_text(.left))]
    Undone {
        cause: Box<Error>,
        left: Vec<String>,
    },

    #[error("could not {action} {}: {source}", shown(.path))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("no template.yaml or template.yml in {} or any directory above it; run `lambda-new add` or `check` inside a SAM application or pass --project DIR", shown(.0))]
    NoSamProject(PathBuf),

    #[error("{} has no template.yaml or template.yml; --project names a SAM application's directory", shown(.0))]
    NoSamTemplate(PathBuf),

    #[error("--project {} {reason}; give the directory holding the application's template.yaml", shown(.path))]
    BadProject { path: PathBuf, reason: &'static str },

    #[error("{} has both {} and {}, and SAM CLI would read only the first; keep one of them, then run lambda-new add again", shown(.dir), shown(.first), shown(.second))]
    TwoTemplates {
        dir: PathBuf,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("cannot add to {}: {reason}; nothing was written", shown(.path))]
    CannotEdit { path: PathBuf, reason: String },

    #[error("cannot read {}: {reason}", shown(.path))]
    CannotRead { path: PathBuf, reason: String },

    #[error("{} already exists; pick another function name (lambda-new add never writes into an existing path)", shown(.0))]
    FunctionExists(PathBuf),

    #[error("{} has no .lambda-new.toml, so lambda-new does not know what it generated there; `lambda-new update` updates functions lambda-new generated", shown(.0))]
    NoAnswers(PathBuf),

    #[error("no function {} in .lambda-new.toml; it has: {}", quote(.name), .known.join(", "))]
    UnknownFunction { name: String, known: Vec<String> },

    #[error("--runtime {} is {family}, but {function} is {recorded} ({recorded_family}); update moves a function within its family only", quote(.given))]
    OtherFamily {
        given: String,
        family: String,
        function: String,
        recorded: String,
        recorded_family: String,
    },

    #[error(
        "--runtime {given} was deprecated on Lambda on {date}; update to a supported runtime (`lambda-new list` shows them)"
    )]
    DeprecatedTarget { given: String, date: String },

    #[error("{} has uncommitted changes ({}); commit or stash them first so the update can be reviewed and undone with git, or pass --allow-dirty", shown(.dir), listed(.files))]
    Dirty { dir: PathBuf, files: Vec<String> },

    #[error("cannot tell whether the git work tree of {} is clean: {reason}; pass --allow-dirty to update anyway", shown(.dir))]
    GitStatus { dir: PathBuf, reason: String },

    #[error("cannot update {}: {reason}; nothing was written", shown(.path))]
    CannotUpdate { path: PathBuf, reason: String },

    /// A fault in the embedded templates or catalog: a bug in lambda-new, not in the input.
    #[error("internal error in the embedded templates: {0}")]
    Internal(String),
}

/// How many characters of an input value a message quotes: enough to recognise it, few
/// enough that a megabyte-long value cannot flood the terminal.
const QUOTED_CHARS: usize = 60;

/// An input value for a message: in double quotes, control and other invisible characters
/// escaped, at most [`QUOTED_CHARS`] characters of it, then `...` and its full length.
pub fn quote(value: &str) -> String {
    let mut out = String::from('"');
    for (i, c) in value.chars().enumerate() {
        if i == QUOTED_CHARS {
            let total = value.chars().count();
            return format!("{out}\"... ({total} characters)");
        }
        match c {
            '\'' => out.push(c),
            _ => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    out
}

/// A parser's message, which may quote the input: control characters escaped and at most
/// a few lines' worth of it.
pub fn brief(message: &str) -> String {
    let (kept, cut) = match message.char_indices().nth(4 * QUOTED_CHARS) {
        Some((end, _)) => (&message[..end], "..."),
        None => (message, ""),
    };
    format!("{}{cut}", escape(kept))
}

/// Words longer than this are cut by [`shorten_words`].
pub const LONG_WORD: usize = 2 * QUOTED_CHARS;

/// `text` with each over-long word cut to a prefix and control characters other than line
/// breaks escaped, for messages (like clap's) that quote input whole.
pub fn shorten_words(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split(' ')
                .map(|word| {
                    let shown = brief(word);
                    if word.chars().count() > LONG_WORD {
                        let prefix: String = shown.chars().take(QUOTED_CHARS).collect();
                        format!("{prefix}... ({} characters)", word.chars().count())
                    } else {
                        shown
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A word of input (a key, a variable name, a path) shown bare when it is short and plain,
/// and quoted like [`quote`] otherwise.
pub fn word(value: &str) -> String {
    if is_plain(value) {
        value.to_owned()
    } else {
        quote(value)
    }
}

/// A setting's key: `key` in backticks when it is plain, quoted otherwise.
pub fn quote_key(key: &str) -> String {
    if is_plain(key) {
        format!("`{key}`")
    } else {
        quote(key)
    }
}

fn is_plain(value: &str) -> bool {
    value.len() <= QUOTED_CHARS
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '`' | '\\'))
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

/// At most a few paths, then how many more.
fn listed(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .map(|p| escape(p))
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    text
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
    /// A stable, machine-readable name for this kind of failure (`output_dir_missing`, ...).
    pub fn kind(&self) -> &'static str {
        self.into()
    }

    /// Exit code: 2 for input that cannot be used (like clap's usage errors), 130 when the
    /// person cancelled (like a shell's Ctrl-C), 128+N for signal N while writing, 1 for the
    /// rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidName { .. }
            | Error::MissingName
            | Error::UnknownRuntime { .. }
            | Error::UnknownTrigger { .. }
            | Error::UrlAuthWithoutFunctionUrl { .. }
            | Error::InvalidBaseImage { .. }
            | Error::OptionNotForFamily { .. }
            | Error::InvalidOptionValue { .. }
            | Error::BaseImageWithAwsBase
            | Error::UnknownKey { .. }
            | Error::InvalidValue { .. }
            | Error::BadDefine(_)
            | Error::ValuesFile { .. }
            | Error::NoSamProject(_)
            | Error::NoSamTemplate(_)
            | Error::BadProject { .. }
            | Error::TwoTemplates { .. }
            | Error::CannotEdit { .. }
            | Error::CannotRead { .. }
            | Error::NoAnswers(_)
            | Error::UnknownFunction { .. }
            | Error::OtherFamily { .. }
            | Error::DeprecatedTarget { .. }
            | Error::Dirty { .. }
            | Error::GitStatus { .. }
            | Error::CannotUpdate { .. } => 2,
            Error::Interrupted => 130,
            Error::Signal(signal) => u8::try_from(128 + signal).unwrap_or(u8::MAX),
            Error::Undone { cause, .. } => cause.exit_code(),
            Error::DestinationExists(_)
            | Error::FunctionExists(_)
            | Error::OutputDirMissing(_)
            | Error::OutputNotADirectory(_)
            | Error::Stdout(_)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_and_cut_long_values() {
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("a\nb\u{1b}[31m\""), "\"a\\nb\\u{1b}[31m\\\"\"");
        let long = "é".repeat(1 << 20);
        let quoted = quote(&long);
        assert!(quoted.starts_with(&format!("\"{}\"...", "é".repeat(QUOTED_CHARS))));
        assert!(quoted.ends_with("(1048576 characters)"), "{quoted}");
        assert_eq!(quote(&"x".repeat(QUOTED_CHARS)).len(), QUOTED_CHARS + 2);
    }

    #[test]
    fn briefs_are_one_short_line() {
        assert_eq!(brief("bad key \"a\" at line 2"), "bad key \"a\" at line 2");
        assert_eq!(brief("a\nb"), "a\\nb");
        let long = brief(&"m".repeat(10_000));
        assert_eq!(long.len(), 4 * QUOTED_CHARS + 3);
    }

    #[test]
    fn long_words_are_shortened_and_lines_kept() {
        let text = format!("error: bad '{}'\n  tip: x\u{1b}[1m", "v".repeat(1 << 20));
        let short = shorten_words(&text);
        assert!(short.len() < 200, "{short}");
        assert!(short.contains("... (1048578 characters)"), "{short}");
        assert!(short.ends_with("\n  tip: x\\u{1b}[1m"), "{short}");
        assert_eq!(
            shorten_words("error: a\n\nUsage: b"),
            "error: a\n\nUsage: b"
        );
    }

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(word("values.toml"), "values.toml");
        assert_eq!(word("my file.toml"), "\"my file.toml\"");
        assert_eq!(word("a\u{7}"), "\"a\\u{7}\"");
        assert!(word(&"k".repeat(1000)).len() < 100);
    }

    #[test]
    fn messages_quote_a_prefix_of_huge_values() {
        let huge = "v".repeat(1 << 20);
        for error in [
            Error::InvalidValue {
                key: "timeout",
                value: huge.clone(),
                rule: "seconds",
                origin: "--define".into(),
            },
            Error::UnknownKey {
                key: huge.clone(),
                origin: word(&huge),
                valid: vec!["name"],
            },
            Error::BadDefine(huge.clone()),
            Error::InvalidBaseImage {
                image: huge.clone(),
                reason: "it is too long".into(),
            },
        ] {
            let message = error.to_string();
            assert!(message.len() < 400, "{} bytes", message.len());
        }
    }
}
