//! Whether to put the new project under git, and the one git process a run may start.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::choices::Vcs;
use crate::error::Error;

/// `--vcs git` needs git; by default, git is used when installed and the output directory is
/// not already inside a work tree (like `cargo new`). Answered without running git.
pub fn wants_git(vcs: Option<Vcs>, output_dir: &Path) -> Result<bool, Error> {
    match vcs {
        Some(Vcs::None) => Ok(false),
        Some(Vcs::Git) if installed().is_none() => Err(Error::GitMissing),
        Some(Vcs::Git) => Ok(true),
        None => Ok(installed().is_some() && !inside_work_tree(output_dir)),
    }
}

/// The git executable on PATH.
fn installed() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("git"))
        .find(|git| {
            git.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// As `git rev-parse --is-inside-work-tree` answers, ignoring `GIT_*` variables as the
/// `git init` of [`git`] does.
pub fn inside_work_tree(dir: &Path) -> bool {
    matches!(
        gix_discover::upwards(dir),
        Ok((
            gix_discover::repository::Path::WorkTree(_)
                | gix_discover::repository::Path::LinkedWorkTree { .. },
            _
        ))
    )
}

/// git with no `GIT_*` variable: inside a git hook, `GIT_DIR` and `GIT_WORK_TREE` point at
/// another repository, and `git init` would write there instead of into the project.
pub fn git() -> Command {
    let mut cmd = Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.as_encoded_bytes().starts_with(b"GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}
