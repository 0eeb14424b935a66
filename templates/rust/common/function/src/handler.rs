//! The handler: answers API Gateway REST API (proxy integration) events.

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderValue, header::CONTENT_TYPE};
use lambda_runtime::{Error, LambdaEvent, tracing};
use serde_json::json;

/// Greets the caller named in the `name` query parameter, or the world.
pub async fn function_handler(
    event: LambdaEvent<ApiGatewayProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Error> {
    let name = event
        .payload
        .query_string_parameters
        .first("name")
        .filter(|name| !name.is_empty())
        .unwrap_or("world");
    tracing::info!("Greeting {name}");

    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = 200;
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(
        json!({ "message": format!("Hello, {name}!") }).to_string(),
    ));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use serde_json::Value;

    use super::*;

    /// `events/event.json` next to `function/`: the sample event API Gateway sends.
    const EVENT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/event.json"));

    async fn answer(event: Value) -> ApiGatewayProxyResponse {
        let request = serde_json::from_value(event).expect("an API Gateway proxy event");
        function_handler(LambdaEvent::new(request, Context::default()))
            .await
            .expect("the handler answers")
    }

    fn message(response: &ApiGatewayProxyResponse) -> Value {
        let Some(Body::Text(body)) = &response.body else {
            panic!("expected a text body, got {:?}", response.body);
        };
        serde_json::from_str::<Value>(body).expect("a JSON body")["message"].take()
    }

    #[tokio::test]
    async fn answers_the_sample_event() {
        let response = answer(serde_json::from_str(EVENT).unwrap()).await;

        assert_eq!(response.status_code, 200);
        assert_eq!(response.headers.len(), 1);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        assert_eq!(message(&response), "Hello, Lambda!");
    }

    #[tokio::test]
    async fn greets_the_world_without_a_name() {
        // queryStringParameters missing, null, empty, or with an empty name.
        let cases = [
            None,
            Some(Value::Null),
            Some(json!({})),
            Some(json!({ "name": "" })),
        ];
        for params in cases {
            let mut event: Value = serde_json::from_str(EVENT).unwrap();
            let fields = event.as_object_mut().unwrap();
            fields.remove("queryStringParameters");
            if let Some(params) = &params {
                fields.insert("queryStringParameters".into(), params.clone());
            }

            let response = answer(event).await;

            assert_eq!(message(&response), "Hello, world!", "with {params:?}");
        }
    }
}
