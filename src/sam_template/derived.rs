//! The logical ids SAM's translator generates from a template's resources, so that a new
//! function is refused when one of its ids (or one SAM derives from it) is taken.
//!
//! Read from samtranslator (the version SAM CLI 1.170 bundles): `model/sam_resources.py`
//! (SamFunction: `<Id>Role` via role_utils, `<Id>Version<hash>`, `<Id>Alias<name>`, `<Id>Url`,
//! `<Id>UrlPublicPermissions`, `<Id>URLInvokeAllowPublicAccess`, `<Id>EventInvokeConfig`; an
//! event `E` is translated with the id `<Id>E`), `model/eventsources/push.py` and `pull.py`
//! (`<Id>E` itself, `<Id>EPermission<suffix>`, `<Id>EQueue`, `<Id>EQueuePolicy`,
//! `<Id>EEventSourceMapping`), `model/eventsources/scheduler.py` (`<Id>ERole`, `<Id>EQueue`),
//! `model/api/api_generator.py` and `http_api_generator.py` (`<Api>Deployment<hash>`,
//! `<Api><Stage>Stage`, `<Api>ApiGatewayDefaultStage`, `<Api>DomainName`,
//! `<Api>BasePathMapping`, `<Api>ApiMapping`, `<Api>UsagePlan`, `<Api>ApiKey`,
//! `<Api>UsagePlanKey`) and the state machine's `<Id>Role` and `<Id>E...` ids.

use serde_yaml::{Mapping, Value};

/// An id SAM makes: exactly this one, or one that starts with it (a hash or a name follows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derived {
    Exact(String),
    Prefix(String),
}

impl Derived {
    /// Whether the id `id` (as written in a template) is one this stands for, ignoring case.
    /// Compares in place: `add` asks it for every pair of new and existing ids, thousands of
    /// times in a large template, and a lowercase copy of both was two allocations each time.
    pub fn covers(&self, id: &str) -> bool {
        match self {
            Derived::Exact(d) => d.eq_ignore_ascii_case(id),
            Derived::Prefix(p) => id
                .as_bytes()
                .get(..p.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(p.as_bytes())),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Derived::Exact(d) => d.clone(),
            Derived::Prefix(p) => format!("{p}..."),
        }
    }
}

/// The ids SAM generates for the resource `id`, whose definition is `resource`.
pub fn ids(id: &str, resource: &Value) -> Vec<Derived> {
    let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
    let properties = resource.get("Properties").and_then(Value::as_mapping);
    let exact = |suffix: &str| Derived::Exact(format!("{id}{suffix}"));
    let prefix = |suffix: &str| Derived::Prefix(format!("{id}{suffix}"));
    let mut out = Vec::new();
    match kind {
        "AWS::Serverless::Function" => {
            out.extend(
                [
                    "Role",
                    "Url",
                    "UrlPublicPermissions",
                    "URLInvokeAllowPublicAccess",
                ]
                .map(exact),
            );
            out.extend(["EventInvokeConfig", "Version", "Alias"].map(prefix));
            out.extend(events(id, properties));
        }
        "AWS::Serverless::StateMachine" => {
            out.push(exact("Role"));
            out.extend(events(id, properties));
        }
        "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" | "AWS::Serverless::WebSocketApi" => {
            out.extend(
                [
                    "DomainName",
                    "BasePathMapping",
                    "ApiMapping",
                    "UsagePlan",
                    "ApiKey",
                    "ApiGatewayDefaultStage",
                    "DefaultStage",
                    "CloudWatchRole",
                ]
                .map(exact),
            );
            out.push(prefix("Deployment"));
            if let Some(stage) = properties
                .and_then(|p| p.get("StageName"))
                .and_then(Value::as_str)
            {
                let alphanumeric: String =
                    stage.chars().filter(char::is_ascii_alphanumeric).collect();
                out.push(exact(&format!("{alphanumeric}Stage")));
            }
        }
        _ => {}
    }
    out
}

/// The ids each event of a function or state machine gets: `<Id><Event>` and what hangs off it.
fn events(id: &str, properties: Option<&Mapping>) -> Vec<Derived> {
    let Some(events) = properties
        .and_then(|p| p.get("Events"))
        .and_then(Value::as_mapping)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for event in events.keys().filter_map(Value::as_str) {
        let base = format!("{id}{event}");
        out.push(Derived::Exact(base.clone()));
        out.extend(
            ["Queue", "QueuePolicy", "EventSourceMapping", "Role"]
                .map(|suffix| Derived::Exact(format!("{base}{suffix}"))),
        );
        out.push(Derived::Prefix(format!("{base}Permission")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_s_role_and_its_events_ids() {
        let function: Value = serde_yaml::from_str(
            "Type: AWS::Serverless::Function\nProperties:\n  Events:\n    Api:\n      Type: Api\n",
        )
        .unwrap();
        let ids = ids("MyLambdaFunction", &function);
        let covered = |id: &str| ids.iter().any(|d| d.covers(id));
        for id in [
            "MyLambdaFunctionRole",
            "mylambdafunctionrole",
            "MyLambdaFunctionApi",
            "MyLambdaFunctionApiPermissionProd",
            "MyLambdaFunctionVersion0123abcd",
            "MyLambdaFunctionUrl",
        ] {
            assert!(covered(id), "{id}");
        }
        for id in [
            "MyLambdaFunction",
            "MyLambdaFunctionTwo",
            "MyLambdaFunctionApiTwo",
        ] {
            assert!(!covered(id), "{id}");
        }
    }
}
