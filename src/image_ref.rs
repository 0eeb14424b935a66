//! Checks a container image reference before it lands in a Dockerfile's FROM line.
//!
//! The grammar is distribution/reference's, as `oci_spec::distribution::Reference` parses it.
//! That parser leaves gaps this module closes: it caps the length of the repository path but
//! not of the whole name (a megabyte-long registry host passes), it takes a first component
//! with `.` or `:` for the registry without checking it is a host name (`my_host.io` passes),
//! its tag pattern accepts any Unicode letter, and its digests may be upper-case hex.

use oci_spec::distribution::{ParseError, Reference};

/// distribution/reference's limit for a whole name: registry, port and path.
const NAME_MAX_LEN: usize = 255;
/// The longest reference the grammar allows: a name, a tag of 128 and a sha512 digest.
const REFERENCE_MAX_LEN: usize = NAME_MAX_LEN + 1 + 128 + 1 + "sha512:".len() + 128;

/// Accepts `[registry[:port]/]path[:tag][@algorithm:digest]` with a tag, a digest or both:
/// an untagged image would float (and hadolint rejects it).
pub fn check(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(bad) = image.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!("{bad:?} is not allowed in an image reference"));
    }
    if image.len() > REFERENCE_MAX_LEN {
        return Err(format!(
            "it is {} characters long; a reference has at most {REFERENCE_MAX_LEN}",
            image.len()
        ));
    }
    let reference = Reference::try_from(image).map_err(|e| explain(&e))?;
    let (name, explicit_tag) = name_and_tag(image);
    if name.len() > NAME_MAX_LEN {
        return Err(format!(
            "the name before the tag is {} characters long; at most {NAME_MAX_LEN} are allowed",
            name.len()
        ));
    }
    if name.len() > reference.repository().len() {
        // The parser split a registry off the name, by its '.', ':' or "localhost".
        check_registry(reference.registry())?;
    }
    match explicit_tag {
        Some("latest") => {
            return Err(
                "\"latest\" floats; name the version, e.g. \"python:3.14-slim-trixie\"".into(),
            );
        }
        None if reference.digest().is_none() => {
            return Err("name a tag or digest, e.g. \"python:3.14-slim-trixie\"".into());
        }
        _ => {}
    }
    if let Some(digest) = reference.digest() {
        let hex = digest.split_once(':').map_or("", |(_, hex)| hex);
        if !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Err("a digest is written in lower-case hex digits".into());
        }
    }
    Ok(())
}

/// The name (everything before the tag and digest) and the tag as written, if any.
fn name_and_tag(image: &str) -> (&str, Option<&str>) {
    let name_tag = image.split_once('@').map_or(image, |(n, _)| n);
    // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    }
}

/// A registry host: DNS labels of letters, digits and inner dashes joined by '.', and an
/// optional numeric port.
fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = registry.split_once(':').unwrap_or((registry, ""));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let port_ok =
        registry.contains(':') && !port.is_empty() && port.len() <= 5 || !registry.contains(':');
    if !host.split('.').all(label_ok) || !port.chars().all(|c| c.is_ascii_digit()) || !port_ok {
        return Err(format!(
            "registry {} is not a host name: letters, digits and inner '-' joined by '.', \
             then an optional \":port\"",
            crate::error::quote(registry)
        ));
    }
    Ok(())
}

fn explain(error: &ParseError) -> String {
    match error {
        ParseError::NameContainsUppercase => {
            "repository names are lower-case letters and digits, joined by '.', '_' or '-'".into()
        }
        ParseError::DigestUnsupported | ParseError::DigestInvalidFormat => {
            "a digest is \"sha256:\", \"sha384:\" or \"sha512:\" and its hex digits".into()
        }
        ParseError::DigestInvalidLength => {
            "the digest's length does not match its algorithm (sha256: 64 hex digits)".into()
        }
        ParseError::NameTooLong => {
            format!("the repository path is longer than {NAME_MAX_LEN} characters")
        }
        ParseError::TagInvalidFormat => "the tag is not valid".into(),
        ParseError::NameEmpty | ParseError::ReferenceInvalidFormat => {
            "it does not match [registry[:port]/]path[:tag][@digest]: path components are \
             lower-case letters and digits joined by '.', '_', '__' or '-'; a tag is up to 128 \
             letters, digits, '_', '.' and '-', not starting with '.' or '-'; a digest is \
             \"sha256:\" and 64 hex digits"
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_common_references() {
        for ok in [
            "python:3.14-slim-trixie",
            "python:3.14-alpine",
            "library/python:3.13",
            "public.ecr.aws/docker/library/python:3.14-slim",
            "localhost:5000/team/python:3.14",
            "registry.example.com:443/a/b_c/d-e:v1.2",
            "Registry.Example.COM/a__b/c---d:V_1",
            "xn--n3h.com/myimage:1",
            &format!("python@{SHA}"),
            &format!("python:3.14@{SHA}"),
            &format!("{}/{}:{}", "r.io", "a".repeat(250), "t".repeat(128)),
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        let long_host = format!("{}.io/python:1", "h".repeat(1 << 20));
        for (bad, why) in [
            ("", "empty"),
            ("python", "name a tag or digest"),
            ("python:latest", "floats"),
            ("Python:3.14", "lower-case"),
            ("python:3.14 AS x", "' ' is not allowed"),
            ("python:3.14\nRUN x", "'\\n' is not allowed"),
            ("pythön:3", "'ö' is not allowed"),
            ("python:", "does not match"),
            ("python:-x", "does not match"),
            ("python:.x", "does not match"),
            ("python@sha256:abc", "64 hex digits"),
            (&format!("python@{SHA}00"), "length does not match"),
            ("python@md5:0123456789abcdef0123456789abcdef", "a digest is"),
            (
                "python@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                "lower-case hex",
            ),
            ("a..b:1", "does not match"),
            ("a___b:1", "does not match"),
            ("localhost:5000:1", "does not match"),
            ("$(id)/python:1", "does not match"),
            ("${HOME}/python:1", "does not match"),
            ("-python:1", "does not match"),
            ("--help:1", "does not match"),
            ("my_host.io/python:1", "not a host name"),
            ("my_host:5000/python:1", "does not match"),
            ("-host.io/python:1", "does not match"),
            ("host.io:99999999/python:1", "not a host name"),
            (&format!("python:{}", "t".repeat(129)), "does not match"),
            (&format!("r.io/{}:1", "a".repeat(251)), "at most 255"),
            (&format!("{}:1", "a".repeat(256)), "longer than 255"),
            (&long_host, "characters long"),
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.len() < 400, "{} bytes", err.len());
        }
    }
}
