//! The world being generated: its parties and payments, and the draws every
//! population shares (amounts, times, names, countries).

use super::*;

#[derive(Clone, Copy)]
pub(super) struct Payment {
    pub(super) ts: i64,
    /// `i64::MIN` when the payout time is unknown.
    pub(super) payout: i64,
    /// Amount in hundredths of the sender's currency.
    pub(super) cents: i64,
    pub(super) sender: u32,
    pub(super) receiver: u32,
    pub(super) msg: Msg,
    pub(super) channel: Channel,
    pub(super) show_phone: bool,
}

pub(super) const NO_PAYOUT: i64 = i64::MIN;

pub(super) struct Party {
    pub(super) name: String,
    pub(super) country: u8,
    pub(super) offset_min: i32,
    pub(super) phone: Option<String>,
    pub(super) label: Label,
}

/// A facilitator person behind 1-4 alias accounts.
pub(super) struct Facilitator {
    pub(super) aliases: Vec<u32>,
    pub(super) surname: &'static str,
    /// Index into owned messages: the social handle customers sometimes write.
    pub(super) handle: u32,
}

pub(super) struct Ring {
    pub(super) members: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(super) enum Buyer {
    Light,
    Medium,
    Heavy,
}

pub(super) struct World {
    pub(super) rng: Rng,
    pub(super) b: Behaviour,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) d0: i64,
    pub(super) days: i64,
    pub(super) senders: Vec<Party>,
    pub(super) receivers: Vec<Party>,
    pub(super) payments: Vec<Payment>,
    pub(super) owned: Vec<String>,
    pub(super) merchants: Vec<Vec<u32>>,
    pub(super) individuals: Vec<Vec<u32>>,
    pub(super) family_households: Vec<(u32, &'static str)>,
}

/// Cumulative weights for repeated weighted picks.
pub(super) struct Cum(pub(super) Vec<f64>);

impl Cum {
    pub(super) fn new(w: impl Iterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        Cum(w
            .map(|x| {
                acc += x;
                acc
            })
            .collect())
    }
    pub(super) fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = rng.f64() * total;
        self.0
            .partition_point(|c| *c <= x)
            .min(self.0.len().saturating_sub(1))
    }
}

impl World {
    pub(super) fn new(cfg: &SimConfig) -> Self {
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

    pub(super) fn offset_for(&mut self, country: u8) -> i32 {
        self.rng.weighted_pick(COUNTRIES[country as usize].offsets)
    }

    pub(super) fn country(&mut self, mix: Mix) -> u8 {
        cc(self.rng.weighted_pick(mix))
    }

    pub(super) fn new_sender(&mut self, name: String, country: u8, label: Label) -> u32 {
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

    pub(super) fn new_receiver(
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

    pub(super) fn phone(&mut self, country: u8) -> String {
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

    pub(super) fn maybe_phone(&mut self, country: u8, p: f64) -> Option<String> {
        if self.rng.chance(p) {
            Some(self.phone(country))
        } else {
            None
        }
    }

    /// True with probability `p`; draws nothing when `p` is 0, so that a behaviour the
    /// calibrated world lacks leaves its random stream (and its bytes) as they were.
    pub(super) fn maybe(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.chance(p)
    }

    pub(super) fn own(&mut self, s: String) -> u32 {
        self.owned.push(s);
        (self.owned.len() - 1) as u32
    }

    /// UTC instant of `secs` past local midnight of epoch day `day` at `offset_min`,
    /// folded into the window by whole days so that no behaviour is lost at the edges.
    pub(super) fn at(&self, day: i64, secs: i64, offset_min: i32) -> i64 {
        let mut ts = day * 86_400 + secs - offset_min as i64 * 60;
        while ts < self.start {
            ts += 86_400;
        }
        while ts >= self.end {
            ts -= 86_400;
        }
        ts.max(self.start)
    }

    pub(super) fn random_day(&mut self) -> i64 {
        self.d0 + self.rng.below(self.days as usize) as i64
    }

    /// Seconds after local midnight in the late evening / night (21:00-03:59), the hours
    /// of P-HOURS (FATF 2025); may exceed 24 h (after midnight of the next day).
    pub(super) fn night_secs(&mut self) -> i64 {
        let hour = 21 + self.rng.weighted(&[1.0, 2.0, 3.0, 3.0, 2.5, 1.5, 1.0]) as i64;
        hour * 3600 + self.rng.below(3600) as i64
    }

    pub(super) fn day_secs(&mut self, from_h: i64, to_h: i64) -> i64 {
        self.rng.int(from_h * 3600, to_h * 3600 - 1)
    }

    /// A waking-hours-weighted time of day, for parties with no particular habit.
    pub(super) fn any_secs(&mut self) -> i64 {
        pub(super) const W: [f64; 24] = [
            1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.5, 4.0, 4.0, 4.0, 4.0,
            4.0, 4.5, 4.5, 4.0, 3.5, 2.5, 1.5,
        ];
        let h = self.rng.weighted(&W) as i64;
        h * 3600 + self.rng.below(3600) as i64
    }

    /// Local epoch days on day-of-month `dom` (clamped to the month's length), `jitter`
    /// days either side, within the window.
    pub(super) fn monthly_days(&mut self, dom: u32, jitter: i64) -> Vec<i64> {
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
    pub(super) fn periodic_days(&mut self, period: i64, jitter: i64, from: i64) -> Vec<i64> {
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
    pub(super) fn local_cents(&mut self, sender: u32, usd: f64, round: bool) -> i64 {
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
    pub(super) fn unit_cents(&self, sender: u32) -> i64 {
        let cur = COUNTRIES[self.senders[sender as usize].country as usize].currency;
        if cur.per_usd >= 50.0 {
            100
        } else {
            1
        }
    }

    pub(super) fn usd_of(&self, sender: u32, cents: i64) -> f64 {
        cents as f64
            / 100.0
            / COUNTRIES[self.senders[sender as usize].country as usize]
                .currency
                .per_usd
    }

    /// Whether the receipt shows the receiver's phone: only when the account has one.
    pub(super) fn show_phone(&mut self, receiver: u32) -> bool {
        self.receivers[receiver as usize].phone.is_some() && self.rng.chance(0.9)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn pay(
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
    pub(super) fn maybe_text(&mut self, p: f64, texts: &[&'static str]) -> Msg {
        if self.rng.chance(p) {
            Msg::Text(self.rng.pick_copy(texts))
        } else {
            Msg::Empty
        }
    }

    pub(super) fn payout(
        &mut self,
        known: f64,
        median_s: f64,
        sigma: f64,
        max_s: f64,
    ) -> Option<i64> {
        if self.rng.chance(known) {
            Some(self.rng.lognormal(median_s, sigma).clamp(120.0, max_s) as i64)
        } else {
            None
        }
    }

    pub(super) fn merchant_in(&mut self, country: u8) -> u32 {
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
    pub(super) fn new_individual(&mut self, country: u8) -> u32 {
        let style = COUNTRIES[country as usize].style;
        let p = PersonName::draw(&mut self.rng, style, 0.5);
        let name = p.render_any(&mut self.rng, self.b.names.canonical);
        let phone = self.maybe_phone(country, 0.5);
        self.new_receiver(name, country, Label::OrdinaryReceiver, phone)
    }

    pub(super) fn individual_in(&mut self, country: u8) -> u32 {
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

    pub(super) fn person(&mut self, country: u8, female: f64) -> PersonName {
        let style = COUNTRIES[country as usize].style;
        PersonName::draw(&mut self.rng, style, female)
    }

    /// A non-Filipino name for a sender in `country`; US senders are sometimes Hispanic.
    pub(super) fn western_person(&mut self, country: u8, female: f64) -> PersonName {
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
