//! The canonical payment record and the small value types it is made of.
//!
//! A [`Payment`] borrows its text from the reader's buffer, so reading a file
//! allocates nothing per record; the engine copies what it keeps into its own
//! interned, compact form.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

/// ISO 3166-1 alpha-2 country code, upper case ASCII.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Country(pub [u8; 2]);

impl Country {
    /// Parses two ASCII letters, any case.
    pub fn parse(s: &[u8]) -> Option<Self> {
        match s {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    pub const fn new(code: &[u8; 2]) -> Self {
        Country(*code)
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ISO 4217 currency code, upper case ASCII.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Currency(pub [u8; 3]);

impl Currency {
    /// Parses three ASCII letters, any case.
    pub fn parse(s: &[u8]) -> Option<Self> {
        match s {
            [a, b, c] if s.iter().all(u8::is_ascii_alphabetic) => Some(Currency([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    pub const fn new(code: &[u8; 3]) -> Self {
        Currency(*code)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the money moved. Values outside the documented set read as `Other`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum Channel {
    Remittance = 0,
    Wallet = 1,
    Bank = 2,
    Card = 3,
    Crypto = 4,
    Cash = 5,
    Other = 6,
}

impl Channel {
    /// Reads a channel, in any case, ignoring spaces, `-` and `_`; common
    /// other names for the six channels read as them ("e-wallet", "bank
    /// transfer", "credit card", "bitcoin"…), anything else as `Other`.
    pub fn parse(s: &[u8]) -> Channel {
        let mut buf = [0u8; 24];
        let mut n = 0;
        for &c in s {
            if matches!(c, b' ' | b'-' | b'_') {
                continue;
            }
            if n == buf.len() {
                return Channel::Other;
            }
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
        match &buf[..n] {
            b"remittance"
            | b"remit"
            | b"moneytransfer"
            | b"mto"
            | b"moneytransferoperator"
            | b"remittancecompany"
            | b"transferservice" => Channel::Remittance,
            b"wallet" | b"ewallet" | b"mobilewallet" | b"digitalwallet" | b"mobilemoney"
            | b"emoney" => Channel::Wallet,
            b"bank" | b"banktransfer" | b"wire" | b"wiretransfer" | b"ach" | b"sepa" | b"swift"
            | b"iban" => Channel::Bank,
            b"card" | b"creditcard" | b"debitcard" | b"cardpayment" | b"prepaidcard" => {
                Channel::Card
            }
            b"crypto" | b"cryptocurrency" | b"bitcoin" | b"btc" | b"usdt" | b"stablecoin"
            | b"virtualasset" => Channel::Crypto,
            b"cash" | b"cashpickup" | b"cashpayout" => Channel::Cash,
            _ => Channel::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Remittance => "remittance",
            Channel::Wallet => "wallet",
            Channel::Bank => "bank",
            Channel::Card => "card",
            Channel::Crypto => "crypto",
            Channel::Cash => "cash",
            Channel::Other => "other",
        }
    }

    /// A bit per channel, for sets of channels.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum Sex {
    Male,
    Female,
    Other,
}

impl Sex {
    pub fn parse(s: &[u8]) -> Option<Sex> {
        match s {
            b"M" | b"m" | b"male" | b"Male" | b"MALE" => Some(Sex::Male),
            b"F" | b"f" | b"female" | b"Female" | b"FEMALE" => Some(Sex::Female),
            b"X" | b"x" | b"other" | b"Other" | b"OTHER" => Some(Sex::Other),
            _ => None,
        }
    }
}

/// One payment in the canonical schema (docs/input-format.md).
///
/// Optional text fields are empty strings when absent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Payment<'a> {
    pub txn_id: &'a str,
    pub timestamp: Timestamp,
    /// Amount in `currency`; finite and positive.
    pub amount: f64,
    pub currency: Currency,
    pub sender_id: &'a str,
    pub sender_country: Country,
    pub sender_name: &'a str,
    pub receiver_id: &'a str,
    pub receiver_country: Country,
    pub receiver_name: &'a str,
    pub channel: Option<Channel>,
    pub message: &'a str,
    pub extra: Extra<'a>,
}

/// Optional fields that some indicators use when present.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Extra<'a> {
    /// ISO 18245 merchant category code of a card purchase (P-PURCHASE).
    pub mcc: Option<u16>,
    /// Receiver's phone number as written (R-ALIAS).
    pub receiver_phone: &'a str,
    /// Sender's year of birth (P-PROFILE, off by default).
    pub sender_birth_year: Option<u16>,
    /// Sender's sex (P-PROFILE, off by default).
    pub sender_sex: Option<Sex>,
    /// When the receiver cashed the payment out (R-CASHOUT).
    pub payout_time: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::Channel;

    #[test]
    fn channels_and_their_other_names() {
        let cases: &[(&str, Channel)] = &[
            ("remittance", Channel::Remittance),
            ("Money Transfer", Channel::Remittance),
            ("MTO", Channel::Remittance),
            ("wallet", Channel::Wallet),
            ("e-wallet", Channel::Wallet),
            ("E_WALLET", Channel::Wallet),
            ("mobile money", Channel::Wallet),
            ("BANK", Channel::Bank),
            ("bank_transfer", Channel::Bank),
            ("wire", Channel::Bank),
            ("SWIFT", Channel::Bank),
            ("card", Channel::Card),
            ("Credit Card", Channel::Card),
            ("debit-card", Channel::Card),
            ("crypto", Channel::Crypto),
            ("Bitcoin", Channel::Crypto),
            ("usdt", Channel::Crypto),
            ("cash", Channel::Cash),
            ("cash pickup", Channel::Cash),
            ("pigeon", Channel::Other),
            ("", Channel::Other),
            ("a very long channel name past the buffer", Channel::Other),
            ("ñ-wallet", Channel::Other),
        ];
        for (text, want) in cases {
            assert_eq!(Channel::parse(text.as_bytes()), *want, "{text:?}");
        }
    }
}
