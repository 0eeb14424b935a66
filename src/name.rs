//! The function name: the rules it must meet, and the forms derived from it.

use std::fmt;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

use crate::catalog::Reserved;

/// Lambda's limit for a function name.
pub const MAX_LEN: usize = 64;

/// A function name that Lambda, CloudFormation, Docker and the file system all accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionName(String);

/// Why a name was rejected; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong(usize),
    PathTraversal,
    PathSeparator,
    Whitespace {
        suggestion: Option<String>,
    },
    LeadingDash,
    NotStartingWithLetter,
    BadChar {
        ch: char,
        suggestion: Option<String>,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the name is empty"),
            NameError::TooLong(len) => {
                write!(
                    f,
                    "it is {len} characters long; Lambda allows at most {MAX_LEN}"
                )
            }
            NameError::PathTraversal => write!(
                f,
                "it must not contain \"..\"; to write somewhere else, use --output-dir"
            ),
            NameError::PathSeparator => write!(
                f,
                "it must not contain a path separator; to write somewhere else, use --output-dir"
            ),
            NameError::Whitespace { suggestion } => {
                write!(f, "it must not contain spaces")?;
                try_instead(f, suggestion)
            }
            NameError::LeadingDash => write!(f, "it must not start with '-'"),
            NameError::NotStartingWithLetter => write!(
                f,
                "it must start with an ASCII letter (it also names the CloudFormation stack, which must)"
            ),
            NameError::BadChar { ch, suggestion } => {
                write!(
                    f,
                    "{ch:?} is not allowed; use ASCII letters, digits, '-' and '_'"
                )?;
                try_instead(f, suggestion)
            }
        }
    }
}

fn try_instead(f: &mut fmt::Formatter<'_>, suggestion: &Option<String>) -> fmt::Result {
    match suggestion {
        Some(s) => write!(f, "; try {s:?}"),
        None => Ok(()),
    }
}

impl FunctionName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let first = raw.chars().next().ok_or(NameError::Empty)?;
        if raw.contains("..") {
            return Err(NameError::PathTraversal);
        }
        if raw.contains(['/', '\\']) {
            return Err(NameError::PathSeparator);
        }
        if raw.contains(char::is_whitespace) {
            return Err(NameError::Whitespace {
                suggestion: suggest(raw),
            });
        }
        if first == '-' {
            return Err(NameError::LeadingDash);
        }
        if let Some(ch) = raw
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(NameError::BadChar {
                ch,
                suggestion: suggest(raw),
            });
        }
        if !first.is_ascii_alphabetic() {
            return Err(NameError::NotStartingWithLetter);
        }
        // Checked last: every character is ASCII by now, so bytes count characters.
        if raw.len() > MAX_LEN {
            return Err(NameError::TooLong(raw.len()));
        }
        Ok(FunctionName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-case with dashes: Docker image name, stack name, API path.
    pub fn kebab(&self) -> String {
        self.0.to_kebab_case()
    }

    /// CloudFormation logical id of the function: alphanumeric, upper camel case.
    pub fn logical_id(&self) -> String {
        format!("{}Function", self.resource_prefix())
    }

    /// What every SAM logical id and output name of the function starts with.
    pub fn resource_prefix(&self) -> String {
        self.0.to_upper_camel_case()
    }

    /// A lower-case identifier for the language's module or package. Names the language
    /// reserves (keywords, standard modules it would shadow) get a `_fn` suffix.
    pub fn identifier(&self, reserved: &Reserved) -> String {
        unreserved(self.0.to_snake_case(), reserved, "_fn")
    }

    /// An upper camel case identifier (.NET namespaces and assemblies); reserved ones get an
    /// `Fn` suffix.
    pub fn pascal_identifier(&self, reserved: &Reserved) -> String {
        unreserved(self.0.to_upper_camel_case(), reserved, "Fn")
    }
}

/// `form`, or `form` + `suffix` when the language reserves it.
fn unreserved(form: String, reserved: &Reserved, suffix: &str) -> String {
    if reserved.contains(&form) {
        form + suffix
    } else {
        form
    }
}

/// The kebab-case form of a rejected name, when that form differs and would be accepted.
/// (Kebab case is idempotent, so the nested parse cannot recurse again.)
fn suggest(raw: &str) -> Option<String> {
    let kebab = raw.to_kebab_case();
    if kebab == raw {
        return None;
    }
    FunctionName::parse(&kebab).ok().map(|n| n.0)
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> NameError {
        FunctionName::parse(raw).unwrap_err()
    }

    #[test]
    fn accepts_lambda_style_names() {
        for ok in ["a", "my-fn", "My_Function2", "x".repeat(MAX_LEN).as_str()] {
            assert_eq!(FunctionName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_each_rule_with_its_reason() {
        assert_eq!(err(""), NameError::Empty);
        assert_eq!(
            err(&"x".repeat(MAX_LEN + 1)),
            NameError::TooLong(MAX_LEN + 1)
        );
        assert_eq!(err(".."), NameError::PathTraversal);
        assert_eq!(err("a..b"), NameError::PathTraversal);
        assert_eq!(err("a/b"), NameError::PathSeparator);
        assert_eq!(err("a\\b"), NameError::PathSeparator);
        assert_eq!(err("-fn"), NameError::LeadingDash);
        assert_eq!(err("1fn"), NameError::NotStartingWithLetter);
        assert_eq!(err("_fn"), NameError::NotStartingWithLetter);
        assert_eq!(
            err("my fn"),
            NameError::Whitespace {
                suggestion: Some("my-fn".into())
            }
        );
        assert_eq!(
            err("my.fn"),
            NameError::BadChar {
                ch: '.',
                suggestion: Some("my-fn".into())
            }
        );
        assert_eq!(
            err("café"),
            NameError::BadChar {
                ch: 'é',
                suggestion: None
            }
        );
        assert_eq!(
            err("a\nb"),
            NameError::Whitespace {
                suggestion: Some("a-b".into())
            }
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            err("my fn").to_string(),
            "it must not contain spaces; try \"my-fn\""
        );
        assert!(err("a/b").to_string().contains("--output-dir"));
        assert!(
            err("1fn")
                .to_string()
                .contains("must start with an ASCII letter")
        );
    }

    #[test]
    fn derives_forms_for_each_use() {
        let name = FunctionName::parse("Order_Processor-v2").unwrap();
        assert_eq!(name.kebab(), "order-processor-v2");
        assert_eq!(name.logical_id(), "OrderProcessorV2Function");
        assert_eq!(name.identifier(&Reserved::default()), "order_processor_v2");
        assert_eq!(
            name.pascal_identifier(&Reserved::default()),
            "OrderProcessorV2"
        );
        assert_eq!(
            FunctionName::parse("system")
                .unwrap()
                .pascal_identifier(&Reserved::from_words(&["System"])),
            "SystemFn"
        );
    }

    #[test]
    fn reserved_identifiers_get_a_suffix() {
        let reserved = Reserved::from_words(&["json", "lambda"]);
        assert_eq!(
            FunctionName::parse("json").unwrap().identifier(&reserved),
            "json_fn"
        );
        assert_eq!(
            FunctionName::parse("Lambda").unwrap().identifier(&reserved),
            "lambda_fn"
        );
        assert_eq!(
            FunctionName::parse("jsonify")
                .unwrap()
                .identifier(&reserved),
            "jsonify"
        );
    }
}
