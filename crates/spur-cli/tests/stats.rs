//! `spur stats`: aggregate figures from a database, small cells suppressed,
//! the same bytes every run, and `spur stats verify` naming an edited file.
//! All data synthetic (`spur simulate`).

mod common;

use common::Workdir;

/// A simulated world scanned into s.db, with an auditor to read it.
fn world(dir: &Workdir) {
    dir.spur(&["simulate", "--out", "w", "--senders", "1500", "--seed", "5"])
        .ok();
    dir.spur(&[
        "--db",
        "s.db",
        "scan",
        "w/payments.csv",
        "--alerts",
        "w/alerts.jsonl",
    ])
    .ok();
    dir.spur(&[
        "--db", "s.db", "--user", "ada", "user", "add", "ada", "--role", "admin",
    ])
    .ok();
    dir.spur(&[
        "--db", "s.db", "--user", "ada", "user", "add", "aud", "--role", "auditor",
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
    assert!(said.stdout.contains("6 files in a"), "{}", said.stdout);

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
    assert!(dir.read("a/amounts.svg").starts_with("<svg"));
    let manifest: serde_json::Value = serde_json::from_str(&dir.read("a/manifest.json")).unwrap();
    assert_eq!(manifest["k"], 5);
    assert_eq!(manifest["files"].as_object().unwrap().len(), 5);

    // The same database and k: the same bytes.
    stats("b", "5");
    for f in [
        "suspects_by_month_corridor.csv",
        "amounts.csv",
        "funnel.csv",
        "figures.json",
        "amounts.svg",
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
