//! The [`Store`] trait: everything spur keeps, and who may change it, as one
//! object-safe interface over either backend. Its one implementation is
//! `SqlStore` (`sql_store.rs`).

use spur_engine::{Alert, Role};

use crate::alert_view::AlertFilter;
use crate::census::CensusHistories;
use crate::error::StoreError;
use crate::learning::{Label, LabelImport, NewLabel, NewModel, StoredModel};
use crate::lists::{CaseFilter, ReportFilter};
use crate::log_store::{Checkpoint, LogChunk, LogCommit, LogCommitted, LogHead};
use crate::matching::{MatchLists, MatchRun, OutsideEvidence};
use crate::model::{
    AuditEntry, AuditFilter, AuditSummary, Case, CaseStatus, Correction, Disposition, EngineState,
    IngestedTxn, KnownTxn, PaymentRecord, Report, ReportContent, ReportPlan, ScanBatch,
    StoredAlert, User, UserRole,
};
use crate::page::{Page, PageRequest};
use crate::party_view::PartyView;
use crate::token::{IssuedToken, Token};

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
        lists: Option<&MatchLists>,
    ) -> Result<MatchRun, StoreError>;
    /// The peer that started census `id` (a match run of mode `census`,
    /// begun by [`Store::begin_match_run`]) finishes it with the capture
    /// histories the hub counted (audited, `census.finish`).
    fn finish_census_run(
        &mut self,
        id: i64,
        actor: &str,
        histories: &CensusHistories,
    ) -> Result<MatchRun, StoreError>;
    /// A census we gathered from `peers` (analysts, supervisors, admins),
    /// with the histories counted (audited, `census.run`).
    fn record_census_run(
        &mut self,
        actor: &str,
        peers: &str,
        offered: u64,
        received: u64,
        histories: &CensusHistories,
    ) -> Result<MatchRun, StoreError>;
    /// Every outside finding (the system's: the engine reads them).
    fn outside_evidence(&mut self) -> Result<Vec<OutsideEvidence>, StoreError>;
    /// A mark of the outside evidence held (the newest match run and how
    /// many have finished): it changes whenever a match run stores or
    /// replaces any, so that a running server knows when to read it again
    /// (the system's).
    fn outside_evidence_mark(&mut self) -> Result<(i64, i64), StoreError>;
    /// The differential-privacy noise `spur stats --epsilon` kept under
    /// `key`, checked against its audit entry; `None` when none was drawn
    /// under it (every reader).
    fn stats_noise(&mut self, key: &str, actor: &str) -> Result<Option<String>, StoreError>;
    /// Keeps the noise drawn under `key`, once, audited with its digest
    /// (every reader: publishing figures is theirs).
    fn save_stats_noise(
        &mut self,
        key: &str,
        epsilon: f64,
        noise: &str,
        actor: &str,
    ) -> Result<(), StoreError>;
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
