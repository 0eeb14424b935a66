//! `--values-file` with hostile files: FIFOs, devices, huge or deeply nested files,
//! duplicate keys, the wrong extension. Each is refused quickly, with its own reason and
//! exit code 2, and nothing is written.

mod support;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use support::disk::mkfifo;

/// Far more than any refusal needs; a run that blocks or parses for long fails here.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A refusal that is "fast": reading at most 64 KiB and checking it.
const FAST: Duration = Duration::from_secs(2);

/// Runs with the values file and checks: exit 2, the reason on stderr, fast, nothing written.
fn refused(dir: &Path, values_file: &Path, reason: &str) {
    let started = Instant::now();
    let output = Command::cargo_bin("lambda-new")
        .unwrap()
        .current_dir(dir)
        .args(["my-fn", "--vcs=none", "--no-interactive", "--values-file"])
        .arg(values_file)
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{values_file:?}: {stderr}");
    assert!(
        stderr.contains("cannot read values file") && stderr.contains(reason),
        "{values_file:?}: expected {reason:?} in: {stderr}"
    );
    assert!(
        stderr.len() < 1000,
        "{values_file:?}: {} bytes",
        stderr.len()
    );
    assert!(elapsed < FAST, "{values_file:?} took {elapsed:?}");
    assert!(!dir.join("my-fn").exists());
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["values.toml", "values.yaml"] {
        let fifo = dir.path().join(name);
        mkfifo(&fifo);
        refused(dir.path(), &fifo, "it is a FIFO (named pipe)");
    }
}

#[test]
fn devices_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    for (device, name) in [("/dev/zero", "zero.yaml"), ("/dev/urandom", "random.toml")] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(device, &link).unwrap();
        refused(dir.path(), &link, "it is a character device");
    }
    let sub = dir.path().join("dir.toml");
    fs::create_dir(&sub).unwrap();
    refused(dir.path(), &sub, "it is a directory");
}

#[test]
fn the_extension_is_checked_before_the_file_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    // Opening this FIFO would block: the extension must be refused first.
    let fifo = dir.path().join("values.txt");
    mkfifo(&fifo);
    refused(dir.path(), &fifo, "use a .toml, .yaml or .yml file");
    let text = dir.path().join("values.txt.bak");
    fs::write(&text, "name = \"x\"\n").unwrap();
    refused(dir.path(), &text, "use a .toml, .yaml or .yml file");
}

#[test]
fn files_over_the_cap_are_refused_reading_no_more_than_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    // Sparse: 1 GiB that costs nothing on disk; reading it whole would cost the memory.
    let file = fs::File::create(&big).unwrap();
    file.set_len(1 << 30).unwrap();
    refused(dir.path(), &big, "it is larger than 64 KiB");
    let just_over = dir.path().join("over.toml");
    fs::write(
        &just_over,
        format!("description = \"{}\"\n", "x".repeat(64 * 1024)),
    )
    .unwrap();
    refused(dir.path(), &just_over, "it is larger than 64 KiB");
}

#[test]
fn deep_nesting_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let unclosed = dir.path().join("unclosed.yaml");
    fs::write(&unclosed, "[".repeat(60_000)).unwrap();
    refused(
        dir.path(),
        &unclosed,
        "brackets nest deeper than 512 levels",
    );
    let balanced = dir.path().join("balanced.yaml");
    let depth = 30_000;
    fs::write(
        &balanced,
        format!("name: {}{}\n", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    refused(
        dir.path(),
        &balanced,
        "brackets nest deeper than 512 levels",
    );
    let flow = dir.path().join("flow.yml");
    fs::write(&flow, format!("name: {}\n", "{a: ".repeat(2_000))).unwrap();
    refused(dir.path(), &flow, "brackets nest deeper than 512 levels");
    let toml = dir.path().join("deep.toml");
    fs::write(
        &toml,
        format!("name = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    refused(dir.path(), &toml, "max recursion depth");
    // Indentation nests too; the size cap bounds it and the parser's own limit stops it.
    let indented = dir.path().join("indented.yaml");
    let text: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    fs::write(&indented, text).unwrap();
    refused(dir.path(), &indented, "recursion limit exceeded");
}

/// Aliases that expand exponentially ("billion laughs") in a few hundred bytes.
#[test]
fn alias_bombs_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.yaml");
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    fs::write(&bomb, text).unwrap();
    refused(dir.path(), &bomb, "repetition limit exceeded");
}

#[test]
fn duplicate_keys_are_refused_in_yaml_as_in_toml() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("dup.yaml");
    fs::write(&yaml, "timeout: 5\nname: a\ntimeout: 9\n").unwrap();
    refused(dir.path(), &yaml, "duplicate entry with key \"timeout\"");
    let toml = dir.path().join("dup.toml");
    fs::write(&toml, "timeout = 5\ntimeout = 9\n").unwrap();
    refused(dir.path(), &toml, "duplicate key");
}

#[test]
fn parser_messages_quote_no_more_than_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let long_line = dir.path().join("long.toml");
    fs::write(&long_line, format!("name = \"{}", "n".repeat(60_000))).unwrap();
    refused(dir.path(), &long_line, "line 1, column");
    let long_key = dir.path().join("long.yaml");
    let key = "k".repeat(1_000);
    fs::write(&long_key, format!("{key}: 1\n{key}: 2\n")).unwrap();
    refused(dir.path(), &long_key, "duplicate entry with key");
}

/// The checks refuse only what they must: a normal file at the cap still works.
#[test]
fn a_regular_file_within_the_limits_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yml");
    let description = "[nested [brackets]] in {text}";
    fs::write(
        &values,
        format!("timeout: 42\ndescription: \"{description}\"\n"),
    )
    .unwrap();
    Command::cargo_bin("lambda-new")
        .unwrap()
        .current_dir(dir.path())
        .args(["my-fn", "--vcs=none", "--no-interactive", "--values-file"])
        .arg(&values)
        .timeout(TIMEOUT)
        .assert()
        .success();
    let template = fs::read_to_string(dir.path().join("my-fn/template.yaml")).unwrap();
    assert!(template.contains("Timeout: 42"), "{template}");
    assert!(template.contains(description), "{template}");
}
