//! The body of `POST /v1/payments` in each media type it is accepted in:
//! JSON (one payment or an array), JSON Lines, CSV, and ISO 20022 XML.
//!
//! JSON is read element by element ([`super::payments`]); the three file
//! formats are read by spur-io's reader of that format, as `spur scan`
//! reads a file: an institution posts the export it has, and each record
//! is refused for the same reason, in the same words, as in a scan's
//! rejects file. A body whose records cannot be told apart (a CSV without
//! the required columns, XML that is not ISO 20022) is refused whole.
//!
//! A leading UTF-8 byte order mark is dropped in every type (some clients
//! write one; RFC 8259 lets a reader ignore it). A compressed body
//! (`Content-Encoding` other than `identity`) is refused with 415 rather
//! than read as text.

use std::ops::ControlFlow;

use axum::body::Bytes;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::HeaderMap;
use spur_io::{Format, PaymentBatch, Profile};

use crate::error::ApiError;

/// How a body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// One payment or an array of them (`application/json`, or no type).
    Json,
    /// A file format: `application/x-ndjson` (JSON Lines), `text/csv`,
    /// `application/xml` (ISO 20022: pacs.008, pain.001, camt.053, camt.054).
    File(Format),
}

/// The media types accepted, as the document lists them.
pub(crate) const JSON_LINES: &str = "application/x-ndjson";
pub(crate) const CSV: &str = "text/csv";
pub(crate) const XML: &str = "application/xml";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The kind of body the headers announce: 415 for a media type or a
/// content coding the server does not read.
pub(crate) fn kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    if let Some(coding) = headers.get(CONTENT_ENCODING) {
        let coding = coding.to_str().unwrap_or("").trim();
        if !coding.eq_ignore_ascii_case("identity") {
            return Err(ApiError::unsupported_media_type(format!(
                "the body is sent with Content-Encoding {:?}; send it uncompressed",
                shorten(coding)
            )));
        }
    }
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(BodyKind::Json);
    };
    let value = value.to_str().unwrap_or("");
    // The media type without its parameters (`; charset=utf-8`).
    let essence = value.split(';').next().unwrap_or("").trim();
    let charset = value
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"'));
    if let Some(cs) = charset {
        if !cs.eq_ignore_ascii_case("utf-8") && !cs.eq_ignore_ascii_case("utf8") {
            return Err(ApiError::unsupported_media_type(format!(
                "the body is declared as charset {:?}; spur reads UTF-8 only",
                shorten(cs)
            )));
        }
    }
    let lower = essence.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "" | "application/json" | "*/*" => BodyKind::Json,
        t if t.starts_with("application/") && t.ends_with("+json") => BodyKind::Json,
        "application/x-ndjson"
        | "application/jsonl"
        | "application/jsonlines"
        | "application/json-lines"
        | "application/x-jsonlines" => BodyKind::File(Format::Jsonl),
        "text/csv" | "application/csv" => BodyKind::File(Format::Csv),
        "application/xml" | "text/xml" => BodyKind::File(Format::Iso20022(None)),
        t if t.starts_with("application/") && t.ends_with("+xml") => {
            BodyKind::File(Format::Iso20022(None))
        }
        _ => {
            return Err(ApiError::unsupported_media_type(format!(
                "the body's Content-Type {:?} is not one spur reads: send application/json \
                 (one payment or an array), {JSON_LINES}, {CSV} or {XML} (ISO 20022)",
                shorten(essence)
            )))
        }
    })
}

/// The body without a leading UTF-8 byte order mark.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// One record of a body, in the body's order.
pub(crate) enum Record {
    /// The next payment of the batch, starting at `line` of a file body.
    Payment { line: Option<u64> },
    Rejected {
        /// Where the record starts (1-based line of a file body).
        line: Option<u64>,
        /// When the record carried a readable one (JSON).
        txn_id: Option<String>,
        field: &'static str,
        reason: String,
    },
}

/// Reads a file body with spur-io's reader of `format` and the server's
/// input profile (the configuration's `[input]`, as a scan has it). A body
/// that cannot be read as that format at all is 400 `malformed_body`,
/// named by what the reader says.
pub(crate) fn read_file(
    format: Format,
    body: Bytes,
    profile: &Profile,
) -> Result<(PaymentBatch, Vec<Record>), ApiError> {
    let body = body.slice(body.len() - without_bom(&body).len()..);
    let refuse = |e: spur_io::InputError| {
        ApiError::malformed(format!("the body is not readable as {}: {e}", name(format)))
    };
    let mut reader =
        spur_io::open_reader_with(format, Box::new(std::io::Cursor::new(body)), profile)
            .map_err(refuse)?;
    let mut batch = PaymentBatch::with_capacity(64);
    let mut records = Vec::new();
    reader
        .read_all(&mut |line, result| {
            match result {
                Ok(p) => {
                    batch.push(line, &p);
                    records.push(Record::Payment { line: Some(line) });
                }
                Err(r) => records.push(Record::Rejected {
                    line: Some(r.line),
                    txn_id: None,
                    field: r.field,
                    reason: r.reason,
                }),
            }
            ControlFlow::Continue(())
        })
        .map_err(refuse)?;
    Ok((batch, records))
}

fn name(format: Format) -> &'static str {
    match format {
        Format::Csv => "CSV",
        Format::Jsonl => "JSON Lines",
        Format::Iso20022(_) => "ISO 20022 XML",
    }
}

/// A header value quoted in a message, cut to 40 characters.
fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, StatusCode};

    /// Headers, and the kind they announce (`None`: refused with 415).
    type Case = (&'static [(&'static str, &'static str)], Option<BodyKind>);

    fn with(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn media_types_name_their_reader() {
        let cases: &[Case] = &[
            (&[], Some(BodyKind::Json)),
            (
                &[("content-type", "application/json")],
                Some(BodyKind::Json),
            ),
            (
                &[("content-type", "Application/JSON; charset=UTF-8")],
                Some(BodyKind::Json),
            ),
            (
                &[("content-type", "application/x-ndjson")],
                Some(BodyKind::File(Format::Jsonl)),
            ),
            (
                &[("content-type", "text/csv; header=present")],
                Some(BodyKind::File(Format::Csv)),
            ),
            (
                &[("content-type", "text/xml")],
                Some(BodyKind::File(Format::Iso20022(None))),
            ),
            (&[("content-type", "text/plain")], None),
            (&[("content-type", "text/csv; charset=latin1")], None),
            (&[("content-encoding", "gzip")], None),
            (
                &[
                    ("content-encoding", "identity"),
                    ("content-type", "text/csv"),
                ],
                Some(BodyKind::File(Format::Csv)),
            ),
        ];
        for (headers, want) in cases {
            let got = kind(&with(headers));
            match want {
                Some(k) => assert_eq!(got.unwrap(), *k, "{headers:?}"),
                None => {
                    let e = got.unwrap_err();
                    assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{headers:?}");
                    assert_eq!(e.code, "unsupported_media_type");
                }
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_once() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(without_bom(b"{}"), b"{}");
        assert_eq!(
            without_bom(b"\xEF\xBB\xBF\xEF\xBB\xBF{}"),
            b"\xEF\xBB\xBF{}"
        );
    }
}
