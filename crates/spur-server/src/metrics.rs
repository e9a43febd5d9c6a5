//! `GET /metrics`: counters and histograms in the Prometheus text format,
//! written by hand (a few dozen lines; a metrics crate would bring a
//! registry, macros and more dependencies than the server itself).
//!
//! Labels are route templates (`/v1/cases/{id}`), methods and status codes,
//! never ids or names: no personal data reaches the metrics.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram: cumulative buckets as Prometheus wants them.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos
            .fetch_add(d.as_nanos().min(u64::MAX as u128) as u64, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// The stages of a post and of the writer's work between commits, each a
/// histogram (`spur_ingest_stage_seconds{stage=...}`): what the latency of
/// `POST /v1/payments` is made of (docs/server.md, "Where the time goes").
#[derive(Default)]
pub struct Stages {
    /// The request's body read into payments (JSON, the reader's checks).
    pub decode: Histogram,
    /// From the batch handed to the writer until the writer takes it.
    pub queue: Histogram,
    /// The store's look-up of a group's txn ids.
    pub lookup: Histogram,
    /// A group's engine pushes and standings.
    pub engine: Histogram,
    /// A group's store transaction, durable.
    pub commit: Histogram,
    /// The answer written as JSON.
    pub encode: Histogram,
    /// The writer's part of a settle (it takes no payments meanwhile):
    /// storing the settler's changes and adopting its values, or the whole
    /// settle when it settles itself.
    pub settle: Histogram,
    /// The writer's checkpoints (at shutdown without a settler).
    pub checkpoint: Histogram,
    /// The settler's settles, beside the writer.
    pub settle_background: Histogram,
    /// The settler's checkpoints (snapshot and write), beside the writer.
    pub checkpoint_background: Histogram,
}

impl Stages {
    fn all(&self) -> [(&'static str, &Histogram); 10] {
        [
            ("decode", &self.decode),
            ("queue", &self.queue),
            ("lookup", &self.lookup),
            ("engine", &self.engine),
            ("commit", &self.commit),
            ("encode", &self.encode),
            ("settle", &self.settle),
            ("checkpoint", &self.checkpoint),
            ("settle_background", &self.settle_background),
            ("checkpoint_background", &self.checkpoint_background),
        ]
    }
}

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    pub payments_accepted: AtomicU64,
    pub payments_duplicate: AtomicU64,
    pub payments_rejected: AtomicU64,
    /// Parties newly at or above the alert threshold after a payment.
    pub alerts_raised: AtomicU64,
    /// From a batch handed to the ingest service to its answer (durable, scored).
    pub scoring: Histogram,
    /// Senders, receivers and payments in the engine's state after the last
    /// settle (gauges).
    pub state_senders: AtomicU64,
    pub state_receivers: AtomicU64,
    pub state_payments: AtomicU64,
    /// Alerts standing after the last settle (a gauge).
    pub alerts_standing: AtomicU64,
    /// Bytes of the engine's state at the last checkpoint (a gauge).
    pub state_bytes: AtomicU64,
    /// Requests answered 503 because too many were in flight and waiting.
    pub shed: AtomicU64,
    /// Where a post's time goes, stage by stage.
    pub stages: Stages,
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    /// One answered request: its route template, method, status and latency.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        {
            let mut r = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *r.entry((route.to_owned(), method.to_owned(), status))
                .or_default() += 1;
        }
        let mut l = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        l.entry((route.to_owned(), method.to_owned()))
            .or_default()
            .observe(took);
    }

    /// The text exposition format, version 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        };
        let gauge = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        };
        let _ = writeln!(
            out,
            "# HELP spur_payments_total Payments posted, by outcome.\n# TYPE spur_payments_total counter"
        );
        for (outcome, v) in [
            ("accepted", &self.payments_accepted),
            ("duplicate", &self.payments_duplicate),
            ("rejected", &self.payments_rejected),
        ] {
            let _ = writeln!(
                out,
                "spur_payments_total{{outcome=\"{outcome}\"}} {}",
                v.load(Ordering::Relaxed)
            );
        }
        counter(
            &mut out,
            "spur_alerts_raised_total",
            "Parties that reached the alert threshold through a posted payment.",
            &self.alerts_raised,
        );
        counter(
            &mut out,
            "spur_requests_shed_total",
            "Requests answered 503 because too many were in flight and waiting.",
            &self.shed,
        );
        gauge(
            &mut out,
            "spur_alerts_standing",
            "Alerts standing after the last settle.",
            &self.alerts_standing,
        );
        gauge(
            &mut out,
            "spur_state_senders",
            "Senders in the engine's state after the last settle.",
            &self.state_senders,
        );
        gauge(
            &mut out,
            "spur_state_receivers",
            "Receivers in the engine's state after the last settle.",
            &self.state_receivers,
        );
        gauge(
            &mut out,
            "spur_state_payments",
            "Payments the engine's state has taken, after the last settle.",
            &self.state_payments,
        );
        gauge(
            &mut out,
            "spur_state_bytes",
            "Bytes of the engine's state at the last checkpoint (0 before the first).",
            &self.state_bytes,
        );
        let _ = writeln!(
            out,
            "# HELP spur_scoring_duration_seconds From a batch handed to the ingest service to its durable, scored answer.\n# TYPE spur_scoring_duration_seconds histogram"
        );
        self.scoring
            .write(&mut out, "spur_scoring_duration_seconds", "");
        let _ = writeln!(
            out,
            "# HELP spur_ingest_stage_seconds Where posts' time goes: decode, queue, lookup, engine, commit, encode per request or group; the writer's settle and checkpoint, and the settler's beside it.\n# TYPE spur_ingest_stage_seconds histogram"
        );
        for (stage, h) in self.stages.all() {
            h.write(
                &mut out,
                "spur_ingest_stage_seconds",
                &format!("stage=\"{stage}\""),
            );
        }
        let _ = writeln!(
            out,
            "# HELP spur_http_requests_total Requests answered, by route template, method and status.\n# TYPE spur_http_requests_total counter"
        );
        for ((route, method, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "spur_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP spur_http_request_duration_seconds Time to answer a request, by route template and method.\n# TYPE spur_http_request_duration_seconds histogram"
        );
        for ((route, method), h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
            h.write(&mut out, "spur_http_request_duration_seconds", &labels);
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.request("/v1/x", "GET", 200, Duration::from_micros(300));
        m.request("/v1/x", "GET", 200, Duration::from_millis(3));
        m.request("/v1/x", "GET", 404, Duration::from_secs(20));
        let text = m.render();
        for line in [
            "spur_http_requests_total{route=\"/v1/x\",method=\"GET\",status=\"200\"} 2",
            "spur_http_requests_total{route=\"/v1/x\",method=\"GET\",status=\"404\"} 1",
            "spur_http_request_duration_seconds_bucket{route=\"/v1/x\",method=\"GET\",le=\"0.0005\"} 1",
            "spur_http_request_duration_seconds_bucket{route=\"/v1/x\",method=\"GET\",le=\"0.005\"} 2",
            "spur_http_request_duration_seconds_bucket{route=\"/v1/x\",method=\"GET\",le=\"10\"} 2",
            "spur_http_request_duration_seconds_bucket{route=\"/v1/x\",method=\"GET\",le=\"+Inf\"} 3",
            "spur_http_request_duration_seconds_count{route=\"/v1/x\",method=\"GET\"} 3",
            "spur_payments_total{outcome=\"accepted\"} 0",
            "spur_scoring_duration_seconds_count 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
    }
}
