//! `spur-load`: an open-loop load generator for `spur serve`.
//!
//! It reads canonical payments (a CSV with a header, as `spur simulate`
//! writes), turns them into `POST /v1/payments` bodies — one payment per
//! request, or arrays of `--batch` payments — and sends them over
//! `--connections` keep-alive HTTP/1.1 connections.
//!
//! With `--rate`, request `i` is due at `start + i / rate` whatever the server
//! does: a slow answer does not delay the next request (open loop), and each
//! latency is measured from the request's *scheduled* time, so that time
//! spent waiting for a free connection counts (no coordinated omission).
//! Without `--rate` every connection sends its next request as soon as the
//! last one was answered, to measure throughput.
//!
//! It runs in its own process, on a single thread of its own plus a timer
//! thread, so that it takes as little of the machine as it can from the
//! server it measures.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Mutex};

#[derive(Parser, Debug)]
#[command(
    name = "spur-load",
    about = "Posts payments to spur serve at a scheduled rate and reports the latencies"
)]
struct Args {
    /// The server, as http://HOST:PORT (loopback for a bench).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A token of a user with the ingest (or admin) role.
    #[arg(long, env = "SPUR_TOKEN", hide_env_values = true)]
    token: String,
    /// Canonical payments as CSV with a header (`spur simulate` writes one).
    #[arg(long)]
    payments: PathBuf,
    /// Payments per request: 1 posts single JSON objects, more post arrays.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Requests per second, scheduled (open loop); 0 sends as fast as the
    /// answers come (closed loop, for throughput).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Stop scheduling after this many seconds (and when the payments run out).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write every request's scheduled time (ms after the start) and
    /// latency (ms) to this CSV file, in scheduled order: when the slow
    /// ones came.
    #[arg(long)]
    latencies: Option<PathBuf>,
}

/// What one answered request gave.
struct Sample {
    /// When it was due, after the start.
    due: Duration,
    latency: Duration,
    ok: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.batch == 0 {
        bail!("--batch must be at least 1");
    }
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        bail!("--rate must be a number of requests per second, 0 for as fast as possible");
    }
    let (host, port) = parse_url(&args.url)?;
    let bodies = read_bodies(&args.payments, args.batch)?;
    if bodies.is_empty() {
        bail!("{}: no payments", args.payments.display());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let summary = rt.block_on(run(&args, &host, port, bodies))?;
    summary.print(&args)?;
    if let Some(path) = &args.latencies {
        write_timeline(path, summary.started_at, &summary.timeline)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if summary.errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// `due_ms,latency_ms,due_unix_ms` per request, in scheduled order (the
/// wall clock, to put beside the server's log).
fn write_timeline(
    path: &PathBuf,
    started_at: std::time::SystemTime,
    timeline: &[(Duration, Duration)],
) -> Result<()> {
    use std::io::Write;
    let origin = started_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "due_ms,latency_ms,due_unix_ms")?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for &(due, latency) in timeline {
        writeln!(
            out,
            "{:.3},{:.3},{:.3}",
            ms(due),
            ms(latency),
            ms(origin + due)
        )?;
    }
    out.flush()?;
    Ok(())
}

/// `http://host:port` → (host, port).
fn parse_url(url: &str) -> Result<(String, u16)> {
    let rest = url
        .strip_prefix("http://")
        .context("--url must start with http:// (the bench runs on loopback, without TLS)")?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .context("--url must name the port, e.g. http://127.0.0.1:8080")?;
    let port = port
        .parse()
        .with_context(|| format!("--url: port {port:?} is not a number"))?;
    Ok((host.to_owned(), port))
}

/// Request bodies: the payments as JSON objects with the CSV's column names,
/// empty cells left out, one object or an array of `batch` per body.
fn read_bodies(path: &PathBuf, batch: usize) -> Result<Vec<(Bytes, usize)>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let header = reader.headers()?.clone();
    let mut bodies = Vec::new();
    let mut group: Vec<serde_json::Value> = Vec::with_capacity(batch);
    let flush = |group: &mut Vec<serde_json::Value>, bodies: &mut Vec<(Bytes, usize)>| {
        if group.is_empty() {
            return Ok::<(), anyhow::Error>(());
        }
        let n = group.len();
        let body = if batch == 1 {
            serde_json::to_vec(&group[0])?
        } else {
            serde_json::to_vec(&group)?
        };
        bodies.push((Bytes::from(body), n));
        group.clear();
        Ok(())
    };
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: record {}", path.display(), line + 1))?;
        let mut obj = serde_json::Map::new();
        for (name, value) in header.iter().zip(record.iter()) {
            if !value.is_empty() {
                obj.insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
            }
        }
        group.push(serde_json::Value::Object(obj));
        if group.len() == batch {
            flush(&mut group, &mut bodies)?;
        }
    }
    flush(&mut group, &mut bodies)?;
    Ok(bodies)
}

struct Summary {
    sent: u64,
    answered: u64,
    errors: u64,
    payments: u64,
    /// Payments the server answered as accepted, as duplicates, as rejected.
    counts: Counts,
    elapsed: Duration,
    /// The timeline's latencies, sorted.
    latencies: Vec<Duration>,
    /// (due, latency) of every request, in scheduled order.
    timeline: Vec<(Duration, Duration)>,
    /// The wall clock at the start of the schedule.
    started_at: std::time::SystemTime,
    first_error: Option<String>,
    /// The first answer that rejected a payment (its beginning).
    first_rejected: Option<String>,
}

impl Summary {
    fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }

    fn print(&self, args: &Args) -> Result<()> {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        if args.json {
            let v = serde_json::json!({
                "mode": if args.rate > 0.0 { "open-loop" } else { "closed-loop" },
                "batch": args.batch,
                "connections": args.connections,
                "target_rate": args.rate,
                "requests_sent": self.sent,
                "requests_answered": self.answered,
                "errors": self.errors,
                "payments_ok": self.payments,
                "payments_accepted": self.counts.accepted,
                "payments_duplicate": self.counts.duplicate,
                "payments_rejected": self.counts.rejected,
                "accepted_per_second": self.counts.accepted as f64 / secs,
                "seconds": secs,
                "requests_per_second": self.answered as f64 / secs,
                "payments_per_second": self.payments as f64 / secs,
                "latency_ms": {
                    "p50": ms(self.quantile(0.50)),
                    "p90": ms(self.quantile(0.90)),
                    "p99": ms(self.quantile(0.99)),
                    "p999": ms(self.quantile(0.999)),
                    "max": ms(self.latencies.last().copied().unwrap_or_default()),
                },
                "first_error": self.first_error,
                "first_rejected": self.first_rejected,
            });
            println!("{v}");
        } else {
            println!(
                "spur-load: {} requests ({} payments each at most) in {secs:.2} s over {} connections, {}",
                self.sent,
                args.batch,
                args.connections,
                if args.rate > 0.0 {
                    format!("scheduled at {} requests/s (open loop, latency from the scheduled time)", args.rate)
                } else {
                    "as fast as answered (closed loop)".to_owned()
                }
            );
            println!(
                "  answered {} ({:.0} requests/s), errors {}, payments answered {} ({:.0}/s), accepted {} ({:.0}/s), duplicate {}, rejected {}",
                self.answered,
                self.answered as f64 / secs,
                self.errors,
                self.payments,
                self.payments as f64 / secs,
                self.counts.accepted,
                self.counts.accepted as f64 / secs,
                self.counts.duplicate,
                self.counts.rejected
            );
            println!(
                "  latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
                ms(self.quantile(0.50)),
                ms(self.quantile(0.90)),
                ms(self.quantile(0.99)),
                ms(self.quantile(0.999)),
                ms(self.latencies.last().copied().unwrap_or_default())
            );
            if let Some(e) = &self.first_error {
                println!("  first error: {e}");
            }
        }
        Ok(())
    }
}

/// A request that is due: its body and when it was scheduled.
type Due = (usize, Instant);

async fn run(args: &Args, host: &str, port: u16, bodies: Vec<(Bytes, usize)>) -> Result<Summary> {
    let bodies = Arc::new(bodies);
    let (tx, rx) = mpsc::unbounded_channel::<Due>();
    let rx = Arc::new(Mutex::new(rx));
    let deadline = Duration::from_secs_f64(args.duration);
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let started_at = std::time::SystemTime::now();
    // The schedule, on a thread of its own: a std sleep wakes within tens of
    // microseconds, tokio's timer within a millisecond.
    let schedule = {
        let (n, rate, sent) = (bodies.len(), args.rate, sent.clone());
        std::thread::spawn(move || {
            if rate > 0.0 {
                for i in 0..n {
                    let due = start + Duration::from_secs_f64(i as f64 / rate);
                    if due - start > deadline {
                        break;
                    }
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                    if tx.send((i, due)).is_err() {
                        break;
                    }
                }
            }
            // Closed loop: the connections take the next body themselves.
            drop(tx);
        })
    };
    let next = Arc::new(AtomicUsize::new(0));
    let open_loop = args.rate > 0.0;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.connections.max(1) {
        let (rx, bodies, next, sent) = (rx.clone(), bodies.clone(), next.clone(), sent.clone());
        let (host, token) = (host.to_owned(), args.token.clone());
        workers.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = Vec::new();
            let mut rejected: Option<String> = None;
            let mut conn: Option<http1::SendRequest<Full<Bytes>>> = None;
            loop {
                let (i, due) = if open_loop {
                    match rx.lock().await.recv().await {
                        Some(d) => d,
                        None => break,
                    }
                } else {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bodies.len() || start.elapsed() > deadline {
                        break;
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                    (i, Instant::now())
                };
                let (body, n) = &bodies[i];
                let outcome = post(&mut conn, &host, port, &token, body.clone()).await;
                let latency = due.elapsed();
                let due = due - start;
                match outcome {
                    Ok((counts, shown)) => {
                        if rejected.is_none() {
                            rejected = shown;
                        }
                        samples.push((
                            Sample {
                                due,
                                latency,
                                ok: true,
                            },
                            *n,
                            counts,
                        ))
                    }
                    Err(e) => {
                        conn = None;
                        let failed = Sample {
                            due,
                            latency,
                            ok: false,
                        };
                        samples.push((failed, 0, Counts::default()));
                        errors.push(e.to_string());
                    }
                }
            }
            (samples, errors, rejected)
        });
    }
    let mut summary = Summary {
        sent: 0,
        answered: 0,
        errors: 0,
        payments: 0,
        counts: Counts::default(),
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        timeline: Vec::new(),
        started_at,
        first_error: None,
        first_rejected: None,
    };
    while let Some(done) = workers.join_next().await {
        let (samples, errors, rejected) = done.context("a connection's task failed")?;
        if summary.first_rejected.is_none() {
            summary.first_rejected = rejected;
        }
        for (s, n, counts) in samples {
            summary.answered += u64::from(s.ok);
            summary.errors += u64::from(!s.ok);
            summary.payments += n as u64;
            summary.counts.accepted += counts.accepted;
            summary.counts.duplicate += counts.duplicate;
            summary.counts.rejected += counts.rejected;
            summary.timeline.push((s.due, s.latency));
        }
        if summary.first_error.is_none() {
            summary.first_error = errors.into_iter().next();
        }
    }
    summary.elapsed = start.elapsed();
    let _ = schedule.join();
    summary.sent = sent.load(Ordering::Relaxed);
    summary.timeline.sort_unstable();
    summary.latencies = summary.timeline.iter().map(|&(_, l)| l).collect();
    summary.latencies.sort_unstable();
    Ok(summary)
}

/// One request on the connection, opened (again) when there is none. Any
/// answer but 2xx is an error.
async fn post(
    conn: &mut Option<http1::SendRequest<Full<Bytes>>>,
    host: &str,
    port: u16,
    token: &str,
    body: Bytes,
) -> Result<(Counts, Option<String>)> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        let stream = TcpStream::connect((host, port))
            .await
            .with_context(|| format!("cannot connect to {host}:{port}"))?;
        stream.set_nodelay(true)?;
        let (send, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends with the connection; its errors show up as failed requests.
            let _ = connection.await;
        });
        *conn = Some(send);
    }
    let Some(send) = conn.as_mut() else {
        bail!("no connection");
    };
    send.ready().await?;
    let request = hyper::Request::post("/v1/payments")
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))?;
    let response = send.send_request(request).await?;
    let status = response.status();
    // Read the whole answer: the next request on this connection waits for it.
    let answer = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        let text = String::from_utf8_lossy(&answer[..answer.len().min(300)]).into_owned();
        bail!("HTTP {status}: {text}");
    }
    let counts = counts(&answer).context(
        "the answer does not begin with its counts of accepted, duplicate and rejected payments",
    )?;
    // The first rejected answer is kept to be shown: what was refused, why.
    let shown = (counts.rejected > 0)
        .then(|| String::from_utf8_lossy(&answer[..answer.len().min(600)]).into_owned());
    Ok((counts, shown))
}

/// An answer's counts of payments by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    accepted: u64,
    duplicate: u64,
    rejected: u64,
}

/// The answer's counts: its first three fields
/// (`{"accepted":N,"duplicate":N,"rejected":N,...`, docs/server.md), read
/// without parsing the rest, so that the client's own work stays small
/// beside the server's.
fn counts(answer: &[u8]) -> Option<Counts> {
    fn field<'a>(rest: &'a [u8], name: &[u8]) -> Option<(u64, &'a [u8])> {
        let rest = rest.strip_prefix(name)?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let n = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        Some((n, &rest[digits..]))
    }
    let (accepted, rest) = field(answer, br#"{"accepted":"#)?;
    let (duplicate, rest) = field(rest, br#","duplicate":"#)?;
    let (rejected, _) = field(rest, br#","rejected":"#)?;
    Some(Counts {
        accepted,
        duplicate,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answers_counts_are_read_from_its_first_fields() {
        let c = |accepted, duplicate, rejected| {
            Some(Counts {
                accepted,
                duplicate,
                rejected,
            })
        };
        let cases: [(&[u8], Option<Counts>); 5] = [
            (
                br#"{"accepted":2,"duplicate":1,"rejected":0,"results":[]}"#,
                c(2, 1, 0),
            ),
            (
                br#"{"accepted":0,"duplicate":0,"rejected":12,"results":[{"status":"rejected"}]}"#,
                c(0, 0, 12),
            ),
            (br#"{"accepted":1,"rejected":0,"duplicate":0}"#, None),
            (br#"{"results":[],"accepted":1}"#, None),
            (br#"{"accepted":"#, None),
        ];
        for (answer, want) in cases {
            assert_eq!(counts(answer), want, "{}", String::from_utf8_lossy(answer));
        }
    }
}
