//! The only code that touches the disk: writes a plan all or nothing, never over anything it
//! did not see, and never over anything but a file or symlink unless asked to.
//!
//! Every call is relative to an open directory (see [`at`]), and files are placed with
//! no-replace renames: a path that appears after the check is never replaced.
//!
//! A new project is written into a staging directory beside it, which is then renamed to the
//! project's name (failing if anything took that name meanwhile).
//!
//! Into an existing directory (`--init`, `--force`), a run locks the directory (one run at a
//! time), stages the files in a directory inside it, records in a journal what it is about to
//! do, and renames the files into place one by one; a file it replaces (`--overwrite`) is
//! first moved aside into the staging directory under its own relative path, and only if it
//! is still the file the check saw. Any failure, or a terminating signal, moves everything
//! back. After SIGKILL, the next run finds the staging directory and says how to restore.
//!
//! Either way a failure leaves no partial project, no staging directory, and every file that
//! existed as it was; what undoing could not restore is named in the error.

mod at;
mod staging;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use rustix::fs::{AtFlags, CWD, FileType};

use crate::error::Error;
use crate::interrupt;
use crate::render::Plan;
use staging::{Journal, Staging};

/// Where and how to write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Write into the target directory, which exists already (`--init`, `--force`).
    pub existing_dir: bool,
    /// The existing directory must be empty (`--force`).
    pub must_be_empty: bool,
    /// Replace files and symlinks that exist (`--overwrite`); otherwise any of them is an
    /// error. Never a directory.
    pub overwrite: bool,
    /// Run `git init` in the project.
    pub init_git: bool,
}

/// What a successful write did besides creating files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files that existed and were replaced, relative to the project.
    pub replaced: Vec<String>,
    /// Where the project is, if not at the path it was written to: its directory (or one
    /// above) was renamed during the run. `Some(None)`: it is elsewhere, nobody can tell where.
    pub moved: Option<Option<PathBuf>>,
}

impl Outcome {
    /// What the person must know when the project is not where they asked for it.
    pub fn moved_note(&self, target: &Path) -> Option<String> {
        let moved = self.moved.as_ref()?;
        Some(match moved {
            Some(now) => format!(
                "{} was renamed while lambda-new wrote; the project is now at {}",
                target.display(),
                now.display()
            ),
            None => format!(
                "{} was renamed or removed while lambda-new wrote; lambda-new cannot tell where the project is now",
                target.display()
            ),
        })
    }
}

/// Where the directory open as `dir` is, if `target` no longer names it.
fn moved(dir: &OwnedFd, target: &Path) -> Option<Option<PathBuf>> {
    (!at::is_same_dir(CWD, target, dir)).then(|| at::current_path(dir))
}

/// `OUTPUT_DIR/NAME`, as plain `NAME` for the default output directory (it reads better in
/// messages and commands to copy).
pub fn target(output_dir: &Path, name: &str) -> PathBuf {
    if output_dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        output_dir.join(name)
    }
}

/// The contents of the regular file `path`, at most `max` bytes, read as every input is: not
/// through a symlink, never blocking on a FIFO, never reading a device; `FileTooLarge` past
/// `max`, `InvalidInput` for what is not a regular file.
pub fn read_input(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    at::read_file_bounded(CWD, path, max)
}

/// Why [`read_input`] refused or failed to read a file, as the end of an error message.
pub fn unreadable(error: &io::Error, max: u64) -> String {
    match error.kind() {
        io::ErrorKind::FileTooLarge => format!("it is bigger than {} MiB", max >> 20),
        io::ErrorKind::InvalidInput => "it is not a regular file".to_owned(),
        _ if rustix::io::Errno::from_io_error(error) == Some(rustix::io::Errno::LOOP) => {
            "it is a symlink (lambda-new follows no symlinks)".to_owned()
        }
        _ => format!("it cannot be read: {error}"),
    }
}

/// Fails with what a killed run left in `dir` and how to restore it, if it left anything.
pub fn refuse_stale(dir: &Path) -> Result<(), Error> {
    let fd = at::open_dir(CWD, dir, true).map_err(io_error("open", dir))?;
    staging::refuse_stale(&fd, dir, "")
}

/// Whether `dir` holds a staging directory of any run, live or killed.
pub fn has_staging(dir: &Path) -> bool {
    at::open_dir(CWD, dir, true)
        .and_then(at::names)
        .is_ok_and(|names| names.iter().any(|n| staging::is_staging(n)))
}

/// Fails as [`write_with`] would before touching anything; `--dry-run` asks this too.
pub fn check(plan: &Plan, target: &Path, options: &Options) -> Result<(), Error> {
    check_paths(plan)?;
    if options.existing_dir {
        let dir = open_existing(target)?;
        survey(&dir, plan, target, options).map(|_| ())
    } else {
        open_new(target).map(|_| ())
    }
}

/// Writes a new project directory.
pub fn write(plan: &Plan, target: &Path) -> Result<Outcome, Error> {
    write_with(plan, target, &Options::default())
}

pub fn write_with(plan: &Plan, target: &Path, options: &Options) -> Result<Outcome, Error> {
    write_using(plan, target, options, &mut RealDisk)
}

/// The steps of a write that can fail or be slowed, so tests can make any of them fail.
pub trait Disk {
    /// Creates a file that does not exist yet.
    fn write(&mut self, dir: BorrowedFd, path: &Path, contents: &[u8], mode: u32)
    -> io::Result<()>;
    /// Renames without ever replacing: `AlreadyExists` if `to` exists.
    fn rename(
        &mut self,
        from_dir: BorrowedFd,
        from: &Path,
        to_dir: BorrowedFd,
        to: &Path,
    ) -> io::Result<()>;
    /// The terminating signal received, if any; asked between steps.
    fn interrupted(&self) -> Option<i32> {
        interrupt::requested()
    }
    /// Called between steps.
    fn pause(&mut self) {}
}

pub struct RealDisk;

impl Disk for RealDisk {
    fn write(
        &mut self,
        dir: BorrowedFd,
        path: &Path,
        contents: &[u8],
        mode: u32,
    ) -> io::Result<()> {
        at::create_file(dir, path, contents, mode)
    }

    fn rename(
        &mut self,
        from_dir: BorrowedFd,
        from: &Path,
        to_dir: BorrowedFd,
        to: &Path,
    ) -> io::Result<()> {
        at::rename_noreplace(from_dir, from, to_dir, to)
    }

    /// Debug builds only: `TEST_LAMBDA_NEW_STEP_DELAY_MS` sleeps between steps, so the
    /// tests can land signals and concurrent changes inside a write.
    fn pause(&mut self) {
        #[cfg(debug_assertions)]
        if let Some(ms) = std::env::var("TEST_LAMBDA_NEW_STEP_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

/// [`write_with`] on the given disk.
pub fn write_using(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<Outcome, Error> {
    check_paths(plan)?;
    if options.existing_dir {
        write_into(plan, target, options, disk)
    } else {
        write_new(plan, target, options, disk)
    }
}

fn check_paths(plan: &Plan) -> Result<(), Error> {
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
    Ok(())
}

/// The parent directory of a new project, open, once nothing is in the project's way.
fn open_new(target: &Path) -> Result<(OwnedFd, &OsStr), Error> {
    let parent_path = parent_of(target);
    let name = target
        .file_name()
        .ok_or_else(|| Error::DestinationExists(target.to_path_buf()))?;
    let parent = at::open_dir(CWD, parent_path, true)
        .map_err(|_| Error::OutputDirMissing(parent_path.to_path_buf()))?;
    if at::lstat(&parent, Path::new(name))
        .map_err(io_error("read", target))?
        .is_some()
    {
        return Err(Error::DestinationExists(target.to_path_buf()));
    }
    // A killed run's staging: of this project, or of an `add` or `--init` in this directory.
    staging::refuse_stale_beside(&parent, parent_path, &new_label(name))?;
    Ok((parent, name))
}

fn new_label(name: &OsStr) -> String {
    format!("{}-", name.to_string_lossy())
}

/// The existing directory, open and locked against other runs, with no stale staging in it.
fn open_existing(target: &Path) -> Result<OwnedFd, Error> {
    let dir =
        at::open_dir(CWD, target, false).map_err(|e| {
            match rustix::io::Errno::from_io_error(&e) {
                Some(
                    rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR | rustix::io::Errno::LOOP,
                ) => Error::NotADirectory(target.to_path_buf()),
                _ => io_error("open", target)(e),
            }
        })?;
    if !at::try_lock(&dir).map_err(io_error("lock", target))? {
        return Err(Error::Busy(target.to_path_buf()));
    }
    staging::refuse_stale(&dir, target, "")?;
    Ok(dir)
}

/// What is at the planned paths of an existing directory.
struct Survey {
    /// Planned files that exist (as files or symlinks), with their identity.
    conflicts: HashMap<String, at::Id>,
    /// Planned directories that do not exist, outermost first.
    new_dirs: Vec<String>,
    /// The permission bits of the files edits replace.
    modes: HashMap<String, u32>,
}

fn survey(dir: &OwnedFd, plan: &Plan, target: &Path, options: &Options) -> Result<Survey, Error> {
    if options.must_be_empty && !at::names(dir).map_err(io_error("read", target))?.is_empty() {
        return Err(Error::NotEmpty(target.to_path_buf()));
    }
    let lstat = |path: &Path| at::lstat(dir, path).map_err(io_error("read", &target.join(path)));
    let mut blocked = BTreeMap::new();
    let mut conflicts = Vec::new();
    let mut ids = HashMap::new();
    let mut modes = HashMap::new();
    let mut new_dirs = BTreeSet::new();
    for file in &plan.files {
        let path = Path::new(&file.path);
        let mut ancestor = PathBuf::new();
        let mut clear = true;
        for part in path.parent().into_iter().flat_map(Path::iter) {
            ancestor.push(part);
            if !clear || new_dirs.contains(&ancestor) {
                new_dirs.insert(ancestor.clone());
                clear = false;
                continue;
            }
            match lstat(&ancestor)? {
                None => {
                    new_dirs.insert(ancestor.clone());
                    clear = false;
                }
                Some(e) if e.kind == FileType::Directory => {}
                Some(e) => {
                    blocked.insert(ancestor.clone(), (e.kind, "a directory"));
                    clear = false;
                    break;
                }
            }
        }
        if !clear {
            continue;
        }
        match lstat(path)? {
            // An edit's file must be there, as the regular file it was read from.
            None if file.replaces.is_some() => {
                return Err(Error::ChangedMeanwhile {
                    path: target.join(path),
                    what: "was removed",
                });
            }
            None => {}
            Some(e) if file.replaces.is_some() && e.kind != FileType::RegularFile => {
                blocked.insert(path.to_path_buf(), (e.kind, "the file it read"));
            }
            Some(e) if file.replaces.is_some() => {
                ids.insert(file.path.clone(), e.id);
                modes.insert(file.path.clone(), e.mode);
            }
            Some(e) if matches!(e.kind, FileType::RegularFile | FileType::Symlink) => {
                conflicts.push(file.path.clone());
                ids.insert(file.path.clone(), e.id);
            }
            Some(e) => {
                blocked.insert(path.to_path_buf(), (e.kind, "a file"));
            }
        }
    }
    if !blocked.is_empty() {
        return Err(Error::PathBlocked {
            dir: target.to_path_buf(),
            paths: blocked
                .into_iter()
                .map(|(path, (kind, needed))| {
                    format!(
                        "{} is {}, where the project needs {needed}",
                        path.display(),
                        kind_name(kind)
                    )
                })
                .collect(),
        });
    }
    if !conflicts.is_empty() && !options.overwrite {
        return Err(Error::FilesExist {
            dir: target.to_path_buf(),
            files: conflicts,
        });
    }
    Ok(Survey {
        conflicts: ids,
        modes,
        new_dirs: new_dirs
            .into_iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect(),
    })
}

fn kind_name(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "a file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symlink",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice | FileType::BlockDevice => "a device",
        FileType::Unknown => "something else",
    }
}

fn write_new(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<Outcome, Error> {
    let (parent, name) = open_new(target)?;
    let staging = Staging::create(&parent, &new_label(name)).map_err(|e| {
        let cause = io_error("create a staging directory in", parent_of(target))(e);
        undone(cause, Vec::new())
    })?;
    let result = (|| {
        let mut dirs = OpenDirs::default();
        stage(plan, &staging.fd, &mut dirs, &HashMap::new(), disk)?;
        if options.init_git {
            git_init(&staging.fd, target, disk)?;
        }
        // After git too: the directory that becomes the project and every one in it.
        let set_modes = || {
            dirs.set_modes(&staging.fd)?;
            match options.init_git {
                true => at::set_dir_modes(at::open_dir(&staging.fd, Path::new(".git"), false)?),
                false => Ok(()),
            }
        };
        set_modes().map_err(io_error("set permissions in", target))?;
        check_interrupt(disk)?;
        let staged = Path::new(&staging.name);
        let swapped = || Error::ChangedMeanwhile {
            path: parent_of(target).join(staged),
            what: "was replaced by something else",
        };
        if !at::is_same_dir(&parent, staged, &staging.fd) {
            return Err(swapped());
        }
        disk.rename(parent.as_fd(), staged, parent.as_fd(), Path::new(name))
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty => {
                    Error::DestinationExists(target.to_path_buf())
                }
                _ => io_error("move the new project into", target)(e),
            })?;
        // Swapped between the check and the rename: what was renamed goes back.
        if !at::is_same_dir(&parent, Path::new(name), &staging.fd) {
            let _ = at::rename_noreplace(&parent, Path::new(name), &parent, staged);
            return Err(swapped());
        }
        Ok(Outcome {
            moved: moved(&staging.fd, target),
            ..Outcome::default()
        })
    })();
    result.map_err(|cause| {
        let mut left = Vec::new();
        if !at::is_same_dir(&parent, Path::new(&staging.name), &staging.fd) {
            // Not ours under that name any more: touch nothing, say where ours went.
            left.push(match at::current_path(&staging.fd) {
                Some(now) => format!(
                    "{}, a partial copy of the project; delete it",
                    now.display()
                ),
                None => "a partial copy of the project, moved where lambda-new cannot tell".into(),
            });
        } else if let Err(e) = at::remove_tree(&parent, Path::new(&staging.name)) {
            left.push(format!(
                "{}, a partial copy of the project ({e}); delete it",
                where_now(&parent, parent_of(target))
                    .join(&staging.name)
                    .display()
            ));
        }
        undone(cause, left)
    })
}

/// Moves staged files into an existing directory, keeping what it takes to undo every step.
fn write_into(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<Outcome, Error> {
    let dir = open_existing(target)?;
    let survey = survey(&dir, plan, target, options)?;
    let staging = Staging::create(&dir, "").map_err(|e| {
        undone(
            io_error("create a staging directory in", target)(e),
            Vec::new(),
        )
    })?;
    let mut undo = Undo::default();
    let result = place(
        plan, &dir, target, options, &survey, &staging, &mut undo, disk,
    );
    match result {
        Ok(()) => {
            // The replaced files go with it, as --overwrite asked. Failing to delete it is no
            // failure of the write; a next run would name what is left.
            let _ = staging.finish();
            let _ = at::remove_tree(&dir, Path::new(&staging.name));
            Ok(Outcome {
                replaced: undo.replaced.into_iter().map(|a| a.path).collect(),
                moved: moved(&dir, target),
            })
        }
        Err(cause) => {
            let left = undo.roll_back(&dir, target, &staging);
            Err(undone(cause, left))
        }
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "one step of write_into, with its state"
)]
fn place(
    plan: &Plan,
    dir: &OwnedFd,
    target: &Path,
    options: &Options,
    survey: &Survey,
    staging: &Staging,
    undo: &mut Undo,
    disk: &mut dyn Disk,
) -> Result<(), Error> {
    let new = at::create_dir(&staging.fd, Path::new(staging::NEW), 0o700)
        .map_err(io_error("create", target))?;
    let replaced = at::create_dir(&staging.fd, Path::new(staging::REPLACED), 0o700)
        .map_err(io_error("create", target))?;
    let ids = stage(plan, &new, &mut OpenDirs::default(), &survey.modes, disk)?;
    staging
        .write_journal(&Journal {
            files: plan
                .files
                .iter()
                .map(|f| f.path.clone())
                .zip(ids.clone())
                .collect(),
            dirs: survey.new_dirs.clone(),
            git: options.init_git && !at::lstat(dir, Path::new(".git")).is_ok_and(|e| e.is_some()),
        })
        .map_err(io_error("write a journal in", target))?;
    let mut parents = Parents::default();
    for (file, id) in plan.files.iter().zip(ids) {
        check_interrupt(disk)?;
        let path = Path::new(&file.path);
        let destination = target.join(path);
        let name = Path::new(path.file_name().unwrap_or_default());
        let parent = parents.open(dir, path.parent(), undo)?;
        if let Some(seen) = survey.conflicts.get(&file.path) {
            let aside = at::create_dir_all(&replaced, path.parent().unwrap_or(Path::new("")))
                .map(Rc::new)
                .map_err(io_error("create", target))?;
            match disk.rename(parent.as_fd(), name, aside.as_fd(), name) {
                Ok(()) => {
                    pause_after_move_aside();
                    undo.replaced.push(Aside {
                        path: file.path.clone(),
                        dir: parent.clone(),
                        aside: aside.clone(),
                    });
                    let now = at::lstat(&*aside, name).map_err(io_error("read", &destination))?;
                    if now.map(|e| e.id) != Some(*seen) {
                        return Err(Error::ChangedMeanwhile {
                            path: destination,
                            what: "was replaced",
                        });
                    }
                    // Moved aside, it can no longer change under us: compare what it holds.
                    if let Some(old) = &file.replaces {
                        let now =
                            at::read_file(&*aside, name).map_err(io_error("read", &destination))?;
                        if now != *old {
                            return Err(Error::ChangedMeanwhile {
                                path: destination,
                                what: "was changed",
                            });
                        }
                    }
                }
                // An edit's file removed since the check: its edit cannot be made.
                Err(e) if e.kind() == io::ErrorKind::NotFound && file.replaces.is_some() => {
                    return Err(Error::ChangedMeanwhile {
                        path: destination,
                        what: "was removed",
                    });
                }
                // Removed since the check: nothing to keep.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("move aside", &destination)(e)),
            }
        }
        disk.rename(new.as_fd(), path, parent.as_fd(), name)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => Error::ChangedMeanwhile {
                    path: destination.clone(),
                    what: "appeared",
                },
                _ => io_error("move into place", &destination)(e),
            })?;
        undo.placed.push(Placed {
            dir: parent,
            name: name.to_path_buf(),
            id,
        });
    }
    let has_git = at::lstat(dir, Path::new(".git"))
        .map_err(io_error("read", target))?
        .is_some();
    if options.init_git && !has_git {
        undo.git = true;
        git_init(dir, target, disk)?;
    }
    Ok(())
}

/// The directories files are placed in, opened once; the missing ones are created.
#[derive(Default)]
struct Parents(OpenDirs);

impl Parents {
    fn open(
        &mut self,
        dir: &OwnedFd,
        relative: Option<&Path>,
        undo: &mut Undo,
    ) -> Result<Rc<OwnedFd>, Error> {
        let relative = relative.unwrap_or(Path::new(""));
        self.0.open(relative, &mut |up, relative| {
            let opened = match up {
                None => at::open_dir(dir, Path::new("."), false),
                Some(up) => {
                    let name = Path::new(relative.file_name().unwrap_or_default());
                    // Readable by Lambda's user whatever the umask, as in a new project.
                    match at::create_dir(&**up, name, 0o755) {
                        Ok(fd) => {
                            undo.created_dirs.push((
                                up.clone(),
                                name.to_path_buf(),
                                relative.to_path_buf(),
                            ));
                            Ok(fd)
                        }
                        // A symlink put there since the check is not followed: this fails.
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                            at::open_dir(&**up, name, false)
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            opened.map_err(io_error("open", relative))
        })
    }
}

/// Steps of [`write_into`], undone in reverse on failure.
#[derive(Default)]
struct Undo {
    /// (parent, name, path relative to the project)
    created_dirs: Vec<(Rc<OwnedFd>, PathBuf, PathBuf)>,
    replaced: Vec<Aside>,
    placed: Vec<Placed>,
    git: bool,
}

/// A file moved aside: from `dir` into `aside`, under the same name.
struct Aside {
    path: String,
    dir: Rc<OwnedFd>,
    aside: Rc<OwnedFd>,
}

/// A file placed in `dir`, and which file it is.
struct Placed {
    dir: Rc<OwnedFd>,
    name: PathBuf,
    id: at::Id,
}

impl Undo {
    /// Undoes every step; returns what could not be undone.
    fn roll_back(self, dir: &OwnedFd, target: &Path, staging: &Staging) -> Vec<String> {
        let here = where_now(dir, target);
        let mut left = Vec::new();
        if self.git
            && let Err(e) = at::remove_tree(dir, Path::new(".git"))
        {
            left.push(format!("{} ({e})", here.join(".git").display()));
        }
        for placed in self.placed.iter().rev() {
            // Only the file placed: whatever is there now under that name if it is another.
            if at::lstat(&*placed.dir, &placed.name)
                .is_ok_and(|e| e.is_some_and(|e| e.id == placed.id))
                && let Err(e) = rustix::fs::unlinkat(&*placed.dir, &placed.name, AtFlags::empty())
            {
                left.push(format!("{} ({e})", placed.name.display()));
            }
        }
        let mut kept = false;
        for aside in self.replaced.iter().rev() {
            let name = Path::new(Path::new(&aside.path).file_name().unwrap_or_default());
            if let Err(e) = at::rename_noreplace(&*aside.aside, name, &*aside.dir, name) {
                kept = true;
                left.push(format!(
                    "your {} is kept at {} ({e})",
                    here.join(&aside.path).display(),
                    here.join(&staging.name)
                        .join(staging::REPLACED)
                        .join(&aside.path)
                        .display()
                ));
            }
        }
        for (parent, name, path) in self.created_dirs.iter().rev() {
            // Gone already (the directory was removed meanwhile): nothing left.
            if let Err(e) = rustix::fs::unlinkat(&**parent, name, AtFlags::REMOVEDIR)
                && e != rustix::io::Errno::NOENT
            {
                left.push(format!("{} ({e})", here.join(path).display()));
            }
        }
        let removed = if kept {
            // Keeps the moved-aside files and the journal, for the next run's instructions.
            at::remove_tree(&staging.fd, Path::new(staging::NEW))
        } else {
            at::remove_tree(dir, Path::new(&staging.name))
        };
        if kept || removed.is_err() {
            left.push(format!(
                "{}{}; run lambda-new again in {} to see what it holds and how to restore",
                here.join(&staging.name).display(),
                removed.err().map(|e| format!(" ({e})")).unwrap_or_default(),
                here.display()
            ));
        }
        left
    }
}

/// Where an open directory is now, or where it was opened if that cannot be told.
fn where_now(dir: &OwnedFd, opened_as: &Path) -> PathBuf {
    at::current_path(dir).unwrap_or_else(|| opened_as.to_path_buf())
}

fn undone(cause: Error, left: Vec<String>) -> Error {
    Error::Undone {
        cause: Box::new(cause),
        left,
    }
}

/// Writes every file under `dir`, making its directories (kept open in `dirs`); returns each
/// file's identity, in plan order. A file that replaces another gets that file's permission
/// bits (`modes`, by path).
fn stage(
    plan: &Plan,
    dir: &OwnedFd,
    dirs: &mut OpenDirs,
    modes: &HashMap<String, u32>,
    disk: &mut dyn Disk,
) -> Result<Vec<at::Id>, Error> {
    let mut ids = Vec::with_capacity(plan.files.len());
    // The staging area is this run's own: every directory in it is new.
    let mut make = |up: Option<&Rc<OwnedFd>>, relative: &Path| match up {
        None => at::open_dir(dir, Path::new("."), false),
        Some(up) => {
            let name = Path::new(relative.file_name().unwrap_or_default());
            at::create_dir(&**up, name, 0o700)
        }
    };
    for file in &plan.files {
        check_interrupt(disk)?;
        let path = Path::new(&file.path);
        let parent = dirs
            .open(path.parent().unwrap_or(Path::new("")), &mut make)
            .map_err(io_error("create the parent of", path))?;
        let name = Path::new(path.file_name().unwrap_or_default());
        // Lambda runs code as an unprivileged user: every file must be readable.
        let mode = match modes.get(&file.path) {
            Some(&kept) => kept,
            None if file.executable => 0o755,
            None => 0o644,
        };
        disk.write(parent.as_fd(), name, &file.contents, mode)
            .map_err(io_error("write", path))?;
        let entry = at::lstat(&parent, name).map_err(io_error("read", path))?;
        ids.push(entry.map_or((0, 0, 0, 0), |e| e.id));
    }
    Ok(ids)
}

/// Directories under one open directory, by path, each opened once: [`OpenDirs::open`] makes
/// or opens a missing one in its parent, the ones above it first, instead of walking down
/// from the top for every file (that was most of a run's system calls).
#[derive(Default)]
struct OpenDirs(HashMap<PathBuf, Rc<OwnedFd>>);

impl OpenDirs {
    /// The directory at `relative`; `make(None, "")` opens the top one, `make(Some(parent),
    /// path)` makes or opens `path` in its open parent.
    fn open<E>(
        &mut self,
        relative: &Path,
        make: &mut impl FnMut(Option<&Rc<OwnedFd>>, &Path) -> Result<OwnedFd, E>,
    ) -> Result<Rc<OwnedFd>, E> {
        if let Some(fd) = self.0.get(relative) {
            return Ok(fd.clone());
        }
        let up = match relative.parent() {
            Some(up) => Some(self.open(up, make)?),
            None => None,
        };
        let fd = Rc::new(make(up.as_ref(), relative)?);
        self.0.insert(relative.to_path_buf(), fd.clone());
        Ok(fd)
    }

    /// Gives `root` and each of them mode 0755, so Lambda's unprivileged user can traverse
    /// them whatever the umask.
    fn set_modes(&self, root: &OwnedFd) -> io::Result<()> {
        let mode = rustix::fs::Mode::from_raw_mode(0o755);
        rustix::fs::fchmod(root, mode)?;
        for fd in self.0.values() {
            rustix::fs::fchmod(&**fd, mode)?;
        }
        Ok(())
    }
}

/// `git init` in `dir`, with git's own error if it fails.
fn git_init(dir: &OwnedFd, target: &Path, disk: &mut dyn Disk) -> Result<(), Error> {
    let cwd = at::current_path(dir).unwrap_or_else(|| target.to_path_buf());
    let output = crate::vcs::git()
        .args(["init", "--quiet"])
        .current_dir(&cwd)
        .output()
        .map_err(io_error("run git init in", target))?;
    // Ctrl-C reaches git too: its failure then is the cancellation, not a git problem, even
    // if git died before the signal was noted here.
    check_interrupt(disk)?;
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&output.status)
        && crate::interrupt::TERMINATING.contains(&signal)
    {
        return Err(Error::Signal(signal));
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(Error::GitFailed {
            dir: target.to_path_buf(),
            reason: if stderr.is_empty() {
                format!("git init exited with {}", output.status)
            } else {
                stderr
            },
        });
    }
    if at::lstat(dir, Path::new(".git"))
        .map_err(io_error("read", target))?
        .is_none()
    {
        return Err(Error::GitFailed {
            dir: target.to_path_buf(),
            reason: "git init succeeded but made no .git directory there".to_owned(),
        });
    }
    Ok(())
}

/// Debug builds only: `TEST_LAMBDA_NEW_ASIDE_DELAY_MS` sleeps while a file is moved aside
/// and its replacement not yet placed, so a test can kill the run there.
fn pause_after_move_aside() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("TEST_LAMBDA_NEW_ASIDE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

fn check_interrupt(disk: &mut dyn Disk) -> Result<(), Error> {
    disk.pause();
    match disk.interrupted() {
        Some(signal) => Err(Error::Signal(signal)),
        None => Ok(()),
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

fn parent_of(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::PlannedFile;
    use std::fs;

    fn plan() -> Plan {
        let file = |path: &str| PlannedFile {
            path: path.into(),
            contents: path.as_bytes().to_vec(),
            executable: false,
            replaces: None,
        };
        Plan {
            files: vec![
                file("a.txt"),
                file("dir/b.txt"),
                file("dir/sub/c.txt"),
                file("z.txt"),
            ],
        }
    }

    /// Fails the Nth write or rename with "no space left on device", or reports Ctrl-C
    /// once N files are written.
    #[derive(Default)]
    struct FailingDisk {
        fail_write: Option<usize>,
        fail_rename: Option<usize>,
        interrupt_after: Option<usize>,
        writes: usize,
        renames: usize,
    }

    impl FailingDisk {
        fn new(fail_write: Option<usize>, fail_rename: Option<usize>) -> Self {
            FailingDisk {
                fail_write,
                fail_rename,
                ..FailingDisk::default()
            }
        }
    }

    impl Disk for FailingDisk {
        fn write(
            &mut self,
            dir: BorrowedFd,
            path: &Path,
            contents: &[u8],
            mode: u32,
        ) -> io::Result<()> {
            self.writes += 1;
            if Some(self.writes) == self.fail_write {
                return Err(io::Error::from_raw_os_error(28));
            }
            RealDisk.write(dir, path, contents, mode)
        }

        fn rename(
            &mut self,
            from_dir: BorrowedFd,
            from: &Path,
            to_dir: BorrowedFd,
            to: &Path,
        ) -> io::Result<()> {
            self.renames += 1;
            if Some(self.renames) == self.fail_rename {
                return Err(io::Error::from_raw_os_error(28));
            }
            RealDisk.rename(from_dir, from, to_dir, to)
        }

        fn interrupted(&self) -> Option<i32> {
            self.interrupt_after
                .is_some_and(|n| self.writes >= n)
                .then_some(libc::SIGTERM)
        }
    }

    /// An error from a write that began, undone completely.
    fn fully_undone(error: &Error) -> &Error {
        match error {
            Error::Undone { cause, left } if left.is_empty() => cause,
            _ => panic!("not fully undone: {error}"),
        }
    }

    #[test]
    fn ctrl_c_while_writing_undoes_everything() {
        for after in 1..=4 {
            let root = tempfile::tempdir().unwrap();
            let mut disk = FailingDisk {
                interrupt_after: Some(after),
                ..FailingDisk::default()
            };
            let error = write_using(
                &plan(),
                &root.path().join("proj"),
                &Options::default(),
                &mut disk,
            )
            .unwrap_err();
            assert!(
                matches!(fully_undone(&error), Error::Signal(libc::SIGTERM)),
                "{error}"
            );
            assert!(
                snapshot(root.path()).is_empty(),
                "left behind: {:?}",
                snapshot(root.path())
            );

            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("a.txt"), "mine").unwrap();
            let before = snapshot(dir.path());
            let options = Options {
                existing_dir: true,
                overwrite: true,
                ..Options::default()
            };
            let mut disk = FailingDisk {
                interrupt_after: Some(after),
                ..FailingDisk::default()
            };
            let error = write_using(&plan(), dir.path(), &options, &mut disk).unwrap_err();
            assert!(
                matches!(fully_undone(&error), Error::Signal(libc::SIGTERM)),
                "{error}"
            );
            assert_eq!(snapshot(dir.path()), before);
        }
    }

    /// Every path under `dir` with its contents, to compare before and after.
    fn snapshot(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                out.push((rel.clone(), None));
                out.extend(
                    snapshot(&path)
                        .into_iter()
                        .map(|(p, c)| (format!("{rel}/{p}"), c)),
                );
            } else {
                out.push((rel, Some(fs::read(&path).unwrap())));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_failed_write_of_a_new_project_leaves_nothing() {
        for fail_write in 1..=4 {
            let root = tempfile::tempdir().unwrap();
            let target = root.path().join("proj");
            let mut disk = FailingDisk::new(Some(fail_write), None);
            let error = write_using(&plan(), &target, &Options::default(), &mut disk).unwrap_err();
            assert!(
                error.to_string().contains("No space left on device"),
                "{error}"
            );
            assert!(
                snapshot(root.path()).is_empty(),
                "left behind: {:?}",
                snapshot(root.path())
            );
        }
        // The final rename failing is the same.
        let root = tempfile::tempdir().unwrap();
        let mut disk = FailingDisk::new(None, Some(1));
        write_using(
            &plan(),
            &root.path().join("proj"),
            &Options::default(),
            &mut disk,
        )
        .unwrap_err();
        assert!(snapshot(root.path()).is_empty());
    }

    #[test]
    fn a_failed_write_into_a_directory_restores_it() {
        let options = Options {
            existing_dir: true,
            overwrite: true,
            ..Options::default()
        };
        // Fail at every step: each write while staging, each rename while moving into place.
        let cases = (1..=4)
            .map(|n| (Some(n), None))
            .chain((1..=6).map(|n| (None, Some(n))));
        for (fail_write, fail_rename) in cases {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("a.txt"), "mine").unwrap();
            fs::create_dir(dir.path().join("dir")).unwrap();
            fs::write(dir.path().join("dir/b.txt"), "also mine").unwrap();
            fs::write(dir.path().join("keep.txt"), "untouched").unwrap();
            let before = snapshot(dir.path());
            let mut disk = FailingDisk::new(fail_write, fail_rename);
            let error = write_using(&plan(), dir.path(), &options, &mut disk).unwrap_err();
            assert!(matches!(fully_undone(&error), Error::Io { .. }), "{error}");
            assert_eq!(
                snapshot(dir.path()),
                before,
                "write {fail_write:?} rename {fail_rename:?}"
            );
        }
    }

    #[test]
    fn overwrite_reports_what_it_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "mine").unwrap();
        fs::write(dir.path().join("keep.txt"), "untouched").unwrap();
        let options = Options {
            existing_dir: true,
            overwrite: true,
            ..Options::default()
        };
        let outcome = write_with(&plan(), dir.path(), &options).unwrap();
        assert_eq!(outcome.replaced, ["a.txt"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "a.txt"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "untouched"
        );
        let names: Vec<_> = snapshot(dir.path()).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            names,
            [
                "a.txt",
                "dir",
                "dir/b.txt",
                "dir/sub",
                "dir/sub/c.txt",
                "keep.txt",
                "z.txt"
            ]
        );
    }

    #[test]
    fn existing_files_are_refused_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("z.txt"), "mine").unwrap();
        let options = Options {
            existing_dir: true,
            ..Options::default()
        };
        let error = write_with(&plan(), dir.path(), &options).unwrap_err();
        assert!(
            matches!(&error, Error::FilesExist { files, .. } if files == &["z.txt"]),
            "{error}"
        );
        assert_eq!(
            snapshot(dir.path()),
            [("z.txt".to_owned(), Some(b"mine".to_vec()))]
        );
    }

    #[test]
    fn a_file_where_a_directory_goes_is_refused_even_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("dir"), "a file").unwrap();
        let options = Options {
            existing_dir: true,
            overwrite: true,
            ..Options::default()
        };
        let error = write_with(&plan(), dir.path(), &options).unwrap_err();
        assert!(matches!(error, Error::PathBlocked { .. }), "{error}");
        assert_eq!(
            snapshot(dir.path()),
            [("dir".to_owned(), Some(b"a file".to_vec()))]
        );
    }

    /// Runs `hook` at the Nth step (the pause before each file is staged, then before each
    /// is placed), as another process changing the directory would; then reports `signal`
    /// if set.
    struct HookDisk<F: FnMut()> {
        at: usize,
        hook: Option<F>,
        signal: Option<i32>,
        steps: usize,
    }

    impl<F: FnMut()> HookDisk<F> {
        fn new(at: usize, hook: F) -> Self {
            HookDisk {
                at,
                hook: Some(hook),
                signal: None,
                steps: 0,
            }
        }
    }

    impl<F: FnMut()> Disk for HookDisk<F> {
        fn write(
            &mut self,
            dir: BorrowedFd,
            path: &Path,
            contents: &[u8],
            mode: u32,
        ) -> io::Result<()> {
            RealDisk.write(dir, path, contents, mode)
        }

        fn rename(
            &mut self,
            from_dir: BorrowedFd,
            from: &Path,
            to_dir: BorrowedFd,
            to: &Path,
        ) -> io::Result<()> {
            RealDisk.rename(from_dir, from, to_dir, to)
        }

        fn pause(&mut self) {
            self.steps += 1;
            if self.steps == self.at
                && let Some(mut hook) = self.hook.take()
            {
                hook();
            }
        }

        fn interrupted(&self) -> Option<i32> {
            self.signal.filter(|_| self.hook.is_none())
        }
    }

    fn into_existing(overwrite: bool) -> Options {
        Options {
            existing_dir: true,
            overwrite,
            ..Options::default()
        }
    }

    #[test]
    fn a_directory_where_a_file_goes_is_refused_even_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a.txt/inner")).unwrap();
        fs::write(dir.path().join("a.txt/inner/data"), "precious").unwrap();
        let before = snapshot(dir.path());
        let error = write_with(&plan(), dir.path(), &into_existing(true)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a.txt is a directory, where the project needs a file"),
            "{error}"
        );
        assert_eq!(snapshot(dir.path()), before);
    }

    #[test]
    fn each_blocking_path_is_named_once_with_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        // `dir` blocks two planned files (dir/b.txt, dir/sub/c.txt): one line.
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("dir")).unwrap();
        let error = write_with(&plan(), dir.path(), &into_existing(true)).unwrap_err();
        let Error::PathBlocked { paths, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            paths,
            &["dir is a symlink, where the project needs a directory"]
        );
        assert!(fs::read_dir(elsewhere.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_file_that_appears_after_the_check_is_never_replaced() {
        for overwrite in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().to_path_buf();
            // Step 5: the first placing step; z.txt is placed last.
            let mut disk = HookDisk::new(5, || fs::write(path.join("z.txt"), "theirs").unwrap());
            let error =
                write_using(&plan(), dir.path(), &into_existing(overwrite), &mut disk).unwrap_err();
            assert!(
                matches!(
                    fully_undone(&error),
                    Error::ChangedMeanwhile {
                        what: "appeared",
                        ..
                    }
                ),
                "{error}"
            );
            assert_eq!(
                snapshot(dir.path()),
                [("z.txt".to_owned(), Some(b"theirs".to_vec()))]
            );
        }
    }

    #[test]
    fn overwrite_replaces_only_the_file_the_check_saw() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "mine").unwrap();
        let path = dir.path().to_path_buf();
        let mut disk = HookDisk::new(5, || {
            fs::write(path.join("new"), "swapped in").unwrap();
            fs::rename(path.join("new"), path.join("a.txt")).unwrap();
        });
        let error = write_using(&plan(), dir.path(), &into_existing(true), &mut disk).unwrap_err();
        assert!(
            matches!(
                fully_undone(&error),
                Error::ChangedMeanwhile {
                    what: "was replaced",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(
            snapshot(dir.path()),
            [("a.txt".to_owned(), Some(b"swapped in".to_vec()))]
        );
    }

    /// `a.txt` as an edit of its content "mine".
    fn plan_editing_a() -> Plan {
        let mut plan = plan();
        plan.files[0].contents = b"mine, edited".to_vec();
        plan.files[0].replaces = Some(b"mine".to_vec());
        plan
    }

    #[test]
    fn an_edit_replaces_its_file_without_overwrite_when_it_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "mine").unwrap();
        let outcome = write_using(
            &plan_editing_a(),
            dir.path(),
            &into_existing(false),
            &mut RealDisk,
        )
        .unwrap();
        assert_eq!(outcome.replaced, ["a.txt"]);
        assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"mine, edited");
        // Without the file it edits, or with another kind of file there, nothing is written.
        let dir = tempfile::tempdir().unwrap();
        let error = check(&plan_editing_a(), dir.path(), &into_existing(false)).unwrap_err();
        assert!(
            matches!(
                error,
                Error::ChangedMeanwhile {
                    what: "was removed",
                    ..
                }
            ),
            "{error}"
        );
        std::os::unix::fs::symlink("elsewhere", dir.path().join("a.txt")).unwrap();
        let error = check(&plan_editing_a(), dir.path(), &into_existing(false)).unwrap_err();
        assert!(matches!(error, Error::PathBlocked { .. }), "{error}");
    }

    #[test]
    fn an_edit_of_a_file_changed_after_it_was_read_is_refused_and_undone() {
        // Changed before the run, in place (same inode), or replaced during the run.
        for at in [None, Some(5)] {
            let dir = tempfile::tempdir().unwrap();
            let a = dir.path().join("a.txt");
            fs::write(&a, "mine").unwrap();
            let changed = a.clone();
            let mut disk = HookDisk::new(at.unwrap_or(1), move || {
                fs::write(&changed, "theirs").unwrap();
            });
            if at.is_none() {
                fs::write(&a, "theirs").unwrap();
            }
            let error = write_using(
                &plan_editing_a(),
                dir.path(),
                &into_existing(false),
                &mut disk,
            )
            .unwrap_err();
            assert!(
                matches!(
                    fully_undone(&error),
                    Error::ChangedMeanwhile {
                        what: "was changed" | "was replaced",
                        ..
                    }
                ),
                "{error}"
            );
            assert_eq!(
                snapshot(dir.path()),
                [("a.txt".to_owned(), Some(b"theirs".to_vec()))]
            );
        }
    }

    #[test]
    fn a_directory_renamed_mid_write_is_still_restored() {
        for at in [3, 5, 7] {
            let root = tempfile::tempdir().unwrap();
            let (dir, moved) = (root.path().join("proj"), root.path().join("moved"));
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("a.txt"), "mine").unwrap();
            let before = snapshot(&dir);
            let mut disk = HookDisk::new(at, || fs::rename(&dir, &moved).unwrap());
            disk.signal = Some(libc::SIGTERM);
            let error = write_using(&plan(), &dir, &into_existing(true), &mut disk).unwrap_err();
            assert!(
                matches!(fully_undone(&error), Error::Signal(libc::SIGTERM)),
                "{error}"
            );
            assert!(!dir.exists());
            assert_eq!(snapshot(&moved), before, "renamed at step {at}");
        }
    }

    #[test]
    fn a_new_project_never_replaces_what_took_its_name() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("proj");
        // Step 5: after staging, before the final rename.
        let mut disk = HookDisk::new(5, || {
            fs::create_dir(&target).unwrap();
            fs::write(target.join("theirs"), "x").unwrap();
        });
        let error = write_using(&plan(), &target, &Options::default(), &mut disk).unwrap_err();
        assert!(
            matches!(fully_undone(&error), Error::DestinationExists(_)),
            "{error}"
        );
        assert_eq!(
            snapshot(root.path()),
            [
                ("proj".to_owned(), None),
                ("proj/theirs".to_owned(), Some(b"x".to_vec()))
            ]
        );
    }

    #[test]
    fn a_staging_directory_swapped_for_a_symlink_never_becomes_the_project() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let target = root.path().join("proj");
        // Step 5: after staging, before the final rename.
        let mut disk = HookDisk::new(5, || {
            let staging = fs::read_dir(root.path())
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            fs::rename(&staging, root.path().join("moved")).unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), &staging).unwrap();
        });
        let error = write_using(&plan(), &target, &Options::default(), &mut disk).unwrap_err();
        // The staged copy, moved away by someone else, is named, not deleted.
        let Error::Undone { cause, left } = &error else {
            panic!("{error}");
        };
        assert!(matches!(**cause, Error::ChangedMeanwhile { .. }), "{error}");
        assert!(
            left.len() == 1 && left[0].contains("moved, a partial copy"),
            "{error}"
        );
        assert!(!target.exists() && fs::read_dir(elsewhere.path()).unwrap().next().is_none());
        assert!(root.path().join("moved/a.txt").exists());
    }

    #[test]
    fn a_project_whose_directory_was_renamed_meanwhile_is_reported_where_it_is() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("out")).unwrap();
        let target = root.path().join("out/proj");
        let mut disk = HookDisk::new(5, || {
            fs::rename(root.path().join("out"), root.path().join("renamed")).unwrap();
        });
        let outcome = write_using(&plan(), &target, &Options::default(), &mut disk).unwrap();
        let now = root.path().join("renamed/proj").canonicalize().unwrap();
        assert_eq!(outcome.moved, Some(Some(now.clone())));
        let note = outcome.moved_note(&target).unwrap();
        assert!(note.contains(&now.display().to_string()), "{note}");
        let unmoved = write(&plan(), &root.path().join("again")).unwrap();
        assert_eq!(unmoved.moved, None);
    }

    #[test]
    fn a_staging_directory_is_locked_before_it_has_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let parent = at::open_dir(CWD, dir.path(), false).unwrap();
        let staging = Staging::create(&parent, "x-").unwrap();
        let names = at::names(&parent).unwrap();
        assert_eq!(names.len(), 1);
        assert_eq!(names[0], staging.name);
        let again = at::open_dir(&parent, Path::new(&staging.name), false).unwrap();
        assert!(
            !at::try_lock(&again).unwrap(),
            "a live staging must be locked"
        );
        assert!(staging::refuse_stale(&parent, dir.path(), "").is_ok());
    }

    #[test]
    fn a_staging_directory_a_killed_run_was_still_making_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".lambda-new-creating-proj-1-1")).unwrap();
        let error = write(&plan(), &dir.path().join("proj")).unwrap_err();
        assert!(matches!(error, Error::StaleStaging { .. }), "{error}");
        assert!(
            error.to_string().contains("It holds no file of yours"),
            "{error}"
        );
    }

    #[test]
    fn reading_an_input_is_bounded_and_refuses_devices() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "12345").unwrap();
        assert_eq!(read_input(&file, 5).unwrap(), b"12345");
        assert_eq!(
            read_input(&file, 4).unwrap_err().kind(),
            io::ErrorKind::FileTooLarge
        );
        assert_eq!(
            read_input(Path::new("/dev/zero"), 4).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn what_undoing_cannot_restore_is_named_and_kept_for_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "mine").unwrap();
        let path = dir.path().to_path_buf();
        // Step 6: a.txt was moved aside and the new one placed; someone puts theirs there.
        let mut disk = HookDisk::new(6, || {
            fs::remove_file(path.join("a.txt")).unwrap();
            fs::write(path.join("a.txt"), "someone else's").unwrap();
        });
        disk.signal = Some(libc::SIGTERM);
        let error = write_using(&plan(), dir.path(), &into_existing(true), &mut disk).unwrap_err();
        let message = error.to_string();
        assert!(!message.contains("nothing was left behind"), "{message}");
        assert!(message.contains("undoing it left behind"), "{message}");
        assert!(message.contains("a.txt is kept at"), "{message}");
        assert_eq!(
            fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "someone else's"
        );
        // The next run names the kept file and how to put it back.
        let error = check(&plan(), dir.path(), &into_existing(true)).unwrap_err();
        let Error::StaleStaging { staging, help, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            fs::read_to_string(staging.join("replaced/a.txt")).unwrap(),
            "mine"
        );
        assert!(
            help.contains("moved aside to replace them: a.txt."),
            "{help}"
        );
        assert!(help.contains("replaced/a.txt"), "{help}");
    }

    #[test]
    fn a_directory_removed_mid_write_is_reported_truthfully() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("proj");
        fs::create_dir(&dir).unwrap();
        let mut disk = HookDisk::new(6, || fs::remove_dir_all(&dir).unwrap());
        let error = write_using(&plan(), &dir, &into_existing(false), &mut disk).unwrap_err();
        // Nothing is left: the directory and all in it are gone.
        assert!(matches!(error, Error::Undone { .. }), "{error}");
        assert!(
            snapshot(root.path()).is_empty(),
            "{:?}",
            snapshot(root.path())
        );
    }
}
