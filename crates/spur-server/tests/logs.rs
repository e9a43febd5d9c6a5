//! The server's log at info level and above names no party: routes are
//! templates, and no path, query, header or body is logged. Its own test
//! binary: it installs the process's tracing subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Backend, TestServer};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_at_info_and_above_name_no_party() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let mut server = TestServer::start(Backend::Sqlite, "logs");
    let payment = json!({
        "txn_id": "TX-SECRET-9", "timestamp": "2026-01-05T09:30:00Z", "amount": "45.10",
        "currency": "USD", "sender_id": "ACCT-SENDER-77", "sender_name": "Maria Private",
        "sender_country": "US", "receiver_id": "ACCT-RECEIVER-88",
        "receiver_name": "Juan Hidden", "receiver_country": "PH", "message": "birthday Lola"
    });
    let bad = json!({"txn_id": "TX-SECRET-10", "sender_id": "ACCT-SENDER-77", "amount": "x"});
    let body = json!([payment, bad]).to_string();
    let answer = server.call("POST", "/v1/payments", Some("ingest"), Some(&body));
    assert_eq!(answer.json()["accepted"], 1, "{answer:?}");
    server.call("POST", "/v1/payments", Some("analyst"), Some(&body));
    server.get("/v1/tokens/ACCT-SENDER-77?q=Maria", Some("admin"));
    server.call(
        "POST",
        "/v1/tokens",
        Some("admin"),
        Some(r#"{"for": "Maria Private"}"#),
    );
    server.stop();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("route=\"/v1/payments\""), "{text}");
    assert!(
        text.contains("status=200") && text.contains("status=403"),
        "{text}"
    );
    assert!(text.contains("checkpoint saved"), "{text}");
    for secret in [
        "SECRET", "ACCT-", "Maria", "Private", "Juan", "Hidden", "Lola",
    ] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
}
