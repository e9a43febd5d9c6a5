//! A whole scan in memory: CSV bytes, the CSV reader, the engine, alerts
//! serialised as JSON Lines, on about 200,000 simulated payments.
//!
//! One thread does everything here, so this is the scan's CPU cost per
//! payment; `spur scan` reads on a second thread, and its wall-clock figure
//! on a million payments comes from `scripts/bench`. The scan's own code
//! lives in the binary, out of a bench's reach, so the pipeline is rebuilt
//! from the same library calls.

use std::io::{Cursor, Write};
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use spur_engine::{Engine, EngineConfig};
use spur_io::{CsvPaymentReader, PaymentReader};
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

fn simulated_csv() -> Vec<u8> {
    let cfg = SimConfig {
        senders: senders(),
        ..SimConfig::default()
    };
    let mut csv = Vec::new();
    spur_sim::simulate(&cfg, &mut csv, std::io::sink()).expect("simulation in memory");
    csv
}

/// Scans `csv`, writes alerts into `out`; returns payments taken and alerts.
fn scan(csv: &[u8], out: &mut Vec<u8>) -> (u64, usize) {
    let mut engine = Engine::new(EngineConfig::default()).expect("default configuration");
    let mut reader = CsvPaymentReader::new(Cursor::new(csv)).expect("simulated header");
    let mut taken = 0;
    reader
        .read_all(&mut |_, rec| {
            let payment = rec.expect("simulated payments are valid");
            engine
                .push(&payment)
                .expect("simulated payments are accepted");
            taken += 1;
            ControlFlow::Continue(())
        })
        .expect("in memory");
    let outcome = engine.finish();
    out.clear();
    for alert in &outcome.alerts {
        serde_json::to_writer(&mut *out, alert).expect("in memory");
        out.push(b'\n');
    }
    out.flush().expect("in memory");
    (taken, outcome.alerts.len())
}

fn bench(c: &mut Criterion) {
    let csv = simulated_csv();
    let mut out = Vec::new();
    let (payments, alerts) = scan(&csv, &mut out);
    assert!(alerts > 0);

    let mut group = c.benchmark_group("scan");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(payments));
    group.bench_function(format!("csv_to_alerts_{}k", payments / 1000), |b| {
        b.iter(|| scan(&csv, &mut out))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
