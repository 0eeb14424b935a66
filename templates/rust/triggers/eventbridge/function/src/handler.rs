//! The handler: processes the "Greeting requested" events an EventBridge rule sends.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::{Deserialize, Serialize};

/// What the event's detail holds. The runtime parses it: any other detail fails the
/// invocation.
#[derive(Deserialize, Serialize)]
pub struct Greeting {
    name: String,
}

/// Greets the name in the event's detail. An error fails the invocation; the rule does not
/// retry it: EventBridge invokes the function asynchronously, so Lambda retries the event
/// (twice, the template's `EventInvokeConfig`) and then sends it to the failed-event queue.
///
/// EventBridge delivers an event at least once, so processing must be idempotent. Rust has no
/// official idempotency library: key the work on the event's `id`.
pub async fn function_handler(event: LambdaEvent<EventBridgeEvent<Greeting>>) -> Result<(), Error> {
    let Greeting { name } = event.payload.detail;
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    tracing::info!("Hello, {name}!");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use lambda_runtime::Context;
    use serde_json::Value;

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn sample(file: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    async fn handle(event: EventBridgeEvent<Greeting>) -> Result<(), Error> {
        function_handler(LambdaEvent::new(event, Context::default())).await
    }

    #[tokio::test]
    async fn greets_the_name_in_the_sample_event() {
        let event: EventBridgeEvent<Greeting> =
            serde_json::from_str(&sample("event.json")).expect("a greeting event");
        assert_eq!(event.detail_type, "Greeting requested");
        assert_eq!(event.detail.name, "Lambda");

        handle(event).await.expect("the handler succeeds");
    }

    #[test]
    fn a_detail_without_a_name_fails_the_invocation() {
        // The runtime parses the event before the handler runs: this error fails it.
        let json = sample("failure.json");
        serde_json::from_str::<EventBridgeEvent<Value>>(&json).expect("an EventBridge event");
        assert!(serde_json::from_str::<EventBridgeEvent<Greeting>>(&json).is_err());
    }

    #[tokio::test]
    async fn an_empty_name_fails_the_invocation() {
        let mut event: EventBridgeEvent<Greeting> =
            serde_json::from_str(&sample("event.json")).unwrap();
        event.detail.name.clear();

        assert!(handle(event).await.is_err());
    }
}
