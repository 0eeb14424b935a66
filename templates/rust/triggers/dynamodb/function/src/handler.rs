//! The handler: follows a DynamoDB table's stream, reporting the records that fail.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::Deserialize;

/// The table's key.
#[derive(Deserialize)]
struct Key {
    id: String,
}

/// What a new or changed item must hold.
#[derive(Deserialize)]
struct Greeting {
    name: String,
}

/// Greets the name of each new or changed item and notes each removed one. A record that fails
/// is reported by its sequence number: Lambda retries the batch from that record on (and after
/// its retries sends the record's details to the on-failure destination, if any).
pub async fn function_handler(event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, Error> {
    let mut response = DynamoDbEventResponse::default();
    for record in event.payload.records {
        let sequence_number = record.change.sequence_number.clone().unwrap_or_default();
        match describe(record) {
            Ok(line) => tracing::info!("{line}"),
            Err(error) => {
                tracing::error!("Record {sequence_number} failed: {error}");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(sequence_number);
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}

/// What a record's change means: "Hello, NAME!" for an insert or a modify (its new image's
/// string attribute `name`), "Removed ID" for a remove (its key `id`).
fn describe(record: EventRecord) -> Result<String, Error> {
    match record.event_name.as_str() {
        "INSERT" | "MODIFY" => {
            let Greeting { name } = serde_dynamo::from_item(record.change.new_image)?;
            Ok(format!("Hello, {name}!"))
        }
        "REMOVE" => {
            let Key { id } = serde_dynamo::from_item(record.change.keys)?;
            Ok(format!("Removed {id}"))
        }
        other => Err(format!("unknown event name {other:?}").into()),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use lambda_runtime::Context;
    use serde_json::{Value, json};

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn event(file: &str) -> Event {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        let json = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The handler's answer to `event`, as Lambda receives it, and what each record meant.
    async fn replay(event: Event) -> (Value, Vec<String>) {
        let lines = event
            .records
            .iter()
            .filter_map(|r| describe(r.clone()).ok())
            .collect();
        let response = function_handler(LambdaEvent::new(event, Context::default()))
            .await
            .expect("the handler answers");
        (serde_json::to_value(response).unwrap(), lines)
    }

    #[tokio::test]
    async fn processes_every_record_of_the_sample_event() {
        let (answer, lines) = replay(event("event.json")).await;

        assert_eq!(answer, json!({ "batchItemFailures": [] }));
        assert_eq!(lines, ["Hello, Alice!", "Hello, Alicia!", "Removed 2"]);
    }

    #[tokio::test]
    async fn reports_only_the_record_that_fails() {
        let (answer, lines) = replay(event("failure.json")).await;

        let failed = "4421584500000000017450439092";
        assert_eq!(
            answer,
            json!({ "batchItemFailures": [{ "itemIdentifier": failed }] })
        );
        assert_eq!(lines, ["Hello, Alice!", "Hello, Carol!"]);
    }

    #[test]
    fn fails_a_record_without_a_string_name() {
        let sample = &event("event.json").records[0];
        for image in [
            json!({}),
            json!({ "name": { "N": "1" } }),
            json!({ "name": { "NULL": true } }),
        ] {
            let mut record = sample.clone();
            record.change.new_image = serde_json::from_value(image.clone()).unwrap();
            assert!(describe(record).is_err(), "{image}");
        }
    }
}
