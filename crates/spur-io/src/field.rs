//! The canonical fields and the checks that turn their raw text into a
//! [`Payment`]. Every input format funnels through [`build`], so a value means
//! the same thing, and is rejected for the same reason, in CSV and JSON Lines.

use std::fmt::Write as _;

use spur_engine::model::{Channel, Country, Currency, Extra, Payment, Sex, Timestamp};

use crate::input::Reject;
use crate::time::parse_time;

/// One column of the canonical schema (docs/input-format.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Field {
    TxnId,
    Timestamp,
    Amount,
    Currency,
    SenderId,
    SenderName,
    SenderCountry,
    ReceiverId,
    ReceiverName,
    ReceiverCountry,
    Channel,
    Message,
    Mcc,
    ReceiverPhone,
    SenderBirthYear,
    SenderSex,
    PayoutTime,
}

pub(crate) const FIELD_COUNT: usize = 17;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::TxnId,
        Field::Timestamp,
        Field::Amount,
        Field::Currency,
        Field::SenderId,
        Field::SenderName,
        Field::SenderCountry,
        Field::ReceiverId,
        Field::ReceiverName,
        Field::ReceiverCountry,
        Field::Channel,
        Field::Message,
        Field::Mcc,
        Field::ReceiverPhone,
        Field::SenderBirthYear,
        Field::SenderSex,
        Field::PayoutTime,
    ];

    /// The column name, as written in headers and JSON keys.
    pub fn name(self) -> &'static str {
        match self {
            Field::TxnId => "txn_id",
            Field::Timestamp => "timestamp",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::SenderId => "sender_id",
            Field::SenderName => "sender_name",
            Field::SenderCountry => "sender_country",
            Field::ReceiverId => "receiver_id",
            Field::ReceiverName => "receiver_name",
            Field::ReceiverCountry => "receiver_country",
            Field::Channel => "channel",
            Field::Message => "message",
            Field::Mcc => "mcc",
            Field::ReceiverPhone => "receiver_phone",
            Field::SenderBirthYear => "sender_birth_year",
            Field::SenderSex => "sender_sex",
            Field::PayoutTime => "payout_time",
        }
    }

    /// Whether every record must carry a non-empty value.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Field::TxnId
                | Field::Timestamp
                | Field::Amount
                | Field::Currency
                | Field::SenderId
                | Field::SenderCountry
                | Field::ReceiverId
                | Field::ReceiverCountry
        )
    }

    /// Matches a column name after trimming ASCII whitespace, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Field> {
        // JSON Lines looks up every key of every record: try the exact
        // spelling first, a `match` the compiler turns into a few compares.
        let exact = match name {
            "txn_id" => Field::TxnId,
            "timestamp" => Field::Timestamp,
            "amount" => Field::Amount,
            "currency" => Field::Currency,
            "sender_id" => Field::SenderId,
            "sender_name" => Field::SenderName,
            "sender_country" => Field::SenderCountry,
            "receiver_id" => Field::ReceiverId,
            "receiver_name" => Field::ReceiverName,
            "receiver_country" => Field::ReceiverCountry,
            "channel" => Field::Channel,
            "message" => Field::Message,
            "mcc" => Field::Mcc,
            "receiver_phone" => Field::ReceiverPhone,
            "sender_birth_year" => Field::SenderBirthYear,
            "sender_sex" => Field::SenderSex,
            "payout_time" => Field::PayoutTime,
            _ => return Field::from_name_loosely(name),
        };
        debug_assert_eq!(exact.name(), name);
        Some(exact)
    }

    fn from_name_loosely(name: &str) -> Option<Field> {
        let name = name.trim_ascii();
        Field::ALL
            .into_iter()
            .find(|f| f.name().len() == name.len() && f.name().eq_ignore_ascii_case(name))
    }
}

/// A field's raw value as the format delivered it, before any checks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Missing,
    Text(&'a str),
    /// A JSON number.
    Number(f64),
    /// A JSON value of another kind; the text names it ("a boolean").
    Wrong(&'static str),
}

pub(crate) type Values<'a> = [Value<'a>; FIELD_COUNT];

/// Checks every field of one record and assembles the payment, or names the
/// first field (in canonical order) that is wrong. `naive` is set when a time
/// had no offset and was read as UTC.
pub(crate) fn build<'a>(
    v: &Values<'a>,
    line: u64,
    naive: &mut bool,
) -> Result<Payment<'a>, Reject> {
    let get = |f: Field| v[f as usize];
    let reject = |f: Field, reason: String| Reject {
        line,
        field: f.name(),
        reason,
    };

    let text = |f: Field| -> Result<&'a str, Reject> {
        match get(f) {
            Value::Missing => Ok(""),
            Value::Text(s) => Ok(s.trim_ascii()),
            Value::Number(_) => Err(reject(f, "must be a string, not a number".into())),
            Value::Wrong(kind) => Err(reject(f, format!("must be a string, not {kind}"))),
        }
    };
    let required = |f: Field| -> Result<&'a str, Reject> {
        match text(f)? {
            "" => Err(reject(f, "missing".into())),
            s => Ok(s),
        }
    };
    let country = |f: Field| -> Result<Country, Reject> {
        let s = required(f)?;
        Country::parse(s.as_bytes())
            .ok_or_else(|| reject(f, quoted(s, " is not a two-letter ISO 3166-1 alpha-2 code")))
    };
    let mut time = |f: Field, s: &str| -> Result<Timestamp, Reject> {
        match parse_time(s.as_bytes()) {
            Ok((ts, no_offset)) => {
                *naive |= no_offset;
                Ok(ts)
            }
            Err(why) => {
                let mut reason = quoted(s, " is not an RFC 3339 time (");
                reason.push_str(why);
                reason.push(')');
                Err(reject(f, reason))
            }
        }
    };
    // mcc and sender_birth_year: small whole numbers, as text or JSON numbers.
    let small_int = |f: Field, range: std::ops::RangeInclusive<u16>, what: &str| {
        let n: u16 = match get(f) {
            Value::Number(n) if n.fract() == 0.0 && (0.0..=65_535.0).contains(&n) => n as u16,
            Value::Number(n) => return Err(reject(f, format!("{n} is not {what}"))),
            _ => match text(f)? {
                "" => return Ok(None),
                s => match parse_u16(s) {
                    Some(n) => n,
                    None => return Err(reject(f, quoted(s, &format!(" is not {what}")))),
                },
            },
        };
        if range.contains(&n) {
            Ok(Some(n))
        } else {
            Err(reject(f, format!("{n} is not {what}")))
        }
    };

    let txn_id = required(Field::TxnId)?;
    let timestamp = match get(Field::Timestamp) {
        Value::Number(_) => {
            return Err(reject(
                Field::Timestamp,
                "must be an RFC 3339 time string, not a number".into(),
            ))
        }
        _ => time(Field::Timestamp, required(Field::Timestamp)?)?,
    };
    let amount = match get(Field::Amount) {
        Value::Number(n) if n.is_finite() && n > 0.0 => n,
        Value::Number(n) => {
            return Err(reject(
                Field::Amount,
                format!("{n} must be a positive amount"),
            ))
        }
        Value::Wrong(kind) => {
            return Err(reject(
                Field::Amount,
                format!("must be a number or a string, not {kind}"),
            ))
        }
        _ => {
            let s = required(Field::Amount)?;
            parse_amount(s)
                .ok_or_else(|| reject(Field::Amount, quoted(s, " must be a positive decimal")))?
        }
    };
    let currency = {
        let s = required(Field::Currency)?;
        Currency::parse(s.as_bytes()).ok_or_else(|| {
            reject(
                Field::Currency,
                quoted(s, " is not a three-letter ISO 4217 code"),
            )
        })?
    };
    let sender_id = required(Field::SenderId)?;
    let sender_name = text(Field::SenderName)?;
    let sender_country = country(Field::SenderCountry)?;
    let receiver_id = required(Field::ReceiverId)?;
    let receiver_name = text(Field::ReceiverName)?;
    let receiver_country = country(Field::ReceiverCountry)?;
    let channel = match text(Field::Channel)? {
        "" => None,
        s => Some(Channel::parse(s.as_bytes())),
    };
    let message = text(Field::Message)?;

    let mcc = small_int(Field::Mcc, 0..=9999, "a merchant category code (0-9999)")?;
    let receiver_phone = text(Field::ReceiverPhone)?;
    let sender_birth_year = small_int(
        Field::SenderBirthYear,
        1900..=2100,
        "a birth year (1900-2100)",
    )?;
    let sender_sex = match text(Field::SenderSex)? {
        "" => None,
        s => Some(
            Sex::parse(s.as_bytes())
                .ok_or_else(|| reject(Field::SenderSex, quoted(s, " is not a sex (M, F or X)")))?,
        ),
    };
    let payout_time = match get(Field::PayoutTime) {
        Value::Number(_) => {
            return Err(reject(
                Field::PayoutTime,
                "must be an RFC 3339 time string, not a number".into(),
            ))
        }
        _ => match text(Field::PayoutTime)? {
            "" => None,
            s => Some(time(Field::PayoutTime, s)?),
        },
    };

    Ok(Payment {
        txn_id,
        timestamp,
        amount,
        currency,
        sender_id,
        sender_country,
        sender_name,
        receiver_id,
        receiver_country,
        receiver_name,
        channel,
        message,
        extra: Extra {
            mcc,
            receiver_phone,
            sender_birth_year,
            sender_sex,
            payout_time,
        },
    })
}

/// A plain positive decimal: digits with an optional fraction (`12`, `12.50`).
/// No sign, exponent, thousands separator, `inf` or `NaN`.
fn parse_amount(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let frac = match &b[int_len..] {
        [] => &[][..],
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
        _ => return None,
    };
    if int_len == 0 {
        return None;
    }
    // Clinger's fast path: with at most 15 digits the mantissa is exact in an
    // f64, so is 10^k for k <= 22, and one division rounds correctly.
    let n = if int_len + frac.len() <= 15 {
        let mantissa = b[..int_len]
            .iter()
            .chain(frac)
            .fold(0u64, |m, &c| m * 10 + u64::from(c - b'0'));
        mantissa as f64 / POW10[frac.len()]
    } else {
        s.parse().ok()?
    };
    (n.is_finite() && n > 0.0).then_some(n)
}

const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

fn parse_u16(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `"value"` followed by `rest`, the value cut to about 40 characters so a
/// runaway field cannot flood the rejects file.
pub(crate) fn quoted(value: &str, rest: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::with_capacity(value.len().min(MAX) + rest.len() + 8);
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => {
            let _ = write!(out, "{:?}", &value[..cut]);
            out.insert(out.len() - 1, '…');
        }
        None => {
            let _ = write!(out, "{value:?}");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
            assert_eq!(
                Field::from_name(&format!("  {}\t", f.name().to_uppercase())),
                Some(f)
            );
        }
        assert_eq!(Field::from_name("txn"), None);
        assert_eq!(Field::ALL.iter().filter(|f| f.is_required()).count(), 8);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("12"), Some(12.0));
        assert_eq!(parse_amount("12.50"), Some(12.5));
        assert_eq!(parse_amount("0.01"), Some(0.01));
        for bad in [
            "", "0", "0.00", "-5", "+5", "1e3", "1,000", "1.", ".5", "inf", "NaN", "5 ", "1.2.3",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
        assert_eq!(parse_amount(&"9".repeat(400)), None);
        assert_eq!(parse_amount("000000000000001.5"), Some(1.5));
        assert_eq!(
            parse_amount("12345678901234567890.5"),
            Some(12345678901234567890.5)
        );
    }

    proptest::proptest! {
        /// The fast path must agree with the standard library to the bit.
        #[test]
        fn amount_fast_path_is_exact(int in 0u64..10_000_000_000, frac in "[0-9]{0,12}") {
            let s = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            let want = s.parse::<f64>().ok().filter(|n| *n > 0.0);
            proptest::prop_assert_eq!(parse_amount(&s), want, "{}", s);
        }
    }

    #[test]
    fn quoting_truncates_long_values() {
        assert_eq!(quoted("US", " is bad"), "\"US\" is bad");
        assert_eq!(quoted("a\"b", ""), "\"a\\\"b\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long, ""), format!("\"{}…\"", "é".repeat(40)));
    }
}
