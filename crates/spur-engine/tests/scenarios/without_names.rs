//! Records without names: conduct alone tells shops, sponsorships and a household's providers from a facilitator.

use super::*;

/// A party without a name, as in records that carry none.
fn unnamed(id: String, country: &'static str) -> Party {
    p(Box::leak(id.into_boxed_str()), "", country)
}

#[test]
fn without_names_conduct_tells_shops_and_sponsorships_from_a_facilitator() {
    // No names anywhere: the institution's records carry none.
    let shop = unnamed("R-SHOP".into(), "PH");
    let sponsored = unnamed("R-SPONSORED".into(), "PH");
    let fac = unnamed("R-FAC".into(), "PH");
    let west = ["US", "GB", "AU", "DE", "CA", "NO"];
    let run = |cfg: EngineConfig| {
        let mut s = Script::with(cfg);
        // Travellers paying a shop by card during their trips, in its daytime.
        for t in 0..12 {
            let c = unnamed(format!("S-T{t}"), west[t % 6]);
            for k in 0..3 {
                let day = (t as i64) * 6 + k;
                let ts = T0 + day * DAY + 2 * HOUR + k * HOUR;
                s.pay_full(
                    ts,
                    &c,
                    &shop,
                    30.0 + 10.0 * k as f64,
                    "USD",
                    "",
                    Channel::Card,
                    Extra::default(),
                )
                .unwrap();
            }
        }
        // Sponsors giving one fixed amount every month.
        for d in 0..8 {
            let c = unnamed(format!("S-D{d}"), west[d % 6]);
            for m in 0..4 {
                s.pay(
                    us_day(m * 30 + d as i64 % 3),
                    &c,
                    &sponsored,
                    35.0,
                    "USD",
                    "",
                );
            }
        }
        // Customers of a facilitator: light buyers at night in their time.
        for k in 0..6 {
            let c = unnamed(format!("S-C{k}"), west[k % 6]);
            let k = k as i64;
            s.pay(us_night(k * 5, k), &c, &fac, 50.0, "USD", "");
            s.pay(us_night(k * 5 + 10, k + 1), &c, &fac, 60.0, "USD", "");
        }
        s.alerts()
    };
    let alerts = run(EngineConfig::default());
    let ids: Vec<&str> = alerts.iter().map(|a| a.subject.as_str()).collect();
    assert!(ids.contains(&"R-FAC"), "{alerts:#?}");
    for quiet in ["R-SHOP", "R-SPONSORED", "S-T0", "S-T5", "S-D0", "S-D7"] {
        assert!(!ids.contains(&quiet), "{quiet} alerted: {alerts:#?}");
    }
    // Without reading conduct, the shop and its customers look like a
    // facilitator and its customers.
    let mut blind = EngineConfig::default();
    blind.conduct.shop_min_payers = u32::MAX;
    blind.conduct.sponsor_min_payers = u32::MAX;
    let alerts = run(blind);
    let ids: Vec<&str> = alerts.iter().map(|a| a.subject.as_str()).collect();
    assert!(ids.contains(&"R-SHOP") && ids.contains(&"S-T0"), "{ids:?}");
}

#[test]
fn without_names_a_households_providers_are_told_by_their_regular_gaps() {
    let mother = unnamed("R-MOTHER".into(), "PH");
    let sister = unnamed("R-SISTER".into(), "PH");
    let fac = unnamed("R-FAC".into(), "PH");
    let run = |cfg: EngineConfig| {
        let mut s = Script::with(cfg);
        // Three relatives abroad each send small amounts every week, in
        // their daytime, to the mother and the sister.
        for r in 0..3i64 {
            let c = unnamed(format!("S-REL{r}"), ["US", "CA", "US"][r as usize]);
            for w in 0..12i64 {
                let to = if w % 2 == 0 { &mother } else { &sister };
                let amount = [40.0, 55.0, 45.0, 60.0][(w % 4) as usize];
                s.pay(
                    us_day(w * 7 + r) + (w % 3) * HOUR,
                    &c,
                    to,
                    amount,
                    "USD",
                    "",
                );
            }
        }
        // A customer buying shows when he wants them, at night in his time.
        let buyer = unnamed("S-BUYER".into(), "US");
        for (k, day) in [0i64, 1, 5, 6, 7, 19, 20, 33, 34, 50, 51, 52]
            .iter()
            .enumerate()
        {
            s.pay(us_night(*day, k as i64), &buyer, &fac, 45.0, "USD", "");
        }
        for k in 0..5i64 {
            let c = unnamed(
                format!("S-C{k}"),
                ["GB", "AU", "DE", "NO", "CA"][k as usize],
            );
            s.pay(us_night(k * 6, k), &c, &fac, 50.0, "USD", "");
            s.pay(us_night(k * 6 + 9, k + 1), &c, &fac, 60.0, "USD", "");
        }
        s.alerts()
    };
    let alerts = run(EngineConfig::default());
    let ids: Vec<&str> = alerts.iter().map(|a| a.subject.as_str()).collect();
    assert!(
        ids.contains(&"R-FAC") && ids.contains(&"S-BUYER"),
        "{ids:?}"
    );
    for quiet in ["S-REL0", "S-REL1", "S-REL2", "R-MOTHER", "R-SISTER"] {
        assert!(!ids.contains(&quiet), "{quiet} alerted: {alerts:#?}");
    }
    // Without reading their gaps, the relatives look like customers.
    let mut blind = EngineConfig::default();
    blind.conduct.household_factor = 1.0;
    let alerts = run(blind);
    let ids: Vec<&str> = alerts.iter().map(|a| a.subject.as_str()).collect();
    assert!(ids.iter().any(|id| id.starts_with("S-REL")), "{ids:?}");
}
