//! Canonical payments as JSON Lines: one JSON object per line, keyed by the
//! canonical field names (ignoring case). Unknown keys are ignored, empty
//! lines skipped; `amount`, `mcc` and `sender_birth_year` may be numbers or
//! strings.
//!
//! Lines are read into one reused buffer and strings are borrowed from it;
//! only a string with escapes (`\"`, `\u00e9`) is copied.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::ops::ControlFlow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use spur_engine::model::Payment;

use crate::field::{build, Field, Value, Values, FIELD_COUNT};
use crate::input::{InputError, PaymentReader, ReadStats, Reject, WHOLE_RECORD};

/// Distinct unknown keys remembered for the notice; more are not listed.
const MAX_UNKNOWN: usize = 64;

/// Reads canonical payments from JSON Lines.
pub struct JsonlPaymentReader<R> {
    input: BufReader<R>,
    buf: Vec<u8>,
    unknown: Vec<String>,
}

impl<R: io::Read> JsonlPaymentReader<R> {
    pub fn new(input: R) -> Self {
        JsonlPaymentReader {
            input: BufReader::with_capacity(1 << 16, input),
            buf: Vec::with_capacity(1024),
            unknown: Vec::new(),
        }
    }
}

impl<R: io::Read> PaymentReader for JsonlPaymentReader<R> {
    fn read_all(
        &mut self,
        on: &mut dyn FnMut(Result<Payment<'_>, Reject>) -> ControlFlow<()>,
    ) -> Result<ReadStats, InputError> {
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
            let result = decode(bytes, line, &mut record, &mut self.unknown);
            match result {
                Ok(_) => stats.accepted += 1,
                Err(_) => stats.rejected += 1,
            }
            if on(result).is_break() {
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
) -> Result<Payment<'r>, Reject> {
    let whole = |reason: String| Reject {
        line,
        field: WHOLE_RECORD,
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| whole("is not valid UTF-8".into()))?;
    let mut de = serde_json::Deserializer::from_str(text);
    *record = RecordSeed { unknown }
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
    build(&values, line)
}

/// serde_json's message without its "at line 1 column N" (always line 1
/// here, and the file line is reported separately).
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(at) => &msg[..at],
        None => &msg,
    };
    format!("invalid JSON at column {}: {msg}", e.column())
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
            match Field::from_name(&key.0) {
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
