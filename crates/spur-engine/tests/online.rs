//! The online engine's invariant: pushing a simulated file's payments
//! online, one by one or in batches of random sizes with a settle after
//! each, ends (after a last settle) with exactly the alerts of a batch
//! `finish` over the same file — same subjects, roles, bit-equal scores,
//! findings and evidence — and every settle's changes, applied in turn,
//! give the alerts it holds.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::ops::ControlFlow;

use spur_engine::{Alert, Engine, EngineConfig, Role};
use spur_io::{CsvPaymentReader, Entry, PaymentBatch, PaymentReader};
use spur_sim::SimConfig;

/// A simulated world's payments, parsed once.
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

/// The payments of a batch, in its order (a simulated batch has no rejects).
fn payments_of(batch: &PaymentBatch) -> Vec<spur_engine::Payment<'_>> {
    batch
        .entries()
        .filter_map(|e| match e {
            Entry::Payment { payment, .. } => Some(payment),
            Entry::Reject(_) => None,
        })
        .collect()
}

fn batch_alerts(batch: &PaymentBatch) -> Vec<Alert> {
    let mut e = Engine::new(EngineConfig::default()).expect("default configuration");
    for entry in batch.entries() {
        if let Entry::Payment { payment, .. } = entry {
            e.push(&payment).expect("accepted");
        }
    }
    e.finish().alerts
}

/// How the payments are cut into batches, each followed by a settle.
#[derive(Clone, Copy, Debug)]
enum Split {
    /// One settle at the end.
    OneByOne,
    /// Batches of 1 to `max` payments, sizes from a generator seeded so.
    Random { seed: u64, max: usize },
}

/// A small deterministic generator (xorshift), so that a failing split can
/// be named by its seed.
fn sizes(seed: u64, max: usize) -> impl Iterator<Item = usize> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    std::iter::from_fn(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Some(1 + (x % max as u64) as usize)
    })
}

type Alerts = BTreeMap<(Role, String), Alert>;

fn keyed<'a>(alerts: impl Iterator<Item = &'a Alert>) -> Alerts {
    alerts
        .map(|a| ((a.role, a.subject.clone()), a.clone()))
        .collect()
}

/// Pushes the world online as `split` says and checks the invariant.
fn check(seed: u64, senders: usize, days: u32, splits: &[Split]) {
    let batch = world(seed, senders, days);
    let want = batch_alerts(&batch);
    assert!(!want.is_empty(), "world {seed}/{senders} raises alerts");
    let payments = payments_of(&batch);
    for &split in splits {
        let why = format!("world seed {seed}, {senders} senders, {split:?}");
        let mut e = Engine::online(EngineConfig::default()).expect("default configuration");
        // The alerts as the settles' changes tell them.
        let mut told = Alerts::new();
        let mut partial = 0;
        let mut settle = |e: &mut Engine, told: &mut Alerts| {
            let s = e.settle();
            if !s.full {
                partial += 1;
                assert!(
                    s.recomputed > 0 || s.payments == 0,
                    "{why}: a settle recomputes"
                );
                if let Some(d) = e.settlement_differs_from_full_stage() {
                    panic!("{why}: settle {partial} differs from the whole stage: {d}");
                }
            }
            for (subject, role) in &s.cleared {
                assert!(
                    told.remove(&(*role, subject.clone())).is_some(),
                    "{why}: cleared {subject} was alerted"
                );
            }
            for a in s.raised {
                told.insert((a.role, a.subject.clone()), a);
            }
            assert!(e.is_settled());
            assert_eq!(
                *told,
                keyed(e.alerts()),
                "{why}: changes add up to the alerts"
            );
        };
        match split {
            Split::OneByOne => {
                for p in &payments {
                    e.push(p).expect("accepted online");
                }
                assert_eq!(e.unsettled(), payments.len() as u64);
                assert!(!e.is_settled());
            }
            Split::Random { seed, max } => {
                let mut rest = &payments[..];
                for n in sizes(seed, max) {
                    if rest.is_empty() {
                        break;
                    }
                    let (now, later) = rest.split_at(n.min(rest.len()));
                    for p in now {
                        e.push(p).expect("accepted online");
                    }
                    settle(&mut e, &mut told);
                    rest = later;
                }
            }
        }
        settle(&mut e, &mut told);
        if let Split::Random { max, .. } = split {
            // Small batches touch a small neighbourhood: settled by the dirty set.
            if max <= 50 {
                assert!(partial > 0, "{why}: some settles are incremental");
            }
        }
        let got: Vec<Alert> = e.alerts().cloned().collect();
        assert_eq!(got.len(), want.len(), "{why}: number of alerts");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{why}");
            assert_eq!(g.score.to_bits(), w.score.to_bits(), "{why}: score bits");
        }
        // A settled party's score is its alert's.
        for a in got.iter().take(50) {
            let p = e.party_score(&a.subject, a.role).expect("known party");
            assert!(p.alerted && p.settled, "{why}: {} alerted", a.subject);
            assert_eq!(p.score.to_bits(), a.score.to_bits(), "{why}: {}", a.subject);
            assert_eq!(p.indicators, a.indicators, "{why}: {}", a.subject);
            let top = e
                .party_standing(&a.subject, a.role, 3)
                .expect("known party");
            let n = a.indicators.len().min(3);
            assert_eq!(top.indicators, a.indicators[..n], "{why}: {}", a.subject);
            assert_eq!((top.score, top.alerted), (p.score, p.alerted));
        }
        assert_eq!(e.finish().alerts, want, "{why}: finish online");
    }
}

#[test]
fn online_settles_to_the_batch_alerts() {
    use Split::*;
    // (seed, senders, days, splits)
    let cases: &[(u64, usize, u32, &[Split])] = &[
        (
            42,
            400,
            90,
            &[
                OneByOne,
                Random { seed: 1, max: 400 },
                Random { seed: 5, max: 1 },
            ],
        ),
        (
            7,
            800,
            60,
            &[Random { seed: 2, max: 1500 }, Random { seed: 3, max: 40 }],
        ),
        (2026, 1500, 120, &[OneByOne, Random { seed: 4, max: 3000 }]),
    ];
    for &(seed, senders, days, splits) in cases {
        check(seed, senders, days, splits);
    }
}

#[test]
fn online_refuses_a_payment_older_than_its_partys_newest() {
    let batch = world(5, 200, 60);
    let payments = payments_of(&batch);
    let mut e = Engine::online(EngineConfig::default()).expect("default configuration");
    for p in &payments {
        e.push(p).expect("accepted online");
    }
    let last = payments.last().expect("payments");
    let early = payments[0].timestamp;
    let mut again = *last;
    again.txn_id = "LATE-1";
    again.timestamp = early;
    let err = e.push(&again).expect_err("older than its parties' newest");
    assert!(
        matches!(err, spur_engine::RecordError::LateForParty(..)),
        "{err}"
    );
    assert_eq!(err.field(), "timestamp");
    // Refused without a trace: the same id is taken in order, and new
    // parties may come at any time.
    again.timestamp = last.timestamp;
    e.push(&again).expect("in order now");
    let mut stranger = again;
    stranger.txn_id = "LATE-2";
    stranger.sender_id = "NEW-SENDER";
    stranger.receiver_id = "NEW-RECEIVER";
    stranger.timestamp = early;
    e.push(&stranger)
        .expect("new parties have no newer payment");
    let p = e
        .party_score("NEW-SENDER", Role::Sender)
        .expect("known at once");
    assert!(!p.settled, "pushed since the last settle");
    assert!(e.party_score("NEW-SENDER", Role::Receiver).is_none());
    let tolerant = EngineConfig {
        reorder_tolerance_seconds: Some(60),
        ..EngineConfig::default()
    };
    assert!(
        Engine::online(tolerant).is_err(),
        "no reorder buffer online"
    );
}

/// A world the simulator does not make: a receiver paid by more senders
/// than it keeps links for, a sender paying more receivers than it keeps,
/// alias accounts by phone and by name variants, a receiver named only
/// later, and payments at equal times.
/// txn id, time, USD, sender, its country, receiver, its name, its phone.
type Row = (String, i64, f64, String, String, String, String, String);

fn crowded(seed: u64) -> Vec<Row> {
    let mut rnd = sizes(seed, 1 << 30);
    let mut next = move |n: usize| rnd.next().unwrap_or(1) % n;
    let given = [
        "Maria Cristina",
        "Ma. Cristina",
        "Jocelyn",
        "Marites",
        "Ana",
        "Rodel",
    ];
    let family = ["Reyes", "Bautista", "Santos", "Cruz"];
    let start = 1_767_225_600;
    let mut out = Vec::new();
    for k in 0..700 {
        // Every fourth payment goes to R0, from 170 senders in turn.
        let s = match k % 4 {
            0 => (k / 4) % 170,
            _ if k % 7 == 0 => 0,
            _ => next(200),
        };
        let r = match k % 4 {
            0 => 0,
            _ if s == 0 => next(150),
            _ => next(40),
        };
        let name = if r == 7 && k < 300 {
            String::new()
        } else {
            format!(
                "{} {}",
                given[r % given.len()],
                family[(r / 6) % family.len()]
            )
        };
        let phone = if r % 9 == 0 {
            format!("+63917555{:04}", r % 4)
        } else {
            String::new()
        };
        let ts = start + (k as i64 / 3) * 3_600 + next(2) as i64 * 600;
        out.push((
            format!("T{k}"),
            ts,
            20.0 + next(60) as f64,
            format!("S{s}"),
            ["US", "GB", "AU"][s % 3].to_owned(),
            format!("R{r}"),
            name,
            phone,
        ));
    }
    out.sort_by_key(|p| p.1);
    out
}

#[test]
fn online_settles_to_the_batch_alerts_past_the_link_caps() {
    use spur_engine::model::{Channel, Country, Currency, Extra, Payment};
    let mut partial = 0;
    for seed in [1, 2] {
        let rows = crowded(seed);
        let payments: Vec<Payment<'_>> = rows
            .iter()
            .map(|(txn, ts, usd, s, sc, r, name, phone)| Payment {
                txn_id: txn,
                timestamp: *ts,
                amount: *usd,
                currency: Currency::parse(b"USD").expect("USD"),
                sender_id: s,
                sender_country: Country::parse(sc.as_bytes()).expect("country"),
                sender_name: "John Smith",
                receiver_id: r,
                receiver_country: Country::parse(b"PH").expect("PH"),
                receiver_name: name,
                channel: Some(Channel::Remittance),
                message: "",
                extra: Extra {
                    receiver_phone: phone,
                    ..Extra::default()
                },
            })
            .collect();
        let mut batch = Engine::new(EngineConfig::default()).expect("default configuration");
        for p in &payments {
            batch.push(p).expect("accepted");
        }
        let want = batch.finish().alerts;
        assert!(want.len() > 5, "the crowded world raises alerts");
        for max in [1, 30] {
            let mut e = Engine::online(EngineConfig::default()).expect("default configuration");
            let mut rest = &payments[..];
            for n in sizes(seed + max as u64, max) {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(n.min(rest.len()));
                now.iter().for_each(|p| e.push(p).expect("accepted online"));
                if !e.settle().full {
                    partial += 1;
                }
                if let Some(d) = e.settlement_differs_from_full_stage() {
                    panic!("seed {seed}, batches up to {max}: {d}");
                }
                rest = later;
            }
            assert!(
                e.alerts().eq(want.iter()),
                "seed {seed}, batches up to {max}"
            );
        }
    }
    assert!(partial > 0, "some settles are incremental");
}

#[test]
fn alerts_read_back_as_written() {
    let alerts = batch_alerts(&world(11, 600, 90));
    assert!(!alerts.is_empty());
    for a in &alerts {
        let json = serde_json::to_string(a).expect("an alert serialises");
        let back: Alert = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(&back, a);
        assert_eq!(
            serde_json::to_string(&back).expect("again"),
            json,
            "byte for byte"
        );
    }
    let bad = serde_json::to_string(&alerts[0])
        .expect("serialises")
        .replace("T", "t");
    assert!(
        serde_json::from_str::<Alert>(&bad).is_err(),
        "times are RFC 3339"
    );
}

#[test]
fn txn_id_memory_stays_bounded_over_a_long_run() {
    // A year of traffic from the same parties.
    let batch = world(3, 600, 360);
    let payments = payments_of(&batch);
    let newest = payments.last().expect("payments").timestamp;
    let recent = payments
        .iter()
        .filter(|p| p.timestamp >= newest - 90 * spur_engine::model::DAY)
        .count() as u64;
    let mut e = Engine::online(EngineConfig::default()).expect("default configuration");
    let mut most = 0;
    for chunk in payments.chunks(500) {
        chunk
            .iter()
            .for_each(|p| e.push(p).expect("accepted online"));
        e.settle();
        most = most.max(e.state_bytes().txn_ids);
    }
    let held = e.state_bytes();
    let all = payments.len() as u64;
    assert!(
        most * 10 < all * 6,
        "{} of {all} txn ids held at the end, at most {most}; {recent} in the last 90 days",
        held.txn_ids
    );
    assert!(held.txn_ids >= recent, "the last 90 days are all held");
    assert!(held.bytes_per_party > 100.0 && held.total > held.txn_bytes);
    // Forgetting ids changes no alert: evidence ids stay.
    assert!(
        e.alerts().eq(batch_alerts(&batch).iter()),
        "the batch's alerts"
    );
    // A recent id is still a duplicate; one old enough to be forgotten is
    // refused for its time, never taken twice.
    let last = payments.last().expect("payments");
    assert_eq!(e.push(last), Err(spur_engine::RecordError::DuplicateTxn));
    let first = payments[0];
    assert!(matches!(
        e.push(&first),
        Err(spur_engine::RecordError::BeyondMemory(..))
    ));
}

/// A snapshot of a small simulated world, made once.
fn snapshot() -> &'static [u8] {
    static SNAP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SNAP.get_or_init(|| {
        let batch = world(9, 60, 60);
        let mut e = Engine::new(EngineConfig::default()).expect("default configuration");
        for entry in batch.entries() {
            if let Entry::Payment { payment, .. } = entry {
                e.push(&payment).expect("accepted");
            }
        }
        e.snapshot()
    })
}

#[test]
fn a_binary_snapshot_restores_to_the_same_state() {
    let bytes = snapshot();
    assert!(bytes.starts_with(b"SPURSNAP"));
    let mut e = Engine::restore(EngineConfig::default(), bytes).expect("restores");
    assert_eq!(e.snapshot(), bytes, "byte for byte again");
    let other = EngineConfig {
        max_evidence: 7,
        ..EngineConfig::default()
    };
    assert_eq!(
        Engine::restore(other, bytes).err(),
        Some(spur_engine::SnapshotError::Config)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Bad bytes are refused or give a usable engine; never a panic.
    #[test]
    fn a_mutated_snapshot_is_refused_or_restored_never_a_panic(
        edits in proptest::collection::vec((0usize..1 << 20, proptest::prelude::any::<u8>()), 1..8),
        cut in proptest::option::of(0usize..1 << 20),
    ) {
        let mut bytes = snapshot().to_vec();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        if let Ok(mut e) = Engine::restore(EngineConfig::default(), &bytes) {
            let out = e.finish();
            proptest::prop_assert!(out.stats.payments < u64::MAX);
        }
    }

    #[test]
    fn random_bytes_are_refused(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        let mut bytes = b"SPURSNAP".to_vec();
        bytes.extend(tail);
        proptest::prop_assert!(Engine::restore(EngineConfig::default(), &bytes).is_err());
    }
}

#[test]
fn an_online_engine_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    // A server keeps one behind a lock and settles it from another task.
    shared::<Engine>();
    shared::<spur_engine::Settled>();
    shared::<spur_engine::PartyScore>();
}

#[test]
fn online_rejects_read_as_docs_input_format_says() {
    use spur_engine::{DisplayTime, RecordError};
    let t = 1_770_112_800; // 2026-02-03T10:00:00Z
    let cases = [
        (
            RecordError::LateForParty(600, "sender", DisplayTime(t)),
            "is 600 s older than a payment of the sender already scored (2026-02-03T10:00:00Z); online, each party's payments are scored in time order",
        ),
        (
            RecordError::BeyondMemory(86_400, DisplayTime(t - 90 * 86_400)),
            "is 86400 s older than the engine's txn id memory reaches (2025-11-05T10:00:00Z: 90 days before the newest payment); load an older period into a new database",
        ),
    ];
    for (err, want) in cases {
        assert_eq!(err.to_string(), want);
        assert_eq!(err.field(), "timestamp");
    }
}

/// Every party's standing in both roles, as `party_score` gives it.
fn standings(e: &Engine, ids: &[(&str, &str)]) -> Vec<Option<spur_engine::PartyScore>> {
    ids.iter()
        .flat_map(|(s, r)| {
            [
                e.party_score(s, Role::Sender),
                e.party_score(r, Role::Receiver),
            ]
        })
        .collect()
}

#[test]
fn an_engine_that_adopts_another_ones_settles_scores_as_if_it_settled() {
    // A year, so that txn ids are let go of on the way (at the same
    // payment in every engine fed the same payments).
    let batch = world(3, 600, 360);
    let payments = payments_of(&batch);
    let (before, after) = payments.split_at(payments.len() / 3);
    // The writer, and the reference that settles itself at the same points.
    let mut writer = Engine::online(EngineConfig::default()).expect("default configuration");
    let mut reference = Engine::online(EngineConfig::default()).expect("default configuration");
    for p in before {
        writer.push(p).expect("accepted online");
        reference.push(p).expect("accepted online");
    }
    writer.settle();
    reference.settle();
    // The settler: the writer's snapshot, online, its txn ids as held.
    let mut settler = writer.fork().expect("forks");
    let mut sizes = sizes(11, 400);
    let mut rest = after;
    let mut adopted = 0;
    while !rest.is_empty() {
        let n = sizes.next().expect("endless").min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        for p in chunk {
            writer.push(p).expect("accepted online");
            settler.push(p).expect("accepted online");
            reference.push(p).expect("accepted online");
        }
        // Settled every other chunk; the writer takes a few payments more
        // before it adopts (they stay unsettled).
        adopted += 1;
        if adopted % 2 == 1 {
            continue;
        }
        settler.settle();
        reference.settle();
        let extra = rest.len().min(7);
        let (late, tail) = rest.split_at(extra);
        rest = tail;
        for p in late {
            writer.push(p).expect("accepted online");
            settler.push(p).expect("accepted online");
            reference.push(p).expect("accepted online");
        }
        let net = settler.settled_net().expect("settled");
        assert_eq!(net.payments() + extra as u64, writer.stats().payments);
        assert_eq!(net.alerts, reference.alerts().len());
        writer.adopt_settled(net).expect("same history");
        let ids: Vec<(&str, &str)> = chunk
            .iter()
            .chain(late)
            .map(|p| (p.sender_id, p.receiver_id))
            .collect();
        assert_eq!(
            standings(&writer, &ids),
            standings(&reference, &ids),
            "standings after {} payments",
            writer.stats().payments
        );
        assert!(late.iter().all(|p| !writer
            .party_score(p.sender_id, Role::Sender)
            .expect("seen")
            .settled));
        assert_eq!(
            writer.state_bytes().txn_ids,
            reference.state_bytes().txn_ids
        );
    }
    assert!(
        writer.state_bytes().txn_ids < payments.len() as u64 * 6 / 10,
        "the writer let go of old txn ids without settling itself"
    );
    // Its own settle, after adopting, is the whole stage and ends as the
    // reference does.
    let own = writer.settle();
    assert!(own.full);
    reference.settle();
    assert!(writer.alerts().eq(reference.alerts()));
    assert_eq!(
        writer
            .adopt_settled(reference.settled_net().expect("settled"))
            .err(),
        None
    );
    let mut fresh = Engine::online(EngineConfig::default()).expect("default configuration");
    let net = reference.settled_net().expect("settled");
    assert!(matches!(
        fresh.adopt_settled(net),
        Err(spur_engine::AdoptError::Ahead { .. })
    ));
}
