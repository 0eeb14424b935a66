//! Every setting a user can give, by key, from every source, merged by precedence into a
//! [`Request`]: explicit flag > `--define` > `--values-file` > `LAMBDA_NEW_<KEY>` > default.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use clap::ValueEnum;

use crate::choices::{Architecture, BaseKind, Vcs};
use crate::cli::NewArgs;
use crate::error::Error;
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
        rule: "text of at most 256 characters, without control characters",
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
        name: "vcs",
        rule: "git or none",
    },
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
            Source::ValuesFile(path) => write!(f, "values file {path}"),
            Source::Env(var) => write!(f, "environment variable {var}"),
        }
    }
}

/// Builds the request from every source; `env` is the process environment (a parameter so
/// tests can pass their own).
pub fn request(
    args: &NewArgs,
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
    for (key, value) in flags(args) {
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
fn flags(args: &NewArgs) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut push = |key, value: Option<String>| {
        if let Some(value) = value {
            out.push((key, value));
        }
    };
    push("name", args.name.clone().or_else(|| args.name_flag.clone()));
    push("runtime", args.runtime.clone());
    push("base", args.base.map(value_name));
    push("base-image", args.base_image.clone());
    push("architecture", args.architecture.map(value_name));
    push("language", args.language.clone());
    push("dependency-manager", args.dependency_manager.clone());
    push("vcs", args.vcs.map(value_name));
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
            if value.chars().count() > 256 || value.chars().any(char::is_control) {
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
        "vcs" => request.vcs = Some(Vcs::from_str(&value, true).map_err(|_| invalid())?),
        _ => unreachable!("every key in KEYS is handled"),
    }
    Ok(())
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

/// A flat TOML (`.toml`) or YAML (`.yaml`, `.yml`) table of key = scalar value.
fn read_values_file(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let fail = |reason: String| Error::ValuesFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let table: BTreeMap<String, serde_json::Value> = match extension {
        "toml" => toml::from_str(&text).map_err(|e| fail(e.to_string()))?,
        "yaml" | "yml" => serde_yaml::from_str(&text).map_err(|e| fail(e.to_string()))?,
        _ => return Err(fail("use a .toml, .yaml or .yml file".into())),
    };
    table
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => Ok((key, s)),
            serde_json::Value::Number(n) => Ok((key, n.to_string())),
            serde_json::Value::Bool(b) => Ok((key, b.to_string())),
            _ => Err(fail(format!("`{key}` must be a string, number or boolean"))),
        })
        .collect()
}
