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

/// A path as shown in messages: controls escaped, and bytes that are not UTF-8 as `\xff`.
pub fn shown(path: &Path) -> String {
    let mut out = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
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

/// A path as one shell word to copy into a POSIX shell. A path with control characters or
/// bytes that are not UTF-8 is written as `$'...'` (bash, zsh, ksh, POSIX.1-2024 sh), so that
/// nothing raw reaches the terminal and the word still names the path exactly.
/// A leading `-` gets `./` so that `cd` does not take the path for an option.
pub fn shell_word(path: &Path) -> String {
    let dashed = path.as_os_str().as_encoded_bytes().starts_with(b"-");
    let path = if dashed {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    if let Some(text) = path.to_str().filter(|t| !t.chars().any(is_unsafe)) {
        return shlex::try_quote(text).map_or_else(|_| text.to_owned(), Cow::into_owned);
    }
    let mut word = String::from("$'");
    let hex = |word: &mut String, bytes: &[u8]| {
        for byte in bytes {
            word.push_str(&format!("\\x{byte:02x}"));
        }
    };
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' | '\'' => {
                    word.push('\\');
                    word.push(c);
                }
                c if is_unsafe(c) => hex(&mut word, c.encode_utf8(&mut [0; 4]).as_bytes()),
                c => word.push(c),
            }
        }
        hex(&mut word, chunk.invalid());
    }
    word.push('\'');
    word
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

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
        let not_utf8 = Path::new(std::ffi::OsStr::from_bytes(b"d\xff\x1b"));
        assert_eq!(shell_word(not_utf8), "$'d\\xff\\x1b'");
        assert_eq!(shown(not_utf8), "d\\xff\\u{1b}");
    }
}
