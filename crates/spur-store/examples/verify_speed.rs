//! How long `verify_audit` takes on a database with many alerts: two whole
//! scans of N alerts (the second updates every one), evidence payments,
//! a case; then a timed verify and a timed third scan.
//!
//! `cargo run --release -p spur-store --example verify_speed -- [N] [DB]`
//! (N defaults to 10000; DB to a SQLite file in a temporary folder, or a
//! postgres:// URL of an empty database).

use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use spur_engine::{Alert, Finding, Role};
use spur_store::{IngestedTxn, ManualClock, PaymentRecord, UserRole};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let db = args
        .next()
        .unwrap_or_else(|| dir.path().join("speed.db").display().to_string());
    let clock = Arc::new(ManualClock::new(1_767_571_200));
    let mut s = spur_store::open(&db, clock.clone())?;
    s.add_user("ada", UserRole::Admin, "ada")?;
    s.add_user("ana", UserRole::Analyst, "ada")?;
    let scan = |round: usize| -> (Vec<String>, Vec<Alert>, Vec<PaymentRecord>) {
        let txns: Vec<String> = (0..n).map(|i| format!("r{round}-t{i}")).collect();
        let alerts = (0..n)
            .map(|i| Alert {
                subject: format!("S-{i}"),
                role: Role::Sender,
                score: 0.5 + (i % 50) as f64 / 100.0 + round as f64 / 1000.0,
                country: "US".into(),
                indicators: vec![Finding {
                    code: "S-FANOUT".into(),
                    contribution: 0.5,
                    reason: "pays many new receivers in risk countries".into(),
                    parties: vec![format!("R-{}", i % 97)],
                }],
                context: vec![],
                transactions: vec![txns[i].clone()],
                payments: 3,
                first_seen: 1_767_000_000,
                last_seen: 1_767_500_000,
            })
            .collect();
        let payments = txns
            .iter()
            .enumerate()
            .map(|(i, t)| PaymentRecord {
                txn_id: t.clone(),
                timestamp: 1_767_500_000,
                amount: 25.0 + i as f64,
                currency: "USD".into(),
                sender_id: format!("S-{i}"),
                sender_name: "Synthetic Sender".into(),
                sender_country: "US".into(),
                receiver_id: format!("R-{}", i % 97),
                receiver_name: "Synthetic Receiver".into(),
                receiver_country: "PH".into(),
                channel: "remittance".into(),
                message: String::new(),
            })
            .collect();
        (txns, alerts, payments)
    };
    let mut version = 0;
    for round in 0..3 {
        let (txns, alerts, payments) = scan(round);
        let ids: Vec<IngestedTxn> = txns
            .iter()
            .map(|t| IngestedTxn {
                txn_id: t,
                digest: Sha256::digest(t.as_bytes()).into(),
            })
            .collect();
        clock.advance(3600);
        let started = Instant::now();
        let batch =
            s.commit_scan_batch_with_payments(&ids, &alerts, &payments, &[7; 1 << 20], version)?;
        version = batch.state_version;
        println!(
            "scan {round}: {} alerts created, {} updated, stored in {:.2} s",
            batch.alerts_created.len(),
            batch.alerts_updated.len(),
            started.elapsed().as_secs_f64()
        );
        if round == 0 {
            let case = s.open_case(batch.alerts_created[0], "ana")?;
            s.note(case.id, "synthetic", "ana")?;
        }
        let started = Instant::now();
        let summary = s.verify_audit()?;
        println!(
            "verify after scan {round}: {} entries OK in {:.2} s",
            summary.entries,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
