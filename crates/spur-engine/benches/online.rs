//! The online engine on the state of a ~1M-payment simulated world
//! (160,000 senders, 90 days): what a settle costs after 100 and after
//! 10,000 new payments, against the whole network stage (`finish` over the
//! same payments in batch mode). docs/network.md quotes the figures.
//!
//! The first 90% of the payments are pushed online and settled before
//! anything is timed; the rest, then copies of it moved on in time (with
//! new txn ids), are the new payments, pushed untimed before each timed
//! settle.

use std::io::Cursor;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use spur_engine::model::DAY;
use spur_engine::{Engine, EngineConfig};
use spur_io::{CsvPaymentReader, Entry, PaymentBatch, PaymentReader};
use spur_sim::SimConfig;

/// 160,000 senders give about 1,000,000 payments; `cargo test
/// --all-targets` runs the bench once as a smoke test, on a small world.
fn senders() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        160_000
    } else {
        1_000
    }
}

fn payments() -> PaymentBatch {
    let cfg = SimConfig {
        senders: senders(),
        ..SimConfig::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).expect("simulation in memory");
    let mut batch = PaymentBatch::with_capacity(cfg.senders * 7);
    let mut reader = CsvPaymentReader::new(Cursor::new(&csv[..])).expect("simulated header");
    reader
        .read_all(&mut |line, rec| {
            batch.push(line, &rec.expect("simulated payments are valid"));
            ControlFlow::Continue(())
        })
        .expect("in memory");
    batch
}

/// New payments without end: the held-out tail, then again and again moved
/// on by 100 days with fresh txn ids, so every party's payments stay in time
/// order.
struct Stream<'a> {
    tail: Vec<spur_engine::Payment<'a>>,
    at: usize,
    round: u64,
    ids: Vec<String>,
}

impl<'a> Stream<'a> {
    /// Pushes the next `n` payments.
    fn push(&mut self, e: &mut Engine, n: usize) {
        for _ in 0..n {
            if self.at == self.tail.len() {
                self.at = 0;
                self.round += 1;
            }
            let mut p = self.tail[self.at];
            self.at += 1;
            if self.round > 0 {
                self.ids.push(format!("{}~{}", p.txn_id, self.round));
                p.txn_id = self.ids.last().map_or("", |s| s.as_str());
                p.timestamp += self.round as i64 * 100 * DAY;
                // The id lives in `ids` until the stream is dropped; the
                // engine copies it when it takes the payment.
                e.push(&p).expect("accepted online");
                self.ids.clear();
            } else {
                e.push(&p).expect("accepted online");
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let batch = payments();
    let all: Vec<_> = batch
        .entries()
        .filter_map(|e| match e {
            Entry::Payment { payment, .. } => Some(payment),
            Entry::Reject(_) => None,
        })
        .collect();
    let cut = all.len() * 9 / 10;
    let mut group = c.benchmark_group("online");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));

    let mut e = Engine::online(EngineConfig::default()).expect("default configuration");
    for p in &all[..cut] {
        e.push(p).expect("accepted online");
    }
    let started = Instant::now();
    let first = e.settle();
    eprintln!(
        "online state of {} payments, {} parties: first settle (whole stage) {:?}",
        cut,
        first.recomputed,
        started.elapsed()
    );
    let bytes = e.state_bytes();
    eprintln!(
        "state: {} parties, {} txn ids, {} MiB ({} party, {} txn ids, {} settle), {:.0} bytes per party",
        bytes.parties,
        bytes.txn_ids,
        bytes.total >> 20,
        bytes.party_bytes >> 20,
        bytes.txn_bytes >> 20,
        bytes.settle_bytes >> 20,
        bytes.bytes_per_party
    );
    let t = Instant::now();
    let snap = e.snapshot();
    let took = t.elapsed();
    let t = Instant::now();
    let back = Engine::restore(EngineConfig::default(), &snap).expect("restores");
    eprintln!(
        "snapshot: {} MiB ({:.0} bytes per party), written in {:?}, restored in {:?}",
        snap.len() >> 20,
        snap.len() as f64 / bytes.parties as f64,
        took,
        t.elapsed()
    );
    drop((back, snap));
    let mut stream = Stream {
        tail: all[cut..].to_vec(),
        at: 0,
        round: 0,
        ids: Vec::new(),
    };
    for n in [100, 10_000] {
        let (mut partial, mut recomputed, mut settles) = (0u64, 0u64, 0u64);
        group.bench_function(format!("settle_after_{n}"), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    stream.push(&mut e, n);
                    let t = Instant::now();
                    let s = e.settle();
                    timed += t.elapsed();
                    settles += 1;
                    partial += u64::from(!s.full);
                    recomputed += s.recomputed;
                }
                timed
            })
        });
        eprintln!(
            "settle after {n}: {partial} of {settles} incremental, {} parties recomputed on average",
            recomputed / settles.max(1)
        );
    }
    // The whole stage over the same state, as a batch scan runs it.
    group.bench_function(format!("finish_{}k", cut / 1000), |b| {
        b.iter_batched(
            || {
                let mut e = Engine::new(EngineConfig::default()).expect("default configuration");
                for p in &all[..cut] {
                    e.push(p).expect("accepted");
                }
                e
            },
            |mut e| {
                let outcome = e.finish();
                assert!(!outcome.alerts.is_empty());
                (e, outcome)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
