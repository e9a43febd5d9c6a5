//! Per-party state, updated payment by payment in time order. Every
//! collection is capped, so a party's memory is bounded however much it pays.

use std::collections::VecDeque;

use crate::model::{Timestamp, DAY};

/// Most links (counterparties) remembered per sender and per receiver.
pub const MAX_SENDER_LINKS: usize = 64;
pub const MAX_RECEIVER_LINKS: usize = 128;
/// Most risk-payment times kept for the sliding windows.
pub const MAX_WINDOW: usize = 128;
/// Payout delays kept for the median.
pub const MAX_DELAYS: usize = 32;

/// What one payment brings, in the engine's compact form (48 bytes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    pub ts: Timestamp,
    /// Payout time minus payment time, seconds; negative when unknown.
    pub payout_delay: i64,
    pub usd: f32,
    pub txn: u32,
    pub sender: u32,
    pub receiver: u32,
    pub mcc: u16,
    pub remark: u8,
    pub channel: u8,
    pub sender_hour: u8,
    pub receiver_hour: u8,
    pub flags: u8,
}

impl Record {
    pub const CROSS_BORDER: u8 = 1;
    pub const HIGH_RISK_DEST: u8 = 2;
    pub const ROUND: u8 = 4;
    pub const HAS_MCC: u8 = 8;
    pub const HAS_CHANNEL: u8 = 16;
    /// Paid through a purchase channel (card by default).
    pub const PURCHASE: u8 = 32;

    #[inline]
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Repeated payments between the same two parties.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Cadence {
    pub n: u32,
    pub last_ts: Timestamp,
    pub first_usd: f32,
    pub min_usd: f32,
    pub max_usd: f32,
    pub same_amount: bool,
    pub gap_min: i64,
    pub gap_max: i64,
    /// Sum and sum of squares of the gaps, in days: how regular they are.
    #[serde(default)]
    pub gap_days: f32,
    #[serde(default)]
    pub gap_days_sq: f32,
}

impl Cadence {
    pub fn new() -> Cadence {
        Cadence {
            n: 0,
            last_ts: 0,
            first_usd: 0.0,
            min_usd: f32::MAX,
            max_usd: 0.0,
            same_amount: true,
            gap_min: i64::MAX,
            gap_max: 0,
            gap_days: 0.0,
            gap_days_sq: 0.0,
        }
    }

    /// Returns the gap to the previous payment, if any.
    #[inline]
    pub fn add(&mut self, ts: Timestamp, usd: f32) -> Option<i64> {
        let gap = (self.n > 0).then(|| ts - self.last_ts);
        if let Some(g) = gap {
            self.gap_min = self.gap_min.min(g);
            self.gap_max = self.gap_max.max(g);
            let days = g as f32 / DAY as f32;
            self.gap_days += days;
            self.gap_days_sq += days * days;
            if (usd - self.first_usd).abs() > 0.01 * self.first_usd.max(1.0) {
                self.same_amount = false;
            }
        } else {
            self.first_usd = usd;
        }
        self.min_usd = self.min_usd.min(usd);
        self.max_usd = self.max_usd.max(usd);
        self.n += 1;
        self.last_ts = ts;
        gap
    }

    /// Amounts within ±12% of each other over at least three payments.
    pub fn steady_amounts(&self) -> bool {
        self.n >= 3 && f64::from(self.max_usd) <= 1.25 * f64::from(self.min_usd)
    }

    /// The gaps' coefficient of variation (standard deviation over mean), or
    /// `None` with fewer than two gaps.
    pub fn gap_variation(&self) -> Option<f32> {
        if self.n < 3 {
            return None;
        }
        let k = (self.n - 1) as f32;
        let mean = self.gap_days / k;
        if mean <= 0.0 {
            return Some(f32::MAX);
        }
        let var = (self.gap_days_sq / k - mean * mean).max(0.0);
        Some(var.sqrt() / mean)
    }

    /// Mean gap in days, once there is one.
    pub fn mean_gap_days(&self) -> Option<f32> {
        (self.n >= 2).then(|| self.gap_days / (self.n - 1) as f32)
    }

    /// One fixed amount at roughly monthly gaps: sponsorships, allowances.
    pub fn steady_monthly(&self) -> bool {
        self.n >= 2 && self.same_amount && self.gap_min >= 24 * DAY && self.gap_max <= 38 * DAY
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct SenderLink {
    pub receiver: u32,
    pub related: bool,
    pub channels: u8,
    /// Cross-border payments to this receiver with an invoice-like remark
    /// (`Remark::BUSINESS`), saturating: with at least as many as its bare
    /// risk payments, a business relationship (`scoring::business_client`).
    #[serde(default)]
    pub business: u16,
    /// Risk payments (low value, unrelated, high-risk destination).
    pub risk: Cadence,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct SenderState {
    pub payments: u32,
    pub to_high_risk: u32,
    pub risk: u32,
    pub risk_usd: f64,
    pub risk_country: crate::model::Country,
    pub family: u32,
    /// Cross-border payments whose message has Filipino family words.
    pub filipino_words: u32,
    pub purchases: u32,
    /// Payments to unrelated receivers in high-risk countries: the first and
    /// the largest amount, those above the band, those telling romance-scam
    /// stories ("hospital", "visa", "customs fee").
    pub unrelated_first_usd: f64,
    pub unrelated_max_usd: f64,
    pub large: u32,
    pub romance_words: u32,
    pub window: VecDeque<Timestamp>,
    pub max_7d: u32,
    pub max_30d: u32,
    pub max_90d: u32,
    pub first_risk: Option<Timestamp>,
    pub first_30d: u32,
    pub first_amounts: (f64, u32),
    /// The sum of the squares of the risk payments' USD amounts (with
    /// `risk_usd` and `risk`, their spread, for `facts::amounts_rise`);
    /// negative when unknown: a state restored from a snapshot older than
    /// it (version 2, or JSON).
    #[serde(default = "unknown_square_sum")]
    pub risk_usd_sq: f64,
    pub last_amounts: [f32; 5],
    pub night: u32,
    pub cover: u32,
    pub handles: u32,
    pub round: u32,
    pub split: u32,
    pub links: Vec<SenderLink>,
    pub links_overflow: u32,
    pub evidence: VecDeque<u32>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// `SenderState::risk_usd_sq` of a state restored without it.
pub(crate) fn unknown_square_sum() -> f64 {
    -1.0
}

impl SenderState {
    /// Bytes on the heap beside the struct.
    pub fn heap_bytes(&self) -> usize {
        self.links.capacity() * std::mem::size_of::<SenderLink>()
            + self.window.capacity() * 8
            + self.evidence.capacity() * 4
    }

    /// The romance-scam pattern of the brief: another crime, routed away from
    /// OSEC. Emergency and travel stories, with amounts growing past the band.
    pub fn romance_pattern(&self) -> bool {
        let escalates = self.large >= 1 && self.unrelated_max_usd >= 2.0 * self.unrelated_first_usd;
        self.romance_words >= 2 || (self.romance_words >= 1 && escalates)
    }

    /// Records a risk payment's time and updates the window maxima.
    pub fn window_add(&mut self, ts: Timestamp) {
        while self.window.front().is_some_and(|&t| t <= ts - 90 * DAY)
            || self.window.len() >= MAX_WINDOW
        {
            self.window.pop_front();
        }
        self.window.push_back(ts);
        let (mut w7, mut w30) = (0u32, 0u32);
        for &t in self.window.iter().rev() {
            if t <= ts - 30 * DAY {
                break;
            }
            w30 += 1;
            if t > ts - 7 * DAY {
                w7 += 1;
            }
        }
        self.max_7d = self.max_7d.max(w7);
        self.max_30d = self.max_30d.max(w30);
        self.max_90d = self.max_90d.max(self.window.len() as u32);
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ReceiverLink {
    pub sender: u32,
    pub related: bool,
    /// The sender paid through a purchase channel (card) at least once.
    #[serde(default)]
    pub purchase: bool,
    /// Cross-border payments from this sender with an invoice-like remark,
    /// saturating: with at least as many as its fan-in payments, a
    /// business client's, not a fan-in payer (`scoring::receiver_facts`).
    #[serde(default)]
    pub business: u16,
    /// Fan-in payments: low value, from abroad, unrelated, not business.
    pub fanin: Cadence,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ReceiverState {
    pub payments: u32,
    pub usd: f64,
    pub band: u32,
    pub band_usd: f64,
    pub fanin: u32,
    pub evening: u32,
    pub max_30d: u32,
    pub payouts: u32,
    pub fast_payouts: u32,
    pub delays_min: Vec<u32>,
    pub links: Vec<ReceiverLink>,
    pub links_overflow: u32,
    pub evidence: VecDeque<u32>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

impl ReceiverState {
    /// Bytes on the heap beside the struct.
    pub fn heap_bytes(&self) -> usize {
        self.links.capacity() * std::mem::size_of::<ReceiverLink>()
            + self.delays_min.capacity() * 4
            + self.evidence.capacity() * 4
    }

    /// Distinct fan-in senders within the 30 days up to `ts`.
    pub fn distinct_30d(&self, ts: Timestamp) -> u32 {
        self.links
            .iter()
            .filter(|l| l.fanin.n > 0 && l.fanin.last_ts > ts - 30 * DAY)
            .count() as u32
    }
}

/// Pushes `txn` onto a bounded evidence list, dropping the oldest.
#[inline]
pub(crate) fn keep_evidence(list: &mut VecDeque<u32>, txn: u32, max: usize) {
    if list.len() >= max {
        list.pop_front();
    }
    list.push_back(txn);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide() {
        let mut s = SenderState::default();
        let t0 = 1_000_000_000;
        for d in [0, 1, 2, 3, 10, 40, 41] {
            s.window_add(t0 + d * DAY);
        }
        assert_eq!(s.max_7d, 4); // days 0-3
        assert_eq!(s.max_30d, 5); // days 0-10
        assert_eq!(s.max_90d, 7);
        // 95 days later the window holds one payment again.
        s.window_add(t0 + 140 * DAY);
        assert_eq!(s.window.len(), 1);
    }

    #[test]
    fn window_memory_is_bounded() {
        let mut s = SenderState::default();
        for i in 0..10_000 {
            s.window_add(1_000_000_000 + i * 60);
        }
        assert_eq!(s.window.len(), MAX_WINDOW);
        assert_eq!(s.max_30d, MAX_WINDOW as u32);
    }

    #[test]
    fn gap_variation() {
        let mut weekly = Cadence::new();
        for (k, jitter) in [0, 3, -2, 1, 0, -3].iter().enumerate() {
            weekly.add(1_000_000_000 + k as i64 * 7 * DAY + jitter * 3600, 20.0);
        }
        assert!(weekly.gap_variation().unwrap() < 0.05);
        assert!((weekly.mean_gap_days().unwrap() - 7.0).abs() < 0.2);
        let mut bursts = Cadence::new();
        for d in [0, 1, 2, 20, 21, 45] {
            bursts.add(1_000_000_000 + d * DAY, 20.0);
        }
        assert!(bursts.gap_variation().unwrap() > 0.8);
        let mut two = Cadence::new();
        two.add(0, 1.0);
        two.add(DAY, 1.0);
        assert_eq!(two.gap_variation(), None, "one gap says nothing");
        let mut same_second = Cadence::new();
        for _ in 0..3 {
            same_second.add(5, 1.0);
        }
        assert_eq!(same_second.gap_variation(), Some(f32::MAX));
    }

    #[test]
    fn cadence() {
        let mut c = Cadence::new();
        for m in 0..4 {
            c.add(1_000_000_000 + m * 30 * DAY, 25.0);
        }
        assert!(c.steady_monthly());
        c.add(1_000_000_000 + 95 * DAY, 25.0);
        assert!(!c.steady_monthly(), "a 5-day gap is not monthly");
        let mut c = Cadence::new();
        c.add(0, 25.0);
        c.add(30 * DAY, 40.0);
        assert!(!c.steady_monthly(), "amount changed");
    }

    proptest::proptest! {
        /// The window maxima equal a brute-force count over all payments.
        #[test]
        fn window_maxima_match_brute_force(mut gaps in proptest::collection::vec(0i64..(5 * DAY), 1..120)) {
            let mut t = 1_000_000_000;
            let times: Vec<i64> = gaps.drain(..).map(|g| { t += g; t }).collect();
            let mut s = SenderState::default();
            for &ts in &times {
                s.window_add(ts);
            }
            let most = |w: i64| times.iter().map(|&end| times.iter().filter(|&&x| x > end - w && x <= end).count() as u32).max().unwrap_or(0);
            proptest::prop_assert_eq!(s.max_7d, most(7 * DAY));
            proptest::prop_assert_eq!(s.max_30d, most(30 * DAY));
            proptest::prop_assert_eq!(s.max_90d, most(90 * DAY));
            proptest::prop_assert!(s.window.len() <= MAX_WINDOW);
        }
    }
}
