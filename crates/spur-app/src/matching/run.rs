//! `spur match` from our side: check the user, gather our holdings, run
//! the protocol against the peer, store what was learnt (one audited run)
//! and score the history again with it.

use spur_engine::{EngineConfig, Timestamp};
use spur_store::{MatchLists, MatchRun, Store};

use super::apply::{rescore, Rescored};
use super::holdings::holdings;
use super::protocol::{run_client, Learnt, Peer};
use super::transcript::Transcript;
use super::Mode;
use crate::AppError;

pub struct MatchOptions<'a> {
    /// The peer's name in our records (its address).
    pub peer_name: &'a str,
    pub mode: Mode,
    /// Who runs it (analyst, supervisor or admin).
    pub user: &'a str,
    /// Evidence crosses about parties scored at least this.
    pub lower: f64,
    /// Cross-border: payments by their facts too (amount, currency, day),
    /// for institutions that do not share an id scheme.
    pub facts: bool,
}

/// What a run did.
#[derive(Debug)]
pub struct MatchReport {
    pub learnt: Learnt,
    pub run: MatchRun,
    pub rescored: Rescored,
}

pub fn run(
    mut store: Box<dyn Store>,
    cfg: &EngineConfig,
    peer: &mut dyn Peer,
    opts: &MatchOptions<'_>,
    transcript: &mut Transcript,
    now: Timestamp,
) -> Result<MatchReport, AppError> {
    if !(0.0..=1.0).contains(&opts.lower) {
        return Err(AppError::Invalid(format!(
            "--lower {} is not a score in [0, 1]",
            opts.lower
        )));
    }
    store.authorize_matcher(opts.user)?;
    let h = holdings(&mut *store, cfg, opts.mode, opts.facts)?;
    tracing::info!(
        mode = opts.mode.as_str(),
        items = h.items.len(),
        "match: offering"
    );
    let learnt = run_client(peer, &h, opts.lower, transcript)?;
    let run = store.record_match_run(
        opts.user,
        opts.peer_name,
        opts.mode.as_str(),
        learnt.offered,
        learnt.received,
        learnt.matched,
        &learnt.evidence,
        (opts.mode == Mode::SameSide)
            .then_some(MatchLists {
                receivers: [
                    learnt.our_alerted as i64,
                    learnt.their_alerted as i64,
                    learnt.both_alerted as i64,
                ],
                senders: [
                    learnt.our_alerted_senders as i64,
                    learnt.their_alerted_senders as i64,
                    learnt.both_alerted_senders as i64,
                ],
            })
            .as_ref(),
    )?;
    tracing::info!(
        matched = learnt.matched,
        evidence = learnt.evidence.len(),
        "match: stored what was learnt"
    );
    let rescored = rescore(store, cfg, now, opts.user)?;
    Ok(MatchReport {
        learnt,
        run,
        rescored,
    })
}
