//! `Live`, the durable ingestion: over a real SQLite store (and PostgreSQL
//! via scripts/test where it says so), with simulated traffic.

use std::sync::Arc;

use spur_app::live::{Live, Verdict};
use spur_engine::{Engine, EngineConfig, Payment, Role};
use spur_io::{open_reader_with, Format, Profile};
use spur_store::{ChunkWriter, ManualClock, Store, StoreError, UserRole};

/// Simulated payments, kept as one log chunk so that they can be borrowed.
fn simulated(senders: usize) -> Vec<u8> {
    let cfg = spur_sim::SimConfig {
        senders,
        seed: 11,
        ..Default::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).unwrap();
    let mut reader = open_reader_with(
        Format::Csv,
        Box::new(std::io::Cursor::new(csv)),
        &Profile::default(),
    )
    .unwrap();
    let mut w = ChunkWriter::new();
    reader
        .read_all(&mut |_, rec| {
            w.push(&rec.expect("simulated payments read"));
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    w.into_bytes()
}

/// After the simulated window: nothing is in the future.
const NOW: i64 = 1_767_225_600 + 120 * 86_400;

fn store(dir: &tempfile::TempDir) -> Box<dyn Store> {
    let url = format!("sqlite:{}", dir.path().join("spur.db").display());
    let clock = Arc::new(ManualClock::new(NOW));
    let mut s = spur_store::open(&url, clock).unwrap();
    if s.users("ada").is_err() {
        s.add_user("ada", UserRole::Admin, "ada").unwrap();
    }
    s
}

fn live(dir: &tempfile::TempDir) -> Live {
    Live::open(store(dir), EngineConfig::default(), NOW).unwrap()
}

type Scored = Vec<(String, Role, String)>;

/// Subjects, roles and scores (to 12 digits) of the standing alerts.
fn standing(s: &mut dyn Store) -> Scored {
    let mut out: Scored = s
        .alerts("ada")
        .unwrap()
        .into_iter()
        .filter(|a| a.cleared_at.is_none())
        .map(|a| (a.subject, a.role, format!("{:.12}", a.score)))
        .collect();
    out.sort();
    out
}

/// The engine's alerts for all of them in one go, as `spur scan` has them.
fn scanned(payments: &[Payment<'_>]) -> Scored {
    let mut e = Engine::new(EngineConfig::default()).unwrap();
    e.set_now(NOW);
    for p in payments {
        e.push(p).unwrap();
    }
    let mut out: Scored = e
        .finish()
        .alerts
        .into_iter()
        .map(|a| (a.subject, a.role, format!("{:.12}", a.score)))
        .collect();
    out.sort();
    out
}

#[test]
fn batches_across_restarts_end_with_the_alerts_of_one_scan() {
    let bytes = simulated(600);
    let payments = spur_store::decode_chunk(0, &bytes).unwrap();
    assert!(payments.len() > 2000, "{}", payments.len());
    let want = scanned(&payments);
    assert!(!want.is_empty(), "the simulation raises alerts");
    let dir = tempfile::tempdir().unwrap();
    let mut l = live(&dir);
    let third = payments.len() / 3;
    for (i, batch) in payments.chunks(250).enumerate() {
        let verdicts = l.submit(batch).unwrap();
        assert!(
            verdicts
                .iter()
                .all(|v| matches!(v, Verdict::Accepted { .. })),
            "{verdicts:?}"
        );
        // Stopped and started again: once without a checkpoint (the whole
        // log replays), once after one (only the tail does).
        if (i + 1) * 250 == (third / 250 + 1) * 250 {
            drop(l);
            l = live(&dir);
            l.checkpoint().unwrap();
        }
        if (i + 1) * 250 == (2 * third / 250 + 1) * 250 {
            drop(l);
            l = live(&dir);
            assert!(l.log_seq() > 0);
        }
    }
    l.settle().unwrap();
    assert_eq!(standing(l.store()), want);
    // Everything again: every payment a duplicate, nothing changes.
    drop(l);
    let mut l = live(&dir);
    let head = l.store().log_head().unwrap();
    assert_eq!(head.txns as usize, payments.len());
    for batch in payments.chunks(1000) {
        let verdicts = l.submit(batch).unwrap();
        assert!(verdicts
            .iter()
            .all(|v| matches!(v, Verdict::Duplicate { .. })));
    }
    assert_eq!(l.store().log_head().unwrap(), head);
    l.settle().unwrap();
    assert_eq!(standing(l.store()), want);
    l.store().verify_audit().unwrap();
}

#[test]
fn duplicates_reused_ids_and_bad_values_are_told_apart() {
    let bytes = simulated(30);
    let payments = spur_store::decode_chunk(0, &bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut l = live(&dir);
    let first = l.submit(&payments[..3]).unwrap();
    assert!(matches!(&first[0], Verdict::Accepted { txn_id, sender, .. }
        if txn_id == payments[0].txn_id && sender.id == payments[0].sender_id));
    let mut other = payments[1];
    other.amount += 1.0;
    let mut odd = payments[5];
    odd.currency = spur_engine::Currency::new(b"XQQ");
    let mut twice_other = payments[4];
    twice_other.message = "changed";
    let batch = [
        payments[0],
        other,
        odd,
        payments[3],
        payments[3],
        payments[4],
        twice_other,
    ];
    let v = l.submit(&batch).unwrap();
    let kinds: Vec<String> = v
        .iter()
        .map(|v| match v {
            Verdict::Accepted { .. } => "accepted".to_owned(),
            Verdict::Duplicate { .. } => "duplicate".to_owned(),
            Verdict::Rejected { field, reason, .. } => format!("{field}: {reason}"),
        })
        .collect();
    assert_eq!(kinds[0], "duplicate");
    assert!(
        kinds[1].starts_with(&format!(
            "txn_id: txn id {} was ingested on",
            payments[1].txn_id
        )),
        "{}",
        kinds[1]
    );
    assert_eq!(kinds[2], "currency: currency XQQ is not in the rate table");
    assert_eq!(kinds[3..6], ["accepted", "duplicate", "accepted"]);
    assert!(
        kinds[6].contains("came twice in this batch"),
        "{}",
        kinds[6]
    );
    // Durable: a new process finds them.
    drop(l);
    let mut l = live(&dir);
    let again = l.submit(&payments[..5]).unwrap();
    assert!(
        again.iter().all(|v| matches!(v, Verdict::Duplicate { .. })),
        "{again:?}"
    );
    assert_eq!(l.store().log_head().unwrap().txns, 5);
}

#[test]
fn a_second_writer_is_refused_then_catches_up() {
    let bytes = simulated(30);
    let payments = spur_store::decode_chunk(0, &bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = live(&dir);
    let mut b = live(&dir);
    a.submit(&payments[..4]).unwrap();
    let e = b.submit(&payments[4..8]).unwrap_err();
    assert!(
        matches!(
            e.root(),
            spur_app::AppError::Store(StoreError::LogConflict { .. })
        ),
        "{e}"
    );
    // Nothing of b's call was stored; b rebuilds from the store and goes on.
    assert_eq!(a.store().log_head().unwrap().txns, 4);
    let v = b.submit(&payments[..8]).unwrap();
    let accepted = v
        .iter()
        .filter(|v| matches!(v, Verdict::Accepted { .. }))
        .count();
    let duplicates = v
        .iter()
        .filter(|v| matches!(v, Verdict::Duplicate { .. }))
        .count();
    assert_eq!((accepted, duplicates), (4, 4));
    assert_eq!(b.store().log_head().unwrap().txns, 8);
}
