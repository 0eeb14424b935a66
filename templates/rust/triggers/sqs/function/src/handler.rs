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
/// while the others are deleted. When every message failed, the invocation fails instead, so
/// that the function's `Errors` metric counts the batch; SQS redelivers it all the same.
///
/// SQS delivers a message at least once, so processing must be idempotent. Rust has no official
/// idempotency library: key the work on the `messageId`, or on an id the body carries.
pub async fn function_handler(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    let messages = event.payload.records.len();
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
    let failed = response.batch_item_failures.len();
    if failed > 0 && failed == messages {
        return Err(format!("all {failed} messages of the batch failed").into());
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

    #[tokio::test]
    async fn fails_the_invocation_when_every_message_fails() {
        for event in [event("all-failed.json"), messages(&["{}"])] {
            let answer = function_handler(LambdaEvent::new(event, Context::default())).await;

            assert!(
                answer.is_err(),
                "{:?}",
                answer.map(|r| r.batch_item_failures)
            );
        }
    }

    #[tokio::test]
    async fn reports_a_message_whose_name_is_empty() {
        let (answer, greetings) =
            replay(messages(&[r#"{"name": ""}"#, r#"{"name": "Zoë"}"#])).await;

        assert_eq!(
            answer,
            json!({ "batchItemFailures": [{ "itemIdentifier": "message-0" }] })
        );
        let greetings: Vec<_> = greetings.into_iter().flatten().collect();
        assert_eq!(greetings, ["Hello, Zoë!"]);
    }

    /// An event with a message per body, their ids counting from `message-0`.
    fn messages(bodies: &[&str]) -> SqsEvent {
        let records: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| json!({ "messageId": format!("message-{i}"), "body": body }))
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    #[test]
    fn rejects_a_body_without_a_usable_name() {
        for body in ["", "null", "[]", "{}", r#"{"name": ""}"#, r#"{"name": 5}"#] {
            assert!(greeting(body).is_err(), "{body:?}");
        }
    }
}
