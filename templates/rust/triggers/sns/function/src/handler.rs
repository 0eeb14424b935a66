//! The handler: processes the JSON messages of an SNS topic's notifications.

use aws_lambda_events::sns::SnsEventObj;
use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::{Deserialize, Serialize};

/// What a notification's message holds, as JSON: the runtime parses it, and a message that is
/// not such JSON fails the invocation.
#[derive(Deserialize, Serialize)]
pub struct Greeting {
    name: String,
}

/// Greets the name in each notification's message. An error fails the invocation: SNS invokes
/// the function asynchronously, so Lambda retries the event (twice, the template's
/// `EventInvokeConfig`) and then sends it to the failed-event queue.
///
/// SNS delivers a notification at least once, so processing must be idempotent. Rust has no
/// official idempotency library: key the work on the notification's `MessageId`.
pub async fn function_handler(event: LambdaEvent<SnsEventObj<Greeting>>) -> Result<(), Error> {
    for record in event.payload.records {
        let Greeting { name } = record.sns.message;
        if name.is_empty() {
            return Err(format!("message {}: the name is empty", record.sns.message_id).into());
        }
        tracing::info!("Hello, {name}!");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use aws_lambda_events::sns::SnsEvent;
    use lambda_runtime::Context;

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn sample(file: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    async fn handle(event: SnsEventObj<Greeting>) -> Result<(), Error> {
        function_handler(LambdaEvent::new(event, Context::default())).await
    }

    #[tokio::test]
    async fn greets_the_name_in_the_sample_notification() {
        let event: SnsEventObj<Greeting> =
            serde_json::from_str(&sample("event.json")).expect("a notification of a greeting");
        let names: Vec<_> = event.records.iter().map(|r| &r.sns.message.name).collect();
        assert_eq!(names, ["Lambda"]);

        handle(event).await.expect("the handler succeeds");
    }

    #[test]
    fn a_message_that_is_not_json_fails_the_invocation() {
        // The runtime parses the event before the handler runs: this error fails it.
        let json = sample("failure.json");
        serde_json::from_str::<SnsEvent>(&json).expect("an SNS event");
        assert!(serde_json::from_str::<SnsEventObj<Greeting>>(&json).is_err());
    }

    #[tokio::test]
    async fn an_empty_name_fails_the_invocation() {
        let mut event: SnsEventObj<Greeting> = serde_json::from_str(&sample("event.json")).unwrap();
        event.records[0].sns.message.name.clear();

        assert!(handle(event).await.is_err());
    }
}
