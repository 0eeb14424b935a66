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
    let mut paths: Vec<_> = fs::read_dir(super::function_folder(project).join("events"))
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

/// Every trigger id of the catalog, in its order (the default first).
pub fn triggers() -> Vec<String> {
    let catalog = lambda_new::catalog::Catalog::embedded().expect("embedded catalog");
    catalog.triggers.iter().map(|t| t.id.clone()).collect()
}

/// One of a trigger's bundled events, read from a generated project, with what the handler
/// must answer to it (trigger.yaml's `expect`).
#[derive(Debug, Clone)]
pub struct TriggerEvent {
    /// Its file name under `events/`.
    pub file: String,
    /// `events/<file>` and the trigger, for messages.
    pub what: String,
    pub payload: Vec<u8>,
    pub expect: Value,
}

/// `trigger`'s bundled events as the generated `project` holds them, in the catalog's order.
pub fn trigger_events(project: &Path, trigger: &str) -> Vec<TriggerEvent> {
    let catalog = lambda_new::catalog::Catalog::embedded().expect("embedded catalog");
    let trigger = catalog.trigger(trigger).expect("a trigger of the catalog");
    assert!(!trigger.events.is_empty(), "{} has events", trigger.id);
    trigger
        .events
        .iter()
        .map(|event| {
            let path = super::function_folder(project)
                .join("events")
                .join(&event.file);
            let payload = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_json::from_slice::<Value>(&payload)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            TriggerEvent {
                file: event.file.clone(),
                what: format!("events/{} ({})", event.file, trigger.id),
                payload,
                expect: event.expected(),
            }
        })
        .collect()
}
