//! The [`Store`] trait and its one implementation over either backend:
//! users and roles, ingestion (txn ids, alerts, engine state) and the audit log.
//! Cases and reports live in `case.rs` and `report.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use spur_engine::{Alert, Role, Timestamp};
use tracing::debug;

use crate::alert_view::AlertFilter;
use crate::audit::{self, json, Change};
use crate::case;
use crate::clock::Clock;
use crate::error::StoreError;
use crate::learning::{self, Label, LabelImport, NewLabel, NewModel, StoredModel};
use crate::lists::{self, CaseFilter, ReportFilter};
use crate::log_store::{self, Checkpoint, LogChunk, LogCommit, LogCommitted, LogHead};
use crate::matching::{self, MatchRun, OutsideEvidence};
use crate::migrations;
use crate::model::{
    AuditEntry, AuditFilter, AuditSummary, Case, CaseStatus, Correction, Disposition, EngineState,
    IngestedTxn, KnownTxn, PaymentRecord, Report, ReportContent, ReportPlan, ScanBatch,
    StoredAlert, User, UserRole,
};
use crate::page::{Page, PageRequest};
use crate::party_view::{self, PartyView};
use crate::report;
use crate::rows;
use crate::sql::{params, Backend, Cell, Keys, NewRows, Row, Tx, Value};
use crate::token::{self, IssuedToken, Token};
use crate::PaymentDigest;

/// The audit log's actor for changes made by ingestion rather than a person.
pub const SYSTEM_ACTOR: &str = "system";

/// spur's persistent state. Every method that changes something runs in one
/// database transaction with its audit entry: it happens entirely or not at all.
///
/// Methods that take an `actor` check that user's role: every user may read;
/// analysts and supervisors work cases and draft and file reports; only a
/// supervisor who is none of its authors approves a report; an admin manages
/// users; an auditor reads everything and changes nothing. The audit log
/// itself is read by auditors, admins and supervisors (who oversee the
/// analysts), not by analysts. A disabled user can do nothing, not even
/// read. Ingestion (`record_txns`, `commit_scan_batch`, the engine state)
/// is the system's.
///
/// The `actor` is a name the caller vouches for: the store checks what that
/// user may do, not who is calling (see docs/storage.md, "Who is trusted").
pub trait Store: Send {
    /// The schema version of the open database (this build's, after open).
    fn schema_version(&mut self) -> Result<i64, StoreError>;

    // Users.
    /// Adds a user. On an empty store the first user must be an admin and
    /// is its own actor; after that only an admin adds users.
    fn add_user(&mut self, name: &str, role: UserRole, actor: &str) -> Result<User, StoreError>;
    /// An admin changes a user's role; the last active admin keeps theirs.
    fn set_user_role(
        &mut self,
        name: &str,
        role: UserRole,
        actor: &str,
    ) -> Result<User, StoreError>;
    /// An admin disables a user, who can then no longer act; the last
    /// active admin cannot be disabled (by themself either).
    fn disable_user(&mut self, name: &str, actor: &str) -> Result<User, StoreError>;
    /// An admin enables a disabled user again.
    fn enable_user(&mut self, name: &str, actor: &str) -> Result<User, StoreError>;
    /// Looks a user up by name, to identify whoever acts.
    fn user(&mut self, name: &str) -> Result<User, StoreError>;
    fn users(&mut self, actor: &str) -> Result<Vec<User>, StoreError>;
    /// One page of the users, by id.
    fn user_page(&mut self, page: &PageRequest, actor: &str) -> Result<Page<User>, StoreError>;

    // API tokens (token.rs).
    /// An admin creates a token for an active user; the secret is in the
    /// answer only, the store keeps its SHA-256.
    fn create_token(&mut self, for_user: &str, actor: &str) -> Result<IssuedToken, StoreError>;
    /// An admin revokes a token; it no longer authenticates.
    fn revoke_token(&mut self, token_id: i64, actor: &str) -> Result<Token, StoreError>;
    /// Every token, revoked ones included (admins, auditors).
    fn tokens(&mut self, actor: &str) -> Result<Vec<Token>, StoreError>;
    /// The active user a bearer secret belongs to: [`StoreError::BadToken`]
    /// for an unknown, malformed or revoked one, [`StoreError::UserDisabled`]
    /// for a disabled user's.
    fn authenticate(&mut self, secret: &str) -> Result<User, StoreError>;
    /// The acting user, if they may post payments (the `ingest` role only):
    /// the ingest service asks before it takes a request's payments.
    fn authorize_ingest(&mut self, actor: &str) -> Result<User, StoreError>;

    // Matching with other installations (matching.rs).
    /// The acting user, if they may serve match runs (the `peer` role only).
    fn authorize_peer(&mut self, actor: &str) -> Result<User, StoreError>;
    /// The acting peer, if it may start another match run now (fewer than
    /// `per_hour` within the last hour): asked before the costly part of a
    /// run; [`Store::begin_match_run`] checks again as it records the run.
    fn authorize_match_run(&mut self, actor: &str, per_hour: u32) -> Result<User, StoreError>;
    /// The acting user, if they may run `spur match` against a peer
    /// (analysts, supervisors, admins): asked before anything is sent.
    fn authorize_matcher(&mut self, actor: &str) -> Result<User, StoreError>;
    /// A peer starts a match run (audited): `offered` of our items against
    /// `received` of its; [`StoreError::RateLimited`] past `per_hour` runs
    /// of that peer within the last hour.
    fn begin_match_run(
        &mut self,
        actor: &str,
        mode: &str,
        offered: u64,
        received: u64,
        per_hour: u32,
    ) -> Result<MatchRun, StoreError>;
    /// The peer that started run `id` finishes it with the number matched
    /// and its evidence about our parties (audited; replaces that peer's
    /// earlier evidence in the run's mode).
    fn finish_match_run(
        &mut self,
        id: i64,
        actor: &str,
        matched: u64,
        evidence: &[OutsideEvidence],
    ) -> Result<MatchRun, StoreError>;
    /// A run we made against `peer` (analysts, supervisors, admins), with
    /// what it learnt (audited; replaces that peer's earlier evidence in
    /// the mode).
    #[allow(clippy::too_many_arguments)]
    fn record_match_run(
        &mut self,
        actor: &str,
        peer: &str,
        mode: &str,
        offered: u64,
        received: u64,
        matched: u64,
        evidence: &[OutsideEvidence],
    ) -> Result<MatchRun, StoreError>;
    /// Every outside finding (the system's: the engine reads them).
    fn outside_evidence(&mut self) -> Result<Vec<OutsideEvidence>, StoreError>;
    /// The match runs, newest first (every reader).
    fn match_runs(&mut self, actor: &str) -> Result<Vec<MatchRun>, StoreError>;

    // Ingestion.
    /// Records txn ids, ignoring those seen before; returns how many were new.
    fn record_txns(&mut self, txn_ids: &[&str]) -> Result<u64, StoreError>;
    /// Saves the engine's opaque state; returns its new version.
    fn save_engine_state(&mut self, blob: &[u8]) -> Result<i64, StoreError>;
    fn load_engine_state(&mut self) -> Result<Option<EngineState>, StoreError>;
    /// One scan batch at once: its txn ids, the alerts it produced (created,
    /// or updated when the party already has an alert in that role) and the
    /// engine state after it. A failure or crash leaves none of it.
    fn commit_scan_batch(
        &mut self,
        txn_ids: &[&str],
        alerts: &[Alert],
        state: &[u8],
    ) -> Result<ScanBatch, StoreError>;
    /// A whole scan at once, as [`Store::commit_scan_batch`], where `alerts`
    /// is the engine's complete outcome after it: stored alerts not among
    /// them no longer reach the threshold and are marked cleared (kept, with
    /// their case; standing again when raised again). Also keeps the details
    /// of the given payments (those the alerts cite as evidence); a payment
    /// already kept is left as it was.
    ///
    /// `based_on` is the engine state version the scan started from (0: none).
    /// If another scan committed meanwhile, nothing is stored and the error
    /// is [`StoreError::ScanConflict`]: run the scan again.
    ///
    /// Each txn id is kept with the digest of its payment's content, so that
    /// [`Store::known_txns`] tells the same payment from a reused id.
    fn commit_scan_batch_with_payments(
        &mut self,
        txns: &[IngestedTxn<'_>],
        alerts: &[Alert],
        payments: &[PaymentRecord],
        state: &[u8],
        based_on: i64,
    ) -> Result<ScanBatch, StoreError>;
    /// Which of the given txn ids were recorded before, with their digests
    /// (in no particular order).
    fn known_txns(&mut self, txn_ids: &[&str]) -> Result<Vec<KnownTxn>, StoreError>;
    /// The kept payments among the given txn ids, by time then txn id.
    fn payments(&mut self, txn_ids: &[&str], actor: &str)
        -> Result<Vec<PaymentRecord>, StoreError>;
    /// Every kept payment the party made (`Role::Sender`) or received
    /// (`Role::Receiver`), by time then txn id: more than its alert's
    /// evidence when it was evidence for its counterparties too.
    fn party_payments(
        &mut self,
        party: &str,
        role: Role,
        actor: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError>;

    // Alerts.
    fn alerts(&mut self, actor: &str) -> Result<Vec<StoredAlert>, StoreError>;
    fn alert(&mut self, alert_id: i64, actor: &str) -> Result<StoredAlert, StoreError>;
    /// One page of the alerts that pass `filter`, highest score first (then
    /// by id), filtered in the database.
    fn alert_page(
        &mut self,
        filter: &AlertFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<StoredAlert>, StoreError>;
    /// A party's alerts, kept payments on one side (`None`: both),
    /// counterparties and the network around it, in one snapshot.
    fn party_view(
        &mut self,
        party: &str,
        role: Option<Role>,
        actor: &str,
    ) -> Result<PartyView, StoreError>;

    // Cases.
    fn open_case(&mut self, alert_id: i64, actor: &str) -> Result<Case, StoreError>;
    fn add_alert(&mut self, case_id: i64, alert_id: i64, actor: &str) -> Result<Case, StoreError>;
    /// Assigns the case to an analyst or supervisor.
    fn assign(&mut self, case_id: i64, assignee: &str, actor: &str) -> Result<Case, StoreError>;
    fn note(&mut self, case_id: i64, text: &str, actor: &str) -> Result<Case, StoreError>;
    /// Open → investigating | escalated; investigating ⇄ escalated. Closing
    /// goes through [`Store::close`], reporting through [`Store::file_report`].
    fn set_status(
        &mut self,
        case_id: i64,
        status: CaseStatus,
        actor: &str,
    ) -> Result<Case, StoreError>;
    fn set_disposition(
        &mut self,
        case_id: i64,
        disposition: Disposition,
        actor: &str,
    ) -> Result<Case, StoreError>;
    /// Closes the case for good, with a reason.
    fn close(&mut self, case_id: i64, reason: &str, actor: &str) -> Result<Case, StoreError>;
    fn cases(&mut self, actor: &str) -> Result<Vec<Case>, StoreError>;
    /// One page of the cases that pass `filter`, newest first.
    fn case_page(
        &mut self,
        filter: &CaseFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<Case>, StoreError>;
    fn case(&mut self, case_id: i64, actor: &str) -> Result<Case, StoreError>;

    // Reports.
    /// Whether a new report may be drafted on the case, and the
    /// `entity_reference` its XML must carry: a case has at most one report
    /// not yet filed; once one is filed, a later report is a correction of
    /// the latest filed one (`corrects`). Reads only; [`Store::draft_report`]
    /// checks the same again when it stores.
    fn plan_report(
        &mut self,
        case_id: i64,
        corrects: Option<i64>,
        actor: &str,
    ) -> Result<ReportPlan, StoreError>;
    /// Stores a new draft on an unclosed case (see [`Store::plan_report`]);
    /// its XML must carry the planned `entity_reference`. The actor is its
    /// first author.
    fn draft_report(
        &mut self,
        case_id: i64,
        content: &ReportContent<'_>,
        corrects: Option<Correction<'_>>,
        actor: &str,
    ) -> Result<Report, StoreError>;
    /// Replaces a draft's content; approved and filed reports, and reports
    /// on closed cases, cannot be revised. The actor becomes one of its
    /// authors.
    fn revise_report(
        &mut self,
        report_id: i64,
        content: &ReportContent<'_>,
        actor: &str,
    ) -> Result<Report, StoreError>;
    /// Four-eyes: a supervisor who is none of its authors approves a draft
    /// on an unclosed case.
    fn approve_report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError>;
    /// Files an approved report on an unclosed case; the case becomes
    /// `reported`. A filed report never changes again.
    fn file_report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError>;
    fn report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError>;
    /// All reports, or those of one case.
    fn reports(&mut self, case_id: Option<i64>, actor: &str) -> Result<Vec<Report>, StoreError>;
    /// One page of the reports that pass `filter`, newest first.
    fn report_page(
        &mut self,
        filter: &ReportFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<Report>, StoreError>;

    // Audit.
    /// The whole audit log, oldest first (auditors, admins, supervisors).
    fn audit_log(&mut self, actor: &str) -> Result<Vec<AuditEntry>, StoreError>;
    /// The entries that pass `filter`, oldest first (auditors, admins, supervisors).
    fn audit_entries(
        &mut self,
        filter: &AuditFilter,
        actor: &str,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// One page of the entries that pass `filter`, oldest first (auditors,
    /// admins, supervisors).
    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<AuditEntry>, StoreError>;
    /// Walks the hash chain, then recomputes every protected row's digest
    /// (users, cases with their alerts and notes, reports with their XML,
    /// alerts, evidence payments, the engine state, the number of txn ids)
    /// against the chain. An edited, deleted or reordered entry gives
    /// [`StoreError::AuditBreak`]; rows changed, added or deleted behind
    /// the store's back give [`StoreError::RowsDiffer`], naming each.
    fn verify_audit(&mut self) -> Result<AuditSummary, StoreError>;

    // The payment log and checkpoints (docs/storage.md, "The payment log").
    /// One group commit: new log chunks with their txn ids and digests,
    /// alert changes, evidence payments and a checkpoint, all in one
    /// transaction. Refused with [`StoreError::LogConflict`] if the log is
    /// no longer at `commit.after`, with [`StoreError::AlreadyIngested`] if
    /// a txn id is held already (naming each, with its digest): nothing of
    /// it is stored then.
    fn commit_log(&mut self, commit: &LogCommit<'_>) -> Result<LogCommitted, StoreError>;
    /// Appends one chunk after log position `after` with its txn ids and
    /// digests ([`Store::commit_log`] with nothing else).
    fn append_log(
        &mut self,
        after: i64,
        chunk: &[u8],
        txns: &[IngestedTxn<'_>],
    ) -> Result<LogCommitted, StoreError> {
        self.commit_log(&LogCommit {
            after,
            chunks: &[chunk],
            txns,
            ..LogCommit::default()
        })
    }
    /// Where the log ends and how many txn ids the store holds.
    fn log_head(&mut self) -> Result<LogHead, StoreError>;
    /// Up to `limit` chunks after position `after`, oldest first.
    fn read_log(&mut self, after: i64, limit: usize) -> Result<Vec<LogChunk>, StoreError>;
    /// Saves the engine's state as of log position `log_seq` as the
    /// checkpoint, dropping older ones; refused for a position the log does
    /// not have or one older than the stored checkpoint's.
    fn save_checkpoint(&mut self, log_seq: i64, state: &[u8]) -> Result<(), StoreError>;
    /// The latest checkpoint.
    fn load_checkpoint(&mut self) -> Result<Option<Checkpoint>, StoreError>;

    // ---- learning from the analysts (learning.rs) ----

    /// Stores `labels` read from `file` (its name, for the record), in one
    /// audited transaction; analysts and supervisors only.
    fn import_labels(
        &mut self,
        file: &str,
        labels: &[NewLabel],
        actor: &str,
    ) -> Result<LabelImport, StoreError>;
    /// Every label: imported ones, then closed cases' dispositions.
    fn labels(&mut self, actor: &str) -> Result<Vec<Label>, StoreError>;
    /// Stores a trained model as the next version (refused if it says why);
    /// analysts and supervisors only, audited.
    fn save_model(&mut self, model: &NewModel, actor: &str) -> Result<StoredModel, StoreError>;
    fn models(&mut self, actor: &str) -> Result<Vec<StoredModel>, StoreError>;
    fn model(&mut self, version: i64, actor: &str) -> Result<StoredModel, StoreError>;
    /// The active model, if a supervisor activated one (else the rules decide).
    fn active_model(&mut self, actor: &str) -> Result<Option<StoredModel>, StoreError>;
    /// Makes `version` the active model, retiring the one before: a
    /// supervisor other than its trainer, never a refused model; audited.
    fn activate_model(&mut self, version: i64, actor: &str) -> Result<StoredModel, StoreError>;
}

/// Runs of a write transaction that the database aborted as transient.
const WRITE_ATTEMPTS: u32 = 8;

pub(crate) struct SqlStore {
    db: Box<dyn Backend>,
    clock: Arc<dyn Clock>,
}

impl SqlStore {
    /// Migrates; with `existing` (where the database was looked for), refuses
    /// a database without spur's schema instead of creating it.
    pub(crate) fn open(
        mut db: Box<dyn Backend>,
        clock: Arc<dyn Clock>,
        existing: Option<&str>,
    ) -> Result<Self, StoreError> {
        let now = clock.now();
        let mut tx = db.begin(true)?;
        if let Some(place) = existing {
            if !migrations::has_schema(&mut *tx)? {
                return Err(StoreError::NoDatabase(place.to_owned()));
            }
        }
        let found = migrations::migrate(&mut *tx, now)?;
        if found > 0 && found < migrations::ROW_DIGESTS {
            baseline(&mut *tx, now, found)?;
        }
        tx.commit()?;
        Ok(SqlStore { db, clock })
    }

    /// Runs `f` in a write transaction and commits it; a transaction the
    /// database aborted as transient (PostgreSQL's deadlock or serialization
    /// failure between concurrent writers) runs again from the start, a few
    /// times, so that it never reaches the user as an error.
    pub(crate) fn write<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Tx, Timestamp) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pause = std::time::Duration::from_millis(2);
        let mut attempt = 1;
        loop {
            let now = self.clock.now();
            let result = self.db.begin(true).and_then(|mut tx| {
                let out = f(&mut *tx, now)?;
                tx.commit()?;
                Ok(out)
            });
            match result {
                Err(e) if attempt < WRITE_ATTEMPTS && self.db.transient(&e) => {
                    debug!(attempt, error = %e, "transaction aborted by the database; running it again");
                    std::thread::sleep(pause);
                    pause *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn read<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.db.begin(false)?;
        let out = f(&mut *tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A database from before row digests: one entry records the digest of
/// every protected row it holds, so verify checks them from here on (what
/// was changed before the upgrade cannot be told any more).
fn baseline(tx: &mut dyn Tx, now: Timestamp, from_version: i64) -> Result<(), StoreError> {
    let rows: Vec<rows::RowDigest> = rows::current(tx)?
        .into_iter()
        .map(|(object, f)| (object, Some(f.digest)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    audit::append(
        tx,
        Change {
            at: now,
            actor: SYSTEM_ACTOR,
            action: "audit.baseline",
            object: "database".into(),
            before: None,
            after: json(
                &serde_json::json!({ "rows": rows.len(), "from_schema_version": from_version }),
            )?,
            rows,
        },
    )?;
    Ok(())
}

// ---- who may do what ----

pub(crate) const WORKERS: &[UserRole] = &[UserRole::Analyst, UserRole::Supervisor];

pub(crate) fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.int(0)?,
        name: r.text(1)?,
        role: r.text(2)?.parse()?,
        created_at: r.int(3)?,
        disabled_at: r.opt_int(4)?,
    })
}

pub(crate) const USER_COLUMNS: &str = "id, name, role, created_at, disabled_at FROM users";

pub(crate) fn all_users(tx: &mut dyn Tx) -> Result<Vec<User>, StoreError> {
    tx.query(&format!("SELECT {USER_COLUMNS} ORDER BY id"), &[])?
        .iter()
        .map(user_from)
        .collect()
}

pub(crate) fn find_user(tx: &mut dyn Tx, name: &str) -> Result<User, StoreError> {
    match tx.query_opt(
        &format!("SELECT {USER_COLUMNS} WHERE name = $1"),
        params![name],
    )? {
        Some(r) => user_from(&r),
        None => Err(StoreError::UnknownUser(name.to_owned())),
    }
}

/// The acting user, if their role allows `action`.
pub(crate) fn require(
    tx: &mut dyn Tx,
    actor: &str,
    allowed: &[UserRole],
    action: &'static str,
) -> Result<User, StoreError> {
    let user = find_user(tx, actor)?;
    if user.disabled_at.is_some() {
        return Err(StoreError::UserDisabled(user.name));
    }
    if !allowed.contains(&user.role) {
        return Err(StoreError::Forbidden {
            role: user.role,
            action,
        });
    }
    Ok(user)
}

/// Everyone but `ingest`, which posts payments and reads nothing.
pub(crate) const READERS: &[UserRole] = &[
    UserRole::Analyst,
    UserRole::Supervisor,
    UserRole::Admin,
    UserRole::Auditor,
];

pub(crate) fn reader(tx: &mut dyn Tx, actor: &str) -> Result<User, StoreError> {
    require(tx, actor, READERS, "read")
}

/// Who may post payments to `spur serve`: systems with the `ingest` role.
const INGESTERS: &[UserRole] = &[UserRole::Ingest];

pub(crate) const AUDIT_READERS: &[UserRole] =
    &[UserRole::Auditor, UserRole::Admin, UserRole::Supervisor];

/// Refuses a change that would leave no active admin: `user` is about to
/// lose the admin role or be disabled.
fn keep_an_admin(tx: &mut dyn Tx, user: &User) -> Result<(), StoreError> {
    if user.role != UserRole::Admin || user.disabled_at.is_some() {
        return Ok(());
    }
    let others = tx
        .query_one(
            "SELECT COUNT(*) FROM users WHERE role = $1 AND disabled_at IS NULL AND id <> $2",
            params![UserRole::Admin.as_str(), user.id],
        )?
        .int(0)?;
    if others == 0 {
        return Err(StoreError::LastAdmin(user.name.clone()));
    }
    Ok(())
}

// ---- ingestion ----

fn check_txn_ids(txn_ids: &[&str]) -> Result<(), StoreError> {
    if txn_ids.iter().any(|t| t.is_empty()) {
        return Err(StoreError::Invalid("an empty txn_id".into()));
    }
    Ok(())
}

/// A txn id to record, with its payment's digest when known.
type TxnRow<'a> = (&'a str, Option<&'a PaymentDigest>);

fn insert_txns(tx: &mut dyn Tx, txns: &[TxnRow<'_>], now: Timestamp) -> Result<u64, StoreError> {
    let cell = |r: usize, c: usize| match (c, txns[r]) {
        (0, (id, _)) => Cell::Text(id),
        (1, (_, Some(digest))) => Cell::Blob(&digest[..]),
        (1, (_, None)) => Cell::Null,
        _ => Cell::Int(now),
    };
    let new = tx
        .insert_new(
            &NewRows {
                table: "txns",
                columns: &["txn_id", "digest", "recorded_at"],
                key: "txn_id",
                len: txns.len(),
                cell: &cell,
                held: None,
            },
            false,
        )?
        .count;
    if new > 0 {
        // The count the audit chain records, kept without counting the table.
        tx.execute(
            "UPDATE log_head SET txns = txns + $1 WHERE id = 1",
            params![new as i64],
        )?;
    }
    Ok(new)
}

fn store_state(tx: &mut dyn Tx, blob: &[u8], now: Timestamp) -> Result<i64, StoreError> {
    let version = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM engine_state",
            &[],
        )?
        .int(0)?;
    tx.execute(
        "INSERT INTO engine_state (id, version, state, saved_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, saved_at = excluded.saved_at",
        params![version, blob, now],
    )?;
    Ok(version)
}

#[derive(Serialize)]
struct StateAudit {
    version: i64,
    bytes: usize,
    sha256: String,
}

fn state_audit(version: i64, blob: &[u8]) -> StateAudit {
    StateAudit {
        version,
        bytes: blob.len(),
        sha256: audit::sha256_hex(blob),
    }
}

pub(crate) fn check_alerts(alerts: &[Alert]) -> Result<(), StoreError> {
    if alerts
        .iter()
        .any(|a| !a.score.is_finite() || a.subject.is_empty())
    {
        return Err(StoreError::Invalid(
            "every alert needs a subject and a finite score".into(),
        ));
    }
    Ok(())
}

/// The alert as its `body` column holds it.
pub(crate) fn alert_body(a: &Alert) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&serde_json::to_value(a)?)?)
}

/// An alert's text columns, as `alerts` holds them.
pub(crate) struct AlertColumns {
    pub(crate) indicators: String,
    pub(crate) transactions: String,
    pub(crate) body: String,
}

impl AlertColumns {
    pub(crate) fn of(a: &Alert) -> Result<Self, StoreError> {
        let body = serde_json::to_value(a)?;
        Ok(AlertColumns {
            indicators: serde_json::to_string(&body["indicators"])?,
            transactions: serde_json::to_string(&a.transactions)?,
            body: serde_json::to_string(&body)?,
        })
    }
}

/// Alerts per multi-row statement (11 parameters each at most).
const ALERT_ROWS: usize = 500;

/// Inserts new alerts (no alert of their party in their role is stored),
/// many to a statement; their ids, in the order given.
pub(crate) fn insert_alerts(
    tx: &mut dyn Tx,
    alerts: &[(&Alert, AlertColumns)],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    use std::fmt::Write;
    let mut ids = Vec::with_capacity(alerts.len());
    for part in alerts.chunks(ALERT_ROWS) {
        let mut sql = String::from(
            "INSERT INTO alerts (subject, role, score, country, indicators, transactions, body, \
             first_seen, last_seen, created_at, updated_at) VALUES ",
        );
        let mut values: Vec<Value> = vec![now.into()];
        for (i, (a, c)) in part.iter().enumerate() {
            let n = values.len();
            let _ = write!(
                sql,
                "{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $1, $1)",
                if i > 0 { ", " } else { "" },
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            );
            values.extend([
                a.subject.as_str().into(),
                a.role.as_str().into(),
                a.score.into(),
                a.country.as_str().into(),
                c.indicators.as_str().into(),
                c.transactions.as_str().into(),
                c.body.as_str().into(),
                a.first_seen.into(),
                a.last_seen.into(),
            ]);
        }
        sql.push_str(" RETURNING id, subject, role");
        let mut by_key = HashMap::new();
        for r in tx.query(&sql, &values)? {
            by_key.insert((r.text(1)?, r.text(2)?), r.int(0)?);
        }
        for (a, _) in part {
            let id = by_key
                .get(&(a.subject.clone(), a.role.as_str().to_owned()))
                .ok_or_else(|| {
                    StoreError::Corrupt("an inserted alert's id did not come back".into())
                })?;
            ids.push(*id);
        }
    }
    Ok(ids)
}

/// Updates stored alerts in place by their ids (standing again if they
/// were cleared), many to a statement.
pub(crate) fn update_alerts(
    tx: &mut dyn Tx,
    alerts: &[(i64, &Alert, AlertColumns)],
    now: Timestamp,
) -> Result<(), StoreError> {
    use std::fmt::Write;
    for part in alerts.chunks(ALERT_ROWS) {
        // VALUES' columns are column1, column2, ... on both backends.
        let mut sql = String::from(
            "UPDATE alerts SET score = v.column2, country = v.column3, indicators = v.column4, \
             transactions = v.column5, body = v.column6, first_seen = v.column7, \
             last_seen = v.column8, updated_at = $1, cleared_at = NULL FROM (VALUES ",
        );
        let mut values: Vec<Value> = vec![now.into()];
        for (i, (id, a, c)) in part.iter().enumerate() {
            let n = values.len();
            let _ = write!(
                sql,
                "{}(CAST(${} AS BIGINT), CAST(${} AS DOUBLE PRECISION), CAST(${} AS TEXT), \
                 CAST(${} AS TEXT), CAST(${} AS TEXT), CAST(${} AS TEXT), CAST(${} AS BIGINT), \
                 CAST(${} AS BIGINT))",
                if i > 0 { ", " } else { "" },
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8
            );
            values.extend([
                (*id).into(),
                a.score.into(),
                a.country.as_str().into(),
                c.indicators.as_str().into(),
                c.transactions.as_str().into(),
                c.body.as_str().into(),
                a.first_seen.into(),
                a.last_seen.into(),
            ]);
        }
        sql.push_str(") AS v WHERE alerts.id = v.column1");
        let changed = tx.execute(&sql, &values)?;
        if changed != part.len() as u64 {
            return Err(StoreError::Corrupt(format!(
                "{} of {} stored alerts to update were found",
                changed,
                part.len()
            )));
        }
    }
    Ok(())
}

/// Creates the alert, or updates the party's alert in that role; true if created.
pub(crate) fn upsert_alert(
    tx: &mut dyn Tx,
    a: &Alert,
    now: Timestamp,
) -> Result<(i64, bool), StoreError> {
    let body = serde_json::to_value(a)?;
    let indicators = serde_json::to_string(&body["indicators"])?;
    let transactions = serde_json::to_string(&a.transactions)?;
    let body = serde_json::to_string(&body)?;
    debug_assert_eq!(body, alert_body(a)?);
    let existing = tx.query_opt(
        &format!(
            "SELECT id FROM alerts WHERE subject = $1 AND role = $2{}",
            tx.for_update()
        ),
        params![a.subject.as_str(), a.role.as_str()],
    )?;
    match existing {
        Some(r) => {
            let id = r.int(0)?;
            tx.execute(
                "UPDATE alerts SET score = $1, country = $2, indicators = $3, transactions = $4, body = $5, \
                 first_seen = $6, last_seen = $7, updated_at = $8, cleared_at = NULL WHERE id = $9",
                params![a.score, a.country.as_str(), indicators, transactions, body, a.first_seen, a.last_seen, now, id],
            )?;
            Ok((id, false))
        }
        None => {
            let id = tx
                .query_one(
                    "INSERT INTO alerts (subject, role, score, country, indicators, transactions, body, \
                     first_seen, last_seen, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    params![
                        a.subject.as_str(),
                        a.role.as_str(),
                        a.score,
                        a.country.as_str(),
                        indicators,
                        transactions,
                        body,
                        a.first_seen,
                        a.last_seen,
                        now
                    ],
                )?
                .int(0)?;
            Ok((id, true))
        }
    }
}

/// One admin's change to a user, audited with its before and after.
fn change_user(
    tx: &mut dyn Tx,
    now: Timestamp,
    name: &str,
    actor: &str,
    action: &str,
    f: impl FnOnce(&mut dyn Tx, &User) -> Result<(), StoreError>,
) -> Result<User, StoreError> {
    // The audit head's lock first: two admins demoting or disabling each
    // other at once on PostgreSQL must not both see the other still active.
    tx.query_one(
        &format!(
            "SELECT last_id FROM audit_head WHERE id = 1{}",
            tx.for_update()
        ),
        &[],
    )?;
    let admin = require(tx, actor, &[UserRole::Admin], "manage users")?;
    let before = find_user(tx, name)?;
    f(tx, &before)?;
    let after = find_user(tx, name)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &admin.name,
            action,
            object: format!("user:{}", before.id),
            before: json(&before)?,
            after: json(&after)?,
            rows: vec![rows::user(&after)?],
        },
    )?;
    debug!(user_id = after.id, action, "user changed");
    Ok(after)
}

impl SqlStore {
    /// A scan batch; with `payments`, `alerts` is the engine's complete outcome.
    fn commit_scan(
        &mut self,
        txns: &[TxnRow<'_>],
        alerts: &[Alert],
        whole: Option<(&[PaymentRecord], i64)>,
        state: &[u8],
    ) -> Result<ScanBatch, StoreError> {
        let (payments, based_on) = match whole {
            Some((p, v)) => (p, Some(v)),
            None => (&[][..], None),
        };
        if txns.iter().any(|(t, _)| t.is_empty()) {
            return Err(StoreError::Invalid("an empty txn_id".into()));
        }
        check_alerts(alerts)?;
        if payments
            .iter()
            .any(|p| p.txn_id.is_empty() || !p.amount.is_finite())
        {
            return Err(StoreError::Invalid(
                "every payment needs a txn_id and a finite amount".into(),
            ));
        }
        self.write(|tx, now| {
            if let Some(expected) = based_on {
                // The audit head's lock queues concurrent scans on PostgreSQL.
                tx.query_one(
                    &format!("SELECT last_id FROM audit_head WHERE id = 1{}", tx.for_update()),
                    &[],
                )?;
                let found = tx
                    .query_one("SELECT COALESCE(MAX(version), 0) FROM engine_state", &[])?
                    .int(0)?;
                if found != expected {
                    return Err(StoreError::ScanConflict { expected, found });
                }
            }
            let new_txns = insert_txns(tx, txns, now)?;
            let kept = insert_payments(tx, payments, now)?;
            let new_payments: Vec<&str> = kept.iter().map(String::as_str).collect();
            let (mut alerts_created, mut alerts_updated) = (Vec::new(), Vec::new());
            for a in alerts {
                match upsert_alert(tx, a, now)? {
                    (id, true) => alerts_created.push(id),
                    (id, false) => alerts_updated.push(id),
                }
            }
            let alerts_cleared = if based_on.is_some() {
                clear_others(tx, &alerts_created, &alerts_updated, now)?
            } else {
                Vec::new()
            };
            let state_version = store_state(tx, state, now)?;
            // The digests of what the scan wrote, as stored (read back: a
            // database may store a number differently from how it was given).
            let mut written = vec![rows::engine_state(state_version, now, state)?];
            // No txn ids at all is no `txns` row (as verify sees it), not a
            // count of 0 that verify would then find deleted.
            if tx.query_opt("SELECT txn_id FROM txns LIMIT 1", &[])?.is_some() {
                written.push(rows::txns(tx)?);
            }
            let touched: Vec<i64> = alerts_created
                .iter()
                .chain(&alerts_updated)
                .chain(&alerts_cleared)
                .copied()
                .collect();
            written.extend(rows::alerts(tx, Some(&touched))?);
            written.extend(rows::payments(tx, Some(&new_payments))?);
            let batch = ScanBatch {
                new_txns,
                alerts_created,
                alerts_updated,
                alerts_cleared,
                state_version,
            };
            audit::append(
                tx,
                Change {
                    at: now,
                    actor: SYSTEM_ACTOR,
                    action: "scan.commit",
                    object: "scan".into(),
                    before: None,
                    after: json(&serde_json::json!({ "batch": &batch, "state": state_audit(state_version, state) }))?,
                    rows: written,
                },
            )?;
            debug!(
                new_txns = batch.new_txns,
                alerts_created = batch.alerts_created.len(),
                alerts_updated = batch.alerts_updated.len(),
                "scan batch committed"
            );
            Ok(batch)
        })
    }
}

/// Marks cleared the standing alerts that are neither `created` nor `updated`.
pub(crate) fn clear_others(
    tx: &mut dyn Tx,
    created: &[i64],
    updated: &[i64],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let current: std::collections::HashSet<i64> = created.iter().chain(updated).copied().collect();
    let mut cleared = Vec::new();
    for r in tx.query(
        "SELECT id FROM alerts WHERE cleared_at IS NULL ORDER BY id",
        &[],
    )? {
        let id = r.int(0)?;
        if !current.contains(&id) {
            cleared.push(id);
        }
    }
    for id in &cleared {
        tx.execute(
            "UPDATE alerts SET cleared_at = $1, updated_at = $1 WHERE id = $2",
            params![now, *id],
        )?;
    }
    Ok(cleared)
}

pub(crate) const PAYMENT_COLUMNS: &str =
    "txn_id, paid_at, amount, currency, sender_id, sender_name, sender_country, \
     receiver_id, receiver_name, receiver_country, channel, message FROM payments";

pub(crate) fn payment_from(r: &Row) -> Result<PaymentRecord, StoreError> {
    Ok(PaymentRecord {
        txn_id: r.text(0)?,
        timestamp: r.int(1)?,
        amount: r.real(2)?,
        currency: r.text(3)?,
        sender_id: r.text(4)?,
        sender_name: r.text(5)?,
        sender_country: r.text(6)?,
        receiver_id: r.text(7)?,
        receiver_name: r.text(8)?,
        receiver_country: r.text(9)?,
        channel: r.text(10)?,
        message: r.text(11)?,
    })
}

/// The given txn ids the store holds, each with the log chunk it came in.
pub(crate) fn txn_rows(
    tx: &mut dyn Tx,
    txn_ids: &[&str],
) -> Result<Vec<(KnownTxn, Option<i64>)>, StoreError> {
    let mut known = Vec::new();
    for r in tx.query_keys(
        "SELECT txn_id, digest, recorded_at, log_seq FROM txns WHERE txn_id",
        Keys::Text(txn_ids),
    )? {
        let digest = match r.opt_blob(1)? {
            None => None,
            Some(b) => Some(
                b.try_into()
                    .map_err(|_| StoreError::Corrupt("a txn digest is not 32 bytes".into()))?,
            ),
        };
        known.push((
            KnownTxn {
                txn_id: r.text(0)?,
                digest,
                recorded_at: r.int(2)?,
            },
            r.opt_int(3)?,
        ));
    }
    Ok(known)
}

/// Of the given txn ids, those whose payment is not kept.
pub(crate) fn payments_missing(
    tx: &mut dyn Tx,
    txn_ids: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut kept = std::collections::HashSet::new();
    for r in tx.query_keys(
        "SELECT txn_id FROM payments WHERE txn_id",
        Keys::Text(txn_ids),
    )? {
        kept.insert(r.text(0)?);
    }
    Ok(txn_ids
        .iter()
        .filter(|t| !kept.contains(**t))
        .map(|t| (*t).to_owned())
        .collect())
}

/// Keeps the payments not kept yet (in bulk); returns the txn ids of those
/// it kept.
pub(crate) fn insert_payments(
    tx: &mut dyn Tx,
    payments: &[PaymentRecord],
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    if payments.is_empty() {
        return Ok(Vec::new());
    }
    let cell = |r: usize, c: usize| {
        let p = &payments[r];
        match c {
            0 => Cell::Text(&p.txn_id),
            1 => Cell::Int(p.timestamp),
            2 => Cell::Real(p.amount),
            3 => Cell::Text(&p.currency),
            4 => Cell::Text(&p.sender_id),
            5 => Cell::Text(&p.sender_name),
            6 => Cell::Text(&p.sender_country),
            7 => Cell::Text(&p.receiver_id),
            8 => Cell::Text(&p.receiver_name),
            9 => Cell::Text(&p.receiver_country),
            10 => Cell::Text(&p.channel),
            11 => Cell::Text(&p.message),
            _ => Cell::Int(now),
        }
    };
    Ok(tx
        .insert_new(
            &NewRows {
                table: "payments",
                columns: &[
                    "txn_id",
                    "paid_at",
                    "amount",
                    "currency",
                    "sender_id",
                    "sender_name",
                    "sender_country",
                    "receiver_id",
                    "receiver_name",
                    "receiver_country",
                    "channel",
                    "message",
                    "recorded_at",
                ],
                key: "txn_id",
                len: payments.len(),
                cell: &cell,
                held: None,
            },
            true,
        )?
        .keys)
}

/// `PREFIX ($1, $2, ...)` with the ids as parameters.
pub(crate) const ALERT_COLUMNS: &str =
    "a.id, a.subject, a.role, a.score, a.country, a.indicators, a.transactions, a.body, \
     a.first_seen, a.last_seen, a.created_at, a.updated_at, c.case_id, a.cleared_at \
     FROM alerts a LEFT JOIN case_alerts c ON c.alert_id = a.id";

pub(crate) fn alert_from(r: &Row) -> Result<StoredAlert, StoreError> {
    let role = match r.text(2)?.as_str() {
        "sender" => Role::Sender,
        "receiver" => Role::Receiver,
        other => return Err(StoreError::Corrupt(format!("alert role {other:?}"))),
    };
    Ok(StoredAlert {
        id: r.int(0)?,
        subject: r.text(1)?,
        role,
        score: r.real(3)?,
        country: r.text(4)?,
        indicators: serde_json::from_str(&r.text(5)?)?,
        transactions: serde_json::from_str(&r.text(6)?)?,
        body: serde_json::from_str(&r.text(7)?)?,
        first_seen: r.int(8)?,
        last_seen: r.int(9)?,
        created_at: r.int(10)?,
        updated_at: r.int(11)?,
        case_id: r.opt_int(12)?,
        cleared_at: r.opt_int(13)?,
    })
}

fn all_alerts(tx: &mut dyn Tx) -> Result<Vec<StoredAlert>, StoreError> {
    tx.query(&format!("SELECT {ALERT_COLUMNS} ORDER BY a.id"), &[])?
        .iter()
        .map(alert_from)
        .collect()
}

pub(crate) fn alert_exists(tx: &mut dyn Tx, alert_id: i64) -> Result<(), StoreError> {
    match tx.query_opt("SELECT id FROM alerts WHERE id = $1", params![alert_id])? {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found("alert", alert_id)),
    }
}

impl Store for SqlStore {
    fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.read(|tx| {
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
                .int(0)
        })
    }

    fn add_user(&mut self, name: &str, role: UserRole, actor: &str) -> Result<User, StoreError> {
        let name = name.trim();
        if name.is_empty() || name == SYSTEM_ACTOR {
            return Err(StoreError::Invalid(format!(
                "a user name may be neither empty nor {SYSTEM_ACTOR:?}"
            )));
        }
        self.write(|tx, now| {
            let users = tx.query_one("SELECT COUNT(*) FROM users", &[])?.int(0)?;
            let actor = if users == 0 {
                if role != UserRole::Admin {
                    return Err(StoreError::FirstUserNotAdmin);
                }
                name.to_owned()
            } else {
                require(tx, actor, &[UserRole::Admin], "manage users")?.name
            };
            if tx
                .query_opt("SELECT id FROM users WHERE name = $1", params![name])?
                .is_some()
            {
                return Err(StoreError::UserExists(name.to_owned()));
            }
            let id = tx
                .query_one(
                    "INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3) RETURNING id",
                    params![name, role.as_str(), now],
                )?
                .int(0)?;
            let user = User {
                id,
                name: name.to_owned(),
                role,
                created_at: now,
                disabled_at: None,
            };
            audit::append(
                tx,
                Change {
                    at: now,
                    actor: &actor,
                    action: "user.add",
                    object: format!("user:{id}"),
                    before: None,
                    after: json(&user)?,
                    rows: vec![rows::user(&user)?],
                },
            )?;
            debug!(user_id = id, role = role.as_str(), "user added");
            Ok(user)
        })
    }

    fn set_user_role(
        &mut self,
        name: &str,
        role: UserRole,
        actor: &str,
    ) -> Result<User, StoreError> {
        self.write(|tx, now| {
            change_user(tx, now, name, actor, "user.set_role", |tx, before| {
                if role != UserRole::Admin {
                    keep_an_admin(tx, before)?;
                }
                tx.execute(
                    "UPDATE users SET role = $1 WHERE id = $2",
                    params![role.as_str(), before.id],
                )?;
                Ok(())
            })
        })
    }

    fn disable_user(&mut self, name: &str, actor: &str) -> Result<User, StoreError> {
        self.write(|tx, now| {
            change_user(tx, now, name, actor, "user.disable", |tx, before| {
                if before.disabled_at.is_some() {
                    return Err(StoreError::UserDisabled(before.name.clone()));
                }
                keep_an_admin(tx, before)?;
                tx.execute(
                    "UPDATE users SET disabled_at = $1 WHERE id = $2",
                    params![now, before.id],
                )?;
                Ok(())
            })
        })
    }

    fn enable_user(&mut self, name: &str, actor: &str) -> Result<User, StoreError> {
        self.write(|tx, now| {
            change_user(tx, now, name, actor, "user.enable", |tx, before| {
                if before.disabled_at.is_none() {
                    return Err(StoreError::Invalid(format!(
                        "user {:?} is not disabled",
                        before.name
                    )));
                }
                tx.execute(
                    "UPDATE users SET disabled_at = NULL WHERE id = $1",
                    params![before.id],
                )?;
                Ok(())
            })
        })
    }

    fn user(&mut self, name: &str) -> Result<User, StoreError> {
        self.read(|tx| find_user(tx, name))
    }

    fn users(&mut self, actor: &str) -> Result<Vec<User>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            all_users(tx)
        })
    }

    fn create_token(&mut self, for_user: &str, actor: &str) -> Result<IssuedToken, StoreError> {
        self.write(|tx, now| token::create(tx, now, for_user, actor))
    }

    fn revoke_token(&mut self, token_id: i64, actor: &str) -> Result<Token, StoreError> {
        self.write(|tx, now| token::revoke(tx, now, token_id, actor))
    }

    fn tokens(&mut self, actor: &str) -> Result<Vec<Token>, StoreError> {
        self.read(|tx| token::all(tx, actor))
    }

    fn authenticate(&mut self, secret: &str) -> Result<User, StoreError> {
        self.read(|tx| token::authenticate(tx, secret))
    }

    fn authorize_ingest(&mut self, actor: &str) -> Result<User, StoreError> {
        self.read(|tx| require(tx, actor, INGESTERS, "post payments"))
    }

    fn authorize_peer(&mut self, actor: &str) -> Result<User, StoreError> {
        self.read(|tx| matching::authorize_peer(tx, actor))
    }

    fn authorize_match_run(&mut self, actor: &str, per_hour: u32) -> Result<User, StoreError> {
        let now = self.clock.now();
        self.read(|tx| {
            let user = matching::authorize_peer(tx, actor)?;
            matching::check_rate(tx, now, &user.name, per_hour)?;
            Ok(user)
        })
    }

    fn authorize_matcher(&mut self, actor: &str) -> Result<User, StoreError> {
        self.read(|tx| require(tx, actor, matching::MATCHERS, "run match"))
    }

    fn begin_match_run(
        &mut self,
        actor: &str,
        mode: &str,
        offered: u64,
        received: u64,
        per_hour: u32,
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| {
            matching::begin_served(tx, now, actor, mode, offered, received, per_hour)
        })
    }

    fn finish_match_run(
        &mut self,
        id: i64,
        actor: &str,
        matched: u64,
        evidence: &[OutsideEvidence],
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| matching::finish_served(tx, now, id, actor, matched, evidence))
    }

    fn record_match_run(
        &mut self,
        actor: &str,
        peer: &str,
        mode: &str,
        offered: u64,
        received: u64,
        matched: u64,
        evidence: &[OutsideEvidence],
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| {
            matching::record_made(
                tx, now, actor, peer, mode, offered, received, matched, evidence,
            )
        })
    }

    fn outside_evidence(&mut self) -> Result<Vec<OutsideEvidence>, StoreError> {
        self.read(matching::all_evidence)
    }

    fn match_runs(&mut self, actor: &str) -> Result<Vec<MatchRun>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            matching::runs(tx)
        })
    }

    fn record_txns(&mut self, txn_ids: &[&str]) -> Result<u64, StoreError> {
        check_txn_ids(txn_ids)?;
        let rows: Vec<TxnRow<'_>> = txn_ids.iter().map(|t| (*t, None)).collect();
        self.write(|tx, now| {
            let new = insert_txns(tx, &rows, now)?;
            if new > 0 {
                let count = rows::txns(tx)?;
                audit::append(
                    tx,
                    Change {
                        at: now,
                        actor: SYSTEM_ACTOR,
                        action: "txns.record",
                        object: "txns".into(),
                        before: None,
                        after: json(&serde_json::json!({ "given": txn_ids.len(), "new": new }))?,
                        rows: vec![count],
                    },
                )?;
            }
            Ok(new)
        })
    }

    fn save_engine_state(&mut self, blob: &[u8]) -> Result<i64, StoreError> {
        self.write(|tx, now| {
            let version = store_state(tx, blob, now)?;
            audit::append(
                tx,
                Change {
                    at: now,
                    actor: SYSTEM_ACTOR,
                    action: "engine_state.save",
                    object: "engine_state".into(),
                    before: None,
                    after: json(&state_audit(version, blob))?,
                    rows: vec![rows::engine_state(version, now, blob)?],
                },
            )?;
            Ok(version)
        })
    }

    fn load_engine_state(&mut self) -> Result<Option<EngineState>, StoreError> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT version, saved_at, state FROM engine_state WHERE id = 1",
                &[],
            )?
            .map(|r| {
                Ok(EngineState {
                    version: r.int(0)?,
                    saved_at: r.int(1)?,
                    blob: r.blob(2)?,
                })
            })
            .transpose()
        })
    }

    fn commit_scan_batch(
        &mut self,
        txn_ids: &[&str],
        alerts: &[Alert],
        state: &[u8],
    ) -> Result<ScanBatch, StoreError> {
        let rows: Vec<TxnRow<'_>> = txn_ids.iter().map(|t| (*t, None)).collect();
        self.commit_scan(&rows, alerts, None, state)
    }

    fn commit_scan_batch_with_payments(
        &mut self,
        txns: &[IngestedTxn<'_>],
        alerts: &[Alert],
        payments: &[PaymentRecord],
        state: &[u8],
        based_on: i64,
    ) -> Result<ScanBatch, StoreError> {
        let rows: Vec<TxnRow<'_>> = txns.iter().map(|t| (t.txn_id, Some(&t.digest))).collect();
        self.commit_scan(&rows, alerts, Some((payments, based_on)), state)
    }

    fn known_txns(&mut self, txn_ids: &[&str]) -> Result<Vec<KnownTxn>, StoreError> {
        self.read(|tx| Ok(txn_rows(tx, txn_ids)?.into_iter().map(|(k, _)| k).collect()))
    }

    fn payments(
        &mut self,
        txn_ids: &[&str],
        actor: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            let mut found = Vec::new();
            for r in tx.query_keys(
                &format!("SELECT {PAYMENT_COLUMNS} WHERE txn_id"),
                Keys::Text(txn_ids),
            )? {
                found.push(payment_from(&r)?);
            }
            found.sort_by(|a, b| (a.timestamp, &a.txn_id).cmp(&(b.timestamp, &b.txn_id)));
            Ok(found)
        })
    }

    fn party_payments(
        &mut self,
        party: &str,
        role: Role,
        actor: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let column = match role {
            Role::Sender => "sender_id",
            Role::Receiver => "receiver_id",
        };
        self.read(|tx| {
            reader(tx, actor)?;
            tx.query(
                &format!("SELECT {PAYMENT_COLUMNS} WHERE {column} = $1 ORDER BY paid_at, txn_id"),
                params![party],
            )?
            .iter()
            .map(payment_from)
            .collect()
        })
    }

    fn alerts(&mut self, actor: &str) -> Result<Vec<StoredAlert>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            all_alerts(tx)
        })
    }

    fn alert(&mut self, alert_id: i64, actor: &str) -> Result<StoredAlert, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            match tx.query_opt(
                &format!("SELECT {ALERT_COLUMNS} WHERE a.id = $1"),
                params![alert_id],
            )? {
                Some(r) => alert_from(&r),
                None => Err(StoreError::not_found("alert", alert_id)),
            }
        })
    }

    fn alert_page(
        &mut self,
        filter: &AlertFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<StoredAlert>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            lists::alerts(tx, filter, page)
        })
    }

    fn party_view(
        &mut self,
        party: &str,
        role: Option<Role>,
        actor: &str,
    ) -> Result<PartyView, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            party_view::load(tx, party, role)
        })
    }

    fn case_page(
        &mut self,
        filter: &CaseFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<Case>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            lists::cases(tx, filter, page)
        })
    }

    fn report_page(
        &mut self,
        filter: &ReportFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<Report>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            lists::reports(tx, filter, page)
        })
    }

    fn user_page(&mut self, page: &PageRequest, actor: &str) -> Result<Page<User>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            lists::users(tx, page)
        })
    }

    fn audit_page(
        &mut self,
        filter: &AuditFilter,
        page: &PageRequest,
        actor: &str,
    ) -> Result<Page<AuditEntry>, StoreError> {
        self.read(|tx| {
            require(tx, actor, AUDIT_READERS, "read the audit log")?;
            lists::audit_entries(tx, filter, page)
        })
    }

    fn open_case(&mut self, alert_id: i64, actor: &str) -> Result<Case, StoreError> {
        self.write(|tx, now| case::open(tx, now, alert_id, actor))
    }

    fn add_alert(&mut self, case_id: i64, alert_id: i64, actor: &str) -> Result<Case, StoreError> {
        self.write(|tx, now| case::add_alert(tx, now, case_id, alert_id, actor))
    }

    fn assign(&mut self, case_id: i64, assignee: &str, actor: &str) -> Result<Case, StoreError> {
        self.write(|tx, now| case::assign(tx, now, case_id, assignee, actor))
    }

    fn note(&mut self, case_id: i64, text: &str, actor: &str) -> Result<Case, StoreError> {
        self.write(|tx, now| case::note(tx, now, case_id, text, actor))
    }

    fn set_status(
        &mut self,
        case_id: i64,
        status: CaseStatus,
        actor: &str,
    ) -> Result<Case, StoreError> {
        self.write(|tx, now| case::set_status(tx, now, case_id, status, actor))
    }

    fn set_disposition(
        &mut self,
        case_id: i64,
        disposition: Disposition,
        actor: &str,
    ) -> Result<Case, StoreError> {
        self.write(|tx, now| case::set_disposition(tx, now, case_id, disposition, actor))
    }

    fn close(&mut self, case_id: i64, reason: &str, actor: &str) -> Result<Case, StoreError> {
        self.write(|tx, now| case::close(tx, now, case_id, reason, actor))
    }

    fn cases(&mut self, actor: &str) -> Result<Vec<Case>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            case::all(tx)
        })
    }

    fn case(&mut self, case_id: i64, actor: &str) -> Result<Case, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            case::load(tx, case_id, false)
        })
    }

    fn plan_report(
        &mut self,
        case_id: i64,
        corrects: Option<i64>,
        actor: &str,
    ) -> Result<ReportPlan, StoreError> {
        self.read(|tx| {
            require(tx, actor, WORKERS, "draft reports")?;
            let case = case::load(tx, case_id, false)?;
            report::plan(tx, &case, corrects)
        })
    }

    fn draft_report(
        &mut self,
        case_id: i64,
        content: &ReportContent<'_>,
        corrects: Option<Correction<'_>>,
        actor: &str,
    ) -> Result<Report, StoreError> {
        self.write(|tx, now| report::draft(tx, now, case_id, content, corrects, actor))
    }

    fn revise_report(
        &mut self,
        report_id: i64,
        content: &ReportContent<'_>,
        actor: &str,
    ) -> Result<Report, StoreError> {
        self.write(|tx, now| report::revise(tx, now, report_id, content, actor))
    }

    fn approve_report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError> {
        self.write(|tx, now| report::approve(tx, now, report_id, actor))
    }

    fn file_report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError> {
        self.write(|tx, now| report::file(tx, now, report_id, actor))
    }

    fn report(&mut self, report_id: i64, actor: &str) -> Result<Report, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            report::load(tx, report_id, false)
        })
    }

    fn reports(&mut self, case_id: Option<i64>, actor: &str) -> Result<Vec<Report>, StoreError> {
        self.read(|tx| {
            reader(tx, actor)?;
            report::all(tx, case_id)
        })
    }

    fn audit_log(&mut self, actor: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|tx| {
            require(tx, actor, AUDIT_READERS, "read the audit log")?;
            audit::entries(tx)
        })
    }

    fn audit_entries(
        &mut self,
        filter: &AuditFilter,
        actor: &str,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|tx| {
            require(tx, actor, AUDIT_READERS, "read the audit log")?;
            audit::filtered(tx, filter)
        })
    }

    fn commit_log(&mut self, commit: &LogCommit<'_>) -> Result<LogCommitted, StoreError> {
        self.write(|tx, now| log_store::commit(tx, commit, now))
    }

    fn log_head(&mut self) -> Result<LogHead, StoreError> {
        self.read(|tx| log_store::head(tx, false))
    }

    fn read_log(&mut self, after: i64, limit: usize) -> Result<Vec<LogChunk>, StoreError> {
        self.read(|tx| log_store::read(tx, after, limit))
    }

    fn save_checkpoint(&mut self, log_seq: i64, state: &[u8]) -> Result<(), StoreError> {
        self.write(|tx, now| log_store::checkpoint(tx, log_seq, state, now))
    }

    fn load_checkpoint(&mut self) -> Result<Option<Checkpoint>, StoreError> {
        self.read(log_store::load_checkpoint)
    }

    fn import_labels(
        &mut self,
        file: &str,
        labels: &[NewLabel],
        actor: &str,
    ) -> Result<LabelImport, StoreError> {
        self.write(|tx, now| learning::import(tx, now, file, labels, actor))
    }

    fn labels(&mut self, actor: &str) -> Result<Vec<Label>, StoreError> {
        self.read(|tx| learning::all(tx, actor))
    }

    fn save_model(&mut self, model: &NewModel, actor: &str) -> Result<StoredModel, StoreError> {
        self.write(|tx, now| learning::save(tx, now, model, actor))
    }

    fn models(&mut self, actor: &str) -> Result<Vec<StoredModel>, StoreError> {
        self.read(|tx| learning::all_models(tx, actor))
    }

    fn model(&mut self, version: i64, actor: &str) -> Result<StoredModel, StoreError> {
        self.read(|tx| learning::one(tx, version, actor))
    }

    fn active_model(&mut self, actor: &str) -> Result<Option<StoredModel>, StoreError> {
        self.read(|tx| learning::active(tx, actor))
    }

    fn activate_model(&mut self, version: i64, actor: &str) -> Result<StoredModel, StoreError> {
        self.write(|tx, now| learning::activate(tx, now, version, actor))
    }

    fn verify_audit(&mut self) -> Result<AuditSummary, StoreError> {
        self.read(audit::verify)
    }
}
