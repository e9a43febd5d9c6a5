//! `spur stats`: aggregate figures from a database, small cells suppressed,
//! the same bytes every run, and `spur stats verify` naming an edited file.
//! All data synthetic (`spur simulate`).

mod common;

use common::Workdir;

/// A simulated world scanned into s.db, with an auditor to read it.
fn world(dir: &Workdir) {
    world_in(dir, "s.db", "w", "1500", "5");
}

/// A simulated world of `senders` senders (seed `seed`) in folder `out`,
/// scanned into `db`, with an admin and an auditor.
fn world_in(dir: &Workdir, db: &str, out: &str, senders: &str, seed: &str) {
    dir.spur(&[
        "simulate",
        "--out",
        out,
        "--senders",
        senders,
        "--seed",
        seed,
    ])
    .ok();
    let (payments, alerts) = (format!("{out}/payments.csv"), format!("{out}/alerts.jsonl"));
    dir.spur(&["--db", db, "scan", &payments, "--alerts", &alerts])
        .ok();
    dir.spur(&[
        "--db", db, "--user", "ada", "user", "add", "ada", "--role", "admin",
    ])
    .ok();
    dir.spur(&[
        "--db", db, "--user", "ada", "user", "add", "aud", "--role", "auditor",
    ])
    .ok();
}

fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn stats_suppress_small_cells_repeat_byte_for_byte_and_verify() {
    let dir = Workdir::new("stats");
    world(&dir);
    let stats = |out: &str, k: &str| {
        dir.spur(&[
            "--db", "s.db", "--user", "aud", "stats", "--out", out, "--k", k,
        ])
        .ok()
    };
    let said = stats("a", "5");
    assert!(said.stdout.contains("10 files in a"), "{}", said.stdout);

    // Every count of parties shown describes at least k of them; some
    // cells are suppressed and some are not.
    let corridors = rows(&dir.read("a/suspects_by_month_corridor.csv"));
    assert!(corridors.len() > 3, "{corridors:?}");
    let (mut shown, mut hidden) = (0, 0);
    for r in &corridors {
        for cell in [&r[3], &r[4]] {
            if cell.is_empty() {
                hidden += 1;
            } else {
                assert!(cell.parse::<u64>().unwrap() >= 5, "{r:?}");
                shown += 1;
            }
        }
    }
    assert!(
        shown > 0 && hidden > 0,
        "shown {shown}, suppressed {hidden}"
    );
    let amounts = rows(&dir.read("a/amounts.csv"));
    let in_show: u64 = amounts
        .iter()
        .filter(|r| r[4] == "true")
        .filter_map(|r| r[2].parse::<u64>().ok())
        .sum();
    assert!(
        in_show > 0,
        "suspects' payments at a show's price: {amounts:?}"
    );
    for chart in ["amounts.svg", "funnel.svg", "corridors.svg"] {
        assert!(
            dir.read(&format!("a/{chart}")).starts_with("<svg"),
            "{chart}"
        );
    }
    // The grid shows each corridor's published counts and "< k" for the rest.
    let grid = dir.read("a/corridors.svg");
    assert!(grid.contains("&lt; k") && grid.contains("→PH"), "{grid}");
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("a/manifest.json")).unwrap();
    assert_eq!(manifest["k"], 5);
    assert_eq!(manifest["files"].as_object().unwrap().len(), 9);
    // No match run or census in this database: those tables have their
    // header only.
    assert_eq!(
        dir.read("a/population.csv"),
        "run,list,here,there,on_both,estimate,low_95,high_95\n"
    );
    assert_eq!(
        dir.read("a/census.csv"),
        "run,lists,list,seen,estimate,low_95,high_95,model\n"
    );

    // The same database and k: the same bytes.
    stats("b", "5");
    for f in [
        "suspects_by_month_corridor.csv",
        "amounts.csv",
        "funnel.csv",
        "figures.json",
        "amounts.svg",
        "funnel.svg",
        "corridors.svg",
        "manifest.json",
    ] {
        assert_eq!(
            dir.read(&format!("a/{f}")),
            dir.read(&format!("b/{f}")),
            "{f}"
        );
    }
    // A larger k shows less.
    stats("c", "50");
    let big = rows(&dir.read("c/suspects_by_month_corridor.csv"));
    let shown_50 = big.iter().filter(|r| !r[3].is_empty()).count();
    let shown_5 = corridors.iter().filter(|r| !r[3].is_empty()).count();
    assert!(shown_50 < shown_5, "{shown_50} vs {shown_5}");

    dir.spur(&[
        "--db", "s.db", "--user", "aud", "stats", "verify", "--dir", "a",
    ])
    .ok();
    // An edited figure is found and named.
    let edited = dir.read("a/amounts.csv").replacen("true", "false", 1);
    dir.write("a/amounts.csv", &edited);
    dir.spur(&[
        "--db", "s.db", "--user", "aud", "stats", "verify", "--dir", "a",
    ])
    .fails_with(&["amounts.csv differ"]);
    // And a k of 0 is refused; a user who may not read is too.
    dir.spur(&[
        "--db", "s.db", "--user", "aud", "stats", "--out", "d", "--k", "0",
    ])
    .fails_with(&["--k must be at least 1"]);
    dir.spur(&["--db", "s.db", "--user", "nobody", "stats", "--out", "d"])
        .fails_with(&["nobody"]);
}

#[test]
fn stats_with_epsilon_release_noisy_counts_once_keep_them_and_verify() {
    let dir = Workdir::new("stats-dp");
    world(&dir);
    let stats = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "--db", "s.db", "--user", "aud", "stats", "--out", out, "--k", "5",
        ];
        args.extend_from_slice(extra);
        dir.spur(&args).ok()
    };
    // A large budget: the noise scale is 0.1, so the released cells do not
    // hang on the draw (the draws themselves are tested in spur-app).
    let said = stats("e1", &["--epsilon", "40"]);
    assert!(
        said.stdout.contains("differential privacy"),
        "{}",
        said.stdout
    );
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("e1/manifest.json")).unwrap();
    let privacy = &manifest["privacy"];
    assert_eq!(privacy["epsilon"], 40.0);
    assert_eq!(privacy["max_cells"], 1);
    assert_eq!(privacy["max_payments"], 30);
    assert_eq!(privacy["max_usd"], 3000);
    let tables = privacy["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 7, "four counts and three sums");
    let mut spent = 0.0;
    let threshold = |name: &str| {
        tables.iter().find(|t| t["table"] == name).unwrap()["threshold"]
            .as_u64()
            .unwrap()
    };
    for t in tables {
        spent += t["epsilon"].as_f64().unwrap();
        assert!(t["delta"].as_f64().unwrap() <= 1e-6 / 4.0 * 1.000001, "{t}");
        match t["threshold"].as_u64() {
            Some(threshold) => assert!(threshold >= 5, "{t}"),
            // A sum: its noise is scaled to what one party adds at most.
            None => assert!(t["bound"].as_u64().unwrap() >= 30, "{t}"),
        }
    }
    assert!(spent <= 40.0 * 1.000001, "spent {spent}");
    assert!(
        !manifest.to_string().contains("seed"),
        "no seed is published"
    );

    // Only noisy counts of released keys, each at least its threshold, and
    // the noisy sums of their payments and USD; no share.
    let corridors = rows(&dir.read("e1/suspects_by_month_corridor.csv"));
    assert!(
        !corridors.is_empty(),
        "some corridor released at epsilon 40"
    );
    for r in &corridors {
        for (cell, table) in [
            (&r[3], "suspected_customers"),
            (&r[4], "suspected_facilitators"),
        ] {
            if !cell.is_empty() {
                assert!(cell.parse::<u64>().unwrap() >= threshold(table), "{r:?}");
            }
        }
        assert!(r[5].is_empty(), "{r:?}");
        assert!(
            r[6].parse::<u64>().is_ok() && r[7].parse::<f64>().is_ok(),
            "{r:?}"
        );
    }
    // Every amount bucket's payments are released (the buckets are public).
    for r in rows(&dir.read("e1/amounts.csv")) {
        assert!(r[2].parse::<u64>().is_ok(), "{r:?}");
    }
    // With bounds no party reaches and next to no noise, the sums are the
    // exact ones: the bounding and the payments' owners lose nothing.
    stats("exact", &[]);
    stats(
        "loose",
        &[
            "--epsilon",
            "1000000000",
            "--max-payments",
            "100000",
            "--max-usd",
            "100000",
        ],
    );
    let exact: std::collections::BTreeMap<String, (String, f64)> =
        rows(&dir.read("exact/suspects_by_month_corridor.csv"))
            .into_iter()
            .filter(|r| !r[6].is_empty())
            .map(|r| (r[..3].join(","), (r[6].clone(), r[7].parse().unwrap())))
            .collect();
    let mut compared = 0;
    for r in rows(&dir.read("loose/suspects_by_month_corridor.csv")) {
        if let Some((payments, usd)) = exact.get(&r[..3].join(",")) {
            assert_eq!(&r[6], payments, "{r:?}");
            let n: f64 = payments.parse().unwrap();
            assert!(
                (r[7].parse::<f64>().unwrap() - usd).abs() <= 0.01 * n + 0.01,
                "{r:?} {usd}"
            );
            compared += 1;
        }
    }
    assert!(compared > 0, "no corridor in both");

    // Drawn once: the same settings give the same bytes (the kept release);
    // other settings draw anew.
    stats("e2", &["--epsilon", "40"]);
    for f in [
        "suspects_by_month_corridor.csv",
        "amounts.csv",
        "funnel.csv",
        "figures.json",
        "manifest.json",
    ] {
        assert_eq!(
            dir.read(&format!("e1/{f}")),
            dir.read(&format!("e2/{f}")),
            "{f}"
        );
    }
    stats("e3", &["--epsilon", "40", "--delta", "0.00001"]);
    let release = |d: &str| {
        let m: serde_json::Value =
            serde_json::from_str(&dir.read(&format!("{d}/manifest.json"))).unwrap();
        m["privacy"]["release"].as_str().unwrap().to_owned()
    };
    assert_ne!(release("e1"), release("e3"));
    // Three releases drawn in all (e1, loose, e3), each audited once.
    let audit = dir
        .spur(&[
            "--db", "s.db", "--user", "aud", "audit", "log", "--action", "stats",
        ])
        .ok()
        .stdout;
    assert_eq!(audit.matches("stats.noise").count(), 3, "{audit}");

    let verify = |d: &str| {
        dir.spur(&[
            "--db", "s.db", "--user", "aud", "stats", "verify", "--dir", d,
        ])
    };
    verify("e1").ok();
    let edited = dir.read("e1/funnel.csv");
    let mut lines: Vec<String> = edited.lines().map(str::to_owned).collect();
    assert!(lines.len() > 1, "a month of the funnel released: {edited}");
    let cols: Vec<&str> = lines[1].split(',').collect();
    let bumped = cols[1].parse::<u64>().unwrap() + 1;
    lines[1] = format!(
        "{},{bumped}{}",
        cols[0],
        &lines[1][cols[0].len() + 1 + cols[1].len()..]
    );
    dir.write("e1/funnel.csv", &(lines.join("\n") + "\n"));
    verify("e1").fails_with(&["funnel.csv differ"]);
    // Another database has not got the release: verify says so, draws nothing.
    world_in(&dir, "t.db", "w2", "300", "6");
    dir.spur(&[
        "--db", "t.db", "--user", "aud", "stats", "verify", "--dir", "e2",
    ])
    .fails_with(&["is not in this database"]);
    // Flags that make no release are refused.
    dir.spur(&[
        "--db",
        "s.db",
        "--user",
        "aud",
        "stats",
        "--out",
        "x",
        "--epsilon",
        "0",
    ])
    .fails_with(&["--epsilon 0 is not a positive number"]);
}
