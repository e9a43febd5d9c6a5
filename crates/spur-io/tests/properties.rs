//! Property tests of the readers: no input makes them panic, every record of a
//! damaged file comes back as a payment or a reject, and valid payments
//! survive a trip through CSV and JSON Lines unchanged.

use std::io::Cursor;
use std::ops::ControlFlow;

use proptest::prelude::*;
use spur_engine::model::{Channel, Country, Currency, Extra, Payment, Sex, Timestamp};
use spur_engine::money::minor_units;
use spur_io::time::rfc3339;
use spur_io::{
    open_reader, open_reader_with, Format, InputError, InputProfile, Profile, ReadStats,
};

/// Reads `input` fully; returns the number of outcomes and the reader's stats.
fn read(format: Format, input: &[u8]) -> Result<(u64, ReadStats), InputError> {
    let mut reader = open_reader(format, Box::new(Cursor::new(input.to_vec())))?;
    let mut seen = 0u64;
    let stats = reader.read_all(&mut |_, r| {
        seen += 1;
        if let Err(reject) = r {
            assert!(reject.line >= 1, "reject without a line: {reject}");
            assert!(!reject.reason.is_empty());
        }
        ControlFlow::Continue(())
    })?;
    Ok((seen, stats))
}

const HEADER: &str = "txn_id,timestamp,amount,currency,sender_id,sender_name,sender_country,\
receiver_id,receiver_name,receiver_country,channel,message,receiver_phone,payout_time";
const ROW: &str = "T000123,2026-01-05T21:14:03Z,25.00,USD,snd-77,\"Doe, J\",US,rcv-9,M. Cruz,PH,\
remittance,\"for \"\"show\"\"\",+63 917 555 0100,2026-01-05T22:00:00Z";
const JSON_ROW: &str = r#"{"txn_id":"T000123","timestamp":"2026-01-05T21:14:03Z","amount":25.0,"currency":"USD","sender_id":"snd-77","sender_name":"Doe, J","sender_country":"US","receiver_id":"rcv-9","receiver_name":"M. Cruz","receiver_country":"PH","channel":"remittance","message":"for \"show\"","mcc":"4829","payout_time":"2026-01-05T22:00:00Z"}"#;

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![b',', b'"', b'\\', b'{', b'}', b':', b' ', 0xff])
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(row: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut row = row.to_vec();
    for m in mutations {
        match *m {
            Mutation::Flip(i, b) if !row.is_empty() => {
                let i = i % row.len();
                row[i] ^= b;
            }
            Mutation::Truncate(i) => row.truncate(i % (row.len() + 1)),
            Mutation::Insert(i, b) => row.insert(i % (row.len() + 1), b),
            Mutation::Flip(..) => {}
        }
    }
    row
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for format in [Format::Csv, Format::Jsonl] {
            if let Ok((seen, stats)) = read(format, &bytes) {
                prop_assert_eq!(seen, stats.accepted + stats.rejected);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_header_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut input = format!("{HEADER}\n").into_bytes();
        input.extend_from_slice(&bytes);
        let (seen, stats) = read(Format::Csv, &input).expect("the header is good");
        prop_assert_eq!(seen, stats.accepted + stats.rejected);
    }

    #[test]
    fn damaged_csv_rows_yield_a_payment_or_reject_each(
        rows in prop::collection::vec(prop::collection::vec(mutation(), 0..4), 1..5)
    ) {
        let mut input = format!("{HEADER}\n").into_bytes();
        for mutations in &rows {
            input.extend_from_slice(&mutate(ROW.as_bytes(), mutations));
            input.push(b'\n');
        }
        let data = &input[HEADER.len() + 1..];
        let (seen, stats) = read(Format::Csv, &input).expect("the header is good");
        prop_assert_eq!(seen, stats.accepted + stats.rejected);
        // A stray quote may merge rows, but no row disappears without a trace.
        if data.iter().any(|b| !matches!(b, b'\n' | b'\r')) {
            prop_assert!(seen >= 1);
        }
        prop_assert!(seen <= data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64);
        if rows.iter().all(Vec::is_empty) {
            prop_assert_eq!(stats.accepted, rows.len() as u64);
        }
    }

    #[test]
    fn damaged_json_lines_yield_a_payment_or_reject_each(
        rows in prop::collection::vec(prop::collection::vec(mutation(), 0..4), 1..5)
    ) {
        let mut input = Vec::new();
        for mutations in &rows {
            input.extend_from_slice(&mutate(JSON_ROW.as_bytes(), mutations));
            input.push(b'\n');
        }
        let non_blank = input
            .split(|&b| b == b'\n')
            .filter(|line| !line.trim_ascii().is_empty())
            .count() as u64;
        let (seen, stats) = read(Format::Jsonl, &input).expect("JSON Lines has no header to fail");
        prop_assert_eq!(seen, stats.accepted + stats.rejected);
        prop_assert_eq!(seen, non_blank);
        if rows.iter().all(Vec::is_empty) {
            prop_assert_eq!(stats.accepted, rows.len() as u64);
        }
    }
}

/// A payment that owns its text, for generating and comparing.
#[derive(Clone, Debug)]
struct Owned {
    txn_id: String,
    timestamp: Timestamp,
    amount: f64,
    currency: Currency,
    sender_id: String,
    sender_country: Country,
    sender_name: String,
    receiver_id: String,
    receiver_country: Country,
    receiver_name: String,
    channel: Option<Channel>,
    message: String,
    mcc: Option<u16>,
    receiver_phone: String,
    sender_birth_year: Option<u16>,
    sender_sex: Option<Sex>,
    payout_time: Option<Timestamp>,
}

impl Owned {
    fn as_payment(&self) -> Payment<'_> {
        Payment {
            txn_id: &self.txn_id,
            timestamp: self.timestamp,
            amount: self.amount,
            currency: self.currency,
            sender_id: &self.sender_id,
            sender_country: self.sender_country,
            sender_name: &self.sender_name,
            receiver_id: &self.receiver_id,
            receiver_country: self.receiver_country,
            receiver_name: &self.receiver_name,
            channel: self.channel,
            message: &self.message,
            extra: Extra {
                mcc: self.mcc,
                receiver_phone: &self.receiver_phone,
                sender_birth_year: self.sender_birth_year,
                sender_sex: self.sender_sex,
                payout_time: self.payout_time,
            },
        }
    }

    /// The canonical columns and this payment's value for each, as text.
    fn columns(&self) -> [(&'static str, String); 17] {
        let opt = |v: Option<String>| v.unwrap_or_default();
        [
            ("txn_id", self.txn_id.clone()),
            ("timestamp", rfc3339(self.timestamp)),
            ("amount", self.amount.to_string()),
            ("currency", self.currency.to_string()),
            ("sender_id", self.sender_id.clone()),
            ("sender_country", self.sender_country.to_string()),
            ("sender_name", self.sender_name.clone()),
            ("receiver_id", self.receiver_id.clone()),
            ("receiver_country", self.receiver_country.to_string()),
            ("receiver_name", self.receiver_name.clone()),
            ("channel", opt(self.channel.map(|c| c.as_str().to_string()))),
            ("message", self.message.clone()),
            ("mcc", opt(self.mcc.map(|n| n.to_string()))),
            ("receiver_phone", self.receiver_phone.clone()),
            (
                "sender_birth_year",
                opt(self.sender_birth_year.map(|n| n.to_string())),
            ),
            (
                "sender_sex",
                opt(self.sender_sex.map(|s| match s {
                    Sex::Male => "M".into(),
                    Sex::Female => "F".into(),
                    Sex::Other => "X".into(),
                })),
            ),
            ("payout_time", opt(self.payout_time.map(rfc3339))),
        ]
    }
}

/// Text as found in exports: commas, quotes, line breaks, non-ASCII; the
/// readers trim surrounding ASCII whitespace, so the generator does too.
/// Line breaks and tabs only in messages: ids and names with control
/// characters are rejected.
fn message() -> impl Strategy<Value = String> {
    prop::string::string_regex("[a-zA-Z0-9 ,;\"'\\n\\r\\t\\\\é€中-]{0,16}")
        .expect("valid regex")
        .prop_map(|s| s.trim_ascii().to_string())
}

/// Text for ids and names: commas, quotes, non-ASCII, no control characters.
fn text(min: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[a-zA-Z0-9 ,;.\"'\\\\é€中-]{{{min},16}}"))
        .expect("valid regex")
        .prop_map(|s| s.trim_ascii().to_string())
        .prop_filter("required text must not be blank", move |s| s.len() >= min)
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    // 1900-01-01 ..= 2200-12-31
    -2_208_988_800i64..=7_289_567_999i64
}

fn payment() -> impl Strategy<Value = Owned> {
    let letters = |n: usize| prop::collection::vec(b'A'..=b'Z', n);
    let channel = prop::option::of(prop::sample::select(vec![
        Channel::Remittance,
        Channel::Wallet,
        Channel::Bank,
        Channel::Card,
        Channel::Crypto,
        Channel::Cash,
        Channel::Other,
    ]));
    let sex = prop::option::of(prop::sample::select(vec![
        Sex::Male,
        Sex::Female,
        Sex::Other,
    ]));
    // Cents in a currency of two decimals, or any float in one the minor
    // units table does not know (so its decimals are not checked).
    let amount_currency = prop_oneof![
        (
            1u64..100_000_000u64,
            prop::sample::select(vec![*b"USD", *b"EUR", *b"PHP"])
        )
            .prop_map(|(cents, c)| (cents as f64 / 100.0, c.to_vec())),
        (1e-9f64..1e12f64, letters(3)).prop_filter("a currency without minor units", |(_, c)| {
            minor_units(Currency([c[0], c[1], c[2]])).is_none()
        }),
    ];
    (
        (
            text(1),
            timestamp(),
            amount_currency,
            Just(()),
            text(1),
            letters(2),
            text(0),
        ),
        (text(1), letters(2), text(0), channel, message()),
        (
            prop::option::of(0u16..=9999),
            text(0),
            prop::option::of(1900u16..=2100),
            sex,
            prop::option::of(timestamp()),
        ),
    )
        .prop_map(|(a, b, c)| Owned {
            txn_id: a.0,
            timestamp: a.1,
            amount: a.2 .0,
            currency: Currency([a.2 .1[0], a.2 .1[1], a.2 .1[2]]),
            sender_id: a.4,
            sender_country: Country([a.5[0], a.5[1]]),
            sender_name: a.6,
            receiver_id: b.0,
            receiver_country: Country([b.1[0], b.1[1]]),
            receiver_name: b.2,
            channel: b.3,
            message: b.4,
            mcc: c.0,
            receiver_phone: c.1,
            sender_birth_year: c.2,
            sender_sex: c.3,
            payout_time: c.4,
        })
}

/// Reads `input` and asserts it holds exactly `expected`, in order.
fn assert_reads_back(
    format: Format,
    input: Vec<u8>,
    expected: &[Owned],
) -> Result<(), TestCaseError> {
    let mut reader = open_reader(format, Box::new(Cursor::new(input)))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut i = 0;
    let mut failure = None;
    reader
        .read_all(&mut |_, r| {
            match (r, expected.get(i)) {
                (Ok(got), Some(want)) if got == want.as_payment() => {}
                (got, want) => failure = Some(format!("record {i}: got {got:?}, want {want:?}")),
            }
            i += 1;
            if failure.is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    if let Some(f) = failure {
        return Err(TestCaseError::fail(f));
    }
    prop_assert_eq!(i, expected.len());
    Ok(())
}

proptest! {
    #[test]
    fn csv_round_trip(
        payments in prop::collection::vec(payment(), 0..8),
        order in Just((0..17).collect::<Vec<usize>>()).prop_shuffle(),
        crlf in any::<bool>(),
    ) {
        let terminator = if crlf { ::csv::Terminator::CRLF } else { ::csv::Terminator::Any(b'\n') };
        let mut w = ::csv::WriterBuilder::new().terminator(terminator).from_writer(Vec::new());
        let names: Vec<_> = order.iter().map(|&i| COLUMNS[i]).collect();
        w.write_record(&names).unwrap();
        for p in &payments {
            let cols = p.columns();
            debug_assert!(cols.iter().zip(COLUMNS).all(|(c, n)| c.0 == n));
            w.write_record(order.iter().map(|&i| cols[i].1.as_str())).unwrap();
        }
        let input = w.into_inner().unwrap();
        assert_reads_back(Format::Csv, input, &payments)?;
    }

    #[test]
    fn jsonl_round_trip(payments in prop::collection::vec(payment(), 0..8), numeric in any::<bool>()) {
        let mut input = Vec::new();
        for p in &payments {
            let mut obj = serde_json::Map::new();
            for (name, value) in p.columns() {
                if !value.is_empty() {
                    obj.insert(name.into(), value.into());
                }
            }
            if numeric {
                obj.insert("amount".into(), p.amount.into());
                if let Some(mcc) = p.mcc {
                    obj.insert("mcc".into(), mcc.into());
                }
            }
            serde_json::to_writer(&mut input, &obj).unwrap();
            input.push(b'\n');
        }
        assert_reads_back(Format::Jsonl, input, &payments)?;
    }
}

/// The names of [`Owned::columns`], in that order.
const COLUMNS: [&str; 17] = [
    "txn_id",
    "timestamp",
    "amount",
    "currency",
    "sender_id",
    "sender_country",
    "sender_name",
    "receiver_id",
    "receiver_country",
    "receiver_name",
    "channel",
    "message",
    "mcc",
    "receiver_phone",
    "sender_birth_year",
    "sender_sex",
    "payout_time",
];

/// A random input profile, and how it writes amounts and times.
#[derive(Clone, Debug)]
struct RandomProfile {
    delimiter: u8,
    decimal: char,
    thousands: Option<String>,
    zone: Option<&'static str>,
    layout: &'static str,
    /// Per canonical column (in [`COLUMNS`] order): renamed in `[input.columns]`.
    renamed: Vec<bool>,
}

fn random_profile() -> impl Strategy<Value = RandomProfile> {
    (
        prop::sample::select(vec![b',', b';', b'\t', b'|']),
        prop::sample::select(vec!['.', ',']),
        0..5usize,
        prop::sample::select(vec![
            None,
            Some("+05:30"),
            Some("Europe/Berlin"),
            Some("America/New_York"),
            // Daylight saving of 30 minutes.
            Some("Australia/Lord_Howe"),
        ]),
        prop::sample::select(vec![
            "rfc3339",
            "%d.%m.%Y %H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%m/%d/%Y %I:%M:%S %p",
            "%d.%m.%Y %H:%M:%S %z",
        ]),
        prop::collection::vec(any::<bool>(), 17),
    )
        .prop_map(|(delimiter, decimal, t, zone, layout, renamed)| {
            let other = if decimal == '.' { "," } else { "." };
            let thousands = match t {
                0 => None,
                1 => Some(String::new()),
                2 => Some(other.to_owned()),
                3 => Some(" ".to_owned()),
                _ => Some("'".to_owned()),
            };
            RandomProfile {
                delimiter,
                decimal,
                thousands,
                zone,
                layout,
                renamed,
            }
        })
}

impl RandomProfile {
    fn column(&self, i: usize) -> String {
        if self.renamed[i] {
            format!("Spalte {}", COLUMNS[i].replace('_', " "))
        } else {
            COLUMNS[i].to_owned()
        }
    }

    fn profile(&self) -> Profile {
        let mut p = InputProfile {
            delimiter: char::from(self.delimiter).to_string(),
            decimal_separator: self.decimal.to_string(),
            thousands_separator: self.thousands.clone(),
            timestamp_format: vec![self.layout.to_owned()],
            time_zone: self.zone.map(str::to_owned),
            ..InputProfile::default()
        };
        for (i, name) in COLUMNS.iter().enumerate() {
            if self.renamed[i] {
                p.columns.insert((*name).to_owned(), self.column(i));
            }
        }
        Profile::new(&p).expect("a valid random profile")
    }

    /// `cents` as the export writes it: thousands grouped when the profile
    /// has a separator for them.
    fn amount(&self, cents: u64) -> String {
        let int = (cents / 100).to_string();
        let int = match self.thousands.as_deref() {
            Some(t) if !t.is_empty() => {
                let mut out = String::new();
                for (i, c) in int.chars().enumerate() {
                    if i > 0 && (int.len() - i).is_multiple_of(3) {
                        out.push_str(t);
                    }
                    out.push(c);
                }
                out
            }
            _ => int,
        };
        format!("{int}{}{:02}", self.decimal, cents % 100)
    }

    fn tz(&self) -> jiff::tz::TimeZone {
        match self.zone {
            None => jiff::tz::TimeZone::UTC,
            Some(z) if z.starts_with('+') => {
                jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(5 * 3600 + 1800).unwrap())
            }
            Some(z) => jiff::tz::TimeZone::get(z).unwrap(),
        }
    }

    /// `ts` as the export writes it: local time in the zone.
    fn time(&self, ts: Timestamp) -> String {
        let zdt = jiff::Timestamp::from_second(ts)
            .unwrap()
            .to_zoned_datetime(self.tz());
        if self.layout == "rfc3339" {
            match self.zone {
                None => rfc3339(ts),
                Some(_) => zdt.datetime().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            }
        } else {
            zdt.strftime(self.layout).to_string()
        }
    }

    /// What the reader makes of [`Self::time`]: the same instant, unless the
    /// local time happened twice and has no offset: then the earlier.
    fn read_back(&self, ts: Timestamp) -> Timestamp {
        if self.layout.contains("%z") {
            return ts;
        }
        let tz = self.tz();
        let zdt = jiff::Timestamp::from_second(ts)
            .unwrap()
            .to_zoned_datetime(tz.clone());
        let local = ts + i64::from(zdt.offset().seconds());
        match tz.to_ambiguous_timestamp(zdt.datetime()).offset() {
            jiff::tz::AmbiguousOffset::Fold { before, .. } => local - i64::from(before.seconds()),
            _ => ts,
        }
    }

    /// The payment's columns as this profile's export writes them.
    fn columns(&self, p: &Owned, cents: u64) -> Vec<(String, String)> {
        p.columns()
            .into_iter()
            .enumerate()
            .map(|(i, (name, value))| {
                let value = match name {
                    "amount" => self.amount(cents),
                    "timestamp" => self.time(p.timestamp),
                    "payout_time" => p.payout_time.map(|t| self.time(t)).unwrap_or_default(),
                    _ => value,
                };
                (self.column(i), value)
            })
            .collect()
    }

    /// The payment the reader should give back.
    fn expected(&self, p: &Owned) -> Owned {
        let mut want = p.clone();
        want.timestamp = self.read_back(p.timestamp);
        want.payout_time = p.payout_time.map(|t| self.read_back(t));
        want
    }
}

/// A payment in EUR (two decimals) with its amount in cents; times between
/// 1970 and 2100.
fn profiled_payment() -> impl Strategy<Value = (Owned, u64)> {
    (
        payment(),
        1u64..10_000_000_000u64,
        0i64..4_102_444_800,
        prop::option::of(0i64..4_102_444_800),
    )
        .prop_map(|(mut p, cents, ts, payout)| {
            p.amount = cents as f64 / 100.0;
            p.currency = Currency(*b"EUR");
            p.timestamp = ts;
            p.payout_time = payout;
            (p, cents)
        })
}

/// Reads `input` with `profile` and asserts it holds exactly `expected`.
fn assert_reads_back_with(
    format: Format,
    profile: &Profile,
    input: Vec<u8>,
    expected: &[Owned],
) -> Result<(), TestCaseError> {
    let mut reader = open_reader_with(format, Box::new(Cursor::new(input)), profile)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut got = Vec::new();
    reader
        .read_all(&mut |_, r| {
            got.push(r.map(|p| format!("{p:?}")).map_err(|e| e.to_string()));
            ControlFlow::Continue(())
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let want: Vec<Result<String, String>> = expected
        .iter()
        .map(|p| Ok(format!("{:?}", p.as_payment())))
        .collect();
    prop_assert_eq!(got, want);
    Ok(())
}

proptest! {
    /// Payments written as a random profile says (delimiter, separators,
    /// time layout and zone, column names) read back as the same payments.
    #[test]
    fn random_profiles_round_trip(
        rp in random_profile(),
        payments in prop::collection::vec(profiled_payment(), 0..6),
    ) {
        let profile = rp.profile();
        let mut w = ::csv::WriterBuilder::new().delimiter(rp.delimiter).from_writer(Vec::new());
        w.write_record((0..17).map(|i| rp.column(i))).unwrap();
        for (p, cents) in &payments {
            w.write_record(rp.columns(p, *cents).into_iter().map(|(_, v)| v)).unwrap();
        }
        let expected: Vec<Owned> = payments.iter().map(|(p, _)| rp.expected(p)).collect();
        assert_reads_back_with(Format::Csv, &profile, w.into_inner().unwrap(), &expected)?;

        let mut jsonl = Vec::new();
        for (p, cents) in &payments {
            let obj: serde_json::Map<String, serde_json::Value> = rp
                .columns(p, *cents)
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k, v.into()))
                .collect();
            serde_json::to_writer(&mut jsonl, &obj).unwrap();
            jsonl.push(b'\n');
        }
        assert_reads_back_with(Format::Jsonl, &profile, jsonl, &expected)?;
    }

    /// Whatever the profile, damaged rows never panic the reader.
    #[test]
    fn random_profiles_never_panic(
        rp in random_profile(),
        rows in prop::collection::vec(prop::collection::vec(mutation(), 0..4), 1..4),
        payment in profiled_payment(),
    ) {
        let profile = rp.profile();
        let mut w = ::csv::WriterBuilder::new().delimiter(rp.delimiter).from_writer(Vec::new());
        w.write_record((0..17).map(|i| rp.column(i))).unwrap();
        w.write_record(rp.columns(&payment.0, payment.1).into_iter().map(|(_, v)| v)).unwrap();
        let text = w.into_inner().unwrap();
        let (header, row) = text.split_at(text.iter().position(|&b| b == b'\n').unwrap() + 1);
        let mut input = header.to_vec();
        for m in &rows {
            input.extend_from_slice(&mutate(row, m));
        }
        let mut reader = open_reader_with(Format::Csv, Box::new(Cursor::new(input)), &profile)
            .expect("the header is good");
        let mut seen = 0u64;
        let stats = reader.read_all(&mut |_, _| { seen += 1; ControlFlow::Continue(()) }).unwrap();
        prop_assert_eq!(seen, stats.accepted + stats.rejected);
    }
}
