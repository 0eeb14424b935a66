//! The one git process a run starts: with no `GIT_*` variable (as set inside a git hook), in
//! the project only, its failure reported with git's own words.

mod support;

use support::disk::{self, tree};

fn git_available() -> bool {
    support::require_tool("git", "lambda-new runs git init")
}

/// A repository standing where `GIT_DIR`/`GIT_WORK_TREE` point, as inside a git hook.
fn decoy() -> tempfile::TempDir {
    let decoy = tempfile::tempdir().unwrap();
    support::run(
        std::process::Command::new("git")
            .args(["init", "--quiet"])
            .current_dir(decoy.path()),
    );
    std::fs::write(decoy.path().join("tracked.txt"), "decoy").unwrap();
    decoy
}

#[test]
fn git_variables_do_not_send_git_init_elsewhere() {
    if !git_available() {
        return;
    }
    let decoy = decoy();
    let decoy_before = tree(decoy.path());
    for args in [
        vec!["app", "--runtime", "python"],
        vec!["app", "--runtime", "python", "--vcs", "git"],
        vec!["app", "--runtime", "python", "--init"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let project = if args.contains(&"--init") {
            dir.path().to_path_buf()
        } else {
            dir.path().join("app")
        };
        support::run(
            disk::command(dir.path(), &args)
                .env("GIT_DIR", decoy.path().join(".git"))
                .env("GIT_WORK_TREE", decoy.path())
                .env("GIT_INDEX_FILE", decoy.path().join(".git/index")),
        );
        assert!(project.join(".git").is_dir(), "{args:?}: no .git");
        assert!(project.join(".git/HEAD").is_file(), "{args:?}");
        assert_eq!(tree(decoy.path()), decoy_before, "{args:?}: decoy changed");
    }
}

#[test]
fn a_git_failure_is_reported_in_gits_words_and_undone() {
    if !git_available() {
        return;
    }
    let (_bin, path) = disk::fake_git("echo 'fatal: simulated failure' >&2\nexit 128");
    for args in [vec!["app"], vec!["app", "--init", "--overwrite"]] {
        let dir = disk::seeded_dir();
        let before = tree(dir.path());
        let mut args = args.clone();
        args.extend(["--runtime", "python", "--vcs", "git"]);
        let output = disk::command(dir.path(), &args)
            .env("PATH", &path)
            .output()
            .unwrap();
        let stderr = disk::stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("git init failed in"), "{stderr}");
        assert!(stderr.contains("fatal: simulated failure"), "{stderr}");
        assert!(stderr.contains("nothing was left behind"), "{stderr}");
        assert_eq!(tree(dir.path()), before, "{args:?}");
    }
}

/// Whether the output directory is inside a work tree is answered without git.
#[test]
fn a_run_starts_at_most_one_git_process() {
    if !git_available() {
        return;
    }
    let calls = tempfile::tempdir().unwrap();
    let log = calls.path().join("calls");
    let (_bin, path) = disk::fake_git(&format!(
        "echo \"$*\" >> {}\nexec \"$REAL_GIT\" \"$@\"",
        log.display()
    ));
    let dir = tempfile::tempdir().unwrap();
    support::run(disk::command(dir.path(), &["app", "--runtime", "python"]).env("PATH", &path));
    assert!(dir.path().join("app/.git").is_dir());
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "init --quiet\n");

    // Inside a work tree: no repository of its own, and no git process at all.
    std::fs::remove_file(&log).unwrap();
    support::run(
        disk::command(
            dir.path().join("app").as_path(),
            &["inner", "--runtime", "python"],
        )
        .env("PATH", &path),
    );
    assert!(!dir.path().join("app/inner/.git").exists());
    assert!(!log.exists(), "git ran inside a work tree");
}
