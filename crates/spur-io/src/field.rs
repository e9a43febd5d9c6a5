//! The canonical fields and the checks that turn their raw text into a
//! [`Payment`]. Every input format funnels through [`build`], so a value means
//! the same thing, and is rejected for the same reason, in CSV and JSON Lines.

use std::fmt::Write as _;

use spur_engine::model::{Channel, Country, Currency, Extra, Payment, Sex, Timestamp};

use spur_engine::money::minor_units;

use crate::input::Reject;
use crate::profile::{Profile, Thousands, FIXED};
use crate::time::TimeNotes;
use crate::time::TIME_FORMAT_HINT;

mod amount;
use amount::*;

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

/// Checks every field of one record of a format fixed by its standard
/// (ISO 20022: canonical values, no profile) and assembles the payment, or
/// names the first field (in canonical order) that is wrong. `naive` is set
/// when a time had no offset and was read as UTC.
pub(crate) fn build<'a>(
    v: &Values<'a>,
    line: u64,
    naive: &mut bool,
) -> Result<Payment<'a>, Reject> {
    let mut notes = TimeNotes::default();
    let p = build_with(v, line, &FIXED, &mut notes);
    *naive |= notes.naive;
    p
}

/// As [`build`], with the text of amounts and times read as `profile` says.
pub(crate) fn build_with<'a>(
    v: &Values<'a>,
    line: u64,
    profile: &Profile,
    notes: &mut TimeNotes,
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
        profile.times.parse(s, notes).map_err(|mut why| {
            // Other layouts name their own keys; the canonical one
            // points to the key that describes an export's times.
            if !profile.fixed && profile.times.is_canonical() {
                why.push_str(TIME_FORMAT_HINT);
            }
            reject(f, quoted(s, &why))
        })
    };
    // Ids name parties in alerts and reports: one that holds a control or
    // invisible character would be shown, or filed, as another party.
    let id = |f: Field| -> Result<&'a str, Reject> {
        let s = required(f)?;
        match odd_char(s, true) {
            None => Ok(s),
            Some(c) => Err(reject(f, odd_char_reason(s, c, "an id"))),
        }
    };
    let name = |f: Field| -> Result<&'a str, Reject> {
        let s = text(f)?;
        match odd_char(s, false) {
            None => Ok(s),
            Some(c) => Err(reject(f, odd_char_reason(s, c, "a name"))),
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

    let txn_id = id(Field::TxnId)?;
    let timestamp = match get(Field::Timestamp) {
        Value::Number(_) => {
            return Err(reject(
                Field::Timestamp,
                "must be an RFC 3339 time string, not a number".into(),
            ))
        }
        _ => time(Field::Timestamp, required(Field::Timestamp)?)?,
    };
    let (amount, written) = match get(Field::Amount) {
        Value::Number(n) if n.is_finite() && n > 0.0 => (n, Written::Number(n)),
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
            let parsed = if profile.decimal == '.'
                && matches!(profile.thousands, Thousands::Unstated | Thousands::None)
            {
                parse_amount(s).map(|(n, frac)| (n, Written::Text(s, frac, false)))
            } else {
                parse_local_amount(s, profile.decimal, profile.thousands)
                    .map(|(n, frac, grouped)| (n, Written::Text(s, frac, grouped)))
            };
            parsed.ok_or_else(|| reject(Field::Amount, amount_reason(s, profile)))?
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
    if let Err(why) = check_decimals(written, currency, profile) {
        return Err(reject(Field::Amount, why));
    }
    let sender_id = id(Field::SenderId)?;
    let sender_name = name(Field::SenderName)?;
    let sender_country = country(Field::SenderCountry)?;
    let receiver_id = id(Field::ReceiverId)?;
    let receiver_name = name(Field::ReceiverName)?;
    let receiver_country = country(Field::ReceiverCountry)?;
    let channel = match text(Field::Channel)? {
        "" => None,
        s => Some(Channel::parse(s.as_bytes())),
    };
    let message = text(Field::Message)?;

    let mcc = small_int(Field::Mcc, 0..=9999, "a merchant category code (0-9999)")?;
    // R-ALIAS links receivers by phone: as much an id as the account.
    let receiver_phone = match text(Field::ReceiverPhone)? {
        "" => "",
        _ => id(Field::ReceiverPhone)?,
    };
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

/// The first character of `s` that an id (`id`) or a name must not hold:
/// control characters (C0, DEL, C1) and U+FFFE/U+FFFF, which the goAML
/// writer would drop (so `S1\u{1}` would be filed as `S1`, another party),
/// and, in ids, the invisible formatting characters (bidirectional
/// controls, zero-width spaces and joiners, the BOM) that make two ids look
/// alike. Names may hold the latter: Arabic and Hebrew names carry marks.
#[inline]
fn odd_char(s: &str, id: bool) -> Option<char> {
    // Most ids and names are printable ASCII: eight bytes at a time.
    if printable_ascii(s.as_bytes()) {
        return None;
    }
    // Only these lead bytes start a character of the lists below (C1: C2;
    // U+061C: D8; U+200B to U+206x: E2; U+FEFF, U+FFFE/F: EF), so other
    // text needs no decoding.
    if s.bytes()
        .all(|b| b >= 0x20 && b != 0x7f && !matches!(b, 0xC2 | 0xD8 | 0xE2 | 0xEF))
    {
        return None;
    }
    s.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{FFFE}' | '\u{FFFF}')
            || (id
                && matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
    })
}

/// Whether every byte is printable ASCII (0x20..=0x7E). Word at a time: a
/// flag is raised for a byte below 0x20, DEL or above 0x7F (and at worst
/// spuriously next to one, which only sends the value to the exact check).
#[inline]
fn printable_ascii(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        let x = u64::from_le_bytes(bytes);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let y = x ^ (ONES * 0x7f);
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        if (below_space | del | (x & HIGH)) != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&c| (0x20..0x7f).contains(&c))
}

fn odd_char_reason(s: &str, c: char, what: &str) -> String {
    let kind = if c.is_control() {
        "the control character"
    } else {
        "the invisible character"
    };
    quoted(
        s,
        &format!(
            " holds {kind} U+{:04X}; {what} is used as written, never altered, so the record is rejected",
            u32::from(c)
        ),
    )
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

    fn amount(s: &str) -> Option<f64> {
        parse_amount(s).map(|(n, _)| n)
    }

    #[test]
    fn amounts() {
        assert_eq!(amount("12"), Some(12.0));
        assert_eq!(amount("12.50"), Some(12.5));
        assert_eq!(amount("0.01"), Some(0.01));
        assert_eq!(parse_amount("12.50"), Some((12.5, "50")));
        assert_eq!(parse_amount("12"), Some((12.0, "")));
        for bad in [
            "", "0", "0.00", "-5", "+5", "1e3", "1,000", "1.", ".5", "inf", "NaN", "5 ", "1.2.3",
        ] {
            assert_eq!(amount(bad), None, "{bad:?}");
        }
        assert_eq!(amount(&"9".repeat(400)), None);
        assert_eq!(amount("000000000000001.5"), Some(1.5));
        assert_eq!(
            amount("12345678901234567890.5"),
            Some(12345678901234567890.5)
        );
    }

    /// Amounts with the profile's separators: (text, decimal, thousands, value
    /// and decimals written).
    #[test]
    fn local_amounts() {
        type Case = (
            &'static str,
            char,
            Thousands,
            Option<(f64, &'static str, bool)>,
        );
        let cases: &[Case] = &[
            ("12,50", ',', Thousands::Unstated, Some((12.5, "50", false))),
            (
                "1.234,50",
                ',',
                Thousands::Char('.'),
                Some((1234.5, "50", true)),
            ),
            (
                "1.234.567",
                ',',
                Thousands::Char('.'),
                Some((1234567.0, "", true)),
            ),
            (
                "1234,5",
                ',',
                Thousands::Char('.'),
                Some((1234.5, "5", false)),
            ),
            (
                "1 234.50",
                '.',
                Thousands::Char(' '),
                Some((1234.5, "50", true)),
            ),
            (
                "1'234.50",
                '.',
                Thousands::Char('\''),
                Some((1234.5, "50", true)),
            ),
            (
                "1\u{a0}234,50",
                ',',
                Thousands::Char('\u{a0}'),
                Some((1234.5, "50", true)),
            ),
            (
                "1,234.50",
                '.',
                Thousands::Char(','),
                Some((1234.5, "50", true)),
            ),
            // Groups must be whole thousands.
            ("12.34,5", ',', Thousands::Char('.'), None),
            ("1234.567,5", ',', Thousands::Char('.'), None),
            (".234,5", ',', Thousands::Char('.'), None),
            ("1..234", ',', Thousands::Char('.'), None),
            ("1.234.", ',', Thousands::Char('.'), None),
            // A point is no decimal separator in a decimal-comma profile.
            ("12.50", ',', Thousands::Unstated, None),
            ("12,", ',', Thousands::Unstated, None),
            ("-12,5", ',', Thousands::Unstated, None),
            ("12,5,0", ',', Thousands::Unstated, None),
            ("0,00", ',', Thousands::Unstated, None),
        ];
        for (s, decimal, thousands, want) in cases {
            assert_eq!(
                parse_local_amount(s, *decimal, *thousands),
                *want,
                "{s:?} with {decimal:?} and {thousands}"
            );
        }
        let long = format!("{},5", "9".repeat(80));
        assert_eq!(parse_local_amount(&long, ',', Thousands::Unstated), None);
    }

    proptest::proptest! {
        /// The word-at-a-time check agrees with the byte-by-byte definition.
        #[test]
        fn printable_ascii_is_exact(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            fill in 0x20u8..0x7f,
        ) {
            let mut v = vec![fill; 24];
            v.extend_from_slice(&bytes);
            for s in [&bytes[..], &v[..]] {
                let want = s.iter().all(|&c| (0x20..0x7f).contains(&c));
                proptest::prop_assert_eq!(printable_ascii(s), want, "{:?}", s);
            }
        }
    }

    #[test]
    fn printable_ascii_flags_each_odd_byte_anywhere() {
        for odd in [0x00u8, 0x1f, 0x7f, 0x80, 0xc2, 0xff] {
            for at in 0..20 {
                let mut v = vec![b'a'; 20];
                v[at] = odd;
                assert!(!printable_ascii(&v), "{odd:#x} at {at}");
            }
        }
        assert!(printable_ascii(b" ~ plain ASCII, 20 bytes or more ~"));
    }

    #[test]
    fn number_decimals_are_the_shortest_text() {
        for (n, want) in [
            (12.5, 1),
            (12.0, 0),
            (0.1, 1),
            (3.005, 3),
            (1e-8, 8),
            (1e300, 0),
        ] {
            assert_eq!(number_decimals(n), want, "{n}");
        }
    }

    proptest::proptest! {
        /// The fast path must agree with the standard library to the bit.
        #[test]
        fn amount_fast_path_is_exact(int in 0u64..10_000_000_000, frac in "[0-9]{0,12}") {
            let s = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            let want = s.parse::<f64>().ok().filter(|n| *n > 0.0);
            proptest::prop_assert_eq!(amount(&s), want, "{}", s);
        }
    }

    const HEADER: &str = "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country,sender_name,receiver_name,receiver_phone,message";

    /// One CSV record with `amount` and `currency`, read with the profile.
    #[track_caller]
    fn check_amount(profile: &str, amount: &str, currency: &str, expected: &str) {
        let text =
            format!("{HEADER}\nT1,2026-01-05T21:14:03Z,\"{amount}\",{currency},s1,DE,r1,PH,,,,\n");
        crate::testkit::check_with(crate::Format::Csv, profile, &text, &[expected]);
    }

    /// Formats fixed by their standard (ISO 20022, `build`) have no
    /// `[input]` key that would read them otherwise: their rejects point to none.
    #[test]
    fn rejects_of_a_fixed_format_name_no_profile_key() {
        let check = |amount: &str, time: &str, expected: Result<(), &str>| {
            let mut v: Values<'_> = [Value::Missing; FIELD_COUNT];
            for (f, text) in [
                (Field::TxnId, "T1"),
                (Field::Timestamp, time),
                (Field::Amount, amount),
                (Field::Currency, "EUR"),
                (Field::SenderId, "s1"),
                (Field::SenderCountry, "DE"),
                (Field::ReceiverId, "r1"),
                (Field::ReceiverCountry, "PH"),
            ] {
                v[f as usize] = Value::Text(text);
            }
            let got = build(&v, 2, &mut false).map(|_| ()).map_err(|r| r.reason);
            assert_eq!(got, expected.map_err(str::to_owned), "{amount} {time}");
        };
        let t = "2026-01-05T21:14:03Z";
        check("12.50", t, Ok(()));
        check("12,50", t, Err("\"12,50\" must be a positive decimal"));
        check(
            "3.500",
            t,
            Err("\"3.500\" has 3 decimals but EUR has 2; is '.' a thousands separator?"),
        );
        check(
            "12.50",
            "2026-13-05T21:14:03Z",
            Err("\"2026-13-05T21:14:03Z\" is not an RFC 3339 time (month out of range)"),
        );
    }

    /// A regression: `3.500` EUR, where `.` grouped thousands, was read as
    /// 3.5 without a word. ISO 4217 minor units decide.
    #[test]
    fn more_decimals_than_the_currency_has_are_rejected() {
        let thousands = "2 amount: \"3.500\" has 3 decimals but EUR has 2; is '.' a thousands separator? set [input] thousands_separator";
        let cases = [
            ("", "3.500", "EUR", thousands),
            ("", "3.50", "EUR", "ok T1"),
            ("", "3.5", "EUR", "ok T1"),
            ("", "3.505", "EUR", "2 amount: \"3.505\" has 3 decimals but EUR has 2; is '.' a thousands separator? set [input] thousands_separator"),
            // No thousands group can be meant: padding zeros are fine, other digits are not.
            ("", "1234.500", "EUR", "ok T1"),
            ("", "12.5000", "EUR", "ok T1"),
            ("", "12.5001", "EUR", "2 amount: \"12.5001\" has 4 decimals but EUR has 2 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            // JPY has no minor unit: 1500.00 is padding, 12.50 is no yen amount.
            ("", "1500.00", "JPY", "ok T1"),
            ("", "1500", "JPY", "ok T1"),
            ("", "12.50", "JPY", "2 amount: \"12.50\" has 2 decimals but JPY has 0 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            ("", "12.000", "JPY", "2 amount: \"12.000\" has 3 decimals but JPY has 0; is '.' a thousands separator? set [input] thousands_separator"),
            // Three-decimal currencies.
            ("", "3.500", "KWD", "ok T1"),
            ("", "3.500", "BHD", "ok T1"),
            ("", "3.5001", "KWD", "2 amount: \"3.5001\" has 4 decimals but KWD has 3 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            // Crypto: satoshi.
            ("", "0.00012345", "XBT", "ok T1"),
            ("", "0.000123456", "XBT", "2 amount: \"0.000123456\" has 9 decimals but XBT has 8 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            // A currency without minor units in the table is not checked.
            ("", "3.500", "XAU", "ok T1"),
            // The profile says there are no thousands separators: 3.500 is 3.50.
            ("thousands_separator = \"\"", "3.500", "EUR", "ok T1"),
            ("thousands_separator = \",\"", "3.500", "EUR", "ok T1"),
            ("thousands_separator = \",\"", "3.505", "EUR", "2 amount: \"3.505\" has 3 decimals but EUR has 2 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            // A decimal-comma export.
            ("decimal_separator = \",\"", "3,500", "EUR", "2 amount: \"3,500\" has 3 decimals but EUR has 2; is ',' a thousands separator? set [input] thousands_separator"),
            ("decimal_separator = \",\"\nthousands_separator = \".\"", "3.500", "EUR", "ok T1"),
        ];
        for (profile, amount, currency, expected) in cases {
            check_amount(profile, amount, currency, expected);
        }
    }

    #[test]
    fn amount_rejects_name_the_separator_key() {
        let cases = [
            ("", "12,50", "2 amount: \"12,50\" must be a positive decimal; is ',' the decimal separator? set [input] decimal_separator = \",\""),
            ("", "1,250", "2 amount: \"1,250\" must be a positive decimal; is ',' a thousands separator? set [input] thousands_separator = \",\""),
            ("", "1.250.000", "2 amount: \"1.250.000\" must be a positive decimal"),
            ("decimal_separator = \",\"", "1.250,00", "2 amount: \"1.250,00\" must be a positive decimal; is '.' a thousands separator? set [input] thousands_separator = \".\""),
            ("decimal_separator = \",\"", "12.50", "2 amount: \"12.50\" must be a positive decimal; is '.' the decimal separator? set [input] decimal_separator = \".\""),
            ("decimal_separator = \",\"\nthousands_separator = \".\"", "12.34,5", "2 amount: \"12.34,5\" must be a positive decimal (decimal separator ',', thousands separator '.')"),
            ("decimal_separator = \",\"\nthousands_separator = \".\"", "1.234,50", "ok T1"),
        ];
        for (profile, amount, expected) in cases {
            check_amount(profile, amount, "EUR", expected);
        }
    }

    /// JSON numbers cannot hold a thousands separator; their decimals are
    /// checked, with room for binary rounding.
    #[test]
    fn json_number_decimals() {
        let rec = |amount: &str, currency: &str| {
            format!("{{\"txn_id\":\"T1\",\"timestamp\":\"2026-01-05T21:14:03Z\",\"amount\":{amount},\"currency\":\"{currency}\",\"sender_id\":\"s1\",\"sender_country\":\"DE\",\"receiver_id\":\"r1\",\"receiver_country\":\"PH\"}}\n")
        };
        let cases = [
            ("3.5", "EUR", "ok T1"),
            ("0.30000000000000004", "EUR", "ok T1"),
            ("3.505", "EUR", "1 amount: 3.505 has 3 decimals but EUR has 2 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            ("1500", "JPY", "ok T1"),
            ("12.5", "JPY", "1 amount: 12.5 has 1 decimal but JPY has 0 (ISO 4217); an amount finer than the currency's smallest unit is not a payment"),
            ("\"3.500\"", "EUR", "1 amount: \"3.500\" has 3 decimals but EUR has 2; is '.' a thousands separator? set [input] thousands_separator"),
        ];
        for (amount, currency, expected) in cases {
            crate::testkit::check(crate::Format::Jsonl, &rec(amount, currency), &[expected]);
        }
    }

    /// A regression: a control character inside an id was dropped when the
    /// goAML report was written (spur-report's `xml_legal`), so `S1\u{1}`
    /// was filed as `S1`, another party. Such ids are rejected, never
    /// altered; names too.
    #[test]
    fn control_characters_in_ids_are_rejected() {
        let row = |txn: &str,
                   sender: &str,
                   receiver: &str,
                   names: &str,
                   phone: &str,
                   message: &str| {
            format!("{HEADER}\n\"{txn}\",2026-01-05T21:14:03Z,12.50,USD,\"{sender}\",US,\"{receiver}\",PH,{names},\"{phone}\",\"{message}\"\n")
        };
        let cases = [
            (row("T1", "s1", "r1", ",", "", ""), "ok T1"),
            (row("T\u{1}1", "s1", "r1", ",", "", ""), "2 txn_id: \"T\\u{1}1\" holds the control character U+0001; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s1\u{7f}", "r1", ",", "", ""), "2 sender_id: \"s1\\u{7f}\" holds the control character U+007F; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s1", "r\u{1b}[2Jr1", ",", "", ""), "2 receiver_id: \"r\\u{1b}[2Jr1\" holds the control character U+001B; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s1", "r1\u{85}", ",", "", ""), "2 receiver_id: \"r1\\u{85}\" holds the control character U+0085; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s\u{202e}1", "r1", ",", "", ""), "2 sender_id: \"s\\u{202e}1\" holds the invisible character U+202E; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s\u{200b}1", "r1", ",", "", ""), "2 sender_id: \"s\\u{200b}1\" holds the invisible character U+200B; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s1", "r1", ",", "+63\u{0}917", ""), "2 receiver_phone: \"+63\\0917\" holds the control character U+0000; an id is used as written, never altered, so the record is rejected"),
            (row("T1", "s1", "r1", "\"Ann\u{8}e\",", "", ""), "2 sender_name: \"Ann\\u{8}e\" holds the control character U+0008; a name is used as written, never altered, so the record is rejected"),
            (row("T1", "s1", "r1", ",\"Bo\tB\"", "", ""), "2 receiver_name: \"Bo\\tB\" holds the control character U+0009; a name is used as written, never altered, so the record is rejected"),
            // Names may carry bidirectional marks; ids may hold any other text.
            (row("T1", "s1", "r1", ",\"\u{200f}سارة\"", "", ""), "ok T1"),
            (row("T1", "Ω-ñ 1", "r1", ",", "", ""), "ok T1"),
            // A message may span lines.
            (row("T1", "s1", "r1", ",", "", "two\nlines\ttabbed"), "ok T1"),
        ];
        for (text, expected) in cases {
            crate::testkit::check(crate::Format::Csv, &text, &[expected]);
        }
        // JSON Lines writes them as escapes; the same reject.
        let json = "{\"txn_id\":\"T1\",\"timestamp\":\"2026-01-05T21:14:03Z\",\"amount\":1,\"currency\":\"USD\",\"sender_id\":\"s\\u0001\",\"sender_country\":\"US\",\"receiver_id\":\"r1\",\"receiver_country\":\"PH\"}\n";
        crate::testkit::check(crate::Format::Jsonl, json, &["1 sender_id: \"s\\u{1}\" holds the control character U+0001; an id is used as written, never altered, so the record is rejected"]);
    }

    #[test]
    fn quoting_truncates_long_values() {
        assert_eq!(quoted("US", " is bad"), "\"US\" is bad");
        assert_eq!(quoted("a\"b", ""), "\"a\\\"b\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long, ""), format!("\"{}…\"", "é".repeat(40)));
    }
}
