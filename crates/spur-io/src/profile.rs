//! Input profiles: how an institution's own export writes the canonical
//! fields. A compliance team exports from its core system with semicolons,
//! decimal commas, `dd.mm.yyyy hh:mm` local times and its own column names;
//! the `[input]` section of the configuration file says so, and the readers
//! turn such records into the same [`Payment`](spur_engine::Payment)s as the
//! canonical format (docs/input-format.md, "Input profiles").
//!
//! [`InputProfile`] is the section as written (serde, unknown keys refused);
//! [`Profile`] is it checked and compiled, what the readers use. Every error
//! names the key to change.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::{Field, FIELD_COUNT};
use crate::time::{TimeFormat, Times, Zone};

/// The `[input]` section of the configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputProfile {
    /// The CSV field delimiter: one ASCII character (`","`, `";"`, `"\t"` or
    /// `"tab"`, `"|"`).
    pub delimiter: String,
    /// The character between whole units and the fraction: `"."` or `","`.
    pub decimal_separator: String,
    /// The character grouping thousands (`"."`, `","`, `" "`, `"'"`, a
    /// no-break space), `""` for none. Unset, spur does not know, and
    /// refuses the amounts that could read either way (`3.500` EUR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thousands_separator: Option<String>,
    /// The layouts of `timestamp` and `payout_time`, tried in order:
    /// `"rfc3339"` (the canonical parser) or strftime-like patterns such as
    /// `"%d.%m.%Y %H:%M"`.
    pub timestamp_format: Vec<String>,
    /// Where times without an offset were written: a fixed offset (`"+01:00"`,
    /// `"UTC"`) or an IANA zone (`"Europe/Berlin"`, daylight saving
    /// included). Unset, such times read as UTC with a notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// A local time that happened twice (the clocks went back): `"earlier"`
    /// (the first, default), `"later"` or `"reject"`. A local time that never
    /// happened (the clocks skipped it) is always rejected.
    pub ambiguous_time: AmbiguousTime,
    /// The export's header names (keys in JSON Lines) for canonical fields:
    /// `txn_id = "Buchungs-ID"`. Fields not listed keep their canonical name.
    pub columns: BTreeMap<String, String>,
}

impl Default for InputProfile {
    fn default() -> Self {
        InputProfile {
            delimiter: ",".into(),
            decimal_separator: ".".into(),
            thousands_separator: None,
            timestamp_format: vec!["rfc3339".into()],
            time_zone: None,
            ambiguous_time: AmbiguousTime::Earlier,
            columns: BTreeMap::new(),
        }
    }
}

/// What a local time that happened twice reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AmbiguousTime {
    /// The first time the clock showed it (before the clocks went back).
    #[default]
    Earlier,
    /// The second time.
    Later,
    /// Neither: the record is rejected.
    Reject,
}

/// A profile key with a value spur cannot use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("[input] {key}: {reason}")]
pub struct ProfileError {
    /// The key as written in the file, e.g. `delimiter` or `columns.txn_id`.
    pub key: String,
    pub reason: String,
}

fn error(key: &str, reason: impl Into<String>) -> ProfileError {
    ProfileError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// Whether the profile says which character groups thousands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Thousands {
    /// Not said: amounts that could be read with `.`/`,` as a thousands
    /// separator are refused as ambiguous.
    Unstated,
    /// Said to be none.
    None,
    Char(char),
}

/// A checked [`InputProfile`], as the readers use it.
#[derive(Clone, Debug)]
pub struct Profile {
    pub(crate) delimiter: u8,
    pub(crate) decimal: char,
    pub(crate) thousands: Thousands,
    pub(crate) times: Times,
    /// The export's name of each canonical field, where it differs.
    columns: [Option<String>; FIELD_COUNT],
    mapped: bool,
    /// The format is fixed by its standard (ISO 20022): no `[input]` key
    /// changes how its values are written, so its rejects point to none.
    pub(crate) fixed: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::CANONICAL
    }
}

/// The canonical values of a format that no profile describes (ISO 20022).
pub(crate) static FIXED: Profile = Profile {
    delimiter: b',',
    decimal: '.',
    thousands: Thousands::Unstated,
    times: Times::CANONICAL,
    columns: [const { None }; FIELD_COUNT],
    mapped: false,
    fixed: true,
};

impl Profile {
    /// The canonical format: what [`InputProfile::default`] compiles to.
    pub const CANONICAL: Profile = Profile {
        delimiter: b',',
        decimal: '.',
        thousands: Thousands::Unstated,
        times: Times::CANONICAL,
        columns: [const { None }; FIELD_COUNT],
        mapped: false,
        fixed: false,
    };

    /// Checks `p`; the error names the key at fault.
    pub fn new(p: &InputProfile) -> Result<Profile, ProfileError> {
        let delimiter = match p.delimiter.as_str() {
            "tab" | "\\t" => b'\t',
            d => match d.as_bytes() {
                [c] if c.is_ascii()
                    && !c.is_ascii_alphanumeric()
                    && !matches!(c, b'"' | b'\r' | b'\n') =>
                {
                    *c
                }
                _ => {
                    return Err(error(
                        "delimiter",
                        format!(
                            "{d:?} is not one ASCII punctuation character (such as \",\", \";\", \"|\" or \"tab\")"
                        ),
                    ))
                }
            },
        };
        let decimal = match p.decimal_separator.as_str() {
            "." => '.',
            "," => ',',
            d => {
                return Err(error(
                    "decimal_separator",
                    format!("{d:?} must be \".\" or \",\""),
                ))
            }
        };
        let thousands = match p.thousands_separator.as_deref() {
            None => Thousands::Unstated,
            Some("") => Thousands::None,
            Some(t) => {
                let mut chars = t.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None)
                        if c != decimal && !c.is_ascii_digit() && !matches!(c, '+' | '-') =>
                    {
                        Thousands::Char(c)
                    }
                    (Some(c), None) if c == decimal => {
                        return Err(error(
                            "thousands_separator",
                            format!("{t:?} is also the decimal_separator"),
                        ))
                    }
                    _ => {
                        return Err(error(
                            "thousands_separator",
                            format!(
                                "{t:?} must be one character other than a digit or sign (\".\", \",\", \" \", \"'\"), or \"\" for none"
                            ),
                        ))
                    }
                }
            }
        };

        if p.timestamp_format.is_empty() {
            return Err(error(
                "timestamp_format",
                "give at least one layout (\"rfc3339\" is the canonical one)",
            ));
        }
        let mut formats = Vec::with_capacity(p.timestamp_format.len());
        for f in &p.timestamp_format {
            formats.push(TimeFormat::new(f).map_err(|why| error("timestamp_format", why))?);
        }
        let zone = match &p.time_zone {
            None => None,
            Some(name) => Some(Zone::new(name).map_err(|why| error("time_zone", why))?),
        };
        let times = Times::new(formats, zone, p.ambiguous_time);

        let mut columns: [Option<String>; FIELD_COUNT] = [const { None }; FIELD_COUNT];
        for (canonical, export) in &p.columns {
            let key = format!("columns.{canonical}");
            let field = Field::ALL
                .into_iter()
                .find(|f| f.name() == canonical.as_str())
                .ok_or_else(|| {
                    let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                    error(
                        &key,
                        format!(
                            "{canonical:?} is not a canonical field; the fields are {}",
                            names.join(", ")
                        ),
                    )
                })?;
            let export = export.trim();
            if export.is_empty() {
                return Err(error(&key, "the export's column name is empty"));
            }
            if let Some(other) = Field::ALL.into_iter().find(|f| {
                columns[*f as usize]
                    .as_deref()
                    .is_some_and(|c| same_name(c, export))
            }) {
                return Err(error(
                    &key,
                    format!("{export:?} is already the column of {}", other.name()),
                ));
            }
            columns[field as usize] = Some(export.to_owned());
        }
        let mapped = columns.iter().any(Option::is_some);
        Ok(Profile {
            delimiter,
            decimal,
            thousands,
            times,
            columns,
            mapped,
            fixed: false,
        })
    }

    /// The canonical field a header name (a JSON key) stands for: a mapped
    /// export name first, then a canonical name whose field is not mapped
    /// elsewhere. Names match ignoring case and surrounding whitespace.
    #[inline]
    pub(crate) fn field(&self, name: &str) -> Option<Field> {
        if !self.mapped {
            return Field::from_name(name);
        }
        let trimmed = name.trim();
        if let Some(f) = Field::ALL.into_iter().find(|f| {
            self.columns[*f as usize]
                .as_deref()
                .is_some_and(|c| same_name(c, trimmed))
        }) {
            return Some(f);
        }
        Field::from_name(name).filter(|f| self.columns[*f as usize].is_none())
    }

    /// The name the export uses for `field`, if the profile maps it.
    pub(crate) fn column(&self, field: Field) -> Option<&str> {
        self.columns[field as usize].as_deref()
    }

    pub(crate) fn delimiter(&self) -> char {
        char::from(self.delimiter)
    }
}

/// Equal ignoring case (Unicode, so `EMPFÄNGER` is `Empfänger`), without
/// allocating: JSON Lines compares every key of every record.
fn same_name(a: &str, b: &str) -> bool {
    a == b
        || (a.len() == b.len() && a.eq_ignore_ascii_case(b))
        || (!a.is_ascii()
            && a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase)))
}

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Thousands::Unstated => f.write_str("unset"),
            Thousands::None => f.write_str("none"),
            Thousands::Char(c) => write!(f, "{c:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(toml_text: &str, expected: Result<(), &str>) {
        let p: InputProfile = toml::from_str(toml_text).unwrap();
        let got = Profile::new(&p).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(
            got,
            expected.map_err(str::to_owned),
            "profile {toml_text:?}"
        );
    }

    #[test]
    fn the_default_profile_is_the_canonical_format() {
        let p = Profile::new(&InputProfile::default()).unwrap();
        assert_eq!(p.delimiter, b',');
        assert_eq!(p.decimal, '.');
        assert_eq!(p.thousands, Thousands::Unstated);
        assert!(p.times.is_canonical());
        assert!(!p.mapped);
        assert!(Profile::CANONICAL.times.is_canonical());
    }

    #[test]
    fn keys_are_checked_and_errors_name_them() {
        check("", Ok(()));
        check(
            "delimiter = \";\"\ndecimal_separator = \",\"\nthousands_separator = \".\"",
            Ok(()),
        );
        check("delimiter = \"tab\"", Ok(()));
        check("delimiter = \"\t\"", Ok(()));
        check("thousands_separator = \"\"", Ok(()));
        check("thousands_separator = \"\u{a0}\"", Ok(()));
        check(
            "timestamp_format = [\"%d.%m.%Y %H:%M\", \"rfc3339\"]\ntime_zone = \"Europe/Berlin\"",
            Ok(()),
        );
        check("time_zone = \"+05:30\"", Ok(()));
        check("time_zone = \"UTC\"", Ok(()));
        check(
            "[columns]\ntxn_id = \"Buchungs-ID\"\namount = \"Betrag\"",
            Ok(()),
        );
        check(
            "delimiter = \";;\"",
            Err("[input] delimiter: \";;\" is not one ASCII punctuation character (such as \",\", \";\", \"|\" or \"tab\")"),
        );
        check(
            "delimiter = \"a\"",
            Err("[input] delimiter: \"a\" is not one ASCII punctuation character (such as \",\", \";\", \"|\" or \"tab\")"),
        );
        check(
            "decimal_separator = \"·\"",
            Err("[input] decimal_separator: \"·\" must be \".\" or \",\""),
        );
        check(
            "thousands_separator = \".\"",
            Err("[input] thousands_separator: \".\" is also the decimal_separator"),
        );
        check(
            "thousands_separator = \"..\"",
            Err("[input] thousands_separator: \"..\" must be one character other than a digit or sign (\".\", \",\", \" \", \"'\"), or \"\" for none"),
        );
        check(
            "timestamp_format = []",
            Err("[input] timestamp_format: give at least one layout (\"rfc3339\" is the canonical one)"),
        );
        check(
            "time_zone = \"Europe/Berlni\"",
            Err("[input] time_zone: \"Europe/Berlni\" is neither a UTC offset (+01:00) nor a time zone of the IANA database (Europe/Berlin)"),
        );
        check(
            "[columns]\ntxn = \"ID\"",
            Err("[input] columns.txn: \"txn\" is not a canonical field; the fields are txn_id, timestamp, amount, currency, sender_id, sender_name, sender_country, receiver_id, receiver_name, receiver_country, channel, message, mcc, receiver_phone, sender_birth_year, sender_sex, payout_time"),
        );
        check(
            "[columns]\ntxn_id = \" \"",
            Err("[input] columns.txn_id: the export's column name is empty"),
        );
        check(
            "[columns]\nsender_id = \"Konto\"\nreceiver_id = \"konto\"",
            Err("[input] columns.sender_id: \"Konto\" is already the column of receiver_id"),
        );
        let unknown = toml::from_str::<InputProfile>("delimeter = \";\"").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `delimeter`"),
            "{unknown}"
        );
        let bad = toml::from_str::<InputProfile>("ambiguous_time = \"first\"").unwrap_err();
        assert!(bad.to_string().contains("earlier"), "{bad}");
    }

    #[test]
    fn mapped_columns_replace_the_canonical_name() {
        let p: InputProfile =
            toml::from_str("[columns]\ntxn_id = \"Buchungs-ID\"\nreceiver_name = \"Empfänger\"")
                .unwrap();
        let p = Profile::new(&p).unwrap();
        let cases = [
            ("Buchungs-ID", Some(Field::TxnId)),
            (" buchungs-id ", Some(Field::TxnId)),
            ("EMPFÄNGER", Some(Field::ReceiverName)),
            ("txn_id", None),
            ("receiver_name", None),
            ("amount", Some(Field::Amount)),
            ("Betrag", None),
        ];
        for (name, want) in cases {
            assert_eq!(p.field(name), want, "{name:?}");
        }
    }

    use crate::testkit::{check_error_with, check_with, payments_with};
    use crate::Format::{Csv, Jsonl};

    const GERMAN: &str = r#"
delimiter = ";"
decimal_separator = ","
thousands_separator = "."
timestamp_format = ["%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"]
time_zone = "Europe/Berlin"
[columns]
txn_id = "Buchungs-ID"
timestamp = "Buchungszeit"
amount = "Betrag"
currency = "Währung"
sender_id = "Auftraggeber-Konto"
sender_country = "Auftraggeber-Land"
receiver_id = "Empfänger-Konto"
receiver_country = "Empfänger-Land"
"#;
    const GERMAN_HEADER: &str = "Buchungs-ID;Buchungszeit;Betrag;Währung;Auftraggeber-Konto;Auftraggeber-Land;Empfänger-Konto;Empfänger-Land";

    #[test]
    fn a_german_export_reads_as_canonical_payments() {
        let text = format!(
            "{GERMAN_HEADER}\n\
             B1;05.01.2026 22:14;1.234,50;EUR;DE01;DE;PH01;PH\n\
             B2;05.07.2026 22:14:09;12,5;eur;DE01;DE;PH01;PH\n"
        );
        assert_eq!(
            payments_with(Csv, GERMAN, &text),
            [
                "B1 2026-01-05T21:14:00Z 1234.5 EUR DE01(DE)->PH01(PH)",
                "B2 2026-07-05T20:14:09Z 12.5 EUR DE01(DE)->PH01(PH)",
            ]
        );
    }

    /// Local times in Europe/Berlin around the changes of 2026 (29 March,
    /// 02:00 -> 03:00; 25 October, 03:00 -> 02:00).
    #[test]
    fn daylight_saving_changes() {
        let row = |time: &str| format!("{GERMAN_HEADER}\nB1;{time};1,00;EUR;DE01;DE;PH01;PH\n");
        let cases = [
            ("", "29.03.2026 01:59", "B1 2026-03-29T00:59:00Z"),
            ("", "29.03.2026 03:00", "B1 2026-03-29T01:00:00Z"),
            ("", "25.10.2026 01:59", "B1 2026-10-24T23:59:00Z"),
            ("", "25.10.2026 02:30", "B1 2026-10-25T00:30:00Z"),
            (
                "ambiguous_time = \"earlier\"",
                "25.10.2026 02:30",
                "B1 2026-10-25T00:30:00Z",
            ),
            (
                "ambiguous_time = \"later\"",
                "25.10.2026 02:30",
                "B1 2026-10-25T01:30:00Z",
            ),
            ("", "25.10.2026 03:00", "B1 2026-10-25T02:00:00Z"),
        ];
        for (extra, time, want) in cases {
            let profile = format!("{extra}\n{GERMAN}");
            let got = payments_with(Csv, &profile, &row(time));
            assert_eq!(got.len(), 1, "{time}");
            assert!(got[0].starts_with(want), "{time} with {extra:?}: {got:?}");
        }
        check_with(
            Csv,
            GERMAN,
            &row("29.03.2026 02:30"),
            &["2 timestamp: \"29.03.2026 02:30\" never happened in Europe/Berlin: the clocks jumped from +01:00 to +02:00; check [input] time_zone"],
        );
        check_with(
            Csv,
            &format!("ambiguous_time = \"reject\"\n{GERMAN}"),
            &row("25.10.2026 02:30"),
            &["2 timestamp: \"25.10.2026 02:30\" happened twice in Europe/Berlin (at +02:00 and at +01:00); [input] ambiguous_time = \"earlier\" or \"later\" reads it"],
        );
    }

    #[test]
    fn time_rejects_name_the_profile_keys() {
        let row = |time: &str| format!("{GERMAN_HEADER}\nB1;{time};1,00;EUR;DE01;DE;PH01;PH\n");
        let cases = [
            ("05.01.2026 22:14", "ok B1"),
            ("2026-01-05 22:14", "2 timestamp: \"2026-01-05 22:14\" does not match [input] timestamp_format \"%d.%m.%Y %H:%M\" (nor any of the 2 layouts): %d failed: expected two digit day of month, but found end of input"),
            ("32.01.2026 22:14", "2 timestamp: \"32.01.2026 22:14\" does not match [input] timestamp_format \"%d.%m.%Y %H:%M\" (nor any of the 2 layouts): invalid date"),
        ];
        for (time, expected) in cases {
            let got = crate::testkit::outcomes_with(
                Csv,
                &crate::testkit::profile(GERMAN),
                row(time).as_bytes(),
            )
            .unwrap()
            .0;
            assert_eq!(got.len(), 1);
            // jiff words its own part of the reason; spur's part is fixed.
            let (ours, _) = expected
                .split_once(": %")
                .or_else(|| expected.split_once(": invalid"))
                .unwrap_or((expected, ""));
            assert!(got[0].starts_with(ours), "{time}: {got:?}");
        }
        // Times with an offset need no zone, in any layout.
        check_with(
            Csv,
            "timestamp_format = [\"%d/%m/%Y %H:%M %z\"]",
            "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\nT1,05/01/2026 22:14 +0100,1,EUR,s,DE,r,PH\n",
            &["ok T1"],
        );
        // A time zone applies to RFC 3339 times without an offset, not to those with one.
        let canonical = "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\n\
                         T1,2026-01-05T22:14:00,1,EUR,s,DE,r,PH\nT2,2026-01-05T22:14:00Z,1,EUR,s,DE,r,PH\n";
        assert_eq!(
            payments_with(Csv, "time_zone = \"Europe/Berlin\"", canonical),
            [
                "T1 2026-01-05T21:14:00Z 1 EUR s(DE)->r(PH)",
                "T2 2026-01-05T22:14:00Z 1 EUR s(DE)->r(PH)",
            ]
        );
        assert_eq!(
            payments_with(Csv, "time_zone = \"-05:00\"", canonical)[0],
            "T1 2026-01-06T03:14:00Z 1 EUR s(DE)->r(PH)"
        );
    }

    /// A regression: a semicolon file without a profile said only which
    /// columns were missing.
    #[test]
    fn a_wrong_delimiter_is_named() {
        check_error_with(
            Csv,
            "",
            "txn_id;timestamp;amount;currency;sender_id;sender_country;receiver_id;receiver_country\nT1;x\n",
            "the header has one column; is the delimiter ';'? set [input] delimiter = \";\" (it is \",\")",
        );
        check_error_with(
            Csv,
            "",
            "txn_id\ttimestamp\tamount\n",
            "the header has one column; is the delimiter '\\t'? set [input] delimiter = \"\\t\" (it is \",\")",
        );
        check_error_with(
            Csv,
            "delimiter = \";\"",
            "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\n",
            "the header has one column; is the delimiter ','? set [input] delimiter = \",\" (it is \";\")",
        );
        check_error_with(
            Csv,
            GERMAN,
            "Buchungs-ID;Buchungszeit;Betrag;Währung;Auftraggeber-Konto;Auftraggeber-Land;Empfänger-Land\n",
            "missing required column: receiver_id (as \"Empfänger-Konto\"); if the export names it differently, set [input.columns]",
        );
        check_error_with(
            Csv,
            "",
            "id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country\n",
            "missing required column: txn_id; if the export names it differently, set [input.columns]",
        );
    }

    #[test]
    fn json_lines_take_the_column_names_and_layouts() {
        let text = "{\"Buchungs-ID\":\"B1\",\"Buchungszeit\":\"05.01.2026 22:14\",\"Betrag\":\"1.234,50\",\"Währung\":\"EUR\",\"Auftraggeber-Konto\":\"DE01\",\"Auftraggeber-Land\":\"DE\",\"Empfänger-Konto\":\"PH01\",\"Empfänger-Land\":\"PH\"}\n\
                    {\"Buchungs-ID\":\"B2\",\"Buchungszeit\":\"05.01.2026 22:14\",\"Betrag\":12.5,\"Währung\":\"EUR\",\"Auftraggeber-Konto\":\"DE01\",\"Auftraggeber-Land\":\"DE\",\"Empfänger-Konto\":\"PH01\",\"Empfänger-Land\":\"PH\",\"txn_id\":\"ignored\"}\n";
        assert_eq!(
            payments_with(Jsonl, GERMAN, text),
            [
                "B1 2026-01-05T21:14:00Z 1234.5 EUR DE01(DE)->PH01(PH)",
                "B2 2026-01-05T21:14:00Z 12.5 EUR DE01(DE)->PH01(PH)",
            ]
        );
    }
}
