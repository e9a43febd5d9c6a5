//! The traffic model: parties, their behaviour, and the writers of payments.csv and
//! truth.csv. Calibration figures come from the domain brief
//! (`docs/osec-typologies.md` in the shared docs); each behaviour cites the figure it
//! follows. See `docs/simulator.md` for the whole model.

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Remittance,
    Wallet,
    Bank,
    Card,
    Crypto,
    Cash,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Remittance => "remittance",
            Channel::Wallet => "wallet",
            Channel::Bank => "bank",
            Channel::Card => "card",
            Channel::Crypto => "crypto",
            Channel::Cash => "cash",
        }
    }
}

type ChannelMix = &'static [(Channel, f64)];

/// AMLC: 87.5% of OSEC-related STRs involved remittances, 60% via money-service
/// businesses, 35% via banks; e-wallets and crypto are growing (brief, "The crime").
const OFFENDER_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 50.0),
    (Channel::Wallet, 27.0),
    (Channel::Bank, 10.0),
    (Channel::Crypto, 8.0),
    (Channel::Card, 3.0),
    (Channel::Cash, 2.0),
];
const FAMILY_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 55.0),
    (Channel::Wallet, 30.0),
    (Channel::Bank, 13.0),
    (Channel::Cash, 2.0),
];
const PARTNER_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 45.0),
    (Channel::Wallet, 35.0),
    (Channel::Bank, 15.0),
    (Channel::Crypto, 5.0),
];

#[derive(Clone, Copy, Debug)]
enum Msg {
    Empty,
    Text(&'static str),
    /// Index into the world's owned messages (handles, sponsorship numbers).
    Owned(u32),
    /// "INV-1042".
    Invoice(u32),
    /// "<Month of payment> retainer".
    Retainer,
}

/// Cover words (P-REMARK: AUSTRAC, FATF 2025, ACAMS); families write the same words.
const COVER: &[&str] = &[
    "school fees",
    "gift",
    "for uniform",
    "medical bills",
    "family support",
    "load",
    "birthday",
    "treat",
    "allowance",
    "for school",
    "accommodation",
    "education",
    "for the kids",
    "pang load",
    "snacks",
    "tuition",
    "for food",
    "pasalubong",
];
const PLAIN: &[&str] = &["thanks", "ok", "for you", "ty", "see you", "as agreed", "x"];
const FAMILY_MSGS: &[&str] = &[
    "family support",
    "allowance",
    "for mama",
    "school fees",
    "tuition",
    "pang gastos",
    "load",
    "for papa",
    "padala",
    "monthly",
    "bills",
    "for rent",
    "medical bills",
    "for the kids",
    "ingat kayo",
    "for groceries",
];
const FAMILY_EXTRA_MSGS: &[&str] = &[
    "birthday",
    "happy birthday nay",
    "medical bills",
    "emergency",
    "tuition",
    "Merry Christmas",
    "for the hospital",
    "enrollment",
];
const PARTNER_MSGS: &[&str] = &[
    "love you",
    "for the baby",
    "for school",
    "miss you",
    "for rent",
    "for you babe",
    "groceries",
    "for mama",
    "for electricity bill",
    "xoxo",
    "my love",
    "for your family",
    "allowance",
];
/// What a partner writes that reads like P-REMARK's cover words (issue 11).
const PARTNER_COVER_MSGS: &[&str] = &[
    "gift",
    "for school",
    "birthday",
    "treat",
    "load",
    "for the baby",
    "school fees",
    "allowance",
];
const CLIENT_MSGS: &[&str] = &[
    "VA services",
    "payment for services",
    "web design",
    "bookkeeping",
    "social media management",
    "consulting fee",
    "data entry",
    "graphic design",
    "payroll",
    "customer support shift",
    "contract work",
];
const DONOR_MSGS: &[&str] = &[
    "donation",
    "sponsor a child",
    "monthly pledge",
    "child sponsorship",
    "monthly donation",
];
const DONOR_ONEOFF_MSGS: &[&str] = &[
    "Christmas appeal",
    "donation",
    "typhoon relief",
    "school supplies drive",
    "in memory of mum",
];
const ROMANCE_MSGS: &[&str] = &[
    "hospital",
    "visa",
    "customs fee",
    "plane ticket",
    "hospital bill",
    "for the lawyer",
    "tax clearance",
    "release fee",
    "medicine",
    "travel documents",
    "love you",
];
const ORDINARY_MSGS: &[&str] = &[
    "rent",
    "dinner",
    "thanks",
    "groceries",
    "split bill",
    "utilities",
    "birthday",
    "gift",
    "tickets",
    "repayment",
    "deposit",
    "lunch",
];
const PH_DOMESTIC_MSGS: &[&str] = &[
    "pang load",
    "bayad utang",
    "padala",
    "load",
    "ulam",
    "pamasahe",
    "tuition",
    "bayad sa upa",
];
const GIFT_MSGS: &[&str] = &[
    "gift",
    "happy birthday",
    "for your trip",
    "thank you",
    "merry christmas",
    "treat",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Clone, Copy)]
struct Payment {
    ts: i64,
    /// `i64::MIN` when the payout time is unknown.
    payout: i64,
    /// Amount in hundredths of the sender's currency.
    cents: i64,
    sender: u32,
    receiver: u32,
    msg: Msg,
    channel: Channel,
    show_phone: bool,
}

const NO_PAYOUT: i64 = i64::MIN;

struct Party {
    name: String,
    country: u8,
    offset_min: i32,
    phone: Option<String>,
    label: Label,
}

/// A facilitator person behind 1-4 alias accounts.
struct Facilitator {
    aliases: Vec<u32>,
    surname: &'static str,
    /// Index into owned messages: the social handle customers sometimes write.
    handle: u32,
}

struct Ring {
    members: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
enum Buyer {
    Light,
    Medium,
    Heavy,
}

struct World {
    rng: Rng,
    b: Behaviour,
    start: i64,
    end: i64,
    d0: i64,
    days: i64,
    senders: Vec<Party>,
    receivers: Vec<Party>,
    payments: Vec<Payment>,
    owned: Vec<String>,
    merchants: Vec<Vec<u32>>,
    individuals: Vec<Vec<u32>>,
    family_households: Vec<(u32, &'static str)>,
}

/// Cumulative weights for repeated weighted picks.
struct Cum(Vec<f64>);

impl Cum {
    fn new(w: impl Iterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        Cum(w
            .map(|x| {
                acc += x;
                acc
            })
            .collect())
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = rng.f64() * total;
        self.0
            .partition_point(|c| *c <= x)
            .min(self.0.len().saturating_sub(1))
    }
}

impl World {
    fn new(cfg: &SimConfig) -> Self {
        let start = cfg.start.0;
        World {
            rng: Rng::new(cfg.seed),
            b: cfg.behaviour.clone(),
            start,
            end: start + cfg.days as i64 * 86_400,
            d0: start.div_euclid(86_400),
            days: cfg.days as i64,
            senders: Vec::with_capacity(cfg.senders),
            receivers: Vec::with_capacity(cfg.senders),
            payments: Vec::with_capacity(cfg.senders * 8),
            owned: Vec::new(),
            merchants: vec![Vec::new(); COUNTRIES.len()],
            individuals: vec![Vec::new(); COUNTRIES.len()],
            family_households: Vec::new(),
        }
    }

    fn offset_for(&mut self, country: u8) -> i32 {
        self.rng.weighted_pick(COUNTRIES[country as usize].offsets)
    }

    fn country(&mut self, mix: Mix) -> u8 {
        cc(self.rng.weighted_pick(mix))
    }

    fn new_sender(&mut self, name: String, country: u8, label: Label) -> u32 {
        let offset_min = self.offset_for(country);
        self.senders.push(Party {
            name,
            country,
            offset_min,
            phone: None,
            label,
        });
        (self.senders.len() - 1) as u32
    }

    fn new_receiver(
        &mut self,
        name: String,
        country: u8,
        label: Label,
        phone: Option<String>,
    ) -> u32 {
        let offset_min = self.offset_for(country);
        self.receivers.push(Party {
            name,
            country,
            offset_min,
            phone,
            label,
        });
        (self.receivers.len() - 1) as u32
    }

    fn phone(&mut self, country: u8) -> String {
        let c = &COUNTRIES[country as usize];
        let mut s = String::with_capacity(16);
        s.push_str(c.dial);
        if c.code == "PH" {
            s.push('9');
            let _ = write!(s, "{:09}", self.rng.below(1_000_000_000));
        } else {
            let _ = write!(
                s,
                "{}{:08}",
                self.rng.int(2, 9),
                self.rng.below(100_000_000)
            );
        }
        s
    }

    fn maybe_phone(&mut self, country: u8, p: f64) -> Option<String> {
        if self.rng.chance(p) {
            Some(self.phone(country))
        } else {
            None
        }
    }

    /// True with probability `p`; draws nothing when `p` is 0, so that a behaviour the
    /// calibrated world lacks leaves its random stream (and its bytes) as they were.
    fn maybe(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.chance(p)
    }

    fn own(&mut self, s: String) -> u32 {
        self.owned.push(s);
        (self.owned.len() - 1) as u32
    }

    /// UTC instant of `secs` past local midnight of epoch day `day` at `offset_min`,
    /// folded into the window by whole days so that no behaviour is lost at the edges.
    fn at(&self, day: i64, secs: i64, offset_min: i32) -> i64 {
        let mut ts = day * 86_400 + secs - offset_min as i64 * 60;
        while ts < self.start {
            ts += 86_400;
        }
        while ts >= self.end {
            ts -= 86_400;
        }
        ts.max(self.start)
    }

    fn random_day(&mut self) -> i64 {
        self.d0 + self.rng.below(self.days as usize) as i64
    }

    /// Seconds after local midnight in the late evening / night (21:00-03:59), the hours
    /// of P-HOURS (FATF 2025); may exceed 24 h (after midnight of the next day).
    fn night_secs(&mut self) -> i64 {
        let hour = 21 + self.rng.weighted(&[1.0, 2.0, 3.0, 3.0, 2.5, 1.5, 1.0]) as i64;
        hour * 3600 + self.rng.below(3600) as i64
    }

    fn day_secs(&mut self, from_h: i64, to_h: i64) -> i64 {
        self.rng.int(from_h * 3600, to_h * 3600 - 1)
    }

    /// A waking-hours-weighted time of day, for parties with no particular habit.
    fn any_secs(&mut self) -> i64 {
        const W: [f64; 24] = [
            1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.5, 4.0, 4.0, 4.0, 4.0,
            4.0, 4.5, 4.5, 4.0, 3.5, 2.5, 1.5,
        ];
        let h = self.rng.weighted(&W) as i64;
        h * 3600 + self.rng.below(3600) as i64
    }

    /// Local epoch days on day-of-month `dom` (clamped to the month's length), `jitter`
    /// days either side, within the window.
    fn monthly_days(&mut self, dom: u32, jitter: i64) -> Vec<i64> {
        let (mut y, mut m, _) = civil_from_days(self.d0);
        let mut out = Vec::with_capacity((self.days / 28 + 2) as usize);
        loop {
            let first = days_from_civil(y, m, 1);
            if first >= self.d0 + self.days {
                break;
            }
            let day =
                days_from_civil(y, m, dom.min(days_in_month(y, m))) + self.rng.int(-jitter, jitter);
            if day >= self.d0 && day < self.d0 + self.days {
                out.push(day);
            }
            if m == 12 {
                y += 1;
                m = 1;
            } else {
                m += 1;
            }
        }
        out
    }

    /// Local epoch days every `period` days from a random phase, starting no earlier than
    /// `from` days into the window.
    fn periodic_days(&mut self, period: i64, jitter: i64, from: i64) -> Vec<i64> {
        let mut out = Vec::with_capacity((self.days / period + 2) as usize);
        let mut d = from + self.rng.below(period as usize) as i64;
        while d < self.days {
            let day = (d + self.rng.int(-jitter, jitter)).clamp(0, self.days - 1);
            out.push(self.d0 + day);
            d += period;
        }
        out
    }

    /// `usd` in the sender's currency, in hundredths; optionally a round amount (P-SHAPE,
    /// FATF 2025: even round amounts in the sender's own currency).
    fn local_cents(&mut self, sender: u32, usd: f64, round: bool) -> i64 {
        let cur = COUNTRIES[self.senders[sender as usize].country as usize].currency;
        let local = usd * cur.per_usd;
        let value = if round {
            let step = cur.round_step() * [0.2, 0.5, 1.0][self.rng.weighted(&[3.0, 4.0, 3.0])];
            ((local / step).round() * step).max(step)
        } else if cur.per_usd >= 50.0 {
            local.round().max(1.0)
        } else {
            local.max(0.01)
        };
        (value * 100.0).round() as i64
    }

    /// The step of `sender`'s amounts in hundredths: 100 where amounts are
    /// whole units of the currency (`local_cents` pays those where a dollar
    /// is 50 units or more, e.g. JPY, whose ISO 4217 minor units are 0), else 1.
    fn unit_cents(&self, sender: u32) -> i64 {
        let cur = COUNTRIES[self.senders[sender as usize].country as usize].currency;
        if cur.per_usd >= 50.0 {
            100
        } else {
            1
        }
    }

    fn usd_of(&self, sender: u32, cents: i64) -> f64 {
        cents as f64
            / 100.0
            / COUNTRIES[self.senders[sender as usize].country as usize]
                .currency
                .per_usd
    }

    /// Whether the receipt shows the receiver's phone: only when the account has one.
    fn show_phone(&mut self, receiver: u32) -> bool {
        self.receivers[receiver as usize].phone.is_some() && self.rng.chance(0.9)
    }

    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        ts: i64,
        sender: u32,
        receiver: u32,
        cents: i64,
        channel: Channel,
        msg: Msg,
        payout_delay: Option<i64>,
    ) {
        let show_phone = self.show_phone(receiver);
        let payout = payout_delay.map_or(NO_PAYOUT, |d| ts + d.max(60));
        self.payments.push(Payment {
            ts,
            payout,
            cents,
            sender,
            receiver,
            msg,
            channel,
            show_phone,
        });
    }

    /// Seconds from receipt to cash-out, or `None` when the provider does not know.
    /// A message from `texts` with probability `p`, else none.
    fn maybe_text(&mut self, p: f64, texts: &[&'static str]) -> Msg {
        if self.rng.chance(p) {
            Msg::Text(self.rng.pick_copy(texts))
        } else {
            Msg::Empty
        }
    }

    fn payout(&mut self, known: f64, median_s: f64, sigma: f64, max_s: f64) -> Option<i64> {
        if self.rng.chance(known) {
            Some(self.rng.lognormal(median_s, sigma).clamp(120.0, max_s) as i64)
        } else {
            None
        }
    }

    fn merchant_in(&mut self, country: u8) -> u32 {
        let n = self.merchants[country as usize].len();
        if n < 3 || self.rng.chance(0.08) {
            let name = names::merchant(&mut self.rng, COUNTRIES[country as usize].code);
            let phone = self.maybe_phone(country, 0.3);
            let r = self.new_receiver(name, country, Label::MerchantReceiver, phone);
            self.merchants[country as usize].push(r);
            r
        } else {
            // Popular merchants (early ones) take most payments.
            let u = self.rng.f64();
            self.merchants[country as usize][(n as f64 * u * u) as usize]
        }
    }

    /// A person not drawn from the country's pool of ordinary receivers.
    fn new_individual(&mut self, country: u8) -> u32 {
        let style = COUNTRIES[country as usize].style;
        let p = PersonName::draw(&mut self.rng, style, 0.5);
        let name = p.render_any(&mut self.rng, self.b.names.canonical);
        let phone = self.maybe_phone(country, 0.5);
        self.new_receiver(name, country, Label::OrdinaryReceiver, phone)
    }

    fn individual_in(&mut self, country: u8) -> u32 {
        let n = self.individuals[country as usize].len();
        if n == 0 || self.rng.chance(0.5) {
            let style = COUNTRIES[country as usize].style;
            let p = PersonName::draw(&mut self.rng, style, 0.5);
            let name = p.render_any(&mut self.rng, self.b.names.canonical);
            let phone = self.maybe_phone(country, 0.5);
            let r = self.new_receiver(name, country, Label::OrdinaryReceiver, phone);
            self.individuals[country as usize].push(r);
            r
        } else {
            let i = self.rng.below(n);
            self.individuals[country as usize][i]
        }
    }

    fn person(&mut self, country: u8, female: f64) -> PersonName {
        let style = COUNTRIES[country as usize].style;
        PersonName::draw(&mut self.rng, style, female)
    }

    /// A non-Filipino name for a sender in `country`; US senders are sometimes Hispanic.
    fn western_person(&mut self, country: u8, female: f64) -> PersonName {
        let style = if COUNTRIES[country as usize].code == "US"
            && self.rng.chance(self.b.names.us_hispanic)
        {
            Style::Hispanic
        } else {
            COUNTRIES[country as usize].style
        };
        PersonName::draw(&mut self.rng, style, female)
    }
}

/// Builds facilitator persons, their alias accounts and rings.
///
/// Facilitators sit in PH, TH, CO (FINTRAC 2020); most are a parent or relative of the
/// victim (IJM 2020: 8 in 10), so rings are often family-run and share a surname (AMLC
/// family-run and syndicate patterns). Each person holds 1-4 alias accounts whose names
/// are variants of one name, sometimes with the same phone (R-ALIAS).
fn build_facilitators(w: &mut World, offenders: usize) -> (Vec<Facilitator>, Vec<Ring>, Cum) {
    if offenders == 0 {
        return (Vec::new(), Vec::new(), Cum(Vec::new()));
    }
    // Operation Endeavour: 11 facilitators for customers in 12 countries; one person per
    // 2.5 customers keeps customers shared across facilitators.
    let persons =
        ((offenders as f64 / w.b.facilitator.customers_per_person).round() as usize).max(1);
    let mut facs = Vec::with_capacity(persons);
    let mut rings = Vec::new();
    let mut weights = Vec::new();
    while facs.len() < persons {
        let size = [1usize, 2, 3, 4][w.rng.weighted(&w.b.facilitator.ring_sizes)]
            .min(persons - facs.len());
        let country = w.country(geo::FACILITATOR_COUNTRIES);
        let style = COUNTRIES[country as usize].style;
        let family_run = w.rng.chance(w.b.facilitator.family_run);
        let ring_surname = PersonName::draw(&mut w.rng, style, 0.5).surname;
        let mut members = Vec::with_capacity(size);
        for _ in 0..size {
            let mut p = PersonName::draw(&mut w.rng, style, 0.75);
            if family_run {
                p.surname = ring_surname;
                if p.middle == Some(ring_surname) {
                    p.middle = None;
                }
            }
            let n_alias = 1 + w.rng.weighted(&w.b.facilitator.aliases);
            let phone = w.phone(country);
            let mut variants: Vec<u32> = (0..9).collect();
            w.rng.shuffle(&mut variants[1..]);
            let mut aliases = Vec::with_capacity(n_alias);
            for v in variants.iter().take(n_alias) {
                let name = if *v == 0 && w.rng.chance(0.5) {
                    p.render(1)
                } else {
                    p.render(*v)
                };
                let alias_phone = match w.rng.weighted(&w.b.facilitator.alias_phone) {
                    0 => Some(phone.clone()),
                    1 => Some(w.phone(country)),
                    _ => None,
                };
                aliases.push(w.new_receiver(name, country, Label::OsecFacilitator, alias_phone));
            }
            let h = names::handle(&mut w.rng, p.given);
            let handle = w.own(h);
            members.push(facs.len());
            facs.push(Facilitator {
                aliases,
                surname: p.surname,
                handle,
            });
        }
        rings.push(Ring { members });
        // Some rings draw many more customers than others.
        weights.push(w.rng.pareto(w.b.facilitator.ring_pareto).min(50.0));
    }
    (facs, rings, Cum::new(weights.into_iter()))
}

/// An OSEC customer.
///
/// Calibration (brief, "Prices and volumes"): a show costs USD 20-150 (IJM 2019), median
/// AUD 51 per payment (AIC 639) — about USD 34; amounts are often round in the sender's
/// currency (FATF 2025). Volumes are heavy-tailed (AIC 589: 3% of offenders made half of
/// the payments, 25% made 3%): 65% light buyers with 1-4 payments over the whole window,
/// 29% medium (5-15 per 90 days), 6% heavy paying 2.5-7 times a week. Heavier buyers pay
/// higher medians at shorter gaps and escalate (AIC 589). Mostly late evening and night
/// in local time (P-HOURS), cover words in about a third of messages (P-REMARK), some
/// shows split in two payments minutes apart (P-SHAPE), some switch channel or alias for
/// the same beneficiary (P-CHANNEL); light buyers pay one facilitator, heavier ones
/// several, across rings (P-MULTIBEN, R-RING).
fn gen_offender(w: &mut World, facs: &[Facilitator], rings: &[Ring], ring_cum: &Cum) {
    let country = w.country(geo::OFFENDER_COUNTRIES);
    let o = w.b.offender.clone();
    let p = if w.rng.chance(o.filipino_name) {
        PersonName::draw(&mut w.rng, Style::Filipino, 0.05)
    } else {
        w.western_person(country, 0.05)
    };
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::OsecOffender);
    let offset = w.senders[s as usize].offset_min;
    let class = [Buyer::Light, Buyer::Medium, Buyer::Heavy][w.rng.weighted(&o.classes)];
    let scale = w.days as f64 / 90.0;
    let n = match class {
        Buyer::Light => 1 + w.rng.weighted(&o.light_counts),
        Buyer::Medium => {
            let (lo, hi) = o.medium_payments;
            ((w.rng.log_uniform(lo, hi) * scale).round() as usize).max(5)
        }
        Buyer::Heavy => {
            let (lo, hi) = o.heavy_per_week;
            ((w.rng.uniform(lo, hi) * w.days as f64 / 7.0).round() as usize).max(5)
        }
    };
    // Beneficiaries: (facilitator person, preferred alias).
    let (n_persons, n_rings) = match class {
        Buyer::Light => (
            if w.rng.chance(o.light_two_facilitators) {
                2
            } else {
                1
            },
            1,
        ),
        Buyer::Medium => (
            w.rng.int(1, 3) as usize,
            if w.rng.chance(0.2) { 2 } else { 1 },
        ),
        Buyer::Heavy => (
            w.rng.int(o.heavy_persons.0, o.heavy_persons.1) as usize,
            w.rng.int(1, 3) as usize,
        ),
    };
    let mut bens: Vec<(usize, u32)> = Vec::with_capacity(n_persons);
    let mut tries = 0;
    while bens.len() < n_persons && tries < 50 {
        tries += 1;
        let ring = &rings[ring_cum.pick(&mut w.rng)];
        let person = w.rng.pick_copy(&ring.members);
        if bens.iter().any(|b| b.0 == person) {
            continue;
        }
        let alias = w.rng.pick_copy(&facs[person].aliases);
        bens.push((person, alias));
        // Stay in the same ring for the next beneficiary unless this buyer spans rings.
        if bens.len() < n_persons && (bens.len() >= n_persons / n_rings.max(1)) {
            continue;
        }
        for m in &ring.members {
            if bens.len() >= n_persons {
                break;
            }
            if w.rng.chance(0.6) && !bens.iter().any(|b| b.0 == *m) {
                let a = w.rng.pick_copy(&facs[*m].aliases);
                bens.push((*m, a));
            }
        }
    }
    let ben_cum = Cum::new((0..bens.len()).map(|i| 0.6f64.powi(i as i32)));

    let primary = w.rng.weighted_pick(OFFENDER_CHANNELS);
    let switch_p = o.switchers[class as usize];
    let secondary = if w.rng.chance(switch_p) {
        let mut c = w.rng.weighted_pick(OFFENDER_CHANNELS);
        if c == primary {
            c = if primary == Channel::Remittance {
                Channel::Wallet
            } else {
                Channel::Remittance
            };
        }
        Some(c)
    } else {
        None
    };
    let night_p = if w.rng.chance(o.night_prone) {
        w.rng.uniform(o.night_share.0, o.night_share.1)
    } else {
        w.rng.uniform(o.day_night_share.0, o.day_night_share.1)
    };
    let median_usd = o.median_usd[class as usize] * w.rng.lognormal(1.0, o.median_sigma);
    let escalation = if class == Buyer::Light {
        0.0
    } else {
        w.rng.uniform(0.0, o.escalation_max)
    };
    let round_p = w.rng.uniform(o.round_share.0, o.round_share.1);
    let split_p = if w.rng.chance(o.splitters) {
        o.split_share
    } else {
        0.02
    };
    let cover_p = if w.rng.chance(o.silent) {
        0.0
    } else {
        w.rng.uniform(o.cover_share.0, o.cover_share.1)
    };
    let (from, escalate_freq) = match class {
        Buyer::Light => (0.0, false),
        Buyer::Medium => (w.rng.uniform(0.0, 0.6), w.rng.chance(0.6)),
        Buyer::Heavy => (w.rng.uniform(0.0, 0.2), w.rng.chance(0.6)),
    };
    let span = w.days as f64 * (1.0 - from);
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let u = w.rng.f64();
            // Density rising over time = shortening gaps (AIC 589).
            if escalate_freq {
                u.sqrt()
            } else {
                u
            }
        })
        .collect();
    times.sort_by(f64::total_cmp);
    for t in times {
        let day = w.d0 + (w.days as f64 * from + span * t).floor() as i64;
        let secs = if w.rng.chance(night_p) {
            w.night_secs()
        } else {
            w.day_secs(7, 21)
        };
        let ts = w.at(day, secs, offset);
        let usd = (median_usd * w.rng.lognormal(1.0, o.amount_sigma) * (1.0 + escalation * t))
            .clamp(20.0, 150.0);
        let round = w.rng.chance(round_p);
        let mut cents = w.local_cents(s, usd, round);
        let v = w.usd_of(s, cents);
        if !(20.0..=150.0).contains(&v) {
            cents = w.local_cents(s, usd, false);
        }
        let b = bens[ben_cum.pick(&mut w.rng)];
        let channel = match secondary {
            Some(c) if w.rng.chance(0.35) => c,
            _ => primary,
        };
        let receiver = if channel != primary || w.rng.chance(0.2) {
            w.rng.pick_copy(&facs[b.0].aliases)
        } else {
            b.1
        };
        let msg = if w.rng.chance(cover_p) {
            if w.rng.chance(o.handle_share) {
                Msg::Owned(facs[b.0].handle)
            } else {
                Msg::Text(w.rng.pick_copy(COVER))
            }
        } else if w.rng.chance(0.15) {
            Msg::Text(w.rng.pick_copy(PLAIN))
        } else {
            Msg::Empty
        };
        // R-CASHOUT: facilitators often cash out within minutes to hours.
        let payout = w.payout(
            o.cashout_known,
            o.cashout_median_min * 60.0,
            1.0,
            3.0 * 86_400.0,
        );
        if w.usd_of(s, cents) >= 50.0 && w.rng.chance(split_p) {
            // Both parts in the currency's own unit: whole yen where the
            // sender pays whole amounts (`local_cents`), never 4311.63 JPY.
            let unit = w.unit_cents(s);
            let first =
                ((cents as f64 * w.rng.uniform(0.4, 0.6)) / unit as f64).round() as i64 * unit;
            let first = if w.usd_of(s, first) < 20.0 || w.usd_of(s, cents - first) < 20.0 {
                cents / 2 / unit * unit
            } else {
                first
            };
            w.pay(ts, s, receiver, first, channel, msg, payout);
            let gap = w.rng.int(120, 900);
            let payout2 = payout.map(|d| (d - gap).max(60));
            w.pay(
                (ts + gap).min(w.end - 1),
                s,
                receiver,
                cents - first,
                channel,
                Msg::Empty,
                payout2,
            );
        } else {
            w.pay(ts, s, receiver, cents, channel, msg, payout);
        }
    }
}

/// An overseas Filipino worker or diaspora member supporting relatives in PH.
///
/// Brief, "What looks similar": regular (monthly, around paydays), often the same
/// surname, larger amounts, daytime; some send small weekly amounts. A household may be
/// supported by several relatives abroad (family fan-in); a sender may support 2-3
/// relatives. `attach` makes this sender a relative of a facilitator (facilitators also
/// receive some legitimate family money).
fn gen_family(w: &mut World, attach: Option<(u32, &'static str)>) {
    if attach.is_none() && w.maybe(w.b.family.other_corridors) {
        return gen_corridor_family(w);
    }
    let country = w.country(geo::FAMILY_COUNTRIES);
    let household = match attach {
        Some(h) => Some(h),
        None if !w.family_households.is_empty() && w.rng.chance(w.b.family.join_household) => {
            let i = w.rng.below(w.family_households.len());
            Some(w.family_households[i])
        }
        None => None,
    };
    let mut p = PersonName::draw(&mut w.rng, Style::Filipino, 0.6);
    if let Some((_, surname)) = household {
        if w.rng.chance(0.7) {
            p.surname = surname;
        } else {
            // Related through the mother: her maiden name is the sender's middle name.
            p.middle = Some(surname);
        }
    }
    // Some women abroad married a foreigner and carry his surname; their maiden name
    // remains as middle name.
    if w.rng.chance(w.b.family.married_abroad) {
        let maiden = p.surname;
        p.middle = Some(maiden);
        p.surname = PersonName::draw(&mut w.rng, COUNTRIES[country as usize].style, 0.0).surname;
        p.given = w.rng.pick_copy(names::PH_FEMALE);
    }
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::FamilySender);
    let n_rel = if attach.is_some() {
        1
    } else {
        1 + w.rng.weighted(&[60.0, 30.0, 10.0])
    };
    let kin_surname = p
        .middle
        .filter(|_| p.surname != household.map_or("", |h| h.1))
        .unwrap_or(p.surname);
    let mut relatives = Vec::with_capacity(n_rel);
    if let Some((r, _)) = household {
        relatives.push(r);
    }
    let ph = cc("PH");
    while relatives.len() < n_rel {
        let surname = match w.rng.weighted(&w.b.family.relative_surname) {
            0 => kin_surname,
            1 => p.middle.unwrap_or(kin_surname),
            _ => w.rng.pick_copy(names::PH_SURNAMES),
        };
        let rel = PersonName::filipino_with_surname(&mut w.rng, surname, 0.65);
        let name = rel.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(ph, 0.5);
        let r = w.new_receiver(name, ph, Label::FamilyReceiver, phone);
        w.family_households.push((r, surname));
        relatives.push(r);
    }
    pay_family(w, s, &relatives, attach.is_some());
}

/// Emergencies: several payments to one relative within days, at any hour.
const EMERGENCY_MSGS: &[&str] = &[
    "for the hospital",
    "emergency",
    "medicine",
    "hospital bill",
    "medical bills",
    "for the operation",
    "",
];

/// A family sender's payments to its relatives: regular, around a payday or every
/// week or two (or, when varied, a few times a month on no fixed day), a few one-offs
/// and, for some, an emergency.
fn pay_family(w: &mut World, s: u32, relatives: &[u32], attached: bool) {
    let f = w.b.family.clone();
    let offset = w.senders[s as usize].offset_min;
    let cadence = w.rng.weighted(&f.cadence);
    let primary = w.rng.weighted_pick(FAMILY_CHANNELS);
    let night_shift = w.rng.chance(f.night_shift);
    let msg_p = w.rng.uniform(f.message_share.0, f.message_share.1);
    let payday = w.rng.pick_copy(&[1u32, 2, 5, 10, 15, 15, 16, 25, 28, 30]);
    let irregular = w.maybe(f.irregular);
    for (i, r) in relatives.iter().enumerate() {
        let base = match cadence {
            0 if attached => w.rng.log_uniform(80.0, 300.0),
            0 => w.rng.log_uniform(f.monthly_usd.0, f.monthly_usd.1),
            1 => w.rng.log_uniform(f.weekly_usd.0, f.weekly_usd.1),
            _ => w.rng.log_uniform(f.biweekly_usd.0, f.biweekly_usd.1),
        } / if i > 0 { 1.5 } else { 1.0 };
        let days = if irregular {
            // "When they can": 1-4 a month on no fixed day, smaller each.
            let per_month = w.rng.uniform(1.0, 4.0);
            let n = ((w.days as f64 / 30.0 * per_month).round() as usize).max(1);
            let mut d: Vec<i64> = (0..n).map(|_| w.random_day()).collect();
            d.sort_unstable();
            d
        } else {
            match cadence {
                0 => w.monthly_days(payday, f.payday_jitter),
                1 => w.periodic_days(7, 1, 0),
                _ => w.periodic_days(14, 2, 0),
            }
        };
        let base = if irregular && cadence == 0 {
            base / 2.0
        } else {
            base
        };
        let exact = w.rng.chance(f.exact);
        let round = w.rng.chance(0.7);
        for day in days {
            let secs = if night_shift && w.rng.chance(0.5) {
                w.night_secs()
            } else {
                w.day_secs(8, 21)
            };
            let ts = w.at(day, secs, offset);
            let usd = if exact {
                base
            } else {
                base * w.rng.uniform(1.0 - f.spread, 1.0 + f.spread)
            };
            let cents = w.local_cents(s, usd, round);
            let channel = if w.rng.chance(0.9) {
                primary
            } else {
                w.rng.weighted_pick(FAMILY_CHANNELS)
            };
            let msg = w.maybe_text(msg_p, FAMILY_MSGS);
            let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, *r, cents, channel, msg, payout);
        }
    }
    if w.rng.chance(f.extras) {
        for _ in 0..w.rng.int(1, f.extras_max) {
            let r = w.rng.pick_copy(relatives);
            let day = w.random_day();
            let secs = w.day_secs(8, 22);
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(50.0, 300.0);
            let cents = w.local_cents(s, usd, true);
            let msg = Msg::Text(w.rng.pick_copy(FAMILY_EXTRA_MSGS));
            let payout = w.payout(0.5, 3.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, r, cents, primary, msg, payout);
        }
    }
    if w.maybe(f.emergency) {
        let r = w.rng.pick_copy(relatives);
        let day0 = w.random_day();
        for _ in 0..w.rng.int(2, 5) {
            let day = day0 + w.rng.int(0, 10);
            let secs = w.any_secs();
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(40.0, 400.0);
            let round = w.rng.chance(0.6);
            let cents = w.local_cents(s, usd, round);
            let msg = Msg::Text(w.rng.pick_copy(EMERGENCY_MSGS));
            let payout = w.payout(0.5, 1.0 * 3600.0, 1.5, 2.0 * 86_400.0);
            let channel = w.rng.weighted_pick(FAMILY_CHANNELS);
            w.pay(ts, s, r, cents, channel, msg, payout);
        }
    }
}

/// Family money in other corridors (US→MX/CO/VN/GH, GB→NG, ES→CO, JP→VN, ...): a
/// diaspora sender named in the destination's style pays 1-3 relatives there, most
/// with its surname or its second family name, some in-laws with neither.
fn gen_corridor_family(w: &mut World) {
    let (src, dst) = w.rng.pick_copy(geo::CORRIDORS);
    let (src, dst) = (cc(src), cc(dst));
    let p = w.person(dst, 0.55);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, src, Label::FamilySender);
    let n_rel = 1 + w.rng.weighted(&[60.0, 30.0, 10.0]);
    let style = COUNTRIES[dst as usize].style;
    let mut relatives = Vec::with_capacity(n_rel);
    for _ in 0..n_rel {
        let mut rel = PersonName::draw(&mut w.rng, style, 0.6);
        match w.rng.weighted(&w.b.family.relative_surname) {
            0 => rel.surname = p.surname,
            1 => rel.surname = p.middle.unwrap_or(p.surname),
            _ => {}
        }
        if rel.middle == Some(rel.surname) {
            rel.middle = None;
        }
        let name = rel.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(dst, 0.5);
        relatives.push(w.new_receiver(name, dst, Label::FamilyReceiver, phone));
    }
    pay_family(w, s, &relatives, false);
}

/// A non-Filipino partner abroad paying one recurring beneficiary (sometimes her
/// family): steady amounts weekly, bi-weekly or monthly, affectionate remarks, any hour.
fn gen_partner(w: &mut World) {
    let pp = w.b.partner.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = w.western_person(country, 0.12);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::PartnerSender);
    let offset = w.senders[s as usize].offset_min;
    let rc = w.country(geo::FACILITATOR_COUNTRIES);
    let her = w.person(rc, 0.95);
    let her_name = her.render_any(&mut w.rng, w.b.names.canonical);
    let phone = w.maybe_phone(rc, 0.5);
    let r = w.new_receiver(her_name, rc, Label::PartnerReceiver, phone);
    let cadence = w.rng.weighted(&pp.cadence);
    let base = match cadence {
        0 => w.rng.log_uniform(pp.weekly_usd.0, pp.weekly_usd.1),
        1 => w.rng.log_uniform(pp.biweekly_usd.0, pp.biweekly_usd.1),
        _ => w.rng.log_uniform(pp.monthly_usd.0, pp.monthly_usd.1),
    };
    let from = if w.rng.chance(pp.from_start) {
        0
    } else {
        w.rng.below((w.days as usize * 6 / 10).max(1)) as i64
    };
    // Issue 11's irregular partners: a few payments a month on no fixed day, amounts
    // spread around one level — still one recurring beneficiary.
    let irregular = if w.maybe(pp.irregular) {
        let per_month = w
            .rng
            .uniform(pp.irregular_per_month.0, pp.irregular_per_month.1);
        let level = w.rng.log_uniform(pp.irregular_usd.0, pp.irregular_usd.1);
        let sigma = w.rng.uniform(pp.irregular_sigma.0, pp.irregular_sigma.1);
        Some((per_month, level, sigma))
    } else {
        None
    };
    let days = if let Some((per_month, _, _)) = irregular {
        let span = (w.days - from).max(1);
        let n = ((span as f64 / 30.0 * per_month).round() as usize).max(1);
        let mut d: Vec<i64> = (0..n)
            .map(|_| w.d0 + from + w.rng.below(span as usize) as i64)
            .collect();
        d.sort_unstable();
        d
    } else {
        match cadence {
            0 => w.periodic_days(7, 1, from),
            1 => w.periodic_days(14, 1, from),
            _ => {
                let dom = w.rng.int(1, 28) as u32;
                let mut d = w.monthly_days(dom, 1);
                d.retain(|x| *x >= w.d0 + from);
                d
            }
        }
    };
    let fixed = w.rng.chance(pp.fixed);
    let round = w.rng.chance(pp.round);
    let primary = w.rng.weighted_pick(PARTNER_CHANNELS);
    let switcher = w.rng.chance(pp.switchers);
    let msg_p = w.rng.uniform(pp.message_share.0, pp.message_share.1);
    for day in days {
        let secs = if w.maybe(pp.late_evening) {
            w.day_secs(21, 24)
        } else {
            w.any_secs()
        };
        let ts = w.at(day, secs, offset);
        let usd = match irregular {
            Some((_, level, sigma)) => w.rng.lognormal(level, sigma).clamp(10.0, 2000.0),
            None if fixed => base,
            None => base * w.rng.uniform(1.0 - pp.spread, 1.0 + pp.spread),
        };
        let cents = w.local_cents(s, usd, round);
        let channel = if switcher && w.rng.chance(0.3) {
            w.rng.weighted_pick(PARTNER_CHANNELS)
        } else {
            primary
        };
        let msg = if w.maybe(pp.cover_words) {
            w.maybe_text(msg_p, PARTNER_COVER_MSGS)
        } else {
            w.maybe_text(msg_p, PARTNER_MSGS)
        };
        let payout = w.payout(0.5, 6.0 * 3600.0, 1.5, 10.0 * 86_400.0);
        w.pay(ts, s, r, cents, channel, msg, payout);
    }
    if w.rng.chance(pp.kin) {
        let kin = PersonName::draw(&mut w.rng, COUNTRIES[rc as usize].style, 0.6);
        let kin = PersonName {
            surname: her.surname,
            ..kin
        };
        let kin_name = kin.render_any(&mut w.rng, w.b.names.canonical);
        let phone = w.maybe_phone(rc, 0.5);
        let k = w.new_receiver(kin_name, rc, Label::PartnerReceiver, phone);
        for _ in 0..w.rng.int(1, 3) {
            let day = w.random_day();
            let secs = w.any_secs();
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(50.0, 200.0);
            let cents = w.local_cents(s, usd, true);
            let msg = w.maybe_text(
                0.5,
                &[
                    "for mama",
                    "for your family",
                    "for the house",
                    "help for tatay",
                ],
            );
            let payout = w.payout(0.5, 6.0 * 3600.0, 1.5, 10.0 * 86_400.0);
            w.pay(ts, s, k, cents, primary, msg, payout);
        }
    }
}

/// Freelancers and virtual assistants: a fan-in of regular, larger, invoice-like payments
/// from several foreign clients in business hours.
fn build_freelancers(w: &mut World, clients: usize) -> (Vec<u32>, Cum) {
    let n = ((clients as f64 / w.b.client.per_freelancer).round() as usize)
        .max(usize::from(clients > 0));
    let mut out = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for _ in 0..n {
        let country = cc(w
            .rng
            .weighted_pick(&[("PH", 85.0), ("CO", 8.0), ("TH", 7.0)]));
        let p = w.person(country, 0.6);
        let name = if w.rng.chance(0.15) {
            format!(
                "{} {}",
                p.surname,
                w.rng.pick(&[
                    "Virtual Solutions",
                    "Creative Studio",
                    "Digital Services",
                    "Outsourcing"
                ])
            )
        } else {
            p.render_any(&mut w.rng, w.b.names.canonical)
        };
        let phone = w.maybe_phone(country, 0.5);
        out.push(w.new_receiver(name, country, Label::FreelancerReceiver, phone));
        weights.push(w.rng.pareto(w.b.client.popularity_pareto).min(20.0));
    }
    (out, Cum::new(weights.into_iter()))
}

fn gen_client(w: &mut World, freelancers: &[u32], cum: &Cum) {
    let c = w.b.client.clone();
    let country = w.country(&[
        ("US", 45.0),
        ("AU", 15.0),
        ("GB", 12.0),
        ("CA", 8.0),
        ("SG", 5.0),
        ("DE", 5.0),
        ("NL", 3.0),
        ("NZ", 2.0),
        ("IE", 2.0),
        ("SE", 1.0),
        ("HK", 2.0),
    ]);
    let name = if w.rng.chance(c.companies) {
        names::business(&mut w.rng)
    } else {
        let p = w.western_person(country, 0.4);
        p.render_any(&mut w.rng, w.b.names.canonical)
    };
    let s = w.new_sender(name, country, Label::ClientSender);
    let offset = w.senders[s as usize].offset_min;
    let k = if w.rng.chance(c.one_freelancer) { 1 } else { 2 };
    let mut mine = Vec::with_capacity(k);
    for _ in 0..k {
        let f = freelancers[cum.pick(&mut w.rng)];
        if !mine.contains(&f) {
            mine.push(f);
        }
    }
    let mut invoice = w.rng.int(1000, 5000) as u32;
    let style = w.rng.weighted(&c.styles);
    let channel = w.rng.weighted_pick(&[
        (Channel::Bank, 50.0),
        (Channel::Wallet, 45.0),
        (Channel::Remittance, 5.0),
    ]);
    for f in mine {
        let cadence = w.rng.weighted(&c.cadence);
        let base = match cadence {
            0 => w.rng.log_uniform(c.monthly_usd.0, c.monthly_usd.1),
            1 => w.rng.log_uniform(c.biweekly_usd.0, c.biweekly_usd.1),
            _ => w.rng.log_uniform(c.weekly_usd.0, c.weekly_usd.1),
        };
        let days = match cadence {
            0 => {
                let dom = w.rng.pick_copy(&[1u32, 2, 3, 5, 25, 28, 30]);
                w.monthly_days(dom, 1)
            }
            1 => w.periodic_days(14, 0, 0),
            _ => w.periodic_days(7, 0, 0),
        };
        let fixed = w.rng.chance(c.fixed);
        let round = w.rng.chance(0.5);
        for mut day in days {
            let wd = weekday(day);
            if wd >= 5 {
                day -= wd as i64 - 4;
            }
            let secs = w.day_secs(9, 17);
            let ts = w.at(day, secs, offset);
            let usd = if fixed {
                base
            } else {
                base * w.rng.uniform(1.0 - c.spread, 1.0 + c.spread)
            };
            let cents = w.local_cents(s, usd, round);
            let msg = match style {
                0 => {
                    invoice += 1;
                    Msg::Invoice(invoice)
                }
                1 => Msg::Retainer,
                2 => Msg::Text(w.rng.pick_copy(CLIENT_MSGS)),
                _ => Msg::Empty,
            };
            let payout = w.payout(0.4, 2.0 * 86_400.0, 0.8, 20.0 * 86_400.0);
            w.pay(ts, s, f, cents, channel, msg, payout);
        }
    }
}

/// Charities and child sponsorship: many donors to one organisation, fixed monthly
/// amounts (USD 25-50), remarks like "donation" or "sponsor a child".
fn build_charities(w: &mut World, donors: usize) -> (Vec<u32>, Cum) {
    let n = ((donors as f64 / w.b.donor.per_charity).round() as usize).max(usize::from(donors > 0));
    let mut out = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for _ in 0..n {
        let country = w.country(geo::FACILITATOR_COUNTRIES);
        let name = names::charity(&mut w.rng, COUNTRIES[country as usize].code);
        let phone = w.maybe_phone(country, 0.7);
        out.push(w.new_receiver(name, country, Label::CharityReceiver, phone));
        weights.push(w.rng.pareto(w.b.donor.popularity_pareto).min(30.0));
    }
    (out, Cum::new(weights.into_iter()))
}

fn gen_donor(w: &mut World, charities: &[u32], cum: &Cum) {
    let dp = w.b.donor.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = if w.rng.chance(0.1) {
        PersonName::draw(&mut w.rng, Style::Filipino, 0.55)
    } else {
        w.western_person(country, 0.55)
    };
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::DonorSender);
    let offset = w.senders[s as usize].offset_min;
    let c = charities[cum.pick(&mut w.rng)];
    let channel = w.rng.weighted_pick(&[
        (Channel::Card, 55.0),
        (Channel::Bank, 40.0),
        (Channel::Wallet, 5.0),
    ]);
    if w.rng.chance(dp.recurring) {
        let usd = w.rng.pick_copy(&[25.0, 30.0, 35.0, 40.0, 45.0, 50.0]);
        let cents = w.local_cents(s, usd, true);
        let dom = w.rng.int(1, 28) as u32;
        let auto_secs = if w.rng.chance(dp.auto_debit) {
            Some(w.day_secs(2, 7))
        } else {
            None
        };
        let msg = match w.rng.weighted(&dp.messages) {
            0 => Msg::Text(w.rng.pick_copy(DONOR_MSGS)),
            1 => {
                let text = format!("sponsor child #{}", w.rng.int(1000, 9999));
                Msg::Owned(w.own(text))
            }
            _ => Msg::Empty,
        };
        let from = if w.rng.chance(dp.from_start) {
            0
        } else {
            w.rng.below((w.days as usize * 2 / 3).max(1)) as i64
        };
        let mut days = w.monthly_days(dom, 0);
        days.retain(|d| *d >= w.d0 + from);
        for day in days {
            let secs = match auto_secs {
                Some(x) => x,
                None => w.day_secs(8, 22),
            };
            let ts = w.at(day, secs, offset);
            w.pay(ts, s, c, cents, channel, msg, None);
        }
    } else {
        for _ in 0..w.rng.int(1, 3) {
            let day = w.random_day();
            let secs = w.day_secs(8, 23);
            let ts = w.at(day, secs, offset);
            let usd = w.rng.log_uniform(dp.oneoff_usd.0, dp.oneoff_usd.1);
            let cents = w.local_cents(s, usd, true);
            let msg = w.maybe_text(0.7, DONOR_ONEOFF_MSGS);
            w.pay(ts, s, c, cents, channel, msg, None);
        }
    }
}

/// Romance-scam victims: escalating larger amounts ("hospital", "visa", "customs fee")
/// to one or two receivers — suspicious, but another crime.
fn build_scammers(w: &mut World, victims: usize) -> Vec<u32> {
    let n =
        ((victims as f64 / w.b.romance.per_scammer).round() as usize).max(usize::from(victims > 0));
    (0..n)
        .map(|_| {
            let country = w.country(&[
                ("PH", 35.0),
                ("NG", 30.0),
                ("GH", 15.0),
                ("MY", 10.0),
                ("TH", 5.0),
                ("CO", 5.0),
            ]);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let phone = w.maybe_phone(country, 0.6);
            w.new_receiver(name, country, Label::RomanceScammerReceiver, phone)
        })
        .collect()
}

fn gen_romance_victim(w: &mut World, scammers: &[u32]) {
    let rp = w.b.romance.clone();
    let country = w.country(geo::WESTERN_COUNTRIES);
    let p = w.western_person(country, 0.5);
    let name = p.render_any(&mut w.rng, w.b.names.canonical);
    let s = w.new_sender(name, country, Label::RomanceVictimSender);
    let offset = w.senders[s as usize].offset_min;
    let mut mine = vec![w.rng.pick_copy(scammers)];
    if w.rng.chance(rp.second_receiver) {
        mine.push(w.rng.pick_copy(scammers));
    }
    let n = w.rng.int(rp.payments.0, rp.payments.1) as usize;
    let from = w.rng.uniform(0.0, 0.5);
    let mut times: Vec<f64> = (0..n).map(|_| w.rng.f64().sqrt()).collect();
    times.sort_by(f64::total_cmp);
    let a0 = w.rng.log_uniform(rp.first_usd.0, rp.first_usd.1);
    let growth = w.rng.uniform(rp.growth.0, rp.growth.1);
    for (i, t) in times.into_iter().enumerate() {
        let day = w.d0 + (w.days as f64 * (from + (1.0 - from) * t)).floor() as i64;
        let secs = w.any_secs();
        let ts = w.at(day, secs, offset);
        let usd = (a0 * growth.powi(i as i32)).min(8000.0) * w.rng.uniform(0.9, 1.1);
        let round = w.rng.chance(0.7);
        let cents = w.local_cents(s, usd, round);
        let r = mine[if i * 2 >= n { mine.len() - 1 } else { 0 }];
        let channel = w.rng.weighted_pick(&[
            (Channel::Remittance, 50.0),
            (Channel::Wallet, 25.0),
            (Channel::Crypto, 20.0),
            (Channel::Bank, 5.0),
        ]);
        let msg = w.maybe_text(0.7, ROMANCE_MSGS);
        let payout = w.payout(0.5, 2.0 * 3600.0, 1.2, 5.0 * 86_400.0);
        w.pay(ts, s, r, cents, channel, msg, payout);
    }
}

/// Everything else: domestic payments in every country, remittances in other corridors,
/// one-off gifts abroad (including small ones to PH/TH/CO), tourists, e-commerce.
fn gen_ordinary(w: &mut World) {
    match w.rng.weighted(&w.b.ordinary.kinds) {
        0 => {
            let country = w.country(geo::ORDINARY_COUNTRIES);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let n = w.rng.log_uniform(1.0, 13.0) as usize;
            let ph = COUNTRIES[country as usize].code == "PH";
            for _ in 0..n.max(1) {
                let day = w.random_day();
                let secs = if w.rng.chance(0.9) {
                    w.day_secs(7, 22)
                } else {
                    w.any_secs()
                };
                let ts = w.at(day, secs, offset);
                let usd = w.rng.lognormal(35.0, 1.0).clamp(1.0, 3000.0);
                let round = w.rng.chance(0.4);
                let cents = w.local_cents(s, usd, round);
                let (r, channel) = if w.rng.chance(0.5) {
                    let m = w.merchant_in(country);
                    (
                        m,
                        w.rng.weighted_pick(&[
                            (Channel::Card, 70.0),
                            (Channel::Wallet, 20.0),
                            (Channel::Cash, 10.0),
                        ]),
                    )
                } else {
                    let i = w.individual_in(country);
                    (
                        i,
                        w.rng.weighted_pick(&[
                            (Channel::Bank, 40.0),
                            (Channel::Wallet, 45.0),
                            (Channel::Cash, 15.0),
                        ]),
                    )
                };
                let msg = w.maybe_text(0.4, if ph { PH_DOMESTIC_MSGS } else { ORDINARY_MSGS });
                let payout = w.payout(0.3, 86_400.0, 1.5, 20.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        1 => {
            let (src, dst) = w.rng.pick_copy(geo::CORRIDORS);
            let (src, dst) = (cc(src), cc(dst));
            let p = w.person(dst, 0.45);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, src, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            // Money home goes to someone the sender knows (see gifts below).
            let r = if w.maybe(w.b.ordinary.gift_to_acquaintance) {
                w.new_individual(dst)
            } else {
                w.individual_in(dst)
            };
            let base = w.rng.log_uniform(100.0, 500.0);
            let days = if w.rng.chance(0.6) {
                let dom = w.rng.int(1, 28) as u32;
                w.monthly_days(dom, 2)
            } else {
                w.periodic_days(14, 2, 0)
            };
            let channel = w.rng.weighted_pick(&[
                (Channel::Remittance, 70.0),
                (Channel::Wallet, 20.0),
                (Channel::Bank, 10.0),
            ]);
            for day in days {
                let secs = w.day_secs(8, 21);
                let ts = w.at(day, secs, offset);
                let usd = base * w.rng.uniform(0.85, 1.15);
                let cents = w.local_cents(s, usd, true);
                let msg = w.maybe_text(
                    0.4,
                    &["family support", "for mom", "household", "school fees", ""],
                );
                let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        2 => {
            let country = w.country(geo::WESTERN_COUNTRIES);
            let p = w.western_person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let dst = w.country(geo::FACILITATOR_COUNTRIES);
            const GIFT_CHANNELS: ChannelMix = &[
                (Channel::Remittance, 50.0),
                (Channel::Wallet, 40.0),
                (Channel::Bank, 10.0),
            ];
            // A gift goes to someone the giver knows, through the channel it
            // uses; the calibrated world draws a stranger from the country's
            // pool and a channel per payment.
            let acquaintance = w.maybe(w.b.ordinary.gift_to_acquaintance);
            let r = if acquaintance {
                w.new_individual(dst)
            } else {
                w.individual_in(dst)
            };
            let own_channel = acquaintance.then(|| w.rng.weighted_pick(GIFT_CHANNELS));
            let (lo, hi) = w.b.ordinary.gift_usd;
            for _ in 0..w.rng.int(1, w.b.ordinary.gifts_max) {
                let day = w.random_day();
                let secs = w.any_secs();
                let ts = w.at(day, secs, offset);
                let usd = w.rng.log_uniform(lo, hi);
                let round = w.rng.chance(0.6);
                let cents = w.local_cents(s, usd, round);
                let channel = match own_channel {
                    Some(c) => c,
                    None => w.rng.weighted_pick(GIFT_CHANNELS),
                };
                let msg = w.maybe_text(0.5, GIFT_MSGS);
                let payout = w.payout(0.5, 5.0 * 3600.0, 1.5, 10.0 * 86_400.0);
                w.pay(ts, s, r, cents, channel, msg, payout);
            }
        }
        3 => {
            // Tourists pay in the destination's local time, which may be night at home.
            let country = w.country(geo::WESTERN_COUNTRIES);
            let p = w.western_person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let dst = cc(w
                .rng
                .weighted_pick(&[("PH", 50.0), ("TH", 35.0), ("CO", 15.0)]));
            let dst_offset = COUNTRIES[dst as usize].offsets[0].0;
            let trip = w.random_day();
            let len = w.rng.int(3, 14);
            for _ in 0..w.rng.int(1, 6) {
                let day = trip + w.rng.int(0, len);
                let secs = w.day_secs(9, 24);
                let ts = w.at(day, secs, dst_offset);
                let usd = w.rng.lognormal(40.0, 0.8).clamp(5.0, 600.0);
                let round = w.rng.chance(0.3);
                let cents = w.local_cents(s, usd, round);
                let r = w.merchant_in(dst);
                let channel = w.rng.weighted_pick(&[
                    (Channel::Card, 80.0),
                    (Channel::Wallet, 10.0),
                    (Channel::Cash, 10.0),
                ]);
                w.pay(ts, s, r, cents, channel, Msg::Empty, None);
            }
        }
        _ => {
            let country = w.country(geo::ORDINARY_COUNTRIES);
            let p = w.person(country, 0.5);
            let name = p.render_any(&mut w.rng, w.b.names.canonical);
            let s = w.new_sender(name, country, Label::OrdinarySender);
            let offset = w.senders[s as usize].offset_min;
            let shop = cc(w.rng.pick_copy(&["US", "SG", "HK", "JP", "GB", "DE"]));
            for _ in 0..w.rng.int(1, 5) {
                let day = w.random_day();
                let secs = w.any_secs();
                let ts = w.at(day, secs, offset);
                let usd = w.rng.log_uniform(10.0, 200.0);
                let cents = w.local_cents(s, usd, false);
                let r = w.merchant_in(shop);
                let text = format!("order {}", w.rng.int(100_000, 999_999));
                let msg = if w.rng.chance(0.3) {
                    Msg::Owned(w.own(text))
                } else {
                    Msg::Empty
                };
                w.pay(ts, s, r, cents, Channel::Card, msg, None);
            }
        }
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
