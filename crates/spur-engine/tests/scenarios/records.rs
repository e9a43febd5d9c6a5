//! What the intake takes as a record and what it refuses, each with its reason.

use super::*;

#[test]
fn records_are_checked() {
    let mut s = Script::new();
    let a = p("S1", "A B", "US");
    let b = p("R1", "C D", "PH");
    assert_eq!(
        s.pay_full(T0, &a, &b, 10.0, "XYZ", "", Channel::Bank, Extra::default()),
        Err(RecordError::UnknownCurrency("XYZ".into()))
    );
    s.n = 0;
    s.pay(T0, &a, &b, 10.0, "USD", "");
    s.n = 0;
    assert_eq!(
        s.pay_full(T0, &a, &b, 10.0, "USD", "", Channel::Bank, Extra::default()),
        Err(RecordError::DuplicateTxn)
    );
}

/// What the intake refuses as a record, each with its own reason, and the
/// edges it still takes.
#[test]
fn intake_refuses_values_out_of_range_as_records() {
    use spur_engine::{MAX_AMOUNT, MAX_TIMESTAMP, MAX_USD, MIN_TIMESTAMP};
    // 2026-01-05: the caller's clock at ingestion.
    let now = T0;
    // (time, amount, currency, None if taken, else (field, reason))
    type Case<'a> = (i64, f64, &'a str, Option<(&'a str, &'a str)>);
    let cases: &[Case] = &[
        (T0, 45.0, "USD", None),
        (MIN_TIMESTAMP, 45.0, "USD", None),
        (MIN_TIMESTAMP - 1, 45.0, "USD", Some(("timestamp", "1752-12-31T23:59:59Z is outside the years 1753-9999"))),
        (MAX_TIMESTAMP + 1, 45.0, "USD", Some(("timestamp", "253402300800 s from 1970 is outside the years"))),
        (i64::MIN, 45.0, "USD", Some(("timestamp", "outside the years 1753-9999"))),
        // Within the years, but after the clock.
        (MAX_TIMESTAMP, 45.0, "USD", Some(("timestamp", "9999-12-31T23:59:59Z is 251634729599 s after the clock at ingestion (2026-01-05T00:00:00Z)"))),
        (now + DAY, 45.0, "USD", None),
        (now + DAY + 1, 45.0, "USD", Some(("timestamp", "future_margin_seconds"))),
        (T0, MAX_USD, "USD", None),
        (T0, MAX_USD * 1.01, "USD", Some(("amount", "above the maximum of 1e12 USD"))),
        (T0, 1e39, "USD", Some(("amount", "amount 1e39 is above the maximum of 1e15"))),
        (T0, f64::MAX, "PHP", Some(("amount", "above the maximum of 1e15 in any currency"))),
        (T0, MAX_AMOUNT, "VND", None),
        (T0, MAX_AMOUNT, "PHP", Some(("amount", "USD, above the maximum of 1e12 USD"))),
        (T0, 5e-324, "USD", None),
        (T0, 0.0, "USD", Some(("amount", "positive"))),
        (T0, f64::INFINITY, "USD", Some(("amount", "positive"))),
    ];
    let a = p("S1", "A B", "US");
    let b = p("R1", "C D", "PH");
    for &(ts, amount, cur, want) in cases {
        let mut s = Script::new();
        s.engine.set_now(now);
        let got = s.pay_full(ts, &a, &b, amount, cur, "", Channel::Bank, Extra::default());
        match (want, got) {
            (None, Ok(())) => {}
            (Some((field, reason)), Err(e)) => {
                assert_eq!(e.field(), field, "{ts} {amount}: {e}");
                assert!(e.to_string().contains(reason), "{ts} {amount}: {e}");
            }
            (want, got) => panic!("{ts} {amount} {cur}: wanted {want:?}, got {got:?}"),
        }
    }
}
