//! The handler: processes an SQS queue's messages, reporting the ones that fail.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::Deserialize;

/// What a message's body holds.
#[derive(Deserialize)]
struct Greeting {
    name: String,
}

/// Greets the name in each message. A message that fails is reported back on its own: SQS
/// delivers it again (and after `maxReceiveCount` receives moves it to the dead-letter queue),
/// while the others are deleted.
pub async fn function_handler(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for message in event.payload.records {
        let id = message.message_id.unwrap_or_default();
        match greeting(message.body.as_deref().unwrap_or_default()) {
            Ok(greeting) => tracing::info!("{greeting}"),
            Err(error) => {
                tracing::error!("Message {id} failed: {error}");
                response.add_failure(id);
            }
        }
    }
    Ok(response)
}

/// The greeting for a message body: a JSON object with a non-empty string `name`.
fn greeting(body: &str) -> Result<String, Error> {
    let Greeting { name } = serde_json::from_str(body)?;
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    Ok(format!("Hello, {name}!"))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use lambda_runtime::Context;
    use serde_json::{Value, json};

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn event(file: &str) -> SqsEvent {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        let json = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The handler's answer to `event`, as Lambda receives it, and each message's greeting.
    async fn replay(event: SqsEvent) -> (Value, Vec<Option<String>>) {
        let greetings = event
            .records
            .iter()
            .map(|m| greeting(m.body.as_deref().unwrap_or_default()).ok())
            .collect();
        let response = function_handler(LambdaEvent::new(event, Context::default()))
            .await
            .expect("the handler answers");
        (serde_json::to_value(response).unwrap(), greetings)
    }

    #[tokio::test]
    async fn processes_every_message_of_the_sample_event() {
        let (answer, greetings) = replay(event("event.json")).await;

        assert_eq!(answer, json!({ "batchItemFailures": [] }));
        let greetings: Vec<_> = greetings.into_iter().flatten().collect();
        assert_eq!(greetings, ["Hello, Alice!", "Hello, Bob!"]);
    }

    #[tokio::test]
    async fn reports_only_the_message_that_fails() {
        let (answer, greetings) = replay(event("failure.json")).await;

        let failed = "c80e8021-a70a-42c7-a470-796e1186f753";
        assert_eq!(
            answer,
            json!({ "batchItemFailures": [{ "itemIdentifier": failed }] })
        );
        let greetings: Vec<_> = greetings.into_iter().flatten().collect();
        assert_eq!(greetings, ["Hello, Alice!", "Hello, Carol!"]);
    }

    #[test]
    fn rejects_a_body_without_a_usable_name() {
        for body in ["", "null", "[]", "{}", r#"{"name": ""}"#, r#"{"name": 5}"#] {
            assert!(greeting(body).is_err(), "{body:?}");
        }
    }
}
