//! Payments (CSV) from standard input into a store through `Live`, in
//! groups: each group is one `submit`, and its verdicts are printed only
//! when it returns, that is when they are durable. The durability test
//! (tests/durability.rs) runs this and kills it with SIGKILL at random
//! moments; it is also a small demonstration of `Live`.
//!
//! `live_ingest DB [GROUP]`: one line per payment, `accepted|duplicate|rejected TXN`.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

use spur_app::live::{Live, Verdict};
use spur_engine::EngineConfig;
use spur_io::{open_reader_with, Format, Profile};
use spur_store::{ChunkWriter, SystemClock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or("usage: live_ingest DB [GROUP]")?;
    let group: usize = args.next().map_or(Ok(100), |g| g.parse())?;
    let store = spur_store::open(&db, Arc::new(SystemClock))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let mut live = Live::open(store, EngineConfig::default(), now)?;
    let mut reader = open_reader_with(Format::Csv, Box::new(io::stdin()), &Profile::default())?;
    let mut out = io::stdout().lock();
    let mut pending = ChunkWriter::new();
    let mut failure: Option<Box<dyn std::error::Error>> = None;
    let mut flush =
        |pending: &mut ChunkWriter, live: &mut Live| -> Result<(), Box<dyn std::error::Error>> {
            if pending.is_empty() {
                return Ok(());
            }
            let bytes = std::mem::take(pending).into_bytes();
            let payments = spur_store::decode_chunk(0, &bytes)?;
            let verdicts = live.submit(&payments)?;
            for v in &verdicts {
                let (status, txn) = match v {
                    Verdict::Accepted { txn_id, .. } => ("accepted", txn_id),
                    Verdict::Duplicate { txn_id } => ("duplicate", txn_id),
                    Verdict::Rejected { txn_id, .. } => ("rejected", txn_id),
                };
                writeln!(out, "{status} {txn}")?;
            }
            out.flush()?;
            Ok(())
        };
    reader.read_all(&mut |_, rec| {
        if let Ok(p) = rec {
            pending.push(&p);
        }
        if pending.len() >= group {
            if let Err(e) = flush(&mut pending, &mut live) {
                failure = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    flush(&mut pending, &mut live)?;
    live.settle()?;
    Ok(())
}
