//! The Runtime API emulator itself, spoken to over plain HTTP the way a runtime client does.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use support::runtime_api::{
    Event, FUNCTION_ARN, InitError, MAX_RESPONSE_BYTES, Outcome, RuntimeApi, Timeout,
};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const WAIT: Duration = Duration::from_secs(10);

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// One request on a fresh connection; `Connection: close` makes the body end at EOF.
fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(address).expect("emulator accepts connections");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    head += &format!("Content-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    stream.write_all(format!("{head}\r\n").as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("a complete reply in time");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("reply has a head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status: status.parse().unwrap(),
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

fn post(address: &str, path: &str, body: &[u8]) -> Reply {
    http(address, "POST", path, &[], body)
}

/// A runtime client in a thread: takes the next event and answers it with `answer`.
fn client<F>(api: &RuntimeApi, answer: F) -> thread::JoinHandle<(Reply, Reply)>
where
    F: FnOnce(&str, &str) -> Reply + Send + 'static,
{
    let address = api.address();
    thread::spawn(move || {
        let next = http(&address, "GET", NEXT, &[], b"");
        let id = next
            .header("Lambda-Runtime-Aws-Request-Id")
            .expect("request id")
            .to_string();
        let answered = answer(&address, &id);
        (next, answered)
    })
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[test]
fn next_and_response_round_trip_with_every_header() {
    let api = RuntimeApi::start();
    let event = Event {
        payload: br#"{"ping":1}"#.to_vec(),
        client_context: Some(r#"{"custom":{"k":"v"}}"#.into()),
        cognito_identity: Some(
            r#"{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}"#.into(),
        ),
    };
    let first = client(&api, |address, id| {
        post(
            address,
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            br#""pong""#,
        )
    });
    let before = epoch_ms();
    assert_eq!(
        api.invoke_event(event.clone(), WAIT),
        Ok(Outcome::Response(br#""pong""#.to_vec()))
    );
    let (next, answered) = first.join().unwrap();

    assert_eq!(next.status, 200);
    assert_eq!(next.body, event.payload);
    let deadline: u128 = next
        .header("Lambda-Runtime-Deadline-Ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!((before + WAIT.as_millis()..=epoch_ms() + WAIT.as_millis()).contains(&deadline));
    assert_eq!(
        next.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some(FUNCTION_ARN)
    );
    assert!(
        next.header("Lambda-Runtime-Trace-Id")
            .unwrap()
            .starts_with("Root=1-")
    );
    assert_eq!(
        next.header("Lambda-Runtime-Client-Context"),
        event.client_context.as_deref()
    );
    assert_eq!(
        next.header("Lambda-Runtime-Cognito-Identity"),
        event.cognito_identity.as_deref()
    );
    assert_eq!(
        (answered.status, answered.json()),
        (202, json!({"status": "OK"}))
    );

    // A second event: a new request id, and no context headers when the event has none.
    let second = client(&api, |address, id| {
        post(
            address,
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            b"{}",
        )
    });
    assert_eq!(
        api.invoke(b"{}", WAIT),
        Ok(Outcome::Response(b"{}".to_vec()))
    );
    let (next2, _) = second.join().unwrap();
    assert_ne!(
        next2.header("Lambda-Runtime-Aws-Request-Id"),
        next.header("Lambda-Runtime-Aws-Request-Id")
    );
    assert_eq!(next2.header("Lambda-Runtime-Client-Context"), None);
    assert_eq!(next2.header("Lambda-Runtime-Cognito-Identity"), None);
}

#[test]
fn invocation_error_reaches_the_caller() {
    let api = RuntimeApi::start();
    let error =
        json!({"errorMessage": "boom", "errorType": "ValueError", "stackTrace": ["line 1"]});
    let body = error.to_string();
    let runtime = client(&api, move |address, id| {
        let path = format!("/2018-06-01/runtime/invocation/{id}/error");
        http(
            address,
            "POST",
            &path,
            &[("Lambda-Runtime-Function-Error-Type", "Runtime.ValueError")],
            body.as_bytes(),
        )
    });
    let outcome = api.invoke(b"{}", WAIT);
    assert_eq!(
        outcome,
        Ok(Outcome::Error {
            error_type: "Runtime.ValueError".into(),
            body: error
        })
    );
    assert_eq!(runtime.join().unwrap().1.status, 202);
}

#[test]
fn init_error_is_recorded_and_ends_invocations() {
    let api = RuntimeApi::start();
    assert_eq!(api.init_error(), None);
    let error = json!({"errorMessage": "Unable to import module 'app'", "errorType": "Runtime.ImportModuleError", "stackTrace": []});
    let expected = Outcome::Error {
        error_type: "Runtime.ImportModuleError".into(),
        body: error.clone(),
    };
    thread::scope(|s| {
        // An invocation waiting when init fails ends with the init error, not a timeout.
        let waiting = s.spawn(|| api.invoke(b"{}", WAIT));
        let header = (
            "Lambda-Runtime-Function-Error-Type",
            "Runtime.ImportModuleError",
        );
        let path = "/2018-06-01/runtime/init/error";
        let reply = http(
            &api.address(),
            "POST",
            path,
            &[header],
            error.to_string().as_bytes(),
        );
        assert_eq!((reply.status, reply.json()), (202, json!({"status": "OK"})));
        assert_eq!(waiting.join().unwrap(), Ok(expected.clone()));
    });
    let recorded = InitError {
        error_type: "Runtime.ImportModuleError".into(),
        body: error,
    };
    assert_eq!(api.init_error(), Some(recorded));
    assert_eq!(
        api.invoke(b"{}", WAIT),
        Ok(expected),
        "later invocations end at once too"
    );
}

#[test]
fn unknown_ids_and_paths_are_refused_while_next_long_polls() {
    let api = RuntimeApi::start();
    let address = api.address();
    let waiting = client(&api, |address, id| {
        post(
            address,
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            b"1",
        )
    });

    // These must be answered while `next` is still blocked, with no event queued.
    for kind in ["response", "error"] {
        let reply = post(
            &address,
            &format!("/2018-06-01/runtime/invocation/no-such-id/{kind}"),
            b"{}",
        );
        assert_eq!(
            (reply.status, &reply.json()["errorType"]),
            (400, &json!("InvalidRequestID"))
        );
    }
    assert_eq!(
        http(&address, "GET", "/2018-06-01/runtime/nothing", &[], b"").status,
        404
    );
    assert_eq!(post(&address, NEXT, b"").status, 404, "next is GET only");
    assert!(!waiting.is_finished(), "next returned with no event queued");

    assert_eq!(api.invoke(b"0", WAIT), Ok(Outcome::Response(b"1".to_vec())));
    waiting.join().unwrap();
}

#[test]
fn responses_past_6_mib_get_413_and_fail_the_invocation() {
    let api = RuntimeApi::start();
    let respond = |size: usize| {
        client(&api, move |address, id| {
            post(
                address,
                &format!("/2018-06-01/runtime/invocation/{id}/response"),
                &vec![b'x'; size],
            )
        })
    };

    let at_limit = respond(MAX_RESPONSE_BYTES);
    assert_eq!(
        api.invoke(b"{}", WAIT),
        Ok(Outcome::Response(vec![b'x'; MAX_RESPONSE_BYTES]))
    );
    assert_eq!(at_limit.join().unwrap().1.status, 202);

    let past_limit = respond(MAX_RESPONSE_BYTES + 1);
    match api.invoke(b"{}", WAIT) {
        Ok(Outcome::Error { error_type, .. }) => {
            assert_eq!(error_type, "Function.ResponseSizeTooLarge")
        }
        other => panic!("expected a size error, got {other:?}"),
    }
    assert_eq!(past_limit.join().unwrap().1.status, 413);
}

#[test]
fn a_timed_out_invocation_returns_an_error_and_refuses_a_late_answer() {
    let api = RuntimeApi::start();
    let slow = client(&api, |address, id| {
        thread::sleep(Duration::from_millis(500)); // past the invocation's timeout
        post(
            address,
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            b"late",
        )
    });
    let started = Instant::now();
    assert_eq!(api.invoke(b"{}", Duration::from_millis(200)), Err(Timeout));
    assert!(started.elapsed() < WAIT);
    assert_eq!(slow.join().unwrap().1.status, 400);

    // Nobody polls at all: the same error, and the event is not handed out later.
    assert_eq!(
        api.invoke(b"stale", Duration::from_millis(100)),
        Err(Timeout)
    );
    let poll = {
        let address = api.address();
        thread::spawn(move || http(&address, "GET", NEXT, &[], b""))
    };
    thread::sleep(Duration::from_millis(100));
    drop(api);
    let reply = poll.join().unwrap();
    assert_eq!(
        reply.status, 500,
        "the blocked poll is released on drop, without the stale event"
    );
}
