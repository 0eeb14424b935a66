//! The .NET family's generated projects, checked without a .NET SDK (none can be installed
//! here: NuGet and Microsoft's download sites are out of reach). These are the consistency
//! checks a build would otherwise make first: the handler string names the assembly,
//! namespace, class and method the sources declare; every path in a project or solution file
//! points at a generated file; the Dockerfile copies what exists and starts what it builds;
//! every event type and Amazon.Lambda namespace comes from a referenced package and every
//! package is used; the alternative base's Main runs the handler with its own types; the
//! tests read every bundled event and assert what its trigger.yaml expects. The `api` trigger
//! is checked on every runtime and base, every trigger on the newest runtime and both bases.
//! Nothing here compiles C#, restores packages or runs the xUnit tests. Lambda's advanced
//! logging controls are honoured by the runtime client (Amazon.Lambda.RuntimeSupport reads
//! AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL) for what the function logs through
//! `ILambdaContext.Logger`; the checks here are that the function logs only that way, with a
//! level, on packages recent enough to carry it.

mod support;

use std::path::{Path, PathBuf};

use lambda_new::choices::{Architecture, BaseKind};

struct Project {
    label: String,
    trigger: String,
    base: BaseKind,
    arch: Architecture,
    /// The handler string the README names: on the AWS base only.
    handler: Option<String>,
    function: PathBuf,
    _root: tempfile::TempDir,
}

/// Every runtime and base, on x86_64 (most files do not depend on the architecture).
fn projects() -> Vec<Project> {
    projects_of(support::family_combos("dotnet"))
}

/// Every trigger's project on the newest runtime, on both bases (x86_64); the full runtime
/// matrix is for `api` only ([`projects`]).
fn trigger_projects() -> Vec<Project> {
    let combos = support::family_combos("dotnet");
    let newest = combos[0].runtime.clone();
    let newest: Vec<_> = combos.iter().filter(|c| c.runtime == newest).collect();
    let by_trigger = support::e2e::triggers()
        .iter()
        .flat_map(|trigger| newest.iter().map(|combo| combo.with_trigger(trigger)))
        .collect();
    projects_of(by_trigger)
}

/// Both: what checks that hold for every project run over.
fn all_projects() -> Vec<Project> {
    projects().into_iter().chain(trigger_projects()).collect()
}

fn projects_of(combos: Vec<support::Combo>) -> Vec<Project> {
    combos
        .into_iter()
        .map(|combo| {
            let root = tempfile::tempdir().unwrap();
            let plan = support::render(&combo, "my-fn");
            lambda_new::write::write(&plan, &root.path().join("my-fn")).unwrap();
            let readme = read(&root.path().join("my-fn/my-fn/README.md"));
            let handler = readme
                .split("handler `")
                .nth(1)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_owned);
            // The alternative image compiles the handler in and reads no handler string, so
            // its README names none.
            assert_eq!(
                handler.is_some(),
                combo.base == BaseKind::Aws,
                "{}: README handler {handler:?}",
                combo.label()
            );
            Project {
                label: combo.label(),
                trigger: combo.trigger,
                base: combo.base,
                arch: combo.arch,
                handler,
                function: root.path().join("my-fn/my-fn/function"),
                _root: root,
            }
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every value of `attribute="..."` in an XML text.
fn attribute_values<'a>(xml: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(" {attribute}=\"");
    xml.split(marker.as_str())
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

/// The text between `<tag>` and `</tag>`, if present.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

fn files_named(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_named(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

#[test]
fn handler_names_what_the_sources_declare() {
    for p in all_projects().iter().filter(|p| p.base == BaseKind::Aws) {
        let handler = p
            .handler
            .as_deref()
            .expect("the AWS base names its handler");
        let parts: Vec<&str> = handler.split("::").collect();
        let [assembly, type_name, method] = parts[..] else {
            panic!(
                "{}: handler {:?} is not Assembly::Namespace.Class::Method",
                p.label, handler
            );
        };
        let (namespace, class) = type_name.rsplit_once('.').expect("Namespace.Class");

        // The assembly is the project's file name (no AssemblyName override on this base).
        let csproj = p.function.join(format!("src/{assembly}/{assembly}.csproj"));
        assert!(
            csproj.is_file(),
            "{}: no project {}",
            p.label,
            csproj.display()
        );
        assert_eq!(element(&read(&csproj), "AssemblyName"), None, "{}", p.label);

        let source = read(&p.function.join(format!("src/{assembly}/{class}.cs")));
        assert!(
            source.contains(&format!("\nnamespace {namespace};\n")),
            "{}: namespace",
            p.label
        );
        assert!(
            source.contains(&format!("public class {class}\n")),
            "{}: class",
            p.label
        );
        let (_, input) = handler_signature(&source, method)
            .unwrap_or_else(|| panic!("{}: no public method {method}", p.label));
        assert!(!input.is_empty(), "{}: {method} takes no event", p.label);
        assert!(
            source.contains("[assembly: LambdaSerializer("),
            "{}: serializer",
            p.label
        );
    }
}

/// The handler's return and event types, from `public RETURN METHOD(EVENT event,
/// ILambdaContext context)` in `source`; None unless its last parameter is the Lambda context.
fn handler_signature<'a>(source: &'a str, method: &str) -> Option<(&'a str, &'a str)> {
    let declaration = source
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("public ") && l.contains(&format!(" {method}(")))?;
    let (head, parameters) = declaration.split_once(&format!(" {method}("))?;
    // An asynchronous handler (s3's) returns a Task the runtime awaits.
    let returns = head.strip_prefix("public ")?.trim_start_matches("async ");
    let parameters = parameters.strip_suffix(')')?;
    let (event, context) = parameters.split_once(", ")?;
    let (event_type, _) = event.rsplit_once(' ')?;
    (context == "ILambdaContext context").then_some((returns, event_type))
}

#[test]
fn project_and_solution_paths_resolve() {
    for p in all_projects() {
        let mut checked = 0;
        for file in files_named(&p.function, ".csproj")
            .into_iter()
            .chain(files_named(&p.function, ".slnx"))
        {
            let xml = read(&file);
            assert_eq!(
                xml.matches('<').count(),
                xml.matches('>').count(),
                "{}: {} has unbalanced angle brackets",
                p.label,
                file.display()
            );
            let dir = file.parent().unwrap();
            let is_csproj = file.extension().is_some_and(|e| e == "csproj");
            let paths = if is_csproj {
                // PackageReference Include values are package ids, not paths.
                xml.lines()
                    .filter(|l| !l.contains("<PackageReference"))
                    .flat_map(|l| attribute_values(l, "Include"))
                    .collect::<Vec<_>>()
            } else {
                attribute_values(&xml, "Path")
            };
            for relative in paths {
                let target = dir.join(relative);
                // events/ lies beside function/, in the project directory.
                assert!(
                    target.is_file(),
                    "{}: {} points at missing {relative}",
                    p.label,
                    file.display()
                );
                checked += 1;
            }
            if is_csproj {
                let tfm = element(&xml, "TargetFramework").expect("TargetFramework");
                let runtime = p.label.split('-').next().unwrap();
                assert_eq!(
                    tfm,
                    format!("net{}.0", &runtime["dotnet".len()..]),
                    "{}",
                    p.label
                );
            }
        }
        // Test project: the src reference and every bundled event; solution: both projects.
        let events = support::e2e::trigger_events(&p.function.join(".."), &p.trigger).len();
        assert!(events >= 1, "{}", p.label);
        assert_eq!(
            checked,
            3 + events,
            "{}: expected {} paths to check",
            p.label,
            3 + events
        );
    }
}

#[test]
fn dockerfile_copies_what_exists_and_starts_what_it_builds() {
    for p in all_projects() {
        let dockerfile = read(&p.function.join("Dockerfile"));
        for line in dockerfile
            .lines()
            .filter(|l| l.starts_with("COPY ") && !l.contains("--from="))
        {
            let source = line.split_whitespace().nth(1).unwrap();
            assert!(
                p.function.join(source).exists(),
                "{}: {line}: {source} is missing",
                p.label
            );
            assert!(
                source.starts_with("src/"),
                "{}: .dockerignore admits only src/: {line}",
                p.label
            );
        }
        let csproj = files_named(&p.function.join("src"), ".csproj");
        let [csproj] = &csproj[..] else {
            panic!("{}: expected one project under src/", p.label)
        };
        let xml = read(csproj);
        match p.base {
            BaseKind::Aws => {
                assert!(
                    dockerfile.contains(&format!(
                        "CMD [\"{}\"]",
                        p.handler
                            .as_deref()
                            .expect("the AWS base names its handler")
                    )),
                    "{}",
                    p.label
                );
                assert!(
                    !dockerfile.contains("ENTRYPOINT"),
                    "{}: keep the AWS entry point",
                    p.label
                );
            }
            BaseKind::Alternative => {
                assert_eq!(element(&xml, "OutputType"), Some("Exe"), "{}", p.label);
                let assembly = element(&xml, "AssemblyName").expect("AssemblyName");
                assert!(
                    dockerfile.contains(&format!(
                        "ENTRYPOINT [\"/usr/share/dotnet/dotnet\",\"/var/task/{assembly}.dll\"]"
                    )),
                    "{}: ENTRYPOINT does not start {assembly}.dll",
                    p.label
                );
                assert!(
                    xml.contains("Include=\"Amazon.Lambda.RuntimeSupport\""),
                    "{}",
                    p.label
                );
                let program = read(&csproj.parent().unwrap().join("Program.cs"));
                assert!(program.contains("LambdaBootstrapBuilder"), "{}", p.label);
            }
        }
    }
}

/// The value of a `PackageReference` to `package` in a project file.
fn package_version<'a>(xml: &'a str, package: &str) -> Option<&'a str> {
    let line = xml
        .lines()
        .find(|l| l.contains(&format!("<PackageReference Include=\"{package}\"")))?;
    attribute_values(line, "Version").into_iter().next()
}

/// A dotted version as numbers, for comparing (`3.2.0` < `3.10.0`).
fn version(text: &str) -> Vec<u64> {
    text.split('.')
        .map(|n| n.parse().unwrap_or_else(|_| panic!("version {text:?}")))
        .collect()
}

#[test]
fn publish_is_ready_to_run_for_the_chosen_architecture() {
    for p in projects_of(support::family_matrix("dotnet")) {
        let rid = match p.arch {
            Architecture::X86_64 => "linux-x64",
            Architecture::Arm64 => "linux-arm64",
        };
        let dockerfile = read(&p.function.join("Dockerfile"));
        let stages = support::dockerfile::parse(&dockerfile);
        let runs = &stages[0].runs;
        let [restore, publish] = &runs[..] else {
            panic!("{}: expected restore and publish: {runs:?}", p.label)
        };
        let words = |run: &str| {
            run.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let (restore, publish) = (words(restore), words(publish));
        for (what, run) in [("restore", &restore), ("publish", &publish)] {
            // The runtime identifier and ReadyToRun on both, so publish finds what restore got.
            assert!(
                run.windows(2).any(|w| w[0] == "-r" && w[1] == rid),
                "{}: {what} is not for {rid}: {run:?}",
                p.label
            );
            assert!(
                run.iter().any(|w| w == "-p:PublishReadyToRun=true"),
                "{}: {what} without ReadyToRun: {run:?}",
                p.label
            );
        }
        for flag in ["--no-restore", "--self-contained", "false"] {
            assert!(
                publish.iter().any(|w| w == flag),
                "{}: {publish:?}",
                p.label
            );
        }
        // The final stage runs on the architecture's own image (the README builds it with
        // --platform for that architecture).
        let readme = read(&p.function.join("../README.md"));
        let platform = match p.arch {
            Architecture::X86_64 => "linux/amd64",
            Architecture::Arm64 => "linux/arm64",
        };
        assert!(
            readme.contains(&format!("docker build --platform {platform} ")),
            "{}",
            p.label
        );
    }
}

#[test]
fn readme_runs_the_image_with_what_it_uses() {
    for p in projects() {
        let readme = read(&p.function.join("../README.md"));
        let dockerfile = read(&p.function.join("Dockerfile"));
        let last = support::dockerfile::parse(&dockerfile).pop().unwrap();
        let run = readme
            .lines()
            .skip_while(|l| !l.starts_with("docker run "))
            .take_while(|l| !l.starts_with("curl "))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("\\\n", " ");
        let words = shlex::split(&run).expect("a shell command");
        let image = words
            .iter()
            .position(|w| w.ends_with(":latest"))
            .expect("the image");
        let args = &words[image + 1..];
        match p.base {
            BaseKind::Aws => assert!(args.is_empty(), "{}: {run}", p.label),
            BaseKind::Alternative => {
                // Exactly the ENTRYPOINT: the image has no CMD and reads no handler.
                assert_eq!(Some(args.to_vec()), last.entrypoint, "{}: {run}", p.label);
                assert_eq!(last.cmd, None, "{}", p.label);
                assert!(
                    !run.contains("::"),
                    "{}: a handler string in {run}",
                    p.label
                );
            }
        }
    }
}

#[test]
fn function_logs_through_the_lambda_logger_with_levels() {
    for p in all_projects() {
        let source = read(&p.function.join("src/MyFn/Function.cs"));
        // Lambda's log level and JSON format apply to ILambdaContext.Logger, not Console.
        assert!(!source.contains("Console."), "{}: logs to Console", p.label);
        let calls: Vec<&str> = source
            .split("context.Logger.")
            .skip(1)
            .map(|rest| rest.split('(').next().unwrap())
            .collect();
        assert!(!calls.is_empty(), "{}: the function logs nothing", p.label);
        // Message templates keep the values as structured fields in JSON logs.
        for rest in source.split("context.Logger.Log").skip(1) {
            let message = rest.split_once('(').map_or("", |(_, m)| m.trim_start());
            assert!(
                !message.starts_with('$'),
                "{}: logs an interpolated string instead of a message template",
                p.label
            );
        }
        for call in calls {
            assert!(
                [
                    "LogTrace",
                    "LogDebug",
                    "LogInformation",
                    "LogWarning",
                    "LogError",
                    "LogCritical"
                ]
                .contains(&call),
                "{}: context.Logger.{call} has no level",
                p.label
            );
        }
        // The level methods (api's handler passes them message-template arguments): out of
        // preview in Amazon.Lambda.Core 2.4.0; RuntimeSupport 1.11.0 (the alternative base's runtime
        // client) writes them as JSON under AWS_LAMBDA_LOG_FORMAT and filters by _LEVEL.
        let csproj = read(&p.function.join("src/MyFn/MyFn.csproj"));
        let core = package_version(&csproj, "Amazon.Lambda.Core").expect("Amazon.Lambda.Core");
        assert!(
            version(core) >= version("2.4.0"),
            "{}: Core {core}",
            p.label
        );
        if p.base == BaseKind::Alternative {
            let support = package_version(&csproj, "Amazon.Lambda.RuntimeSupport")
                .expect("Amazon.Lambda.RuntimeSupport");
            assert!(
                version(support) >= version("1.11.0"),
                "{}: RuntimeSupport {support}",
                p.label
            );
        }
    }
}

/// The Amazon.Lambda event types the handlers use, by the package that declares them.
const EVENT_TYPES: &[(&str, &[&str])] = &[
    (
        "Amazon.Lambda.APIGatewayEvents",
        &[
            "APIGatewayProxyRequest",
            "APIGatewayProxyResponse",
            "APIGatewayHttpApiV2ProxyRequest",
            "APIGatewayHttpApiV2ProxyResponse",
        ],
    ),
    ("Amazon.Lambda.SQSEvents", &["SQSEvent", "SQSBatchResponse"]),
    ("Amazon.Lambda.SNSEvents", &["SNSEvent"]),
    ("Amazon.Lambda.S3Events", &["S3Event"]),
    (
        "Amazon.Lambda.DynamoDBEvents",
        &["DynamoDBEvent", "StreamsEventResponse"],
    ),
    ("Amazon.Lambda.CloudWatchEvents", &["CloudWatchEvent"]),
];

/// The type names in a C# type: `CloudWatchEvent<Detail>` is CloudWatchEvent and Detail;
/// namespace qualifiers are dropped.
fn type_names(csharp_type: &str) -> Vec<&str> {
    csharp_type
        .split(['<', '>', ',', ' '])
        .filter(|t| !t.is_empty())
        .map(|t| t.rsplit('.').next().unwrap())
        .collect()
}

/// Every `Amazon.Lambda.*` namespace or qualified name a C# source mentions.
fn lambda_names(source: &str) -> Vec<&str> {
    source
        .match_indices("Amazon.Lambda.")
        .map(|(at, _)| {
            let rest = &source[at..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn every_type_and_namespace_comes_from_a_referenced_package_and_every_package_is_used() {
    for p in all_projects() {
        let src = p.function.join("src/MyFn");
        let csproj = read(&src.join("MyFn.csproj"));
        let test_csproj = read(&p.function.join("test/MyFn.Tests/MyFn.Tests.csproj"));
        let references = |xml: &str| -> Vec<String> {
            xml.lines()
                .filter(|l| l.contains("<PackageReference"))
                .flat_map(|l| attribute_values(l, "Include"))
                .map(str::to_owned)
                .collect()
        };
        let packages = references(&csproj);
        // The test project sees its own packages and, transitively, the function's.
        let test_packages: Vec<String> = packages
            .iter()
            .cloned()
            .chain(references(&test_csproj))
            .collect();
        let function = read(&src.join("Function.cs"));
        let program = std::fs::read_to_string(src.join("Program.cs")).unwrap_or_default();
        let test = read(&p.function.join("test/MyFn.Tests/FunctionTest.cs"));
        let declared = |name: &str| {
            [&function, &program].iter().any(|s| {
                s.contains(&format!("public record {name}("))
                    || s.contains(&format!("public class {name}\n"))
            })
        };

        // Every Amazon.Lambda name lies in a package the project references.
        for (source, packages) in [
            (&function, &packages),
            (&program, &packages),
            (&test, &test_packages),
        ] {
            for name in lambda_names(source) {
                assert!(
                    packages
                        .iter()
                        .any(|pkg| name == pkg || name.starts_with(&format!("{pkg}."))),
                    "{}: {name} is in no referenced package {packages:?}",
                    p.label
                );
            }
        }

        // The handler's types are the project's own or come from a referenced events package
        // the source imports.
        let (returns, input) = handler_signature(&function, "FunctionHandler")
            .unwrap_or_else(|| panic!("{}: no FunctionHandler", p.label));
        let mut used_events = Vec::new();
        for name in type_names(returns).into_iter().chain(type_names(input)) {
            if name == "void" || name == "Task" || declared(name) {
                continue;
            }
            let (package, _) = EVENT_TYPES
                .iter()
                .find(|(_, types)| types.contains(&name))
                .unwrap_or_else(|| panic!("{}: {name} is declared nowhere", p.label));
            assert!(
                packages.iter().any(|pkg| pkg == package),
                "{}: {name} needs {package}",
                p.label
            );
            assert!(
                function.contains(&format!("\nusing {package};\n")),
                "{}: Function.cs does not import {package}",
                p.label
            );
            used_events.push(*package);
        }

        // No unused dependency: an events package is the handler's, an AWS SDK package
        // (AWSSDK.S3) is imported by its namespace (Amazon.S3), the others each named.
        for package in &packages {
            let used = if package.ends_with("Events") {
                used_events.contains(&package.as_str())
            } else if let Some(service) = package.strip_prefix("AWSSDK.") {
                function.contains(&format!("\nusing Amazon.{service};\n"))
            } else {
                lambda_names(&function)
                    .into_iter()
                    .chain(lambda_names(&program))
                    .any(|name| name == package || name.starts_with(&format!("{package}.")))
            };
            assert!(used, "{}: {package} is referenced but unused", p.label);
        }

        // The alternative base's Main runs the handler with its own types.
        if p.base == BaseKind::Alternative {
            let arguments = program
                .split(".Create<")
                .nth(1)
                .and_then(|rest| rest.split(">(").next())
                .unwrap_or_else(|| panic!("{}: no LambdaBootstrapBuilder.Create<...>", p.label));
            let mut expected = type_names(input);
            if returns != "void" && returns != "Task" {
                expected.extend(type_names(returns));
            }
            assert_eq!(type_names(arguments), expected, "{}: {arguments}", p.label);
        }
    }
}

/// Every string in an expectation: log texts, answer values, the HTTP body's message.
fn expected_strings(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => found.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| expected_strings(v, found)),
        serde_json::Value::Object(fields) => {
            fields.values().for_each(|v| expected_strings(v, found))
        }
        _ => {}
    }
}

#[test]
fn tests_replay_every_bundled_event_and_assert_its_expectation() {
    for p in trigger_projects() {
        let test = read(&p.function.join("test/MyFn.Tests/FunctionTest.cs"));
        let catalog = lambda_new::catalog::Catalog::embedded().unwrap();
        for event in &catalog.trigger(&p.trigger).unwrap().events {
            let file = &event.file;
            let reads = format!("Read(\"{file}\")");
            let line = test
                .lines()
                .find(|l| l.contains(&reads) || l.contains(&format!("\"events\", \"{file}\"")))
                .unwrap_or_else(|| panic!("{}: the tests do not read {file}", p.label));
            let expect = &event.expected();
            if expect["error"] == true {
                assert!(
                    line.contains("Throws"),
                    "{}: {file} must fail: {line}",
                    p.label
                );
            }
            let mut strings = Vec::new();
            expected_strings(expect, &mut strings);
            for text in strings {
                assert!(
                    test.contains(&format!("\"{text}\"")),
                    "{}: the tests do not assert {text:?} for {file}",
                    p.label
                );
            }
        }
    }
}
