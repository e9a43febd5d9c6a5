//! `spur census`: the capture histories of three to five institutions'
//! lists of suspects, learnt as counts only (`spur_match::Blinder`), for the
//! log-linear estimate of how many there are (docs/matching.md, "Three or
//! more lists").
//!
//! The lists are the ones `spur match` counts for Chapman's estimate:
//! receivers scored at least [`LIST_SCORE`](super::LIST_SCORE) by their
//! account id, and suspected customers (senders at or above the alert
//! threshold) by theirs, each institution's from its own evidence only.
//!
//! The hub ([`run`], `spur census`) is list 1, its peers lists 2 to n in the
//! order named. A peer answers three requests ([`serve_start`],
//! [`serve_blind`], [`serve_finish`]; wire types below):
//!
//! 1. `POST /v1/census {lists}`: the peer draws a secret and answers its own
//!    lists blinded, sorted.
//! 2. `POST /v1/census/{id}/blind {receivers, customers}`, exactly `lists −
//!    1` times: the other lists, blinded again with its secret and sorted.
//! 3. `POST /v1/census/{id}/finish {list, receivers, customers}`: the
//!    histories the hub counted and which list was the peer's; the peer
//!    checks that its own list's size is what the histories give it, and
//!    keeps them in its audit log.

use spur_engine::{EngineConfig, Role};
use spur_match::{histories, Blinder, Kind, MatchError, Message};
use spur_store::{CensusHistories, MatchRun, Store, CENSUS_MODE};

use serde::{Deserialize, Serialize};

use super::holdings::holdings;
use super::protocol::Peer;
use super::transcript::Transcript;
use super::wire::{from_hex, to_hex};
use super::Mode;
use crate::AppError;

/// One institution's lists: receivers and customers, as identifier bytes.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    pub receivers: Vec<Vec<u8>>,
    pub customers: Vec<Vec<u8>>,
}

/// Our lists, from the store's payment log and our own evidence only.
pub fn lists(store: &mut dyn Store, cfg: &EngineConfig) -> Result<Lists, AppError> {
    let h = holdings(store, cfg, Mode::SameSide, false)?;
    let mut out = Lists::default();
    for item in &h.items {
        match item.identifier.kind {
            Kind::Account
                if item
                    .parties
                    .iter()
                    .any(|p| p.role == Role::Receiver && p.score >= super::LIST_SCORE) =>
            {
                out.receivers.push(item.identifier.bytes())
            }
            // Only suspected customers are offered as senders.
            Kind::SenderAccount => out.customers.push(item.identifier.bytes()),
            _ => {}
        }
    }
    Ok(out)
}

/// `POST /v1/census`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartCensus {
    /// How many lists the census has, the hub's included: 2 to 5.
    pub lists: usize,
}

/// Two lists' worth of blinded values: receivers and customers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Blinded {
    pub receivers: Vec<String>,
    pub customers: Vec<String>,
}

/// The answer to `POST /v1/census`: the run id and the peer's lists blinded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CensusStarted {
    pub census: i64,
    pub receivers: Vec<String>,
    pub customers: Vec<String>,
}

/// `POST /v1/census/{id}/finish`: the histories counted, and which list
/// (from 1, the hub's) was the peer's.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FinishCensus {
    pub list: usize,
    pub receivers: Vec<u64>,
    pub customers: Vec<u64>,
}

/// What a peer keeps between a census's requests.
pub struct PendingCensus {
    pub run: i64,
    pub peer: String,
    blinder: Blinder,
    lists: usize,
    /// Blinding requests still owed (`lists − 1` at the start).
    blinds_left: usize,
    /// Our lists' sizes: receivers, customers.
    own: [u64; 2],
}

fn too_many(got: usize, max: usize) -> AppError {
    MatchError::TooMany { got, max }.into()
}

/// A peer starts a census: refused for any role but `peer`, past the hourly
/// limit of match runs (a census is one) and for fewer than 2 or more than 5
/// lists; our lists blinded.
pub fn serve_start(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    actor: &str,
    req: &StartCensus,
    per_hour: u32,
) -> Result<(CensusStarted, PendingCensus), AppError> {
    store.authorize_match_run(actor, per_hour)?;
    if !(2..=spur_match::MAX_LISTS).contains(&req.lists) {
        return Err(AppError::Invalid(format!(
            "lists: {}; a census has 2 to {} lists",
            req.lists,
            spur_match::MAX_LISTS
        )));
    }
    let ours = lists(store, cfg)?;
    let blinder = Blinder::new()?;
    let (receivers, customers) = (
        blinder.blind(&ours.receivers)?,
        blinder.blind(&ours.customers)?,
    );
    let own = [receivers.len() as u64, customers.len() as u64];
    let run = store.begin_match_run(actor, CENSUS_MODE, own[0] + own[1], 0, per_hour)?;
    Ok((
        CensusStarted {
            census: run.id,
            receivers: to_hex(&receivers),
            customers: to_hex(&customers),
        },
        PendingCensus {
            run: run.id,
            peer: actor.to_owned(),
            blinder,
            lists: req.lists,
            blinds_left: req.lists - 1,
            own,
        },
    ))
}

/// One other list passes through our secret: blinded again and sorted.
/// Refused past `lists − 1` requests, or past `max_items` values.
pub fn serve_blind(
    pending: &mut PendingCensus,
    req: &Blinded,
    max_items: usize,
) -> Result<Blinded, AppError> {
    if pending.blinds_left == 0 {
        return Err(AppError::Invalid(format!(
            "census {}: the {} other lists have been blinded; finish it",
            pending.run,
            pending.lists - 1
        )));
    }
    for got in [req.receivers.len(), req.customers.len()] {
        if got > max_items {
            return Err(too_many(got, max_items));
        }
    }
    let receivers = pending
        .blinder
        .reblind(&from_hex("receivers", &req.receivers)?)?;
    let customers = pending
        .blinder
        .reblind(&from_hex("customers", &req.customers)?)?;
    pending.blinds_left -= 1;
    Ok(Blinded {
        receivers: to_hex(&receivers),
        customers: to_hex(&customers),
    })
}

/// Of `counts` by history, the parties on list `list` (from 1).
fn on_list(counts: &[u64], list: usize) -> u64 {
    counts
        .iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) & (1 << (list - 1)) != 0)
        .map(|(_, n)| *n)
        .sum()
}

/// The hub tells the histories: they must be of this census's lists, after
/// every blinding, and hold our own lists' sizes on our list; kept in our
/// audit log (`census.finish`).
pub fn serve_finish(
    store: &mut dyn Store,
    actor: &str,
    pending: &PendingCensus,
    req: &FinishCensus,
) -> Result<MatchRun, AppError> {
    store.authorize_peer(actor)?;
    if pending.blinds_left > 0 {
        return Err(AppError::Invalid(format!(
            "census {}: {} of the other lists have not been blinded by us",
            pending.run, pending.blinds_left
        )));
    }
    if !(2..=pending.lists).contains(&req.list) {
        return Err(AppError::Invalid(format!(
            "list: {}; ours is one of lists 2 to {}",
            req.list, pending.lists
        )));
    }
    let histories = CensusHistories {
        lists: pending.lists,
        receivers: req.receivers.clone(),
        customers: req.customers.clone(),
    };
    histories.check()?;
    for (what, counts, own) in [
        ("receivers", &req.receivers, pending.own[0]),
        ("customers", &req.customers, pending.own[1]),
    ] {
        let said = on_list(counts, req.list);
        if said != own {
            return Err(AppError::Invalid(format!(
                "{what}: the histories put {said} on list {}, ours, which holds {own}",
                req.list
            )));
        }
    }
    Ok(store.finish_census_run(pending.run, actor, &histories)?)
}

/// One peer of a census: its name in our records (its address) and how to
/// reach it.
pub struct CensusPeer<'a> {
    pub name: String,
    pub peer: &'a mut dyn Peer,
}

/// What a census gathered.
#[derive(Debug)]
pub struct CensusReport {
    pub histories: CensusHistories,
    /// Our lists' sizes and the peers' (receivers and customers together).
    pub offered: u64,
    pub received: u64,
    pub run: MatchRun,
}

fn post<T: Serialize, A: for<'de> Deserialize<'de>>(
    peer: &mut dyn Peer,
    route: &str,
    body: &T,
    transcript: &mut Transcript,
) -> Result<A, AppError> {
    let text = serde_json::to_string(body)?;
    transcript.record("sent", &format!("POST {route}"), &text)?;
    let answer = peer.post(route, &text)?;
    transcript.record("received", &format!("POST {route}"), &answer)?;
    serde_json::from_str(&answer)
        .map_err(|e| AppError::Invalid(format!("the peer's answer to POST {route}: {e}")))
}

/// `spur census` from our side: our lists and every peer's, each passed
/// through every other institution's secret; the histories counted, told
/// to every peer and recorded (audited, `census.run`).
pub fn run(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    user: &str,
    peers: &mut [CensusPeer<'_>],
    transcript: &mut Transcript,
) -> Result<CensusReport, AppError> {
    let n = peers.len() + 1;
    if !(2..=spur_match::MAX_LISTS).contains(&n) {
        return Err(AppError::Invalid(format!(
            "{} peers: a census takes 1 to {}",
            peers.len(),
            spur_match::MAX_LISTS - 1
        )));
    }
    store.authorize_matcher(user)?;
    let ours = lists(store, cfg)?;
    let blinder = Blinder::new()?;
    // Each list's receivers and customers as they go round: list 1 ours.
    let mut round: Vec<[Message; 2]> = vec![[
        blinder.blind(&ours.receivers)?,
        blinder.blind(&ours.customers)?,
    ]];
    let offered = (round[0][0].len() + round[0][1].len()) as u64;
    let mut ids = Vec::with_capacity(peers.len());
    let mut received = 0u64;
    for p in peers.iter_mut() {
        let started: CensusStarted =
            post(p.peer, "/v1/census", &StartCensus { lists: n }, transcript)?;
        let (r, c) = (
            from_hex("receivers", &started.receivers)?,
            from_hex("customers", &started.customers)?,
        );
        received += (r.len() + c.len()) as u64;
        round.push([blinder.reblind(&r)?, blinder.reblind(&c)?]);
        ids.push(started.census);
    }
    for (j, list) in round.iter_mut().enumerate() {
        for (i, p) in peers.iter_mut().enumerate() {
            // List i + 2 is peer i's own: it blinded it first.
            if i + 1 == j {
                continue;
            }
            let route = format!("/v1/census/{}/blind", ids[i]);
            let body = Blinded {
                receivers: to_hex(&list[0]),
                customers: to_hex(&list[1]),
            };
            let back: Blinded = post(p.peer, &route, &body, transcript)?;
            let back = [
                from_hex("receivers", &back.receivers)?,
                from_hex("customers", &back.customers)?,
            ];
            for (sent, got) in list.iter().zip(&back) {
                if sent.len() != got.len() {
                    return Err(MatchError::Length {
                        sent: sent.len(),
                        got: got.len(),
                    }
                    .into());
                }
            }
            *list = back;
        }
    }
    let (r, c): (Vec<Message>, Vec<Message>) = round.into_iter().map(|[r, c]| (r, c)).unzip();
    let counted = CensusHistories {
        lists: n,
        receivers: histories(&r)?,
        customers: histories(&c)?,
    };
    for (i, p) in peers.iter_mut().enumerate() {
        let route = format!("/v1/census/{}/finish", ids[i]);
        let body = FinishCensus {
            list: i + 2,
            receivers: counted.receivers.clone(),
            customers: counted.customers.clone(),
        };
        let _: serde_json::Value = post(p.peer, &route, &body, transcript)?;
    }
    let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    let run = store.record_census_run(user, &names.join(" "), offered, received, &counted)?;
    Ok(CensusReport {
        histories: counted,
        offered,
        received,
        run,
    })
}

/// Histories as `spur estimate --histories` reads them: `history,count`,
/// list 1 the first digit, every observed history (zeros included).
pub fn histories_csv(lists: usize, counts: &[u64]) -> String {
    let mut out = String::from("history,count\n");
    for (i, n) in counts.iter().enumerate() {
        let h = i + 1;
        for k in 0..lists {
            out.push(if h & (1 << k) != 0 { '1' } else { '0' });
        }
        out.push(',');
        out.push_str(&n.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_counted_from_its_histories_and_written_as_estimate_reads_it() {
        // Three lists: 1 only 5, 2 only 4, 1 and 2 3, 3 only 2, 2 and 3 1, all 7.
        let counts = [5, 4, 3, 2, 0, 1, 7];
        assert_eq!(on_list(&counts, 1), 5 + 3 + 7);
        assert_eq!(on_list(&counts, 2), 4 + 3 + 1 + 7);
        assert_eq!(on_list(&counts, 3), 2 + 1 + 7);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(&p, histories_csv(3, &counts)).unwrap();
        assert_eq!(
            super::super::histories::read(&p).unwrap(),
            (3, counts.to_vec())
        );
    }
}
