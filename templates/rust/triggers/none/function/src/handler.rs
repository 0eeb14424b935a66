//! The handler: answers a direct invocation's JSON object with a greeting.

use lambda_runtime::{Error, LambdaEvent, tracing};
use serde::{Deserialize, Serialize};

/// The event. The runtime parses it: any other event fails the invocation.
#[derive(Deserialize)]
pub struct Request {
    name: String,
}

/// The answer, as JSON.
#[derive(Debug, PartialEq, Serialize)]
pub struct Response {
    message: String,
}

/// Greets the name in the event.
pub async fn function_handler(event: LambdaEvent<Request>) -> Result<Response, Error> {
    let Request { name } = event.payload;
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    tracing::info!("Greeting {name}");
    Ok(Response {
        message: format!("Hello, {name}!"),
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use lambda_runtime::Context;
    use serde_json::json;

    use super::*;

    /// A sample event from the project's `events/`, read when the test runs.
    fn sample(file: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(file);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    async fn handle(request: Request) -> Result<Response, Error> {
        function_handler(LambdaEvent::new(request, Context::default())).await
    }

    #[tokio::test]
    async fn answers_the_sample_event() {
        let request = serde_json::from_str(&sample("event.json")).expect("a request");

        let response = handle(request).await.expect("the handler answers");

        let answer = serde_json::to_value(response).unwrap();
        assert_eq!(answer, json!({ "message": "Hello, Lambda!" }));
    }

    #[test]
    fn a_name_that_is_not_a_string_fails_the_invocation() {
        // The runtime parses the event before the handler runs: this error fails it.
        let json = sample("failure.json");
        assert!(serde_json::from_str::<serde_json::Value>(&json).unwrap()["name"].is_number());
        assert!(serde_json::from_str::<Request>(&json).is_err());
    }

    #[tokio::test]
    async fn an_empty_name_fails_the_invocation() {
        let request = Request {
            name: String::new(),
        };

        assert!(handle(request).await.is_err());
    }
}
