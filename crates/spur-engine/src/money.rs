//! Normalising amounts to US dollars through a rate table.

use crate::model::Currency;
use rustc_hash::FxHashMap;

/// Approximate USD value of one unit of each currency (2025 annual averages,
/// rounded). Good enough to place a payment in a price band; configuration can
/// override or extend it (`[rates]` in the TOML file).
pub const BUILTIN_RATES: &[(&str, f64)] = &[
    ("USD", 1.0),
    ("EUR", 1.08),
    ("GBP", 1.27),
    ("AUD", 0.66),
    ("NZD", 0.60),
    ("CAD", 0.73),
    ("CHF", 1.13),
    ("SEK", 0.095),
    ("NOK", 0.093),
    ("DKK", 0.145),
    ("ISK", 0.0072),
    ("PLN", 0.25),
    ("CZK", 0.044),
    ("HUF", 0.0027),
    ("RON", 0.22),
    ("UAH", 0.024),
    ("RUB", 0.011),
    ("JPY", 0.0067),
    ("KRW", 0.00074),
    ("CNY", 0.14),
    ("HKD", 0.128),
    ("TWD", 0.031),
    ("SGD", 0.74),
    ("MYR", 0.22),
    ("IDR", 0.000063),
    ("THB", 0.029),
    ("VND", 0.00004),
    ("PHP", 0.0175),
    ("INR", 0.012),
    ("PKR", 0.0036),
    ("BDT", 0.0083),
    ("LKR", 0.0033),
    ("SAR", 0.267),
    ("AED", 0.272),
    ("QAR", 0.275),
    ("KWD", 3.25),
    ("BHD", 2.65),
    ("OMR", 2.6),
    ("ILS", 0.27),
    ("TRY", 0.029),
    ("ZAR", 0.055),
    ("NGN", 0.00065),
    ("GHS", 0.065),
    ("KES", 0.0077),
    ("MXN", 0.058),
    ("COP", 0.00025),
    ("BRL", 0.18),
    ("ARS", 0.001),
    ("CLP", 0.00105),
    ("PEN", 0.27),
    ("DOP", 0.017),
    ("JMD", 0.0064),
    ("BTC", 90_000.0),
    ("ETH", 3_000.0),
    // Also the other currencies of the risk destinations' regions (South-East
    // Asia, Latin America and the Caribbean, Africa, Eastern Europe and
    // Central Asia), so that no corridor loses its records as unknown.
    ("KHR", 0.00025),
    ("LAK", 0.000046),
    ("MMK", 0.00048),
    ("BND", 0.74),
    ("MOP", 0.124),
    ("NPR", 0.0075),
    ("MNT", 0.00029),
    ("FJD", 0.44),
    ("PGK", 0.26),
    ("KZT", 0.002),
    ("UZS", 0.00008),
    ("GEL", 0.37),
    ("AMD", 0.0026),
    ("AZN", 0.59),
    ("BGN", 0.55),
    ("RSD", 0.0092),
    ("MDL", 0.056),
    ("BYN", 0.30),
    ("EGP", 0.02),
    ("MAD", 0.10),
    ("TND", 0.32),
    ("DZD", 0.0074),
    ("XOF", 0.0016),
    ("XAF", 0.0016),
    ("ETB", 0.008),
    ("UGX", 0.00027),
    ("TZS", 0.00038),
    ("ZMW", 0.038),
    ("CRC", 0.0019),
    ("GTQ", 0.13),
    ("HNL", 0.04),
    ("NIO", 0.027),
    ("PAB", 1.0),
    ("BOB", 0.145),
    ("PYG", 0.00013),
    ("UYU", 0.025),
    ("TTD", 0.147),
    ("HTG", 0.0076),
    ("BSD", 1.0),
    ("BBD", 0.5),
    ("XCD", 0.37),
    // Bitcoin's other code.
    ("XBT", 90_000.0),
];

/// USD per unit, per currency.
#[derive(Clone, Debug)]
pub struct Rates {
    usd_per_unit: FxHashMap<Currency, f64>,
}

impl Rates {
    /// The built-in table with `overrides` (currency code → USD per unit) applied.
    pub fn new<'a>(overrides: impl IntoIterator<Item = (&'a str, f64)>) -> Result<Rates, String> {
        let mut usd_per_unit = FxHashMap::default();
        for (code, rate) in BUILTIN_RATES.iter().copied().chain(overrides) {
            let cur = Currency::parse(code.as_bytes()).ok_or_else(|| {
                format!("rate table: {code:?} is not a three-letter currency code")
            })?;
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!(
                    "rate table: rate for {code} must be a positive number"
                ));
            }
            usd_per_unit.insert(cur, rate);
        }
        Ok(Rates { usd_per_unit })
    }

    /// The amount in USD, or `None` for a currency the table does not know.
    #[inline]
    pub fn to_usd(&self, amount: f64, currency: Currency) -> Option<f64> {
        self.usd_per_unit.get(&currency).map(|r| amount * r)
    }
}

impl Default for Rates {
    fn default() -> Self {
        Rates::new(std::iter::empty()).unwrap_or_else(|_| Rates {
            usd_per_unit: FxHashMap::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_and_overrides() {
        let r = Rates::new([("PHP", 0.02), ("XAU", 2000.0)]).unwrap();
        let php = Currency::new(b"PHP");
        assert!((r.to_usd(1000.0, php).unwrap() - 20.0).abs() < 1e-9);
        assert_eq!(r.to_usd(1.0, Currency::new(b"XAU")), Some(2000.0));
        assert_eq!(r.to_usd(1.0, Currency::new(b"ZZZ")), None);
        assert!(Rates::new([("PHP", -1.0)]).is_err());
        assert!(Rates::new([("PH", 1.0)]).is_err());
    }

    /// The currencies of the default risk destinations, and their
    /// neighbours', are all known.
    #[test]
    fn destination_currencies_are_known() {
        let r = Rates::default();
        for code in [
            "PHP", "THB", "COP", "GHS", "UAH", "DOP", "RON", "JMD", "RUB", "VND", "KHR", "LAK",
            "MMK", "IDR", "MYR", "MXN", "BRL", "PEN", "GTQ", "HNL", "BOB",
        ] {
            let c = Currency::parse(code.as_bytes()).unwrap();
            assert!(r.to_usd(1.0, c).is_some(), "{code}");
        }
        let mut codes: Vec<&str> = BUILTIN_RATES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "a currency listed twice");
    }
}
