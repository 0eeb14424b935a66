//! Checks a container image reference before it lands in a Dockerfile's FROM line.

/// Accepts `[registry[:port]/]path[:tag][@sha256:digest]` with a tag, a digest or both:
/// an untagged image would float (and hadolint rejects it).
pub fn check(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(bad) = image.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!("{bad:?} is not allowed in an image reference"));
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let hex = digest
            .strip_prefix("sha256:")
            .ok_or("the digest must start with \"sha256:\"")?;
        if hex.len() != 64 || !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Err("a sha256 digest has 64 lower-case hex digits".into());
        }
    }
    // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    match tag {
        Some(tag) => check_tag(tag)?,
        None if digest.is_none() => {
            return Err("name a tag or digest, e.g. \"python:3.14-slim-trixie\"".into());
        }
        None => {}
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && looks_like_registry(components[0]) {
        components.remove(0);
    }
    for component in components {
        check_path_component(component)?;
    }
    Ok(())
}

fn looks_like_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost"
}

fn check_tag(tag: &str) -> Result<(), String> {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(format!(
            "tag {tag:?} is not valid: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
        ));
    }
    if tag == "latest" {
        return Err("\"latest\" floats; name the version, e.g. \"python:3.14-slim-trixie\"".into());
    }
    Ok(())
}

/// A repository path component: lower-case alphanumerics joined by '.', '_', '__' or dashes.
fn check_path_component(component: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "{component:?} is not a valid repository name: lower-case letters and digits, joined by '.', '_' or '-'"
        )
    };
    let starts_and_ends_alnum = component
        .chars()
        .next()
        .zip(component.chars().last())
        .is_some_and(|(a, z)| is_lower_alnum(a) && is_lower_alnum(z));
    if !starts_and_ends_alnum
        || !component
            .chars()
            .all(|c| is_lower_alnum(c) || matches!(c, '.' | '_' | '-'))
        || component.contains("..")
        || component.contains("___")
    {
        return Err(bad());
    }
    Ok(())
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_common_references() {
        for ok in [
            "python:3.14-slim-trixie",
            "python:3.14-alpine",
            "library/python:3.13",
            "public.ecr.aws/docker/library/python:3.14-slim",
            "localhost:5000/team/python:3.14",
            "registry.example.com:443/a/b_c/d-e:v1.2",
            "python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "python:3.14@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("python", "name a tag or digest"),
            ("python:latest", "floats"),
            ("Python:3.14", "not a valid repository name"),
            ("python:3.14 AS x", "' ' is not allowed"),
            ("python:3.14\nRUN x", "'\\n' is not allowed"),
            ("python:", "tag \"\" is not valid"),
            ("python:-x", "is not valid"),
            ("python@sha256:abc", "64 lower-case hex"),
            ("python@md5:abc", "must start with \"sha256:\""),
            ("a..b:1", "not a valid repository name"),
            ("localhost:5000:1", "not a valid repository name"),
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
