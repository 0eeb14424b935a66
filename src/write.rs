//! The only code that touches the disk: writes a plan all or nothing, and never over what
//! it did not create unless asked to.
//!
//! A new project directory is claimed with `create_dir` (which fails if anything is there),
//! the files are written into a temporary directory beside it, and that directory is renamed
//! over the claimed, still-empty target.
//!
//! Into an existing directory (`--init`, `--force`), the files are staged in a temporary
//! directory inside it and then renamed into place one by one; a file that is replaced
//! (`--overwrite`) is first moved aside. Any failure, or Ctrl-C, moves everything back.
//!
//! Either way a failure leaves no partial project, no temporary directory, and every file
//! that existed as it was.

use std::fs;
use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::interrupt;
use crate::render::Plan;

/// Where and how to write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Write into the target directory, which exists already (`--init`, `--force`).
    pub existing_dir: bool,
    /// The existing directory must be empty (`--force`).
    pub must_be_empty: bool,
    /// Replace files that exist (`--overwrite`); otherwise any of them is an error.
    pub overwrite: bool,
    /// Run `git init` in the project.
    pub init_git: bool,
}

/// What a successful write did besides creating files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files that existed and were replaced, relative to the project.
    pub replaced: Vec<String>,
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

/// Fails as [`write_with`] would before touching anything; `--dry-run` asks this too.
pub fn check(plan: &Plan, target: &Path, options: &Options) -> Result<(), Error> {
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
    if !options.existing_dir {
        let parent = parent_of(target);
        if !parent.is_dir() {
            return Err(Error::OutputDirMissing(parent.to_path_buf()));
        }
        if fs::symlink_metadata(target).is_ok() {
            return Err(Error::DestinationExists(target.to_path_buf()));
        }
        return Ok(());
    }
    if !fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
        return Err(Error::NotADirectory(target.to_path_buf()));
    }
    let mut entries = fs::read_dir(target).map_err(io_error("read", target))?;
    if options.must_be_empty && entries.next().is_some() {
        return Err(Error::NotEmpty(target.to_path_buf()));
    }
    let conflicts: Vec<String> = plan
        .files
        .iter()
        .filter(|f| fs::symlink_metadata(target.join(&f.path)).is_ok())
        .map(|f| f.path.clone())
        .collect();
    // A planned directory that exists as something else cannot be fixed by overwriting.
    let blocked: Vec<String> = plan
        .files
        .iter()
        .flat_map(|f| {
            Path::new(&f.path)
                .ancestors()
                .skip(1)
                .map(Path::to_path_buf)
                .collect::<Vec<_>>()
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .filter(|dir| fs::symlink_metadata(target.join(dir)).is_ok_and(|m| !m.is_dir()))
        .map(|dir| dir.display().to_string())
        .collect();
    if !blocked.is_empty() {
        return Err(Error::PathBlocked {
            dir: target.to_path_buf(),
            paths: blocked,
        });
    }
    if !conflicts.is_empty() && !options.overwrite {
        return Err(Error::FilesExist {
            dir: target.to_path_buf(),
            files: conflicts,
        });
    }
    Ok(())
}

/// Writes a new project directory.
pub fn write(plan: &Plan, target: &Path) -> Result<Outcome, Error> {
    write_with(plan, target, &Options::default())
}

pub fn write_with(plan: &Plan, target: &Path, options: &Options) -> Result<Outcome, Error> {
    write_using(plan, target, options, &mut RealDisk)
}

/// The file operations a write performs, so tests can make any of them fail.
pub trait Disk {
    fn write(&mut self, path: &Path, contents: &[u8]) -> io::Result<()>;
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Whether Ctrl-C was pressed; asked between steps.
    fn interrupted(&self) -> bool {
        interrupt::requested()
    }
}

pub struct RealDisk;

impl Disk for RealDisk {
    fn write(&mut self, path: &Path, contents: &[u8]) -> io::Result<()> {
        fs::write(path, contents)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }
}

/// [`write_with`] on the given disk.
pub fn write_using(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<Outcome, Error> {
    check(plan, target, options)?;
    if options.existing_dir {
        write_into(plan, target, options, disk)
    } else {
        write_new(plan, target, options, disk).map(|()| Outcome::default())
    }
}

fn write_new(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<(), Error> {
    fs::create_dir(target).map_err(|source| match source.kind() {
        ErrorKind::AlreadyExists => Error::DestinationExists(target.to_path_buf()),
        _ => io_error("create", target)(source),
    })?;
    let result = stage(plan, parent_of(target), target, disk).and_then(|staging| {
        if options.init_git {
            git_init(staging.path(), target)?;
        }
        // One walk, after git too: the directory that becomes the project and every one in it.
        set_dirs_mode(staging.path()).map_err(io_error("set permissions in", staging.path()))?;
        check_interrupt(disk)?;
        disk.rename(staging.path(), target)
            .map_err(io_error("move the new project into", target))?;
        // Renamed away: nothing left for the guard to delete.
        let _ = staging.keep();
        Ok(())
    });
    if result.is_err() {
        // Only our own, still-empty claim: remove_dir refuses anything else.
        let _ = fs::remove_dir(target);
    }
    result
}

/// Moves staged files into an existing directory, keeping what it takes to undo every step.
fn write_into(
    plan: &Plan,
    target: &Path,
    options: &Options,
    disk: &mut dyn Disk,
) -> Result<Outcome, Error> {
    let staging = stage(plan, target, target, disk)?;
    let backup = staging.path().join(".replaced");
    let mut undo = Undo::default();
    let result = (|| {
        fs::create_dir(&backup).map_err(io_error("create", &backup))?;
        for (index, file) in plan.files.iter().enumerate() {
            check_interrupt(disk)?;
            let destination = target.join(&file.path);
            undo.create_parents(target, Path::new(&file.path))?;
            if fs::symlink_metadata(&destination).is_ok() {
                let aside = backup.join(index.to_string());
                disk.rename(&destination, &aside)
                    .map_err(io_error("move aside", &destination))?;
                undo.replaced
                    .push((destination.clone(), aside, file.path.clone()));
            }
            disk.rename(&staging.path().join(&file.path), &destination)
                .map_err(io_error("move into place", &destination))?;
            undo.placed.push(destination);
        }
        if options.init_git && fs::symlink_metadata(target.join(".git")).is_err() {
            undo.git = Some(target.join(".git"));
            git_init(target, target)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(Outcome {
            replaced: undo.replaced.into_iter().map(|(_, _, path)| path).collect(),
        }),
        Err(error) => {
            undo.roll_back();
            Err(error)
        }
    }
}

/// Steps of [`write_into`], undone in reverse on failure.
#[derive(Default)]
struct Undo {
    created_dirs: Vec<PathBuf>,
    /// (original path, where it was moved aside, relative path)
    replaced: Vec<(PathBuf, PathBuf, String)>,
    placed: Vec<PathBuf>,
    git: Option<PathBuf>,
}

impl Undo {
    fn create_parents(&mut self, target: &Path, relative: &Path) -> Result<(), Error> {
        let mut dir = target.to_path_buf();
        for part in relative.parent().into_iter().flat_map(Path::components) {
            dir.push(part);
            match fs::create_dir(&dir) {
                Ok(()) => {
                    self.created_dirs.push(dir.clone());
                    // Readable by Lambda's user whatever the umask, as in a new project.
                    set_mode(&dir, 0o755).map_err(io_error("set permissions of", &dir))?;
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_error("create", &dir)(e)),
            }
        }
        Ok(())
    }

    fn roll_back(self) {
        if let Some(git) = self.git {
            let _ = fs::remove_dir_all(git);
        }
        for placed in self.placed.iter().rev() {
            let _ = fs::remove_file(placed);
        }
        for (original, aside, _) in self.replaced.iter().rev() {
            let _ = fs::rename(aside, original);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Writes every file into a fresh temporary directory in `parent`; deleted when dropped.
fn stage(
    plan: &Plan,
    parent: &Path,
    target: &Path,
    disk: &mut dyn Disk,
) -> Result<tempfile::TempDir, Error> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.lambda-new-"))
        .tempdir_in(parent)
        .map_err(io_error("create a temporary directory in", parent))?;
    for file in &plan.files {
        check_interrupt(disk)?;
        let path = staging.path().join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        }
        disk.write(&path, &file.contents)
            .map_err(io_error("write", &path))?;
        // Lambda runs code as an unprivileged user: every file must be readable.
        set_mode(&path, if file.executable { 0o755 } else { 0o644 })
            .map_err(io_error("set permissions of", &path))?;
    }
    Ok(staging)
}

fn git_init(dir: &Path, target: &Path) -> Result<(), Error> {
    let status = crate::vcs::git()
        .args(["init", "--quiet"])
        .current_dir(dir)
        .status()
        .map_err(io_error("run git init in", target))?;
    if !status.success() {
        return Err(io_error("run git init in", target)(io::Error::other(
            format!("git init exited with {status}"),
        )));
    }
    Ok(())
}

fn check_interrupt(disk: &dyn Disk) -> Result<(), Error> {
    if disk.interrupted() {
        Err(Error::Interrupted)
    } else {
        Ok(())
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

/// Directories 0755, so the unprivileged Lambda user can traverse them.
fn set_dirs_mode(dir: &Path) -> io::Result<()> {
    set_mode(dir, 0o755)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            set_dirs_mode(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::PlannedFile;

    fn plan() -> Plan {
        let file = |path: &str| PlannedFile {
            path: path.into(),
            contents: path.as_bytes().to_vec(),
            executable: false,
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
        fn write(&mut self, path: &Path, contents: &[u8]) -> io::Result<()> {
            self.writes += 1;
            if Some(self.writes) == self.fail_write {
                return Err(io::Error::from_raw_os_error(28));
            }
            RealDisk.write(path, contents)
        }

        fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
            self.renames += 1;
            if Some(self.renames) == self.fail_rename {
                return Err(io::Error::from_raw_os_error(28));
            }
            RealDisk.rename(from, to)
        }

        fn interrupted(&self) -> bool {
            self.interrupt_after.is_some_and(|n| self.writes >= n)
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
            assert!(matches!(error, Error::Interrupted), "{error}");
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
            assert!(matches!(error, Error::Interrupted), "{error}");
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
            assert!(matches!(error, Error::Io { .. }), "{error}");
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
}
