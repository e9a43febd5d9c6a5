//! Property tests over the whole engine: it never panics on any payment, and
//! a batch's alerts do not depend on the order the payments came in.

use proptest::prelude::*;
use spur_engine::model::{Channel, Country, Currency, Extra, Payment, DAY};
use spur_engine::{Engine, EngineConfig};

#[derive(Clone, Debug)]
struct Pay {
    ts: i64,
    amount: f64,
    currency: usize,
    sender: usize,
    receiver: usize,
    message: usize,
}

const CURRENCIES: [&str; 5] = ["USD", "AUD", "GBP", "PHP", "XYZ"];
const SENDERS: [(&str, &str, &str); 5] = [
    ("S1", "Gary Whitfield", "US"),
    ("S2", "Jun Dela Cruz", "SA"),
    ("S3", "", "GB"),
    ("S4", "Brightpath Digital LLC", "AU"),
    ("S5", "Peter Hansen", "DK"),
];
const RECEIVERS: [(&str, &str, &str); 5] = [
    ("R1", "Ma. Cristina Reyes", "PH"),
    ("R2", "MARIA CRISTINA REYES", "PH"),
    ("R3", "Erlinda Dela Cruz", "PH"),
    ("R4", "Somsak Saetang", "TH"),
    ("R5", "Hope Foundation Inc.", "PH"),
];
const MESSAGES: [&str; 5] = [
    "",
    "school fees",
    "ingat kayo po",
    "INV-22",
    "hospital visa",
];

fn pay() -> impl Strategy<Value = Pay> {
    (
        0i64..(120 * DAY),
        0.01f64..2000.0,
        0..5usize,
        0..5usize,
        0..5usize,
        0..5usize,
    )
        .prop_map(|(ts, amount, currency, sender, receiver, message)| Pay {
            ts: 1_767_225_600 + ts,
            amount: (amount * 100.0).round() / 100.0 + 0.01,
            currency,
            sender,
            receiver,
            message,
        })
}

fn run(pays: &[(usize, Pay)]) -> String {
    let mut e = Engine::new(EngineConfig::default()).unwrap();
    for (n, p) in pays {
        let id = format!("T{n}");
        let (sid, sname, sc) = SENDERS[p.sender];
        let (rid, rname, rc) = RECEIVERS[p.receiver];
        // Unknown currencies are refused, everything else taken.
        let _ = e.push(&Payment {
            txn_id: &id,
            timestamp: p.ts,
            amount: p.amount,
            currency: Currency::parse(CURRENCIES[p.currency].as_bytes()).unwrap(),
            sender_id: sid,
            sender_country: Country::parse(sc.as_bytes()).unwrap(),
            sender_name: sname,
            receiver_id: rid,
            receiver_country: Country::parse(rc.as_bytes()).unwrap(),
            receiver_name: rname,
            channel: Some(Channel::Remittance),
            message: MESSAGES[p.message],
            extra: Extra::default(),
        });
    }
    let out = e.finish();
    for a in &out.alerts {
        assert!((0.0..=1.0).contains(&a.score));
        let sum: f64 = a.indicators.iter().map(|f| f.contribution).sum();
        assert!(
            (sum - a.score).abs() < 0.01,
            "contributions {sum} vs score {}",
            a.score
        );
    }
    serde_json::to_string(&out.alerts).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn alerts_do_not_depend_on_input_order(pays in prop::collection::vec(pay(), 1..150), seed in any::<u64>()) {
        // Distinct times, so that time order is total.
        let mut numbered: Vec<(usize, Pay)> = pays.into_iter().enumerate().map(|(i, mut p)| { p.ts += i as i64; (i, p) }).collect();
        let sorted = run(&numbered);
        // A deterministic shuffle.
        let mut x = seed | 1;
        for i in (1..numbered.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            numbered.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(sorted, run(&numbered));
    }
}

/// A payment with values at the edges of what the intake takes: amounts
/// from the smallest positive `f64` to the maxima, times across the years
/// goAML accepts, ids of any text (empty, long, control characters).
#[derive(Clone, Debug)]
struct Edge {
    ts: i64,
    amount: f64,
    currency: usize,
    txn: String,
    sender: String,
    receiver: String,
    name: String,
    payout: Option<i64>,
}

fn edge() -> impl Strategy<Value = Edge> {
    let amount = prop_oneof![
        0.01f64..2000.0,
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(spur_engine::MAX_AMOUNT),
        Just(spur_engine::MAX_USD),
        1e9f64..1e16,
        1e30f64..1e300,
    ];
    let ts = prop_oneof![
        Just(spur_engine::MIN_TIMESTAMP),
        Just(spur_engine::MAX_TIMESTAMP),
        spur_engine::MIN_TIMESTAMP..=spur_engine::MAX_TIMESTAMP,
        1_767_225_600i64..1_767_225_600 + 90 * DAY,
    ];
    let id = prop_oneof![Just(String::new()), "(?s).{0,60}", "S[0-3]"];
    (
        ts,
        amount,
        0..5usize,
        "(?s).{0,20}",
        id.clone(),
        id,
        "(?s).{0,30}",
        prop::option::of(any::<i64>()),
    )
        .prop_map(
            |(ts, amount, currency, txn, sender, receiver, name, payout)| Edge {
                ts,
                amount,
                currency,
                txn,
                sender,
                receiver,
                name,
                payout,
            },
        )
}

fn push_edge(e: &mut Engine, p: &Edge) -> Result<(), spur_engine::RecordError> {
    e.push(&Payment {
        txn_id: &p.txn,
        timestamp: p.ts,
        amount: p.amount,
        currency: Currency::parse(CURRENCIES[p.currency].as_bytes()).unwrap(),
        sender_id: &p.sender,
        sender_country: Country::parse(b"US").unwrap(),
        sender_name: &p.name,
        receiver_id: &p.receiver,
        receiver_country: Country::parse(b"PH").unwrap(),
        receiver_name: &p.name,
        channel: Some(Channel::Remittance),
        message: &p.name,
        extra: Extra {
            payout_time: p.payout,
            ..Extra::default()
        },
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the intake accepts, a snapshot keeps: the restored engine
    /// takes and refuses the same later payments and gives the same alerts
    /// as the engine it was taken from (an amount of 1e39 once made the
    /// state unreadable: "null" where an infinity was).
    #[test]
    fn a_snapshot_survives_every_accepted_value(
        before in prop::collection::vec(edge(), 1..60),
        after in prop::collection::vec(edge(), 0..30),
    ) {
        let cfg = EngineConfig { alert_threshold: 0.0, ..EngineConfig::default() };
        let mut original = Engine::new(cfg.clone()).unwrap();
        for p in &before {
            let _ = push_edge(&mut original, p);
        }
        let bytes = original.snapshot();
        let mut restored = Engine::restore(cfg, &bytes);
        prop_assert!(restored.is_ok(), "{:?}", restored.as_ref().err());
        let restored = restored.as_mut().unwrap();
        prop_assert_eq!(restored.snapshot(), bytes);
        for p in &after {
            prop_assert_eq!(push_edge(&mut original, p), push_edge(restored, p));
        }
        let a = serde_json::to_string(&original.finish().alerts).unwrap();
        let b = serde_json::to_string(&restored.finish().alerts).unwrap();
        prop_assert_eq!(a, b);
    }
}
