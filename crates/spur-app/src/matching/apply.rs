//! What a run taught us, made into outside evidence about our own parties,
//! stored, handed to the engine and re-scored.
//!
//! Evidence about a party of a matched item reaches our party of the same
//! role as `same_party` (same side: the receiver; `same_name` when only its
//! name in a country matched, since the peer's may be a namesake; cross-border: the
//! payment's sender or receiver as the peer scores it), and our party of the
//! other role as `counterparty` (cross-border: a customer paying a receiver
//! the receiving institution scores; a receiver paid by customers the
//! sending institution scores). Per party: the highest band, the most
//! parties and payments the peer told of (same party), or the distinct
//! counterparties and the matched payments behind it (counterparty).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use spur_engine::outside::{Outside, OutsideFinding, OutsideKind};
use spur_engine::{EngineConfig, Role, Timestamp};
use spur_match::Kind;
use spur_store::{OutsideEvidence, Store};

use super::holdings::Holdings;
use super::wire::Evidence;
use crate::live::Live;
use crate::AppError;

fn role_of(i: usize, s: &str) -> Result<Role, AppError> {
    match s {
        "sender" => Ok(Role::Sender),
        "receiver" => Ok(Role::Receiver),
        other => Err(AppError::Invalid(format!(
            "evidence[{i}]: role {other:?} is neither sender nor receiver"
        ))),
    }
}

#[derive(Default)]
struct Acc {
    band: f64,
    parties: i64,
    payments: i64,
    counterparties: BTreeSet<String>,
}

/// Our outside evidence from the peer's `evidence`, whose positions
/// `item_of` maps to our items; evidence about our `skip` items (facts of a
/// payment matched by reference, `Holdings::redundant_facts`) is left out.
pub fn learnt(
    h: &Holdings,
    evidence: &[Evidence],
    item_of: &HashMap<usize, usize>,
    skip: &HashSet<usize>,
) -> Result<Vec<OutsideEvidence>, AppError> {
    let mut acc: BTreeMap<(String, Role, &'static str), Acc> = BTreeMap::new();
    for (i, e) in evidence.iter().enumerate() {
        let role = role_of(i, &e.role)?;
        if !(0.0..=1.0).contains(&e.band) {
            return Err(AppError::Invalid(format!(
                "evidence[{i}]: band {} is not in [0, 1]",
                e.band
            )));
        }
        let Some(&item) = item_of.get(&e.at) else {
            return Err(AppError::Invalid(format!(
                "evidence[{i}]: position {} is not a matched item",
                e.at
            )));
        };
        if skip.contains(&item) {
            continue;
        }
        let parties = &h.items[item].parties;
        // Matched by name: the peer's party may be a namesake.
        let same = if matches!(
            h.items[item].identifier.kind,
            Kind::NameInCountry | Kind::SenderNameInCountry
        ) {
            "same_name"
        } else {
            "same_party"
        };
        for p in parties {
            if p.role == role {
                let a = acc.entry((p.party.clone(), role, same)).or_default();
                a.band = a.band.max(e.band);
                a.parties = a.parties.max(i64::from(e.parties));
                a.payments = a.payments.max(i64::from(e.payments));
            } else if let Some(same) = parties.iter().find(|q| q.role == role) {
                let a = acc
                    .entry((p.party.clone(), p.role, "counterparty"))
                    .or_default();
                a.band = a.band.max(e.band);
                a.payments += 1;
                a.counterparties.insert(same.party.clone());
            }
        }
    }
    // A party matched by an identifier takes no evidence by its name: the
    // namesake at the peer may be someone else.
    let by_id: BTreeSet<(String, Role)> = acc
        .keys()
        .filter(|k| k.2 == "same_party")
        .map(|k| (k.0.clone(), k.1))
        .collect();
    acc.retain(|k, _| k.2 != "same_name" || !by_id.contains(&(k.0.clone(), k.1)));
    Ok(acc
        .into_iter()
        .map(|((party_id, role, kind), a)| OutsideEvidence {
            party_id,
            role,
            kind: kind.to_owned(),
            band: a.band,
            parties: if kind == "counterparty" {
                a.counterparties.len() as i64
            } else {
                a.parties
            },
            payments: a.payments,
        })
        .collect())
}

/// The store's outside evidence as the engine reads it.
pub fn outside(store: &mut dyn Store) -> Result<Outside, AppError> {
    let mut o = Outside::default();
    let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    for e in store.outside_evidence()? {
        let kind = match e.kind.as_str() {
            "counterparty" => OutsideKind::Counterparty,
            "same_name" => OutsideKind::SameName,
            _ => OutsideKind::SameParty,
        };
        o.add(
            e.role,
            &e.party_id,
            OutsideFinding {
                kind,
                band: e.band,
                parties: clamp(e.parties),
                payments: clamp(e.payments),
                institutions: 1,
            },
        );
    }
    Ok(o)
}

/// Alerts standing before and after a re-score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rescored {
    pub before: u64,
    pub after: u64,
}

/// Scores the store's history again with its outside evidence (as `spur
/// scan --db` does) and stores the outcome whole.
pub fn rescore(
    store: Box<dyn Store>,
    cfg: &EngineConfig,
    now: Timestamp,
    actor: &str,
) -> Result<Rescored, AppError> {
    let mut live = Live::open_batch(store, cfg.clone(), now)?;
    let before = count_standing(live.store(), actor)?;
    let outcome = live.engine_mut().finish();
    live.commit_scan(&[], &[], &[], &outcome)?;
    let after = count_standing(live.store(), actor)?;
    Ok(Rescored { before, after })
}

fn count_standing(store: &mut dyn Store, actor: &str) -> Result<u64, AppError> {
    Ok(store
        .alerts(actor)?
        .iter()
        .filter(|a| a.cleared_at.is_none())
        .count() as u64)
}
