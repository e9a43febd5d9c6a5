//! Canonical payments as CSV: a header row naming the columns in any order
//! (matched ignoring case and surrounding whitespace), then one record per row.
//! A [`Profile`] sets the delimiter, the export's column names and how its
//! amounts and times are written.
//!
//! The hot path reads into one reused `ByteRecord` and borrows every field
//! straight out of it: no allocation per record.

use std::collections::VecDeque;
use std::io::{self, Read as _};

use ::csv::{ByteRecord, ReaderBuilder};
use spur_engine::model::Payment;

use crate::field::{build_with, Field, Value, FIELD_COUNT};
use crate::input::{InputError, OnRecord, PaymentReader, ReadStats, Reject, WHOLE_RECORD};
use crate::profile::Profile;
use crate::time::TimeNotes;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input with a leading UTF-8 BOM removed.
type WithoutBom<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Reads canonical payments from CSV.
pub struct CsvPaymentReader<R> {
    reader: ::csv::Reader<LineEnds<WithoutBom<R>>>,
    /// The canonical field of each column, `None` for ignored columns.
    columns: Vec<Option<Field>>,
    unknown: Vec<String>,
    record: ByteRecord,
    profile: Profile,
}

impl<R: io::Read> CsvPaymentReader<R> {
    /// Reads and checks the header row of a canonical CSV file.
    pub fn new(input: R) -> Result<Self, InputError> {
        Self::with_profile(input, Profile::default())
    }

    /// Reads and checks the header row of an export written as `profile` says.
    pub fn with_profile(input: R, profile: Profile) -> Result<Self, InputError> {
        let mut reader = ReaderBuilder::new()
            .has_headers(true)
            .delimiter(profile.delimiter)
            // Field counts are checked per record, to reject rather than fail.
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(LineEnds::new(skip_bom(input)?));
        let header = reader.byte_headers().map_err(csv_error)?;
        if header.is_empty() || (header.len() == 1 && header[0].trim_ascii().is_empty()) {
            return Err(InputError::Empty);
        }

        let mut columns = Vec::with_capacity(header.len());
        let mut seen: Vec<String> = Vec::with_capacity(header.len());
        let mut unknown = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let raw = if i == 0 {
                raw.strip_prefix(BOM).unwrap_or(raw)
            } else {
                raw
            };
            let name =
                std::str::from_utf8(raw.trim_ascii()).map_err(|_| InputError::HeaderNotUtf8)?;
            if name.is_empty() {
                // A trailing comma in the header; nothing to read there.
                columns.push(None);
                continue;
            }
            let lower = name.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(InputError::DuplicateColumn(name.to_owned()));
            }
            seen.push(lower);
            let field = profile.field(name);
            if field.is_none() {
                unknown.push(name.to_owned());
            }
            columns.push(field);
        }
        let missing: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| f.is_required() && !columns.contains(&Some(*f)))
            .collect();
        if !missing.is_empty() {
            // One column that holds another delimiter: the profile's is wrong.
            if header.len() == 1 {
                let here = profile.delimiter();
                if let Some(found) = [';', ',', '\t', '|']
                    .into_iter()
                    .find(|&c| c != here && header[0].contains(&(c as u8)))
                {
                    return Err(InputError::Delimiter { found, set: here });
                }
            }
            return Err(InputError::missing_columns(&missing, &profile));
        }

        Ok(CsvPaymentReader {
            reader,
            columns,
            unknown,
            record: ByteRecord::new(),
            profile,
        })
    }
}

impl<R: io::Read> PaymentReader for CsvPaymentReader<R> {
    fn read_all(&mut self, on: &mut OnRecord<'_>) -> Result<ReadStats, InputError> {
        let mut stats = ReadStats::default();
        while self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(csv_error)?
        {
            let line = match self.record.position() {
                Some(p) => self.reader.get_mut().first_line(p.byte()),
                None => 0,
            };
            let mut notes = TimeNotes::default();
            let result = decode(&self.record, &self.columns, line, &self.profile, &mut notes);
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

fn decode<'r>(
    record: &'r ByteRecord,
    columns: &[Option<Field>],
    line: u64,
    profile: &Profile,
    notes: &mut TimeNotes,
) -> Result<Payment<'r>, Reject> {
    if record.len() != columns.len() {
        return Err(Reject {
            line,
            field: WHOLE_RECORD,
            reason: format!(
                "has {} fields, the header has {}",
                record.len(),
                columns.len()
            ),
        });
    }
    let mut values = [Value::Missing; FIELD_COUNT];
    // One UTF-8 check for the whole record instead of one per field; a field
    // of a valid record is valid unless it splits a character (`get` is None).
    let whole = std::str::from_utf8(record.as_slice()).ok();
    for (i, column) in columns.iter().enumerate() {
        let Some(field) = *column else { continue };
        let text = match (whole, record.range(i)) {
            (Some(whole), Some(range)) => whole.get(range),
            _ => record.get(i).and_then(|raw| std::str::from_utf8(raw).ok()),
        };
        let text = text.ok_or_else(|| Reject {
            line,
            field: field.name(),
            reason: "is not valid UTF-8".into(),
        })?;
        values[field as usize] = Value::Text(text.trim_ascii());
    }
    build_with(&values, line, profile, notes)
}

/// The input, noting where its line ends are, so that a record is reported
/// on the line where it starts. (The csv crate counts only `\n`, and gives
/// the line where it began to look for a record: one early after a CRLF line
/// end, whose `\n` it reads with the next record, and before any blank lines
/// it skipped.) A line ends at `\n`, `\r\n` or a lone `\r`.
struct LineEnds<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// `\r` and `\n` bytes not yet behind the last record: (offset, byte).
    ends: VecDeque<(u64, u8)>,
    /// Line ends behind the last record.
    lines: u64,
}

impl<R> LineEnds<R> {
    fn new(inner: R) -> Self {
        LineEnds {
            inner,
            offset: 0,
            ends: VecDeque::new(),
            lines: 0,
        }
    }

    /// The 1-based line of a record that the csv crate began to read at
    /// `byte`: past the line ends before it and those right at its start.
    fn first_line(&mut self, byte: u64) -> u64 {
        let mut start = byte;
        while let Some(&(at, b)) = self.ends.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.ends.pop_front();
            // The `\r` of a `\r\n` is no line end of its own.
            let cr_of_crlf = b == b'\r'
                && self
                    .ends
                    .front()
                    .is_some_and(|&(next, c)| next == at + 1 && c == b'\n');
            if !cr_of_crlf {
                self.lines += 1;
            }
        }
        self.lines + 1
    }
}

impl<R: io::Read> io::Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.offset;
        self.ends.extend(
            memchr::memchr2_iter(b'\r', b'\n', &buf[..n]).map(|i| (start + i as u64, buf[i])),
        );
        self.offset += n as u64;
        Ok(n)
    }
}

/// Drops a UTF-8 BOM before the CSV parser sees it, so that a quoted first
/// column name (`\u{feff}"txn_id"`) still parses as a quoted field.
fn skip_bom<R: io::Read>(mut input: R) -> io::Result<WithoutBom<R>> {
    let mut head = Vec::with_capacity(BOM.len());
    input
        .by_ref()
        .take(BOM.len() as u64)
        .read_to_end(&mut head)?;
    if head == BOM {
        head.clear();
    }
    Ok(io::Cursor::new(head).chain(input))
}

fn csv_error(e: ::csv::Error) -> InputError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => InputError::Io(e),
        other => InputError::Csv(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::input::Format::Csv;
    use crate::testkit::{check, check_bytes, check_error, outcomes, payments};

    const HEADER: &str =
        "txn_id,timestamp,amount,currency,sender_id,sender_country,receiver_id,receiver_country";
    const ROW: &str = "T1,2026-01-05T21:14:03Z,12.50,USD,s1,US,r1,PH";

    fn with_row(row: &str) -> String {
        format!("{HEADER}\n{row}\n")
    }

    #[test]
    fn good_rows() {
        check(Csv, &with_row(ROW), &["ok T1"]);
        assert_eq!(
            payments(Csv, &with_row(ROW)),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"]
        );
        // Any column order, any case, whitespace around names and values.
        let text = " Receiver_Country ,AMOUNT,txn_id,timestamp,currency,sender_id,sender_country,receiver_id\n\
                    ph , 12.50 ,T1,2026-01-05 22:14:03+01:00,usd,s1,us,r1\n";
        assert_eq!(
            payments(Csv, text),
            ["T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"]
        );
    }

    #[test]
    fn optional_fields() {
        let text = format!(
            "{HEADER},sender_name,receiver_name,channel,message,mcc,receiver_phone,sender_birth_year,sender_sex,payout_time\n\
             {ROW},Ann Lee,Bo,Wallet,for the show,5411,+63 917 555 0100,1971,m,2026-01-05T21:20:00Z\n\
             T2,2026-01-05T21:14:03Z,1,EUR,s2,DE,r2,RO,,,,,,,,,\n\
             T3,2026-01-05T21:14:03Z,1,EUR,s2,DE,r2,RO,,,gift card,,0,,2100,x,\n"
        );
        assert_eq!(
            payments(Csv, &text),
            [
                "T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH) sender_name=Ann Lee receiver_name=Bo \
                 channel=wallet message=for the show mcc=5411 phone=+63 917 555 0100 birth=1971 sex=Male \
                 payout=2026-01-05T21:20:00Z",
                "T2 2026-01-05T21:14:03Z 1 EUR s2(DE)->r2(RO)",
                "T3 2026-01-05T21:14:03Z 1 EUR s2(DE)->r2(RO) channel=other mcc=0 birth=2100 sex=Other",
            ]
        );
    }

    #[test]
    fn required_field_missing_or_invalid() {
        let cases = [
            (",2026-01-05T21:14:03Z,12.50,USD,s1,US,r1,PH", "2 txn_id: missing"),
            ("T1,,12.50,USD,s1,US,r1,PH", "2 timestamp: missing"),
            (
                "T1,2026-13-05T21:14:03Z,12.50,USD,s1,US,r1,PH",
                "2 timestamp: \"2026-13-05T21:14:03Z\" is not an RFC 3339 time (month out of range); if the export writes times differently, set [input] timestamp_format",
            ),
            (
                "T1,2025-02-29T21:14:03Z,12.50,USD,s1,US,r1,PH",
                "2 timestamp: \"2025-02-29T21:14:03Z\" is not an RFC 3339 time (day out of range); if the export writes times differently, set [input] timestamp_format",
            ),
            (
                "T1,05/01/2026,12.50,USD,s1,US,r1,PH",
                "2 timestamp: \"05/01/2026\" is not an RFC 3339 time (too short); if the export writes times differently, set [input] timestamp_format",
            ),
            ("T1,2026-01-05T21:14:03Z,,USD,s1,US,r1,PH", "2 amount: missing"),
            ("T1,2026-01-05T21:14:03Z,-5,USD,s1,US,r1,PH", "2 amount: \"-5\" must be a positive decimal"),
            ("T1,2026-01-05T21:14:03Z,0,USD,s1,US,r1,PH", "2 amount: \"0\" must be a positive decimal"),
            ("T1,2026-01-05T21:14:03Z,\"1,000\",USD,s1,US,r1,PH", "2 amount: \"1,000\" must be a positive decimal; is ',' a thousands separator? set [input] thousands_separator = \",\""),
            ("T1,2026-01-05T21:14:03Z,NaN,USD,s1,US,r1,PH", "2 amount: \"NaN\" must be a positive decimal"),
            ("T1,2026-01-05T21:14:03Z,12.50,,s1,US,r1,PH", "2 currency: missing"),
            ("T1,2026-01-05T21:14:03Z,12.50,US,s1,US,r1,PH", "2 currency: \"US\" is not a three-letter ISO 4217 code"),
            ("T1,2026-01-05T21:14:03Z,12.50,U$D,s1,US,r1,PH", "2 currency: \"U$D\" is not a three-letter ISO 4217 code"),
            ("T1,2026-01-05T21:14:03Z,12.50,USD,,US,r1,PH", "2 sender_id: missing"),
            ("T1,2026-01-05T21:14:03Z,12.50,USD,  ,US,r1,PH", "2 sender_id: missing"),
            ("T1,2026-01-05T21:14:03Z,12.50,USD,s1,,r1,PH", "2 sender_country: missing"),
            (
                "T1,2026-01-05T21:14:03Z,12.50,USD,s1,USA,r1,PH",
                "2 sender_country: \"USA\" is not a two-letter ISO 3166-1 alpha-2 code",
            ),
            ("T1,2026-01-05T21:14:03Z,12.50,USD,s1,US,,PH", "2 receiver_id: missing"),
            ("T1,2026-01-05T21:14:03Z,12.50,USD,s1,US,r1,", "2 receiver_country: missing"),
            (
                "T1,2026-01-05T21:14:03Z,12.50,USD,s1,US,r1,P1",
                "2 receiver_country: \"P1\" is not a two-letter ISO 3166-1 alpha-2 code",
            ),
        ];
        for (row, expected) in cases {
            check(Csv, &with_row(row), &[expected]);
        }
    }

    #[test]
    fn optional_field_invalid() {
        let header = format!("{HEADER},mcc,sender_birth_year,sender_sex,payout_time");
        let cases = [
            (",,,", "ok T1"),
            (
                "10000,,,",
                "2 mcc: 10000 is not a merchant category code (0-9999)",
            ),
            (
                "54a1,,,",
                "2 mcc: \"54a1\" is not a merchant category code (0-9999)",
            ),
            (
                "-1,,,",
                "2 mcc: \"-1\" is not a merchant category code (0-9999)",
            ),
            (
                ",1899,,",
                "2 sender_birth_year: 1899 is not a birth year (1900-2100)",
            ),
            (
                ",19x0,,",
                "2 sender_birth_year: \"19x0\" is not a birth year (1900-2100)",
            ),
            (",,q,", "2 sender_sex: \"q\" is not a sex (M, F or X)"),
            (
                ",,,tomorrow",
                "2 payout_time: \"tomorrow\" is not an RFC 3339 time (too short); if the export writes times differently, set [input] timestamp_format",
            ),
        ];
        for (extra, expected) in cases {
            check(Csv, &format!("{header}\n{ROW},{extra}\n"), &[expected]);
        }
    }

    #[test]
    fn long_values_are_cut_in_reasons() {
        let long = "X".repeat(100);
        let row = format!("T1,2026-01-05T21:14:03Z,12.50,{long},s1,US,r1,PH");
        let expected = format!(
            "2 currency: \"{}…\" is not a three-letter ISO 4217 code",
            "X".repeat(40)
        );
        check(Csv, &with_row(&row), &[&expected]);
    }

    #[test]
    fn header_problems() {
        check_error(
            Csv,
            "",
            "input is empty: expected a header row naming the columns",
        );
        check_error(
            Csv,
            "\n\n",
            "input is empty: expected a header row naming the columns",
        );
        check_error(
            Csv,
            "txn_id,timestamp,amount,currency,sender_country,receiver_id\nT1\n",
            "missing required columns: sender_id, receiver_country; if the export names them differently, set [input.columns]",
        );
        check_error(
            Csv,
            &format!("{HEADER},Amount\n{ROW},1\n"),
            "column \"Amount\" appears more than once in the header",
        );
        check_error(
            Csv,
            &format!("{HEADER},x,X\n"),
            "column \"X\" appears more than once in the header",
        );
        let mut bad = HEADER.as_bytes().to_vec();
        bad.extend_from_slice(b",\xff\n");
        let err = outcomes(Csv, &bad).unwrap_err();
        assert_eq!(err, "the header row is not valid UTF-8");
    }

    #[test]
    fn header_only_has_no_records() {
        check(Csv, HEADER, &[]);
        check(Csv, &format!("{HEADER}\n"), &[]);
    }

    #[test]
    fn unknown_columns_are_collected_once() {
        let text = format!("branch,{HEADER},Note, \n1,{ROW},a,\n2,{ROW},b,\n");
        let (got, unknown) = outcomes(Csv, text.as_bytes()).unwrap();
        assert_eq!(got, ["ok T1", "ok T1"]);
        assert_eq!(unknown, ["branch", "Note"]);
    }

    #[test]
    fn quoting() {
        let text = format!(
            "{HEADER},message,sender_name\n\
             {ROW},\"a, b\",\"Lee, \"\"Ann\"\"\"\n\
             T2,2026-01-05T21:14:03Z,1,EUR,s2,DE,r2,RO,\"two\nlines\",x\n\
             T3,2026-01-05T21:14:03Z,1,EUR,s2,DE,r2,RO,-,x\n"
        );
        assert_eq!(
            payments(Csv, &text),
            [
                "T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH) sender_name=Lee, \"Ann\" message=a, b",
                "T2 2026-01-05T21:14:03Z 1 EUR s2(DE)->r2(RO) sender_name=x message=two\nlines",
                "T3 2026-01-05T21:14:03Z 1 EUR s2(DE)->r2(RO) sender_name=x message=-",
            ]
        );
        // A record that spans lines is reported at the line where it starts.
        let text = format!(
            "{HEADER},message\n\
             {ROW},\"two\nlines\"\n\
             T2,2026-01-05T21:14:03Z,-1,EUR,s2,DE,r2,RO,\"x\"\n"
        );
        check(
            Csv,
            &text,
            &["ok T1", "4 amount: \"-1\" must be a positive decimal"],
        );
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let text = format!(
            "\u{feff}{}\r\n{}\r\n\r\n{}\r\n\r\n",
            HEADER,
            ROW,
            ROW.replace("T1", "T2")
        );
        check(Csv, &text, &["ok T1", "ok T2"]);
        assert_eq!(
            payments(Csv, &text)[0],
            "T1 2026-01-05T21:14:03Z 12.5 USD s1(US)->r1(PH)"
        );
        // A BOM before a quoted header name.
        let quoted = format!("\u{feff}\"txn_id\",{}\n{ROW}\n", &HEADER["txn_id,".len()..]);
        check(Csv, &quoted, &["ok T1"]);
        check_error(
            Csv,
            "\u{feff}",
            "input is empty: expected a header row naming the columns",
        );
        // Without a trailing newline.
        check(Csv, &format!("{HEADER}\n{ROW}"), &["ok T1"]);
    }

    #[test]
    fn rejects_name_the_line_where_the_record_starts() {
        let bad = ROW.replace("12.50", "x");
        let reason = "amount: \"x\" must be a positive decimal";
        // (input, the lines of its two bad records)
        let cases = [
            (format!("{HEADER}\n{ROW}\n{bad}\n\n{bad}\n"), [3, 5]),
            (
                format!("{HEADER}\r\n{ROW}\r\n{bad}\r\n\r\n{bad}\r\n"),
                [3, 5],
            ),
            (format!("{HEADER}\r\n{bad}\r\n\r\n\r\n\r\n{bad}"), [2, 6]),
            (format!("\n\n{HEADER}\n{bad}\n{bad}\n"), [4, 5]),
            // Lone CR line ends: one line each.
            (format!("{HEADER}\r{bad}\r\r{bad}\r"), [2, 4]),
            // A quoted field spanning two lines, CRLF and LF.
            (
                format!("{HEADER},message\r\n{bad},\"two\r\nlines\"\r\n{bad},\r\n"),
                [2, 4],
            ),
            (
                format!("{HEADER},message\n{bad},\"a\n\nb\"\n\n{bad},\n"),
                [2, 6],
            ),
        ];
        for (text, [a, b]) in cases {
            let want = [format!("{a} {reason}"), format!("{b} {reason}")];
            let got: Vec<String> = outcomes(Csv, text.as_bytes())
                .unwrap()
                .0
                .into_iter()
                .filter(|o| !o.starts_with("ok "))
                .collect();
            assert_eq!(got, want, "input: {text:?}");
        }
    }

    #[test]
    fn wrong_field_count() {
        let text = format!("{HEADER}\n{ROW}\nT2,2026-01-05T21:14:03Z\n{ROW},extra\n{ROW}\n");
        check(
            Csv,
            &text,
            &[
                "ok T1",
                "3 record: has 2 fields, the header has 8",
                "4 record: has 9 fields, the header has 8",
                "ok T1",
            ],
        );
    }

    #[test]
    fn invalid_utf8() {
        let mut text = format!("{HEADER},message,note\n{ROW},ok,x\n").into_bytes();
        text.extend_from_slice(b"T2,2026-01-05T21:14:03Z,1,EUR,s\xff,DE,r2,RO,,\n");
        // Bytes in an ignored column do not matter.
        text.extend_from_slice(b"T3,2026-01-05T21:14:03Z,1,EUR,s3,DE,r2,RO,,\xff\xfe\n");
        text.extend_from_slice(b"T4,2026-01-05T21:14:03Z,1,EUR,s3,DE,r2,RO,\xc3,\n");
        // Two halves of "é" in adjacent fields: the record's bytes are valid
        // UTF-8 as a whole, yet neither field is.
        text.extend_from_slice(b"T5,2026-01-05T21:14:03Z,1,EUR,s3,DE,r2,RO,\xc3,\xa9\n");
        check_bytes(
            Csv,
            &text,
            &[
                "ok T1",
                "3 sender_id: is not valid UTF-8",
                "ok T3",
                "5 message: is not valid UTF-8",
                "6 message: is not valid UTF-8",
            ],
        );
    }

    #[test]
    fn one_bad_record_among_good_ones() {
        let mut text = format!("{HEADER}\n");
        for i in 0..20 {
            let amount = if i == 13 { "12,5" } else { "12.5" };
            text.push_str(&format!(
                "T{i},2026-01-05T21:14:03Z,\"{amount}\",USD,s1,US,r1,PH\n"
            ));
        }
        let (got, _) = outcomes(Csv, text.as_bytes()).unwrap();
        let rejects: Vec<_> = got.iter().filter(|o| !o.starts_with("ok ")).collect();
        assert_eq!(got.len(), 20);
        assert_eq!(
            rejects,
            ["15 amount: \"12,5\" must be a positive decimal; is ',' the decimal separator? set [input] decimal_separator = \",\""]
        );
    }

    #[test]
    fn stops_when_told() {
        use std::ops::ControlFlow;
        let text = format!("{HEADER}\n{ROW}\n{ROW}\n{ROW}\n");
        let mut reader =
            crate::open_reader(Csv, Box::new(std::io::Cursor::new(text.into_bytes()))).unwrap();
        let mut seen = 0;
        let stats = reader
            .read_all(&mut |_, _| {
                seen += 1;
                if seen == 2 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        assert_eq!((seen, stats.accepted), (2, 2));
    }
}
