//! The engine's hot components on simulated traffic: taking payments
//! (`Engine::push`), scoring a batch (`Engine::finish`), reading names
//! (`Names::key`) and messages (`RemarkReader::read`).
//!
//! Inputs come from `spur_sim::simulate` (about 200,000 payments), read once
//! into memory before anything is timed. The end-to-end figure the README
//! quotes comes from `scripts/bench`; these say where the time goes.

use std::hint::black_box;
use std::io::Cursor;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use rustc_hash::FxHashSet;
use spur_engine::names::Names;
use spur_engine::remark::RemarkReader;
use spur_engine::{Engine, EngineConfig};
use spur_io::{CsvPaymentReader, Entry, PaymentBatch, PaymentReader};
use spur_sim::SimConfig;

/// Senders to simulate: about 6.3 payments each, so ~200,000 payments. `cargo
/// test --all-targets` runs each bench once, unoptimised, as a smoke test
/// (without `--bench`): a small input keeps that quick.
fn senders() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        32_000
    } else {
        1_000
    }
}

/// Simulated payments, parsed once, owning their text.
fn payments() -> PaymentBatch {
    let cfg = SimConfig {
        senders: senders(),
        ..SimConfig::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).expect("simulation in memory");
    let mut batch = PaymentBatch::with_capacity(cfg.senders * 7);
    let mut reader = CsvPaymentReader::new(Cursor::new(&csv[..])).expect("simulated header");
    let stats = reader
        .read_all(&mut |line, rec| {
            batch.push(line, &rec.expect("simulated payments are valid"));
            ControlFlow::Continue(())
        })
        .expect("in memory");
    assert_eq!(stats.rejected, 0);
    batch
}

/// As `spur scan` does: each payment pushed with the one 12 ahead prefetched.
fn push_all(engine: &mut Engine, batch: &PaymentBatch) {
    let mut ahead = batch.ids().skip(12);
    for entry in batch.entries() {
        if let Some(Some([txn, sender, receiver])) = ahead.next() {
            engine.prefetch(txn, sender, receiver);
        }
        if let Entry::Payment { payment, .. } = entry {
            engine
                .push(&payment)
                .expect("simulated payments are accepted");
        }
    }
}

fn engine() -> Engine {
    Engine::new(EngineConfig::default()).expect("default configuration")
}

/// Distinct non-empty names out of the payments, in first-seen order.
fn distinct<'a>(names: impl Iterator<Item = &'a str>, limit: usize) -> Vec<String> {
    let mut seen = FxHashSet::default();
    names
        .filter(|t| !t.is_empty() && seen.insert(*t))
        .take(limit)
        .map(str::to_owned)
        .collect()
}

fn bench(c: &mut Criterion) {
    let batch = payments();
    let n = batch.len() as u64;

    let mut group = c.benchmark_group("engine");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(n));
    // A fresh engine per run; building it and dropping it are not timed. A
    // batch in time order is applied to the windows while it is pushed.
    group.bench_function(format!("push_{}k", n / 1000), |b| {
        b.iter_batched(
            engine,
            |mut e| {
                push_all(&mut e, &batch);
                e
            },
            BatchSize::PerIteration,
        )
    });
    // What is left to apply, the network stage and scoring; the payments
    // are pushed in the untimed setup.
    group.bench_function(format!("finish_{}k", n / 1000), |b| {
        b.iter_batched(
            || {
                let mut e = engine();
                push_all(&mut e, &batch);
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

    let payments = || {
        batch.entries().filter_map(|e| match e {
            Entry::Payment { payment, .. } => Some(payment),
            Entry::Reject(_) => None,
        })
    };
    // Every new party's name is read once, so distinct names are the load.
    let names = distinct(
        payments().flat_map(|p| [p.sender_name, p.receiver_name]),
        20_000,
    );
    // Every non-empty message is read, repeats and all.
    let messages: Vec<String> = payments()
        .map(|p| p.message)
        .filter(|m| !m.is_empty())
        .take(20_000)
        .map(str::to_owned)
        .collect();

    let mut group = c.benchmark_group("text");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let reader = Names::new();
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function(format!("names_key_{}", names.len()), |b| {
        b.iter(|| {
            for name in &names {
                black_box(reader.key(black_box(name)));
            }
        })
    });
    let reader = RemarkReader::new(&EngineConfig::default().risk.cover_words);
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(format!("remark_read_{}", messages.len()), |b| {
        b.iter(|| {
            for message in &messages {
                black_box(reader.read(black_box(message)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
