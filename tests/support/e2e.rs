//! What the end-to-end tests share besides the harness (tests/support/rie.rs): which base an
//! image builds on, and the project's own events.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::dockerfile::Stage;

/// Whether `stage` builds on one of the AWS base images.
pub fn is_aws_base(stage: &Stage) -> bool {
    stage.from.starts_with("public.ecr.aws/lambda/")
}

/// Every file in the project's `events/`, in name order: (its path, the payload, the name the
/// answer greets: the `name` query parameter, "world" without one).
pub fn event_files(project: &Path) -> Vec<(String, Vec<u8>, String)> {
    let mut paths: Vec<_> = fs::read_dir(project.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the project has sample events");
    paths
        .into_iter()
        .map(|path| {
            let payload = fs::read(&path).unwrap();
            let event: Value = serde_json::from_slice(&payload).unwrap();
            let name = event["queryStringParameters"]["name"]
                .as_str()
                .unwrap_or("world")
                .to_string();
            (path.display().to_string(), payload, name)
        })
        .collect()
}
