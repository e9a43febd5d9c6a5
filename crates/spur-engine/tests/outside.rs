//! Outside findings (spur match) in the engine: they raise the party they
//! are about through R-XMATCH / P-XMATCH, explain themselves, and an online
//! engine handed them settles to the alerts of a batch engine handed them.

use std::io::Cursor;
use std::ops::ControlFlow;

use spur_engine::outside::{Outside, OutsideFinding, OutsideKind};
use spur_engine::{Alert, Engine, EngineConfig, Role};
use spur_io::{CsvPaymentReader, Entry, PaymentBatch, PaymentReader};
use spur_sim::SimConfig;

fn world(seed: u64, senders: usize, days: u32) -> PaymentBatch {
    let cfg = SimConfig {
        seed,
        senders,
        days,
        ..SimConfig::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).expect("simulation in memory");
    let mut batch = PaymentBatch::with_capacity(senders * 7);
    let mut reader = CsvPaymentReader::new(Cursor::new(&csv[..])).expect("simulated header");
    reader
        .read_all(&mut |line, rec| {
            batch.push(line, &rec.expect("simulated payments are valid"));
            ControlFlow::Continue(())
        })
        .expect("in memory");
    batch
}

fn run(batch: &PaymentBatch, outside: Option<Outside>, online: bool) -> (Engine, Vec<Alert>) {
    let mut e = if online {
        Engine::online(EngineConfig::default()).unwrap()
    } else {
        Engine::new(EngineConfig::default()).unwrap()
    };
    if let (Some(o), false) = (&outside, online) {
        e.set_outside(o.clone());
    }
    for entry in batch.entries() {
        if let Entry::Payment { payment, .. } = entry {
            e.push(&payment).expect("accepted");
        }
    }
    if let (Some(o), true) = (outside, online) {
        e.settle();
        e.set_outside(o);
    }
    let alerts = e.finish().alerts;
    (e, alerts)
}

/// A receiver below the threshold with some payments: what a peer raises.
fn below_threshold(e: &Engine) -> spur_engine::PartyTally {
    let mut tallies = e.party_tallies(Role::Receiver);
    tallies.retain(|t| t.score > 0.05 && t.score < 0.5);
    tallies.sort_by(|a, b| b.score.total_cmp(&a.score));
    tallies
        .first()
        .expect("a receiver scored below the threshold")
        .clone()
}

/// What a peer told about `target`: the same party, in `band`.
fn told(target: &spur_engine::PartyTally, band: f64, parties: u32, payments: u32) -> Outside {
    let mut o = Outside::default();
    o.add(
        Role::Receiver,
        &target.id,
        OutsideFinding {
            kind: OutsideKind::SameParty,
            band,
            parties,
            payments,
            institutions: 1,
        },
    );
    o
}

#[test]
fn an_outside_finding_raises_its_party_and_online_equals_batch() {
    let batch = world(5, 1500, 30);
    let (plain, _) = run(&batch, None, true);
    let target = below_threshold(&plain);
    let o = told(&target, 0.8, 6, 9);
    let (_, batch_alerts) = run(&batch, Some(o.clone()), false);
    let raised = batch_alerts
        .iter()
        .find(|a| a.subject == target.id && a.role == Role::Receiver)
        .expect("alerted with the outside finding");
    assert!(
        raised.score > target.score,
        "{} -> {}",
        target.score,
        raised.score
    );
    let finding = raised
        .indicators
        .iter()
        .find(|f| f.code == "R-XMATCH")
        .expect("R-XMATCH explains it");
    assert!(
        finding.reason.contains("paid there by 6 senders"),
        "{}",
        finding.reason
    );
    let (_, online_alerts) = run(&batch, Some(o), true);
    assert_eq!(online_alerts, batch_alerts);
}

/// A running engine handed new outside evidence keeps its last settle (its
/// standings answer meanwhile), settles the whole stage next, with no new
/// payment, to the alerts of a batch engine handed the same, and says what
/// it raised; a fork of it holds the evidence too.
#[test]
fn outside_evidence_handed_to_a_running_engine_raises_its_party_at_the_next_settle() {
    let batch = world(6, 1500, 30);
    let (mut live, _) = run(&batch, None, true);
    let target = below_threshold(&live);
    let o = told(&target, 0.9, 7, 12);
    live.update_outside(o.clone());
    assert!(
        live.party_score(&target.id, Role::Receiver).is_some(),
        "the last settle still answers"
    );
    let mut fork = live.fork().expect("a fork");
    let settled = live.settle();
    assert!(settled.full, "new evidence: the whole stage");
    assert_eq!(settled.payments, 0);
    assert!(
        settled
            .raised
            .iter()
            .any(|a| a.subject == target.id && a.role == Role::Receiver),
        "the settle raised {}",
        target.id
    );
    let (_, batch_alerts) = run(&batch, Some(o), false);
    assert_eq!(live.alerts().cloned().collect::<Vec<_>>(), batch_alerts);
    assert_eq!(
        fork.finish().alerts,
        batch_alerts,
        "the fork holds the evidence"
    );
}
