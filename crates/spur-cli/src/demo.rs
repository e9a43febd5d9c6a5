//! `spur simulate` and `spur demo`: synthetic traffic with ground truth,
//! scanned and evaluated in one go, then told in plain words.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use spur_engine::{Alert, EngineConfig, Role};
use spur_sim::{SimConfig, SimSummary};
use spur_store::{OpenMode, UserRole};

use crate::terminal::visible;
use spur_app::scan::{self, ScanOptions};

pub fn simulate(
    out: &Path,
    seed: u64,
    senders: Option<usize>,
    days: Option<u32>,
    vary: bool,
) -> Result<SimSummary> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut cfg = if vary {
        SimConfig::varied(seed)
    } else {
        SimConfig {
            seed,
            ..SimConfig::default()
        }
    };
    if let Some(n) = senders {
        cfg.senders = n;
    }
    if let Some(d) = days {
        cfg.days = d;
    }
    let create = |name: &str| -> Result<BufWriter<File>> {
        let p = out.join(name);
        Ok(BufWriter::with_capacity(
            1 << 20,
            File::create(&p).with_context(|| format!("cannot create {}", p.display()))?,
        ))
    };
    if vary {
        // What was drawn, so that a varied world can be described and reproduced.
        let mut f = create("world.json")?;
        serde_json::to_writer_pretty(&mut f, &cfg)?;
        writeln!(f)?;
        f.flush()?;
    }
    let summary = spur_sim::simulate(&cfg, create("payments.csv")?, create("truth.csv")?)?;
    Ok(summary)
}

/// Splits OUT/payments.csv and OUT/truth.csv between `n` institutions:
/// OUT/a, OUT/b, ... each with its payments.csv and truth.csv.
pub fn split(
    out: &Path,
    mode: spur_sim::SplitMode,
    seed: u64,
    n: usize,
) -> Result<spur_sim::SplitSummary> {
    let open = |name: &str| -> Result<BufReader<File>> {
        let p = out.join(name);
        Ok(BufReader::new(
            File::open(&p).with_context(|| format!("cannot open {}", p.display()))?,
        ))
    };
    let create = |dir: &str, name: &str| -> Result<BufWriter<File>> {
        let d = out.join(dir);
        fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
        let p = d.join(name);
        Ok(BufWriter::new(File::create(&p).with_context(|| {
            format!("cannot create {}", p.display())
        })?))
    };
    let names = &INSTITUTIONS[..n.min(INSTITUTIONS.len())];
    let mut payments = names
        .iter()
        .map(|d| create(d, "payments.csv"))
        .collect::<Result<Vec<_>>>()?;
    let mut truths = names
        .iter()
        .map(|d| create(d, "truth.csv"))
        .collect::<Result<Vec<_>>>()?;
    let summary = spur_sim::split(
        mode,
        seed,
        open("payments.csv")?,
        open("truth.csv")?,
        payments.iter_mut().map(|w| w as &mut dyn Write).collect(),
        truths.iter_mut().map(|w| w as &mut dyn Write).collect(),
    )?;
    for w in payments.iter_mut().chain(truths.iter_mut()) {
        w.flush()?;
    }
    Ok(summary)
}

/// The folders of a split world's institutions, in order.
pub const INSTITUTIONS: [&str; spur_sim::MAX_INSTITUTIONS] = ["a", "b", "c", "d", "e"];

pub fn run(
    out: &Path,
    seed: u64,
    senders: Option<usize>,
    days: Option<u32>,
    vary: bool,
    cfg: EngineConfig,
    serve: Option<SocketAddr>,
) -> Result<()> {
    let mut say = io::stdout().lock();
    let t = Instant::now();
    let sim = simulate(out, seed, senders, days, vary)?;
    writeln!(
        say,
        "spur demo: simulated {} payments between {} senders and {} receivers (seed {seed}) in {:.1} s",
        sim.payments,
        sim.senders,
        sim.receivers,
        t.elapsed().as_secs_f64()
    )?;
    let opts = ScanOptions {
        input: out.join("payments.csv"),
        format: None,
        alerts: Some(out.join("alerts.jsonl")),
        rejects: out.join("rejects.csv"),
        max_rejects: Some(0),
        progress: crate::progress::Bar::for_terminal(),
        // Simulated traffic may run past today: the demo scans it as if
        // the clock stood at its last payment.
        now: sim
            .last
            .as_deref()
            .and_then(|t| spur_io::time::parse_rfc3339(t.as_bytes()).ok())
            .map_or(scan::system_now(), |last| last.max(scan::system_now())),
        profile: spur_io::Profile::default(),
        model: None,
    };
    // With --serve the scan fills a fresh database for the workbench.
    let db = out.join("demo.db");
    let store = match serve {
        Some(_) => {
            for suffix in ["", "-wal", "-shm"] {
                let p = out.join(format!("demo.db{suffix}"));
                if p.exists() {
                    fs::remove_file(&p)
                        .with_context(|| format!("cannot remove {}", p.display()))?;
                }
            }
            Some(crate::cases::open(
                &db.to_string_lossy(),
                OpenMode::CreateIfMissing,
            )?)
        }
        None => None,
    };
    let report = scan::run(&opts, cfg.clone(), store)?;
    writeln!(say)?;
    crate::scan_print::print(&report, &mut say)?;
    let open =
        |name: &str| -> Result<BufReader<File>> { Ok(BufReader::new(File::open(out.join(name))?)) };
    let eval = spur_sim::evaluate(
        open("truth.csv")?,
        open("alerts.jsonl")?,
        Some(open("payments.csv")?),
    )?;
    writeln!(
        say,
        "\nMeasured against the simulator's ground truth:\n{eval}"
    )?;
    tell(&mut say, &report.outcome.alerts)?;
    writeln!(
        say,
        "\nFiles: {0}/payments.csv, {0}/truth.csv, {0}/alerts.jsonl. Re-run the parts with\n  spur scan {0}/payments.csv --alerts {0}/alerts.jsonl\n  spur eval --truth {0}/truth.csv --alerts {0}/alerts.jsonl --payments {0}/payments.csv",
        out.display()
    )?;
    if let Some(listen) = serve {
        drop(say);
        return self::serve(out, &db, listen, cfg);
    }
    Ok(())
}

/// The demo's users, one per role of the workbench (synthetic names).
const USERS: &[(&str, UserRole)] = &[
    ("ada", UserRole::Admin),
    ("ana", UserRole::Analyst),
    ("sue", UserRole::Supervisor),
    ("aud", UserRole::Auditor),
];

/// `spur demo --serve`: users and their tokens in the demo's database, then
/// `spur serve` on it with the example reporting entity, until stopped.
fn serve(out: &Path, db: &Path, listen: SocketAddr, cfg: EngineConfig) -> Result<()> {
    let location = db.to_string_lossy().into_owned();
    let mut store = crate::cases::open(&location, OpenMode::Existing)?;
    let admin = USERS[0].0;
    let mut tokens = Vec::new();
    for (name, role) in USERS {
        store.add_user(name, *role, admin)?;
        tokens.push((*name, *role, store.create_token(name, admin)?.secret));
    }
    drop(store);
    let entity = out.join("entity.toml");
    fs::write(&entity, EXAMPLE_ENTITY)
        .with_context(|| format!("cannot write {}", entity.display()))?;
    let server = spur_server::start(spur_server::ServerConfig {
        db: location,
        listen,
        limits: spur_server::Limits::default(),
        engine: cfg.clone(),
        settle_after: std::time::Duration::from_secs(1),
        handle_signals: true,
        reporting: spur_server::Reporting {
            entity: Some(entity),
            engine: cfg,
        },
        input: spur_io::Profile::default(),
    })
    .context("spur demo --serve")?;
    let mut say = io::stdout().lock();
    writeln!(
        say,
        "\nThe workbench: http://{}/ (Ctrl-C stops it). Sign in with one of these tokens:",
        server.addr()
    )?;
    for (name, role, secret) in &tokens {
        writeln!(say, "  {:<10} {name:<4} {secret}", role.to_string())?;
    }
    writeln!(
        say,
        "(an analyst drafts a report, a supervisor other than its author approves and files it)"
    )?;
    say.flush()?;
    drop(say);
    eprintln!("spur serve: listening on http://{}", server.addr());
    server.wait().context("spur demo --serve")?;
    Ok(())
}

/// docs/reporting-entity.example.toml: a synthetic institution to draft with.
const EXAMPLE_ENTITY: &str = include_str!("../../../docs/reporting-entity.example.toml");

/// A short account of the strongest findings, as an analyst would read them.
fn tell(out: &mut impl Write, alerts: &[Alert]) -> io::Result<()> {
    let receiver = alerts.iter().find(|a| a.role == Role::Receiver);
    let heavy = alerts.iter().find(|a| a.role == Role::Sender);
    let light = alerts
        .iter()
        .filter(|a| a.role == Role::Sender && a.payments <= 2)
        .find(|a| a.indicators.iter().any(|f| f.code == "P-SHARED"));
    writeln!(
        out,
        "\nWhat spur found (highest scores first; every alert explains itself):"
    )?;
    for (title, alert) in [
        ("A likely facilitator", receiver),
        ("A likely customer", heavy),
        (
            "A light customer, found through the facilitator he paid",
            light,
        ),
    ] {
        let Some(a) = alert else { continue };
        writeln!(
            out,
            "\n  {title}: {} {} in {}, score {:.2}, {} payments, {} to {}",
            a.role.as_str(),
            visible(&a.subject),
            a.country,
            a.score,
            a.payments,
            spur_engine::time::rfc3339(a.first_seen),
            spur_engine::time::rfc3339(a.last_seen)
        )?;
        for f in a.indicators.iter().take(5) {
            writeln!(
                out,
                "    {:<11} +{:.2}  {}",
                f.code,
                f.contribution,
                visible(&f.reason)
            )?;
        }
    }
    Ok(())
}
