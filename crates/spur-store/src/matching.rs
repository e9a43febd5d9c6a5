//! `spur match` in the store: the runs (who matched, when, how many items
//! each way, how many matched) and the outside evidence learnt from them.
//!
//! A run served by `spur serve` belongs to a `peer` user, the only role that
//! may serve one, and at most `per_hour` of them start per peer in any hour
//! ([`StoreError::RateLimited`]). A run made from our side (`spur match`)
//! is recorded by a person who works cases. Every run is an audit entry on
//! the side that records it, with its counts and the SHA-256 of the evidence
//! it stored; the evidence from one peer in one mode replaces what that peer
//! told in that mode before (its latest run is what it knows now).

use serde::Serialize;
use sha2::{Digest, Sha256};
use spur_engine::{Role, Timestamp};

use crate::access::require;
use crate::audit::{self, hex, json, Change};
use crate::error::StoreError;
use crate::model::{User, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx};

/// Who serves a match run: other installations, with the `peer` role.
pub(crate) const PEERS: &[UserRole] = &[UserRole::Peer];

/// Who runs `spur match` from our side.
pub(crate) const MATCHERS: &[UserRole] =
    &[UserRole::Analyst, UserRole::Supervisor, UserRole::Admin];

/// One run as the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchRun {
    pub id: i64,
    /// `served` (a peer called us) or `made` (we called a peer).
    pub side: String,
    /// The peer: its user name (served) or its address (made).
    pub peer: String,
    /// Who acted: the peer's user (served) or our user (made).
    pub actor: String,
    pub mode: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Items we offered and items the peer offered.
    pub offered: i64,
    pub received: i64,
    pub matched: Option<i64>,
    /// Same side, made by us: the alerted lists' sizes, for
    /// capture–recapture (schema 17; `None` before, or cross-border).
    pub lists: Option<MatchLists>,
    /// A census (mode `census`, finished): the capture histories (schema 18).
    pub histories: Option<crate::census::CensusHistories>,
}

/// The alerted lists of a same-side run: receivers and senders (customers),
/// each as [ours, the peer's, on both]. Counts only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MatchLists {
    pub receivers: [i64; 3],
    pub senders: [i64; 3],
}

/// What a peer told about one of our parties (only counts and a score band).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutsideEvidence {
    pub party_id: String,
    pub role: Role,
    /// `same_party`, `counterparty` or `same_name` (see
    /// `spur_engine::outside::OutsideKind`).
    pub kind: String,
    /// The lower end of the peer's score band, in [0, 1].
    pub band: f64,
    pub parties: i64,
    pub payments: i64,
}

fn check_evidence(rows: &[OutsideEvidence]) -> Result<(), StoreError> {
    for (i, e) in rows.iter().enumerate() {
        if e.party_id.is_empty() {
            return Err(StoreError::Invalid(format!(
                "evidence {i}: an empty party id"
            )));
        }
        if !(0.0..=1.0).contains(&e.band) {
            return Err(StoreError::Invalid(format!(
                "evidence {i}: band {} is not in [0, 1]",
                e.band
            )));
        }
        if !["same_party", "counterparty", "same_name"].contains(&e.kind.as_str()) {
            return Err(StoreError::Invalid(format!(
                "evidence {i}: kind {:?} is none of same_party, counterparty, same_name",
                e.kind
            )));
        }
        if e.parties < 0 || e.payments < 0 {
            return Err(StoreError::Invalid(format!(
                "evidence {i}: a negative count"
            )));
        }
    }
    Ok(())
}

/// The evidence's digest for the audit entry: its rows in order.
fn digest(rows: &[OutsideEvidence]) -> Result<String, StoreError> {
    Ok(hex(&Sha256::digest(serde_json::to_vec(rows)?)))
}

fn run_from(r: &Row) -> Result<MatchRun, StoreError> {
    Ok(MatchRun {
        id: r.int(0)?,
        side: r.text(1)?,
        peer: r.text(2)?,
        actor: r.text(3)?,
        mode: r.text(4)?,
        started_at: r.int(5)?,
        finished_at: r.opt_int(6)?,
        offered: r.int(7)?,
        received: r.int(8)?,
        matched: r.opt_int(9)?,
        lists: match (r.opt_int(10)?, r.opt_int(11)?, r.opt_int(12)?) {
            (Some(a), Some(b), Some(c)) => Some(MatchLists {
                receivers: [a, b, c],
                senders: [
                    r.opt_int(13)?.unwrap_or(0),
                    r.opt_int(14)?.unwrap_or(0),
                    r.opt_int(15)?.unwrap_or(0),
                ],
            }),
            _ => None,
        },
        histories: match r.opt_text(16)? {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("match_runs: histories do not read: {e}"))
            })?),
        },
    })
}

const RUN_COLUMNS: &str =
    "id, side, peer, actor, mode, started_at, finished_at, offered, received, \
     matched, receivers_here, receivers_there, receivers_both, senders_here, senders_there, \
     senders_both, histories FROM match_runs";

pub(crate) fn run(tx: &mut dyn Tx, id: i64) -> Result<MatchRun, StoreError> {
    let rows = tx.query(&format!("SELECT {RUN_COLUMNS} WHERE id = $1"), params![id])?;
    rows.first()
        .map(run_from)
        .transpose()?
        .ok_or_else(|| StoreError::not_found("match run", id))
}

fn replace_evidence(
    tx: &mut dyn Tx,
    now: Timestamp,
    peer: &str,
    mode: &str,
    run_id: i64,
    rows: &[OutsideEvidence],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM outside_evidence WHERE peer = $1 AND mode = $2",
        params![peer, mode],
    )?;
    for e in rows {
        tx.execute(
            "INSERT INTO outside_evidence (peer, mode, run_id, party_id, role, kind, band, parties, \
             payments, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            params![
                peer,
                mode,
                run_id,
                e.party_id.as_str(),
                e.role.as_str(),
                e.kind.as_str(),
                e.band,
                e.parties,
                e.payments,
                now
            ],
        )?;
    }
    Ok(())
}

/// The acting user, if they may serve match runs (the `peer` role only).
pub(crate) fn authorize_peer(tx: &mut dyn Tx, actor: &str) -> Result<User, StoreError> {
    require(tx, actor, PEERS, "serve match runs")
}

/// Refuses a peer past `per_hour` served runs within the last hour.
pub(crate) fn check_rate(
    tx: &mut dyn Tx,
    now: Timestamp,
    peer: &str,
    per_hour: u32,
) -> Result<(), StoreError> {
    let recent = tx
        .query_one(
            "SELECT COUNT(*) FROM match_runs WHERE side = 'served' AND actor = $1 AND started_at > $2",
            params![peer, now - 3600],
        )?
        .int(0)?;
    if recent >= i64::from(per_hour) {
        return Err(StoreError::RateLimited {
            what: "match runs",
            per_hour,
        });
    }
    Ok(())
}

/// A peer starts a run it offered `received` items to and got `offered`
/// of ours for; refused past `per_hour` runs of that peer in the last hour.
pub(crate) fn begin_served(
    tx: &mut dyn Tx,
    now: Timestamp,
    actor: &str,
    mode: &str,
    offered: u64,
    received: u64,
    per_hour: u32,
) -> Result<MatchRun, StoreError> {
    let user = authorize_peer(tx, actor)?;
    check_rate(tx, now, &user.name, per_hour)?;
    let id = tx
        .query_one(
            "INSERT INTO match_runs (side, peer, actor, mode, started_at, offered, received) \
             VALUES ('served', $1, $1, $2, $3, $4, $5) RETURNING id",
            params![
                user.name.as_str(),
                mode,
                now,
                offered as i64,
                received as i64
            ],
        )?
        .int(0)?;
    let r = run(tx, id)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: if mode == crate::census::CENSUS_MODE {
                "census.serve"
            } else {
                "match.serve"
            },
            object: format!("match_run:{id}"),
            before: None,
            after: json(&r)?,
            rows: vec![rows::match_run(&r)?],
        },
    )?;
    Ok(r)
}

/// Run `id` as served to peer `peer` and not finished yet, of mode `mode`
/// when given: another peer's run, or one of another mode, is none of this
/// one's business (not found); a finished one is refused.
pub(crate) fn waiting_run(
    tx: &mut dyn Tx,
    id: i64,
    peer: &str,
    mode: Option<&str>,
) -> Result<MatchRun, StoreError> {
    let r = run(tx, id)?;
    if r.side != "served" || r.actor != peer || mode.is_some_and(|m| r.mode != m) {
        let kind = if mode == Some(crate::census::CENSUS_MODE) {
            "census"
        } else {
            "match run"
        };
        return Err(StoreError::not_found(kind, id));
    }
    if r.finished_at.is_some() {
        return Err(StoreError::MatchRunFinished(id));
    }
    Ok(r)
}

/// The peer that started run `id` finishes it: how many items matched and
/// the evidence it sent about our parties, stored as outside evidence.
pub(crate) fn finish_served(
    tx: &mut dyn Tx,
    now: Timestamp,
    id: i64,
    actor: &str,
    matched: u64,
    evidence: &[OutsideEvidence],
) -> Result<MatchRun, StoreError> {
    let user = authorize_peer(tx, actor)?;
    check_evidence(evidence)?;
    let before = waiting_run(tx, id, &user.name, None)?;
    tx.execute(
        "UPDATE match_runs SET finished_at = $1, matched = $2 WHERE id = $3",
        params![now, matched as i64, id],
    )?;
    replace_evidence(tx, now, &user.name, &before.mode, id, evidence)?;
    let after = run(tx, id)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "match.finish",
            object: format!("match_run:{id}"),
            before: json(&before)?,
            after: json(&serde_json::json!({
                "run": after,
                "evidence": evidence.len(),
                "evidence_sha256": digest(evidence)?,
            }))?,
            rows: vec![rows::match_run(&after)?],
        },
    )?;
    Ok(after)
}

/// A run we made against `peer`, recorded whole when it is over.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_made(
    tx: &mut dyn Tx,
    now: Timestamp,
    actor: &str,
    peer: &str,
    mode: &str,
    offered: u64,
    received: u64,
    matched: u64,
    evidence: &[OutsideEvidence],
    lists: Option<&MatchLists>,
) -> Result<MatchRun, StoreError> {
    let user = require(tx, actor, MATCHERS, "run match")?;
    check_evidence(evidence)?;
    if let Some(l) = lists {
        let ok = |t: &[i64; 3]| t.iter().all(|&n| n >= 0) && t[2] <= t[0].min(t[1]);
        if !ok(&l.receivers) || !ok(&l.senders) {
            return Err(StoreError::Invalid(format!(
                "the alerted lists {l:?}: a negative count, or an overlap larger than a list"
            )));
        }
    }
    let list = |i: usize| -> crate::sql::Value {
        match lists {
            Some(l) => if i < 3 {
                l.receivers[i]
            } else {
                l.senders[i - 3]
            }
            .into(),
            None => crate::sql::Value::Null,
        }
    };
    let id = tx
        .query_one(
            "INSERT INTO match_runs (side, peer, actor, mode, started_at, finished_at, offered, \
             received, matched, receivers_here, receivers_there, receivers_both, senders_here, \
             senders_there, senders_both) VALUES ('made', $1, $2, $3, $4, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13) RETURNING id",
            params![
                peer,
                user.name.as_str(),
                mode,
                now,
                offered as i64,
                received as i64,
                matched as i64,
                list(0),
                list(1),
                list(2),
                list(3),
                list(4),
                list(5)
            ],
        )?
        .int(0)?;
    replace_evidence(tx, now, peer, mode, id, evidence)?;
    let r = run(tx, id)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "match.run",
            object: format!("match_run:{id}"),
            before: None,
            after: json(&serde_json::json!({
                "run": r,
                "evidence": evidence.len(),
                "evidence_sha256": digest(evidence)?,
            }))?,
            rows: vec![rows::match_run(&r)?],
        },
    )?;
    Ok(r)
}

/// The newest match run's id and how many runs have finished: outside
/// evidence changes only with a run recorded (a new id) or finished (one
/// more finished), and runs are never deleted. (The evidence rows' own ids
/// are no mark: SQLite gives a deleted row's id again.)
pub(crate) fn evidence_mark(tx: &mut dyn Tx) -> Result<(i64, i64), StoreError> {
    let rows = tx.query(
        "SELECT COALESCE(MAX(id), 0), COUNT(finished_at) FROM match_runs",
        &[],
    )?;
    let r = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("match_runs: no count".into()))?;
    Ok((r.int(0)?, r.int(1)?))
}

/// Every outside finding, for the engine (the system reads it as it reads
/// the payment log).
pub(crate) fn all_evidence(tx: &mut dyn Tx) -> Result<Vec<OutsideEvidence>, StoreError> {
    tx.query(
        "SELECT party_id, role, kind, band, parties, payments FROM outside_evidence ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| {
        let role = match r.text(1)?.as_str() {
            "sender" => Role::Sender,
            "receiver" => Role::Receiver,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "outside_evidence: role {other:?}"
                )))
            }
        };
        Ok(OutsideEvidence {
            party_id: r.text(0)?,
            role,
            kind: r.text(2)?,
            band: r.real(3)?,
            parties: r.int(4)?,
            payments: r.int(5)?,
        })
    })
    .collect()
}

/// The runs, newest first (readers).
pub(crate) fn runs(tx: &mut dyn Tx) -> Result<Vec<MatchRun>, StoreError> {
    tx.query(&format!("SELECT {RUN_COLUMNS} ORDER BY id DESC"), &[])?
        .iter()
        .map(run_from)
        .collect()
}
