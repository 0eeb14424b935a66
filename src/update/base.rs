//! What lambda-new generated for a file, recovered offline and proven by the SHA-256 recorded
//! when it was generated: this binary's render of the recorded answers (exact whenever the
//! templates did not change), else a version of the file in the project's git history.

use std::path::Path;
use std::process::Stdio;

use crate::answers::sha256;

/// How far back the history is searched for one file.
const MAX_REVISIONS: usize = 200;

/// Where a file's base came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// This lambda-new's render of the recorded answers.
    Render,
    /// A commit of the project's git history.
    Git,
}

/// The bytes whose SHA-256 is `recorded`: `rendered` if they are, else the newest version of
/// `path` (relative to `project`) in git's history that is.
pub fn recover(
    project: &Path,
    path: &str,
    recorded: &str,
    rendered: Option<&[u8]>,
    git: bool,
) -> Option<(Vec<u8>, Source)> {
    if let Some(bytes) = rendered.filter(|b| sha256(b) == recorded) {
        return Some((bytes.to_vec(), Source::Render));
    }
    if !git {
        return None;
    }
    let log = output(project, &["log", "--format=%H", "--", path])?;
    String::from_utf8_lossy(&log)
        .lines()
        .take(MAX_REVISIONS)
        .find_map(|commit| {
            let blob = output(project, &["show", &format!("{commit}:./{path}")])?;
            (sha256(&blob) == recorded).then_some((blob, Source::Git))
        })
}

/// git's standard output, if it ran and succeeded.
fn output(project: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = crate::vcs::git()
        .args(args)
        .current_dir(project)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// The paths under `project` that git reports as changed or untracked, if it is inside a
/// work tree; `Err` with git's message if git could not tell.
pub fn dirty(project: &Path) -> Result<Vec<String>, String> {
    let out = crate::vcs::git()
        .args(["status", "--porcelain", "--untracked-files=all", "--", "."])
        .current_dir(project)
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("git could not be run: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.get(3..).unwrap_or(l).to_owned())
        .collect())
}
