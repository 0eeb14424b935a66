//! `lambda-new add`'s edit of an application's template: hand-written SAM templates in the
//! styles people write (tests/fixtures/sam/) and random ones; the edit inserts lines and
//! changes none, or it is refused with a reason.

mod support;

use std::fs;
use std::path::Path;

use lambda_new::sam_template::EditError;
use proptest::prelude::*;

/// The edit without `--move-globals`.
fn insert(old: &str, addition: &str) -> Result<String, EditError> {
    lambda_new::sam_template::insert(old, addition, false).map(|edited| edited.text)
}

fn fixture(name: &str) -> String {
    fs::read_to_string(Path::new("tests/fixtures/sam").join(name)).unwrap()
}

#[test]
fn hand_written_templates_get_exactly_the_new_lines() {
    for file in [
        "hello-world-zip.yaml",
        "four-space-no-outputs.yml",
        "anchors-and-quoting.yaml",
    ] {
        let old = fixture(file);
        for trigger in ["api", "sqs", "s3"] {
            let addition = support::rendered_template("new-fn", trigger);
            let edited = insert(&old, &addition).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(
                support::only_inserts(&old, &edited),
                "{file} + {trigger}:\n{edited}"
            );
            let inserted = edited.len() - old.len();
            assert!(inserted > 0 && edited.contains("NewFnFunction:"), "{file}");
        }
    }
    // Four-space indentation: the new entries are indented as the file's own.
    let edited = insert(
        &fixture("four-space-no-outputs.yml"),
        &support::rendered_template("new-fn", "api"),
    )
    .unwrap();
    assert!(edited.contains("\n    NewFnFunction:\n"), "{edited}");
    assert!(edited.ends_with("\n"), "{edited}");
}

#[test]
fn templates_it_cannot_edit_are_refused_with_the_reason() {
    let addition = support::rendered_template("new-fn", "api");
    let cases = [
        ("flow-resources.yaml", EditError::NotBlock("Resources")),
        ("not-sam.json", EditError::FlowStyle),
        ("plain-cloudformation.yaml", EditError::NoTransform),
    ];
    for (file, expected) in cases {
        assert_eq!(insert(&fixture(file), &addition), Err(expected), "{file}");
    }
    // A second function of the same name clashes, whatever the case of the existing id.
    let once = insert(&fixture("hello-world-zip.yaml"), &addition).unwrap();
    let Err(EditError::Clash { kind, .. }) = insert(&once, &addition) else {
        panic!("adding a function twice must be refused");
    };
    assert_eq!(kind, "resource");
}

/// cfn-lint and SAM's own validation accept every edited fixture.
#[test]
fn edited_templates_lint_and_validate_clean() {
    if !support::require_tool("cfn-lint", "lints edited SAM templates")
        || !support::require_tool("sam", "validates edited SAM templates")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for file in [
        "hello-world-zip.yaml",
        "four-space-no-outputs.yml",
        "anchors-and-quoting.yaml",
    ] {
        let mut edited = fixture(file);
        for (name, trigger) in [("queue-worker", "sqs"), ("api-fn", "http-api")] {
            edited = insert(&edited, &support::rendered_template(name, trigger)).unwrap();
        }
        let path = dir.path().join(file.replace(".yml", ".yaml"));
        fs::write(&path, edited).unwrap();
        paths.push(path);
    }
    let output = std::process::Command::new("cfn-lint")
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for path in &paths {
        support::run(
            std::process::Command::new("sam")
                .args(["validate", "--lint", "--template-file"])
                .arg(path)
                .current_dir(dir.path()),
        );
    }
}

/// Pieces of hand-written YAML: each a top-level section's text. Random combinations keep or
/// refuse, never change.
fn section() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# a comment\n".to_owned()),
        Just("\n".to_owned()),
        Just("Description: \"quoted: text\"\n".to_owned()),
        Just("Description: >\n  folded\n  text\n".to_owned()),
        Just("Parameters:\n  Stage: {Type: String, Default: dev}\n".to_owned()),
        Just("Mappings:\n  M: &m\n    a: 1\n  N: *m\n".to_owned()),
        Just("Globals:\n    Function:\n        Timeout: 3   # seconds\n".to_owned()),
        Just(
            "Globals:\n  Function:\n    Runtime: python3.12 # all\n    Layers:\n      - arn:x\n"
                .to_owned()
        ),
        Just("Outputs:\n  Old:\n    Value: 'x'\n".to_owned()),
        Just("Outputs: {Old: {Value: x}}\n".to_owned()),
    ]
}

fn resource(indent: usize) -> impl Strategy<Value = String> {
    let pad = " ".repeat(indent);
    prop_oneof![
        Just(format!("{pad}Topic:\n{pad}{pad}Type: AWS::SNS::Topic\n")),
        Just(format!(
            "{pad}'Quoted':\n{pad}{pad}Type: \"AWS::SNS::Topic\"\n"
        )),
        Just(format!("{pad}# inside\n")),
        Just(format!("{pad}Flow: {{Type: AWS::SQS::Queue}}\n")),
        Just(format!(
            "{pad}Text:\n{pad}{pad}Type: AWS::SSM::Parameter\n{pad}{pad}Properties:\n{pad}{pad}{pad}Value: |\n{pad}{pad}{pad}{pad}line\n"
        )),
        Just(format!(
            "{pad}Kept:\n{pad}{pad}Type: AWS::SSM::Parameter\n{pad}{pad}Properties:\n{pad}{pad}{pad}Value: |+\n{pad}{pad}{pad}{pad}kept\n\n"
        )),
        Just(format!(
            "{pad}Fn:\n{pad}{pad}Type: AWS::Serverless::Function\n{pad}{pad}Properties:\n{pad}{pad}{pad}CodeUri: fn/\n"
        )),
        Just("\n".to_owned()),
    ]
}

fn template() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(section(), 0..4),
        1usize..5,
        prop::collection::vec(1usize..5, 0..1),
        prop::bool::ANY,
        prop::collection::vec(section(), 0..4),
    )
        .prop_flat_map(|(before, indent, _, with_transform, after)| {
            prop::collection::vec(resource(indent), 1..5).prop_map(move |resources| {
                let mut text = before.concat();
                if with_transform {
                    text.push_str("Transform: AWS::Serverless-2016-10-31\n");
                }
                text.push_str("Resources:\n");
                text.push_str(&resources.concat());
                text.push_str(&after.concat());
                text
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_templates_get_exactly_old_plus_new_or_a_refusal(old in template()) {
        let addition = support::rendered_template("new-fn", "sqs");
        match lambda_new::sam_template::insert(&old, &addition, true) {
            Ok(edited) if edited.moved_globals_into.is_empty() && !old.contains("Runtime") => {
                prop_assert!(support::only_inserts(&old, &edited.text), "{old}\n---\n{}", edited.text);
            }
            // Globals moved: none is left for the new function to inherit.
            Ok(edited) => {
                let doc: serde_yaml::Value = serde_yaml::from_str(&edited.text).unwrap();
                prop_assert!(doc["Globals"]["Function"].get("Runtime").is_none(), "{}", edited.text);
            }
            // Each refusal is one of the reasons a person can act on; none is a panic.
            Err(
                EditError::NotYaml(_)
                | EditError::NoTransform
                | EditError::NotBlock(_)
                | EditError::Clash { .. }
                | EditError::Mismatch(_)
                | EditError::DuplicateKey { .. }
                | EditError::CannotMoveGlobals(_)
                | EditError::EmptyResources
                | EditError::NoResources,
            ) => {}
            Err(other) => prop_assert!(false, "unexpected refusal {other:?} for\n{old}"),
        }
    }
}
