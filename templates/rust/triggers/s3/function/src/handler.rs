//! The handler: reads the head of each object uploaded to the bucket.

use aws_lambda_events::s3::{S3Event, S3EventRecord};
use aws_sdk_s3::error::DisplayErrorContext;
use lambda_runtime::{Error, LambdaEvent, tracing};
use percent_encoding::percent_decode_str;

/// What the handler reads of an object.
#[derive(Debug, Clone)]
pub struct Head {
    pub size: i64,
    pub content_type: String,
}

/// Where object heads come from: S3, or the unit tests' fake.
pub trait Heads {
    /// The head of `key` in `bucket`; an error for an object that is gone.
    fn head(&self, bucket: &str, key: &str) -> impl Future<Output = Result<Head, Error>> + Send;
}

impl Heads for aws_sdk_s3::Client {
    async fn head(&self, bucket: &str, key: &str) -> Result<Head, Error> {
        let head = self.head_object().bucket(bucket).key(key).send().await;
        // The context names the service's error (NotFound, Forbidden) and its cause.
        let head = head.map_err(|e| DisplayErrorContext(e).to_string())?;
        Ok(Head {
            size: head.content_length().unwrap_or_default(),
            content_type: head.content_type().unwrap_or_default().to_owned(),
        })
    }
}

/// Logs each new object with the size and content type its head gives. An object deleted
/// since the event fails the invocation, so Lambda retries the event.
///
/// S3 sends each event notification at least once, so processing must be idempotent. Rust has
/// no official idempotency library: key the work on the bucket, the key and its `sequencer`.
pub async fn function_handler(
    heads: &impl Heads,
    event: LambdaEvent<S3Event>,
) -> Result<(), Error> {
    for record in &event.payload.records {
        // Outside the log macro, which skips its arguments at a level that is off.
        let line = describe(heads, record).await?;
        tracing::info!("{line}");
    }
    Ok(())
}

/// "New object s3://BUCKET/KEY (SIZE bytes) of type CONTENT_TYPE", from the object's head.
async fn describe(heads: &impl Heads, record: &S3EventRecord) -> Result<String, Error> {
    let bucket = record.s3.bucket.name.as_deref().unwrap_or_default();
    let key = object_key(record.s3.object.key.as_deref().unwrap_or_default());
    let head = heads
        .head(bucket, &key)
        .await
        .map_err(|e| format!("reading the head of s3://{bucket}/{key}: {e}"))?;
    Ok(format!(
        "New object s3://{bucket}/{key} ({} bytes) of type {}",
        head.size, head.content_type
    ))
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
    use std::collections::HashMap;
    use std::fs;
    use std::path::Path;
    use std::sync::Mutex;

    use lambda_runtime::Context;

    use super::*;

    /// Answers from its heads (by key, in example-bucket) and records the keys it was asked for.
    #[derive(Default)]
    struct FakeS3 {
        heads: HashMap<String, Head>,
        asked: Mutex<Vec<String>>,
    }

    impl FakeS3 {
        fn with(heads: &[(&str, i64, &str)]) -> FakeS3 {
            let heads = heads.iter().map(|&(key, size, content_type)| {
                let head = Head {
                    size,
                    content_type: content_type.to_owned(),
                };
                (key.to_owned(), head)
            });
            FakeS3 {
                heads: heads.collect(),
                ..FakeS3::default()
            }
        }

        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    impl Heads for FakeS3 {
        async fn head(&self, bucket: &str, key: &str) -> Result<Head, Error> {
            assert_eq!(bucket, "example-bucket");
            self.asked.lock().unwrap().push(key.to_owned());
            let head = self.heads.get(key).cloned();
            head.ok_or_else(|| "NotFound".into())
        }
    }

    /// A sample event from the project's `events/`, read when the test runs.
    fn event(file: &str) -> S3Event {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        let json = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// An event for one object of example-bucket, its key as S3 encodes it.
    fn upload(key: &str) -> S3Event {
        let mut event = event("event.json");
        event.records.truncate(1);
        event.records[0].s3.object.key = Some(key.to_owned());
        event
    }

    #[tokio::test]
    async fn notes_each_object_of_the_sample_event_from_its_head() {
        let s3 = FakeS3::with(&[
            ("uploads/hello world.txt", 11, "text/plain"),
            ("uploads/café.txt", 5, "text/plain"),
        ]);
        let event = event("event.json");
        let mut lines = Vec::new();
        for record in &event.records {
            lines.push(describe(&s3, record).await.unwrap());
        }

        assert_eq!(
            lines,
            [
                "New object s3://example-bucket/uploads/hello world.txt (11 bytes) of type text/plain",
                "New object s3://example-bucket/uploads/café.txt (5 bytes) of type text/plain",
            ]
        );
        function_handler(&s3, LambdaEvent::new(event, Context::default()))
            .await
            .expect("the handler succeeds");
        assert_eq!(s3.asked().len(), 4, "one head per object and call");
    }

    #[tokio::test]
    async fn says_what_the_head_says() {
        let s3 = FakeS3::with(&[("uploads/a.json", 4096, "application/json")]);
        let line = describe(&s3, &upload("uploads/a.json").records[0]).await;

        assert_eq!(
            line.unwrap(),
            "New object s3://example-bucket/uploads/a.json (4096 bytes) of type application/json"
        );
    }

    #[tokio::test]
    async fn fails_on_an_object_gone() {
        let s3 = FakeS3::default();
        let event = LambdaEvent::new(upload("uploads/gone.txt"), Context::default());

        let error = function_handler(&s3, event).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "reading the head of s3://example-bucket/uploads/gone.txt: NotFound"
        );
        assert_eq!(s3.asked(), ["uploads/gone.txt"]);
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
