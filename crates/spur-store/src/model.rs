//! What the store keeps, in the analysts' words.

use serde::Serialize;
use spur_engine::{Role, Timestamp};

use crate::digest::PaymentDigest;
use crate::error::StoreError;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(StoreError::Invalid(format!(
                        concat!("unknown ", stringify!($name), " {:?}; expected one of: {}"),
                        s,
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }
    };
}

string_enum! {
    /// What a user may do: see [`crate::Store`] for the checks.
    /// `Ingest` is a system that posts payments to `spur serve`, and may do nothing else;
    /// `Peer` another installation that may only run `spur match` against this one.
    UserRole { Analyst = "analyst", Supervisor = "supervisor", Admin = "admin", Auditor = "auditor", Ingest = "ingest", Peer = "peer" }
}

string_enum! {
    /// Where a case stands. `Closed` is final and needs a reason; `Reported`
    /// is reached by filing a report.
    CaseStatus { Open = "open", Investigating = "investigating", Escalated = "escalated", Closed = "closed", Reported = "reported" }
}

string_enum! {
    /// The analysts' conclusion about a case.
    Disposition {
        Undetermined = "undetermined",
        Suspicious = "suspicious",
        NotSuspicious = "not_suspicious",
        FalsePositive = "false_positive",
    }
}

string_enum! {
    /// Where an alert stands: `new` (standing, in no case), `in_case`
    /// (gathered into a case) or `cleared` (a later scan found the party
    /// below the threshold, and no case holds it).
    AlertStatus { New = "new", InCase = "in_case", Cleared = "cleared" }
}

string_enum! {
    /// A report goes draft → approved (by a supervisor other than its author) → filed.
    ReportStatus { Draft = "draft", Approved = "approved", Filed = "filed" }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: UserRole,
    pub created_at: Timestamp,
    /// When an admin disabled the user; a disabled user can no longer act
    /// (nor read), and their name stays in the audit log.
    pub disabled_at: Option<Timestamp>,
}

/// An engine [`spur_engine::Alert`] as stored, with its id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredAlert {
    pub id: i64,
    pub subject: String,
    pub role: Role,
    pub score: f64,
    pub country: String,
    /// The engine's findings as JSON (code, contribution, reason, parties).
    pub indicators: serde_json::Value,
    /// The evidence payments, by txn_id.
    pub transactions: Vec<String>,
    /// The whole alert as the engine serialised it.
    pub body: serde_json::Value,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The case the alert is attached to, if any.
    pub case_id: Option<i64>,
    /// When a later whole scan found the party below the threshold; `None`
    /// while the alert stands.
    pub cleared_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub at: Timestamp,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    pub id: i64,
    pub status: CaseStatus,
    pub disposition: Disposition,
    pub assignee: Option<String>,
    /// Set when the case is closed.
    pub close_reason: Option<String>,
    pub opened_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Alert ids, in the order they were attached.
    pub alerts: Vec<i64>,
    pub notes: Vec<Note>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub id: i64,
    pub case_id: i64,
    /// The FIU profile the XML was written for (`ae`, `generic`, ...).
    pub profile: String,
    pub xml: String,
    /// Who drafted it.
    pub author: String,
    /// Everyone who wrote its content (drafted or redrafted it), in the
    /// order they first did: none of them may approve it.
    pub authors: Vec<String>,
    /// The report's goAML `entity_reference`, unique among all reports: the
    /// case id for a case's first report, `CASE-cN` for its N-th correction
    /// (see [`entity_reference`]). `None` only for reports stored before
    /// schema version 4 (their XML carries the case id).
    pub entity_reference: Option<String>,
    /// The filed report this one corrects (replaces in full).
    pub corrects: Option<i64>,
    /// The FIU's reference of the corrected report, as the FIU acknowledged
    /// it, written as goAML `fiu_ref_number`.
    pub fiu_ref_number: Option<String>,
    /// The analyst's own words on why (empty if none): a redraft keeps them.
    pub reason: String,
    /// What the institution did (empty if none): a redraft keeps it.
    pub action: String,
    /// Whether every kept payment of the alerted parties is in the report,
    /// not only their alerts' evidence: a redraft keeps the choice.
    pub all_evidence: bool,
    pub status: ReportStatus,
    pub approved_by: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub approved_at: Option<Timestamp>,
    pub filed_at: Option<Timestamp>,
}

impl Report {
    /// Whether `user` wrote any of its content.
    pub fn is_author(&self, user: &str) -> bool {
        self.authors.iter().any(|a| a == user)
    }
}

/// A report's `entity_reference`: the case id for its first report, then
/// `CASE-c1`, `CASE-c2`, ... for the corrections that replace it. Distinct
/// for every report of every case, so that no two filed reports share one.
pub fn entity_reference(case_id: i64, correction: u32) -> String {
    match correction {
        0 => case_id.to_string(),
        n => format!("{case_id}-c{n}"),
    }
}

/// What a draft or redraft writes: the XML and what the analyst chose for
/// it, kept so that the next redraft starts from the same choices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportContent<'a> {
    /// The FIU profile the XML was written for.
    pub profile: &'a str,
    pub xml: &'a str,
    pub reason: &'a str,
    pub action: &'a str,
    pub all_evidence: bool,
}

/// The filed report a new report corrects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Correction<'a> {
    pub report_id: i64,
    /// The FIU's reference of the corrected report, when known.
    pub fiu_ref_number: Option<&'a str>,
}

/// What a new report on a case must be, from [`crate::Store::plan_report`]:
/// the checks passed, and the reference its XML must carry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportPlan {
    pub case_id: i64,
    pub entity_reference: String,
    /// The filed report the new one corrects.
    pub corrects: Option<Report>,
}

/// An evidence payment as ingested: what a report needs to describe it.
/// Only payments that alerts cite are kept (data minimisation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaymentRecord {
    pub txn_id: String,
    pub timestamp: Timestamp,
    pub amount: f64,
    /// ISO 4217.
    pub currency: String,
    pub sender_id: String,
    pub sender_name: String,
    pub sender_country: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub receiver_country: String,
    /// Empty when the input did not say.
    pub channel: String,
    pub message: String,
}

impl PaymentRecord {
    /// The record of a canonical payment (its optional extra fields are not
    /// part of an evidence record).
    pub fn from_payment(p: &spur_engine::Payment<'_>) -> PaymentRecord {
        PaymentRecord {
            txn_id: p.txn_id.to_owned(),
            timestamp: p.timestamp,
            amount: p.amount,
            currency: p.currency.as_str().to_owned(),
            sender_id: p.sender_id.to_owned(),
            sender_name: p.sender_name.to_owned(),
            sender_country: p.sender_country.as_str().to_owned(),
            receiver_id: p.receiver_id.to_owned(),
            receiver_name: p.receiver_name.to_owned(),
            receiver_country: p.receiver_country.as_str().to_owned(),
            channel: p.channel.map(|c| c.as_str()).unwrap_or_default().to_owned(),
            message: p.message.to_owned(),
        }
    }
}

/// A payment a scan ingested: its txn id and the digest of its content
/// ([`crate::payment_digest`]), kept so that the id coming again with other
/// content is told apart from the same payment coming again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IngestedTxn<'a> {
    pub txn_id: &'a str,
    pub digest: PaymentDigest,
}

/// A txn id the store holds, as [`crate::Store::known_txns`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownTxn {
    pub txn_id: String,
    /// `None` for ids recorded without one (`record_txns`, `commit_scan_batch`,
    /// or before schema version 4).
    pub digest: Option<PaymentDigest>,
    /// When it was ingested (the store's clock).
    pub recorded_at: Timestamp,
}

impl KnownTxn {
    /// Whether a payment with this digest is the one ingested under the id.
    /// Without a stored digest it cannot be told, and counts as the same.
    pub fn same_content(&self, digest: &PaymentDigest) -> bool {
        self.digest.is_none_or(|d| d == *digest)
    }

    /// Why a payment with this id and other content is refused, for the
    /// rejects file (formatted only for such a payment).
    pub fn reused_reason(&self) -> String {
        format!(
            "txn id {} was ingested on {} with different content (another time, amount, \
             currency, party, channel or message under the same id); a correction needs a new txn id",
            self.txn_id,
            spur_engine::time::rfc3339(self.recorded_at).get(..10).unwrap_or("?"),
        )
    }
}

/// The engine's opaque state, as last saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineState {
    /// 1 for the first save, one more for each save after it.
    pub version: i64,
    pub saved_at: Timestamp,
    pub blob: Vec<u8>,
}

/// What one committed scan batch changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanBatch {
    /// Txn ids of the batch not seen before.
    pub new_txns: u64,
    /// Alerts created by this batch.
    pub alerts_created: Vec<i64>,
    /// Alerts of the same party and role that existed and were updated.
    pub alerts_updated: Vec<i64>,
    /// Alerts no longer in the engine's outcome (whole scans only).
    pub alerts_cleared: Vec<i64>,
    pub state_version: i64,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3, ...
    pub id: i64,
    pub at: Timestamp,
    /// A user name, or `system` for ingestion.
    pub actor: String,
    /// e.g. `case.open`, `report.approve`.
    pub action: String,
    /// e.g. `case:7`.
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Hex SHA-256 of the entry before (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of `prev_hash` and this entry's canonical content.
    pub hash: String,
    /// Hex SHA-256 over the digests of the protected rows the change wrote;
    /// `None` when it wrote none (and for entries older than row digests).
    pub rows_sha256: Option<String>,
}

/// Which audit entries [`crate::Store::audit_entries`] returns; every
/// condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The acting user's name (or `system`).
    pub actor: Option<String>,
    /// An action (`case.note`), or a family of them (`case`).
    pub action: Option<String>,
    /// `user`, `case`, `report`, `alert`...: entries about objects of that kind.
    pub object_kind: Option<String>,
    /// With `object_kind`: one object (`case` and `7` is `case:7`).
    pub object_id: Option<String>,
    /// Entries at or after this time.
    pub since: Option<Timestamp>,
    /// Entries before this time.
    pub until: Option<Timestamp>,
}

/// How a protected row differs from what the audit chain recorded of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    /// Its content is not what the last entry that wrote it recorded.
    Changed,
    /// The row exists but no entry recorded it.
    NotInLog,
    /// An entry recorded it and it is gone.
    Deleted,
}

/// One protected row that does not match the audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowFinding {
    /// As in the audit log: `report:3`, `user:2`, `alert:12`, `txns`...
    pub object: String,
    /// The last entry that recorded the row, if any.
    pub entry_id: Option<i64>,
    pub problem: RowProblem,
    /// In words: "report 3: xml changed after audit entry 17".
    pub message: String,
}

impl std::fmt::Display for RowFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of a successful [`crate::Store::verify_audit`]: pin `head_hash`
/// somewhere else to also detect a rewrite of the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditSummary {
    pub entries: i64,
    pub head_hash: String,
}
