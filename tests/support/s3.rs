//! S3 for the end-to-end tests: the s3 trigger's handlers read each new object's head, so
//! under the emulator they need a bucket holding the objects their events name. moto's server
//! (.ci/install/moto.sh) stands in for S3 on a loopback port; every AWS SDK reaches it through
//! `AWS_ENDPOINT_URL` (an IP address makes them use path-style requests).
//!
//! A family test asks [`for_trigger`] before it starts the function and passes [`env`] to
//! `Image::start_with`.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::e2e::TriggerEvent;

/// Where .ci/install/moto.sh installs moto's server.
const MOTO_SERVER: &str = "/opt/moto/bin/moto_server";

/// The content type every object is stored with, which the handlers log from the head.
pub const CONTENT_TYPE: &str = "text/plain";

/// moto's server holding the objects of an s3 trigger's events; stopped when dropped.
pub struct FakeS3 {
    child: Child,
    endpoint: String,
}

/// What `trigger`'s handler needs beside the emulator: `Some(None)` for a trigger that reads
/// nothing, `Some(Some(s3))` for s3 (every object its `events` name, of the size each record
/// claims), `None` when moto is not installed (skips, printing why; fails under CI=true).
pub fn for_trigger(trigger: &str, events: &[TriggerEvent]) -> Option<Option<FakeS3>> {
    if trigger != "s3" {
        return Some(None);
    }
    if !Path::new(MOTO_SERVER).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{MOTO_SERVER} is required under CI=true; .ci/install/moto.sh installs it");
        }
        eprintln!("SKIPPED: s3: no {MOTO_SERVER} (stands in for S3 under the emulator)");
        return None;
    }
    let s3 = FakeS3::start();
    for event in events {
        let event: Value = serde_json::from_slice(&event.payload).unwrap();
        for record in event["Records"].as_array().expect("Records") {
            let s3_entity = &record["s3"];
            let bucket = s3_entity["bucket"]["name"].as_str().expect("a bucket name");
            let key = s3_entity["object"]["key"].as_str().expect("a key");
            let size = s3_entity["object"]["size"].as_u64().expect("a size");
            s3.put(bucket, &decode_key(key), size as usize);
        }
    }
    Some(Some(s3))
}

/// `extra` plus, with an S3 stand-in, the endpoint and the test credentials that reach it.
pub fn env<'a>(s3: &'a Option<FakeS3>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = extra.to_vec();
    if let Some(s3) = s3 {
        env.extend([
            ("AWS_ENDPOINT_URL", s3.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ]);
    }
    env
}

impl FakeS3 {
    fn start() -> FakeS3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(MOTO_SERVER)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server never listened"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        FakeS3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Creates `bucket` (again: moto keeps an existing one) and in it `key`, `size` bytes.
    fn put(&self, bucket: &str, key: &str, size: usize) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let bucket_url = format!("{}/{bucket}", self.endpoint);
        let created = agent.put(&bucket_url).send_empty().unwrap();
        let status = created.status().as_u16();
        assert!(status == 200 || status == 409, "create {bucket}: {status}");
        let stored = agent
            .put(&format!("{bucket_url}/{}", encode_path(key)))
            .header("Content-Type", CONTENT_TYPE)
            .send(&vec![b'x'; size][..])
            .unwrap();
        assert_eq!(stored.status().as_u16(), 200, "put s3://{bucket}/{key}");
    }
}

impl Drop for FakeS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An event's key as S3 sends it (`+` a space, `%XX` a byte of the UTF-8 key), decoded.
pub fn decode_key(encoded: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        rest = tail;
        match first {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&tail[..2]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                rest = &tail[2..];
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// `key` as a URL path: every byte but the unreserved ones and `/` percent-encoded.
fn encode_path(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
