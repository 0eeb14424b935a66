//! A Docker build context on this machine: the files its `.dockerignore` lets through, and
//! what a `COPY` from the context (not `--from`) puts where. Docker's rules: patterns are
//! relative to the context's root, `*` and `?` stay within one path segment, `**` spans any
//! number, a pattern matching a folder covers everything in it, `!` lets paths back in, and
//! the last pattern that matches decides.

use std::fs;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use super::dockerfile::Copy;

pub struct BuildContext {
    pub dir: PathBuf,
    /// Each `.dockerignore` pattern in order, and whether it is a `!` exception.
    rules: Vec<(bool, GlobMatcher)>,
}

impl BuildContext {
    /// The context `dir`, with its `.dockerignore` if it has one.
    pub fn new(dir: &Path) -> BuildContext {
        let ignore = fs::read_to_string(dir.join(".dockerignore")).unwrap_or_default();
        let rules = ignore
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (exception, pattern) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, line),
                };
                let pattern = pattern.trim_start_matches('/').trim_end_matches('/');
                let glob = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .unwrap_or_else(|e| panic!(".dockerignore pattern {line:?}: {e}"));
                (exception, glob.compile_matcher())
            })
            .collect();
        BuildContext {
            dir: dir.to_path_buf(),
            rules,
        }
    }

    /// Whether the file at `relative` (`/`-separated) reaches the build.
    pub fn includes(&self, relative: &str) -> bool {
        let segments: Vec<&str> = relative.split('/').collect();
        let mut included = true;
        for (exception, glob) in &self.rules {
            // The path itself or one of the folders it lies in.
            let matches = (1..=segments.len()).any(|n| glob.is_match(segments[..n].join("/")));
            if matches {
                included = *exception;
            }
        }
        included
    }

    /// Every file under `relative` (a folder of the context, "" for all of it) that reaches
    /// the build, relative to that folder.
    pub fn files_under(&self, relative: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut pending = vec![String::new()];
        while let Some(sub) = pending.pop() {
            for entry in fs::read_dir(self.dir.join(relative).join(&sub)).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().expect("UTF-8 file names");
                let inner = if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                };
                let from_root = if relative.is_empty() {
                    inner.clone()
                } else {
                    format!("{relative}/{inner}")
                };
                if entry.file_type().unwrap().is_dir() {
                    pending.push(inner);
                } else if self.includes(&from_root) {
                    found.push(inner);
                }
            }
        }
        found.sort();
        found
    }

    /// Does `copy` (its sources in this context) in a stage working in `workdir`, with image
    /// path `/x` at `root/x`. A source `.dockerignore` leaves out fails, as in Docker.
    pub fn copy(&self, copy: &Copy, workdir: &str, root: &Path) {
        assert_eq!(copy.from, None, "{copy:?} copies from another stage");
        let dest = if copy.dest.starts_with('/') {
            copy.dest.clone()
        } else {
            format!("{}/{}", workdir.trim_end_matches('/'), copy.dest)
        };
        let dest = root.join(dest.trim_start_matches('/'));
        let into_folder = copy.dest.ends_with('/') || copy.sources.len() > 1;
        for source in &copy.sources {
            assert!(
                !source.contains(['*', '?', '[']),
                "{source}: wildcards are not modelled"
            );
            let relative = source.trim_start_matches("./").trim_end_matches('/');
            let relative = if relative == "." { "" } else { relative };
            if self.dir.join(relative).is_dir() {
                for file in self.files_under(relative) {
                    copy_file(&self.dir.join(relative).join(&file), &dest.join(&file));
                }
            } else {
                assert!(
                    self.includes(relative) && self.dir.join(relative).is_file(),
                    "COPY {source}: not in the build context (missing or in .dockerignore)"
                );
                let name = Path::new(relative).file_name().unwrap();
                let target = match into_folder {
                    true => dest.join(name),
                    false => dest.clone(),
                };
                copy_file(&self.dir.join(relative), &target);
            }
        }
    }
}

fn copy_file(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), to.display()));
}
