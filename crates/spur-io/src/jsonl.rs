//! Canonical payments as JSON Lines: one JSON object per line, keyed by the
//! canonical field names (ignoring case). Unknown keys are ignored, empty
//! lines skipped; `amount`, `mcc` and `sender_birth_year` may be numbers or
//! strings.
//!
//! A [`Profile`] applies its column names and its amount and time layouts
//! (to string values; JSON numbers are numbers); its delimiter does not.
//!
//! Lines are read into one reused buffer and strings are borrowed from it;
//! only a string with escapes (`\"`, `\u00e9`) is copied.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, BufReader};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use spur_engine::model::Payment;

use crate::field::{build_with, Field, Value, Values, FIELD_COUNT};
use crate::input::{InputError, OnRecord, PaymentReader, ReadStats, Reject, WHOLE_RECORD};
use crate::profile::Profile;
use crate::time::TimeNotes;

/// Distinct unknown keys remembered for the notice; more are not listed.
const MAX_UNKNOWN: usize = 64;

/// Reads canonical payments from JSON Lines.
pub struct JsonlPaymentReader<R> {
    input: BufReader<R>,
    buf: Vec<u8>,
    unknown: Vec<String>,
    profile: Profile,
}

impl<R: io::Read> JsonlPaymentReader<R> {
    /// A reader of canonical JSON Lines.
    pub fn new(input: R) -> Self {
        Self::with_profile(input, Profile::default())
    }

    /// A reader of JSON Lines keyed and written as `profile` says.
    pub fn with_profile(input: R, profile: Profile) -> Self {
        JsonlPaymentReader {
            input: BufReader::with_capacity(1 << 16, input),
            buf: Vec::with_capacity(1024),
            unknown: Vec::new(),
            profile,
        }
    }
}

impl<R: io::Read> PaymentReader for JsonlPaymentReader<R> {
    fn read_all(&mut self, on: &mut OnRecord<'_>) -> Result<ReadStats, InputError> {
        let mut stats = ReadStats::default();
        let mut line = 0u64;
        loop {
            self.buf.clear();
            if self.input.read_until(b'\n', &mut self.buf)? == 0 {
                break;
            }
            line += 1;
            let mut bytes = self.buf.as_slice();
            if line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let bytes = bytes.trim_ascii();
            if bytes.is_empty() {
                continue;
            }
            let mut record = JsonRecord::default();
            let mut notes = TimeNotes::default();
            let result = decode(
                bytes,
                line,
                &mut record,
                &mut self.unknown,
                &self.profile,
                &mut notes,
            );
            match result {
                Ok(_) => {
                    stats.accepted += 1;
                    stats.naive_times += u64::from(notes.naive);
                    stats.ambiguous_times += u64::from(notes.ambiguous);
                }
                Err(_) => stats.rejected += 1,
            }
            if on(line, result).is_break() {
                break;
            }
        }
        Ok(stats)
    }

    fn unknown_columns(&self) -> &[String] {
        &self.unknown
    }
}

fn decode<'a: 'r, 'r>(
    bytes: &'a [u8],
    line: u64,
    record: &'r mut JsonRecord<'a>,
    unknown: &mut Vec<String>,
    profile: &Profile,
    notes: &mut TimeNotes,
) -> Result<Payment<'r>, Reject> {
    let whole = |reason: String| Reject {
        line,
        field: WHOLE_RECORD,
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| whole("is not valid UTF-8".into()))?;
    let mut de = serde_json::Deserializer::from_str(text);
    *record = RecordSeed { unknown, profile }
        .deserialize(&mut de)
        .map_err(|e| whole(json_reason(&e)))?;
    de.end().map_err(|e| whole(json_reason(&e)))?;
    if let Some(f) = record.duplicate {
        return Err(Reject {
            line,
            field: f.name(),
            reason: "appears more than once".into(),
        });
    }

    let mut values: Values<'r> = [Value::Missing; FIELD_COUNT];
    for (v, j) in values.iter_mut().zip(record.values.iter()) {
        *v = match j {
            JsonValue::Missing => Value::Missing,
            JsonValue::Str(s) => Value::Text(s),
            JsonValue::Number(n) => Value::Number(*n),
            JsonValue::Wrong(kind) => Value::Wrong(kind),
        };
    }
    build_with(&values, line, profile, notes)
}

/// serde_json's message without its "at line 1 column N" (always line 1
/// here, and the file line is reported separately).
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(at) => &msg[..at],
        None => &msg,
    };
    if e.is_data() || e.column() == 0 {
        // Well-formed JSON of the wrong shape, e.g. an array.
        msg.to_string()
    } else {
        format!("invalid JSON at column {}: {msg}", e.column())
    }
}

#[derive(Default)]
struct JsonRecord<'de> {
    values: [JsonValue<'de>; FIELD_COUNT],
    duplicate: Option<Field>,
}

#[derive(Default)]
enum JsonValue<'de> {
    #[default]
    Missing,
    Str(Cow<'de, str>),
    Number(f64),
    Wrong(&'static str),
}

struct RecordSeed<'u> {
    unknown: &'u mut Vec<String>,
    profile: &'u Profile,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = JsonRecord<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = JsonRecord<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a payment object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut record = JsonRecord::default();
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            match self.profile.field(&key.0) {
                Some(f) => {
                    let value = map.next_value::<JsonValue<'de>>()?;
                    let slot = &mut record.values[f as usize];
                    if !matches!(slot, JsonValue::Missing) && record.duplicate.is_none() {
                        record.duplicate = Some(f);
                    }
                    *slot = value;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    if self.unknown.len() < MAX_UNKNOWN
                        && !self.unknown.iter().any(|u| *u == *key.0)
                    {
                        self.unknown.push(key.0.into_owned());
                    }
                }
            }
        }
        Ok(record)
    }
}

/// A string borrowed from the input unless escapes force a copy (serde's own
/// `Cow<str>` always copies).
struct CowStr<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> de::Deserialize<'de> for JsonValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(JsonValue::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(JsonValue::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(JsonValue::Str(Cow::Owned(s)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(JsonValue::Number(n as f64))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Ok(JsonValue::Number(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                Ok(JsonValue::Number(n))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(JsonValue::Missing)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(JsonValue::Missing)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(JsonValue::Wrong("a boolean"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JsonValue::Wrong("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(JsonValue::Wrong("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use crate::input::Format::Jsonl;
    use crate::testkit::{check, check_bytes, outcomes, payments};

    const REQ: &str = r#""txn_id":"T1","timestamp":"2026-01-05T21:14:03Z","amount":12.5,"currency":"USD","sender_id":"s1","sender_country":"US","receiver_id":"r1","receiver_country":"PH""#;

    fn obj(fields: &str) -> String {
        format!("{{{fields}}}\n")
    }

    /// The good record with one key's value replaced (or the key removed when `value` is empty).
    fn with(key: &str, value: &str) -> String {
        let mut parts: Vec<String> = REQ
            .split(",\"")
            .map(|p| p.trim_start_matches('"').to_string())
            .collect();
        parts.retain(|p| !p.starts_with(&format!("{key}\"")));
        if !value.is_empty() {
            parts.push(format!("{key}\":{value}"));
        }
        obj(&parts
            .iter()
            .map(|p| format!("\"{p}"))
            .collect::<Vec<_>>()
            .join(","))
    }

    #[test]
    fn good_records() {
        check(Jsonl, &obj(REQ), &["ok T1"]);
        assert_eq!(
            payments(Jsonl, &obj(REQ)),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"]
        );
        // Amount as a string, keys in any case and order, values trimmed.
        let text = r#"{"Receiver_Country":"ph","AMOUNT":" 12.50 ","txn_id":"T1","timestamp":"2026-01-05T22:14:03+01:00","currency":"usd","sender_id":"s1","sender_country":"us","receiver_id":"r1"}"#;
        assert_eq!(
            payments(Jsonl, text),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"]
        );
        assert_eq!(
            payments(Jsonl, &with("amount", "7")),
            ["T1 2026-01-05T21:14:03Z 7 USD s1(US)->r1(PH)"]
        );
    }

    #[test]
    fn optional_fields() {
        let text = obj(&format!(
            r#"{REQ},"sender_name":"Ann \"Lee\"","receiver_name":"Bo","channel":"crypto","message":"caf\u00e9","mcc":5411,"receiver_phone":"+63 917","sender_birth_year":"1971","sender_sex":"F","payout_time":"2026-01-05T21:20:00Z""#
        ));
        assert_eq!(
            payments(Jsonl, &text),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH) sender_name=Ann \"Lee\" receiver_name=Bo \
              channel=crypto message=café mcc=5411 phone=+63 917 birth=1971 sex=Female payout=2026-01-05T21:20:00Z"]
        );
        let nulls = obj(&format!(r#"{REQ},"channel":null,"mcc":null,"message":"""#));
        assert_eq!(
            payments(Jsonl, &nulls),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"]
        );
    }

    #[test]
    fn required_field_missing_or_invalid() {
        let cases = [
            ("txn_id", "", "1 txn_id: missing"),
            ("txn_id", "null", "1 txn_id: missing"),
            ("txn_id", "42", "1 txn_id: must be a string, not a number"),
            ("txn_id", "true", "1 txn_id: must be a string, not a boolean"),
            ("sender_id", "[1]", "1 sender_id: must be a string, not an array"),
            ("sender_id", r#"{"a":1}"#, "1 sender_id: must be a string, not an object"),
            ("timestamp", "", "1 timestamp: missing"),
            ("timestamp", "1767647643", "1 timestamp: must be an RFC 3339 time string, not a number"),
            (
                "timestamp",
                r#""2026-13-05T21:14:03Z""#,
                "1 timestamp: \"2026-13-05T21:14:03Z\" is not an RFC 3339 time (month out of range); if the export writes times differently, set [input] timestamp_format",
            ),
            ("amount", "", "1 amount: missing"),
            ("amount", "-5", "1 amount: -5 must be a positive amount"),
            ("amount", "0", "1 amount: 0 must be a positive amount"),
            ("amount", r#""-5""#, "1 amount: \"-5\" must be a positive decimal"),
            ("amount", "false", "1 amount: must be a number or a string, not a boolean"),
            ("currency", r#""US""#, "1 currency: \"US\" is not a three-letter ISO 4217 code"),
            ("sender_country", "", "1 sender_country: missing"),
            ("receiver_id", r#"" ""#, "1 receiver_id: missing"),
            (
                "receiver_country",
                r#""Philippines""#,
                "1 receiver_country: \"Philippines\" is not a two-letter ISO 3166-1 alpha-2 code",
            ),
        ];
        for (key, value, expected) in cases {
            check(Jsonl, &with(key, value), &[expected]);
        }
    }

    #[test]
    fn optional_field_invalid() {
        let cases = [
            (
                r#""mcc":12345"#,
                "1 mcc: 12345 is not a merchant category code (0-9999)",
            ),
            (
                r#""mcc":54.5"#,
                "1 mcc: 54.5 is not a merchant category code (0-9999)",
            ),
            (
                r#""mcc":"x""#,
                "1 mcc: \"x\" is not a merchant category code (0-9999)",
            ),
            (
                r#""sender_birth_year":1800"#,
                "1 sender_birth_year: 1800 is not a birth year (1900-2100)",
            ),
            (
                r#""sender_sex":"?""#,
                "1 sender_sex: \"?\" is not a sex (M, F or X)",
            ),
            (
                r#""payout_time":5"#,
                "1 payout_time: must be an RFC 3339 time string, not a number",
            ),
            (
                r#""message":7"#,
                "1 message: must be a string, not a number",
            ),
        ];
        for (extra, expected) in cases {
            check(Jsonl, &obj(&format!("{REQ},{extra}")), &[expected]);
        }
    }

    #[test]
    fn whole_record_problems() {
        let cases = [
            (
                "[1,2]",
                "1 record: invalid type: sequence, expected a payment object",
            ),
            (
                "\"T1\"",
                "1 record: invalid type: string \"T1\", expected a payment object",
            ),
            (
                r#"{"txn_id":"T1""#,
                "1 record: invalid JSON at column 14: EOF while parsing an object",
            ),
            (
                r#"{"txn_id":"T1"} x"#,
                "1 record: invalid JSON at column 17: trailing characters",
            ),
            (
                r#"{"txn_id":"T1",}"#,
                "1 record: invalid JSON at column 16: trailing comma",
            ),
            (
                r#"id,timestamp"#,
                "1 record: invalid JSON at column 1: expected value",
            ),
        ];
        for (line, expected) in cases {
            check(Jsonl, &format!("{line}\n"), &[expected]);
        }
        check_bytes(
            Jsonl,
            b"{\"txn_id\":\"T\xff\"}\n",
            &["1 record: is not valid UTF-8"],
        );
        let dup = obj(&format!(r#"{REQ},"Amount":3"#));
        check(Jsonl, &dup, &["1 amount: appears more than once"]);
    }

    #[test]
    fn unknown_keys_are_collected_once() {
        let text = format!(
            "{}{}",
            obj(&format!(r#""branch":{{"id":[1,2]}},{REQ},"note":null"#)),
            obj(&format!(r#"{REQ},"note":"x","branch":1,"ref\n":2"#))
        );
        let (got, unknown) = outcomes(Jsonl, text.as_bytes()).unwrap();
        assert_eq!(got, ["ok T1", "ok T1"]);
        assert_eq!(unknown, ["branch", "note", "ref\n"]);
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let text = format!(
            "\u{feff}{{{REQ}}}\r\n\r\n   \n{{{}}}\r\n\n",
            REQ.replace("T1", "T2")
        );
        check(Jsonl, &text, &["ok T1", "ok T2"]);
        check(Jsonl, &format!("{{{REQ}}}"), &["ok T1"]);
        check(Jsonl, "", &[]);
        check(Jsonl, "\n\n", &[]);
    }

    #[test]
    fn one_bad_record_among_good_ones() {
        let mut text = String::new();
        for i in 0..20 {
            if i == 5 {
                text.push('\n');
            }
            let currency = if i == 13 { "DOLLAR" } else { "USD" };
            text.push_str(&obj(&REQ
                .replace("T1", &format!("T{i}"))
                .replace("USD", currency)));
        }
        let (got, _) = outcomes(Jsonl, text.as_bytes()).unwrap();
        let rejects: Vec<_> = got.iter().filter(|o| !o.starts_with("ok ")).collect();
        assert_eq!(got.len(), 20);
        assert_eq!(
            rejects,
            ["15 currency: \"DOLLAR\" is not a three-letter ISO 4217 code"]
        );
    }

    /// serde_json's default float parser may land one ULP off; an amount
    /// written as a JSON number must equal the same amount written as text.
    #[test]
    fn regression_json_number_amount_parses_exactly() {
        // XAU (no minor units in the table): four decimals are no reject.
        let req = REQ.replace("USD", "XAU");
        let number = obj(&req.replace("12.5", "948896325046.8793"));
        let string = obj(&req.replace("12.5", "\"948896325046.8793\""));
        assert_eq!(payments(Jsonl, &number), payments(Jsonl, &string));
        assert_eq!(
            payments(Jsonl, &number),
            ["T1 2026-01-05T21:14:03Z 948896325046.8793 XAU s1(US)->r1(PH)"]
        );
    }
}
