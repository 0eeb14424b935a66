//! Adds a function's resources and outputs to an existing SAM template as text: every byte of
//! the template stays as it was (comments, order, quoting, blank lines); the new lines go at
//! the end of its `Resources` and `Outputs` mappings. The result is parsed back and must be the
//! old document plus exactly the new entries, or the edit is refused.
//!
//! Pure: the caller reads the template and writes the result.

use serde_yaml::{Mapping, Value};

/// Why a template cannot be edited safely; each says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("it is not YAML that lambda-new can read: {0}")]
    NotYaml(String),
    #[error(
        "it is written in JSON or YAML flow style ({{...}}); lambda-new adds to block-style YAML only"
    )]
    FlowStyle,
    #[error("it holds more than one YAML document")]
    SeveralDocuments,
    #[error("it has no `Transform: AWS::Serverless-2016-10-31`, so it is not a SAM template")]
    NoTransform,
    #[error("it has no top-level `Resources:` mapping")]
    NoResources,
    #[error(
        "its `{0}` is not a block mapping (the key alone on its line, the entries indented below it)"
    )]
    NotBlock(&'static str),
    #[error("it indents with tabs, which YAML does not allow")]
    Tabs,
    #[error("its {kind} {existing:?} clashes with the new {new:?}; pick another function name")]
    Clash {
        kind: &'static str,
        existing: String,
        new: String,
    },
    #[error(
        "the edited template would not read back as the old one plus the new resources (in {0}); edit it by hand"
    )]
    Mismatch(&'static str),
}

/// The top-level sections lambda-new adds to.
const RESOURCES: &str = "Resources";
const OUTPUTS: &str = "Outputs";
const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// Whether `text` is a SAM template lambda-new can add to, before anything is rendered.
pub fn check(text: &str) -> Result<(), EditError> {
    let doc = document(text)?;
    check_sam(text, &doc)?;
    section(&doc, RESOURCES).ok_or(EditError::NoResources)?;
    let lines = Lines::new(text);
    lines.block_mapping(RESOURCES)?;
    if section(&doc, OUTPUTS).is_some() {
        lines.block_mapping(OUTPUTS)?;
    }
    Ok(())
}

/// `old` with the `Resources` and `Outputs` entries of `addition` (a template as lambda-new
/// renders it, with two-space indentation) inserted.
pub fn insert(old: &str, addition: &str) -> Result<String, EditError> {
    let old_doc = document(old)?;
    let new_doc = document(addition)?;
    check_sam(old, &old_doc)?;
    let new_resources = section(&new_doc, RESOURCES).ok_or(EditError::NoResources)?;
    let new_outputs = section(&new_doc, OUTPUTS).cloned().unwrap_or_default();
    let old_resources = section(&old_doc, RESOURCES).ok_or(EditError::NoResources)?;
    refuse_clashes("resource", old_resources, new_resources)?;
    let old_outputs = section(&old_doc, OUTPUTS);
    if let Some(outputs) = old_outputs {
        refuse_clashes("output", outputs, &new_outputs)?;
    }

    let lines = Lines::new(old);
    let mut edited = lines.insert_into(RESOURCES, &block(addition, RESOURCES))?;
    let outputs_block = block(addition, OUTPUTS);
    if !outputs_block.is_empty() {
        edited = match old_outputs {
            Some(_) => Lines::new(&edited).insert_into(OUTPUTS, &outputs_block)?,
            None => {
                let mut text = edited;
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str("\nOutputs:\n");
                text.push_str(&outputs_block);
                text
            }
        };
    }

    let mut expected = old_doc;
    extend(&mut expected, RESOURCES, new_resources);
    if !new_outputs.is_empty() {
        extend(&mut expected, OUTPUTS, &new_outputs);
    }
    let got = document(&edited).map_err(|_| EditError::Mismatch("the whole template"))?;
    for key in [RESOURCES, OUTPUTS] {
        if section(&got, key) != section(&expected, key) {
            return Err(EditError::Mismatch(key));
        }
    }
    if got != expected {
        return Err(EditError::Mismatch("the other sections"));
    }
    Ok(edited)
}

fn document(text: &str) -> Result<Value, EditError> {
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let first = documents
        .next()
        .ok_or_else(|| EditError::NotYaml("it is empty".into()))?;
    let value = serde::Deserialize::deserialize(first)
        .map_err(|e: serde_yaml::Error| EditError::NotYaml(e.to_string()))?;
    if documents.next().is_some() {
        return Err(EditError::SeveralDocuments);
    }
    Ok(value)
}

fn check_sam(text: &str, doc: &Value) -> Result<(), EditError> {
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    if first.is_some_and(|l| l.starts_with('{')) {
        return Err(EditError::FlowStyle);
    }
    let is_sam = |v: &Value| v.as_str() == Some(SAM_TRANSFORM);
    let transform = doc.get("Transform");
    let declared = match transform {
        Some(Value::Sequence(items)) => items.iter().any(is_sam),
        Some(value) => is_sam(value),
        None => false,
    };
    if !declared {
        return Err(EditError::NoTransform);
    }
    Ok(())
}

fn section<'d>(doc: &'d Value, key: &str) -> Option<&'d Mapping> {
    doc.get(key).and_then(Value::as_mapping)
}

fn extend(doc: &mut Value, key: &str, entries: &Mapping) {
    let root = doc.as_mapping_mut().expect("a template is a mapping");
    let section = root
        .entry(Value::from(key))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Some(mapping) = section.as_mapping_mut() {
        for (k, v) in entries {
            mapping.insert(k.clone(), v.clone());
        }
    }
}

/// Logical ids and output names are compared case-insensitively: two that differ only in case
/// are one name to a person, and names come from case-converted function names.
fn refuse_clashes(kind: &'static str, old: &Mapping, new: &Mapping) -> Result<(), EditError> {
    for key in new.keys().filter_map(Value::as_str) {
        if let Some(existing) = old
            .keys()
            .filter_map(Value::as_str)
            .find(|k| k.eq_ignore_ascii_case(key))
        {
            return Err(EditError::Clash {
                kind,
                existing: existing.to_owned(),
                new: key.to_owned(),
            });
        }
    }
    Ok(())
}

/// The lines of `rendered`'s top-level `key` section after its key line, without trailing
/// blank lines (lambda-new renders each section with two-space indentation).
fn block(rendered: &str, key: &str) -> String {
    let lines = Lines::new(rendered);
    let Some((start, end)) = lines.section(key) else {
        return String::new();
    };
    let mut out = String::new();
    for line in &lines.lines[start + 1..end] {
        out.push_str(line);
    }
    let trimmed = out.trim_end().to_owned();
    if trimmed.is_empty() {
        trimmed
    } else {
        trimmed + "\n"
    }
}

/// A template's lines, each with its line ending.
struct Lines<'t> {
    lines: Vec<&'t str>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            lines: text.split_inclusive('\n').collect(),
        }
    }

    /// The line index of `key:` at the top level and the index where its section ends (the
    /// next top-level key, document marker or the end).
    fn section(&self, key: &str) -> Option<(usize, usize)> {
        let start = self.lines.iter().position(|l| is_key_line(l, key))?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| starts_at_column_zero(l))
            .map_or(self.lines.len(), |i| start + 1 + i);
        Some((start, end))
    }

    /// Inserts `block` (two-space indented lines) after the last indented line of the
    /// top-level `key` mapping, re-indented to that mapping's own indentation.
    fn insert_into(&self, key: &'static str, block: &str) -> Result<String, EditError> {
        let (start, end, indent) = self.block_mapping(key)?;
        let body = &self.lines[start + 1..end];
        let last = body
            .iter()
            .rposition(|l| !l.trim().is_empty() && l.starts_with([' ', '\t']))
            .map_or(start, |i| start + 1 + i);
        let mut out = String::new();
        for line in &self.lines[..=last] {
            out.push_str(line);
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&reindent(block, indent));
        for line in &self.lines[last + 1..] {
            out.push_str(line);
        }
        Ok(out)
    }

    /// The top-level `key` section's lines (as [`Lines::section`]) and its entries'
    /// indentation; it must be a block mapping: the key alone on its line (or with a
    /// comment), its entries indented below.
    fn block_mapping(&self, key: &'static str) -> Result<(usize, usize, usize), EditError> {
        let (start, end) = self.section(key).ok_or(EditError::NoResources)?;
        let rest = self.lines[start].trim_end();
        let after_colon = rest[rest.find(':').expect("a key line") + 1..].trim_start();
        if !(after_colon.is_empty() || after_colon.starts_with('#')) {
            return Err(EditError::NotBlock(key));
        }
        let body = &self.lines[start + 1..end];
        if body.iter().any(|l| l.starts_with('\t')) {
            return Err(EditError::Tabs);
        }
        let entry = body
            .iter()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .ok_or(EditError::NotBlock(key))?;
        let indent = entry.len() - entry.trim_start_matches(' ').len();
        if indent == 0 || entry.trim_start().starts_with('-') {
            return Err(EditError::NotBlock(key));
        }
        Ok((start, end, indent))
    }
}

/// `key:` (alone, or followed by anything) at column zero.
fn is_key_line(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.trim_start_matches(' ').starts_with(':'))
}

/// A line that ends the section above it: a top-level key or a document marker (comments and
/// blank lines do not).
fn starts_at_column_zero(line: &str) -> bool {
    !line.trim().is_empty() && !line.starts_with([' ', '\t', '#', '\r', '\n'])
}

/// Shifts two-space-based lines to `indent` spaces.
fn reindent(block: &str, indent: usize) -> String {
    block
        .split_inclusive('\n')
        .map(|line| {
            if line.trim().is_empty() {
                line.to_owned()
            } else if indent >= 2 {
                " ".repeat(indent - 2) + line
            } else {
                line[2 - indent..].to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDITION: &str = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Transform: AWS::Serverless-2016-10-31

Resources:
  NewFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
  NewQueue:
    Type: AWS::SQS::Queue

Outputs:
  NewFunctionArn:
    Value: !GetAtt NewFunction.Arn
";

    const OLD: &str = "\
# A hand-written template.
Transform: [AWS::Serverless-2016-10-31]
Globals:
    Function:
        Timeout: 3
Resources:
    # The API.
    Old:
        Type: 'AWS::Serverless::Function'   # quoted on purpose
        Properties:
            CodeUri: src/
            Handler: app.handler
            Runtime: python3.13


# Outputs follow.
Outputs:
    OldArn:
        Value: !GetAtt Old.Arn
";

    #[test]
    fn inserts_at_the_end_of_each_section_in_its_indentation() {
        let edited = insert(OLD, ADDITION).unwrap();
        let expected = "\
# A hand-written template.
Transform: [AWS::Serverless-2016-10-31]
Globals:
    Function:
        Timeout: 3
Resources:
    # The API.
    Old:
        Type: 'AWS::Serverless::Function'   # quoted on purpose
        Properties:
            CodeUri: src/
            Handler: app.handler
            Runtime: python3.13
    NewFunction:
      Type: AWS::Serverless::Function
      Properties:
        PackageType: Image
    NewQueue:
      Type: AWS::SQS::Queue


# Outputs follow.
Outputs:
    OldArn:
        Value: !GetAtt Old.Arn
    NewFunctionArn:
      Value: !GetAtt NewFunction.Arn
";
        assert_eq!(edited, expected);
    }

    #[test]
    fn a_template_without_outputs_gets_them_at_the_end() {
        let old =
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Old:\n    Type: AWS::SNS::Topic";
        let edited = insert(old, ADDITION).unwrap();
        assert!(edited.starts_with(old), "{edited}");
        assert!(
            edited.ends_with("\nOutputs:\n  NewFunctionArn:\n    Value: !GetAtt NewFunction.Arn\n"),
            "{edited}"
        );
    }

    #[test]
    fn what_cannot_be_edited_safely_is_refused() {
        let cases: &[(&str, EditError)] = &[
            (
                r#"{"Transform": "AWS::Serverless-2016-10-31", "Resources": {}}"#,
                EditError::FlowStyle,
            ),
            (
                "Resources:\n  A:\n    Type: AWS::SNS::Topic\n",
                EditError::NoTransform,
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources: {A: {Type: AWS::SNS::Topic}}\n",
                EditError::NotBlock(RESOURCES),
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\n---\nB: 1\n",
                EditError::SeveralDocuments,
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  newfunction:\n    Type: X\n",
                EditError::Clash {
                    kind: "resource",
                    existing: "newfunction".into(),
                    new: "NewFunction".into(),
                },
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\nOutputs:\n  NewFunctionArn:\n    Value: 1\n",
                EditError::Clash {
                    kind: "output",
                    existing: "NewFunctionArn".into(),
                    new: "NewFunctionArn".into(),
                },
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: X\n    Text: |+\n      kept\n\n\n",
                EditError::Mismatch(RESOURCES),
            ),
        ];
        for (old, error) in cases {
            assert_eq!(insert(old, ADDITION).as_ref(), Err(error), "{old}");
        }
    }
}
