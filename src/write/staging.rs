//! Staging directories: where a run keeps its files until they are in place (and, in an
//! existing directory, the files it replaces), and what a killed run left in one.
//!
//! A live run holds a lock on its staging directory, so another run can tell a stale one
//! (its run was killed, even by SIGKILL) from one in use.

use std::ffi::OsString;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::FileType;
use serde::{Deserialize, Serialize};

use super::at;
use crate::error::Error;

const PREFIX: &str = ".lambda-new-staging-";
/// A staging directory's name while it is made, before it is locked.
const CREATING: &str = ".lambda-new-creating-";
/// Inside a staging directory: the new files, the files moved aside, and the journal.
pub const NEW: &str = "new";
pub const REPLACED: &str = "replaced";
const JOURNAL: &str = "journal.json";

pub struct Staging {
    pub name: OsString,
    pub fd: OwnedFd,
}

impl Staging {
    /// Creates a staging directory in `parent`, locked before it has its name: it is made
    /// under a name no run looks for, locked, then renamed, so no other run ever sees it
    /// unlocked and takes it for a killed run's. `label` ends the name's fixed part, e.g. the
    /// project name.
    pub fn create(parent: &OwnedFd, label: &str) -> io::Result<Staging> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for attempt in 0u32.. {
            let suffix = format!(
                "{label}{}-{:x}",
                std::process::id(),
                nanos.wrapping_add(attempt)
            );
            let unnamed = OsString::from(format!("{CREATING}{suffix}"));
            let name = OsString::from(format!("{PREFIX}{suffix}"));
            let fd = match at::create_dir(parent, Path::new(&unnamed), 0o700) {
                Ok(fd) => fd,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => continue,
                Err(e) => return Err(e),
            };
            let named = at::try_lock(&fd).and_then(|locked| {
                if !locked {
                    return Err(io::Error::other("could not lock a directory it just made"));
                }
                at::rename_noreplace(parent, Path::new(&unnamed), parent, Path::new(&name))
            });
            match named {
                Ok(()) => return Ok(Staging { name, fd }),
                Err(e) => {
                    let _ = rustix::fs::unlinkat(parent, &unnamed, rustix::fs::AtFlags::REMOVEDIR);
                    if e.kind() != io::ErrorKind::AlreadyExists || attempt >= 100 {
                        return Err(e);
                    }
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// Records what placing the files will do, for whoever meets this directory if the run
    /// is killed.
    pub fn write_journal(&self, journal: &Journal) -> io::Result<()> {
        let json = serde_json::to_vec(journal).map_err(io::Error::other)?;
        at::create_file(&self.fd, Path::new(JOURNAL), &json, 0o600)
    }

    /// Marks the run as finished, before the rest is deleted: without a journal, what is left
    /// is not to be put back.
    pub fn finish(&self) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, JOURNAL, rustix::fs::AtFlags::empty())?;
        Ok(())
    }
}

/// Each planned file with the identity of its staged copy, the directories the run creates
/// (outermost first), and whether it runs `git init`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Journal {
    pub files: Vec<(String, at::Id)>,
    pub dirs: Vec<String>,
    pub git: bool,
}

/// Fails with what a stale staging directory in `dir` holds and how to restore, if there is
/// one whose name starts with `label`.
pub fn refuse_stale(dir: &OwnedFd, dir_path: &Path, label: &str) -> Result<(), Error> {
    let names = names(dir, dir_path)?;
    refuse_stale_among(&names, dir, dir_path, labelled(label))
}

/// As [`refuse_stale`] (for a new project `label` beside the others in `dir`), then for a
/// staging directory of a run that wrote into `dir` itself (`add`, `--init`, `--force`): one
/// read of `dir` for both.
pub fn refuse_stale_beside(dir: &OwnedFd, dir_path: &Path, label: &str) -> Result<(), Error> {
    let names = names(dir, dir_path)?;
    refuse_stale_among(&names, dir, dir_path, labelled(label))?;
    // Its label is empty, so its name goes on with the process id.
    refuse_stale_among(&names, dir, dir_path, |rest| {
        rest.first().is_some_and(u8::is_ascii_digit)
    })
}

fn labelled(label: &str) -> impl Fn(&[u8]) -> bool {
    move |rest| rest.starts_with(label.as_bytes())
}

fn names(dir: &OwnedFd, dir_path: &Path) -> Result<Vec<std::ffi::OsString>, Error> {
    at::names(dir).map_err(|source| Error::Io {
        action: "read",
        path: dir_path.to_path_buf(),
        source,
    })
}

/// Whether a directory entry is a staging directory, or one being made.
pub fn is_staging(name: &std::ffi::OsStr) -> bool {
    label_of(name).is_some()
}

/// What follows the fixed part of a staging directory's name (a killed run may leave one
/// still being made, empty and unlocked: it is stale too).
fn label_of(name: &std::ffi::OsStr) -> Option<&[u8]> {
    let name = name.as_encoded_bytes();
    [PREFIX, CREATING]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix.as_bytes()))
}

fn refuse_stale_among(
    names: &[std::ffi::OsString],
    dir: &OwnedFd,
    dir_path: &Path,
    label_matches: impl Fn(&[u8]) -> bool,
) -> Result<(), Error> {
    for name in names {
        let Some(rest) = label_of(name) else {
            continue;
        };
        if !label_matches(rest) {
            continue;
        }
        let Ok(staging) = at::open_dir(dir, Path::new(&name), false) else {
            continue;
        };
        if at::try_lock(&staging).unwrap_or(false) {
            let staging_path = dir_path.join(name);
            return Err(Error::StaleStaging {
                dir: dir_path.to_path_buf(),
                help: help(dir, &staging, dir_path, &staging_path),
                staging: staging_path,
            });
        }
    }
    Ok(())
}

/// What the stale staging directory holds, and the commands that undo its run.
fn help(dir: &OwnedFd, staging: &OwnedFd, dir_path: &Path, staging_path: &Path) -> String {
    let replaced = at::open_dir(staging, Path::new(REPLACED), false)
        .and_then(|fd| files_under(&fd, Path::new("")))
        .unwrap_or_default();
    let names: Vec<String> = replaced.iter().map(|p| p.display().to_string()).collect();
    let remove = format!("rm -r -- {}", quote(staging_path));
    let Some(journal) = read_journal(staging) else {
        // No journal: the run had not begun placing files, or had finished.
        return if replaced.is_empty() {
            format!(
                "  It holds no file of yours. Remove it:\n    {remove}\n  then run lambda-new again."
            )
        } else {
            format!(
                "  That run had placed all its files; it holds the ones it replaced, as --overwrite asked: {}.\n  Keep what you need from it, then remove it:\n    {remove}\n  then run lambda-new again.",
                names.join(", ")
            )
        };
    };
    let exists = |path: &Path| at::lstat(dir, path).is_ok_and(|e| e.is_some());
    let mut commands = Vec::new();
    if journal.git && exists(Path::new(".git")) {
        commands.push(format!("rm -r -- {}", quote(&dir_path.join(".git"))));
    }
    for (path, id) in &journal.files {
        // Only the files that run placed: a file of the same name with another identity is
        // not its.
        if at::lstat(dir, Path::new(path)).is_ok_and(|e| e.is_some_and(|e| e.id == *id)) {
            commands.push(format!("rm -- {}", quote(&dir_path.join(path))));
        }
    }
    for path in &replaced {
        commands.push(format!(
            "mv -- {} {}",
            quote(&staging_path.join(REPLACED).join(path)),
            quote(&dir_path.join(path))
        ));
    }
    for path in journal.dirs.iter().rev() {
        if exists(Path::new(path)) {
            commands.push(format!("rmdir -- {}", quote(&dir_path.join(path))));
        }
    }
    commands.push(remove);
    let holds = if replaced.is_empty() {
        "  It holds no file of yours, only generated ones.".to_owned()
    } else {
        format!(
            "  It holds {} file(s) of yours that it had moved aside to replace them: {}.",
            names.len(),
            names.join(", ")
        )
    };
    format!(
        "{holds}\n  To put {} back as it was before that run:\n{}\n  then run lambda-new again.",
        dir_path.display(),
        commands
            .iter()
            .map(|c| format!("    {c}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

fn quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    shlex::try_quote(&text).map_or_else(|_| format!("{text:?}"), |q| q.into_owned())
}

fn read_journal(staging: &OwnedFd) -> Option<Journal> {
    let fd = rustix::fs::openat(
        staging,
        JOURNAL,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()?;
    let mut json = String::new();
    std::fs::File::from(fd).read_to_string(&mut json).ok()?;
    serde_json::from_str(&json).ok()
}

/// Every non-directory under `dir`, relative to it.
fn files_under(dir: &OwnedFd, prefix: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for name in at::names(dir)? {
        let path = prefix.join(&name);
        match at::lstat(dir, Path::new(&name))? {
            Some(e) if e.kind == FileType::Directory => {
                let inner = at::open_dir(dir, Path::new(&name), false)?;
                files.extend(files_under(&inner, &path)?);
            }
            Some(_) => files.push(path),
            None => {}
        }
    }
    files.sort();
    Ok(files)
}
