//! An in-process emulator of the Lambda Runtime API (version path `2018-06-01`), so tests can
//! run a real runtime interface client against generated code without Docker or AWS.
//!
//! ```ignore
//! let api = RuntimeApi::start();
//! // start the client with `api.env()`, then:
//! let outcome = api.invoke(br#"{"key":"value"}"#, Duration::from_secs(10));
//! ```
//!
//! Serve one client process per emulator, as one Lambda sandbox does: the `next` poll of a
//! client killed mid-wait stays pending and would take the following event.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

/// Lambda's limit on a synchronous response payload.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// The function every invocation claims to come from (see [`RuntimeApi::env`]).
pub const FUNCTION_NAME: &str = "test_function";
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:test_function";
pub const REGION: &str = "us-east-1";

/// One event to hand to the runtime client, with the optional context headers
/// (`Lambda-Runtime-Client-Context`, `Lambda-Runtime-Cognito-Identity`; JSON strings).
#[derive(Clone, Debug, Default)]
pub struct Event {
    pub payload: Vec<u8>,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
}

/// How an invocation ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The body the client posted to `/response`.
    Response(Vec<u8>),
    /// What the client posted to `/error`: the `Lambda-Runtime-Function-Error-Type` header
    /// (`Unhandled` when absent, as Lambda reports it; awslambdaric sends none here) and the
    /// JSON body (`errorMessage`, `errorType`, `stackTrace`). An oversized response also ends
    /// here, as `Function.ResponseSizeTooLarge`, like on Lambda.
    Error { error_type: String, body: Value },
}

/// What the client posted to `/init/error`.
#[derive(Clone, Debug, PartialEq)]
pub struct InitError {
    pub error_type: String,
    pub body: Value,
}

/// What every endpoint answers: a body held in memory.
type Reply = Response<std::io::Cursor<Vec<u8>>>;

/// No answer came within the invocation's timeout.
#[derive(Debug, PartialEq)]
pub struct Timeout;

/// A running emulator; dropping it stops the server and answers any pending long poll.
pub struct RuntimeApi {
    server: Arc<Server>,
    state: Arc<State>,
    address: String,
    accept_thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    inner: Mutex<Inner>,
    changed: Condvar,
}

#[derive(Default)]
struct Inner {
    /// Events queued but not yet handed out by `next`, with their id and deadline.
    queue: VecDeque<(String, u128, Event)>,
    /// Ids handed out and not yet answered: the only ids `/response` and `/error` accept.
    in_flight: HashSet<String>,
    outcomes: HashMap<String, Outcome>,
    init_error: Option<InitError>,
    shutdown: bool,
}

impl RuntimeApi {
    /// Starts the server on 127.0.0.1 with a port the OS picks.
    pub fn start() -> RuntimeApi {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("emulator binds a local port"));
        let address = server
            .server_addr()
            .to_ip()
            .expect("an IP address")
            .to_string();
        let state = Arc::new(State::default());
        let accept_thread = {
            let (server, state) = (server.clone(), state.clone());
            std::thread::spawn(move || {
                loop {
                    match server.recv() {
                        // Own thread per request: a long-polling `next` must not stall the rest.
                        Ok(request) => {
                            let state = state.clone();
                            std::thread::spawn(move || handle(&state, request));
                        }
                        Err(_) if state.lock().shutdown => break,
                        Err(_) => continue,
                    }
                }
            })
        };
        RuntimeApi {
            server,
            state,
            address,
            accept_thread: Some(accept_thread),
        }
    }

    /// `127.0.0.1:PORT`: the value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// Every variable a runtime client reads besides `_HANDLER` and `LAMBDA_TASK_ROOT`,
    /// with the values the AWS emulator (RIE) defaults to.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test_function"),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/01/[$LATEST]0123456789abcdef",
            ),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Queues `payload` and waits up to `timeout` for the client's response or error; once the
    /// client has posted an init error, every invocation ends at once with that error.
    pub fn invoke(&self, payload: &[u8], timeout: Duration) -> Result<Outcome, Timeout> {
        self.invoke_event(
            Event {
                payload: payload.to_vec(),
                ..Event::default()
            },
            timeout,
        )
    }

    /// [`invoke`](Self::invoke) with context headers.
    pub fn invoke_event(&self, event: Event, timeout: Duration) -> Result<Outcome, Timeout> {
        let id = request_id();
        let deadline_ms = epoch_ms() + timeout.as_millis();
        let mut inner = self.state.lock();
        inner.queue.push_back((id.clone(), deadline_ms, event));
        self.state.changed.notify_all();
        let give_up = Instant::now() + timeout;
        loop {
            if let Some(outcome) = inner.outcomes.remove(&id) {
                return Ok(outcome);
            }
            let left = give_up.saturating_duration_since(Instant::now());
            // Lambda answers invocations of a sandbox whose init failed with the init error.
            let failed_init = inner.init_error.clone().map(|init| Outcome::Error {
                error_type: init.error_type,
                body: init.body,
            });
            if left.is_zero() || failed_init.is_some() {
                // Forget the event, so a late answer gets 400 and no `next` receives it.
                inner.queue.retain(|(queued, ..)| *queued != id);
                inner.in_flight.remove(&id);
                return failed_init.ok_or(Timeout);
            }
            let (guard, _) = self
                .state
                .changed
                .wait_timeout(inner, left)
                .unwrap_or_else(PoisonError::into_inner);
            inner = guard;
        }
    }

    /// What the client posted to `/init/error`, if anything yet.
    pub fn init_error(&self) -> Option<InitError> {
        self.state.lock().init_error.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.state.lock().shutdown = true;
        self.state.changed.notify_all();
        self.server.unblock();
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not turn every later request into a second panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn handle(state: &State, mut request: Request) {
    let path = request
        .url()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let parts: Vec<&str> = path
        .strip_prefix("/2018-06-01/runtime/")
        .unwrap_or("")
        .split('/')
        .collect();
    let method = request.method().clone();
    let response = match (method, parts.as_slice()) {
        (Method::Get, ["invocation", "next"]) => next(state),
        (Method::Post, ["invocation", id, "response"]) => post_response(state, id, &mut request),
        (Method::Post, ["invocation", id, "error"]) => post_error(state, id, &mut request),
        (Method::Post, ["init", "error"]) => {
            let (error_type, body) = read_error(&mut request);
            state.lock().init_error = Some(InitError { error_type, body });
            state.changed.notify_all();
            accepted()
        }
        _ => json_response(404, json!({"errorType": "NotFound", "errorMessage": path})),
    };
    // The client may have gone away (killed by the test); nothing to do about it.
    let _ = request.respond(response);
}

/// Long poll: blocks until an event is queued or the emulator shuts down.
fn next(state: &State) -> Reply {
    let mut inner = state.lock();
    let (id, deadline_ms, event) = loop {
        if inner.shutdown {
            return json_response(
                500,
                json!({"errorType": "ShutDown", "errorMessage": "emulator stopped"}),
            );
        }
        if let Some(queued) = inner.queue.pop_front() {
            break queued;
        }
        inner = state
            .changed
            .wait(inner)
            .unwrap_or_else(PoisonError::into_inner);
    };
    inner.in_flight.insert(id.clone());
    // X-Ray's shape: Root=1-<epoch seconds, 8 hex>-<24 hex>; the hex comes from the request id.
    let hex = id.replace('-', "");
    let trace_id = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        epoch_ms() / 1000,
        &hex[8..],
        &hex[16..]
    );
    let mut response = Response::from_data(event.payload)
        .with_chunked_threshold(usize::MAX) // a Content-Length, never chunks, whatever the size
        // awslambdaric 4.2.2 crashes (SIGSEGV) on an answer without Content-Type.
        .with_header(header("Content-Type", "application/json"))
        .with_header(header("Lambda-Runtime-Aws-Request-Id", &id))
        .with_header(header(
            "Lambda-Runtime-Deadline-Ms",
            &deadline_ms.to_string(),
        ))
        .with_header(header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN))
        .with_header(header("Lambda-Runtime-Trace-Id", &trace_id));
    if let Some(context) = &event.client_context {
        response.add_header(header("Lambda-Runtime-Client-Context", context));
    }
    if let Some(identity) = &event.cognito_identity {
        response.add_header(header("Lambda-Runtime-Cognito-Identity", identity));
    }
    response
}

fn post_response(state: &State, id: &str, request: &mut Request) -> Reply {
    // Read one byte past the limit, enough to tell an oversized body from a full one.
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_RESPONSE_BYTES as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return json_response(
            400,
            json!({"errorType": "InvalidRequest", "errorMessage": "unreadable body"}),
        );
    }
    if body.len() > MAX_RESPONSE_BYTES {
        let error = json!({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": format!("Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
        });
        let outcome = Outcome::Error {
            error_type: "Function.ResponseSizeTooLarge".into(),
            body: error.clone(),
        };
        return if complete(state, id, outcome) {
            json_response(413, error)
        } else {
            unknown_id(id)
        };
    }
    if complete(state, id, Outcome::Response(body)) {
        accepted()
    } else {
        unknown_id(id)
    }
}

fn post_error(state: &State, id: &str, request: &mut Request) -> Reply {
    let (error_type, body) = read_error(request);
    if complete(state, id, Outcome::Error { error_type, body }) {
        accepted()
    } else {
        unknown_id(id)
    }
}

/// Records the outcome of an in-flight invocation; false when `id` is not in flight.
fn complete(state: &State, id: &str, outcome: Outcome) -> bool {
    let mut inner = state.lock();
    if !inner.in_flight.remove(id) {
        return false;
    }
    inner.outcomes.insert(id.to_string(), outcome);
    state.changed.notify_all();
    true
}

/// The error-type header (Lambda says `Unhandled` without it) and the body as JSON
/// (kept as a JSON string when it is not JSON, so a test can still show it).
fn read_error(request: &mut Request) -> (String, Value) {
    let error_type = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Lambda-Runtime-Function-Error-Type"))
        .map_or_else(|| "Unhandled".to_string(), |h| h.value.to_string());
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    (error_type, body)
}

fn accepted() -> Reply {
    json_response(202, json!({"status": "OK"}))
}

fn unknown_id(id: &str) -> Reply {
    json_response(
        400,
        json!({"errorType": "InvalidRequestID", "errorMessage": format!("unknown request id {id}")}),
    )
}

fn json_response(status: u16, body: Value) -> Reply {
    Response::from_data(body.to_string().into_bytes())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("valid header")
}

/// A UUID-shaped id, unique within the test process.
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id())
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
}
