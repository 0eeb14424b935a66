//! Hostile input through the whole settings -> choices -> render path, for every family:
//! what a user can type either yields files that parse back to the same values, or a clear
//! error. Never a broken project.

mod support;

use clap::Parser;
use proptest::prelude::*;

use lambda_new::catalog::Catalog;
use lambda_new::cli::Cli;
use lambda_new::error::Error;
use lambda_new::render::Plan;

/// The newest runtime of every family, as `--runtime` values.
fn family_runtimes() -> Vec<String> {
    let catalog = Catalog::embedded().unwrap();
    catalog.families.iter().map(|f| f.id.clone()).collect()
}

/// Runs the command line as the binary would (without a terminal) and renders.
fn render(args: &[&str]) -> Result<Plan, Error> {
    let cli = Cli::try_parse_from(std::iter::once("lambda-new").chain(args.iter().copied()))
        .expect("arguments parse");
    let catalog = Catalog::embedded().unwrap();
    let request =
        lambda_new::settings::request(&cli.new.function, cli.new.vcs, std::iter::empty())?;
    let (choices, _) = lambda_new::choices::resolve(&request, &catalog)?;
    lambda_new::render::render(&choices, &catalog)
}

/// The function resource of a template and its logical id.
fn function(template: &serde_yaml::Value) -> (String, serde_yaml::Value) {
    let (id, resource) = template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    (id.as_str().unwrap().to_owned(), resource.clone())
}

fn check_structured_files(plan: &Plan) -> serde_yaml::Value {
    let template: serde_yaml::Value = serde_yaml::from_str(support::text(plan, "template.yaml"))
        .unwrap_or_else(|e| {
            panic!(
                "template.yaml does not parse: {e}\n{}",
                support::text(plan, "template.yaml")
            )
        });
    for f in &plan.files {
        if f.path.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&f.contents)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", f.path));
        }
    }
    toml::from_str::<toml::Table>(support::text(plan, "samconfig.toml"))
        .expect("samconfig.toml parses");
    template
}

fn assert_description_round_trips(description: &str) {
    for runtime in family_runtimes() {
        let define = format!("description={description}");
        let plan = render(&["my-fn", "--runtime", &runtime, "-d", &define]).unwrap();
        let template = check_structured_files(&plan);
        assert_eq!(
            template["Description"].as_str(),
            Some(description),
            "{runtime}"
        );
        let (_, function) = function(&template);
        assert_eq!(
            function["Properties"]["Description"].as_str(),
            Some(description),
            "{runtime}"
        );
    }
}

/// Written here independently of the implementation: U+FDD0..U+FDEF and U+xFFFE, U+xFFFF.
fn is_noncharacter(c: char) -> bool {
    matches!(u32::from(c), 0xFDD0..=0xFDEF) || u32::from(c) % 0x10000 >= 0xFFFE
}

/// cfn-lint E1029's pattern, `\$\{[A-Za-z0-9_:.]+\}`, written out by hand.
fn has_substitution(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).any(|start| {
        chars[start..].starts_with(&['$', '{'])
            && chars[start + 2..]
                .iter()
                .position(|&c| c == '}')
                .is_some_and(|end| {
                    end > 0
                        && chars[start + 2..start + 2 + end]
                            .iter()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.'))
                })
    })
}

#[test]
fn descriptions_that_break_yaml_or_cfn_lint_are_refused() {
    let noncharacters = (0xFDD0..=0xFDEF)
        .chain((0..=0x10).flat_map(|plane| [plane * 0x10000 + 0xFFFE, plane * 0x10000 + 0xFFFF]))
        .map(|c| char::from_u32(c).unwrap());
    let mut refused: Vec<String> = noncharacters.map(|c| format!("before{c}after")).collect();
    assert_eq!(refused.len(), 66);
    refused.extend(
        [
            "${AWS::Region}",
            "in ${AWS::StackName}!",
            "${MyFnFunction.Arn}",
            "${a_b}",
            "$${x}",
        ]
        .map(String::from),
    );
    for description in refused {
        let define = format!("description={description}");
        let error = render(&["my-fn", "-d", &define]).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(
                error,
                Error::InvalidValue {
                    key: "description",
                    ..
                }
            ),
            "{description:?}: {message}"
        );
        assert!(
            message.contains("Unicode noncharacters") && message.contains("cfn-lint E1029"),
            "{message}"
        );
        assert_eq!(error.exit_code(), 2);
    }
}

/// Accepted descriptions that look dangerous, through cfn-lint with every rule on.
#[test]
fn accepted_hostile_descriptions_lint_clean() {
    if !support::require_tool("cfn-lint", "lints generated SAM templates") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let descriptions = [
        "line\u{2028}separator\u{2029}paragraph",
        "\u{feff}bom \u{200e}\u{202e} 🚀 עברית",
        "$ {AWS::Region} ${!Literal} ${} ${a b} {{x}} !Ref X",
        "# not a comment: - [a] {b: c} & * | > % @ `",
        "\u{fffd}\u{e000}\u{10fffd}\u{1fffd}",
        "yes",
    ];
    let mut templates = Vec::new();
    for (i, description) in descriptions.iter().enumerate() {
        let name = format!("fn{i}");
        let status = support::lambda_new()
            .args([&name, "--vcs=none", "--no-interactive", "-q", "-d"])
            .arg(format!("description={description}"))
            .arg("--output-dir")
            .arg(out.path())
            .status()
            .unwrap();
        assert!(status.success(), "{description:?}");
        templates.push(out.path().join(name).join("template.yaml"));
    }
    let output = std::process::Command::new("cfn-lint")
        .args([
            "--include-checks",
            "I",
            "--non-zero-exit-code",
            "informational",
            "--",
        ])
        .args(&templates)
        .output()
        .unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "cfn-lint:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Characters that mean something to YAML, JSON, TOML, Handlebars or CloudFormation, and
/// Unicode that some YAML parsers take for line breaks.
#[test]
fn metacharacters_in_descriptions_round_trip() {
    for description in [
        "",
        "'",
        "\"",
        "\\",
        "# not a comment",
        "key: value",
        "- item",
        "[a, b]",
        "{a: b}",
        "{{name}}",
        "{{{raw}}}",
        "$ {AWS::Region}",
        "${!Literal}",
        "${}",
        "${a b}",
        "!Ref Thing",
        "---",
        "...",
        "&anchor *alias",
        "%TAG ! x",
        "@at `tick` |pipe >fold",
        "line\u{2028}separator\u{2029}paragraph",
        "\u{200e}marks\u{202e}\u{fffd}\u{e000}\u{10fffd}",
        "\u{feff}bom",
        "emoji 🚀 and עברית and 日本語",
        "trailing space ",
        " leading space",
        "yes",
        "null",
        "1e3",
        "0x1F",
        "~",
        "= \"toml\"",
        &"é".repeat(256),
    ] {
        assert_description_round_trips(description);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn descriptions_parse_back_unchanged(description in "\\PC{0,256}") {
        assert_description_round_trips(&description);
    }

    /// The description rule is exact: what it lets through parses back unchanged, and it
    /// refuses only noncharacters, `${...}` substitutions and overlong text.
    #[test]
    fn descriptions_round_trip_or_are_refused_with_the_rule(
        description in "(\\PC|[\u{2028}\u{2029}\u{85}\u{FDD0}-\u{FDEF}\u{FFFE}\u{FFFF}\u{1FFFE}\u{10FFFF}]|\\$\\{[A-Za-z:._!]{0,3}\\}){0,200}",
    ) {
        let define = format!("description={description}");
        let must_refuse = description.chars().count() > 256
            || description.chars().any(|c| c.is_control() || is_noncharacter(c))
            || has_substitution(&description);
        match render(&["my-fn", "-d", &define]) {
            Ok(_) => {
                prop_assert!(!must_refuse, "accepted {description:?}");
                assert_description_round_trips(&description);
            }
            Err(error) => {
                prop_assert!(must_refuse, "refused {description:?}: {error}");
                prop_assert!(error.to_string().contains("Unicode noncharacters"), "{error}");
                prop_assert!(error.to_string().contains("cfn-lint E1029"), "{error}");
                prop_assert_eq!(error.exit_code(), 2);
            }
        }
    }

    #[test]
    fn control_characters_in_descriptions_are_refused(
        before in "\\PC{0,20}", control in "\\p{Cc}", after in "\\PC{0,20}",
    ) {
        let define = format!("description={before}{control}{after}");
        let error = render(&["my-fn", "-d", &define]).unwrap_err();
        prop_assert!(error.to_string().contains("without control characters"), "{error}");
        prop_assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn any_base_image_is_refused_or_lands_verbatim_in_from(
        image in "\\PC{0,80}|[a-z0-9./:-]{1,40}(:[A-Za-z0-9_.-]{1,20})?|[a-z0-9]{1,4}_[a-z0-9]{1,4}(\\.[a-z]{1,3}|:[0-9]{1,4})/[a-z]{1,4}:[0-9]{1,2}|[a-z0-9_-]{1,8}(\\.[a-z0-9_-]{1,8}){0,2}(:[0-9a-z]{0,5})?/[a-z0-9]{1,8}:[a-z0-9]{1,4}(@sha256:[0-9a-fA-F]{64})?|[-a-z0-9.${}()]{1,16}/[a-z]{1,8}:[a-z0-9]{1,4}",
    ) {
        if check_reference_shape(&image).is_err() {
            let flag = format!("--base-image={image}");
            let refused = matches!(render(&["my-fn", &flag]), Err(Error::InvalidBaseImage { .. }));
            prop_assert!(refused, "{image:?} breaks {:?} but was accepted", check_reference_shape(&image));
        }
        for runtime in family_runtimes() {
            // `=` form: a value starting with '-' must not read as a flag.
            let flag = format!("--base-image={image}");
            match render(&["my-fn", "--runtime", &runtime, &flag]) {
                Err(Error::InvalidBaseImage { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error for {image:?}: {other}"),
                Ok(plan) => {
                    let dockerfile = support::text(&plan, "function/Dockerfile");
                    let froms: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
                    prop_assert!(!froms.is_empty());
                    // Every FROM names the image (or a stage or toolchain image), one line each.
                    prop_assert!(froms.iter().any(|l| l.split_whitespace().nth(1) == Some(image.as_str())), "{froms:?}");
                    prop_assert!(!image.contains(char::is_whitespace));
                }
            }
        }
    }

    #[test]
    fn any_name_is_refused_or_yields_safe_identifiers(name in "\\PC{0,70}|[A-Za-z][A-Za-z0-9_-]{0,70}") {
        for runtime in family_runtimes() {
            let define = format!("name={name}");
            match render(&["--runtime", &runtime, "-d", &define]) {
                Err(Error::InvalidName { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error for {name:?}: {other}"),
                Ok(plan) => {
                    let template = check_structured_files(&plan);
                    let (id, _) = function(&template);
                    prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "logical id {id:?}");
                    for f in &plan.files {
                        prop_assert!(
                            f.path.split('/').all(|part| !part.is_empty() && part != ".." && part != "."),
                            "unsafe path {:?}", f.path
                        );
                    }
                }
            }
        }
    }
}

/// What any accepted reference must look like, written independently of the parser: no
/// shell syntax, no leading '-', a registry (a first part with '.' or ':') that is a host
/// name with an optional numeric port, a lower-case hex digest, a name of at most 255.
fn check_reference_shape(image: &str) -> Result<(), &'static str> {
    if image.contains(['$', '(', ')', '{', '}']) {
        return Err("shell syntax");
    }
    if image.starts_with('-') {
        return Err("leading dash");
    }
    let (name_tag, digest) = image.split_once('@').unwrap_or((image, ""));
    if digest.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("upper-case digest");
    }
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let name = match name_tag[last_slash..].rfind(':') {
        Some(i) => &name_tag[..last_slash + i],
        None => name_tag,
    };
    if name.len() > 255 {
        return Err("name over 255");
    }
    if let Some((first, _)) = name.split_once('/')
        && first.contains(['.', ':'])
    {
        let (host, port) = first.split_once(':').unwrap_or((first, "0"));
        let host_ok = host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !host_ok || port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err("registry is not a host name");
        }
    }
    Ok(())
}

/// References that once landed in FROM: shell syntax, a leading '-', underscores in a
/// registry host, overlong parts. Each is refused with a reason, for every family.
#[test]
fn hostile_base_images_are_refused() {
    let megabyte = format!("{}.io/python:1", "r".repeat(1 << 20));
    let long_name = format!("registry.io/{}:1", "a".repeat(250));
    let long_tag = format!("python:{}", "t".repeat(129));
    let long_path = format!("{}:1", "a/".repeat(128) + "a");
    for image in [
        "$(id)/python:3.14",
        "registry.io/$(id):1",
        "${HOME}/python:3.14",
        "python:${TAG}",
        "-python:3.14",
        "--help:1",
        "my_registry.io/python:3.14",
        "my_registry.io:5000/python:3.14",
        "registry-.io/python:3.14",
        "registry.io:port/python:3.14",
        "Registry.io/Python:3.14",
        "python:3.14;rm",
        "python:3.14\\",
        "python:3.14@sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        "python@sha1:0123456789abcdef0123456789abcdef01234567",
        &megabyte,
        &long_name,
        &long_tag,
        &long_path,
    ] {
        for runtime in family_runtimes() {
            let flag = format!("--base-image={image}");
            match render(&["my-fn", "--runtime", &runtime, &flag]) {
                Err(error @ Error::InvalidBaseImage { .. }) => {
                    assert!(
                        error.to_string().len() < 600,
                        "{} bytes",
                        error.to_string().len()
                    );
                    assert_eq!(error.exit_code(), 2);
                }
                Err(other) => panic!("{image:.80}: unexpected error {other}"),
                Ok(_) => panic!("{image:.80} was accepted for {runtime}"),
            }
        }
    }
}

/// Values far longer than any rule allows: the message quotes a short prefix, escaped.
#[test]
fn errors_quote_a_short_prefix_of_huge_values() {
    // One argument may hold 128 KiB (Linux's MAX_ARG_STRLEN); stay just under it.
    let huge = "\u{1b}[31m".to_owned() + &"x".repeat(120_000);
    let define = |key: &str| format!("{key}={huge}");
    let cases: Vec<Vec<String>> = vec![
        vec![huge.clone()],
        vec!["f".into(), "-d".into(), define("description")],
        vec!["f".into(), "-d".into(), define("timeout")],
        vec!["f".into(), "-d".into(), define("runtime")],
        vec!["f".into(), "-d".into(), format!("{huge}=1")],
        vec!["f".into(), "-d".into(), huge.clone()],
        vec!["f".into(), format!("--base-image={huge}")],
        vec!["f".into(), "-d".into(), define("base-image")],
    ];
    for args in cases {
        let output = support::lambda_new()
            .args(&args)
            .args(["--no-interactive", "--dry-run"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr:.300}");
        assert!(stderr.len() < 1000, "{} bytes: {stderr:.300}", stderr.len());
        assert!(
            !stderr.contains('\u{1b}'),
            "raw escape on stderr: {stderr:?}"
        );
        assert!(stderr.contains("\\u{1b}[31mxxx"), "{stderr}");
    }
    // Usage errors that clap reports, echoing the argument.
    for args in [
        vec!["f".to_owned(), format!("--architecture={huge}")],
        vec!["f".to_owned(), format!("--{huge}")],
        vec!["f".to_owned(), "--color".to_owned(), huge.clone()],
    ] {
        let output = support::lambda_new().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr:.300}");
        assert!(stderr.len() < 1000, "{} bytes: {stderr:.300}", stderr.len());
        assert!(
            !stderr.contains('\u{1b}'),
            "raw escape on stderr: {stderr:?}"
        );
        assert!(stderr.contains("... (1200"), "{stderr}");
    }
}

/// A function named after a word the language reserves gets another package/module name.
#[test]
fn reserved_words_never_become_identifiers() {
    let catalog = Catalog::embedded().unwrap();
    for family in &catalog.families {
        for word in &family.reserved_identifiers().words() {
            let Ok(name) = lambda_new::name::FunctionName::parse(word) else {
                continue;
            };
            let module = name.identifier(&family.reserved_identifiers());
            assert!(
                !family.reserved_identifiers().contains(&module),
                "{}: {word:?} became the reserved identifier {module:?}",
                family.id
            );
            render(&["--runtime", &family.id, "-d", &format!("name={word}")]).unwrap();
        }
    }
}
