//! `POST /v1/payments`: one payment or a JSON array of them, with the
//! canonical field names (docs/input-format.md); or a file's records as
//! JSON Lines, CSV or ISO 20022 XML (`payment_body`).
//!
//! Each element is read by spur-io's JSON Lines reader from the text the
//! client sent (`amount` as a string or a number), so a payment is refused
//! for the same reason, in the same words, as in a scan's rejects file. The
//! readable ones go to the one writer (group commit, see `ingest.rs`); the
//! answer comes once they are durable. Who may post is the store's decision
//! (`authorize_ingest`: the `ingest` role).

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use spur_app::live::{PartyStanding, Verdict};
use spur_io::{JsonlPaymentReader, PaymentBatch, PaymentReader};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::RawBody;
use crate::state::AppState;

use super::payment_body::{self, BodyKind, Record};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_payments))
}

/// One finding behind a party's score.
#[derive(Serialize, ToSchema)]
pub struct Reason {
    /// The indicator, e.g. `P-SHARED` (docs/indicators.md).
    #[schema(example = "P-SHARED")]
    pub code: String,
    /// Its share of the score.
    pub contribution: f64,
    /// In words.
    pub reason: String,
}

/// A party's standing in its role right after the payment.
#[derive(Serialize, ToSchema)]
pub struct Standing {
    pub id: String,
    /// The party's score in this role, in [0, 1]: its local findings with
    /// this payment, its network findings as of the latest settle.
    pub score: Option<f64>,
    /// The score reaches the alert threshold.
    pub alerted: bool,
    /// No payment of the party came since the latest settle (false right
    /// after this one: its network findings follow with the next settle).
    pub settled: bool,
    /// The strongest findings behind the score (at most three).
    pub reasons: Vec<Reason>,
}

/// What became of one payment of the request.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum PaymentResult {
    /// Taken, durable, scored.
    Accepted {
        /// The payment's place in the request (0 for a single payment).
        index: usize,
        txn_id: String,
        sender: Standing,
        receiver: Standing,
    },
    /// Taken before with the same content: not counted again.
    Duplicate { index: usize, txn_id: String },
    /// Refused; the other payments of the request are not affected.
    Rejected {
        index: usize,
        /// Where the record starts in a JSON Lines, CSV or XML body
        /// (1-based); absent for JSON.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u64>,
        /// When the payment carried a readable one.
        txn_id: Option<String>,
        /// The canonical field at fault, or `record` for the whole payment.
        field: String,
        /// As the rejects file of a scan says it.
        reason: String,
    },
}

/// The answer: one result per payment, in the request's order.
#[derive(Serialize, ToSchema)]
pub struct PaymentsAnswer {
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
    pub results: Vec<PaymentResult>,
}

/// A canonical payment (docs/input-format.md); shown for the document only,
/// the server reads the fields as a scan does.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PaymentIn {
    #[schema(example = "T-0001")]
    txn_id: String,
    /// RFC 3339.
    #[schema(example = "2026-01-05T09:30:00Z")]
    timestamp: String,
    /// A decimal, as a string or a number.
    #[schema(value_type = String, example = "45.10")]
    amount: serde_json::Value,
    #[schema(example = "USD")]
    currency: String,
    sender_id: String,
    sender_name: Option<String>,
    #[schema(example = "US")]
    sender_country: String,
    receiver_id: String,
    receiver_name: Option<String>,
    #[schema(example = "PH")]
    receiver_country: String,
    /// remittance, wallet, bank, card, crypto, cash, or a common other name.
    channel: Option<String>,
    message: Option<String>,
    /// ISO 18245 merchant category code (string or number).
    #[schema(value_type = Option<String>)]
    mcc: Option<serde_json::Value>,
    receiver_phone: Option<String>,
    /// A year (string or number).
    #[schema(value_type = Option<String>)]
    sender_birth_year: Option<serde_json::Value>,
    /// M/male, F/female, X/other.
    sender_sex: Option<String>,
    /// RFC 3339, when the receiver cashed the payment out.
    payout_time: Option<String>,
}

/// One payment, or an array of them.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum PaymentsIn {
    One(Box<PaymentIn>),
    Many(Vec<PaymentIn>),
}

/// Posts payments for scoring: each accepted, duplicate or rejected.
///
/// The body is one payment or a JSON array of them (`application/json`,
/// the default), or a file's records: JSON Lines (`application/x-ndjson`),
/// CSV with a header row (`text/csv`) or ISO 20022 XML (`application/xml`:
/// pacs.008, pain.001, camt.053, camt.054), read as `spur scan` reads
/// such a file, with the configuration's `[input]` profile.
#[utoipa::path(
    post,
    path = "/v1/payments",
    tag = "payments",
    request_body(
        description = "one payment or an array of them; or JSON Lines, CSV or ISO 20022 XML",
        content(
            (PaymentsIn = "application/json"),
            (String = "application/x-ndjson"),
            (String = "text/csv"),
            (String = "application/xml"),
        ),
    ),
    responses(
        (status = 200, description = "one result per payment; accepted ones are durable", body = PaymentsAnswer),
        (status = 400, description = "the body is not readable in its media type", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not the ingest role, or a disabled user", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 415, description = "a media type, charset or content coding spur does not read", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn post_payments(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let kind = payment_body::kind(&headers)?;
    state
        .db()
        .run(move |store| Ok(store.authorize_ingest(&actor.name)?))
        .await?;
    let decoding = std::time::Instant::now();
    let (batch, records) = match kind {
        BodyKind::Json => read(&elements(payment_body::without_bom(&body))?),
        BodyKind::File(format) => payment_body::read_file(format, body, state.input_profile())?,
    };
    state.metrics().stages.decode.observe(decoding.elapsed());
    let verdicts = if batch.is_empty() {
        Vec::new()
    } else {
        state.ingest().submit(batch).await?
    };
    let answer = answer(records, verdicts);
    let m = state.metrics();
    m.payments_accepted
        .fetch_add(answer.accepted as u64, Ordering::Relaxed);
    m.payments_duplicate
        .fetch_add(answer.duplicate as u64, Ordering::Relaxed);
    m.payments_rejected
        .fetch_add(answer.rejected as u64, Ordering::Relaxed);
    // Written here rather than by `Json`, so that its time is measured.
    let encoding = std::time::Instant::now();
    let bytes = serde_json::to_vec(&answer)
        .map_err(|_| ApiError::internal("encode", "the answer could not be written"))?;
    m.stages.encode.observe(encoding.elapsed());
    Ok(([(CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// The payments of the body, each as the client wrote it.
fn elements(body: &[u8]) -> Result<Vec<&RawValue>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::malformed("the body is not valid UTF-8"))?;
    let bad = |e: serde_json::Error| ApiError::malformed(format!("the body is not JSON: {e}"));
    if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<&RawValue>>(text).map_err(bad)
    } else {
        serde_json::from_str::<&RawValue>(text)
            .map(|one| vec![one])
            .map_err(bad)
    }
}

/// Reads every element as one JSON Lines record: the elements are valid
/// JSON (checked above), so the only line breaks in them are white space,
/// and a space does as well.
fn read(elements: &[&RawValue]) -> (PaymentBatch, Vec<Record>) {
    // Byte by byte: a line break is ASCII, never part of a longer UTF-8
    // sequence, so replacing it keeps the text as it was otherwise.
    let mut lines: Vec<u8> = Vec::with_capacity(elements.iter().map(|e| e.get().len() + 1).sum());
    for e in elements {
        let at = lines.len();
        lines.extend_from_slice(e.get().as_bytes());
        for b in &mut lines[at..] {
            if *b == b'\n' || *b == b'\r' {
                *b = b' ';
            }
        }
        lines.push(b'\n');
    }
    let mut batch = PaymentBatch::with_capacity(elements.len());
    let mut parsed = Vec::with_capacity(elements.len());
    let mut reader = JsonlPaymentReader::new(&lines[..]);
    // The reader cannot fail on a byte slice: only records are refused.
    let _ = reader.read_all(&mut |line, result| {
        match result {
            Ok(p) => {
                batch.push(line, &p);
                parsed.push(Record::Payment { line: None });
            }
            // One line per element: the line is the element's place.
            Err(r) => parsed.push(Record::Rejected {
                line: None,
                txn_id: usize::try_from(line)
                    .ok()
                    .and_then(|l| elements.get(l.checked_sub(1)?))
                    .and_then(|e| txn_id_of(e)),
                field: r.field,
                reason: r.reason,
            }),
        }
        ControlFlow::Continue(())
    });
    (batch, parsed)
}

/// The txn id of an element the reader refused, when it has a readable one.
fn txn_id_of(element: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        txn_id: Option<String>,
    }
    serde_json::from_str::<Id>(element.get())
        .ok()
        .and_then(|i| i.txn_id)
}

fn standing(s: PartyStanding) -> Standing {
    Standing {
        id: s.id,
        score: s.score,
        alerted: s.alerted,
        settled: s.settled,
        reasons: s
            .reasons
            .into_iter()
            .map(|r| Reason {
                code: r.code.to_owned(),
                contribution: r.contribution,
                reason: r.reason,
            })
            .collect(),
    }
}

fn answer(parsed: Vec<Record>, verdicts: Vec<Verdict>) -> PaymentsAnswer {
    let mut verdicts = verdicts.into_iter();
    let mut out = PaymentsAnswer {
        accepted: 0,
        duplicate: 0,
        rejected: 0,
        results: Vec::with_capacity(parsed.len()),
    };
    for (index, p) in parsed.into_iter().enumerate() {
        let result = match p {
            Record::Rejected {
                line,
                txn_id,
                field,
                reason,
            } => PaymentResult::Rejected {
                index,
                line,
                txn_id,
                field: field.to_owned(),
                reason,
            },
            Record::Payment { line } => match verdicts.next() {
                Some(Verdict::Accepted {
                    txn_id,
                    sender,
                    receiver,
                }) => PaymentResult::Accepted {
                    index,
                    txn_id,
                    sender: standing(sender),
                    receiver: standing(receiver),
                },
                Some(Verdict::Duplicate { txn_id }) => PaymentResult::Duplicate { index, txn_id },
                Some(Verdict::Rejected {
                    txn_id,
                    field,
                    reason,
                }) => PaymentResult::Rejected {
                    index,
                    line,
                    txn_id: Some(txn_id),
                    field: field.to_owned(),
                    reason,
                },
                None => PaymentResult::Rejected {
                    index,
                    line,
                    txn_id: None,
                    field: spur_io::WHOLE_RECORD.to_owned(),
                    reason: "no verdict from the writer (a fault of the server)".into(),
                },
            },
        };
        match result {
            PaymentResult::Accepted { .. } => out.accepted += 1,
            PaymentResult::Duplicate { .. } => out.duplicate += 1,
            PaymentResult::Rejected { .. } => out.rejected += 1,
        }
        out.results.push(result);
    }
    out
}
