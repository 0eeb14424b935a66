//! File calls relative to an open directory, so that a directory renamed or removed meanwhile
//! still gets (and loses, when undoing) exactly what was meant for it, and so that nothing
//! ever replaces what is already there.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

/// Which file a path is: device, inode and modification time. The time tells a file from one
/// created later that got the same, freed inode number.
pub type Id = (u64, u64, i64, i64);

/// What a path is, and which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: FileType,
    pub id: Id,
    /// The permission bits.
    pub mode: u32,
}

/// Opens a directory; a symlink is followed only if `follow`.
pub fn open_dir(dir: impl AsFd, path: &Path, follow: bool) -> io::Result<OwnedFd> {
    let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    Ok(rustix::fs::openat(dir, path, flags, Mode::empty())?)
}

/// The path's entry, without following a symlink; `None` if there is none.
#[allow(
    clippy::unnecessary_cast,
    reason = "the time fields' types differ between architectures"
)]
pub fn lstat(dir: impl AsFd, path: &Path) -> io::Result<Option<Entry>> {
    match rustix::fs::statat(dir, path, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(Some(Entry {
            kind: FileType::from_raw_mode(stat.st_mode),
            id: (
                stat.st_dev,
                stat.st_ino,
                stat.st_mtime as i64,
                stat.st_mtime_nsec as i64,
            ),
            mode: stat.st_mode as u32 & 0o7777,
        })),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Renames, failing with `AlreadyExists` if the destination exists instead of replacing it.
pub fn rename_noreplace(
    from_dir: impl AsFd,
    from: &Path,
    to_dir: impl AsFd,
    to: &Path,
) -> io::Result<()> {
    match rustix::fs::renameat_with(&from_dir, from, &to_dir, to, RenameFlags::NOREPLACE) {
        // File systems without RENAME_NOREPLACE: claim the name first, which also fails if
        // it is taken.
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {
            if lstat(&from_dir, from)?.is_some_and(|e| e.kind == FileType::Directory) {
                rustix::fs::mkdirat(&to_dir, to, Mode::from_raw_mode(0o700))?;
                // Replaces only the empty directory just made; fails if anyone filled it.
                rustix::fs::renameat(&from_dir, from, &to_dir, to).inspect_err(|_| {
                    let _ = rustix::fs::unlinkat(&to_dir, to, AtFlags::REMOVEDIR);
                })?;
            } else {
                rustix::fs::linkat(&from_dir, from, &to_dir, to, AtFlags::empty())?;
                rustix::fs::unlinkat(&from_dir, from, AtFlags::empty())?;
            }
            Ok(())
        }
        result => Ok(result?),
    }
}

/// Creates a file that must not exist yet, with exactly `mode` whatever the umask.
pub fn create_file(dir: impl AsFd, path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, path, flags, Mode::from_raw_mode(0o600))?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
    std::fs::File::from(fd).write_all(contents)
}

/// The contents of a regular file, not following a symlink.
pub fn read_file(dir: impl AsFd, path: &Path) -> io::Result<Vec<u8>> {
    read_file_bounded(dir, path, u64::MAX)
}

/// The contents of a regular file of at most `max` bytes, not following a symlink. Opened
/// without blocking (a FIFO does not hang it) and checked on the open file, so nothing
/// swapped in after a check is read; the read stops past `max` (`FileTooLarge`) whatever the
/// file claims its size is.
pub fn read_file_bounded(dir: impl AsFd, path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = rustix::fs::openat(dir, path, flags, Mode::empty())?;
    let stat = rustix::fs::fstat(&fd)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let too_large = || io::Error::new(io::ErrorKind::FileTooLarge, "file too large");
    #[allow(
        clippy::useless_conversion,
        reason = "st_size's type differs between architectures"
    )]
    if u64::try_from(stat.st_size).unwrap_or(0) > max {
        return Err(too_large());
    }
    // Room for all it says it holds and one byte more, so that it is read in one call and its
    // end found in a second (`take` hides the size, and the read would start at 32 bytes).
    let mut contents = Vec::with_capacity(usize::try_from(stat.st_size).unwrap_or(0) + 1);
    std::fs::File::from(fd)
        .take(max.saturating_add(1))
        .read_to_end(&mut contents)?;
    if contents.len() as u64 > max {
        return Err(too_large());
    }
    Ok(contents)
}

/// Whether `path` in `dir` is, right now, the directory open as `fd` (not a symlink or
/// another directory put in its place).
pub fn is_same_dir(dir: impl AsFd, path: &Path, fd: impl AsFd) -> bool {
    let open = rustix::fs::fstat(fd);
    let named = rustix::fs::statat(dir, path, AtFlags::SYMLINK_NOFOLLOW);
    matches!((open, named), (Ok(a), Ok(b)) if a.st_dev == b.st_dev && a.st_ino == b.st_ino
        && FileType::from_raw_mode(b.st_mode) == FileType::Directory)
}

/// Creates a directory and opens it.
pub fn create_dir(dir: impl AsFd, path: &Path, mode: u32) -> io::Result<OwnedFd> {
    rustix::fs::mkdirat(&dir, path, Mode::from_raw_mode(0o700))?;
    let fd = open_dir(&dir, path, false)?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
    Ok(fd)
}

/// Opens the directory `path`, creating it if missing.
pub fn create_dir_all(dir: impl AsFd, path: &Path) -> io::Result<OwnedFd> {
    let mut current = open_dir(&dir, Path::new("."), false)?;
    for part in path.iter() {
        current = match create_dir(&current, Path::new(part), 0o700) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                open_dir(&current, Path::new(part), false)?
            }
            result => result?,
        };
    }
    Ok(current)
}

/// The names in a directory, without `.` and `..`.
pub fn names(dir: impl AsFd) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(dir)? {
        let name = entry?.file_name().to_bytes().to_vec();
        if name != b"." && name != b".." {
            names.push(OsString::from(std::ffi::OsStr::from_bytes(&name)));
        }
    }
    Ok(names)
}

/// Deletes `path` and everything under it, following no symlink.
pub fn remove_tree(dir: impl AsFd, path: &Path) -> io::Result<()> {
    match lstat(&dir, path)? {
        None => Ok(()),
        Some(entry) if entry.kind == FileType::Directory => {
            let inner = open_dir(&dir, path, false)?;
            for name in names(&inner)? {
                remove_tree(&inner, Path::new(&name))?;
            }
            Ok(rustix::fs::unlinkat(&dir, path, AtFlags::REMOVEDIR)?)
        }
        Some(_) => Ok(rustix::fs::unlinkat(&dir, path, AtFlags::empty())?),
    }
}

/// Gives `dir` and every directory in it mode 0755, so Lambda's unprivileged user can
/// traverse them whatever the umask.
pub fn set_dir_modes(dir: impl AsFd) -> io::Result<()> {
    rustix::fs::fchmod(&dir, Mode::from_raw_mode(0o755))?;
    for name in names(&dir)? {
        if lstat(&dir, Path::new(&name))?.is_some_and(|e| e.kind == FileType::Directory) {
            set_dir_modes(open_dir(&dir, Path::new(&name), false)?)?;
        }
    }
    Ok(())
}

/// Takes the lock that marks a directory as being written by a live run; `Ok(false)` if
/// another process holds it. The kernel drops it when the process dies, even by SIGKILL.
pub fn try_lock(dir: impl AsFd) -> io::Result<bool> {
    match rustix::fs::flock(dir, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Where an open directory is now, which may differ from where it was opened.
pub fn current_path(dir: impl AsFd) -> Option<PathBuf> {
    let path = std::fs::read_link(format!("/proc/self/fd/{}", dir.as_fd().as_raw_fd())).ok()?;
    // A removed directory reads as "/path (deleted)"; that path is not where it is.
    (!path.as_os_str().as_bytes().ends_with(b" (deleted)")).then_some(path)
}
