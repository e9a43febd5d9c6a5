//! P-FREQ: frequent, repeated payments, and escalation.
//!
//! Source: FINTRAC operational alert (2020); AIC Trends & Issues 589 (the more
//! an offender buys, the shorter the gaps and the higher the amounts).
//! Counts come from sliding 7/30/90-day windows kept per sender.

use super::{ramp, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    /// Risk payments within 30 days: no strength at `month_from`, full at `month_full`.
    pub month_from: u32,
    pub month_full: u32,
    /// Within 7 days: no strength at `week_from`, full at `week_full`.
    pub week_from: u32,
    pub week_full: u32,
    /// Extra strength when frequency or amounts rise over time.
    pub escalation_bonus: f64,
    /// Rising frequency: the busiest 30 days hold at least `rising_month_min`
    /// risk payments and `rising_month_ratio` times those of the first 30 days.
    pub rising_month_min: u32,
    pub rising_month_ratio: f64,
    /// Rising amounts: after at least `rising_amount_min` risk payments, the
    /// recent ones average `rising_amount_ratio` times the first ones, and
    /// by more than `rising_amount_z` standard errors of their spread
    /// ([`crate::facts::amounts_rise`]).
    pub rising_amount_min: u32,
    pub rising_amount_ratio: f64,
    pub rising_amount_z: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.45,
            month_from: 2,
            month_full: 8,
            week_from: 1,
            week_full: 4,
            escalation_bonus: 0.2,
            rising_month_min: 4,
            rising_month_ratio: 2.0,
            rising_amount_min: 6,
            rising_amount_ratio: 1.3,
            // One-sided 99%: the test is put to every sender after every
            // payment, so at 95% one steady partner in twenty would read as
            // rising at some point (docs/indicators.md, "Relationship context").
            rising_amount_z: 2.33,
        }
    }
}

pub struct PFreq(pub Config);

impl PFreq {
    fn escalates(&self, f: &crate::facts::SenderFacts<'_>) -> bool {
        let c = &self.0;
        let more_often = f.max_30d >= c.rising_month_min
            && f64::from(f.max_30d) >= c.rising_month_ratio * f64::from(f.first_30d.max(1));
        let larger = f.risk_payments >= c.rising_amount_min
            && f.amounts_rise(c.rising_amount_ratio, c.rising_amount_z);
        more_often || larger
    }
}

impl Indicator for PFreq {
    fn code(&self) -> &'static str {
        "P-FREQ"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "FINTRAC 2020; AIC Trends & Issues 589"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        if f.steady_monthly {
            return 0.0;
        }
        let c = &self.0;
        let month = ramp(
            f64::from(f.max_30d),
            f64::from(c.month_from),
            f64::from(c.month_full),
        );
        let week = ramp(
            f64::from(f.max_7d),
            f64::from(c.week_from),
            f64::from(c.week_full),
        );
        let base = month.max(week);
        if base > 0.0 && self.escalates(f) {
            (base + c.escalation_bonus).min(1.0)
        } else {
            base
        }
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        let mut r = format!(
            "{} low-value payments within 30 days ({} within 7 days, {} in all)",
            f.max_30d, f.max_7d, f.risk_payments
        );
        if self.escalates(f) {
            r.push_str(&format!(
                "; rising: {} in the first month, average USD {:.0} then USD {:.0} lately",
                f.first_30d, f.first_amount_usd, f.last_amount_usd
            ));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn windows_and_escalation() {
        let ind = PFreq(Config::default());
        assert_eq!(
            sender(&ind, |f| {
                f.max_30d = 2;
                f.max_7d = 1
            })
            .0,
            0.0
        );
        assert!(
            (sender(&ind, |f| {
                f.max_30d = 5;
                f.max_7d = 1;
                f.first_30d = 5
            })
            .0 - 0.5)
                .abs()
                < 1e-9
        );
        assert_eq!(
            sender(&ind, |f| {
                f.max_30d = 4;
                f.max_7d = 4;
                f.first_30d = 4
            })
            .0,
            1.0
        );
        let (s, r) = sender(&ind, |f| {
            f.max_30d = 5;
            f.max_7d = 1;
            f.first_30d = 1;
            f.risk_payments = 9
        });
        assert!((s - 0.7).abs() < 1e-9, "{s}");
        assert!(r.contains("rising: 1 in the first month"), "{r}");
        assert_eq!(
            sender(&ind, |f| {
                f.max_30d = 8;
                f.steady_monthly = true
            })
            .0,
            0.0
        );
    }

    #[test]
    fn escalation_thresholds_come_from_configuration() {
        let rising = |f: &mut crate::facts::SenderFacts<'_>| {
            f.max_30d = 5;
            f.max_7d = 1;
            f.first_30d = 2;
            f.risk_payments = 6;
            f.first_amount_usd = 20.0;
            f.last_amount_usd = 30.0;
            (f.first_amount_n, f.last_amount_n) = (5, 5);
            f.amount_spread = 2.0;
        };
        // By default both the frequency (5 >= 2 x 2) and the amounts (30 >= 1.3 x 20) rise.
        assert!((sender(&PFreq(Config::default()), rising).0 - 0.7).abs() < 1e-9);
        let strict_month = Config {
            rising_month_ratio: 3.0,
            ..Config::default()
        };
        assert!((sender(&PFreq(strict_month.clone()), rising).0 - 0.7).abs() < 1e-9);
        let strict_both = Config {
            rising_amount_ratio: 1.6,
            ..strict_month
        };
        let (s, r) = sender(&PFreq(strict_both), rising);
        assert!((s - 0.5).abs() < 1e-9, "{s}");
        assert!(!r.contains("rising"), "{r}");
        let few = Config {
            rising_month_min: 6,
            rising_amount_min: 7,
            ..Config::default()
        };
        assert!((sender(&PFreq(few), rising).0 - 0.5).abs() < 1e-9);
    }
}
