//! The only code that touches the disk: writes a plan as a new directory, all or nothing.
//!
//! The target is claimed first with `create_dir` (which fails if anything is there), the
//! files are written into a temporary directory beside it, and that directory is renamed
//! over the claimed, still-empty target. Any failure removes the temporary directory and
//! the claim, so no half-written project is ever left, and nothing that existed is touched.

use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::render::Plan;

/// `OUTPUT_DIR/NAME`, as plain `NAME` for the default output directory (it reads better in
/// messages and commands to copy).
pub fn target(output_dir: &Path, name: &str) -> PathBuf {
    if output_dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        output_dir.join(name)
    }
}

/// Fails as [`write`] would if the target cannot be created; `--dry-run` asks this too.
pub fn check_target(target: &Path) -> Result<(), Error> {
    let parent = parent_of(target);
    if !parent.is_dir() {
        return Err(Error::OutputDirMissing(parent.to_path_buf()));
    }
    if fs::symlink_metadata(target).is_ok() {
        return Err(Error::DestinationExists(target.to_path_buf()));
    }
    Ok(())
}

fn parent_of(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes the project.
pub fn write(plan: &Plan, target: &Path) -> Result<(), Error> {
    write_project(plan, target, false)
}

/// Writes the project and runs `git init` in it before it is moved into place, so a failing
/// git leaves nothing behind either.
pub fn write_with_git(plan: &Plan, target: &Path) -> Result<(), Error> {
    write_project(plan, target, true)
}

fn write_project(plan: &Plan, target: &Path, init_git: bool) -> Result<(), Error> {
    check_target(target)?;
    let parent = parent_of(target);
    for file in &plan.files {
        if !Path::new(&file.path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(Error::Internal(format!(
                "unsafe path in plan: {:?}",
                file.path
            )));
        }
    }

    fs::create_dir(target).map_err(|source| match source.kind() {
        ErrorKind::AlreadyExists => Error::DestinationExists(target.to_path_buf()),
        _ => Error::Io {
            action: "create",
            path: target.to_path_buf(),
            source,
        },
    })?;
    let staged = stage(plan, parent, target, init_git).and_then(|staging| {
        fs::rename(staging.path(), target).map_err(|source| Error::Io {
            action: "move the new project into",
            path: target.to_path_buf(),
            source,
        })?;
        // Renamed away: nothing left for the guard to delete.
        let _ = staging.keep();
        Ok(())
    });
    if staged.is_err() {
        // Only our own, still-empty claim: remove_dir refuses anything else.
        let _ = fs::remove_dir(target);
    }
    staged
}

/// Writes every file into a fresh temporary directory beside the target; dropped on error.
fn stage(
    plan: &Plan,
    parent: &Path,
    target: &Path,
    init_git: bool,
) -> Result<tempfile::TempDir, Error> {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.lambda-new-"))
        .tempdir_in(parent)
        .map_err(|source| Error::Io {
            action: "create a temporary directory in",
            path: parent.to_path_buf(),
            source,
        })?;
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    for file in &plan.files {
        let path = staging.path().join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        fs::write(&path, &file.contents).map_err(io("write", &path))?;
        set_mode(&path, if file.executable { 0o755 } else { 0o644 })
            .map_err(io("set permissions of", &path))?;
    }
    if init_git {
        let status = crate::vcs::git()
            .args(["init", "--quiet"])
            .current_dir(staging.path())
            .status()
            .map_err(io("run git init in", staging.path()))?;
        if !status.success() {
            return Err(Error::Io {
                action: "run git init in",
                path: target.to_path_buf(),
                source: std::io::Error::other(format!("git init exited with {status}")),
            });
        }
    }
    // Lambda runs code as an unprivileged user: every file and directory must be readable.
    set_tree_dirs_mode(staging.path()).map_err(io("set permissions in", staging.path()))?;
    Ok(staging)
}

fn set_tree_dirs_mode(dir: &Path) -> std::io::Result<()> {
    set_mode(dir, 0o755)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            set_tree_dirs_mode(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
