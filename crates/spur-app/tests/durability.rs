//! The durability promise, with kill -9: a payment acknowledged is never
//! lost and never counted twice. A real process (src/bin/live_ingest.rs:
//! `Live` over a SQLite file, verdicts printed only when `submit` returned)
//! takes simulated payments in groups; the test kills it with SIGKILL at
//! random moments, starts it again and sends everything again, until one
//! run goes through. (The same against `spur serve` over HTTP belongs with
//! the server's tests once it takes payments.)

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spur_store::ManualClock;

/// The writer process (src/bin/live_ingest.rs), built by cargo for the
/// integration tests.
fn live_ingest() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_live_ingest"))
}

/// A small deterministic generator (xorshift), for the kill moments.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn every_acknowledged_payment_survives_kill_9_exactly_once() {
    let cfg = spur_sim::SimConfig {
        senders: 800,
        seed: 5,
        ..Default::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).unwrap();
    let total = csv.iter().filter(|&&b| b == b'\n').count() - 1;
    assert!(total > 1000, "{total}");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spur.db");
    let bin = live_ingest();
    let mut rng = Rng(0x5eed_2026);
    // Every verdict of every run, by txn id.
    let mut accepted: HashMap<String, usize> = HashMap::new();
    // Kills that came after some acknowledgements and before the end.
    let mut kills_midway = 0;
    let mut kills = 0;
    // How long a run that went through took (a first guess until one did).
    let mut whole_run_ms = 1500u64;
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 60, "never finished: {kills} kills");
        let mut child = Command::new(&bin)
            .arg(&db)
            .arg((20 + rng.below(200)).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = csv.clone();
        let feeder = std::thread::spawn(move || {
            // A broken pipe is the child killed: fine.
            let _ = stdin.write_all(&input);
        });
        // Kill at a random moment within how long a whole run takes here,
        // unless this run is the last (once three kills landed midway,
        // every third run is let through).
        let started = Instant::now();
        let kill_at = (kills_midway < 3 || runs % 3 != 0)
            .then(|| started + Duration::from_millis(rng.below(whole_run_ms.max(20))));
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let mut this_run: Vec<(String, String)> = Vec::new();
        let mut killed = false;
        loop {
            match lines_rx.recv_timeout(Duration::from_millis(5)) {
                Ok(line) => {
                    let (status, txn) = line.split_once(' ').unwrap();
                    this_run.push((status.to_owned(), txn.to_owned()));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
            if !killed && kill_at.is_some_and(|t| Instant::now() >= t) {
                // SIGKILL: no clean-up of any kind.
                child.kill().unwrap();
                killed = true;
            }
        }
        let status = child.wait().unwrap();
        reader.join().unwrap();
        feeder.join().unwrap();
        for (status, txn) in &this_run {
            match status.as_str() {
                "accepted" => {
                    // Never accepted twice, in this run or an earlier one.
                    let n = accepted.entry(txn.clone()).or_default();
                    *n += 1;
                    assert_eq!(*n, 1, "{txn} accepted twice");
                }
                // One never acknowledged may be a duplicate too: its commit
                // made it before the kill, its acknowledgement did not.
                "duplicate" => {}
                other => panic!("{txn}: {other}"),
            }
        }
        // Every payment acknowledged in an earlier run answers as a
        // duplicate (checked above: accepted again would count twice).
        if killed {
            kills += 1;
            if !this_run.is_empty() && this_run.len() < total {
                kills_midway += 1;
            }
            continue;
        }
        if kill_at.is_some() {
            // It ended before the moment came: a whole run, not the last;
            // the next kills come within its time.
            whole_run_ms = started.elapsed().as_millis() as u64;
            continue;
        }
        assert!(status.success(), "the last run failed: {status}");
        assert_eq!(
            this_run.len(),
            total,
            "the run that went through answered every payment"
        );
        break;
    }
    assert!(
        kills_midway >= 3,
        "{kills} kills, {kills_midway} of them midway"
    );
    // The store: every payment exactly once in the log, the txn count right,
    // and every acknowledged one among them.
    let clock = Arc::new(ManualClock::new(0));
    let mut store = spur_store::open(&format!("sqlite:{}", db.display()), clock).unwrap();
    let mut logged: HashMap<String, usize> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.read_log(after, 64).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for chunk in &page {
            for p in chunk.decode().unwrap() {
                *logged.entry(p.txn_id.to_owned()).or_default() += 1;
            }
        }
    }
    assert_eq!(logged.len(), total);
    assert!(logged.values().all(|&n| n == 1), "a payment logged twice");
    assert_eq!(store.log_head().unwrap().txns as usize, total);
    for txn in accepted.keys() {
        assert!(logged.contains_key(txn), "{txn} acknowledged, then lost");
    }
    // Accepted in some run + never acknowledged (committed just before a
    // kill) = all; the acknowledged ones are a subset of the logged ones.
    assert!(accepted.len() <= total);
    store.verify_audit().unwrap();
}
