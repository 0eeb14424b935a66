//! Functions named after what the generated project imports: the language's keywords, its
//! standard library, its test tools and the project's own modules. Each gets a package,
//! module or namespace name that collides with none of them, and the project's own tests
//! or compiler prove it (a sample per family keeps the run short).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_new::catalog::{Catalog, Reserved};
use lambda_new::name::FunctionName;

fn reserved(family: &str) -> Vec<String> {
    reserved_list(family).words()
}

fn reserved_list(family: &str) -> Reserved {
    let catalog = Catalog::embedded().unwrap();
    let family = catalog.families.iter().find(|f| f.id == family).unwrap();
    family.reserved_identifiers()
}

/// `named` plus every `step`-th reserved word, each only if it is a valid function name.
fn sample(family: &str, named: &[&str], step: usize) -> Vec<String> {
    let mut names: Vec<String> = named.iter().map(|n| n.to_string()).collect();
    names.extend(reserved(family).into_iter().step_by(step));
    names.retain(|n| FunctionName::parse(n).is_ok());
    names.sort();
    names.dedup();
    names
}

/// Generates one project per name into `out` (`out/NAME`), with the family's newest runtime.
fn generate(out: &Path, family: &str, names: &[String]) {
    for name in names {
        support::run(
            support::lambda_new()
                .args([
                    name,
                    "--runtime",
                    family,
                    "--vcs=none",
                    "--no-interactive",
                    "-q",
                ])
                .arg("--output-dir")
                .arg(out),
        );
    }
}

/// A venv with pytest as the generated requirements-dev.txt pins it, reused while they match.
/// Two tests ask for it at once: one makes it while the other waits.
fn python_venv(requirements: &Path) -> PathBuf {
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pins = std::fs::read_to_string(requirements).unwrap();
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-names-venv");
    let stamp = venv.join("requirements-dev.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(pins.as_str()) {
        let _ = std::fs::remove_dir_all(&venv);
        support::run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        support::run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(requirements),
        );
        std::fs::copy(requirements, &stamp).unwrap();
    }
    venv
}

#[test]
fn python_projects_named_after_keywords_modules_and_tools_pass_pytest() {
    if !support::require_tool("python3", "runs the generated projects' pytest suites") {
        return;
    }
    let started = Instant::now();
    let keywords = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "type", "while", "with", "yield",
    ];
    let imported = [
        "textwrap",
        "traceback",
        "locale",
        "site",
        "random",
        "inspect",
        "typing",
        "encodings",
        "pytest",
        "pluggy",
        "iniconfig",
        "packaging",
        "pygments",
        "py",
        "certifi",
        "test_handler",
        "Test-Handler",
        "conftest",
        "tests",
        "app",
    ];
    let names = sample("python", &[&keywords[..], &imported[..]].concat(), 24);
    let out = tempfile::tempdir().unwrap();
    generate(out.path(), "python", &names);
    let venv = python_venv(
        &out.path()
            .join(&names[0])
            .join(&names[0])
            .join("function/requirements-dev.txt"),
    );
    for name in &names {
        support::run(
            Command::new(venv.join("bin/pytest"))
                .args(["-q", "-p", "no:cacheprovider"])
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .current_dir(out.path().join(name).join(name).join("function")),
        );
    }
    println!(
        "{} Python projects passed pytest in {:.1?}",
        names.len(),
        started.elapsed()
    );
}

#[test]
fn go_projects_named_after_keywords_and_packages_vet_and_test() {
    if !support::require_tool("go", "builds and tests the generated Go projects") {
        return;
    }
    let started = Instant::now();
    let keywords = [
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "fallthrough",
        "for",
        "func",
        "go",
        "goto",
        "if",
        "import",
        "interface",
        "map",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "type",
        "var",
    ];
    let names = sample(
        "go",
        &[&keywords[..], &["main", "testing", "net"]].concat(),
        6,
    );
    let out = tempfile::tempdir().unwrap();
    generate(out.path(), "go", &names);
    // One workspace over every project: one go command vets and tests them all, on the Go
    // release the generated go.mod asks for.
    let env = support::go_env();
    let mut modules = Vec::new();
    let mut work = Command::new("go");
    work.args(["work", "init"])
        .current_dir(out.path())
        .envs(env.iter().map(|(k, v)| (k, v)));
    for name in &names {
        let go_mod =
            std::fs::read_to_string(out.path().join(name).join(name).join("function/go.mod"))
                .unwrap();
        let module = go_mod
            .lines()
            .next()
            .unwrap()
            .strip_prefix("module ")
            .unwrap();
        modules.push(module.to_owned());
        work.arg(format!("./{name}/{name}/function"));
    }
    support::run(&mut work);
    support::run(
        Command::new("go")
            .arg("vet")
            .args(&modules)
            .current_dir(out.path())
            .envs(env.iter().map(|(k, v)| (k, v))),
    );
    support::run(
        Command::new("go")
            .args(["test", "-count=1"])
            .args(&modules)
            .current_dir(out.path())
            .envs(env.iter().map(|(k, v)| (k, v))),
    );
    println!(
        "{} Go projects passed go vet and go test in {:.1?}",
        names.len(),
        started.elapsed()
    );
}

/// The names the generated C# code looks up from namespace scope: capitalised simple names
/// (not after a '.'), outside comments and strings, that are not member declarations,
/// member initialisers or method calls.
fn csharp_scope_names(project: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![support::function_folder(project).join("function")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "cs") {
                found.extend(scope_names(&strip_comments_and_strings(
                    &std::fs::read_to_string(&path).unwrap(),
                )));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn strip_comments_and_strings(code: &str) -> String {
    let mut out = String::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap();
        let mut in_string = false;
        for c in line.chars() {
            if c == '"' {
                in_string = !in_string;
            } else if !in_string {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

fn scope_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        let before = code[..code.len() - rest.len() + start].trim_end();
        let word_len = rest[start..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        let after = rest[start + word_len..].trim_start();
        let is_call_or_declaration = after.starts_with('(')
            && !(before.ends_with("new") || before.ends_with('[') || before.ends_with(':'));
        let is_member =
            (after.starts_with('=') && !after.starts_with("==")) || before.ends_with("nameof(");
        if word.starts_with(|c: char| c.is_ascii_uppercase())
            && !before.ends_with('.')
            && !is_call_or_declaration
            && !is_member
        {
            names.push(word.to_owned());
        }
        rest = &rest[start + word_len..];
    }
    names
}

/// No .NET SDK here: the proof is that a function named after any identifier the generated
/// C# code uses (or a framework type the implicit usings bring in) gets a namespace that
/// is none of them.
#[test]
fn dotnet_namespaces_avoid_every_name_the_code_uses() {
    let mut used = Vec::new();
    for base in ["aws", "alternative"] {
        let name = format!("probe-{base}");
        let (_dir, project) = support::generate(&[
            &name,
            "--runtime",
            "dotnet",
            "--base",
            base,
            "--vcs",
            "none",
        ]);
        let namespace = FunctionName::parse(&name)
            .unwrap()
            .pascal_identifier(&Reserved::default());
        let names = csharp_scope_names(&project);
        used.extend(names.into_iter().filter(|n| *n != namespace));
    }
    used.sort();
    used.dedup();
    println!("names the C# code looks up: {used:?}");
    for needed in [
        "File", "Path", "Assert", "Task", "Function", "Program", "Xunit", "System",
    ] {
        assert!(
            used.iter().any(|u| u == needed),
            "{needed} not found in the C# code"
        );
    }
    let reserved = reserved("dotnet");
    let missing: Vec<&String> = used.iter().filter(|u| !reserved.contains(u)).collect();
    assert!(
        missing.is_empty(),
        "the C# code uses {missing:?}: add them to reserved_identifiers"
    );
    let mut taken = used.clone();
    taken.extend(reserved.iter().cloned());
    taken.extend(["Console", "Math", "Environment", "List", "HttpClient"].map(String::from));
    for word in &taken {
        for form in [
            word.clone(),
            word.to_lowercase(),
            format!("{}-fn", word.to_lowercase()),
        ] {
            let Ok(name) = FunctionName::parse(&form) else {
                continue;
            };
            let namespace = name.pascal_identifier(&reserved_list("dotnet"));
            assert!(
                !used.contains(&namespace) && !reserved.contains(&namespace),
                "a function named {form:?} gets the namespace {namespace:?}, which the code uses"
            );
        }
    }
}

/// Dependencies compile once: every generated Rust project shares this target directory
#[test]
fn rust_projects_named_after_keywords_and_crates_pass_cargo_test() {
    if !support::require_tool("cargo", "builds and tests the generated Rust projects") {
        return;
    }
    let started = Instant::now();
    let names = sample(
        "rust",
        &[
            "type", "fn", "async", "self", "crate", "std", "core", "test", "tokio", "serde",
        ],
        24,
    );
    let out = tempfile::tempdir().unwrap();
    generate(out.path(), "rust", &names);
    for name in &names {
        support::run(
            Command::new("cargo")
                .args(["test", "--quiet"])
                .current_dir(out.path().join(name).join(name).join("function"))
                .env("CARGO_TARGET_DIR", support::generated_rust_target())
                .env("CARGO_TERM_COLOR", "never"),
        );
    }
    println!(
        "{} Rust projects passed cargo test in {:.1?}",
        names.len(),
        started.elapsed()
    );
}

#[test]
fn java_projects_named_after_keywords_and_packages_compile_and_test() {
    if !support::require_tool("mvn", "builds and tests the generated Java projects") {
        return;
    }
    let Some(jdk) = jdk25() else { return };
    let started = Instant::now();
    let names = sample(
        "java",
        &[
            "class", "int", "true", "null", "var", "record", "java", "package", "import", "com",
            "org",
        ],
        10,
    );
    let out = tempfile::tempdir().unwrap();
    generate(out.path(), "java", &names);
    // One aggregator: one Maven run builds and tests every project.
    let modules: String = names
        .iter()
        .map(|n| format!("    <module>{n}/{n}/function</module>\n"))
        .collect();
    std::fs::write(
        out.path().join("pom.xml"),
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  \
             <groupId>names</groupId>\n  <artifactId>all</artifactId>\n  <version>1</version>\n  \
             <packaging>pom</packaging>\n  <modules>\n{modules}  </modules>\n</project>\n"
        ),
    )
    .unwrap();
    support::run(
        Command::new("mvn")
            .args(["-B", "-q", "test", "-Dmaven.compiler.failOnWarning=true"])
            .arg(format!("-DargLine={FAST_JVM}"))
            .current_dir(out.path())
            .env("JAVA_HOME", jdk)
            .env("MAVEN_OPTS", FAST_JVM),
    );
    println!(
        "{} Java projects passed mvn test in {:.1?}",
        names.len(),
        started.elapsed()
    );
}

/// Short builds finish sooner with the JIT stopped at C1 (as tests/family_java.rs does).
const FAST_JVM: &str = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

/// The JDK 25 that .ci/install/java.sh checks for; it compiles every Java runtime.
fn jdk25() -> Option<PathBuf> {
    let home = std::env::var_os("JAVA25_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/lib/jvm/temurin-25-jdk-amd64".into());
    if home.join("bin/javac").is_file() {
        return Some(home);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("JDK 25 is required under CI=true (set JAVA25_HOME)");
    }
    eprintln!("SKIPPED: no JDK 25 at {} (set JAVA25_HOME)", home.display());
    None
}

/// Node.js projects take their package name from the function's name: one named after a
/// package it depends on, or a core module, still installs from its lock file and passes.
#[test]
fn nodejs_projects_named_after_their_dependencies_pass_npm_test() {
    if !support::require_tool("npm", "installs and tests the generated Node.js projects") {
        return;
    }
    let started = Instant::now();
    let out = tempfile::tempdir().unwrap();
    for (name, language) in [
        ("typescript", "typescript"),
        ("undici-types", "typescript"),
        ("http", "javascript"),
        ("test", "javascript"),
    ] {
        support::run(
            support::lambda_new()
                .args([name, "--runtime", "nodejs", "--language", language])
                .args(["--vcs=none", "--no-interactive", "-q", "--output-dir"])
                .arg(out.path()),
        );
        let function = out.path().join(name).join(name).join("function");
        for args in [&["ci", "--no-audit", "--no-fund"][..], &["test"]] {
            support::run(
                Command::new("npm")
                    .args(args)
                    .current_dir(&function)
                    .env("npm_config_update_notifier", "false"),
            );
        }
    }
    println!(
        "Node.js projects passed npm test in {:.1?}",
        started.elapsed()
    );
}

/// Ruby code never carries the function's name outside comments (the handler is always
/// `app.App.handler`); Ruby's syntax check agrees for names that are its keywords.
#[test]
fn ruby_projects_named_after_keywords_pass_the_syntax_check() {
    if !support::require_tool("ruby", "checks the generated Ruby projects") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let names = [
        "BEGIN", "END", "class", "def", "end", "module", "nil", "self", "then",
    ];
    let names: Vec<String> = names.map(String::from).to_vec();
    generate(out.path(), "ruby", &names);
    for name in &names {
        let function = out.path().join(name).join(name).join("function");
        for file in ["app.rb", "Rakefile", "test/app_test.rb"] {
            support::run(Command::new("ruby").arg("-wc").arg(function.join(file)));
        }
    }
}

/// Every name in `words` that a function name can turn into is reserved.
fn assert_reserved(family: &str, source: &str, words: &str) {
    let reserved = reserved(family);
    let missing: Vec<&str> = words
        .split_whitespace()
        .filter(|w| !reserved.iter().any(|r| r == w))
        .collect();
    assert!(
        missing.is_empty(),
        "{family}: {source} has {missing:?}, which reserved_identifiers lacks"
    );
}

/// The Python list against the machine's interpreter and the generated project's dev venv:
/// every standard-library module, keyword and installed top-level module is reserved.
#[test]
fn python_reserves_what_the_interpreter_and_venv_provide() {
    if !support::require_tool("python3", "lists the standard library and keywords") {
        return;
    }
    let script = "import sys, keyword; print(*sys.stdlib_module_names, *keyword.kwlist, *keyword.softkwlist)";
    let output = support::run(Command::new("python3").args(["-c", script]));
    assert_reserved(
        "python",
        "python3",
        &String::from_utf8_lossy(&output.stdout),
    );

    let out = tempfile::tempdir().unwrap();
    generate(out.path(), "python", &["probe".to_owned()]);
    let venv = python_venv(&out.path().join("probe/probe/function/requirements-dev.txt"));
    let script = "import importlib.metadata as m; print(*m.packages_distributions())";
    let output = support::run(Command::new(venv.join("bin/python")).args(["-c", script]));
    assert_reserved(
        "python",
        "the dev venv",
        &String::from_utf8_lossy(&output.stdout),
    );
}

/// The Go list against `go list std` of the Go release the projects ask for: every top-level standard-library path is reserved.
#[test]
fn go_reserves_every_standard_library_path() {
    if !support::require_tool("go", "lists the standard library") {
        return;
    }
    let env = support::go_env();
    let output = support::run(
        Command::new("go")
            .args(["list", "std"])
            .envs(env.iter().map(|(k, v)| (k, v))),
    );
    let top_level: String = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|path| path.split('/').next().unwrap().to_owned() + " ")
        .collect();
    assert_reserved("go", "go list std", &top_level);
}

/// The Rust list against the generated Cargo.lock: a crate named like one of its
/// dependencies would shadow it, so every locked crate is reserved (as a crate name).
#[test]
fn rust_reserves_every_locked_crate() {
    let mut crates = String::new();
    for base in ["aws", "alternative"] {
        let name = format!("probe-{base}");
        let (_dir, project) =
            support::generate(&[&name, "--runtime", "rust", "--base", base, "--vcs", "none"]);
        let lock =
            std::fs::read_to_string(support::function_folder(&project).join("function/Cargo.lock"))
                .unwrap();
        let lock: toml::Table = toml::from_str(&lock).unwrap();
        for package in lock["package"].as_array().unwrap() {
            let crate_name = package["name"].as_str().unwrap().replace('-', "_");
            if !crate_name.starts_with("probe_") {
                crates.push_str(&crate_name);
                crates.push(' ');
            }
        }
    }
    assert!(crates.contains("lambda_runtime "), "{crates}");
    assert_reserved("rust", "Cargo.lock", &crates);
}
