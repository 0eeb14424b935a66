//! Every setting a user can give, by key, from every source, merged by precedence into a
//! [`Request`]: explicit flag > `--define` > `--values-file` > `LAMBDA_NEW_<KEY>` > default.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use clap::ValueEnum;

use crate::choices::{Architecture, BaseKind, Ci, UrlAuth, Vcs};
use crate::cli::FunctionArgs;
use crate::error::{Error, brief, quote_key, word};
use crate::request::Request;

/// A settable key and the rule its value must meet.
pub struct Key {
    pub name: &'static str,
    pub rule: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "name",
        rule: "ASCII letters, digits, '-' and '_', starting with a letter, at most 64 characters",
    },
    Key {
        name: "runtime",
        rule: "a family or runtime from `lambda-new list`",
    },
    Key {
        name: "trigger",
        rule: "a trigger from `lambda-new list`",
    },
    Key {
        name: "function-url-auth",
        rule: "aws-iam or none (with the function-url trigger)",
    },
    Key {
        name: "base",
        rule: "aws or alternative",
    },
    Key {
        name: "base-image",
        rule: "an image reference with a tag or digest",
    },
    Key {
        name: "architecture",
        rule: "x86_64 or arm64",
    },
    Key {
        name: "language",
        rule: "javascript or typescript (Node.js)",
    },
    Key {
        name: "dependency-manager",
        rule: "maven or gradle (Java)",
    },
    Key {
        name: "description",
        rule: "text of at most 256 characters, without control characters, Unicode noncharacters \
               (YAML parsers refuse U+FFFE and U+FFFF) or `${...}` (cfn-lint E1029 reads it as \
               a CloudFormation substitution outside Fn::Sub)",
    },
    Key {
        name: "memory-size",
        rule: "MiB, a whole number from 128 to 10240",
    },
    Key {
        name: "timeout",
        rule: "seconds, a whole number from 1 to 900",
    },
    Key {
        name: "tracing",
        rule: "true or false: AWS X-Ray active tracing",
    },
    Key {
        name: "json-logging",
        rule: "true or false: Lambda's JSON log format",
    },
    Key {
        name: "log-retention-days",
        rule: "days the function's log group keeps logs, one of CloudWatch Logs' periods: \
               1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, \
               2557, 2922, 3288 or 3653",
    },
    Key {
        name: "reserved-concurrency",
        rule: "a whole number from 1 to 1000: the most instances of the function that run at \
               once (default 10 for a public function URL, no cap otherwise)",
    },
    Key {
        name: "vcs",
        rule: "git or none",
    },
    Key {
        name: "ci",
        rule: "github or none",
    },
];

/// The retention periods CloudWatch Logs accepts (`RetentionInDays`), in days.
const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Environment variables read for settings: `LAMBDA_NEW_` + the key in upper snake case.
pub const ENV_PREFIX: &str = "LAMBDA_NEW_";

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Define,
    ValuesFile(String),
    Env(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => write!(f, "the command line"),
            Source::Define => write!(f, "--define"),
            Source::ValuesFile(path) => write!(f, "values file {}", word(path)),
            Source::Env(var) => write!(f, "environment variable {}", word(var)),
        }
    }
}

/// The process environment as text (names and values that are not UTF-8 made lossy), for
/// [`request`].
pub fn process_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    })
}

/// Builds the request from every source; `vcs` is `--vcs` where the command has it, `env` the
/// process environment (a parameter so tests can pass their own).
pub fn request(
    args: &FunctionArgs,
    vcs: Option<Vcs>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Request, Error> {
    // Lowest precedence first: each later source overwrites.
    let mut merged: BTreeMap<&'static str, (String, Source)> = BTreeMap::new();
    for (var, value) in env {
        let Some(suffix) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let key = lookup(
            &suffix.to_lowercase().replace('_', "-"),
            &Source::Env(var.clone()),
        )?;
        merged.insert(key, (value, Source::Env(var)));
    }
    if let Some(path) = &args.values_file {
        for (key, value) in read_values_file(path)? {
            let source = Source::ValuesFile(path.display().to_string());
            merged.insert(lookup(&key, &source)?, (value, source));
        }
    }
    for define in &args.define {
        let (key, value) = define
            .split_once('=')
            .ok_or_else(|| Error::BadDefine(define.clone()))?;
        merged.insert(
            lookup(key.trim(), &Source::Define)?,
            (value.to_owned(), Source::Define),
        );
    }
    for (key, value) in flags(args, vcs) {
        merged.insert(key, (value, Source::Flag));
    }

    let mut request = Request::default();
    for (key, (value, source)) in merged {
        apply(&mut request, key, value, &source)?;
    }
    Ok(request)
}

fn lookup(key: &str, source: &Source) -> Result<&'static str, Error> {
    KEYS.iter()
        .find(|k| k.name == key)
        .map(|k| k.name)
        .ok_or_else(|| Error::UnknownKey {
            key: key.to_owned(),
            origin: source.to_string(),
            valid: KEYS.iter().map(|k| k.name).collect(),
        })
}

/// The explicit flags that were given, as key and value text.
fn flags(args: &FunctionArgs, vcs: Option<Vcs>) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut push = |key, value: Option<String>| {
        if let Some(value) = value {
            out.push((key, value));
        }
    };
    push("name", args.name.clone().or_else(|| args.name_flag.clone()));
    push("runtime", args.runtime.clone());
    push("trigger", args.trigger.clone());
    push("function-url-auth", args.function_url_auth.map(value_name));
    push("base", args.base.map(value_name));
    push("base-image", args.base_image.clone());
    push("architecture", args.architecture.map(value_name));
    push("language", args.language.clone());
    push("dependency-manager", args.dependency_manager.clone());
    push("ci", args.ci.map(value_name));
    push("vcs", vcs.map(value_name));
    out
}

/// The canonical command-line spelling of a clap value.
fn value_name<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .expect("no skipped values")
        .get_name()
        .to_owned()
}

fn apply(
    request: &mut Request,
    key: &'static str,
    value: String,
    source: &Source,
) -> Result<(), Error> {
    let invalid = || Error::InvalidValue {
        key,
        value: value.clone(),
        rule: KEYS.iter().find(|k| k.name == key).expect("known key").rule,
        origin: source.to_string(),
    };
    match key {
        "name" => request.name = Some(value),
        "runtime" => request.runtime = Some(value),
        "trigger" => request.trigger = Some(value),
        "function-url-auth" => {
            request.function_url_auth =
                Some(UrlAuth::from_str(&value, true).map_err(|_| invalid())?)
        }
        "base" => request.base = Some(BaseKind::from_str(&value, true).map_err(|_| invalid())?),
        "base-image" => request.base_image = Some(value),
        "architecture" => {
            request.architecture =
                Some(Architecture::from_str(&value, true).map_err(|_| invalid())?)
        }
        "language" | "dependency-manager" => {
            request.options.insert(key.to_owned(), value);
        }
        "description" => {
            if !description_allowed(&value) {
                return Err(invalid());
            }
            request.description = Some(value);
        }
        "memory-size" => {
            request.memory_size = Some(number(&value, 128..=10240).ok_or_else(invalid)?)
        }
        "timeout" => request.timeout = Some(number(&value, 1..=900).ok_or_else(invalid)?),
        "tracing" => request.tracing = Some(boolean(&value).ok_or_else(invalid)?),
        "json-logging" => request.json_logging = Some(boolean(&value).ok_or_else(invalid)?),
        "log-retention-days" => {
            let days = number(&value, 1..=3653).filter(|d| LOG_RETENTION_DAYS.contains(d));
            request.log_retention_days = Some(days.ok_or_else(invalid)?)
        }
        "reserved-concurrency" => {
            request.reserved_concurrency = Some(number(&value, 1..=1000).ok_or_else(invalid)?)
        }
        "vcs" => request.vcs = Some(Vcs::from_str(&value, true).map_err(|_| invalid())?),
        "ci" => request.ci = Some(Ci::from_str(&value, true).map_err(|_| invalid())?),
        _ => unreachable!("every key in KEYS is handled"),
    }
    Ok(())
}

/// Whether a description lands in template.yaml and reads back unchanged, lint clean.
fn description_allowed(value: &str) -> bool {
    value.chars().count() <= 256
        && !value.chars().any(|c| c.is_control() || is_noncharacter(c))
        && !has_substitution(value)
}

/// The 66 code points Unicode keeps out of interchange: U+FDD0..U+FDEF and the last two of
/// every plane.
fn is_noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

/// `${` + one or more of `[A-Za-z0-9_:.]` + `}`: what cfn-lint's E1029 takes for a
/// substitution variable outside `Fn::Sub`.
fn has_substitution(value: &str) -> bool {
    value.match_indices("${").any(|(start, _)| {
        let rest = &value[start + 2..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.')))
            .unwrap_or(rest.len());
        len > 0 && rest[len..].starts_with('}')
    })
}

fn number(value: &str, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    value.trim().parse().ok().filter(|n| range.contains(n))
}

fn boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// A values file holds a dozen short settings; anything bigger is not one.
const VALUES_FILE_MAX_BYTES: u64 = 64 * 1024;

/// How deeply brackets may nest in a YAML values file. The YAML parser takes time
/// quadratic in the nesting depth (seconds for a few thousand levels), and a flat table
/// needs none; brackets inside text count too, so the cap leaves room for a description
/// full of them. Indented nesting needs quadratic bytes, so the size cap bounds it.
const YAML_MAX_BRACKET_DEPTH: usize = 512;

#[derive(Clone, Copy)]
enum Format {
    Toml,
    Yaml,
}

/// A flat TOML (`.toml`) or YAML (`.yaml`, `.yml`) table of key = scalar value.
fn read_values_file(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let fail = |reason: String| Error::ValuesFile {
        path: path.to_path_buf(),
        reason,
    };
    // The extension first: a file of the wrong kind is never opened.
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Format::Toml,
        Some("yaml" | "yml") => Format::Yaml,
        _ => return Err(fail("use a .toml, .yaml or .yml file".into())),
    };
    let text = read_small_file(path, VALUES_FILE_MAX_BYTES).map_err(fail)?;
    let table: BTreeMap<String, serde_json::Value> = match format {
        Format::Toml => toml::from_str(&text).map_err(|e| fail(toml_error(&text, &e)))?,
        Format::Yaml => parse_yaml(&text).map_err(fail)?,
    };
    table
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => Ok((key, s)),
            serde_json::Value::Number(n) => Ok((key, n.to_string())),
            serde_json::Value::Bool(b) => Ok((key, b.to_string())),
            _ => Err(fail(format!(
                "{} must be a string, number or boolean",
                quote_key(&key)
            ))),
        })
        .collect()
}

/// TOML's message and where it happened, without the quoted input line (which may be
/// the whole file).
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = brief(error.message().trim_end());
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// The text of a regular file of at most `max` bytes. A FIFO or device is refused before it
/// is read: checked by path first, then opened without waiting for a FIFO's writer (in case
/// it was swapped in meanwhile) and checked again on the open file.
fn read_small_file(path: &Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let io = |e: std::io::Error| e.to_string();
    regular_file(&std::fs::metadata(path).map_err(io)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    regular_file(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "it is larger than {} KiB; a values file holds a few short settings",
            max / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

fn regular_file(metadata: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt;

    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(format!("it is {what}; give a regular file"))
}

/// A YAML mapping, with duplicate keys refused (as TOML refuses them) and nesting capped.
fn parse_yaml(text: &str) -> Result<BTreeMap<String, serde_json::Value>, String> {
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > YAML_MAX_BRACKET_DEPTH {
            return Err(format!(
                "brackets nest deeper than {YAML_MAX_BRACKET_DEPTH} levels; a values file is a flat table"
            ));
        }
    }
    // A `Mapping` refuses a key it has seen; a `BTreeMap` would keep the last silently.
    let yaml_error = |e: serde_yaml::Error| brief(&e.to_string());
    let mapping: serde_yaml::Mapping = serde_yaml::from_str(text).map_err(yaml_error)?;
    serde_yaml::from_value(serde_yaml::Value::Mapping(mapping)).map_err(yaml_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncharacters_are_exactly_the_66() {
        let all: Vec<u32> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_noncharacter(c))
            .map(u32::from)
            .collect();
        assert_eq!(all.len(), 66);
        assert!(all.contains(&0xFFFE) && all.contains(&0x10FFFF) && all.contains(&0x1FFFE));
        assert!(!is_noncharacter('\u{FFFD}') && !is_noncharacter('\u{FDCF}'));
    }

    #[test]
    fn substitutions_are_what_cfn_lint_flags() {
        for flagged in ["${AWS::Region}", "x ${Fn.Arn} y", "$${a}", "${a_b:c}"] {
            assert!(has_substitution(flagged), "{flagged}");
        }
        for fine in ["${}", "${!Literal}", "$ {a}", "${a b}", "{a}", "${a", "$"] {
            assert!(!has_substitution(fine), "{fine}");
        }
    }

    #[test]
    fn descriptions_within_the_rule() {
        assert!(description_allowed(
            "line\u{2028}separator\u{2029}, 🚀 {{x}}"
        ));
        assert!(description_allowed(&"é".repeat(256)));
        assert!(!description_allowed(&"é".repeat(257)));
        assert!(!description_allowed("a\u{FFFF}"));
        assert!(!description_allowed("a\u{85}"));
        assert!(!description_allowed("in ${AWS::Region}"));
    }
}
