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

/// Digits after the decimal point of each currency's smallest unit: ISO 4217
/// minor units, plus the de-facto codes of crypto assets (BTC and XBT in
/// satoshi, 8; ETH in wei, 18), which ISO 4217 does not list. Every currency
/// of [`BUILTIN_RATES`] is here (tested), and so are the other ISO 4217
/// currencies whose minor unit is not 2, so that a `[rates]` entry for them
/// is checked too. A reader rejects an amount written with more decimals
/// than this (`3.500` EUR), unless they are only trailing zeros and cannot be
/// a thousands group (`1500.00` JPY); see docs/input-format.md. Sorted by code.
pub const MINOR_UNITS: &[(&str, u8)] = &[
    ("AED", 2),
    ("AMD", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AZN", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTC", 8),
    ("BYN", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ETB", 2),
    ("ETH", 18),
    ("EUR", 2),
    ("FJD", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("KZT", 2),
    ("LAK", 2),
    ("LKR", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XBT", 8),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("ZAR", 2),
    ("ZMW", 2),
];

/// The minor units of `currency` ([`MINOR_UNITS`]), or `None` for a code the
/// table does not know (its amounts are not checked for decimals).
#[inline]
pub fn minor_units(currency: Currency) -> Option<u8> {
    // Every record asks: one load from a table of all three-letter codes
    // (17 kB, built at compile time), where a binary search over the
    // strings cost a fifth of reading a CSV record.
    let [a, b, c] = currency.0;
    if !(a.is_ascii_uppercase() && b.is_ascii_uppercase() && c.is_ascii_uppercase()) {
        return None;
    }
    match MINOR_BY_CODE[code_index(a, b, c)] {
        NO_MINOR => None,
        n => Some(n),
    }
}

const NO_MINOR: u8 = u8::MAX;

const fn code_index(a: u8, b: u8, c: u8) -> usize {
    (a - b'A') as usize * 676 + (b - b'A') as usize * 26 + (c - b'A') as usize
}

static MINOR_BY_CODE: [u8; 26 * 26 * 26] = {
    let mut table = [NO_MINOR; 26 * 26 * 26];
    let mut i = 0;
    while i < MINOR_UNITS.len() {
        let code = MINOR_UNITS[i].0.as_bytes();
        table[code_index(code[0], code[1], code[2])] = MINOR_UNITS[i].1;
        i += 1;
    }
    table
};

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

    /// Every currency the rate table knows has its minor units, the table is
    /// sorted (for the binary search) and the ISO 4217 exceptions hold.
    #[test]
    fn every_rated_currency_has_minor_units() {
        for (code, _) in BUILTIN_RATES {
            let c = Currency::parse(code.as_bytes()).unwrap();
            assert!(minor_units(c).is_some(), "{code} has no minor units");
        }
        assert!(
            MINOR_UNITS.windows(2).all(|w| w[0].0 < w[1].0),
            "MINOR_UNITS must be sorted and without duplicates"
        );
        let cases = [
            ("JPY", Some(0)),
            ("KRW", Some(0)),
            ("EUR", Some(2)),
            ("USD", Some(2)),
            ("KWD", Some(3)),
            ("BHD", Some(3)),
            ("TND", Some(3)),
            ("CLF", Some(4)),
            ("XBT", Some(8)),
            ("ETH", Some(18)),
            ("XAU", None),
            ("AAA", None),
            ("ZZZ", None),
        ];
        for (code, want) in cases {
            assert_eq!(
                minor_units(Currency::new(code.as_bytes().try_into().unwrap())),
                want,
                "{code}"
            );
        }
        // Currency's field is public: bytes that are no upper-case code.
        assert_eq!(minor_units(Currency(*b"U$D")), None);
        assert_eq!(minor_units(Currency(*b"eur")), None);
    }
}
