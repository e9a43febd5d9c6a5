//! One conformance suite, run against every backend: each behaviour is a
//! function of a [`Fixture`], and `conformance!` turns it into a SQLite test
//! and a PostgreSQL test. The behaviours are grouped by subject, one file
//! each under tests/conformance/; the fixture and the helpers they share
//! are here.
//!
//! PostgreSQL comes from `SPUR_TEST_PG` (a URL to a server where the tests
//! may create databases), which `scripts/test` sets after starting a server
//! on loopback. Without it the PostgreSQL tests fail: they never skip.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use spur_engine::{Alert, Finding, Role};
use spur_store::{
    AlertFilter, AlertStatus, AuditFilter, CaseFilter, Page, PageRequest, ReportFilter, MAX_LIMIT,
    MAX_NETWORK_PARTIES,
};
use spur_store::{
    AlertUpdate, AuditBreak, CaseStatus, ChunkWriter, Correction, Disposition, IngestedTxn,
    LogCommit, LogCommitted, LogHead, ManualClock, PaymentRecord, Report, ReportContent,
    ReportStatus, Store, StoreError, UserRole, SCHEMA_VERSION,
};
use spur_store::{LabelDisposition, LabelSource, ModelStatus, NewLabel, NewModel};

// ---- fixtures ----

enum Kind {
    Sqlite,
    Postgres,
}

struct Fixture {
    kind: Kind,
    url: String,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

/// 2026-01-05T00:00:00Z.
const T0: i64 = 1_767_571_200;

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        // A folder that does not exist yet: open must create it.
        let url = format!("sqlite:{}", dir.path().join("nested/spur.db").display());
        Fixture {
            kind: Kind::Sqlite,
            url,
            clock: Arc::new(ManualClock::new(T0)),
            _dir: Some(dir),
        }
    }

    fn postgres(test: &str) -> Fixture {
        let base = std::env::var("SPUR_TEST_PG").unwrap_or_else(|_| {
            panic!(
                "SPUR_TEST_PG is not set: the PostgreSQL conformance tests need a server. \
                 Run them with scripts/test, which starts PostgreSQL on loopback and sets SPUR_TEST_PG"
            )
        });
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let db = format!(
            "spur_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst),
            &test[..test.len().min(40)]
        );
        let mut admin = ::postgres::Client::connect(&base, ::postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL of SPUR_TEST_PG: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("create test database");
        Fixture {
            kind: Kind::Postgres,
            url: with_dbname(&base, &db),
            clock: Arc::new(ManualClock::new(T0)),
            _dir: None,
        }
    }

    fn open(&self) -> Box<dyn Store> {
        spur_store::open(&self.url, self.clock.clone()).expect("open store")
    }

    /// Raw SQL behind the store's back, as someone with database access could.
    fn raw(&self, sql: &str) -> Result<(), String> {
        match self.kind {
            Kind::Sqlite => {
                let path = self.url.trim_start_matches("sqlite:");
                let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Kind::Postgres => {
                let mut client = ::postgres::Client::connect(&self.url, ::postgres::NoTls)
                    .map_err(|e| e.to_string())?;
                client.batch_execute(sql).map_err(|e| format!("{e:?}"))
            }
        }
    }

    fn sql(&self, sql: &str) {
        self.raw(sql)
            .unwrap_or_else(|e| panic!("raw SQL failed: {e}\n{sql}"));
    }

    /// What an attacker with database access does first.
    fn drop_audit_triggers(&self) {
        self.sql(match self.kind {
            Kind::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            Kind::Postgres => "DROP TRIGGER audit_log_append_only ON audit_log;",
        });
    }
}

/// The base URL with another database name, keeping user, host and options.
fn with_dbname(base: &str, db: &str) -> String {
    let (main, query) = match base.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (base, None),
    };
    let start = main.find("://").map_or(0, |i| i + 3);
    let end = main[start..].find('/').map_or(main.len(), |i| start + i);
    let mut url = format!("{}/{db}", &main[..end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::Fixture::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(&super::Fixture::postgres(stringify!($name))); } )*
        }
    };
}

// ---- helpers ----

fn digest_of(text: &str) -> [u8; 32] {
    let mut d = [0u8; 32];
    for (i, b) in text.bytes().enumerate() {
        d[i % 32] ^= b;
    }
    d
}

/// Txn ids as a scan ingests them, each with a digest of its own.
fn txns<'a>(ids: &[&'a str]) -> Vec<IngestedTxn<'a>> {
    ids.iter()
        .map(|id| IngestedTxn {
            txn_id: id,
            digest: digest_of(id),
        })
        .collect()
}

fn payment(txn_id: &str, t: i64) -> PaymentRecord {
    PaymentRecord {
        txn_id: txn_id.into(),
        timestamp: t,
        amount: 45.5,
        currency: "USD".into(),
        sender_id: "S-1".into(),
        sender_name: "Gary Whitfield".into(),
        sender_country: "US".into(),
        receiver_id: "R-1".into(),
        receiver_name: "Maria Luz Cruz".into(),
        receiver_country: "PH".into(),
        channel: "remittance".into(),
        message: "for load 'n' stuff".into(),
    }
}

/// The known ones among `ids`, sorted.
fn known_ids(s: &mut dyn Store, ids: &[&str]) -> Vec<String> {
    let mut known: Vec<String> = s
        .known_txns(ids)
        .unwrap()
        .into_iter()
        .map(|k| k.txn_id)
        .collect();
    known.sort();
    known
}

fn findings(s: &mut dyn Store) -> Vec<spur_store::RowFinding> {
    match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected rows that differ, got {other:?}"),
    }
}

fn alert(subject: &str, role: Role, score: f64, txns: &[&str]) -> Alert {
    Alert {
        subject: subject.into(),
        role,
        score,
        country: "PH".into(),
        indicators: vec![Finding {
            code: "P-SHARED".into(),
            contribution: score,
            reason: "pays a receiver that many risky senders pay".into(),
            parties: vec!["R-1".into()],
        }],
        context: vec![],
        transactions: txns.iter().map(|t| t.to_string()).collect(),
        payments: txns.len() as u32,
        first_seen: T0 - 86_400,
        last_seen: T0,
    }
}

/// An admin, two analysts, two supervisors and an auditor.
fn staff(s: &mut dyn Store) {
    s.add_user("ada", UserRole::Admin, "ada").unwrap();
    for (name, role) in [
        ("ana", UserRole::Analyst),
        ("alex", UserRole::Analyst),
        ("sue", UserRole::Supervisor),
        ("sam", UserRole::Supervisor),
        ("aud", UserRole::Auditor),
    ] {
        s.add_user(name, role, "ada").unwrap();
    }
}

/// Staff plus three alerts; returns their ids.
fn with_alerts(s: &mut dyn Store) -> Vec<i64> {
    staff(s);
    let batch = s
        .commit_scan_batch(
            &["t1", "t2", "t3"],
            &[
                alert("S-1", Role::Sender, 0.9, &["t1"]),
                alert("S-2", Role::Sender, 0.8, &["t2"]),
                alert("R-1", Role::Receiver, 0.95, &["t1", "t2", "t3"]),
            ],
            b"state",
        )
        .unwrap();
    batch.alerts_created
}

/// Report XML as the report crate writes it: the store finds the
/// `entity_reference` element in it.
fn xml(reference: &str, body: &str) -> String {
    format!("<report>\n  <entity_reference>{reference}</entity_reference>\n  {body}\n</report>\n")
}

fn content(xml: &str) -> ReportContent<'_> {
    ReportContent {
        profile: "ae",
        xml,
        reason: "",
        action: "",
        all_evidence: false,
    }
}

/// The case's first report, drafted.
fn draft(s: &mut dyn Store, case: i64, body: &str, actor: &str) -> Result<Report, StoreError> {
    s.draft_report(case, &content(&xml(&case.to_string(), body)), None, actor)
}

/// A redraft of a case's first report.
fn revise(s: &mut dyn Store, r: &Report, body: &str, actor: &str) -> Result<Report, StoreError> {
    let reference = r.entity_reference.clone().unwrap();
    s.revise_report(r.id, &content(&xml(&reference, body)), actor)
}

/// A correction of `filed`, drafted.
fn correct(s: &mut dyn Store, filed: &Report, actor: &str) -> Result<Report, StoreError> {
    let plan = s.plan_report(filed.case_id, Some(filed.id), actor)?;
    let x = xml(&plan.entity_reference, "corrected");
    let correction = Correction {
        report_id: filed.id,
        fiu_ref_number: Some("FIU-2026-0042"),
    };
    s.draft_report(filed.case_id, &content(&x), Some(correction), actor)
}

fn audit_len(s: &mut dyn Store) -> usize {
    s.audit_log("aud").unwrap().len()
}

fn expect_break(s: &mut dyn Store, entry_id: i64) -> AuditBreak {
    match s.verify_audit() {
        Err(StoreError::AuditBreak(b)) => {
            assert_eq!(b.entry_id, entry_id, "{b}");
            b
        }
        other => panic!("expected an audit break at {entry_id}, got {other:?}"),
    }
}

macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e @ $pattern) => e,
            other => panic!("expected {}, got {other:?}", stringify!($pattern)),
        }
    };
}

// The suite's parts in files of their own (tests/conformance/).
#[path = "conformance/audit.rs"]
mod audit;
#[path = "conformance/basics.rs"]
mod basics;
#[path = "conformance/cases.rs"]
mod cases;
#[path = "conformance/census.rs"]
mod census;
#[path = "conformance/learning.rs"]
mod learning;
#[path = "conformance/lists.rs"]
mod lists;
#[path = "conformance/log.rs"]
mod log;
#[path = "conformance/reports.rs"]
mod reports;
#[path = "conformance/tokens.rs"]
mod tokens;
#[path = "conformance/trust.rs"]
mod trust;
