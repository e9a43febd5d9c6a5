//! The engine's parameters, with documented defaults. The binary layers them:
//! defaults, then a TOML file, then `SPUR_` environment variables, then flags.
//! Unknown keys are errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::indicators::IndicatorsConfig;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// A party alerts at or above this score (the shown, calibrated one).
    pub alert_threshold: f64,
    /// Raw scores to shown scores, per role (docs/indicators.md,
    /// "Calibrated scores"); no knots: the identity.
    pub calibration: crate::Calibration,
    /// What makes a payment a risk payment; shared by the indicators.
    pub risk: RiskConfig,
    /// USD per unit, overriding or extending the built-in table.
    pub rates: BTreeMap<String, f64>,
    /// Evidence payments kept per party (the most recent ones).
    pub max_evidence: usize,
    /// How far out of time order payments may arrive when fed one by one.
    /// `None`: the engine buffers everything and sorts once (batch scans).
    pub reorder_tolerance_seconds: Option<i64>,
    /// How far after the caller's clock at ingestion a payment's time may
    /// lie (clocks drift, time zones are mistaken); later ones are refused.
    pub future_margin_seconds: i64,
    /// Relationship context read from conduct instead of names.
    pub conduct: ConductConfig,
    pub indicators: IndicatorsConfig,
}

/// Relationship context read from how a receiver is paid rather than from its
/// name: for institutions whose records carry no names, and for shops and
/// charities whose names spur cannot read. A receiver that behaves like an
/// organisation is weighed like one (`risk.organisation_factor`), and so is a
/// sender whose risk payments all go to such receivers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConductConfig {
    /// Like a shop: at least this share of the receiver's payers paid it
    /// through a purchase channel (`risk.purchase_channels`, card by default)…
    pub shop_purchase_share: f64,
    /// …and at least this many of them did. Customers of live shows pay
    /// through remittance firms, e-wallets, banks or crypto, rarely by card.
    pub shop_min_payers: u32,
    /// Like a charity or a sponsorship: at least this share of the receiver's
    /// fan-in payers pay one fixed amount at monthly gaps…
    pub sponsor_steady_share: f64,
    /// …and at least this many of them do.
    pub sponsor_min_payers: u32,
    /// Like a household's provider (family money, without names to tell
    /// it): a sender whose risk payments mostly go, at least this many to a
    /// receiver…
    pub household_min_payments: u32,
    /// …at regular gaps (their coefficient of variation at most this), on
    /// every such receiver, and mostly not at night. Weighed by
    /// `household_factor`, its own indicators only: network findings stand.
    pub household_gap_variation: f64,
    pub household_factor: f64,
    /// An exclusive one-to-one relationship without a network finding (the
    /// brief's partner abroad: one beneficiary, her only payer abroad, no
    /// split payments, amounts not rising) weighs the sender's own
    /// indicators by this: it is not how a customer buys shows. So does a
    /// business relationship with every beneficiary (a freelancer's client
    /// who writes an invoice on at least half of his payments).
    pub exclusive_factor: f64,
    /// The exclusive relationship tolerates a few split payments (a partner
    /// who once sends the rent in two parts): at most this share of the risk
    /// payments split…
    pub exclusive_split_share: f64,
    /// …and fewer than this share of them at night (a partner may pay late
    /// in the evening; a relationship kept in the small hours is FATF's
    /// customer).
    pub exclusive_night_share: f64,
}

impl Default for ConductConfig {
    fn default() -> Self {
        ConductConfig {
            shop_purchase_share: 0.5,
            shop_min_payers: 3,
            sponsor_steady_share: 0.5,
            sponsor_min_payers: 3,
            household_min_payments: 4,
            household_gap_variation: 0.3,
            household_factor: 0.5,
            exclusive_factor: 0.3,
            exclusive_split_share: 0.25,
            exclusive_night_share: 0.8,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            alert_threshold: 0.6,
            calibration: crate::Calibration::default(),
            risk: RiskConfig::default(),
            rates: BTreeMap::new(),
            max_evidence: 50,
            reorder_tolerance_seconds: None,
            future_margin_seconds: 86_400,
            conduct: ConductConfig::default(),
            indicators: IndicatorsConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    /// The low-value band in USD. Sources: AUD 10-100 and under AUD 500
    /// (AUSTRAC), EUR 10-200 (FATF), USD 20-150 (IJM), PHP 1,000-10,000 (AMLC).
    pub low_value_usd: [f64; 2],
    /// High-risk destination countries: the Philippines, then FINTRAC's 2020
    /// receiving list (US left out: it is mostly a sending country) and the
    /// rest of mainland Southeast Asia and Indonesia.
    pub destinations: Vec<String>,
    /// The sender's local night, `[from, to)` hours, may wrap midnight.
    pub night_hours: [u8; 2],
    /// The receiver's local afternoon and evening, `[from, to)` hours.
    pub evening_hours: [u8; 2],
    /// Relationship context: a sender with diaspora ties to the destination
    /// (family name shared with a receiver, a distinctively Filipino name or
    /// a Vietnamese family name for that destination, Filipino family words
    /// in messages) has its paying-side score weighed
    /// by this factor. Family money is not abuse money.
    pub diaspora_factor: f64,
    /// Relationship context: a sender paying one beneficiary steady amounts,
    /// mostly not at night (a partner abroad), has the indicators read from
    /// its own payments weighed by this factor; network findings stand.
    pub partner_factor: f64,
    /// Relationship context: a receiver whose name reads as an organisation
    /// (charity, school, shop, company) has its score weighed by this factor.
    pub organisation_factor: f64,
    /// Routing: a sender showing the romance-scam pattern (emergency and
    /// travel stories, amounts rising past the band) has its OSEC score
    /// weighed by this factor, and is not counted among receivers' fan-in
    /// senders (R-FANIN's sender counts, R-SENDERS, R-ALIAS pooling).
    pub romance_factor: f64,
    /// Cover words for P-REMARK.
    pub cover_words: Vec<String>,
    /// Channels whose payments to organisation-like receivers (shops, hotels)
    /// are purchases rather than transfers between persons.
    pub purchase_channels: Vec<String>,
    /// Merchant categories that count for P-PURCHASE anywhere: network and
    /// VPN services, software, adult content, dating and escort.
    pub purchase_mcc: Vec<u16>,
    /// Merchant categories that count only in a high-risk country: airlines,
    /// travel agencies, lodging, cash withdrawals.
    pub purchase_mcc_in_destination: Vec<u16>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            low_value_usd: [10.0, 200.0],
            destinations: [
                "PH", "TH", "CO", "GH", "UA", "DO", "RO", "JM", "RU", "VN", "KH", "LA", "MM", "ID",
            ]
            .map(String::from)
            .to_vec(),
            night_hours: [22, 6],
            diaspora_factor: 0.4,
            romance_factor: 0.2,
            partner_factor: 0.5,
            organisation_factor: 0.3,
            evening_hours: [12, 24],
            cover_words: crate::remark::COVER_WORDS
                .iter()
                .map(|w| (*w).to_owned())
                .collect(),
            purchase_channels: vec!["card".to_owned()],
            purchase_mcc: vec![4816, 5734, 5967, 7273, 7841],
            purchase_mcc_in_destination: vec![4511, 4722, 7011, 6010, 6011],
        }
    }
}

impl EngineConfig {
    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.alert_threshold) {
            return Err("alert_threshold must lie in [0, 1]".into());
        }
        self.calibration.validate()?;
        let [lo, hi] = self.risk.low_value_usd;
        if !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo < hi) {
            return Err("risk.low_value_usd must be [low, high] with 0 <= low < high".into());
        }
        for c in &self.risk.destinations {
            if crate::model::Country::parse(c.as_bytes()).is_none() {
                return Err(format!(
                    "risk.destinations: {c:?} is not a two-letter country code"
                ));
            }
        }
        for (name, [a, b]) in [
            ("night_hours", self.risk.night_hours),
            ("evening_hours", self.risk.evening_hours),
        ] {
            if a > 24 || b > 24 {
                return Err(format!("risk.{name} must be hours from 0 to 24"));
            }
        }
        for (name, f) in [
            ("diaspora_factor", self.risk.diaspora_factor),
            ("romance_factor", self.risk.romance_factor),
            ("partner_factor", self.risk.partner_factor),
            ("organisation_factor", self.risk.organisation_factor),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("risk.{name} must lie in [0, 1]"));
            }
        }
        for (name, f) in [
            ("shop_purchase_share", self.conduct.shop_purchase_share),
            ("sponsor_steady_share", self.conduct.sponsor_steady_share),
            ("household_factor", self.conduct.household_factor),
            ("exclusive_factor", self.conduct.exclusive_factor),
            ("exclusive_split_share", self.conduct.exclusive_split_share),
            ("exclusive_night_share", self.conduct.exclusive_night_share),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("conduct.{name} must lie in [0, 1]"));
            }
        }
        let v = self.conduct.household_gap_variation;
        if !(v.is_finite() && v >= 0.0) {
            return Err("conduct.household_gap_variation must be >= 0".into());
        }
        if self.conduct.household_min_payments < 3 {
            return Err(
                "conduct.household_min_payments must be at least 3 (two gaps to compare)".into(),
            );
        }
        if self.max_evidence == 0 {
            return Err("max_evidence must be at least 1".into());
        }
        if self.future_margin_seconds < 0 {
            return Err("future_margin_seconds must be >= 0".into());
        }
        if matches!(self.reorder_tolerance_seconds, Some(t) if t < 0) {
            return Err("reorder_tolerance_seconds must be >= 0".into());
        }
        crate::money::Rates::new(self.rates.iter().map(|(k, v)| (k.as_str(), *v)))?;
        self.indicators.validate()
    }
}
