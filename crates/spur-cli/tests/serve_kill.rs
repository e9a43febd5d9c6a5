//! The durability promise against a real `spur serve` process: a client
//! posts simulated payments in batches; the test kills the server with
//! SIGKILL at random points of its progress, starts it again and re-sends everything.
//! Every payment acknowledged `accepted` is then in the store exactly once,
//! re-sent ones are answered `duplicate`, and the counts add up.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

const SPUR: &str = env!("CARGO_BIN_EXE_spur");

fn spur(db: &str, args: &[&str]) -> String {
    let out = Command::new(SPUR)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SPUR_USER")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "spur {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Simulated payments as canonical JSON objects, in time order.
fn simulated(senders: usize) -> Vec<Value> {
    let mut csv = Vec::new();
    let cfg = spur_sim::SimConfig {
        seed: 3,
        senders,
        days: 30,
        ..spur_sim::SimConfig::default()
    };
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut o = serde_json::Map::new();
            for (k, v) in header.iter().zip(r.iter()) {
                if !v.is_empty() {
                    o.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            }
            Value::Object(o)
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `spur serve` and waits until it answers.
fn serve(db: &str, port: u16, agent: &ureq::Agent) -> Child {
    let child = Command::new(SPUR)
        .args([
            "--db",
            db,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("SPUR_USER")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while agent
        .get(&format!("http://127.0.0.1:{port}/healthz"))
        .call()
        .is_err()
    {
        assert!(Instant::now() < deadline, "spur serve did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

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
fn payments_acknowledged_by_spur_serve_survive_kill_9_exactly_once() {
    let payments = simulated(400);
    let total = payments.len();
    assert!(total > 1000, "{total}");
    // Every round but the last is killed midway.
    const KILLS: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spur.db").display().to_string();
    spur(
        &db,
        &["user", "add", "ada", "--role", "admin", "--user", "ada"],
    );
    spur(
        &db,
        &["user", "add", "feed", "--role", "ingest", "--user", "ada"],
    );
    let token = spur(&db, &["token", "create", "--for", "feed", "--user", "ada"])
        .trim()
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted: HashMap<String, u32> = HashMap::new();
    // How far the client has come over all rounds: every payment before it
    // was answered once.
    let mut reached = 0usize;
    for round in 0..=KILLS {
        let last = round == KILLS;
        let port = free_port();
        let mut server = serve(&db, port, &agent);
        let pid = server.id();
        let url = format!("http://127.0.0.1:{port}/v1/payments");
        // The killer is armed by progress, not by the clock, so that a slow
        // or a fast machine both see the kill land midway: once the client
        // passes a random point beyond what earlier rounds reached (within
        // the first half of what is left), SIGKILL lands a few milliseconds
        // later, while batches fly. No shutdown, no checkpoint, no flush.
        let kill_at = (!last).then(|| {
            let span = (total - reached) / 2;
            reached + 1 + rng.below(span as u64) as usize
        });
        let delay = Duration::from_millis(rng.below(4));
        let mut killer = None;
        let mut answered = 0usize;
        let mut broke = false;
        let mut at = 0;
        while at < total {
            if killer.is_none() && kill_at.is_some_and(|k| at >= k) {
                killer = Some(std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let killed = Command::new("kill").args(["-9", &pid.to_string()]).status();
                    assert!(killed.is_ok_and(|s| s.success()), "kill -9 {pid} failed");
                }));
            }
            let size = 1 + rng.below(150) as usize;
            let batch = &payments[at..(at + size).min(total)];
            let body = Value::Array(batch.to_vec()).to_string();
            let answer = agent
                .post(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .send(body.as_str());
            // A request the dying server could not answer, or answered
            // with anything but 200 and a whole body, is not acknowledged.
            let Ok(mut answer) = answer else {
                broke = true;
                break;
            };
            if answer.status().as_u16() != 200 {
                broke = true;
                break;
            }
            let Ok(v) = answer.body_mut().read_json::<Value>() else {
                broke = true;
                break;
            };
            let results = v["results"].as_array().unwrap();
            assert_eq!(results.len(), batch.len());
            let mut counts = (0u64, 0u64);
            for r in results {
                let txn = r["txn_id"].as_str().unwrap().to_owned();
                match r["status"].as_str().unwrap() {
                    "accepted" => {
                        counts.0 += 1;
                        let n = accepted.entry(txn.clone()).or_default();
                        *n += 1;
                        assert_eq!(
                            *n, 1,
                            "{txn} accepted twice: an acknowledged payment was lost"
                        );
                    }
                    "duplicate" => counts.1 += 1,
                    other => panic!("{txn}: {other}: {r}"),
                }
            }
            // The counts add up.
            assert_eq!(v["accepted"].as_u64(), Some(counts.0));
            assert_eq!(v["duplicate"].as_u64(), Some(counts.1));
            answered += batch.len();
            at += batch.len();
        }
        reached = reached.max(answered);
        match killer {
            Some(k) => {
                k.join().unwrap();
                server.wait().unwrap();
                assert!(
                    broke && answered < total,
                    "round {round}: the kill armed at {kill_at:?} landed after all \
                     {total} payments were answered"
                );
            }
            None => {
                // The last round sends everything and stops gracefully.
                assert!(last && !broke, "round {round} broke without a kill");
                assert_eq!(answered, total);
                let stopped = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
                assert!(stopped.is_ok_and(|s| s.success()));
                server.wait().unwrap();
            }
        }
    }
    // Every payment once in the log, the txn count right, each acknowledged one there.
    let clock = Arc::new(spur_store::ManualClock::new(0));
    let mut store = spur_store::open(&format!("sqlite:{db}"), clock).unwrap();
    let mut logged: HashMap<String, u32> = HashMap::new();
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
}
