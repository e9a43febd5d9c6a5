//! Time and order: input order in a batch, late payments beyond the tolerance, after finish, yesterday then today, a latecomer in an early-applied batch, a payment from the future.

use super::*;

#[test]
fn order_of_input_does_not_matter_in_a_batch() {
    let run = |reverse: bool| {
        let mut s = Script::new();
        let buyer = p("S-BUY", "Gary Whitfield", "US");
        let mut pays: Vec<i64> = (0..20).collect();
        if reverse {
            pays.reverse();
        }
        for k in pays {
            s.n = k as u32;
            s.pay(
                us_night(k * 2, k),
                &buyer,
                &FACILITATORS[(k % 3) as usize],
                50.0,
                "USD",
                "",
            );
        }
        s.alerts()
    };
    assert_eq!(run(false), run(true));
}

#[test]
fn late_records_beyond_the_tolerance_are_refused() {
    let cfg = EngineConfig {
        reorder_tolerance_seconds: Some(3600),
        ..Default::default()
    };
    let mut s = Script::with(cfg);
    let a = p("S1", "A B", "US");
    let b = p("R1", "C D", "PH");
    for k in 0..5000 {
        s.pay(T0 + k * 60, &a, &b, 10.0, "USD", "");
    }
    // The engine has applied everything up to an hour before the newest payment.
    let late = s.pay_full(T0, &a, &b, 10.0, "USD", "", Channel::Bank, Extra::default());
    assert!(matches!(late, Err(RecordError::Late(_))), "{late:?}");
    // Within the tolerance is fine.
    assert!(s
        .pay_full(
            T0 + 4990 * 60,
            &a,
            &b,
            10.0,
            "USD",
            "",
            Channel::Bank,
            Extra::default()
        )
        .is_ok());
}

/// `finish` settles what it applied, as a snapshot does: a later payment
/// older than it is refused as late, a newer one is taken and scored with
/// the rest.
#[test]
fn after_finish_older_payments_are_late_and_newer_ones_count() {
    let mut s = Script::new();
    let a = p("S1", "Gary Whitfield", "US");
    let b = p("R1", "Maria Santos", "PH");
    s.pay(T0, &a, &b, 30.0, "USD", "");
    s.pay(T0 + DAY, &a, &b, 30.0, "USD", "");
    let first = s.engine.finish();
    assert_eq!(first.stats.payments, 2);
    let mut pay_at = |t| s.pay_full(t, &a, &b, 30.0, "USD", "", Channel::Bank, Extra::default());
    let late = pay_at(T0 + HOUR);
    assert!(
        matches!(late, Err(RecordError::BehindState(..))),
        "{late:?}"
    );
    let newer = pay_at(T0 + 2 * DAY);
    assert!(newer.is_ok(), "{newer:?}");
    assert_eq!(s.engine.finish().stats.payments, 3);
}

#[test]
fn yesterday_then_today_equals_both_at_once() {
    let buyer = p("S-BUY", "Gary Whitfield", "US");
    let light = p("S-LIGHT", "Tom Reed", "GB");
    let pays = |s: &mut Script, days: std::ops::Range<i64>| {
        for k in days {
            s.n = 2 * k as u32;
            s.pay(
                us_night(k * 2, k),
                &buyer,
                &FACILITATORS[(k % 4) as usize],
                45.0,
                "USD",
                "",
            );
            if k == 15 {
                s.pay(
                    us_night(k * 2, k) + HOUR,
                    &light,
                    &FACILITATORS[0],
                    30.0,
                    "GBP",
                    "gift",
                );
            }
        }
    };
    let mut both = Script::new();
    pays(&mut both, 0..30);
    let want = both.alerts();
    assert!(!want.is_empty());

    let mut yesterday = Script::new();
    pays(&mut yesterday, 0..12);
    let state = yesterday.engine.snapshot();
    let mut today = Script {
        engine: Engine::restore(EngineConfig::default(), &state).unwrap(),
        n: 0,
        ids: Vec::new(),
    };
    pays(&mut today, 12..30);
    assert_eq!(today.alerts(), want);

    // Another alert threshold is fine; other risk parameters are not.
    let lower = EngineConfig {
        alert_threshold: 0.3,
        ..Default::default()
    };
    assert!(Engine::restore(lower, &state).is_ok());
    let mut other = EngineConfig::default();
    other.risk.low_value_usd = [5.0, 300.0];
    assert_eq!(
        Engine::restore(other, &state).err(),
        Some(spur_engine::SnapshotError::Config)
    );
    assert!(matches!(
        Engine::restore(EngineConfig::default(), b"{}"),
        Err(spur_engine::SnapshotError::Unreadable(_))
    ));
}

/// Large batches are applied early while they come in time order; a payment
/// arriving after later ones were applied is still put in its place.
#[test]
fn early_applied_batch_takes_a_latecomer_in_its_place() {
    let run = |order: &[usize]| {
        let mut s = Script::new();
        let buyers: Vec<Party> = (0..50)
            .map(|i| {
                p(
                    Box::leak(format!("S{i}").into_boxed_str()),
                    "Gary Hill",
                    "US",
                )
            })
            .collect();
        let facs: Vec<Party> = (0..20)
            .map(|i| {
                p(
                    Box::leak(format!("R{i}").into_boxed_str()),
                    "Jocelyn Bautista",
                    "PH",
                )
            })
            .collect();
        for &k in order {
            s.n = k as u32;
            let k = k as i64;
            s.pay(
                T0 + k * 97,
                &buyers[(k % 50) as usize],
                &facs[(k * 7 % 20) as usize],
                40.0,
                "USD",
                "",
            );
        }
        s.alerts()
    };
    let n = 140_000;
    let sorted: Vec<usize> = (0..n).collect();
    let mut late = sorted.clone();
    // The very first payment comes last: R0's first_seen depends on it.
    let moved = late.remove(0);
    late.push(moved);
    let want = run(&sorted);
    assert!(
        want.iter().any(|a| a.subject == "R0" && a.first_seen == T0),
        "{:?}",
        want.iter()
            .map(|a| (&a.subject, a.first_seen))
            .collect::<Vec<_>>()
    );
    assert_eq!(run(&late), want);
}

/// The defect: one payment dated 9999 settled the windows in the year 9999,
/// and every later run refused every payment as late.
#[test]
fn a_payment_from_the_future_does_not_settle_the_windows() {
    let mut s = Script::new();
    s.engine.set_now(T0 + 10 * DAY);
    let a = p("S1", "Gary Whitfield", "US");
    let b = p("R1", "Maria Santos", "PH");
    s.pay(T0, &a, &b, 30.0, "USD", "");
    let future = s.pay_full(
        253_370_764_800,
        &a,
        &b,
        30.0,
        "USD",
        "",
        Channel::Bank,
        Extra::default(),
    );
    assert!(
        matches!(future, Err(RecordError::InFuture(..))),
        "{future:?}"
    );
    let state = s.engine.snapshot();
    let mut next = Engine::restore(EngineConfig::default(), &state).unwrap();
    next.set_now(T0 + 10 * DAY);
    let later = next.push(&Payment {
        txn_id: "T-NEXT",
        timestamp: T0 + DAY,
        amount: 30.0,
        currency: Currency::parse(b"USD").unwrap(),
        sender_id: "S1",
        sender_country: Country::parse(b"US").unwrap(),
        sender_name: "",
        receiver_id: "R1",
        receiver_country: Country::parse(b"PH").unwrap(),
        receiver_name: "",
        channel: None,
        message: "",
        extra: Extra::default(),
    });
    assert_eq!(later, Ok(()));
    // Older than the stored state: refused, saying what to do.
    let older = next.push(&Payment {
        txn_id: "T-OLD",
        timestamp: T0 - DAY,
        amount: 30.0,
        currency: Currency::parse(b"USD").unwrap(),
        sender_id: "S1",
        sender_country: Country::parse(b"US").unwrap(),
        sender_name: "",
        receiver_id: "R1",
        receiver_country: Country::parse(b"PH").unwrap(),
        receiver_name: "",
        channel: None,
        message: "",
        extra: Extra::default(),
    });
    let msg = older.unwrap_err().to_string();
    assert!(
        msg.contains("older than the newest payment already scored (2026-01-05T00:00:00Z)"),
        "{msg}"
    );
    assert!(msg.contains("new database"), "{msg}");
}
