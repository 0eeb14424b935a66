//! The handler: notes each object uploaded to the bucket.

use aws_lambda_events::s3::{S3Event, S3EventRecord};
use lambda_runtime::{Error, LambdaEvent, tracing};
use percent_encoding::percent_decode_str;

/// Logs each new object's location and size.
pub async fn function_handler(event: LambdaEvent<S3Event>) -> Result<(), Error> {
    for record in &event.payload.records {
        tracing::info!("{}", describe(record));
    }
    Ok(())
}

/// "New object s3://BUCKET/KEY (SIZE bytes)".
fn describe(record: &S3EventRecord) -> String {
    let bucket = record.s3.bucket.name.as_deref().unwrap_or_default();
    let key = object_key(record.s3.object.key.as_deref().unwrap_or_default());
    let size = record.s3.object.size.unwrap_or_default();
    format!("New object s3://{bucket}/{key} ({size} bytes)")
}

/// The object's key: S3 events carry it URL-encoded, a space as '+' and other bytes as %XX
/// (a '+' of the key itself as %2B).
fn object_key(encoded: &str) -> String {
    percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use lambda_runtime::Context;

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn event(file: &str) -> S3Event {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        let json = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[tokio::test]
    async fn notes_each_object_of_the_sample_event() {
        let event = event("event.json");
        let lines: Vec<_> = event.records.iter().map(describe).collect();

        assert_eq!(
            lines,
            [
                "New object s3://example-bucket/uploads/hello world.txt (11 bytes)",
                "New object s3://example-bucket/uploads/café.txt (5 bytes)",
            ]
        );
        function_handler(LambdaEvent::new(event, Context::default()))
            .await
            .expect("the handler succeeds");
    }

    #[test]
    fn decodes_keys_as_s3_encodes_them() {
        let cases = [
            ("plain.txt", "plain.txt"),
            ("a+b%2Bc.txt", "a b+c.txt"),
            ("%E2%82%AC%20100%25", "€ 100%"),
            ("dir%2Fsub/x%3Dy%26z", "dir/sub/x=y&z"),
        ];
        for (encoded, key) in cases {
            assert_eq!(object_key(encoded), key, "{encoded}");
        }
    }
}
