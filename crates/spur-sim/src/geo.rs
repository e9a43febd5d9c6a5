//! Countries, currencies, fixed UTC offsets and the simulator's own exchange-rate table.
//!
//! Offsets are fixed per party (no daylight saving): a party's local clock is
//! `UTC + offset`. Countries spanning several zones get a weighted mix, drawn once per
//! party: US -5 (50%, east), -6 (25%, central), -8 (25%, west); CA -5 (60%), -7 (15%),
//! -8 (25%); AU +10 (70%, east), +8 (20%, west), +9 (10%). All others are single-zone.

use crate::names::Style;

/// A currency and its rate in units per US dollar (the simulator's own table, early-2026
/// magnitudes; only used to keep amounts consistent across countries).
#[derive(Clone, Copy, Debug)]
pub struct Currency {
    pub code: &'static str,
    pub per_usd: f64,
}

impl Currency {
    /// Step of a "round" amount in this currency: about ten US dollars, rounded to a power
    /// of ten (USD/EUR/GBP/AUD 10, SEK 100, PHP/JPY 1000).
    pub(crate) fn round_step(self) -> f64 {
        10f64.powi((self.per_usd * 10.0).log10().round() as i32)
    }
}

pub(crate) struct Country {
    pub code: &'static str,
    pub currency: Currency,
    /// (offset in minutes, weight).
    pub offsets: &'static [(i32, f64)],
    pub style: Style,
    /// International dialling prefix, for synthetic phone numbers.
    pub dial: &'static str,
}

macro_rules! cur {
    ($code:literal, $rate:expr) => {
        Currency {
            code: $code,
            per_usd: $rate,
        }
    };
}

const USD: Currency = cur!("USD", 1.0);
const EUR: Currency = cur!("EUR", 0.92);

pub(crate) static COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        currency: USD,
        offsets: &[(-300, 50.0), (-360, 25.0), (-480, 25.0)],
        style: Style::English,
        dial: "+1",
    },
    Country {
        code: "AU",
        currency: cur!("AUD", 1.52),
        offsets: &[(600, 70.0), (480, 20.0), (540, 10.0)],
        style: Style::English,
        dial: "+61",
    },
    Country {
        code: "GB",
        currency: cur!("GBP", 0.79),
        offsets: &[(0, 1.0)],
        style: Style::English,
        dial: "+44",
    },
    Country {
        code: "CA",
        currency: cur!("CAD", 1.37),
        offsets: &[(-300, 60.0), (-420, 15.0), (-480, 25.0)],
        style: Style::English,
        dial: "+1",
    },
    Country {
        code: "DE",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::German,
        dial: "+49",
    },
    Country {
        code: "NL",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::Dutch,
        dial: "+31",
    },
    Country {
        code: "BE",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::Dutch,
        dial: "+32",
    },
    Country {
        code: "FR",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::French,
        dial: "+33",
    },
    Country {
        code: "IT",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::Italian,
        dial: "+39",
    },
    Country {
        code: "AT",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::German,
        dial: "+43",
    },
    Country {
        code: "ES",
        currency: EUR,
        offsets: &[(60, 1.0)],
        style: Style::Spanish,
        dial: "+34",
    },
    Country {
        code: "IE",
        currency: EUR,
        offsets: &[(0, 1.0)],
        style: Style::English,
        dial: "+353",
    },
    Country {
        code: "FI",
        currency: EUR,
        offsets: &[(120, 1.0)],
        style: Style::Nordic,
        dial: "+358",
    },
    Country {
        code: "SE",
        currency: cur!("SEK", 10.6),
        offsets: &[(60, 1.0)],
        style: Style::Nordic,
        dial: "+46",
    },
    Country {
        code: "NO",
        currency: cur!("NOK", 10.8),
        offsets: &[(60, 1.0)],
        style: Style::Nordic,
        dial: "+47",
    },
    Country {
        code: "DK",
        currency: cur!("DKK", 6.9),
        offsets: &[(60, 1.0)],
        style: Style::Nordic,
        dial: "+45",
    },
    Country {
        code: "CH",
        currency: cur!("CHF", 0.88),
        offsets: &[(60, 1.0)],
        style: Style::German,
        dial: "+41",
    },
    Country {
        code: "NZ",
        currency: cur!("NZD", 1.66),
        offsets: &[(720, 1.0)],
        style: Style::English,
        dial: "+64",
    },
    Country {
        code: "JP",
        currency: cur!("JPY", 150.0),
        offsets: &[(540, 1.0)],
        style: Style::Japanese,
        dial: "+81",
    },
    Country {
        code: "SG",
        currency: cur!("SGD", 1.34),
        offsets: &[(480, 1.0)],
        style: Style::Chinese,
        dial: "+65",
    },
    Country {
        code: "HK",
        currency: cur!("HKD", 7.8),
        offsets: &[(480, 1.0)],
        style: Style::Chinese,
        dial: "+852",
    },
    Country {
        code: "SA",
        currency: cur!("SAR", 3.75),
        offsets: &[(180, 1.0)],
        style: Style::Arabic,
        dial: "+966",
    },
    Country {
        code: "AE",
        currency: cur!("AED", 3.67),
        offsets: &[(240, 1.0)],
        style: Style::Arabic,
        dial: "+971",
    },
    Country {
        code: "QA",
        currency: cur!("QAR", 3.64),
        offsets: &[(180, 1.0)],
        style: Style::Arabic,
        dial: "+974",
    },
    Country {
        code: "KW",
        currency: cur!("KWD", 0.31),
        offsets: &[(180, 1.0)],
        style: Style::Arabic,
        dial: "+965",
    },
    Country {
        code: "PH",
        currency: cur!("PHP", 57.0),
        offsets: &[(480, 1.0)],
        style: Style::Filipino,
        dial: "+63",
    },
    Country {
        code: "TH",
        currency: cur!("THB", 35.5),
        offsets: &[(420, 1.0)],
        style: Style::Thai,
        dial: "+66",
    },
    Country {
        code: "CO",
        currency: cur!("COP", 3950.0),
        offsets: &[(-300, 1.0)],
        style: Style::Spanish,
        dial: "+57",
    },
    Country {
        code: "MX",
        currency: cur!("MXN", 17.2),
        offsets: &[(-360, 1.0)],
        style: Style::Spanish,
        dial: "+52",
    },
    Country {
        code: "IN",
        currency: cur!("INR", 83.0),
        offsets: &[(330, 1.0)],
        style: Style::Indian,
        dial: "+91",
    },
    Country {
        code: "NG",
        currency: cur!("NGN", 1500.0),
        offsets: &[(60, 1.0)],
        style: Style::WestAfrican,
        dial: "+234",
    },
    Country {
        code: "GH",
        currency: cur!("GHS", 15.0),
        offsets: &[(0, 1.0)],
        style: Style::WestAfrican,
        dial: "+233",
    },
    Country {
        code: "VN",
        currency: cur!("VND", 25_000.0),
        offsets: &[(420, 1.0)],
        style: Style::Vietnamese,
        dial: "+84",
    },
    Country {
        code: "MY",
        currency: cur!("MYR", 4.7),
        offsets: &[(480, 1.0)],
        style: Style::Malay,
        dial: "+60",
    },
];

/// Index of a country code in [`COUNTRIES`]; the code must be in the table.
pub(crate) fn cc(code: &str) -> u8 {
    COUNTRIES
        .iter()
        .position(|c| c.code == code)
        .map(|i| i as u8)
        .unwrap_or_else(|| panic!("country {code} missing from table"))
}

/// Units of `currency` per US dollar, from the simulator's table; `None` for unknown codes.
/// Tests and callers use it to convert amounts in payments.csv back to USD.
pub fn usd_rate(currency: &str) -> Option<f64> {
    COUNTRIES
        .iter()
        .map(|c| c.currency)
        .find(|c| c.code == currency)
        .map(|c| c.per_usd)
}

/// A weighted list of country codes.
pub(crate) type Mix = &'static [(&'static str, f64)];

/// Sending countries of flagged remittances (AMLC threat assessments: US about 50%,
/// Australia 7.4%, UK 6.8%, then Canada, Germany, ...; customers also in the Nordics and
/// the Netherlands per the brief). Saudi Arabia, Japan and Singapore, also on the AMLC
/// list, are mostly diaspora senders and get a small share here.
pub(crate) static OFFENDER_COUNTRIES: Mix = &[
    ("US", 50.0),
    ("AU", 8.0),
    ("GB", 7.0),
    ("CA", 6.0),
    ("DE", 5.0),
    ("NL", 3.0),
    ("SE", 2.5),
    ("NO", 2.5),
    ("DK", 1.5),
    ("FI", 1.0),
    ("FR", 2.5),
    ("CH", 1.5),
    ("AT", 1.0),
    ("BE", 1.0),
    ("IE", 1.0),
    ("NZ", 1.5),
    ("JP", 1.5),
    ("SG", 1.0),
    ("SA", 1.0),
    ("IT", 1.0),
];

/// Facilitator countries (FINTRAC 2020: Philippines, then Thailand, Colombia).
pub(crate) static FACILITATOR_COUNTRIES: Mix = &[("PH", 80.0), ("TH", 11.0), ("CO", 9.0)];

/// Where overseas Filipino workers and diaspora send from.
pub(crate) static FAMILY_COUNTRIES: Mix = &[
    ("US", 30.0),
    ("SA", 12.0),
    ("AE", 10.0),
    ("CA", 8.0),
    ("JP", 6.0),
    ("SG", 6.0),
    ("HK", 6.0),
    ("AU", 5.0),
    ("GB", 5.0),
    ("IT", 4.0),
    ("QA", 3.0),
    ("KW", 3.0),
    ("DE", 1.0),
    ("NZ", 1.0),
];

/// Western countries where partners, donors, clients and romance-scam victims live.
pub(crate) static WESTERN_COUNTRIES: Mix = &[
    ("US", 40.0),
    ("AU", 11.0),
    ("GB", 10.0),
    ("CA", 7.0),
    ("DE", 7.0),
    ("NL", 4.0),
    ("NO", 3.0),
    ("SE", 3.0),
    ("DK", 2.0),
    ("CH", 2.0),
    ("FR", 3.0),
    ("IT", 2.0),
    ("NZ", 2.0),
    ("JP", 2.0),
    ("IE", 1.0),
    ("BE", 1.0),
];

/// Countries of ordinary senders (all traffic that is neither OSEC nor a typed look-alike).
pub(crate) static ORDINARY_COUNTRIES: Mix = &[
    ("US", 18.0),
    ("PH", 12.0),
    ("GB", 6.0),
    ("DE", 6.0),
    ("FR", 4.0),
    ("IT", 3.0),
    ("ES", 3.0),
    ("AU", 4.0),
    ("CA", 4.0),
    ("JP", 5.0),
    ("IN", 6.0),
    ("MX", 5.0),
    ("NG", 3.0),
    ("SA", 3.0),
    ("AE", 3.0),
    ("SG", 2.0),
    ("HK", 2.0),
    ("TH", 4.0),
    ("CO", 3.0),
    ("NL", 2.0),
    ("SE", 1.0),
    ("NO", 1.0),
    ("DK", 1.0),
    ("VN", 2.0),
    ("MY", 2.0),
    ("GH", 1.0),
];

/// Remittance corridors that do not touch the Philippines (source, destination).
pub(crate) static CORRIDORS: &[(&str, &str)] = &[
    ("US", "MX"),
    ("US", "MX"),
    ("US", "IN"),
    ("US", "CO"),
    ("US", "VN"),
    ("US", "GH"),
    ("GB", "NG"),
    ("GB", "IN"),
    ("AE", "IN"),
    ("SA", "IN"),
    ("ES", "CO"),
    ("JP", "VN"),
    ("CA", "IN"),
    ("AU", "VN"),
    ("SG", "IN"),
    ("GB", "GH"),
    ("DE", "VN"),
    ("IT", "NG"),
    ("MY", "IN"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_name_known_countries() {
        for mix in [
            OFFENDER_COUNTRIES,
            FACILITATOR_COUNTRIES,
            FAMILY_COUNTRIES,
            WESTERN_COUNTRIES,
            ORDINARY_COUNTRIES,
        ] {
            for (c, _) in mix {
                let _ = cc(c);
            }
        }
        for (a, b) in CORRIDORS {
            let _ = (cc(a), cc(b));
        }
    }

    #[test]
    fn round_steps() {
        assert_eq!(usd_rate("USD"), Some(1.0));
        let step = |code: &str| {
            COUNTRIES
                .iter()
                .find(|c| c.currency.code == code)
                .map(|c| c.currency.round_step())
        };
        assert_eq!(step("USD"), Some(10.0));
        assert_eq!(step("PHP"), Some(1000.0));
        assert_eq!(step("SEK"), Some(100.0));
        assert_eq!(step("JPY"), Some(1000.0));
    }
}
