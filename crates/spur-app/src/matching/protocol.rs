//! The two sides of a run over `spur_match`'s PSI: the client
//! ([`run_client`], `spur match`) and the server ([`serve_start`],
//! [`serve_finish`], `spur serve` for a `peer`). Both learn the same
//! intersection; evidence is exchanged about matched items only (the server
//! refuses evidence about any other position), about parties scored at
//! least the lower score, as a band and counts.

use std::collections::{HashMap, HashSet};

use spur_engine::{EngineConfig, Role};
use spur_match::{chapman, Element, Estimate, Kind, MatchError, Side};
use spur_store::{OutsideEvidence, Store};

use super::apply::learnt;
use super::holdings::{holdings, Holdings};
use super::transcript::Transcript;
use super::wire::{
    from_hex, to_hex, Evidence, FinishAnswer, FinishRequest, StartAnswer, StartRequest,
};
use super::{band, Mode};
use crate::AppError;

/// How the client reaches the server: a JSON body posted to a route, the
/// answer's body back (an error for anything but success).
pub trait Peer {
    fn post(&mut self, route: &str, body: &str) -> Result<String, AppError>;
}

/// What a run taught one side.
#[derive(Clone, Debug)]
pub struct Learnt {
    /// The server's run id.
    pub run: i64,
    pub offered: u64,
    pub received: u64,
    pub matched: u64,
    /// Evidence entries sent and received.
    pub sent: u64,
    pub got: u64,
    /// What we now know about our parties.
    pub evidence: Vec<OutsideEvidence>,
    /// Our and the peer's alerted lists (same side: receivers), and how
    /// many matched items are on both.
    pub our_alerted: u64,
    pub their_alerted: u64,
    pub both_alerted: u64,
    /// Chapman's estimate of the receivers across both lists (same side).
    pub estimate: Option<Estimate>,
    /// Same side: the alerted senders (customers) here, there and on both.
    pub our_alerted_senders: u64,
    pub their_alerted_senders: u64,
    pub both_alerted_senders: u64,
    /// Chapman's estimate of the customers from those two lists.
    pub customers: Option<Estimate>,
}

fn items(h: &Holdings) -> Vec<Vec<u8>> {
    h.items.iter().map(|i| i.identifier.bytes()).collect()
}

/// Our evidence about matched items: `(position to name it by, our item)`,
/// none about the facts of a payment matched by its reference.
fn our_evidence(h: &Holdings, matched: &[(usize, usize)], lower: f64) -> Vec<Evidence> {
    let items: Vec<usize> = matched.iter().map(|&(_, item)| item).collect();
    let skip = h.redundant_facts(&items);
    let mut out = Vec::new();
    for &(at, item) in matched {
        if skip.contains(&item) {
            continue;
        }
        for p in &h.items[item].parties {
            if let Some(band) = band(p.score, lower) {
                out.push(Evidence {
                    at,
                    role: p.role.as_str().to_owned(),
                    band,
                    parties: p.parties,
                    payments: p.payments,
                });
            }
        }
    }
    out
}

/// Our receivers scored at least [`LIST_SCORE`](super::LIST_SCORE) that the
/// peer's evidence puts in that band or above: on both lists.
fn both_listed(h: &Holdings, theirs: &[Evidence], item_of: &HashMap<usize, usize>) -> u64 {
    let list = super::LIST_SCORE;
    let mut both: HashSet<&str> = HashSet::new();
    for e in theirs {
        if e.role != Role::Receiver.as_str() || e.band < list {
            continue;
        }
        if let Some(&item) = item_of.get(&e.at) {
            for p in &h.items[item].parties {
                if p.role == Role::Receiver && p.score >= list {
                    both.insert(p.party.as_str());
                }
            }
        }
    }
    both.len() as u64
}

pub fn run_client(
    peer: &mut dyn Peer,
    h: &Holdings,
    lower: f64,
    transcript: &mut Transcript,
) -> Result<Learnt, AppError> {
    let side = Side::new(&items(h))?;
    let start = serde_json::to_string(&StartRequest {
        mode: h.mode.as_str().to_owned(),
        items: to_hex(&side.offer()),
        facts: h.facts,
    })?;
    transcript.record("sent", "POST /v1/match/runs", &start)?;
    let body = peer.post("/v1/match/runs", &start)?;
    transcript.record("received", "POST /v1/match/runs", &body)?;
    let started: StartAnswer = serde_json::from_str(&body)
        .map_err(|e| AppError::Invalid(format!("the peer's start answer: {e}")))?;
    let mine = from_hex("answer", &started.answer)?;
    let their_offer = from_hex("offer", &started.offer)?;
    let answered = side.answer(&their_offer)?;
    // (our position, our item, the server's position): evidence names the
    // server's position.
    let pairs = side.pairs(&mine, &answered)?;
    let by_server: Vec<(usize, usize)> = pairs.iter().map(|&(_, item, at)| (at, item)).collect();
    let sent = our_evidence(h, &by_server, lower);
    let route = format!("/v1/match/runs/{}/finish", started.run);
    let finish = serde_json::to_string(&FinishRequest {
        answer: to_hex(&answered),
        evidence: sent.clone(),
        alerted: h.alerted,
        alerted_senders: h.alerted_senders,
    })?;
    transcript.record("sent", &format!("POST {route}"), &finish)?;
    let body = peer.post(&route, &finish)?;
    transcript.record("received", &format!("POST {route}"), &body)?;
    let done: FinishAnswer = serde_json::from_str(&body)
        .map_err(|e| AppError::Invalid(format!("the peer's finish answer: {e}")))?;
    if done.matched != pairs.len() as u64 {
        return Err(AppError::Invalid(format!(
            "the peer found {} matches where we found {}: the run is not consistent",
            done.matched,
            pairs.len()
        )));
    }
    let item_of: HashMap<usize, usize> = by_server.iter().copied().collect();
    let ours: Vec<usize> = by_server.iter().map(|&(_, item)| item).collect();
    let evidence = learnt(h, &done.evidence, &item_of, &h.redundant_facts(&ours))?;
    let both = both_listed(h, &done.evidence, &item_of);
    let estimate = (h.mode == Mode::SameSide)
        .then(|| chapman(h.alerted, done.alerted, both, 0.95).ok())
        .flatten();
    // Both sides offer their suspected customers only: a matched sender item
    // is a customer on both alerted lists.
    let both_senders = item_of
        .values()
        .filter(|&&item| {
            matches!(
                h.items[item].identifier.kind,
                Kind::SenderAccount | Kind::SenderNameInCountry
            )
        })
        .flat_map(|&item| h.items[item].parties.iter())
        .filter(|p| p.role == Role::Sender)
        .map(|p| p.party.as_str())
        .collect::<HashSet<&str>>()
        .len() as u64;
    let customers = (h.mode == Mode::SameSide && done.alerted_senders > 0)
        .then(|| chapman(h.alerted_senders, done.alerted_senders, both_senders, 0.95).ok())
        .flatten();
    Ok(Learnt {
        run: started.run,
        offered: side.len() as u64,
        received: their_offer.len() as u64,
        matched: pairs.len() as u64,
        sent: sent.len() as u64,
        got: done.evidence.len() as u64,
        evidence,
        our_alerted: h.alerted,
        their_alerted: done.alerted,
        both_alerted: both,
        estimate,
        our_alerted_senders: h.alerted_senders,
        their_alerted_senders: done.alerted_senders,
        both_alerted_senders: both_senders,
        customers,
    })
}

/// What the server keeps between a run's start and its finish.
pub struct Pending {
    pub run: i64,
    pub peer: String,
    side: Side,
    holdings: Holdings,
    /// Our answer to the peer's offer, in its order.
    answered: Vec<Element>,
    lower: f64,
}

/// A peer starts a run: refused for any role but `peer`, past `max_items`
/// items, past the rate limit; our blinded items and its items blinded again.
pub fn serve_start(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    actor: &str,
    req: &StartRequest,
    max_items: usize,
    per_hour: u32,
    lower: f64,
) -> Result<(StartAnswer, Pending), AppError> {
    // Role and rate first: the holdings below replay the whole log.
    store.authorize_match_run(actor, per_hour)?;
    let mode = Mode::parse(&req.mode)?;
    if req.items.len() > max_items {
        return Err(MatchError::TooMany {
            got: req.items.len(),
            max: max_items,
        }
        .into());
    }
    let theirs = from_hex("items", &req.items)?;
    let h = holdings(store, cfg, mode, req.facts)?;
    let side = Side::new(&items(&h))?;
    let answered = side.answer(&theirs)?;
    let run = store.begin_match_run(
        actor,
        mode.as_str(),
        side.len() as u64,
        theirs.len() as u64,
        per_hour,
    )?;
    let answer = StartAnswer {
        run: run.id,
        answer: to_hex(&answered),
        offer: to_hex(&side.offer()),
    };
    Ok((
        answer,
        Pending {
            run: run.id,
            peer: actor.to_owned(),
            side,
            holdings: h,
            answered,
            lower,
        },
    ))
}

/// The peer finishes its run: its evidence must be about matched items
/// only; ours about them goes back, and its is stored as outside evidence.
pub fn serve_finish(
    store: &mut dyn Store,
    actor: &str,
    pending: Pending,
    req: &FinishRequest,
) -> Result<FinishAnswer, AppError> {
    store.authorize_peer(actor)?;
    let theirs = from_hex("answer", &req.answer)?;
    let pairs = pending.side.pairs(&theirs, &pending.answered)?;
    let mine: Vec<(usize, usize)> = pairs.iter().map(|&(at, item, _)| (at, item)).collect();
    let item_of: HashMap<usize, usize> = mine.iter().copied().collect();
    for (i, e) in req.evidence.iter().enumerate() {
        if !item_of.contains_key(&e.at) {
            return Err(AppError::Invalid(format!(
                "evidence[{i}]: position {} is not a matched item; evidence crosses for matched items only",
                e.at
            )));
        }
    }
    let ours: Vec<usize> = mine.iter().map(|&(_, item)| item).collect();
    let skip = pending.holdings.redundant_facts(&ours);
    let evidence = learnt(&pending.holdings, &req.evidence, &item_of, &skip)?;
    store.finish_match_run(pending.run, actor, pairs.len() as u64, &evidence)?;
    Ok(FinishAnswer {
        matched: pairs.len() as u64,
        evidence: our_evidence(&pending.holdings, &mine, pending.lower),
        alerted: pending.holdings.alerted,
        alerted_senders: pending.holdings.alerted_senders,
    })
}
