//! Scoring: the facts indicators read, derived from a read-only view of the
//! engine's state ([`View`]), and the rule that weighs findings into one score
//! and one alert. The network stage (`network.rs`) and `Engine::party_score`
//! call these; neither the state nor the intake is changed here.

use std::collections::VecDeque;

use crate::alert::{Alert, Finding};
use crate::config::{ConductConfig, EngineConfig};
use crate::facts::{amounts_rise, Conduct, Diaspora, ReceiverFacts, SenderFacts};
use crate::indicators::{Indicator, Role, Stage, Subject};
use crate::intern::{Parties, TxnIds};
use crate::model::Country;
use crate::names::{NameKey, Ties};
use crate::state::{Cadence, ReceiverState, SenderState};

/// A read-only view of the engine's state: all that scoring reads. The
/// engine lends it out (`Engine::view`); nothing here can change the state.
pub(crate) struct View<'e> {
    pub cfg: &'e EngineConfig,
    pub indicators: &'e [Box<dyn Indicator>],
    pub senders: &'e Parties<SenderState>,
    pub receivers: &'e Parties<ReceiverState>,
    pub txns: &'e TxnIds,
    /// Outside findings the caller handed the engine (`Engine::set_outside`).
    pub outside: &'e crate::outside::Outside,
}

/// How receiver `v` is paid, where that reads like an organisation.
pub(crate) fn conduct(cfg: &ConductConfig, v: &ReceiverState) -> Conduct {
    // Among the payers it keeps links to (the first MAX_RECEIVER_LINKS).
    let card_payers = v.links.iter().filter(|l| l.purchase).count() as u32;
    if card_payers >= cfg.shop_min_payers
        && card_payers as f64 >= cfg.shop_purchase_share * v.links.len() as f64
    {
        return Conduct::Shop;
    }
    let fanin = v.links.iter().filter(|l| l.fanin.n > 0).count() as u32;
    let steady = v.links.iter().filter(|l| l.fanin.steady_monthly()).count() as u32;
    if steady >= cfg.sponsor_min_payers
        && f64::from(steady) >= cfg.sponsor_steady_share * f64::from(fanin)
    {
        return Conduct::Sponsored;
    }
    Conduct::Person
}

/// Payments between two parties that come again and again at regular gaps,
/// as a household's provider pays (`[conduct] household_*`).
fn regular_gaps(cfg: &ConductConfig, c: &Cadence) -> bool {
    c.n >= cfg.household_min_payments
        && c.gap_variation()
            .is_some_and(|v| f64::from(v) <= cfg.household_gap_variation)
}

/// How many of a receiver's `fanin` payers (of `all` fan-in payers) pay it
/// at regular gaps, when they are at least two and at least half: a
/// household paid by its providers abroad. 0 otherwise.
pub(crate) fn household_payers<'a>(
    cfg: &ConductConfig,
    fanin: impl Iterator<Item = &'a Cadence>,
    all: u32,
) -> u32 {
    let regular = fanin.filter(|c| regular_gaps(cfg, c)).count() as u32;
    if regular >= 2 && 2 * u64::from(regular) >= u64::from(all) {
        regular
    } else {
        0
    }
}

/// Whether receiver `v` has at most one payer abroad in the low-value band
/// (its fan-in payers, counted over the links it keeps and those past them).
pub(crate) fn sole_payer(v: &ReceiverState) -> bool {
    let kept = v.links.iter().filter(|l| l.fanin.n > 0).take(2).count() as u32;
    // Wide: a restored state's counts are input, not trusted to be small.
    u64::from(kept) + u64::from(if v.fanin > 0 { v.links_overflow } else { 0 }) <= 1
}

/// The brief's partner abroad, read from conduct: "one recurring beneficiary
/// (sometimes her family)" — the risk receivers form one family (`groups`);
/// "the beneficiary's only foreign payer is that sender" — every risk
/// receiver has no other fan-in payer; "no payment is split" — at most
/// `conduct.exclusive_split_share` of them (a partner may split the rent once);
/// "the amounts are steady over months even if the days are not" — the
/// recent amounts have not risen as a buyer's do (AIC 589, the escalation
/// P-FREQ reads, `p_freq.rising_amount_ratio`); and under
/// `conduct.exclusive_night_share` of the payments at night (a partner may
/// pay late in the evening; a relationship kept in the small hours is FATF's
/// customer). At least three payments: a relationship that recurs. The days
/// are not read at all.
fn exclusive(e: &View<'_>, i: usize, groups: usize, amounts: &Amounts) -> bool {
    let s = &e.senders.state[i];
    let c = &e.cfg.conduct;
    let risk = f64::from(s.risk);
    let night = f64::from(s.night) >= c.exclusive_night_share * risk;
    let split = f64::from(s.split) > c.exclusive_split_share * risk;
    if groups != 1 || s.risk < 3 || split || night {
        return false;
    }
    let p = &e.cfg.indicators.p_freq;
    if amounts.rise(p.rising_amount_ratio, p.rising_amount_z) {
        return false;
    }
    s.links
        .iter()
        .filter(|l| l.risk.n > 0)
        .all(|l| sole_payer(&e.receivers.state[l.receiver as usize]))
}

/// A sender's first and last (up to) five risk amounts, summed up once
/// for both readers of "rising" (`exclusive` and P-FREQ's escalation).
struct Amounts {
    first: (f64, u32),
    last: (f64, u32),
    /// The deviation of every risk amount; of the last five where the state
    /// does not know it (restored from a snapshot older than its square sum).
    spread: f64,
}

impl Amounts {
    fn of(s: &crate::state::SenderState) -> Amounts {
        let n = s.risk.min(5);
        let last = &s.last_amounts[..n as usize];
        let mean = if n == 0 {
            0.0
        } else {
            last.iter().map(|&x| f64::from(x)).sum::<f64>() / f64::from(n)
        };
        let (sum, n1) = s.first_amounts;
        let first_mean = if n1 == 0 { 0.0 } else { sum / f64::from(n1) };
        let spread = if s.risk_usd_sq >= 0.0 {
            if s.risk < 2 {
                0.0
            } else {
                let all = f64::from(s.risk);
                ((s.risk_usd_sq - s.risk_usd * s.risk_usd / all) / (all - 1.0))
                    .max(0.0)
                    .sqrt()
            }
        } else if n < 2 {
            0.0
        } else {
            (last
                .iter()
                .map(|&x| (f64::from(x) - mean).powi(2))
                .sum::<f64>()
                / f64::from(n - 1))
            .sqrt()
        };
        Amounts {
            first: (first_mean, n1),
            last: (mean, n),
            spread,
        }
    }

    fn rise(&self, ratio: f64, z: f64) -> bool {
        amounts_rise(self.first, self.last, self.spread, ratio, z)
    }
}

/// Payments to (or from) one counterpart that make a business relationship:
/// at least two with an invoice-like remark, and at least as many of them
/// as `bare` payments without one (`business_client`, `receiver_facts`).
fn business_link(business: u16, bare: u32) -> bool {
    business >= 2 && u32::from(business) >= bare
}

/// A business relationship with every receiver of the sender's risk
/// payments: to each, at least two payments with an invoice-like remark
/// (`Remark::BUSINESS`: invoice, INV-…, retainer, VA services, …) and at
/// least as many of them as payments without one. Those with a remark are
/// not risk payments already; a client who writes nothing on some of his
/// payments is still the client of the same freelancer (the brief:
/// "freelancers and virtual assistants paid by several foreign clients:
/// regular, larger, invoice-like remarks"). A customer who wrote "invoice"
/// on every payment would have no risk payments at all: this reads no word
/// the remark test did not already trust.
fn business_client(s: &crate::state::SenderState) -> bool {
    let mut risk_links = s.links.iter().filter(|l| l.risk.n > 0).peekable();
    risk_links.peek().is_some()
        && s.links_overflow == 0
        && risk_links.all(|l| business_link(l.business, l.risk.n))
}

/// Sender facts from the sender's own payments (the local stage); `conduct`
/// gives a receiver's, by index.
pub(crate) fn sender_facts<'e>(
    e: &View<'e>,
    i: usize,
    conduct: impl Fn(usize) -> Conduct,
) -> SenderFacts<'e> {
    let info = &e.senders.info[i];
    let s = &e.senders.state[i];
    let recv = &e.receivers.info;
    // Receivers of risk payments; related ones count as one family.
    let mut groups: Vec<&NameKey> = Vec::new();
    let mut risk_receivers = 0;
    let mut steady = 0;
    let mut unsteady = 0;
    let (mut multi, mut max_channels) = (0, 0);
    let mut to_organisations = 0;
    for l in s.links.iter().filter(|l| l.risk.n > 0) {
        risk_receivers += 1;
        if conduct(l.receiver as usize) != Conduct::Person {
            to_organisations += 1;
        }
        let key = &recv[l.receiver as usize].key;
        if !groups.iter().any(|g| g.related(key)) {
            groups.push(key);
        }
        if l.risk.n >= 2 {
            if l.risk.steady_monthly() {
                steady += 1;
            } else {
                unsteady += 1;
            }
        }
        let ch = l.channels.count_ones();
        if ch > 1 {
            multi += 1;
        }
        max_channels = max_channels.max(ch);
    }
    // Regular gaps to the receivers it pays again and again: a household's
    // provider. Customers buy shows when they want them.
    let household = &e.cfg.conduct;
    // Wide sums: a restored state's counts are input, not trusted to be small.
    let (mut regular_payments, mut irregular, mut gap_days) = (0u64, false, 0f32);
    for l in s
        .links
        .iter()
        .filter(|l| l.risk.n >= household.household_min_payments)
    {
        if regular_gaps(household, &l.risk) {
            regular_payments += u64::from(l.risk.n);
            gap_days += l.risk.mean_gap_days().unwrap_or(0.0) * l.risk.n as f32;
        } else {
            irregular = true;
        }
    }
    let partner_like = groups.len() == 1
        && s.risk >= 3
        && 2 * u64::from(s.night) < u64::from(s.risk)
        && s.links
            .iter()
            .filter(|l| l.risk.n > 0)
            .all(|l| l.risk.n < 3 || l.risk.steady_amounts())
        && s.links.iter().any(|l| l.risk.steady_amounts());
    let amounts = Amounts::of(s);
    let exclusive = exclusive(e, i, groups.len(), &amounts);
    let business_client = business_client(s);
    let household_gap_days = (!partner_like
        && !irregular
        && regular_payments > 0
        && 2 * regular_payments >= u64::from(s.risk)
        && 2 * u64::from(s.night) < u64::from(s.risk))
    .then(|| gap_days / regular_payments as f32);
    SenderFacts {
        id: &info.id,
        country: info.country,
        payments: s.payments,
        to_high_risk: s.to_high_risk,
        risk_payments: s.risk,
        risk_usd: s.risk_usd,
        risk_country: s.risk_country,
        family_payments: s.family,
        max_7d: s.max_7d,
        max_30d: s.max_30d,
        max_90d: s.max_90d,
        first_30d: s.first_30d,
        first_amount_usd: amounts.first.0,
        last_amount_usd: amounts.last.0,
        first_amount_n: amounts.first.1,
        last_amount_n: amounts.last.1,
        amount_spread: amounts.spread,
        risk_receivers,
        unrelated_receiver_groups: groups.len() as u32,
        steady_monthly: steady > 0 && unsteady == 0,
        partner_like,
        exclusive,
        business_client,
        household_gap_days,
        named: !info.name.is_empty(),
        pays_organisations: risk_receivers > 0 && to_organisations == risk_receivers,
        surname_ties: s.risk > 0
            && info
                .key
                .ties
                .contains(Ties::for_destination(s.risk_country)),
        diaspora: {
            let mut d = Diaspora::default();
            if s.family > 0 {
                d.0 |= Diaspora::FAMILY_LINK.0;
            }
            let to_ph = s.risk_country == Country::new(b"PH") || s.risk == 0;
            if (to_ph && info.key.filipino)
                || (s.risk_country == Country::new(b"VN") && info.key.ties.contains(Ties::VN))
            {
                d.0 |= Diaspora::NAME.0;
            }
            if to_ph && s.filipino_words > 0 {
                d.0 |= Diaspora::FILIPINO_WORDS.0;
            }
            d
        },
        night_payments: s.night,
        cover_remarks: s.cover,
        handles: s.handles,
        round_amounts: s.round,
        split_payments: s.split,
        multi_channel_receivers: multi,
        max_channels,
        risky_purchases: s.purchases,
        birth_year: info.birth_year,
        sex: info.sex,
        shared: None,
        outside: e.outside.get(Role::Sender, &info.id),
        first_seen: s.first_seen,
        last_seen: s.last_seen,
    }
}

/// Receiver facts from the receiver's own payments (the local stage).
///
/// Senders `routed` marks (the romance-scam pattern, by index) are not part
/// of the fan-in, nor are business clients: senders who sent this receiver
/// at least two payments with an invoice-like remark and at least as many
/// as their fan-in payments (as `business_client` reads the paying side).
pub(crate) fn receiver_facts<'e>(
    e: &View<'e>,
    i: usize,
    routed: impl Fn(usize) -> bool,
    conduct: Conduct,
) -> ReceiverFacts<'e> {
    let info = &e.receivers.info[i];
    let v = &e.receivers.state[i];
    let fanin_links = v.links.iter().filter(|l| {
        l.fanin.n > 0
            && !routed(l.sender as usize)
            && !(l.business >= 2 && u32::from(l.business) >= l.fanin.n)
    });
    let fanin_senders =
        fanin_links.clone().count() as u32 + if v.fanin > 0 { v.links_overflow } else { 0 };
    let steady = fanin_links
        .clone()
        .filter(|l| l.fanin.steady_monthly())
        .count() as u32;
    let household_payers =
        household_payers(&e.cfg.conduct, fanin_links.map(|l| &l.fanin), fanin_senders);
    let median = if v.delays_min.is_empty() {
        None
    } else {
        let mut d = v.delays_min.clone();
        d.sort_unstable();
        Some(d[d.len() / 2])
    };
    ReceiverFacts {
        id: &info.id,
        country: info.country,
        payments: v.payments,
        usd: v.usd,
        band_payments: v.band,
        band_usd: v.band_usd,
        fanin_payments: v.fanin,
        fanin_senders,
        fanin_max_30d: v.max_30d,
        steady_senders: steady,
        evening_payments: v.evening,
        payouts: v.payouts,
        fast_payouts: v.fast_payouts,
        median_payout_minutes: median,
        organisation: info.key.organisation || conduct != Conduct::Person,
        conduct,
        household_payers,
        alias_accounts: Vec::new(),
        group_fanin_senders: fanin_senders,
        suspicious_senders: 0,
        suspicious_sender_ids: Vec::new(),
        sender_suspicion: 0.0,
        ring_receivers: Vec::new(),
        outside: e.outside.get(Role::Receiver, &info.id),
        first_seen: v.first_seen,
        last_seen: v.last_seen,
    }
}

/// Weighs findings into one score: raw = Σ weight·strength, score = 1 − e^(−raw).
/// Each finding's contribution is its share of the score.
pub(crate) fn combine(
    indicators: &[Box<dyn Indicator>],
    subject: Subject<'_, '_>,
    role: Role,
    stage: Option<Stage>,
) -> (f64, Vec<(usize, f64)>) {
    let mut raw = 0.0;
    let mut parts = Vec::new();
    for (k, ind) in indicators.iter().enumerate() {
        if ind.role() != role || stage.is_some_and(|st| ind.stage() != st) {
            continue;
        }
        let s = ind.strength(subject);
        debug_assert!((0.0..=1.0).contains(&s), "{} strength {s}", ind.code());
        if s > 0.0 {
            let w = ind.weight() * s;
            raw += w;
            parts.push((k, w));
        }
    }
    (raw, parts)
}

/// The raw score alone, without allocating: for every party.
pub(crate) fn raw_score(
    indicators: &[Box<dyn Indicator>],
    subject: Subject<'_, '_>,
    role: Role,
    stage: Option<Stage>,
) -> f64 {
    indicators
        .iter()
        .filter(|ind| ind.role() == role && stage.is_none_or(|st| ind.stage() == st))
        .map(|ind| ind.weight() * ind.strength(subject))
        .sum()
}

pub(crate) fn score_of(raw: f64) -> f64 {
    1.0 - (-raw).exp()
}

/// The score an analyst sees for a raw score: through the calibration.
pub(crate) fn shown_score(cfg: &EngineConfig, role: Role, raw: f64) -> f64 {
    cfg.calibration.apply(role, score_of(raw))
}

/// Whether a party with this raw score alerts: something found, and its
/// shown score reaches the threshold.
pub(crate) fn alerted(cfg: &EngineConfig, role: Role, raw: f64) -> bool {
    raw > 0.0 && shown_score(cfg, role, raw) >= cfg.alert_threshold
}

/// Turns scored facts into an alert.
pub(crate) fn make_alert(
    e: &View<'_>,
    subject: Subject<'_, '_>,
    raw: f64,
    parts: &[(usize, f64)],
    evidence: &VecDeque<u32>,
    context: Vec<String>,
) -> Alert {
    let (id, country, payments, first_seen, last_seen) = subject.summary();
    let role = subject.role();
    let score = shown_score(e.cfg, role, raw);
    let findings = top_findings(e, subject, raw, parts, usize::MAX);
    Alert {
        subject: id.to_owned(),
        role,
        score: round3(score),
        country: country.as_str().to_owned(),
        indicators: findings,
        context,
        transactions: evidence.iter().map(|&t| e.txns.get(t).to_owned()).collect(),
        payments,
        first_seen,
        last_seen,
    }
}

/// The `top` strongest findings of an alert, in its order (highest
/// contribution first, then code): the words of only those are written.
pub(crate) fn top_findings(
    e: &View<'_>,
    subject: Subject<'_, '_>,
    raw: f64,
    parts: &[(usize, f64)],
    top: usize,
) -> Vec<Finding> {
    // Contributions add up to the shown score, in proportion to the raw one.
    let score = shown_score(e.cfg, subject.role(), raw);
    let mut ranked: Vec<(usize, f64)> = parts
        .iter()
        .map(|&(k, w)| (k, round3(score * w / raw)))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| e.indicators[a.0].code().cmp(e.indicators[b.0].code()))
    });
    ranked.truncate(top);
    ranked
        .into_iter()
        .map(|(k, contribution)| {
            let ind = &e.indicators[k];
            Finding {
                code: ind.code().to_owned(),
                contribution,
                reason: ind.reason(subject),
                parties: ind.parties(subject),
            }
        })
        .collect()
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod conduct_tests {
    use super::*;
    use crate::model::DAY;
    use crate::state::ReceiverLink;

    /// `payers` payers, the first `card` of them by card, of whom `steady` pay
    /// a fixed amount monthly and `other_fanin` more pay irregularly.
    fn receiver(payers: u32, card: u32, steady: u32, other_fanin: u32) -> ReceiverState {
        let mut v = ReceiverState::default();
        for k in 0..payers {
            let mut fanin = Cadence::new();
            if k < steady {
                for m in 0..3 {
                    fanin.add(m * 30 * DAY, 35.0);
                }
            } else if k < steady + other_fanin {
                fanin.add(0, 35.0);
                fanin.add(3 * DAY, 60.0);
            }
            v.links.push(ReceiverLink {
                sender: k,
                related: false,
                purchase: k < card,
                business: 0,
                fanin,
            });
        }
        v
    }

    #[test]
    fn households_by_the_gaps_of_their_payers() {
        let cadence = |days: &[i64]| {
            let mut c = Cadence::new();
            for d in days {
                c.add(1_000_000_000 + d * DAY, 40.0);
            }
            c
        };
        let weekly = cadence(&[0, 7, 14, 21, 28]);
        let monthly = cadence(&[3, 33, 62, 93]);
        let bursts = cadence(&[0, 1, 2, 30, 31]);
        let few = cadence(&[0, 7, 14]);
        let cfg = ConductConfig::default();
        let count =
            |links: &[&Cadence], all: u32| household_payers(&cfg, links.iter().copied(), all);
        assert_eq!(count(&[&weekly, &monthly], 2), 2, "both regular");
        assert_eq!(
            count(&[&weekly, &monthly, &bursts, &few], 4),
            2,
            "half regular"
        );
        assert_eq!(
            count(&[&weekly, &monthly, &bursts, &few, &few], 5),
            0,
            "under half"
        );
        assert_eq!(count(&[&weekly], 1), 0, "one payer is not a household");
        assert_eq!(
            count(&[&weekly, &monthly], 6),
            0,
            "payers past the kept links count"
        );
        let strict = ConductConfig {
            household_min_payments: 6,
            ..ConductConfig::default()
        };
        assert_eq!(
            household_payers(&strict, [&weekly, &monthly].into_iter(), 2),
            0
        );
    }

    #[test]
    fn shops_and_sponsorships_by_conduct() {
        let c = ConductConfig::default();
        // (payers, by card, steady monthly, other fan-in) → conduct
        let cases = [
            ((6, 3, 0, 0), Conduct::Shop, "half by card"),
            ((7, 3, 0, 0), Conduct::Person, "under half by card"),
            ((2, 2, 0, 0), Conduct::Person, "too few payers"),
            ((6, 0, 3, 3), Conduct::Sponsored, "half steady"),
            ((7, 0, 3, 4), Conduct::Person, "under half steady"),
            ((2, 0, 2, 0), Conduct::Person, "too few sponsors"),
        ];
        for ((payers, card, steady, other), want, why) in cases {
            let v = receiver(payers, card, steady, other);
            assert_eq!(conduct(&c, &v), want, "{why}");
        }
        let strict = ConductConfig {
            shop_purchase_share: 0.9,
            ..ConductConfig::default()
        };
        assert_eq!(conduct(&strict, &receiver(6, 3, 0, 0)), Conduct::Person);
    }
}
