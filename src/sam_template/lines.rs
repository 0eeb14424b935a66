//! A block-style YAML template seen as lines: where its top-level sections and the entries of
//! a block mapping begin and end, so text can be inserted or moved without re-serialising.

use super::EditError;

/// A template's lines, each with its line ending.
pub struct Lines<'t> {
    pub lines: Vec<&'t str>,
}

/// One entry of a block mapping: its key, its key line, and one past the last line of its
/// value (the last line indented deeper than the key that is not blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub line: usize,
    pub end: usize,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        Lines {
            lines: text.split_inclusive('\n').collect(),
        }
    }

    /// The line index of `key:` at the top level and the index where its section ends (the
    /// next top-level key, document marker or the end).
    pub fn section(&self, key: &str) -> Option<(usize, usize)> {
        let start = self.lines.iter().position(|l| {
            !l.starts_with([' ', '\t']) && key_of(l).is_some_and(|(k, _)| k == key)
        })?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| starts_at_column_zero(l))
            .map_or(self.lines.len(), |i| start + 1 + i);
        Some((start, end))
    }

    /// The top-level `key` section's lines (as [`Lines::section`]) and its entries'
    /// indentation; it must be a block mapping: the key alone on its line (or with a
    /// comment), its entries indented below.
    pub fn block_mapping(&self, key: &'static str) -> Result<(usize, usize, usize), EditError> {
        let (start, end) = self.section(key).ok_or(EditError::NoResources)?;
        if !self.opens_block(start) {
            return Err(EditError::NotBlock(key));
        }
        if let Some(i) = (start + 1..end).find(|&i| self.lines[i].starts_with('\t')) {
            return Err(EditError::Tabs(i + 1));
        }
        let (indent, _) = self
            .entries(start + 1, end)
            .ok_or(EditError::NotBlock(key))?;
        Ok((start, end, indent))
    }

    /// Whether the key on line `i` has nothing after its colon but a comment: a block value.
    pub fn opens_block(&self, i: usize) -> bool {
        key_of(self.lines[i]).is_some_and(|(_, rest)| {
            let rest = rest.trim();
            rest.is_empty() || rest.starts_with('#')
        })
    }

    /// The entries of the block mapping whose lines are `from..to`, with their indentation;
    /// `None` if those lines hold no mapping entry (empty, a sequence, or a scalar).
    pub fn entries(&self, from: usize, to: usize) -> Option<(usize, Vec<Entry>)> {
        let first = (from..to).find(|&i| is_content(self.lines[i]))?;
        let indent = indentation(self.lines[first]);
        let line = self.lines[first].trim_start_matches(' ');
        if indent == 0 || line.starts_with('-') || key_of(line).is_none() {
            return None;
        }
        let mut entries = Vec::new();
        for i in from..to {
            let line = self.lines[i];
            if !is_content(line) || indentation(line) != indent {
                continue;
            }
            let (key, _) = key_of(line)?;
            entries.push(Entry {
                key,
                line: i,
                end: self.value_end(i, to, indent),
            });
        }
        Some((indent, entries))
    }

    /// One past the last non-blank line after `line` (and before `to`) indented deeper than
    /// `indent`, before the next line that is not.
    pub fn value_end(&self, line: usize, to: usize, indent: usize) -> usize {
        let mut end = line + 1;
        for i in line + 1..to {
            let text = self.lines[i];
            if text.trim().is_empty() {
                continue;
            }
            if indentation(text) <= indent {
                break;
            }
            end = i + 1;
        }
        end
    }
}

/// The first key that a block mapping has twice, with both its lines (1-based).
pub fn duplicate_key(text: &str) -> Option<(String, usize, usize)> {
    // One level per open mapping: its indentation and its keys so far, with their lines.
    let mut levels: Vec<(usize, Vec<(String, usize)>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !is_content(line) {
            continue;
        }
        let indent = indentation(line);
        while levels.last().is_some_and(|(level, _)| *level > indent) {
            levels.pop();
        }
        let Some((key, _)) = key_of(line) else {
            continue;
        };
        match levels.last_mut() {
            Some((level, keys)) if *level == indent => {
                if let Some((_, first)) = keys.iter().find(|(k, _)| *k == key) {
                    return Some((key, *first, i + 1));
                }
                keys.push((key, i + 1));
            }
            _ => levels.push((indent, vec![(key, i + 1)])),
        }
    }
    None
}

/// A line that is neither blank nor a comment.
fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

pub fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A mapping key line's key (unquoted) and what follows its colon; `None` for anything else.
pub fn key_of(line: &str) -> Option<(String, &str)> {
    let line = line.trim_start_matches(' ');
    if line.starts_with(['#', '-', '[', '{']) || line.starts_with("---") {
        return None;
    }
    let (key, rest) = match line.chars().next()? {
        quote @ ('"' | '\'') => {
            let close = line[1..].find(quote)? + 1;
            (
                line[1..close].to_owned(),
                line[close + 1..].trim_start_matches(' '),
            )
        }
        _ => {
            let colon = line
                .char_indices()
                .find(|&(i, c)| {
                    c == ':' && line[i + 1..].chars().next().is_none_or(char::is_whitespace)
                })?
                .0;
            (line[..colon].trim_end().to_owned(), &line[colon..])
        }
    };
    let rest = rest.strip_prefix(':')?;
    Some((key, rest))
}

/// A line that ends the section above it: a top-level key or a document marker (comments and
/// blank lines do not).
pub fn starts_at_column_zero(line: &str) -> bool {
    !line.trim().is_empty() && !line.starts_with([' ', '\t', '#', '\r', '\n'])
}

/// Shifts lines indented from `from` spaces to `to` spaces; blank lines stay as they are.
pub fn reindent(block: &str, from: usize, to: usize) -> String {
    block
        .split_inclusive('\n')
        .map(|line| {
            if line.trim().is_empty() {
                line.to_owned()
            } else if to >= from {
                " ".repeat(to - from) + line
            } else {
                line[(from - to).min(indentation(line))..].to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_plain_and_quoted() {
        assert_eq!(key_of("  Runtime: python3.12\n").unwrap().0, "Runtime");
        assert_eq!(key_of("\"Resources\":\n").unwrap().0, "Resources");
        assert_eq!(
            key_of("'Outputs' :  # c\n").unwrap(),
            ("Outputs".into(), "  # c\n")
        );
        assert_eq!(key_of("Url: http://x\n").unwrap().0, "Url");
        assert!(key_of("- a: b\n").is_none() && key_of("# Resources:\n").is_none());
    }
}
