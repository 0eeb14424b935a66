//! The .NET family's generated projects, checked without a .NET SDK (none can be installed
//! here: NuGet and Microsoft's download sites are out of reach). These are the consistency
//! checks a build would otherwise make first: the handler string names the assembly,
//! namespace, class and method the sources declare; every path in a project or solution file
//! points at a generated file; the Dockerfile copies what exists and starts what it builds.
//! Nothing here compiles C#, restores packages or runs the xUnit tests.

mod support;

use std::path::{Path, PathBuf};

use lambda_new::choices::BaseKind;

struct Project {
    label: String,
    base: BaseKind,
    handler: String,
    function: PathBuf,
    _root: tempfile::TempDir,
}

fn projects() -> Vec<Project> {
    support::family_combos("dotnet")
        .into_iter()
        .map(|combo| {
            let root = tempfile::tempdir().unwrap();
            let plan = support::render(&combo, "my-fn");
            lambda_new::write::write(&plan, &root.path().join("my-fn")).unwrap();
            let readme = read(&root.path().join("my-fn/README.md"));
            let handler = readme
                .split("handler `")
                .nth(1)
                .and_then(|rest| rest.split('`').next())
                .expect("README names the handler")
                .to_owned();
            Project {
                label: combo.label(),
                base: combo.base,
                handler,
                function: root.path().join("my-fn/function"),
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
    for p in projects().iter().filter(|p| p.base == BaseKind::Aws) {
        let parts: Vec<&str> = p.handler.split("::").collect();
        let [assembly, type_name, method] = parts[..] else {
            panic!(
                "{}: handler {:?} is not Assembly::Namespace.Class::Method",
                p.label, p.handler
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
        assert!(
            source.contains(&format!("public APIGatewayProxyResponse {method}(APIGatewayProxyRequest request, ILambdaContext context)")),
            "{}: method",
            p.label
        );
        assert!(
            source.contains("[assembly: LambdaSerializer("),
            "{}: serializer",
            p.label
        );
    }
}

#[test]
fn project_and_solution_paths_resolve() {
    for p in projects() {
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
        // Test project: the src reference and the event; solution: both projects.
        assert_eq!(checked, 4, "{}: expected 4 paths to check", p.label);
    }
}

#[test]
fn dockerfile_copies_what_exists_and_starts_what_it_builds() {
    for p in projects() {
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
                    dockerfile.contains(&format!("CMD [\"{}\"]", p.handler)),
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
