//! A small Dockerfile reader: just the instructions the end-to-end tests act on, so they run
//! what the generated file says instead of restating it. It does not model inheritance
//! between stages or from the base image.

/// One stage, from its `FROM` to the next.
#[derive(Debug, Default, PartialEq)]
pub struct Stage {
    /// The image after `FROM` (flags such as `--platform` dropped).
    pub from: String,
    /// `ENTRYPOINT` and `CMD`: exec form as written; shell form as Docker runs it (`/bin/sh -c`).
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub workdir: Option<String>,
    /// Every `ENV` pair in order, from both `ENV K=V ...` and the legacy `ENV K V`.
    pub env: Vec<(String, String)>,
    pub copies: Vec<Copy>,
    /// Each `RUN` command, continuation lines joined.
    pub runs: Vec<String>,
}

/// A `COPY` instruction: `--from` (if any), the sources and the destination.
#[derive(Debug, PartialEq)]
pub struct Copy {
    pub from: Option<String>,
    pub sources: Vec<String>,
    pub dest: String,
}

/// Every stage of `text`, in order; the last one is the image that runs.
pub fn parse(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical_lines(text) {
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let args = args.trim();
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            let image = args.split_whitespace().find(|w| !w.starts_with("--"));
            let from = image.expect("FROM names an image").to_string();
            stages.push(Stage {
                from,
                ..Stage::default()
            });
            continue;
        }
        // Instructions before the first FROM (ARG) belong to no stage.
        let Some(stage) = stages.last_mut() else {
            continue;
        };
        match keyword.as_str() {
            "ENTRYPOINT" => stage.entrypoint = Some(command(args)),
            "CMD" => stage.cmd = Some(command(args)),
            "WORKDIR" => stage.workdir = Some(args.to_string()),
            "ENV" => stage.env.extend(env_pairs(args)),
            "RUN" => stage.runs.push(args.to_string()),
            "COPY" => {
                let (flags, mut paths): (Vec<&str>, Vec<&str>) =
                    args.split_whitespace().partition(|w| w.starts_with("--"));
                let from = flags
                    .iter()
                    .find_map(|f| f.strip_prefix("--from="))
                    .map(str::to_string);
                let dest = paths.pop().expect("COPY has a destination").to_string();
                stage.copies.push(Copy {
                    from,
                    sources: paths.into_iter().map(str::to_string).collect(),
                    dest,
                });
            }
            _ => {}
        }
    }
    stages
}

/// One instruction of a stage, as [`parse`] reads it.
#[derive(Debug)]
pub enum Step {
    Workdir(String),
    Copy(Copy),
    Run(String),
    /// ENV, CMD, ENTRYPOINT and the rest: read from the whole stage, not step by step.
    Other,
}

/// Every stage's instructions in order ([`parse`] gathers them by kind, which loses the order
/// WORKDIR, COPY and RUN take effect in).
pub fn instructions(text: &str) -> Vec<Vec<Step>> {
    let mut stages: Vec<Vec<Step>> = Vec::new();
    for line in logical_lines(text) {
        if line.to_ascii_uppercase().starts_with("FROM ") {
            stages.push(Vec::new());
            continue;
        }
        let Some(stage) = stages.last_mut() else {
            continue; // ARG before the first FROM
        };
        let mut parsed = parse(&format!("FROM scratch\n{line}")).pop().unwrap();
        stage.push(if let Some(workdir) = parsed.workdir {
            Step::Workdir(workdir)
        } else if let Some(copy) = parsed.copies.pop() {
            Step::Copy(copy)
        } else if let Some(run) = parsed.runs.pop() {
            Step::Run(run)
        } else {
            Step::Other
        });
    }
    stages
}

/// Instructions one per string: comments and blank lines dropped, `\` continuations joined
/// (comment lines may sit inside a continuation, as Docker allows).
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines().map(str::trim) {
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        match raw.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head.trim_end());
                current.push(' ');
            }
            None => {
                current.push_str(raw);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push(current); // the file ended inside a continuation
    }
    lines
}

fn command(args: &str) -> Vec<String> {
    if args.starts_with('[') {
        serde_json::from_str(args)
            .unwrap_or_else(|e| panic!("exec form {args} is not a JSON array of strings: {e}"))
    } else {
        vec!["/bin/sh".into(), "-c".into(), args.into()]
    }
}

fn env_pairs(args: &str) -> Vec<(String, String)> {
    let words = split_words(args);
    let first = words.first().expect("ENV names a variable");
    if !first.contains('=') {
        // Legacy form: one variable, the rest of the line is its value.
        let value = args[first.len()..].trim();
        return vec![(first.clone(), unquote(value))];
    }
    words
        .iter()
        .map(|w| {
            let (key, value) = w
                .split_once('=')
                .unwrap_or_else(|| panic!("ENV {args}: {w} is not K=V"));
            (key.to_string(), unquote(value))
        })
        .collect()
}

/// Splits on whitespace outside double quotes (quotes kept, for `unquote`).
fn split_words(args: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !words.last().unwrap().is_empty() {
                    words.push(String::new());
                }
                continue;
            }
            _ => {}
        }
        words.last_mut().unwrap().push(c);
    }
    words.retain(|w| !w.is_empty());
    words
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_string()
}
