//! `spur match` between two real processes: `spur serve` over institution
//! b's database on 127.0.0.1, and `spur match --mode both` from institution
//! a's: one audited run per mode, both in one transcript, none of a's
//! identifiers in it. All synthetic (`spur simulate --institutions 2`).

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::Workdir;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `spur serve` on a free port over `db`; its address once it answers.
fn serve(dir: &Workdir, db: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = dir
        .command(&["--db", db, "serve", "--listen", &addr], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "spur serve did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, format!("http://{addr}"))
}

#[test]
fn match_both_modes_against_a_running_server_in_one_command() {
    let dir = Workdir::new("match-both");
    dir.spur(&[
        "simulate",
        "--out",
        "w",
        "--senders",
        "800",
        "--days",
        "30",
        "--seed",
        "4",
        "--institutions",
        "2",
    ])
    .ok();
    for side in ["a", "b"] {
        scanned(&dir, side);
    }
    let token = peer_token(&dir, "b.db", "bank-a");
    let (_server, url) = serve(&dir, "b.db");
    let said = dir
        .spur(&[
            "--db",
            "a.db",
            "--user",
            "ana",
            "match",
            "--peer",
            &url,
            "--token",
            &token,
            "--mode",
            "both",
            "--transcript",
            "t.jsonl",
        ])
        .ok();
    let out = &said.stdout;
    let same = out.find("spur match (same-side)").expect("a same-side run");
    let cross = out
        .find("spur match (cross-border)")
        .expect("a cross-border run");
    assert!(same < cross, "{out}");
    assert!(!out.contains("same-side): offered 0 items"), "{out}");
    // Same side, both lists: receivers and, from the suspected customers
    // both firms offered, customers.
    assert!(out.contains("alerted senders (customers)"), "{out}");
    assert!(out.contains("Chapman estimate of customers"), "{out}");
    // Two runs of four messages each in the one transcript.
    let transcript = dir.read("t.jsonl");
    assert_eq!(transcript.lines().count(), 8, "{transcript}");
    // None of a's receiver or payment ids crossed.
    let payments = dir.read("w/a/payments.csv");
    let mut checked = 0;
    for line in payments.lines().skip(1).take(300) {
        let cols: Vec<&str> = line.split(',').collect();
        for id in [cols[0], cols[7]] {
            if id.len() >= 6 {
                assert!(!transcript.contains(id), "{id} crossed");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
    // The run's alerted lists are kept: `spur stats` writes the customers'
    // capture–recapture estimate (k = 1 here: a tiny world).
    dir.spur(&[
        "--db", "a.db", "--user", "ana", "stats", "--out", "s", "--k", "1",
    ])
    .ok();
    let population = dir.read("s/population.csv");
    let customers = population
        .lines()
        .find(|l| l.starts_with("1,customers,"))
        .unwrap_or_else(|| panic!("{population}"));
    let cols: Vec<&str> = customers.split(',').collect();
    let (here, there, both, estimate): (f64, f64, f64, f64) = (
        cols[2].parse().unwrap(),
        cols[3].parse().unwrap(),
        cols[4].parse().unwrap(),
        cols[5].parse().unwrap(),
    );
    assert!(estimate >= here + there - both, "{customers}");
    assert!(
        out.contains(&format!(
            "alerted senders (customers): {here} here, {there} there, {both} on both"
        )),
        "{out}"
    );
    // A mode that does not exist is refused by the flag parser.
    dir.spur(&[
        "--db", "a.db", "--user", "ana", "match", "--peer", &url, "--token", &token, "--mode",
        "all",
    ])
    .fails_with(&["all"]);
}

#[test]
fn estimate_from_three_lists_fits_a_log_linear_model_and_names_bad_lines() {
    let dir = Workdir::new("estimate");
    // Three independent lists of 1,000 parties catching 30%, 40% and 50%:
    // the expected counts of the seven histories (list 1 first).
    dir.write(
        "h.csv",
        "history,count\n100,90\n010,140\n110,60\n001,210\n101,90\n011,140\n111,60\n",
    );
    let said = dir.spur(&["estimate", "--histories", "h.csv"]).ok();
    assert!(
        said.stdout.contains("3 lists, 790 parties seen"),
        "{}",
        said.stdout
    );
    assert!(said.stdout.contains("independent lists"), "{}", said.stdout);
    assert!(
        said.stdout.contains("estimated 1000 in all"),
        "{}",
        said.stdout
    );
    dir.write("bad.csv", "history,count\n100,5\n100,6\n");
    dir.spur(&["estimate", "--histories", "bad.csv"])
        .fails_with(&["bad.csv, line 3, history", "given twice"]);
}

/// Institution `side`'s database from its slice of the split world, with an
/// admin and an analyst.
fn scanned(dir: &Workdir, side: &str) -> String {
    let db = format!("{side}.db");
    dir.spur(&[
        "--db",
        &db,
        "scan",
        &format!("w/{side}/payments.csv"),
        "--alerts",
        &format!("w/{side}/alerts.jsonl"),
    ])
    .ok();
    for (name, role) in [("ada", "admin"), ("ana", "analyst")] {
        dir.spur(&[
            "--db", &db, "--user", "ada", "user", "add", name, "--role", role,
        ])
        .ok();
    }
    db
}

/// A `peer` user `name` in `db` and its token.
fn peer_token(dir: &Workdir, db: &str, name: &str) -> String {
    dir.spur(&[
        "--db", db, "--user", "ada", "user", "add", name, "--role", "peer",
    ])
    .ok();
    dir.spur(&[
        "--db", db, "--user", "ada", "token", "create", "--for", name,
    ])
    .ok()
    .stdout
    .trim()
    .to_owned()
}

#[test]
fn census_of_three_institutions_gathers_histories_from_two_running_servers() {
    let dir = Workdir::new("census");
    dir.spur(&[
        "simulate",
        "--out",
        "w",
        "--senders",
        "900",
        "--days",
        "30",
        "--seed",
        "4",
        "--institutions",
        "3",
    ])
    .ok();
    scanned(&dir, "a");
    let mut servers = Vec::new();
    let mut args: Vec<String> = ["--db", "a.db", "--user", "ana", "census"]
        .map(String::from)
        .to_vec();
    for side in ["b", "c"] {
        let db = scanned(&dir, side);
        let token = peer_token(&dir, &db, "hub");
        let (server, url) = serve(&dir, &db);
        servers.push(server);
        args.extend(["--peer".into(), url, "--token".into(), token]);
    }
    args.extend(["--out", "h", "--transcript", "t.jsonl"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let said = dir.spur(&args).ok();
    let out = &said.stdout;
    assert!(out.contains("spur census: 3 lists"), "{out}");
    assert!(
        out.contains("receivers scored 0.5 or more: 3 lists"),
        "{out}"
    );
    assert!(out.contains("suspected customers: 3 lists"), "{out}");
    // The histories file is what `spur estimate` reads, and gives the same line.
    let histories = dir.read("h/receivers.csv");
    assert_eq!(histories.lines().count(), 8, "{histories}");
    let estimate = dir
        .spur(&["estimate", "--histories", "h/receivers.csv"])
        .ok()
        .stdout;
    let line = estimate.trim_start_matches("spur estimate: ").trim_end();
    assert!(out.contains(line), "{out}\n---\n{estimate}");
    // Three messages each way per server and a finish: 2 × 4 requests.
    let transcript = dir.read("t.jsonl");
    assert_eq!(transcript.lines().count(), 16, "{transcript}");
    let payments = dir.read("w/a/payments.csv");
    for line in payments.lines().skip(1).take(300) {
        let cols: Vec<&str> = line.split(',').collect();
        for id in [cols[4], cols[7]] {
            assert!(id.len() < 6 || !transcript.contains(id), "{id} crossed");
        }
    }
    // `spur stats` publishes the latest census's estimates (k = 1 here: a
    // tiny world), the same as printed, and verifies them.
    dir.spur(&[
        "--db", "a.db", "--user", "ana", "stats", "--out", "s", "--k", "1",
    ])
    .ok();
    let census = dir.read("s/census.csv");
    let receivers = census
        .lines()
        .find(|l| l.contains(",3,receivers,"))
        .unwrap_or_else(|| panic!("{census}"));
    let cols: Vec<&str> = receivers.split(',').collect();
    let seen = cols[3];
    assert!(
        out.contains(&format!(
            "receivers scored 0.5 or more: 3 lists, {seen} parties seen"
        )),
        "{out}\n{census}"
    );
    let estimate: f64 = cols[4].parse().unwrap();
    assert!(
        out.contains(&format!("estimated {estimate:.0} in all")),
        "{out}\n{census}"
    );
    dir.spur(&[
        "--db", "a.db", "--user", "ana", "stats", "verify", "--dir", "s",
    ])
    .ok();
    // One --token per --peer.
    dir.spur(&[
        "--db",
        "a.db",
        "--user",
        "ana",
        "census",
        "--peer",
        "http://127.0.0.1:9",
        "--peer",
        "http://127.0.0.1:9",
        "--token",
        "x",
    ])
    .fails_with(&["2 peers and 1 tokens"]);
}
