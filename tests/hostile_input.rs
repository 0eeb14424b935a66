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
    let request = lambda_new::settings::request(&cli.new, std::iter::empty())?;
    let (choices, _) = lambda_new::choices::resolve(&request, &catalog)?;
    lambda_new::render::render(&choices, &catalog)
}

fn file<'p>(plan: &'p Plan, path: &str) -> &'p str {
    let file = plan
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} missing"));
    std::str::from_utf8(&file.contents).unwrap()
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
    let template: serde_yaml::Value = serde_yaml::from_str(file(plan, "template.yaml"))
        .unwrap_or_else(|e| {
            panic!(
                "template.yaml does not parse: {e}\n{}",
                file(plan, "template.yaml")
            )
        });
    for f in &plan.files {
        if f.path.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&f.contents)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", f.path));
        }
    }
    toml::from_str::<toml::Table>(file(plan, "samconfig.toml")).expect("samconfig.toml parses");
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
        "${AWS::Region}",
        "!Ref Thing",
        "---",
        "...",
        "&anchor *alias",
        "%TAG ! x",
        "@at `tick` |pipe >fold",
        "line\u{2028}separator\u{2029}paragraph",
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
        image in "\\PC{0,80}|[a-z0-9./:-]{1,40}(:[A-Za-z0-9_.-]{1,20})?",
    ) {
        for runtime in family_runtimes() {
            // `=` form: a value starting with '-' must not read as a flag.
            let flag = format!("--base-image={image}");
            match render(&["my-fn", "--runtime", &runtime, &flag]) {
                Err(Error::InvalidBaseImage { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error for {image:?}: {other}"),
                Ok(plan) => {
                    let dockerfile = file(&plan, "function/Dockerfile");
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

/// A function named after a word the language reserves gets another package/module name.
#[test]
fn reserved_words_never_become_identifiers() {
    let catalog = Catalog::embedded().unwrap();
    for family in &catalog.families {
        for word in &family.reserved_identifiers {
            let Ok(name) = lambda_new::name::FunctionName::parse(word) else {
                continue;
            };
            let module = name.identifier(&family.reserved_identifiers);
            assert!(
                !family.reserved_identifiers.contains(&module),
                "{}: {word:?} became the reserved identifier {module:?}",
                family.id
            );
            render(&["--runtime", &family.id, "-d", &format!("name={word}")]).unwrap();
        }
    }
}
