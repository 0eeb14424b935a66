//! The handler: runs the job its schedule names.

use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::Deserialize;

/// The schedule's input (its `Input` in template.yaml). The runtime parses it: an input
/// without a job fails the invocation.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledJob {
    job: String,
    /// When the schedule was due (EventBridge Scheduler fills it in), in RFC 3339.
    scheduled_time: String,
}

/// Runs the job (here, only says so). An error fails the invocation; the schedule does not
/// retry it: EventBridge Scheduler invokes the function asynchronously, so Lambda retries the
/// event (twice, the template's `EventInvokeConfig`) and then sends it to the failed-event
/// queue. As a schedule may also deliver an input more than once, the job must be idempotent:
/// key it on the job and its `scheduledTime`.
pub async fn function_handler(event: LambdaEvent<ScheduledJob>) -> Result<(), Error> {
    let ScheduledJob {
        job,
        scheduled_time,
    } = event.payload;
    if job.is_empty() {
        return Err("the job is empty".into());
    }
    tracing::info!("Running {job} for {scheduled_time}");
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

    async fn handle(input: ScheduledJob) -> Result<(), Error> {
        function_handler(LambdaEvent::new(input, Context::default())).await
    }

    #[tokio::test]
    async fn runs_the_job_of_the_sample_input() {
        let input: ScheduledJob = serde_json::from_str(&sample("event.json")).expect("a job");
        assert_eq!(input.job, "hourly-report");
        assert_eq!(input.scheduled_time, "2026-11-27T12:00:00Z");

        handle(input).await.expect("the handler succeeds");
    }

    #[test]
    fn an_input_without_a_job_fails_the_invocation() {
        // The runtime parses the input before the handler runs: this error fails it.
        let json = sample("failure.json");
        let input: Value = serde_json::from_str(&json).expect("JSON");
        assert!(input.get("job").is_none(), "{input}");
        assert!(serde_json::from_str::<ScheduledJob>(&json).is_err());
    }

    #[tokio::test]
    async fn an_empty_job_fails_the_invocation() {
        let mut input: ScheduledJob = serde_json::from_str(&sample("event.json")).unwrap();
        input.job.clear();

        assert!(handle(input).await.is_err());
    }
}
