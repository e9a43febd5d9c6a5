//! `POST /v1/payments` with a file's records as the body: JSON Lines, CSV
//! and ISO 20022 XML, each read by spur-io's reader of that format, so that
//! a record is accepted or refused as `spur scan` takes it from a file (the
//! XML case is a message of spur-io's test data, with its expected
//! verdicts); and the bodies the server does not read, refused whole.

#[macro_use]
mod common;

use std::sync::Arc;

use common::{Backend, TestServer};
use serde_json::Value;

on_both! {
    each_format_is_read_record_by_record,
    bodies_spur_cannot_read_are_refused_whole,
    a_posted_export_is_read_with_the_configured_input_profile,
}

const HEADER: &str = "txn_id,timestamp,amount,currency,sender_id,sender_name,sender_country,\
                      receiver_id,receiver_name,receiver_country,channel,message";

fn post(server: &TestServer, content_type: &str, body: &[u8]) -> common::Answer {
    server.post_as(
        "/v1/payments",
        "ingest",
        &[("Content-Type", content_type)],
        body,
    )
}

/// (line, field, reason) of each rejected result, in order.
fn rejected(answer: &Value) -> Vec<(u64, String, String)> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "rejected")
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or_else(|| panic!("no line: {r}")),
                r["field"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn each_format_is_read_record_by_record(backend: Backend) {
    let server = TestServer::start(backend, "files");

    // JSON Lines: a broken line costs only itself.
    let lines = concat!(
        r#"{"txn_id":"J-1","timestamp":"2026-01-05T09:00:00Z","amount":"25.00","currency":"USD","sender_id":"S-J","sender_country":"US","receiver_id":"R-J","receiver_country":"PH"}"#,
        "\n",
        r#"{"txn_id":"J-2","timestamp":"2026-01-05T09:10:00Z","amount":"#,
        "\n\n",
        r#"{"txn_id":"J-3","timestamp":"2026-01-05T09:20:00Z","amount":30,"currency":"USD","sender_id":"S-J","sender_country":"US","receiver_id":"R-J","receiver_country":"PH"}"#,
        "\n"
    );
    let a = post(&server, "application/x-ndjson", lines.as_bytes());
    assert_eq!(a.status, 200, "{a:?}");
    let a = a.json();
    assert_eq!(
        (a["accepted"].as_u64(), a["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{a}"
    );
    let r = rejected(&a);
    assert_eq!((r[0].0, r[0].1.as_str()), (2, "record"), "{a}");
    assert_eq!(a["results"][2]["txn_id"], "J-3", "{a}");
    assert_eq!(a["results"][2]["index"], 2, "{a}");

    // CSV with a header row (and a byte order mark): a bad amount is
    // refused on its line, in the words of the rejects file.
    let csv = format!(
        "\u{feff}{HEADER}\n\
         C-1,2026-01-06T09:00:00Z,25.00,USD,S-C,,US,R-C,,PH,remittance,\n\
         C-2,2026-01-06T09:10:00Z,-3,USD,S-C,,US,R-C,,PH,remittance,\n\
         C-3,2026-01-06T09:20:00Z,40,USD,S-C,,US,R-C,,PH,remittance,gift\n"
    );
    let a = post(&server, "text/csv; charset=utf-8", csv.as_bytes()).json();
    assert_eq!(
        (a["accepted"].as_u64(), a["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{a}"
    );
    let mut reader = spur_io::CsvPaymentReader::new(csv.as_bytes()).unwrap();
    let mut expected = Vec::new();
    spur_io::PaymentReader::read_all(&mut reader, &mut |_, r| {
        if let Err(r) = r {
            expected.push((r.line, r.field.to_owned(), r.reason));
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(rejected(&a), expected);
    assert_eq!(expected[0].0, 3);

    // ISO 20022: a pacs.008 of spur-io's test data with two good and seven
    // bad transactions; its verdicts are those of its `.expected` file.
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spur-io/tests/data/iso20022/"
    );
    let xml = std::fs::read(format!("{dir}pacs008_bad_transactions.xml")).unwrap();
    let a = post(&server, "application/xml", &xml).json();
    let verdicts =
        std::fs::read_to_string(format!("{dir}pacs008_bad_transactions.expected")).unwrap();
    let mut want = Vec::new();
    let mut good = 0;
    for line in verdicts.lines() {
        if line.contains(": ok ") {
            good += 1;
        } else if let Some((at, rest)) = line.split_once(' ') {
            if let (Ok(at), Some((field, reason))) = (at.parse::<u64>(), rest.split_once(": ")) {
                want.push((at, field.to_owned(), reason.to_owned()));
            }
        }
    }
    assert_eq!((good, want.len()), (2, 7), "the test data as expected");
    assert_eq!(a["accepted"].as_u64(), Some(good), "{a}");
    assert_eq!(rejected(&a), want);

    // JSON keeps working with a byte order mark, and names no line.
    let one = b"\xEF\xBB\xBF{\"txn_id\":\"B-1\",\"timestamp\":\"2026-01-07T09:00:00Z\",\"amount\":\"-1\",\
                \"currency\":\"USD\",\"sender_id\":\"S-B\",\"sender_country\":\"US\",\
                \"receiver_id\":\"R-B\",\"receiver_country\":\"PH\"}";
    let a = post(&server, "application/json", one).json();
    assert_eq!(a["rejected"], 1, "{a}");
    assert_eq!(a["results"][0]["txn_id"], "B-1", "{a}");
    assert!(a["results"][0].get("line").is_none(), "{a}");

    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    assert_eq!(store.log_head().unwrap().txns, 6, "2 + 2 + 2 stored");
}

fn bodies_spur_cannot_read_are_refused_whole(backend: Backend) {
    let server = TestServer::start(backend, "unread");
    let row = "Z-1,2026-01-06T09:00:00Z,25.00,USD,S-Z,,US,R-Z,,PH,remittance,\n";
    let csv = format!("{HEADER}\n{row}");

    let gzip = server.post_as(
        "/v1/payments",
        "ingest",
        &[("Content-Type", "text/csv"), ("Content-Encoding", "gzip")],
        csv.as_bytes(),
    );
    let message = gzip.error(415, "unsupported_media_type");
    assert!(message.contains("uncompressed"), "{message}");

    let message = post(&server, "text/plain", csv.as_bytes()).error(415, "unsupported_media_type");
    assert!(
        message.contains("text/csv"),
        "names what is read: {message}"
    );

    let message = post(&server, "text/csv; charset=windows-1252", csv.as_bytes())
        .error(415, "unsupported_media_type");
    assert!(message.contains("UTF-8"), "{message}");

    // A CSV without a required column: no record can be read.
    let headless = format!("txn_id,timestamp,amount\n{row}");
    let message = post(&server, "text/csv", headless.as_bytes()).error(400, "malformed_body");
    assert!(
        message.contains("currency"),
        "names the missing column: {message}"
    );

    // XML that is not a payment message.
    let message =
        post(&server, "application/xml", b"<html><body/></html>").error(400, "malformed_body");
    assert!(message.contains("ISO 20022"), "{message}");

    let mut store = spur_store::open(&server.db, Arc::new(spur_store::SystemClock)).unwrap();
    assert_eq!(store.log_head().unwrap().txns, 0, "nothing stored");
}

/// A server configured with a bank's input profile (`[input]`: semicolons,
/// decimal commas, local times, German column names) answers that bank's
/// export exactly as a server with the default profile answers its
/// canonical twin (spur-io's synthetic fixture pair): the same verdicts,
/// scores and reasons, record by record.
fn a_posted_export_is_read_with_the_configured_input_profile(backend: Backend) {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../spur-io/tests/fixtures/");
    let settings = spur_app::settings::load_all(
        Some(std::path::Path::new(&format!("{fixtures}bank-export.toml"))),
        std::iter::empty(),
    )
    .unwrap();
    let profile = spur_io::Profile::new(&settings.input).unwrap();
    let bank = TestServer::with_input(
        backend,
        "profile",
        spur_server::Limits::default(),
        std::time::Duration::from_millis(100),
        profile,
    );
    let export = std::fs::read(format!("{fixtures}bank-export.csv")).unwrap();
    let a = post(&bank, "text/csv", &export);
    assert_eq!(a.status, 200, "{a:?}");
    let a = a.json();
    let plain = TestServer::start(backend, "canonical");
    let canonical = std::fs::read(format!("{fixtures}bank-export-canonical.csv")).unwrap();
    let b = post(&plain, "text/csv", &canonical).json();
    assert_eq!(a["results"].as_array().map(Vec::len), Some(47), "{a}");
    assert!(a["accepted"].as_u64() > Some(40), "{a}");
    assert_eq!(a, b);
}
