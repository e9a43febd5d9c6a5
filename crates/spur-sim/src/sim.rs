//! The traffic model: parties, their behaviour, and the writers of payments.csv and
//! truth.csv. Calibration figures come from the domain brief
//! (`docs/osec-typologies.md` in the shared docs); each behaviour cites the figure it
//! follows. See `docs/simulator.md` for the whole model. Here the
//! configuration, the summary and the writers; the world and its shared
//! draws in `sim/world.rs`, the remark vocabularies in `sim/messages.rs`, the
//! offenders and facilitators in `sim/offenders.rs`, families in
//! `sim/family.rs`, the other look-alikes in `sim/lookalikes.rs`.

use crate::geo::{self, cc, Mix, COUNTRIES};
use crate::names::{self, PersonName, Style};
use crate::params::Behaviour;
use crate::party::Label;
use crate::rng::Rng;
use crate::time::{civil_from_days, days_from_civil, days_in_month, weekday, Timestamp};
use crate::SimError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::Write;

// One population or one idea per file; they share the world's draws.
mod family;
mod lookalikes;
mod messages;
mod offenders;
mod world;
use family::*;
use lookalikes::*;
use messages::*;
use offenders::*;
use world::*;

/// Shares of senders by kind; ordinary senders take the remainder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SenderMix {
    /// OSEC customers; the brief gives no population share, 3% keeps positives rare.
    pub osec_offender: f64,
    pub family: f64,
    pub partner: f64,
    pub client: f64,
    pub donor: f64,
    pub romance_victim: f64,
}

impl Default for SenderMix {
    fn default() -> Self {
        SenderMix {
            osec_offender: 0.03,
            family: 0.40,
            partner: 0.06,
            client: 0.05,
            donor: 0.08,
            romance_victim: 0.015,
        }
    }
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimConfig {
    pub seed: u64,
    /// Number of sending parties (receivers follow from the behaviour model).
    pub senders: usize,
    /// Length of the observation window in days.
    pub days: u32,
    /// Start of the window (UTC).
    pub start: Timestamp,
    pub mix: SenderMix,
    /// Every population's behaviour: the calibrated world by default,
    /// [`SimConfig::varied`] draws it from the brief's ranges.
    pub behaviour: Behaviour,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            senders: 20_000,
            days: 90,
            // 2026-01-01T00:00:00Z
            start: Timestamp(1_767_225_600),
            mix: SenderMix::default(),
            behaviour: Behaviour::default(),
        }
    }
}

impl SimConfig {
    /// A world whose every behavioural parameter and population share is drawn, by
    /// `seed`, from the ranges the domain brief allows (`params.rs`); the same seed
    /// also seeds the traffic.
    pub fn varied(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            mix: crate::params::varied_mix(seed),
            behaviour: Behaviour::varied(seed),
            ..SimConfig::default()
        }
    }

    fn validate(&self) -> Result<(), SimError> {
        let m = &self.mix;
        let shares = [
            m.osec_offender,
            m.family,
            m.partner,
            m.client,
            m.donor,
            m.romance_victim,
        ];
        if shares.iter().any(|s| !s.is_finite() || *s < 0.0)
            || shares.iter().sum::<f64>() > 1.0 + 1e-9
        {
            return Err(SimError::Config(
                "mix shares must be non-negative and sum to at most 1".into(),
            ));
        }
        if self.senders == 0 || self.senders > 50_000_000 {
            return Err(SimError::Config(
                "senders must be between 1 and 50,000,000".into(),
            ));
        }
        if self.days == 0 || self.days > 3660 {
            return Err(SimError::Config("days must be between 1 and 3660".into()));
        }
        Ok(())
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SimSummary {
    pub payments: usize,
    pub senders: usize,
    pub receivers: usize,
    /// Parties in truth.csv per label.
    pub parties_by_label: BTreeMap<String, usize>,
    /// Payments per sender label.
    pub payments_by_label: BTreeMap<String, usize>,
    /// Offenders with at most 4 payments (the evaluation's "light" buyers).
    pub light_offenders: usize,
    pub first: Option<String>,
    pub last: Option<String>,
}

impl fmt::Display for SimSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} payments, {} senders, {} receivers",
            self.payments, self.senders, self.receivers
        )?;
        if let (Some(a), Some(b)) = (&self.first, &self.last) {
            writeln!(f, "from {a} to {b}")?;
        }
        writeln!(f, "{:<26} {:>8} {:>10}", "label", "parties", "payments")?;
        for (label, n) in &self.parties_by_label {
            let p = self
                .payments_by_label
                .get(label)
                .map(|p| p.to_string())
                .unwrap_or_default();
            writeln!(f, "{label:<26} {n:>8} {p:>10}")?;
        }
        write!(
            f,
            "light offenders (<= 4 payments): {}",
            self.light_offenders
        )
    }
}

/// Generates the traffic and ground truth and writes both as CSV.
///
/// Output depends only on `cfg`: the same configuration yields the same bytes.
pub fn simulate(
    cfg: &SimConfig,
    payments: impl Write,
    truth: impl Write,
) -> Result<SimSummary, SimError> {
    cfg.validate()?;
    let mut w = World::new(cfg);
    let m = &cfg.mix;
    let count = |share: f64| (cfg.senders as f64 * share).round() as usize;
    let n_off = count(m.osec_offender);
    let n_family = count(m.family);
    let n_partner = count(m.partner);
    let n_client = count(m.client);
    let n_donor = count(m.donor);
    let n_romance = count(m.romance_victim);
    let typed = n_off + n_family + n_partner + n_client + n_donor + n_romance;
    let n_ordinary = cfg.senders.saturating_sub(typed);

    let (facs, rings, ring_cum) = build_facilitators(&mut w, n_off);
    for _ in 0..n_off {
        gen_offender(&mut w, &facs, &rings, &ring_cum);
    }
    // About 30% of facilitator persons also get money from a relative abroad (same
    // surname), counted among the family senders.
    let mut attached = 0;
    for f in &facs {
        if attached < n_family && w.rng.chance(w.b.facilitator.with_family) {
            let alias = f.aliases[0];
            gen_family(&mut w, Some((alias, f.surname)));
            attached += 1;
        }
    }
    for _ in attached..n_family {
        gen_family(&mut w, None);
    }
    for _ in 0..n_partner {
        gen_partner(&mut w);
    }
    let (freelancers, fcum) = build_freelancers(&mut w, n_client);
    for _ in 0..n_client {
        gen_client(&mut w, &freelancers, &fcum);
    }
    let (charities, ccum) = build_charities(&mut w, n_donor);
    for _ in 0..n_donor {
        gen_donor(&mut w, &charities, &ccum);
    }
    let scammers = build_scammers(&mut w, n_romance);
    for _ in 0..n_romance {
        gen_romance_victim(&mut w, &scammers);
    }
    for _ in 0..n_ordinary {
        gen_ordinary(&mut w);
    }
    write_out(w, payments, truth)
}

/// Appends `n` in decimal, zero-padded to `width` digits (no formatting machinery on
/// the per-row path).
fn push_digits(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 && buf.len() - i >= width {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_id(out: &mut Vec<u8>, prefix: u8, n: u64, width: usize) {
    out.clear();
    out.push(prefix);
    push_digits(out, n, width);
}

/// Opaque ids: a random permutation so that id order says nothing about the label.
fn ids(rng: &mut Rng, n: usize) -> Vec<u32> {
    let mut v: Vec<u32> = (1..=n as u32).collect();
    rng.shuffle(&mut v);
    v
}

fn write_out(
    mut w: World,
    payments: impl Write,
    truth: impl Write,
) -> Result<SimSummary, SimError> {
    // Stable sort: ties keep generation order, so output stays deterministic.
    w.payments.sort_by_key(|p| p.ts);
    let sid = ids(&mut w.rng, w.senders.len());
    let rid = ids(&mut w.rng, w.receivers.len());
    let mut sender_n = vec![0u32; w.senders.len()];
    let mut receiver_seen = vec![false; w.receivers.len()];

    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(payments);
    out.write_record([
        "txn_id",
        "timestamp",
        "amount",
        "currency",
        "sender_id",
        "sender_name",
        "sender_country",
        "receiver_id",
        "receiver_name",
        "receiver_country",
        "channel",
        "message",
        "receiver_phone",
        "payout_time",
    ])?;
    let mut rec = csv::ByteRecord::new();
    let (mut txn, mut amount, mut s_id, mut r_id) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut msg = String::new();
    let mut ts_buf = [0u8; 20];
    let mut payout_buf = [0u8; 20];
    for (i, p) in w.payments.iter().enumerate() {
        let s = &w.senders[p.sender as usize];
        let r = &w.receivers[p.receiver as usize];
        sender_n[p.sender as usize] += 1;
        receiver_seen[p.receiver as usize] = true;
        push_id(&mut txn, b'T', (i + 1) as u64, 8);
        amount.clear();
        push_digits(&mut amount, (p.cents / 100) as u64, 1);
        amount.push(b'.');
        push_digits(&mut amount, (p.cents % 100) as u64, 2);
        push_id(&mut s_id, b'S', sid[p.sender as usize] as u64, 6);
        push_id(&mut r_id, b'R', rid[p.receiver as usize] as u64, 6);
        msg.clear();
        match p.msg {
            Msg::Empty => {}
            Msg::Text(t) => msg.push_str(t),
            Msg::Owned(k) => msg.push_str(&w.owned[k as usize]),
            Msg::Invoice(n) => {
                let _ = write!(msg, "INV-{n}");
            }
            Msg::Retainer => {
                let (_, month, _) = civil_from_days(Timestamp(p.ts).local_day(s.offset_min));
                let _ = write!(
                    msg,
                    "{} retainer",
                    MONTHS[(month as usize).saturating_sub(1) % 12]
                );
            }
        }
        Timestamp(p.ts).write_rfc3339(&mut ts_buf);
        let payout: &[u8] = if p.payout == NO_PAYOUT {
            b""
        } else {
            Timestamp(p.payout).write_rfc3339(&mut payout_buf);
            &payout_buf
        };
        let phone: &[u8] = match (&r.phone, p.show_phone) {
            (Some(ph), true) => ph.as_bytes(),
            _ => b"",
        };
        rec.clear();
        rec.push_field(&txn);
        rec.push_field(&ts_buf);
        rec.push_field(&amount);
        rec.push_field(COUNTRIES[s.country as usize].currency.code.as_bytes());
        rec.push_field(&s_id);
        rec.push_field(s.name.as_bytes());
        rec.push_field(COUNTRIES[s.country as usize].code.as_bytes());
        rec.push_field(&r_id);
        rec.push_field(r.name.as_bytes());
        rec.push_field(COUNTRIES[r.country as usize].code.as_bytes());
        rec.push_field(p.channel.as_str().as_bytes());
        rec.push_field(msg.as_bytes());
        rec.push_field(phone);
        rec.push_field(payout);
        out.write_byte_record(&rec)?;
    }
    out.flush()?;
    drop(out);

    let mut summary = SimSummary {
        payments: w.payments.len(),
        first: w.payments.first().map(|p| Timestamp(p.ts).to_string()),
        last: w.payments.last().map(|p| Timestamp(p.ts).to_string()),
        ..SimSummary::default()
    };
    let mut t = csv::Writer::from_writer(truth);
    t.write_record(["party_id", "role", "label"])?;
    let mut by_id: Vec<(u32, usize)> = sid.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    by_id.sort_unstable();
    for (id, i) in by_id {
        if sender_n[i] == 0 {
            continue;
        }
        let label = w.senders[i].label;
        summary.senders += 1;
        *summary
            .parties_by_label
            .entry(label.as_str().to_owned())
            .or_default() += 1;
        *summary
            .payments_by_label
            .entry(label.as_str().to_owned())
            .or_default() += sender_n[i] as usize;
        if label == Label::OsecOffender && sender_n[i] <= 4 {
            summary.light_offenders += 1;
        }
        t.write_record([format!("S{id:06}").as_str(), "sender", label.as_str()])?;
    }
    let mut by_id: Vec<(u32, usize)> = rid.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    by_id.sort_unstable();
    for (id, i) in by_id {
        if !receiver_seen[i] {
            continue;
        }
        let label = w.receivers[i].label;
        summary.receivers += 1;
        *summary
            .parties_by_label
            .entry(label.as_str().to_owned())
            .or_default() += 1;
        t.write_record([format!("R{id:06}").as_str(), "receiver", label.as_str()])?;
    }
    t.flush()?;
    Ok(summary)
}
