//! What the engine knows about one party when it scores it: plain numbers,
//! derived from the party's windowed state and, for the network stage, from
//! its neighbours. Indicators read facts; they never see raw payments.

use crate::model::{Country, Sex, Timestamp};
use crate::outside::OutsideFinding;

/// The paying side: a possible customer.
#[derive(Clone, Debug, Default)]
pub struct SenderFacts<'a> {
    pub id: &'a str,
    pub country: Country,
    /// All payments sent.
    pub payments: u32,
    /// Cross-border payments to a high-risk destination, any amount.
    pub to_high_risk: u32,
    /// Of those, in the low-value band, to unrelated persons, and not explained
    /// as business or donation: the payments the paying-side indicators read.
    pub risk_payments: u32,
    pub risk_usd: f64,
    /// The destination country of the first risk payment.
    pub risk_country: Country,
    /// Payments to receivers with a family link (shared family name).
    pub family_payments: u32,
    /// Most risk payments within any 7, 30 and 90 days.
    pub max_7d: u32,
    pub max_30d: u32,
    pub max_90d: u32,
    /// Risk payments in the first 30 days after the first one.
    pub first_30d: u32,
    /// Mean USD amount of the first and of the last (up to) five risk payments.
    pub first_amount_usd: f64,
    pub last_amount_usd: f64,
    /// How many payments those two means are of.
    pub first_amount_n: u32,
    pub last_amount_n: u32,
    /// The sample standard deviation of every risk amount (of the last five
    /// in a state restored from a snapshot that lacks it; 0 with fewer than
    /// two): the yardstick of a rise.
    pub amount_spread: f64,
    /// Distinct receivers of risk payments, and how many remain once receivers
    /// related to each other by family name are counted once.
    pub risk_receivers: u32,
    pub unrelated_receiver_groups: u32,
    /// The risk receivers are all paid with one fixed amount at monthly gaps
    /// (subscriptions, sponsorships, allowances).
    pub steady_monthly: bool,
    /// One beneficiary, steady amounts, mostly not at night: the partner
    /// abroad of the brief (relationship context).
    pub partner_like: bool,
    /// An exclusive one-to-one relationship: every risk payment went to one
    /// beneficiary (or her family), the sender is the only payer abroad of
    /// each of them, at least three payments, none split, amounts not rising,
    /// not mostly at night (`conduct.exclusive_*`). The brief's partner abroad, whatever the days.
    pub exclusive: bool,
    /// A business client: to every receiver of its risk payments it sent at
    /// least two payments with an invoice-like remark, and at least as many
    /// as it sent without one (`scoring::business_client`). The brief's
    /// freelancers' clients ("invoice-like remarks"), who do not write one
    /// on every payment.
    pub business_client: bool,
    /// The sender's surname is common in the risk destination country.
    pub surname_ties: bool,
    /// The sender's name is known (ties can only be read from a name).
    pub named: bool,
    /// Paid like a household's provider (family money, told without names):
    /// most of its risk payments went at regular gaps to receivers it pays
    /// again and again, mostly not at night. The mean gap, in days.
    /// Not set for a partner-like sender, which is weighed as one.
    pub household_gap_days: Option<f32>,
    /// Every risk payment went to receivers that behave like organisations
    /// (shops, sponsorships; see [`Conduct`]): a shopper or a donor.
    pub pays_organisations: bool,
    /// Markers of a diaspora sender writing home (relationship context).
    pub diaspora: Diaspora,
    /// Risk payments in the sender's local night.
    pub night_payments: u32,
    /// Risk payments whose message has cover words or a social handle.
    pub cover_remarks: u32,
    pub handles: u32,
    /// Risk payments of an even round amount in the sender's currency.
    pub round_amounts: u32,
    /// Risk payments made minutes after another one to the same receiver.
    pub split_payments: u32,
    /// Receivers paid through more than one channel, and the most channels on one.
    pub multi_channel_receivers: u32,
    pub max_channels: u32,
    /// Card purchases in risky merchant categories.
    pub risky_purchases: u32,
    pub birth_year: Option<u16>,
    pub sex: Option<Sex>,
    /// Network stage: the most suspicious receiver this sender pays.
    pub shared: Option<SharedReceiver<'a>>,
    /// What cooperating institutions reported (`spur match`; P-XMATCH).
    pub outside: Option<OutsideFinding>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// A receiver the sender pays that others pay too (P-SHARED).
#[derive(Clone, Debug, Default)]
pub struct SharedReceiver<'a> {
    pub id: &'a str,
    pub score: f64,
    /// Other unrelated senders abroad paying the same person (alias accounts included).
    pub other_senders: u32,
    pub other_suspicious: u32,
}

/// The receiving side: a possible facilitator.
#[derive(Clone, Debug, Default)]
pub struct ReceiverFacts<'a> {
    pub id: &'a str,
    pub country: Country,
    pub payments: u32,
    pub usd: f64,
    /// Payments and value inside the facilitator price band (R-BAND).
    pub band_payments: u32,
    pub band_usd: f64,
    /// Low-value payments from unrelated persons abroad (the fan-in).
    pub fanin_payments: u32,
    /// Distinct unrelated senders abroad: all time (past 128 counterparties
    /// an upper estimate), and the most within any 30 days.
    pub fanin_senders: u32,
    pub fanin_max_30d: u32,
    /// Of the fan-in senders, those paying one fixed amount at monthly gaps.
    pub steady_senders: u32,
    /// Fan-in payments in the receiver's local afternoon and evening.
    pub evening_payments: u32,
    /// Payouts known, and those cashed out quickly.
    pub payouts: u32,
    pub fast_payouts: u32,
    pub median_payout_minutes: Option<u32>,
    /// The receiver is organisation-like: its name reads as one (charity,
    /// school, company), or it behaves like one (`conduct`).
    pub organisation: bool,
    /// How the receiver is paid, read without its name.
    pub conduct: Conduct,
    /// Fan-in payers that pay it again and again at regular gaps, when they
    /// are at least two and at least half of its fan-in payers: a household
    /// paid by its providers abroad (see [`SenderFacts::household_gap_days`]).
    /// 0 otherwise.
    pub household_payers: u32,
    /// Alias accounts: other accounts of the same person (a shared phone, or
    /// name variants with a shared unrelated payer), and the fan-in of all.
    pub alias_accounts: Vec<&'a str>,
    pub group_fanin_senders: u32,
    /// Network stage: fan-in senders that score on the paying side.
    pub suspicious_senders: u32,
    pub suspicious_sender_ids: Vec<&'a str>,
    /// Their scores combined as independent evidence: 1 − Π(1 − score).
    pub sender_suspicion: f64,
    /// Network stage: other suspicious receivers sharing payers with this one.
    pub ring_receivers: Vec<&'a str>,
    /// What cooperating institutions reported (`spur match`; R-XMATCH).
    pub outside: Option<OutsideFinding>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// How a receiver is paid, where that reads like an organisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Conduct {
    /// Nothing organisation-like.
    #[default]
    Person,
    /// Most of its payers, and several, paid it through a purchase channel (card).
    Shop,
    /// Most of its fan-in payers pay one fixed amount at monthly gaps.
    Sponsored,
}

/// Why a sender looks like diaspora sending family money.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Diaspora(pub u8);

impl Diaspora {
    /// Shares a family name with a receiver abroad.
    pub const FAMILY_LINK: Diaspora = Diaspora(1);
    /// A name typical of the destination: a given name or surname
    /// distinctive of the Philippines, a Vietnamese family name.
    pub const NAME: Diaspora = Diaspora(2);
    /// Writes Filipino family words in payment messages.
    pub const FILIPINO_WORDS: Diaspora = Diaspora(4);

    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// "family name shared with a receiver, Filipino given name or surname".
    pub fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.0 & Self::FAMILY_LINK.0 != 0 {
            parts.push("family name shared with a receiver");
        }
        if self.0 & Self::NAME.0 != 0 {
            parts.push("name typical of the destination");
        }
        if self.0 & Self::FILIPINO_WORDS.0 != 0 {
            parts.push("Filipino family words in messages");
        }
        parts.join(", ")
    }
}

impl SenderFacts<'_> {
    /// Whether the recent risk amounts have risen over the first ones, by
    /// `ratio` and beyond what their spread explains
    /// ([`amounts_rise`](crate::facts::amounts_rise)).
    pub fn amounts_rise(&self, ratio: f64, z: f64) -> bool {
        amounts_rise(
            (self.first_amount_usd, self.first_amount_n),
            (self.last_amount_usd, self.last_amount_n),
            self.amount_spread,
            ratio,
            z,
        )
    }
}

/// Amounts that rise, as the AIC describes buyers' (Trends & Issues 589: the
/// more an offender buys, the higher the median amount): the mean of the
/// last (up to) five risk payments is at least `ratio` times the mean of the
/// first five, and the difference is more than `z` standard errors of it,
/// `spread · √(1/n₁ + 1/n₂)`, where `spread` is the standard deviation of all
/// the sender's risk amounts: a rise must stand out of the sender's own
/// spread (one-sided; 1.645 is about 95%, 2.33 about 99%, the default
/// `p_freq.rising_amount_z`). Each sample is (mean, count).
///
/// A partner abroad pays amounts spread widely around a level that does not
/// move (the brief: "steady amounts"; issue 11's independent traffic: "spread
/// widely around USD 140"): two samples of five such amounts differ by a
/// third often enough that the ratio alone called such partners "rising",
/// and so not the steady one-to-one relationship they are; the spread of
/// five amounts alone is too unsteady a yardstick, that of all of them is
/// not (docs/indicators.md, "Relationship context").
pub fn amounts_rise(first: (f64, u32), last: (f64, u32), spread: f64, ratio: f64, z: f64) -> bool {
    let ((first_mean, n1), (last_mean, n2)) = (first, last);
    if n1 == 0 || n2 == 0 || last_mean < ratio * first_mean {
        return false;
    }
    let se = spread * (1.0 / f64::from(n1) + 1.0 / f64::from(n2)).sqrt();
    last_mean - first_mean > z * se
}

#[cfg(test)]
mod tests {
    use super::amounts_rise;

    #[test]
    fn a_rise_must_stand_out_of_the_spread() {
        // A buyer's amounts climbing steadily: well past the ratio and the
        // spread (all his amounts, the climb included).
        assert!(amounts_rise((30.0, 5), (60.0, 5), 11.0, 1.3, 2.33));
        // A partner's: the same ratio with amounts spread around 100.
        assert!(!amounts_rise((74.0, 5), (105.0, 5), 35.0, 1.3, 1.645));
        // Not the ratio: never, however steady.
        assert!(!amounts_rise((100.0, 5), (120.0, 5), 0.0, 1.3, 1.645));
        // The same amounts in each sample past the ratio: a rise.
        assert!(amounts_rise((20.0, 5), (30.0, 5), 0.0, 1.3, 1.645));
        // z = 0 is the ratio alone.
        assert!(amounts_rise((74.0, 5), (105.0, 5), 35.0, 1.3, 0.0));
        assert!(!amounts_rise((0.0, 0), (50.0, 3), 1.0, 1.3, 1.645));
    }
}
