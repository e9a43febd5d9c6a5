//! The typologies found: a heavy customer with several facilitators, a facilitator through its fan-in and its light customers through it, alias accounts and rings.

use super::*;

#[test]
fn heavy_customer_with_several_facilitators() {
    let mut s = Script::new();
    let buyer = p("S-BUY", "Gary Whitfield", "US");
    for k in 0..24 {
        let to = &FACILITATORS[(k % 4) as usize];
        s.pay(
            us_night(k * 3, k),
            &buyer,
            to,
            [40.0, 50.0, 60.0][(k % 3) as usize],
            "USD",
            if k % 3 == 0 { "school fees" } else { "" },
        );
    }
    let alerts = s.alerts();
    let a = alerted(&alerts, "S-BUY", Role::Sender).expect("customer alerted");
    assert!(a.score >= 0.8, "{a:?}");
    let c = codes(&a);
    for code in ["P-MULTIBEN", "P-FREQ", "P-HOURS", "P-NOTIES", "P-LOWVAL"] {
        assert!(c.contains(&code), "{code} missing from {c:?}");
    }
    let sum: f64 = a.indicators.iter().map(|f| f.contribution).sum();
    assert!(
        (sum - a.score).abs() < 0.01,
        "contributions add up to the score"
    );
    assert_eq!(a.transactions.len(), 24);
    assert_eq!(a.first_seen, us_night(0, 0));
}

#[test]
fn facilitator_found_through_fanin_and_light_customers_through_it() {
    let mut s = Script::new();
    let fac = p("R-FAC", "Ma. Lourdes Santos", "PH");
    let customers = [
        p("S-C1", "John Miller", "US"),
        p("S-C2", "Peter Hansen", "DK"),
        p("S-C3", "David Clarke", "GB"),
        p("S-C4", "Mark Wilson", "AU"),
        p("S-C5", "Thomas Becker", "DE"),
        p("S-C6", "Brian Foster", "CA"),
    ];
    for (k, c) in customers.iter().enumerate() {
        let k = k as i64;
        let cur = ["USD", "DKK", "GBP", "AUD", "EUR", "CAD"][k as usize];
        let amt = [50.0, 300.0, 30.0, 80.0, 40.0, 60.0][k as usize];
        // Light buyers: two payments each, ten days apart.
        s.pay(T0 + (k * 5) * DAY + 9 * HOUR, c, &fac, amt, cur, "");
        s.pay(
            T0 + (k * 5 + 10) * DAY + 10 * HOUR,
            c,
            &fac,
            amt,
            cur,
            "gift",
        );
    }
    let alerts = s.alerts();
    let f = alerted(&alerts, "R-FAC", Role::Receiver).expect("facilitator alerted");
    assert!(codes(&f).contains(&"R-FANIN"), "{f:?}");
    for c in &customers {
        let a = alerted(&alerts, c.id, Role::Sender)
            .unwrap_or_else(|| panic!("{} not alerted: {alerts:#?}", c.id));
        let shared = a
            .indicators
            .iter()
            .find(|x| x.code == "P-SHARED")
            .expect("propagated from the receiver");
        assert_eq!(shared.parties, vec!["R-FAC".to_owned()]);
        assert!(
            shared.reason.starts_with("pays R-FAC (receiver score"),
            "{}",
            shared.reason
        );
    }
}

#[test]
fn alias_accounts_and_rings() {
    let mut s = Script::new();
    let a1 = p("R-A1", "Ma. Cristina Reyes", "PH");
    let a2 = p("R-A2", "MARIA CRISTINA REYES", "PH");
    let a3 = p("R-A3", "M. C. Reyes", "PH");
    let b = p("R-B", "Jocelyn Bautista", "PH");
    let buyers: Vec<Party> = (0..6)
        .map(|i| {
            p(
                Box::leak(format!("S-B{i}").into_boxed_str()),
                ["Gary Hill", "Ron West", "Tim Shaw"][i % 3],
                ["US", "GB", "AU"][i % 3],
            )
        })
        .collect();
    for (i, c) in buyers.iter().enumerate() {
        let i = i as i64;
        s.pay(
            us_night(i, i),
            c,
            [&a1, &a2, &a3][(i % 3) as usize],
            50.0,
            "USD",
            "",
        );
        s.pay(
            us_night(i + 20, i + 1),
            c,
            [&a2, &a3, &a1][(i % 3) as usize],
            50.0,
            "USD",
            "",
        );
        if i % 2 == 0 {
            s.pay(us_night(i + 40, i + 2), c, &b, 60.0, "USD", "");
        }
    }
    let alerts = s.alerts();
    let r = alerted(&alerts, "R-A3", Role::Receiver).expect("alias account alerted");
    let alias = r
        .indicators
        .iter()
        .find(|f| f.code == "R-ALIAS")
        .expect("R-ALIAS");
    assert_eq!(alias.parties, vec!["R-A1".to_owned(), "R-A2".to_owned()]);
    let rb = alerted(&alerts, "R-B", Role::Receiver).expect("ring member alerted");
    assert!(codes(&rb).contains(&"R-RING"), "{rb:?}");
}

#[test]
fn a_large_ring_lists_the_same_partners_in_any_input_order() {
    // 40 facilitator accounts, each with its own light customers, and two
    // customers who pay all of them: every account has 39 ring partners, more
    // than R-RING lists.
    const N: usize = 40;
    let surnames = [
        "Reyes",
        "Bautista",
        "Garcia",
        "Mendoza",
        "Santos",
        "Aquino",
        "Villanueva",
        "Ramos",
    ];
    let given = ["Jocelyn", "Maricel", "Rowena", "Analyn", "Rosario"];
    let fac: Vec<Party> = (0..N)
        .map(|j| {
            p(
                Box::leak(format!("R-F{j:02}").into_boxed_str()),
                Box::leak(format!("{} {}", given[j % 5], surnames[j % 8]).into_boxed_str()),
                "PH",
            )
        })
        .collect();
    let buyer = |tag: String, k: usize| {
        p(
            Box::leak(tag.into_boxed_str()),
            ["Gary Hill", "Ron West", "Tim Shaw", "Karl Lund"][k % 4],
            ["US", "GB", "AU", "NO"][k % 4],
        )
    };
    let mut pays: Vec<(i64, Party, usize)> = Vec::new();
    for j in 0..N {
        for k in 0..5 {
            pays.push((
                us_night(k as i64 * 3, j as i64 % 50),
                buyer(format!("S-{j:02}-{k}"), k),
                j,
            ));
        }
        // One pays the accounts in one order, the other in the reverse.
        pays.push((us_night(20 + j as i64, 0), buyer("S-C0".into(), 0), j));
        pays.push((us_night(80 - j as i64, 1), buyer("S-C1".into(), 1), j));
    }
    let run = |order: &[usize]| {
        let mut s = Script::new();
        for &i in order {
            let (ts, from, to) = &pays[i];
            s.n = i as u32;
            s.pay(*ts, from, &fac[*to], 50.0, "USD", "");
        }
        s.alerts()
    };
    let forward: Vec<usize> = (0..pays.len()).collect();
    let backward: Vec<usize> = forward.iter().rev().copied().collect();
    let mixed: Vec<usize> = (0..pays.len()).map(|i| (i * 37) % pays.len()).collect();
    let a = run(&forward);
    let ring = |alerts: &[Alert], id: &str| {
        alerted(alerts, id, Role::Receiver)
            .and_then(|r| r.indicators.into_iter().find(|f| f.code == "R-RING"))
            .map(|f| f.parties)
    };
    let listed = ring(&a, "R-F07").expect("R-RING for a ring member");
    assert_eq!(listed.len(), 32, "{listed:?}");
    assert!(!listed.contains(&"R-F07".to_owned()));
    assert_eq!(a, run(&backward));
    assert_eq!(a, run(&mixed));
}
