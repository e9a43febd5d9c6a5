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
