//! Prints the evaluation of an alerts file.
//!
//! `cargo run -p spur-sim --example evaluate -- TRUTH ALERTS [PAYMENTS]`

use std::fs::File;
use std::io::BufReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let open = |i: usize| -> Result<Option<BufReader<File>>, std::io::Error> {
        args.get(i)
            .map(|p| File::open(p).map(BufReader::new))
            .transpose()
    };
    let (Some(truth), Some(alerts)) = (open(0)?, open(1)?) else {
        return Err("usage: evaluate TRUTH ALERTS [PAYMENTS]".into());
    };
    let report = spur_sim::evaluate(truth, alerts, open(2)?)?;
    println!("{report}");
    Ok(())
}
