//! Writes payments.csv and truth.csv and reports generation speed.
//!
//! `cargo run --release -p spur-sim --example simulate -- OUT_DIR [SENDERS] [DAYS] [SEED]`

use spur_sim::{simulate, SimConfig};
use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(args.first().map(String::as_str).unwrap_or("."));
    let mut cfg = SimConfig::default();
    if let Some(s) = args.get(1) {
        cfg.senders = s.parse()?;
    }
    if let Some(d) = args.get(2) {
        cfg.days = d.parse()?;
    }
    if let Some(s) = args.get(3) {
        cfg.seed = s.parse()?;
    }
    std::fs::create_dir_all(&dir)?;
    let payments = BufWriter::new(File::create(dir.join("payments.csv"))?);
    let truth = BufWriter::new(File::create(dir.join("truth.csv"))?);
    let t = Instant::now();
    let summary = simulate(&cfg, payments, truth)?;
    let secs = t.elapsed().as_secs_f64();
    println!("{summary}");
    println!(
        "{:.2} s, {:.0} payments/s",
        secs,
        summary.payments as f64 / secs
    );
    Ok(())
}
