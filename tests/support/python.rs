//! The Python interpreters this machine has, for running a project on its own runtime's Python.
//!
//! Debian bookworm packages only 3.11 and uv's downloads are out of reach, but the machine's
//! pyenv (`$PYENV_ROOT`, else ~/.pyenv) holds several versions.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The interpreter for Python `version` ("3.9"): pyenv's newest patch release, else
/// `python3.9` on PATH (not a pyenv shim, which refuses a version it is not set to), else None.
pub fn interpreter(version: &str) -> Option<PathBuf> {
    pyenv(version).or_else(|| {
        super::which(&format!("python{version}"))
            .filter(|p| !p.to_string_lossy().contains("/shims/"))
    })
}

fn pyenv(version: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")))?;
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let patch = name.strip_prefix(&format!("{version}."))?.parse().ok()?;
            let python = root
                .join("versions")
                .join(&name)
                .join(format!("bin/python{version}"));
            python.exists().then_some((patch, python))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, python)| python)
}

/// The interpreter for `version`, else (with a printed NOTE naming `what`) the machine's
/// python3 itself (not a shim in front of it).
pub fn interpreter_or_host(version: &str, what: &str) -> PathBuf {
    interpreter(version).unwrap_or_else(|| {
        println!("NOTE: no Python {version} on this machine; {what} runs on its python3");
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}
