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

/// Greets the name of each new or changed item and notes each removed one, in order, and stops
/// at the first record that fails: it and every later record are reported by their sequence
/// numbers. Lambda restarts the shard from the lowest one reported, so a later record processed
/// now would be processed again, and out of order (after its retries, Lambda sends the failed
/// record's details to the on-failure destination). When every record is reported, the
/// invocation fails instead, so that the function's `Errors` metric counts the batch; Lambda
/// retries it all the same.
///
/// A stream record may be delivered more than once, so processing must be idempotent. Rust has
/// no official idempotency library: key the work on the record's `eventID`, or the item's key.
pub async fn function_handler(event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, Error> {
    let mut response = DynamoDbEventResponse::default();
    let mut records = event.payload.records.into_iter();
    let total = records.len();
    while let Some(record) = records.next() {
        let sequence_number = record.change.sequence_number.clone();
        match describe(record) {
            Ok(line) => tracing::info!("{line}"),
            Err(error) => {
                let id = sequence_number.as_deref().unwrap_or_default();
                tracing::error!("Record {id} failed: {error}");
                let unprocessed = records.map(|r| r.change.sequence_number);
                for item_identifier in std::iter::once(sequence_number).chain(unprocessed) {
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = item_identifier;
                    response.batch_item_failures.push(failure);
                }
                break;
            }
        }
    }
    if total > 0 && response.batch_item_failures.len() == total {
        return Err(format!("the first record of the batch failed ({total} records)").into());
    }
    Ok(response)
}

/// What a record's change means: "Hello, NAME!" for an insert or a modify (its new image's
/// string attribute `name`), "Removed ID" for a remove (its key `id`).
fn describe(record: EventRecord) -> Result<String, Error> {
    match record.event_name.as_str() {
        "INSERT" | "MODIFY" => {
            let Greeting { name } = serde_dynamo::from_item(record.change.new_image)?;
            if name.is_empty() {
                return Err("the name is empty".into());
            }
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

    /// The handler's answer to `event`, as Lambda receives it, and what each record before
    /// the first failed one meant.
    async fn replay(event: Event) -> (Value, Vec<String>) {
        let lines = event
            .records
            .iter()
            .map_while(|r| describe(r.clone()).ok())
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
    async fn stops_at_the_record_that_fails_and_reports_it_and_every_later_one() {
        let (answer, lines) = replay(event("failure.json")).await;

        let failed = [
            "4421584500000000017450439092",
            "4421584500000000017450439103",
        ];
        assert_eq!(
            answer,
            json!({ "batchItemFailures": [
                { "itemIdentifier": failed[0] },
                { "itemIdentifier": failed[1] },
            ] })
        );
        assert_eq!(lines, ["Hello, Alice!"]);
    }

    #[tokio::test]
    async fn fails_the_invocation_when_every_record_is_reported() {
        let no_records = serde_json::from_value(json!({ "Records": [] })).unwrap();
        for event in [event("all-failed.json"), no_records] {
            let records = event.records.len();
            let answer = function_handler(LambdaEvent::new(event, Context::default())).await;

            assert_eq!(answer.is_err(), records > 0, "{records} records");
        }
    }

    #[test]
    fn fails_a_record_without_a_non_empty_string_name() {
        let sample = &event("event.json").records[0];
        for image in [
            json!({}),
            json!({ "name": { "S": "" } }),
            json!({ "name": { "N": "1" } }),
            json!({ "name": { "NULL": true } }),
        ] {
            let mut record = sample.clone();
            record.change.new_image = serde_json::from_value(image.clone()).unwrap();
            assert!(describe(record).is_err(), "{image}");
        }
    }
}
