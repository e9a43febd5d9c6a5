//! P-REMARK: cover words or social-media handles in the remittance text.
//!
//! Source: AUSTRAC; FATF (2025); ACAMS. Weak on its own: families write the
//! same words. The word list is `[risk] cover_words`.

use super::{ramp, share, Indicator, Role, Subject};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub enabled: bool,
    pub weight: f64,
    pub share_from: f64,
    pub share_full: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            weight: 0.1,
            share_from: 0.1,
            share_full: 0.5,
        }
    }
}

pub struct PRemark(pub Config);

impl Indicator for PRemark {
    fn code(&self) -> &'static str {
        "P-REMARK"
    }
    fn role(&self) -> Role {
        Role::Sender
    }
    fn source(&self) -> &'static str {
        "AUSTRAC; FATF 2025; ACAMS"
    }
    fn weight(&self) -> f64 {
        self.0.weight
    }
    fn strength(&self, s: Subject<'_, '_>) -> f64 {
        let Subject::Sender(f) = s else { return 0.0 };
        let hits = f.cover_remarks.max(f.handles);
        ramp(
            share(hits, f.risk_payments),
            self.0.share_from,
            self.0.share_full,
        )
    }
    fn reason(&self, s: Subject<'_, '_>) -> String {
        let Subject::Sender(f) = s else {
            return String::new();
        };
        let mut r = format!(
            "{} of {} low-value payments carry cover words (\"school fees\", \"gift\", \"load\" …)",
            f.cover_remarks, f.risk_payments
        );
        if f.handles > 0 {
            r.push_str(&format!("; {} carry a social-media handle", f.handles));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::sender;

    #[test]
    fn share_of_cover_words() {
        let ind = PRemark(Config::default());
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 10;
                f.cover_remarks = 1
            })
            .0,
            0.0
        );
        assert_eq!(
            sender(&ind, |f| {
                f.risk_payments = 10;
                f.cover_remarks = 6
            })
            .0,
            1.0
        );
        let (s, r) = sender(&ind, |f| {
            f.risk_payments = 4;
            f.handles = 4
        });
        assert_eq!(s, 1.0);
        assert!(r.ends_with("4 carry a social-media handle"), "{r}");
    }
}
