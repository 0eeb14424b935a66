//! Writing to stdout and stderr without panicking, and text made safe to show on a terminal.
//!
//! `print!` and `eprintln!` panic when the stream fails (a full disk, a closed pipe); here a
//! stdout failure is returned for the caller to judge, and a stderr failure is ignored, since
//! there is nowhere left to report it.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// Writes `text` to stdout and flushes it.
pub fn print(text: impl AsRef<[u8]>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_ref())?;
    out.flush()
}

/// Writes `text` to stderr, ignoring failure: a message that cannot be shown must not abort.
pub fn eprint(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Characters a terminal may act on: C0/C1 controls and DEL (escape sequences, carriage
/// return), and the bidirectional overrides that make text display in another order.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character escaped as Rust writes it (`\u{1b}`, `\n`).
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, None)
}

/// A path as shown in messages: lossy for non-UTF-8 names (U+FFFD), controls escaped.
pub fn shown(path: &Path) -> String {
    escape(&path.to_string_lossy()).into_owned()
}

/// A multi-line message for the terminal: line breaks kept, every other control escaped.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape_except(text, Some('\n'))
}

fn escape_except(text: &str, keep: Option<char>) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && Some(c) != keep) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) && Some(c) != keep {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A path as one shell word to copy into a POSIX shell. A path with control characters is
/// written as `$'...'` (bash, zsh, ksh, POSIX.1-2024 sh), so that nothing raw reaches the terminal.
/// A leading `-` gets `./` so that `cd` does not take the path for an option.
pub fn shell_word(path: &Path) -> String {
    let mut text = path.to_string_lossy();
    if text.starts_with('-') {
        text = Cow::Owned(format!("./{text}"));
    }
    if !text.chars().any(is_unsafe) {
        return shlex::try_quote(&text).map_or_else(|_| text.to_string(), Cow::into_owned);
    }
    let mut word = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' | '\'' => {
                word.push('\\');
                word.push(c);
            }
            c if is_unsafe(c) => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    word.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => word.push(c),
        }
    }
    word.push('\'');
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_keeps_the_rest() {
        assert_eq!(escape("a\u{1b}[31mb\nç"), "a\\u{1b}[31mb\\nç");
        assert_eq!(printable("one\ntwo\r\u{9b}"), "one\ntwo\\r\\u{9b}");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert!(matches!(escape("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn shell_words_round_trip_through_shlex() {
        for path in ["my-fn", "with space/x", "it's", "$HOME", "/a/b"] {
            let word = shell_word(Path::new(path));
            assert_eq!(shlex::split(&word).unwrap(), [path], "{word}");
        }
        assert_eq!(shell_word(Path::new("-rf/x")), "./-rf/x");
        assert_eq!(shell_word(Path::new("a\u{1b}b'\\")), "$'a\\x1bb\\'\\\\'");
        assert_eq!(shell_word(Path::new("c\u{9b}")), "$'c\\xc2\\x9b'");
    }
}
