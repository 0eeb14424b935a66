//! Whether to put the new project under git: asks git, writes nothing.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::choices::Vcs;
use crate::error::Error;

/// `--vcs git` needs git; by default, git is used when installed and the output directory is
/// not already inside a work tree (like `cargo new`).
pub fn wants_git(vcs: Option<Vcs>, output_dir: &Path) -> Result<bool, Error> {
    if vcs == Some(Vcs::None) {
        return Ok(false);
    }
    // One spawn answers both questions: it fails to start when git is missing.
    let inside = git()
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(output_dir)
        .status()
        .map(|status| status.success());
    match (vcs, inside) {
        (Some(Vcs::Git), Err(_)) => Err(Error::GitMissing),
        (Some(Vcs::Git), Ok(_)) => Ok(true),
        (_, inside) => Ok(matches!(inside, Ok(false))),
    }
}

pub fn git() -> Command {
    let mut cmd = Command::new("git");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}
