//! `spur census` in the store: a census is a match run of mode `census`
//! (the same table, role checks and hourly limit as `spur match`), and what
//! it learnt, the capture histories of the lists (counts only), is kept
//! with the run (`match_runs.histories`, schema 18) and in its audit entry
//! on both sides: `census.finish` on each institution that served it, with
//! the histories the hub told it, and `census.run` on the hub, with the
//! histories it counted (`spur stats` publishes the latest).

use serde::{Deserialize, Serialize};
use spur_engine::Timestamp;

use crate::access::require;
use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::matching::{authorize_peer, run, waiting_run, MatchRun, MATCHERS};
use crate::rows;
use crate::sql::{params, Tx};

/// The mode a census run is kept under.
pub const CENSUS_MODE: &str = "census";

/// The capture histories of one census: `receivers[h - 1]` and
/// `customers[h - 1]` count the distinct parties on exactly the lists of
/// `h` (the bit `1 << i` for list `i + 1`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CensusHistories {
    pub lists: usize,
    pub receivers: Vec<u64>,
    pub customers: Vec<u64>,
}

impl CensusHistories {
    /// Refuses histories of fewer than two or more than five lists, or of
    /// another number of cells than `2^lists - 1`.
    pub fn check(&self) -> Result<(), StoreError> {
        if !(2..=5).contains(&self.lists) {
            return Err(StoreError::Invalid(format!(
                "{} lists: a census has 2 to 5",
                self.lists
            )));
        }
        let cells = (1usize << self.lists) - 1;
        for (what, counts) in [
            ("receivers", &self.receivers),
            ("customers", &self.customers),
        ] {
            if counts.len() != cells {
                return Err(StoreError::Invalid(format!(
                    "{what}: {} histories for {} lists, which have {cells}",
                    counts.len(),
                    self.lists
                )));
            }
        }
        Ok(())
    }

    /// Distinct parties seen on any list, both roles.
    pub fn seen(&self) -> u64 {
        self.receivers.iter().chain(&self.customers).sum()
    }
}

/// The peer that started census `id` finishes it with the histories the
/// hub counted (audited, `census.finish`).
pub(crate) fn finish_served(
    tx: &mut dyn Tx,
    now: Timestamp,
    id: i64,
    actor: &str,
    histories: &CensusHistories,
) -> Result<MatchRun, StoreError> {
    let user = authorize_peer(tx, actor)?;
    histories.check()?;
    let before = waiting_run(tx, id, &user.name, Some(CENSUS_MODE))?;
    tx.execute(
        "UPDATE match_runs SET finished_at = $1, matched = $2, histories = $3 WHERE id = $4",
        params![
            now,
            histories.seen() as i64,
            serde_json::to_string(histories)?,
            id
        ],
    )?;
    let after = run(tx, id)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "census.finish",
            object: format!("match_run:{id}"),
            before: json(&before)?,
            after: json(&after)?,
            rows: vec![rows::match_run(&after)?],
        },
    )?;
    Ok(after)
}

/// A census we gathered from `peers` (analysts, supervisors, admins):
/// `offered` items of our lists, `received` of theirs, and the histories
/// (audited, `census.run`).
pub(crate) fn record_made(
    tx: &mut dyn Tx,
    now: Timestamp,
    actor: &str,
    peers: &str,
    offered: u64,
    received: u64,
    histories: &CensusHistories,
) -> Result<MatchRun, StoreError> {
    let user = require(tx, actor, MATCHERS, "run a census")?;
    histories.check()?;
    let id = tx
        .query_one(
            "INSERT INTO match_runs (side, peer, actor, mode, started_at, finished_at, offered, \
             received, matched, histories) VALUES ('made', $1, $2, $3, $4, $4, $5, $6, $7, $8) \
             RETURNING id",
            params![
                peers,
                user.name.as_str(),
                CENSUS_MODE,
                now,
                offered as i64,
                received as i64,
                histories.seen() as i64,
                serde_json::to_string(histories)?
            ],
        )?
        .int(0)?;
    let r = run(tx, id)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "census.run",
            object: format!("match_run:{id}"),
            before: None,
            after: json(&r)?,
            rows: vec![rows::match_run(&r)?],
        },
    )?;
    Ok(r)
}
