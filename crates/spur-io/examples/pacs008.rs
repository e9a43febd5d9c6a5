//! Converts canonical CSV payments to pacs.008 (the tests' writer), or reads
//! an ISO 20022 file and counts what it holds: for trying the reader on
//! large files and measuring its memory.
//!
//! ```text
//! cargo run --release -p spur-io --example pacs008 -- write payments.csv > payments.xml
//! /usr/bin/time -v cargo run --release -p spur-io --example pacs008 -- read payments.xml
//! ```

#[path = "../tests/support/pacs008.rs"]
mod pacs008;

use std::fs::File;
use std::io::{self, BufWriter};
use std::ops::ControlFlow;

use spur_io::{CsvPaymentReader, Iso20022Reader, PaymentReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("write"), Some(path)) => {
            let out = BufWriter::new(io::stdout().lock());
            let mut w = pacs008::Pacs008Writer::new(out, 500)?;
            let mut failed = None;
            CsvPaymentReader::new(File::open(path)?)?.read_all(&mut |_, r| {
                if let Ok(p) = r {
                    if let Err(e) = w.push(&p) {
                        failed = Some(e);
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            w.finish()?;
        }
        (Some("read"), Some(path)) => {
            let mut amount = 0.0;
            let stats = Iso20022Reader::new(File::open(path)?, None).read_all(&mut |_, r| {
                if let Ok(p) = r {
                    amount += p.amount;
                }
                ControlFlow::Continue(())
            })?;
            println!(
                "accepted {} rejected {} skipped {} (amounts sum {amount:.2})",
                stats.accepted, stats.rejected, stats.skipped
            );
        }
        _ => return Err("usage: pacs008 write FILE.csv > FILE.xml | pacs008 read FILE.xml".into()),
    }
    Ok(())
}
