//! Concurrent runs of the real binary into one place: exactly one succeeds, and the other
//! fails cleanly and leaves nothing (the tree is the winner's project over what was there).

mod support;

use std::path::Path;

use support::disk::{self, STEP_DELAY, tree};

const ROUNDS: usize = 12;

/// Two runtimes, so a tree mixing both runs' files would show.
const RUNTIMES: [&str; 2] = ["python", "nodejs"];

type Tree = Vec<(String, Option<Vec<u8>>)>;

/// Runs every runtime's command at once in a fresh `setup()` directory, `ROUNDS` times,
/// and checks exactly one succeeded and left exactly its own project.
fn race(setup: fn() -> tempfile::TempDir, args: &[&str]) {
    let complete: Vec<Tree> = RUNTIMES
        .iter()
        .map(|runtime| {
            let dir = setup();
            support::run(&mut disk::command(dir.path(), &with(args, runtime)));
            tree(dir.path())
        })
        .collect();
    for round in 0..ROUNDS {
        let dir = setup();
        let (outputs, stderrs) = disk::run_together(RUNTIMES.iter().map(|runtime| {
            let mut cmd = disk::command(dir.path(), &with(args, runtime));
            // A delay only on odd rounds: fast runs race too, slow ones overlap surely.
            if round % 2 == 1 {
                cmd.env(STEP_DELAY, "2");
            }
            cmd
        }));
        let context = format!("{args:?} round {round}: {stderrs}");
        let winners: Vec<usize> = (0..RUNTIMES.len())
            .filter(|&i| outputs[i].status.success())
            .collect();
        assert_eq!(winners.len(), 1, "{context}");
        for (i, output) in outputs.iter().enumerate() {
            if i != winners[0] {
                assert_eq!(output.status.code(), Some(1), "{context}");
            }
        }
        assert_eq!(tree(dir.path()), complete[winners[0]], "{context}");
    }
}

fn with<'a>(args: &[&'a str], runtime: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--runtime", runtime, "--vcs", "none"]);
    all
}

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A directory with a file of the user's that no project replaces.
fn with_notes() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    dir
}

#[test]
fn concurrent_init_runs_into_one_directory() {
    race(with_notes, &["app", "--init"]);
}

#[test]
fn concurrent_force_runs_into_one_empty_directory() {
    fn with_empty_app() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        dir
    }
    race(with_empty_app, &["app", "--force"]);
}

#[test]
fn concurrent_runs_making_one_new_project() {
    race(empty_dir, &["app"]);
}

#[test]
fn a_run_into_a_directory_another_run_is_writing_says_so() {
    let dir = with_notes();
    let mut slow = disk::command(dir.path(), &with(&["app", "--init"], "python"));
    let slow = slow.env(STEP_DELAY, "50").spawn().unwrap();
    wait_for_staging(dir.path());
    let output = disk::command(dir.path(), &with(&["app", "--init"], "nodejs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        disk::stderr(&output).contains("another lambda-new run is writing into ."),
        "{}",
        disk::stderr(&output)
    );
    assert!(slow.wait_with_output().unwrap().status.success());
}

fn wait_for_staging(dir: &Path) {
    let started = std::time::Instant::now();
    while disk::stagings(dir).is_empty() {
        assert!(started.elapsed().as_secs() < 30, "the slow run never began");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Two `lambda-new add` runs at once into one application: each one adds its function whole or
/// fails (another run writing, or the template changed since it was read) and leaves nothing;
/// the template keeps every byte it had and holds exactly the functions whose runs succeeded.
#[test]
fn concurrent_adds_into_one_application() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        support::run(&mut disk::command(dir.path(), &["app", "--vcs", "none"]));
        let project = dir.path().join("app");
        let before = std::fs::read_to_string(project.join("template.yaml")).unwrap();
        let names = ["one", "two"];
        let (outputs, stderrs) = disk::run_together(names.iter().map(|name| {
            let mut cmd = disk::command(&project, &["add", name, "--runtime", "go"]);
            if round % 2 == 1 {
                cmd.env(STEP_DELAY, "2");
            }
            cmd
        }));
        let context = format!("round {round}: {stderrs}");
        let after = std::fs::read_to_string(project.join("template.yaml")).unwrap();
        assert!(support::only_inserts(&before, &after), "{context}");
        let template: serde_yaml::Value = serde_yaml::from_str(&after).unwrap();
        for (name, output) in names.iter().zip(&outputs) {
            let added = output.status.success();
            if !added {
                assert_eq!(output.status.code(), Some(1), "{context}");
            }
            let id = format!("{}Function", name[..1].to_uppercase() + &name[1..]);
            assert_eq!(
                template["Resources"].get(id.as_str()).is_some(),
                added,
                "{name}: {context}"
            );
            assert_eq!(project.join(name).exists(), added, "{name}: {context}");
        }
        assert!(outputs.iter().any(|o| o.status.success()), "{context}");
        assert!(disk::stagings(&project).is_empty(), "{context}");
    }
}
