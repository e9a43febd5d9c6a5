//! `SqlStore`, the one implementation of [`Store`] over either backend:
//! opening and migrating, the write transaction that runs again when the
//! database aborted it as transient, and each method written once against
//! `Tx` (users and roles, ingestion, the audit log). A scan's batch and the
//! engine state are `scan_batch.rs`; cases, reports, the log, lists and the
//! rest live in their own files; the rows they share in `access.rs`,
//! `alert_rows.rs` and `payment_rows.rs`.

use std::sync::Arc;

use spur_engine::{Alert, Role, Timestamp};
use tracing::debug;

use crate::access::{
    all_users, change_user, find_user, keep_an_admin, reader, require, AUDIT_READERS, INGESTERS,
    WORKERS,
};
use crate::alert_rows::{alert_from, all_alerts, ALERT_COLUMNS};
use crate::alert_view::AlertFilter;
use crate::audit::{self, json, Change};
use crate::case;
use crate::census::{self, CensusHistories};
use crate::clock::Clock;
use crate::error::StoreError;
use crate::learning::{self, Label, LabelImport, NewLabel, NewModel, StoredModel};
use crate::lists::{self, CaseFilter, ReportFilter};
use crate::log_store::{self, Checkpoint, LogChunk, LogCommit, LogCommitted, LogHead};
use crate::matching::{self, MatchLists, MatchRun, OutsideEvidence};
use crate::migrations;
use crate::model::{
    AuditEntry, AuditFilter, AuditSummary, Case, CaseStatus, Correction, Disposition, EngineState,
    IngestedTxn, KnownTxn, PaymentRecord, Report, ReportContent, ReportPlan, ScanBatch,
    StoredAlert, User, UserRole,
};
use crate::page::{Page, PageRequest};
use crate::party_view::{self, PartyView};
use crate::payment_rows::{
    check_txn_ids, insert_txns, payment_from, txn_rows, TxnRow, PAYMENT_COLUMNS,
};
use crate::report;
use crate::rows;
use crate::scan_batch;
use crate::sql::{params, Backend, Keys, Tx};
use crate::token::{self, IssuedToken, Token};

use crate::store::{Store, SYSTEM_ACTOR};

/// Runs of a write transaction that the database aborted as transient.
const WRITE_ATTEMPTS: u32 = 8;

/// A write of this many bytes or more may go the backend's way for large
/// writes (`Backend::begin_bulk`): a scan's log of about 10,000 payments, or a
/// checkpoint of some 3,000 parties.
const BULK_BYTES: usize = 1 << 20;

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
            baseline(&mut *tx, now, found, "")?;
        } else if found > 0 && found < migrations::MATCH_RUN_DIGESTS {
            baseline(&mut *tx, now, found, "match_run:")?;
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

    /// `f`, a write of about `bytes` bytes: from `BULK_BYTES` on, in the
    /// backend's way for large writes where it has one
    /// (`Backend::begin_bulk`).
    fn large<T>(
        &mut self,
        bytes: usize,
        f: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if bytes < BULK_BYTES || !self.db.begin_bulk(bytes)? {
            return f(self);
        }
        let out = f(self);
        // What `f` committed stands either way: the next connection to
        // open the file switches it back.
        if let Err(e) = self.db.end_bulk() {
            tracing::warn!(error = %e, "the database stays in its large-write mode until it is opened again");
        }
        out
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
/// every protected row it holds whose object name starts with `objects`
/// (all of them for ""; `match_run:` for one from before match runs were
/// protected), so verify checks them from here on (what was changed before
/// the upgrade cannot be told any more).
fn baseline(
    tx: &mut dyn Tx,
    now: Timestamp,
    from_version: i64,
    objects: &str,
) -> Result<(), StoreError> {
    let rows: Vec<rows::RowDigest> = rows::current(tx)?
        .into_iter()
        .filter(|(object, _)| object.starts_with(objects))
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
        lists: Option<&MatchLists>,
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| {
            matching::record_made(
                tx, now, actor, peer, mode, offered, received, matched, evidence, lists,
            )
        })
    }

    fn finish_census_run(
        &mut self,
        id: i64,
        actor: &str,
        histories: &CensusHistories,
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| census::finish_served(tx, now, id, actor, histories))
    }

    fn record_census_run(
        &mut self,
        actor: &str,
        peers: &str,
        offered: u64,
        received: u64,
        histories: &CensusHistories,
    ) -> Result<MatchRun, StoreError> {
        self.write(|tx, now| {
            census::record_made(tx, now, actor, peers, offered, received, histories)
        })
    }

    fn outside_evidence(&mut self) -> Result<Vec<OutsideEvidence>, StoreError> {
        self.read(matching::all_evidence)
    }

    fn stats_noise(&mut self, key: &str, actor: &str) -> Result<Option<String>, StoreError> {
        self.read(|tx| crate::stats_noise::load(tx, actor, key))
    }

    fn save_stats_noise(
        &mut self,
        key: &str,
        epsilon: f64,
        noise: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx, now| crate::stats_noise::save(tx, now, actor, key, epsilon, noise))
    }

    fn outside_evidence_mark(&mut self) -> Result<(i64, i64), StoreError> {
        self.read(matching::evidence_mark)
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
            let version = scan_batch::store_state(tx, blob, now)?;
            audit::append(
                tx,
                Change {
                    at: now,
                    actor: SYSTEM_ACTOR,
                    action: "engine_state.save",
                    object: "engine_state".into(),
                    before: None,
                    after: json(&scan_batch::state_audit(version, blob))?,
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
        let bytes = commit.chunks.iter().map(|c| c.len()).sum::<usize>()
            + commit.checkpoint.map_or(0, <[u8]>::len);
        self.large(bytes, |s| {
            s.write(|tx, now| log_store::commit(tx, commit, now))
        })
    }

    fn log_head(&mut self) -> Result<LogHead, StoreError> {
        self.read(|tx| log_store::head(tx, false))
    }

    fn read_log(&mut self, after: i64, limit: usize) -> Result<Vec<LogChunk>, StoreError> {
        self.read(|tx| log_store::read(tx, after, limit))
    }

    fn save_checkpoint(&mut self, log_seq: i64, state: &[u8]) -> Result<(), StoreError> {
        self.large(state.len(), |s| {
            s.write(|tx, now| log_store::checkpoint(tx, log_seq, state, now))
        })
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
