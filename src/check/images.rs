//! A Dockerfile's base images, and which Lambda runtime an image is.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Family, Runtime};

/// One `FROM` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromLine {
    /// The image, with global `ARG` defaults substituted (`$X`, `${X}`).
    pub image: String,
    /// Its `AS` name, lower-cased.
    pub stage: Option<String>,
}

/// Every `FROM` of a Dockerfile, in order.
pub fn from_lines(dockerfile: &str) -> Vec<FromLine> {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut froms = Vec::new();
    for line in logical_lines(dockerfile) {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("ARG") && froms.is_empty() {
            for arg in words {
                if let Some((key, value)) = arg.split_once('=') {
                    args.insert(key.to_owned(), value.trim_matches('"').to_owned());
                }
            }
        } else if instruction.eq_ignore_ascii_case("FROM") {
            let mut rest = words.skip_while(|w| w.starts_with("--"));
            let Some(image) = rest.next() else { continue };
            let stage = match (rest.next(), rest.next()) {
                (Some(as_), Some(name)) if as_.eq_ignore_ascii_case("AS") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            froms.push(FromLine {
                image: substitute(image, &args),
                stage,
            });
        }
    }
    froms
}

/// The image the final stage builds on, following stage names back to an image.
pub fn final_base(froms: &[FromLine]) -> Option<&str> {
    let mut image = froms.last()?.image.as_str();
    for _ in 0..froms.len() {
        let lower = image.to_ascii_lowercase();
        match froms
            .iter()
            .find(|f| f.stage.as_deref() == Some(lower.as_str()))
        {
            Some(stage) => image = &stage.image,
            None => return Some(image),
        }
    }
    Some(image)
}

/// Lines joined across `\` continuations, comments dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if current.is_empty() && line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn substitute(word: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = word.to_owned();
    for (key, value) in args {
        out = out.replace(&format!("${{{key}}}"), value);
        out = out.replace(&format!("${key}"), value);
    }
    out
}

/// A reference split into repository and tag, in the form AWS publishes its base images
/// (`public.ecr.aws/lambda/<language>`); Docker Hub's `amazon/aws-lambda-<language>` mirror
/// is the same image. A digest is dropped: the tag still says which runtime it is.
fn repository_and_tag(image: &str) -> Option<(String, String)> {
    let image = image.split('@').next()?;
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match image[slash..].rfind(':') {
        Some(colon) => (&image[..slash + colon], &image[slash + colon + 1..]),
        None => (image, "latest"),
    };
    let repository = repository.strip_prefix("docker.io/").unwrap_or(repository);
    let repository = match repository.strip_prefix("amazon/aws-lambda-") {
        Some(language) => format!("public.ecr.aws/lambda/{language}"),
        None => repository.to_owned(),
    };
    Some((repository, tag.to_owned()))
}

/// What a base image is.
#[derive(Debug)]
pub enum Base<'c> {
    /// An AWS base image of a runtime lambda-new knows.
    Lambda(&'c Family, &'c Runtime),
    /// An AWS base image of a runtime lambda-new does not know (older or newer).
    UnknownLambda,
    /// Any other image: Lambda's runtime phases do not apply to it.
    Other,
}

/// Which runtime `image` is the AWS base image of. Tags such as `3.12-arm64` or
/// `3.12.2025.01.15.10` name the runtime's tag plus a suffix.
pub fn classify<'c>(image: &str, catalog: &'c Catalog) -> Base<'c> {
    let Some((repository, tag)) = repository_and_tag(image) else {
        return Base::Other;
    };
    if !repository.starts_with("public.ecr.aws/lambda/") {
        return Base::Other;
    }
    let mut best: Option<(&Family, &Runtime, usize)> = None;
    for family in &catalog.families {
        for runtime in &family.runtimes {
            let Some((their_repository, their_tag)) = repository_and_tag(&runtime.aws_image) else {
                continue;
            };
            let fits = tag == their_tag
                || tag
                    .strip_prefix(&their_tag)
                    .is_some_and(|rest| rest.starts_with(['.', '-']));
            if their_repository == repository
                && fits
                && best.is_none_or(|(_, _, len)| their_tag.len() > len)
            {
                best = Some((family, runtime, their_tag.len()));
            }
        }
    }
    match best {
        Some((family, runtime, _)) => Base::Lambda(family, runtime),
        None => Base::UnknownLambda,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime_of(image: &str) -> Option<String> {
        match classify(image, &Catalog::embedded().unwrap()) {
            Base::Lambda(_, runtime) => Some(runtime.id.clone()),
            Base::UnknownLambda => Some("?".into()),
            Base::Other => None,
        }
    }

    #[test]
    fn aws_images_map_to_their_runtime() {
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/python:3.9").as_deref(),
            Some("python3.9")
        );
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/python:3.12-arm64").as_deref(),
            Some("python3.12")
        );
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/python:3.1.2020@sha256:abc").as_deref(),
            Some("?")
        );
        assert_eq!(
            runtime_of("amazon/aws-lambda-nodejs:20").as_deref(),
            Some("nodejs20.x")
        );
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/java:8.al2").as_deref(),
            Some("java8.al2")
        );
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/java:8").as_deref(),
            Some("?")
        );
        let provided = runtime_of("public.ecr.aws/lambda/provided:al2.2025.01.01").unwrap();
        assert!(provided.ends_with("provided.al2"), "{provided}");
        assert_eq!(
            runtime_of("public.ecr.aws/lambda/provided:al2023-x86_64")
                .map(|r| r.ends_with("al2023")),
            Some(true)
        );
        assert_eq!(
            runtime_of("public.ecr.aws/docker/library/python:3.9-slim"),
            None
        );
        assert_eq!(runtime_of("localhost:5000/python"), None);
    }

    #[test]
    fn from_lines_follow_args_flags_and_stages() {
        let dockerfile = "ARG TAG=3.11\n# FROM commented:out\nFROM --platform=$BUILDPLATFORM golang:1.27 AS Build\nRUN x \\\n  FROM not-an-instruction\nfrom public.ecr.aws/lambda/python:${TAG} as base\nFROM base\n";
        let froms = from_lines(dockerfile);
        assert_eq!(
            froms.iter().map(|f| f.image.as_str()).collect::<Vec<_>>(),
            ["golang:1.27", "public.ecr.aws/lambda/python:3.11", "base"]
        );
        assert_eq!(froms[0].stage.as_deref(), Some("build"));
        assert_eq!(
            final_base(&froms),
            Some("public.ecr.aws/lambda/python:3.11")
        );
        assert_eq!(final_base(&[]), None);
    }
}
