//! Evaluation of a detector's alerts against truth.csv.
//!
//! Definitions (also in `docs/simulator.md`):
//! - positives: truth rows `(sender, osec_offender)` and `(receiver, osec_facilitator)`;
//! - an alert names `(subject, role)`; repeated alerts for the same pair count once, with
//!   their highest score; alerts for pairs absent from truth are false positives of kind
//!   `unknown`;
//! - ranking: score descending; among equal scores false positives rank first
//!   (pessimistic), so a constant score earns nothing from the order;
//! - average precision = sum of precision@k over the ranks k of true hits, divided by
//!   all positives (unalerted positives contribute 0);
//! - light offenders: at most [`LIGHT_MAX_PAYMENTS`] payments with their `sender_id` in
//!   payments.csv (0 included); heavy: more.

use crate::party::is_positive;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};

/// An offender with at most this many payments in the data is "light".
pub const LIGHT_MAX_PAYMENTS: usize = 4;

/// Malformed input, naming the file, its line and the reason.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("truth line {line}: {reason}")]
    Truth { line: u64, reason: String },
    #[error("alerts line {line}: {reason}")]
    Alerts { line: u64, reason: String },
    #[error("payments line {line}: {reason}")]
    Payments { line: u64, reason: String },
    #[error("reading {file}: {source}")]
    Io {
        file: &'static str,
        source: std::io::Error,
    },
}

/// Detection quality for one role, or for both together.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoleMetrics {
    pub positives: usize,
    pub alerts: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub average_precision: f64,
}

/// Recall within a segment of offenders.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Segment {
    pub offenders: usize,
    pub detected: usize,
    pub recall: f64,
}

/// Alerted legitimate parties of one label (`unknown`: alerted parties absent from truth).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FalsePositives {
    pub label: String,
    pub role: String,
    /// Parties with this label in truth (0 for `unknown`).
    pub parties: usize,
    pub alerted: usize,
    /// alerted / parties (0 when there are no parties).
    pub share: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalReport {
    pub sender: RoleMetrics,
    pub receiver: RoleMetrics,
    pub overall: RoleMetrics,
    /// Offenders with at most 4 payments; `None` without payments.csv.
    pub light_offenders: Option<Segment>,
    pub heavy_offenders: Option<Segment>,
    /// By label, sender labels first, then receiver labels, then `unknown`.
    pub false_positives: Vec<FalsePositives>,
    /// Alert lines that repeated an already alerted (subject, role).
    pub duplicate_alerts: usize,
}

#[derive(Deserialize)]
struct AlertLine {
    subject: String,
    role: String,
    score: f64,
}

struct TruthRow {
    label: String,
    positive: bool,
}

fn metrics(mut ranked: Vec<(f64, bool)>, positives: usize) -> RoleMetrics {
    // Score descending; on ties false positives first.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut tp = 0usize;
    let mut ap_sum = 0.0;
    for (k, (_, hit)) in ranked.iter().enumerate() {
        if *hit {
            tp += 1;
            ap_sum += tp as f64 / (k + 1) as f64;
        }
    }
    let alerts = ranked.len();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, alerts);
    let recall = ratio(tp, positives);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    RoleMetrics {
        positives,
        alerts,
        true_positives: tp,
        false_positives: alerts - tp,
        precision,
        recall,
        f1,
        average_precision: if positives == 0 {
            0.0
        } else {
            ap_sum / positives as f64
        },
    }
}

fn csv_line(e: &csv::Error) -> u64 {
    e.position().map_or(0, |p| p.line())
}

fn read_truth(truth: impl Read) -> Result<HashMap<(String, String), TruthRow>, EvalError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(truth);
    let headers = rdr.headers().map_err(|e| EvalError::Truth {
        line: csv_line(&e).max(1),
        reason: e.to_string(),
    })?;
    if headers.iter().collect::<Vec<_>>() != ["party_id", "role", "label"] {
        return Err(EvalError::Truth {
            line: 1,
            reason: "header must be party_id,role,label".into(),
        });
    }
    let mut out = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let line_before = rdr.position().line();
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(EvalError::Truth {
                    line: csv_line(&e).max(line_before),
                    reason: e.to_string(),
                })
            }
        }
        let line = rec.position().map_or(line_before, |p| p.line());
        let bad = |reason: String| EvalError::Truth { line, reason };
        if rec.len() != 3 {
            return Err(bad(format!("expected 3 fields, found {}", rec.len())));
        }
        let (id, role, label) = (rec[0].trim(), rec[1].trim(), rec[2].trim());
        if id.is_empty() || label.is_empty() {
            return Err(bad("empty party_id or label".into()));
        }
        if role != "sender" && role != "receiver" {
            return Err(bad(format!(
                "role must be sender or receiver, found {role:?}"
            )));
        }
        let row = TruthRow {
            label: label.to_owned(),
            positive: is_positive(role, label),
        };
        if out.insert((id.to_owned(), role.to_owned()), row).is_some() {
            return Err(bad(format!("duplicate truth row for {id} as {role}")));
        }
    }
    Ok(out)
}

/// (subject, role) -> highest score, and the number of repeated lines.
/// (subject, role) -> score.
type AlertScores = HashMap<(String, String), f64>;

fn read_alerts(alerts: impl Read) -> Result<(AlertScores, usize), EvalError> {
    let mut out: HashMap<(String, String), f64> = HashMap::new();
    let mut dups = 0;
    for (i, line) in BufReader::new(alerts).lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| EvalError::Alerts {
            line: n,
            reason: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| EvalError::Alerts { line: n, reason };
        let a: AlertLine = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if a.role != "sender" && a.role != "receiver" {
            return Err(bad(format!(
                "role must be sender or receiver, found {:?}",
                a.role
            )));
        }
        if !a.score.is_finite() {
            return Err(bad("score must be a finite number".into()));
        }
        if a.subject.is_empty() {
            return Err(bad("empty subject".into()));
        }
        match out.entry((a.subject, a.role)) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                dups += 1;
                if a.score > *e.get() {
                    e.insert(a.score);
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(a.score);
            }
        }
    }
    Ok((out, dups))
}

fn count_payments(payments: impl Read) -> Result<HashMap<String, usize>, EvalError> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(payments);
    let headers = rdr.headers().map_err(|e| EvalError::Payments {
        line: csv_line(&e).max(1),
        reason: e.to_string(),
    })?;
    let col = headers
        .iter()
        .position(|h| h == "sender_id")
        .ok_or_else(|| EvalError::Payments {
            line: 1,
            reason: "no sender_id column in header".into(),
        })?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        let line_before = rdr.position().line();
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(EvalError::Payments {
                    line: csv_line(&e).max(line_before),
                    reason: e.to_string(),
                })
            }
        }
        let id = rec
            .get(col)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| EvalError::Payments {
                line: rec.position().map_or(line_before, |p| p.line()),
                reason: "sender_id missing or not UTF-8".into(),
            })?;
        match counts.get_mut(id) {
            Some(c) => *c += 1,
            None => {
                counts.insert(id.to_owned(), 1);
            }
        }
    }
    Ok(counts)
}

/// Every alert's score with whether it is true, per role (`[senders,
/// receivers]`): the pairs a calibration is fitted to and a reliability
/// diagram is drawn from. Alerts for parties absent from truth are untrue.
pub fn labelled_scores(
    truth: impl Read,
    alerts: impl Read,
) -> Result<[Vec<(f64, bool)>; 2], EvalError> {
    let truth = read_truth(truth)?;
    let (alerts, _) = read_alerts(alerts)?;
    let mut out: [Vec<(f64, bool)>; 2] = [Vec::new(), Vec::new()];
    for (key, score) in alerts {
        let hit = truth.get(&key).is_some_and(|row| row.positive);
        out[usize::from(key.1 == "receiver")].push((score, hit));
    }
    // The map's order is not the input's: sort for a deterministic result.
    for v in &mut out {
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    Ok(out)
}

/// Scores `alerts` (JSON Lines) against `truth` (truth.csv); with `payments`
/// (payments.csv) also reports recall for light and heavy offenders separately.
pub fn evaluate(
    truth: impl Read,
    alerts: impl Read,
    payments: Option<impl Read>,
) -> Result<EvalReport, EvalError> {
    let truth = read_truth(truth)?;
    let (alerts, duplicate_alerts) = read_alerts(alerts)?;
    let counts = payments.map(count_payments).transpose()?;

    let mut ranked: [Vec<(f64, bool)>; 2] = [Vec::new(), Vec::new()];
    let mut positives = [0usize; 2];
    let role_ix = |r: &str| usize::from(r == "receiver");
    // (role, label) -> (parties, alerted)
    let mut fp: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for ((_, role), row) in &truth {
        if row.positive {
            positives[role_ix(role)] += 1;
        } else {
            fp.entry((role.clone(), row.label.clone())).or_default().0 += 1;
        }
    }
    let mut unknown = [0usize; 2];
    for (key, score) in &alerts {
        let hit = match truth.get(key) {
            Some(row) => {
                if !row.positive {
                    fp.entry((key.1.clone(), row.label.clone())).or_default().1 += 1;
                }
                row.positive
            }
            None => {
                unknown[role_ix(&key.1)] += 1;
                false
            }
        };
        ranked[role_ix(&key.1)].push((*score, hit));
    }
    let overall: Vec<(f64, bool)> = ranked.iter().flatten().copied().collect();
    let [s, r] = ranked;
    let mut report = EvalReport {
        sender: metrics(s, positives[0]),
        receiver: metrics(r, positives[1]),
        overall: metrics(overall, positives[0] + positives[1]),
        duplicate_alerts,
        ..EvalReport::default()
    };

    if let Some(counts) = counts {
        let mut light = Segment::default();
        let mut heavy = Segment::default();
        for ((id, role), row) in &truth {
            if !(row.positive && role == "sender") {
                continue;
            }
            let n = counts.get(id).copied().unwrap_or(0);
            let seg = if n <= LIGHT_MAX_PAYMENTS {
                &mut light
            } else {
                &mut heavy
            };
            seg.offenders += 1;
            if alerts.contains_key(&(id.clone(), role.clone())) {
                seg.detected += 1;
            }
        }
        for seg in [&mut light, &mut heavy] {
            seg.recall = if seg.offenders == 0 {
                0.0
            } else {
                seg.detected as f64 / seg.offenders as f64
            };
        }
        report.light_offenders = Some(light);
        report.heavy_offenders = Some(heavy);
    }

    let mut fps: Vec<FalsePositives> = fp
        .into_iter()
        .map(|((role, label), (parties, alerted))| FalsePositives {
            label,
            role,
            parties,
            alerted,
            share: if parties == 0 {
                0.0
            } else {
                alerted as f64 / parties as f64
            },
        })
        .collect();
    fps.sort_by(|a, b| b.role.cmp(&a.role).then(a.label.cmp(&b.label)));
    for (i, role) in ["sender", "receiver"].iter().enumerate() {
        if unknown[i] > 0 {
            fps.push(FalsePositives {
                label: "unknown".into(),
                role: (*role).into(),
                parties: 0,
                alerted: unknown[i],
                share: 0.0,
            });
        }
    }
    report.false_positives = fps;
    Ok(report)
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<9} {:>9} {:>7} {:>6} {:>6} {:>9} {:>7} {:>6} {:>6}",
            "role", "positives", "alerts", "tp", "fp", "precision", "recall", "f1", "ap"
        )?;
        for (name, m) in [
            ("sender", &self.sender),
            ("receiver", &self.receiver),
            ("overall", &self.overall),
        ] {
            writeln!(
                f,
                "{:<9} {:>9} {:>7} {:>6} {:>6} {:>9.3} {:>7.3} {:>6.3} {:>6.3}",
                name,
                m.positives,
                m.alerts,
                m.true_positives,
                m.false_positives,
                m.precision,
                m.recall,
                m.f1,
                m.average_precision
            )?;
        }
        if let (Some(l), Some(h)) = (&self.light_offenders, &self.heavy_offenders) {
            writeln!(f, "offender recall: light (<= {LIGHT_MAX_PAYMENTS} payments) {}/{} = {:.3}, heavy {}/{} = {:.3}", l.detected, l.offenders, l.recall, h.detected, h.offenders, h.recall)?;
        }
        writeln!(f, "false positives by label:")?;
        writeln!(
            f,
            "  {:<26} {:<9} {:>8} {:>8} {:>7}",
            "label", "role", "parties", "alerted", "share"
        )?;
        for x in &self.false_positives {
            if x.label == "unknown" {
                writeln!(
                    f,
                    "  {:<26} {:<9} {:>8} {:>8} {:>7}",
                    x.label, x.role, "-", x.alerted, "-"
                )?;
            } else {
                writeln!(
                    f,
                    "  {:<26} {:<9} {:>8} {:>8} {:>6.2}%",
                    x.label,
                    x.role,
                    x.parties,
                    x.alerted,
                    100.0 * x.share
                )?;
            }
        }
        if self.duplicate_alerts > 0 {
            writeln!(f, "duplicate alert lines merged: {}", self.duplicate_alerts)?;
        }
        Ok(())
    }
}
