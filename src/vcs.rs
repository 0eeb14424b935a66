//! Whether to put the new project under git: asks git, writes nothing.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::choices::Vcs;
use crate::error::Error;

/// `--vcs git` needs git; by default, git is used when installed and the output directory is
/// not already inside a work tree (like `cargo new`).
pub fn wants_git(vcs: Option<Vcs>, output_dir: &Path) -> Result<bool, Error> {
    match vcs {
        Some(Vcs::None) => Ok(false),
        Some(Vcs::Git) if !git_available() => Err(Error::GitMissing),
        Some(Vcs::Git) => Ok(true),
        None => Ok(git_available() && !inside_work_tree(output_dir)),
    }
}

fn git_available() -> bool {
    git().arg("--version").status().is_ok_and(|s| s.success())
}

fn inside_work_tree(dir: &Path) -> bool {
    git()
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success())
}

pub fn git() -> Command {
    let mut cmd = Command::new("git");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}
