//! Property tests: timestamp formatting round-trips, metric bounds on arbitrary alerts.

use proptest::prelude::*;
use spur_sim::{evaluate, Timestamp};

proptest! {
    #[test]
    fn rfc3339_round_trips(secs in 0i64..253_402_300_799) {
        let t = Timestamp(secs);
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
    }

    #[test]
    fn metrics_stay_in_bounds(labels in prop::collection::vec(any::<bool>(), 1..40), scores in prop::collection::vec(prop::option::of(0.0f64..1.0), 40)) {
        let mut truth = String::from("party_id,role,label\n");
        let mut alerts = String::new();
        for (i, positive) in labels.iter().enumerate() {
            truth.push_str(&format!("S{i},sender,{}\n", if *positive { "osec_offender" } else { "family_sender" }));
            if let Some(s) = scores[i] {
                alerts.push_str(&format!("{{\"subject\":\"S{i}\",\"role\":\"sender\",\"score\":{s}}}\n"));
            }
        }
        let r = evaluate(truth.as_bytes(), alerts.as_bytes(), None::<&[u8]>).expect("evaluate");
        for m in [&r.sender, &r.overall] {
            for x in [m.precision, m.recall, m.f1, m.average_precision] {
                prop_assert!((0.0..=1.0).contains(&x));
            }
            prop_assert!(m.average_precision <= m.recall + 1e-12);
        }
    }
}
