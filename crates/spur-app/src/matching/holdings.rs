//! Which identifiers we offer in a run, each with our own evidence about
//! the parties behind it.
//!
//! The engine is rebuilt from the store's whole payment log without any
//! outside evidence (what crosses is ours, never an echo of what a peer told
//! us), settled once, and read party by party (`Engine::party_tallies`).
//! Same side: every receiver, by its account id, by its phone number
//! (E.164, the first the payments give it) and by its name with its country
//! (the first name the payments give it, in the form of [`name_form`]), so
//! that the same person's account under another id at the peer is found
//! too; and every sender we score at or above the alert threshold (a
//! suspected customer, and only those), by its account id and its name with
//! its country, for the second capture–recapture list, of customers.
//!
//! [`name_form`]: super::name_form Cross-border: every
//! payment, by its reference (the txn id, as UETR or end-to-end id), and,
//! when asked (`spur match --facts`, for institutions that do not share an
//! id scheme), by its facts (amount in minor units, currency and UTC day)
//! where no other payment of ours has the same facts, each with its
//! sender's and its receiver's evidence; both items of one payment name it
//! ([`Item::payment`]), so that a payment matched both ways counts once.

use std::collections::HashMap;

use spur_engine::{Engine, EngineConfig, PartyTally, Role};
use spur_match::{Identifier, Kind, MAX_ITEMS};
use spur_store::Store;

use super::name_form::{name_in_country, sender_name_in_country};
use super::Mode;
use crate::AppError;

/// Our evidence about one party behind an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub role: Role,
    pub party: String,
    pub score: f64,
    /// Its distinct counterparties and its payments.
    pub parties: u32,
    pub payments: u32,
}

/// One identifier we offer.
#[derive(Clone, Debug)]
pub struct Item {
    pub identifier: Identifier,
    /// The parties behind it: the receiver (same side), or the payment's
    /// sender and receiver (cross-border).
    pub parties: Vec<Local>,
    /// Cross-border: which of our payments it is (its reference and its
    /// facts are two items of one payment).
    pub payment: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Holdings {
    pub mode: Mode,
    pub items: Vec<Item>,
    /// Our parties in the matched role scored at least
    /// [`LIST_SCORE`](super::LIST_SCORE) (same side: receivers): a list for
    /// the capture–recapture estimate.
    pub alerted: u64,
    /// Same side: our senders (customers) at or above the alert threshold,
    /// the second list (of customers); they alone are offered as senders.
    pub alerted_senders: u64,
    /// Cross-border: payments offered by their facts too.
    pub facts: bool,
}

const PAGE: usize = 64;

impl Holdings {
    /// Of our `matched` items, the facts items of payments that also
    /// matched by their reference: facts are the fallback for a payment
    /// without a shared reference, so such an item carries no evidence
    /// either way (the reference's item does). Each side drops its own, so
    /// a facts pair is used only when neither payment matched by reference,
    /// which keeps a chance equality of two payments' facts out wherever
    /// one of them is known by its reference.
    pub fn redundant_facts(&self, matched: &[usize]) -> std::collections::HashSet<usize> {
        let by_reference: std::collections::HashSet<usize> = matched
            .iter()
            .filter(|&&i| self.items[i].identifier.kind == Kind::PaymentReference)
            .filter_map(|&i| self.items[i].payment)
            .collect();
        matched
            .iter()
            .copied()
            .filter(|&i| {
                self.items[i].identifier.kind == Kind::PaymentFacts
                    && self.items[i]
                        .payment
                        .is_some_and(|p| by_reference.contains(&p))
            })
            .collect()
    }
}

/// A payment's facts as both institutions write them: the amount in minor
/// units (hundredths), the currency and the UTC day, e.g. `4730 USD 2026-01-05`.
pub fn payment_facts(amount: f64, currency: &str, at: spur_engine::Timestamp) -> String {
    let day = spur_engine::time::rfc3339(at);
    format!(
        "{} {currency} {}",
        (amount * 100.0).round() as i64,
        &day[..10]
    )
}

/// What we hold, from the store's payment log.
pub fn holdings(
    store: &mut dyn Store,
    cfg: &EngineConfig,
    mode: Mode,
    facts: bool,
) -> Result<Holdings, AppError> {
    let mut engine = Engine::new(cfg.clone())?;
    engine.set_now(spur_engine::MAX_TIMESTAMP);
    // Cross-border: (reference, facts when asked for, sender, receiver) of
    // each payment.
    let mut refs: Vec<(String, Option<String>, String, String)> = Vec::new();
    let mut phones: HashMap<String, String> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut sender_names: HashMap<String, String> = HashMap::new();
    let mut seq = 0;
    loop {
        let page = store.read_log(seq, PAGE)?;
        if page.is_empty() {
            break;
        }
        for chunk in &page {
            seq = chunk.seq;
            for p in chunk.decode()? {
                // What the engine refused on the way in it refuses again.
                if engine.push(&p).is_err() {
                    continue;
                }
                match mode {
                    Mode::CrossBorder => refs.push((
                        p.txn_id.to_string(),
                        facts.then(|| payment_facts(p.amount, p.currency.as_str(), p.timestamp)),
                        p.sender_id.to_string(),
                        p.receiver_id.to_string(),
                    )),
                    Mode::SameSide => {
                        if !phones.contains_key(p.receiver_id) {
                            if let Some(phone) = Identifier::phone(p.extra.receiver_phone) {
                                phones.insert(p.receiver_id.to_string(), phone.value);
                            }
                        }
                        if !names.contains_key(p.receiver_id) {
                            if let Some(name) =
                                name_in_country(p.receiver_name, p.receiver_country.as_str())
                            {
                                names.insert(p.receiver_id.to_string(), name.value);
                            }
                        }
                        if !sender_names.contains_key(p.sender_id) {
                            if let Some(name) =
                                sender_name_in_country(p.sender_name, p.sender_country.as_str())
                            {
                                sender_names.insert(p.sender_id.to_string(), name.value);
                            }
                        }
                    }
                }
            }
        }
    }
    engine.go_online()?;
    let threshold = cfg.alert_threshold;
    let local = |role: Role, t: &PartyTally| Local {
        role,
        party: t.id.clone(),
        score: t.score,
        parties: t.counterparties,
        payments: t.payments,
    };
    let receivers = engine.party_tallies(Role::Receiver);
    let alerted = receivers
        .iter()
        .filter(|t| t.score >= super::LIST_SCORE)
        .count() as u64;
    let mut suspected_senders = Vec::new();
    if mode == Mode::SameSide {
        suspected_senders = engine.party_tallies(Role::Sender);
        suspected_senders.retain(|t| t.score >= threshold);
    }
    let alerted_senders = suspected_senders.len() as u64;
    let items: Vec<Item> = match mode {
        Mode::SameSide => {
            let mut items: Vec<Item> = receivers
                .iter()
                .map(|t| Item {
                    identifier: Identifier {
                        kind: Kind::Account,
                        value: t.id.clone(),
                    },
                    parties: vec![local(Role::Receiver, t)],
                    payment: None,
                })
                .collect();
            // One item per phone, with every receiver that has it (alias accounts).
            let mut by_phone: std::collections::BTreeMap<&str, Vec<Local>> = Default::default();
            for t in &receivers {
                if let Some(phone) = phones.get(&t.id) {
                    by_phone
                        .entry(phone.as_str())
                        .or_default()
                        .push(local(Role::Receiver, t));
                }
            }
            items.extend(by_phone.into_iter().map(|(phone, parties)| Item {
                identifier: Identifier {
                    kind: Kind::Phone,
                    value: phone.to_owned(),
                },
                parties,
                payment: None,
            }));
            // One item per name in a country, with every receiver of it.
            let mut by_name: std::collections::BTreeMap<&str, Vec<Local>> = Default::default();
            for t in &receivers {
                if let Some(name) = names.get(&t.id) {
                    by_name
                        .entry(name.as_str())
                        .or_default()
                        .push(local(Role::Receiver, t));
                }
            }
            items.extend(by_name.into_iter().map(|(name, parties)| Item {
                identifier: Identifier {
                    kind: Kind::NameInCountry,
                    value: name.to_owned(),
                },
                parties,
                payment: None,
            }));
            // Suspected customers only, by their account id and by their
            // name in their country: the peer learns which of its suspects
            // we suspect too, never who else our customers are.
            let mut by_sender_name: std::collections::BTreeMap<&str, Vec<Local>> =
                Default::default();
            for t in suspected_senders.iter() {
                items.push(Item {
                    identifier: Identifier {
                        kind: Kind::SenderAccount,
                        value: t.id.clone(),
                    },
                    parties: vec![local(Role::Sender, t)],
                    payment: None,
                });
                if let Some(name) = sender_names.get(&t.id) {
                    by_sender_name
                        .entry(name.as_str())
                        .or_default()
                        .push(local(Role::Sender, t));
                }
            }
            items.extend(by_sender_name.into_iter().map(|(name, parties)| Item {
                identifier: Identifier {
                    kind: Kind::SenderNameInCountry,
                    value: name.to_owned(),
                },
                parties,
                payment: None,
            }));
            items
        }
        Mode::CrossBorder => {
            let sender_tallies = engine.party_tallies(Role::Sender);
            let senders: HashMap<&str, &PartyTally> =
                sender_tallies.iter().map(|t| (t.id.as_str(), t)).collect();
            let receivers: HashMap<&str, &PartyTally> =
                receivers.iter().map(|t| (t.id.as_str(), t)).collect();
            // How many of our payments have each facts (when asked for).
            let mut facts_seen: HashMap<&str, usize> = HashMap::new();
            for of_payment in refs.iter().filter_map(|r| r.1.as_deref()) {
                *facts_seen.entry(of_payment).or_default() += 1;
            }
            let mut items = Vec::with_capacity(refs.len() * 2);
            for (i, (txn, of_payment, s, r)) in refs.iter().enumerate() {
                let (Some(s), Some(r)) = (senders.get(s.as_str()), receivers.get(r.as_str()))
                else {
                    continue;
                };
                let parties = vec![local(Role::Sender, s), local(Role::Receiver, r)];
                // Facts shared by two payments of ours would name neither.
                if let Some(of_payment) = of_payment
                    .as_deref()
                    .filter(|f| facts_seen.get(f) == Some(&1))
                {
                    items.push(Item {
                        identifier: Identifier {
                            kind: Kind::PaymentFacts,
                            value: of_payment.to_owned(),
                        },
                        parties: parties.clone(),
                        payment: Some(i),
                    });
                }
                items.push(Item {
                    identifier: Identifier {
                        kind: Kind::PaymentReference,
                        value: txn.clone(),
                    },
                    parties,
                    payment: Some(i),
                });
            }
            items
        }
    };
    if items.len() > MAX_ITEMS {
        return Err(AppError::Invalid(format!(
            "{} items to offer; a run takes at most {MAX_ITEMS}",
            items.len()
        )));
    }
    Ok(Holdings {
        mode,
        items,
        alerted,
        alerted_senders,
        facts,
    })
}
