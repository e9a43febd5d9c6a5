//! `spur feedback import --file labels.csv`: the analysts' past dispositions
//! as a CSV file with the header `party_id,role,disposition` (columns in any
//! order). A bad line is a [`LabelError`] naming the file, line, field and
//! reason; the good lines are kept all the same.

use std::io::Read;

use spur_engine::Role;
use spur_store::{LabelDisposition, NewLabel};

use crate::{AppError, Result};

const COLUMNS: [&str; 3] = ["party_id", "role", "disposition"];

/// Longest party id accepted (the engine's intake takes no longer ids either).
const MAX_ID: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    pub file: String,
    pub line: u64,
    /// A column name, or `record` for the line as a whole.
    pub field: &'static str,
    pub reason: String,
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.reason
        )
    }
}

/// The good labels and one error per bad line.
#[derive(Debug, Default)]
pub struct ParsedLabels {
    pub labels: Vec<NewLabel>,
    pub errors: Vec<LabelError>,
}

/// Reads a labels file; only a missing or wrong header fails the whole file.
pub fn parse(file: &str, input: impl Read) -> Result<ParsedLabels> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| AppError::Invalid(format!("{file}:1: header: {e}")))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_owned()
        })
        .collect();
    let mut at = [0usize; 3];
    for (k, col) in COLUMNS.iter().enumerate() {
        at[k] = names.iter().position(|n| n == col).ok_or_else(|| {
            AppError::Invalid(format!(
                "{file}:1: header: no column {col:?}; the header must be party_id,role,disposition (found {:?})",
                names.join(",")
            ))
        })?;
    }
    let mut out = ParsedLabels::default();
    let mut record = csv::ByteRecord::new();
    loop {
        let line_before = reader.position().line() + 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line_before, |p| p.line());
                let bad = |field: &'static str, reason: String| LabelError {
                    file: file.to_owned(),
                    line,
                    field,
                    reason,
                };
                if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
                    continue; // a blank line
                }
                if record.len() != names.len() {
                    out.errors.push(bad(
                        "record",
                        format!("{} fields, the header has {}", record.len(), names.len()),
                    ));
                    continue;
                }
                match label(&record, at) {
                    Ok(l) => out.labels.push(l),
                    Err((field, reason)) => out.errors.push(bad(field, reason)),
                }
            }
            Err(e) => {
                let line = e.position().map_or(line_before, |p| p.line());
                out.errors.push(LabelError {
                    file: file.to_owned(),
                    line,
                    field: "record",
                    reason: e.to_string(),
                });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break; // an I/O error: nothing more can be read
                }
            }
        }
    }
    Ok(out)
}

fn label(
    r: &csv::ByteRecord,
    at: [usize; 3],
) -> std::result::Result<NewLabel, (&'static str, String)> {
    let text = |k: usize| -> std::result::Result<&str, (&'static str, String)> {
        std::str::from_utf8(&r[at[k]]).map_err(|_| (COLUMNS[k], "not UTF-8".to_owned()))
    };
    let party_id = text(0)?;
    if party_id.trim().is_empty() {
        return Err(("party_id", "empty".into()));
    }
    if party_id.len() > MAX_ID {
        return Err(("party_id", format!("longer than {MAX_ID} bytes")));
    }
    if let Some(c) = party_id.chars().find(|c| c.is_control() || invisible(*c)) {
        return Err((
            "party_id",
            format!(
                "holds the control or invisible character U+{:04X}; ids are never altered",
                u32::from(c)
            ),
        ));
    }
    let role = match text(1)?.trim() {
        "sender" => Role::Sender,
        "receiver" => Role::Receiver,
        other => return Err(("role", format!("{other:?} is not sender or receiver"))),
    };
    let d = text(2)?.trim();
    let disposition: LabelDisposition = d.parse().map_err(|_| {
        (
            "disposition",
            format!("{d:?} is not suspicious, not-suspicious or false-positive"),
        )
    })?;
    Ok(NewLabel {
        party_id: party_id.to_owned(),
        role,
        disposition,
    })
}

fn invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One case: the file's text, the labels kept (party ids) and the errors
    /// as `line: field: reason` (the reason's start).
    fn check(input: &str, kept: &[&str], errors: &[&str]) {
        let parsed = parse("labels.csv", input.as_bytes()).unwrap();
        let ids: Vec<&str> = parsed.labels.iter().map(|l| l.party_id.as_str()).collect();
        assert_eq!(ids, kept, "kept, for {input:?}");
        assert_eq!(parsed.errors.len(), errors.len(), "{:?}", parsed.errors);
        for (e, want) in parsed.errors.iter().zip(errors) {
            assert_eq!(e.file, "labels.csv");
            let got = format!("{}: {}: {}", e.line, e.field, e.reason);
            assert!(got.starts_with(want), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn good_lines_are_kept_and_each_bad_one_is_named() {
        check(
            "party_id,role,disposition\nS-1,sender,suspicious\n",
            &["S-1"],
            &[],
        );
        check(
            "role,disposition,party_id\nreceiver,false-positive,R-1\nsender,not-suspicious,S-2\n",
            &["R-1", "S-2"],
            &[],
        );
        check(
            "party_id,role,disposition\n\
             S-1,sender,suspicious\n\
             S-2,payer,suspicious\n\
             S-3,sender,not_suspicious\n\
             ,sender,suspicious\n\
             S-5,sender\n\
             S-6,receiver,false-positive\n\
             \"S-7\u{200b}\",sender,suspicious\n\
             S-8,sender,suspicious,extra\n",
            &["S-1", "S-6"],
            &[
                "3: role: \"payer\" is not sender or receiver",
                "4: disposition: \"not_suspicious\" is not suspicious",
                "5: party_id: empty",
                "6: record: 2 fields, the header has 3",
                "8: party_id: holds the control or invisible character U+200B",
                "9: record: 4 fields, the header has 3",
            ],
        );
        check(
            "party_id,role,disposition\n\nS-1,sender,suspicious\n",
            &["S-1"],
            &[],
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_cost_only_their_line() {
        let mut input = b"party_id,role,disposition\nS-\xff,sender,suspicious\n".to_vec();
        input.extend_from_slice(b"S-2,sender,suspicious\n");
        let parsed = parse("l.csv", &input[..]).unwrap();
        assert_eq!(parsed.labels.len(), 1);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 2);
        assert_eq!(parsed.errors[0].field, "party_id");
        assert_eq!(parsed.errors[0].to_string(), "l.csv:2: party_id: not UTF-8");
    }

    #[test]
    fn a_wrong_header_fails_the_file_naming_it() {
        for input in [
            "",
            "party,role,disposition\nS-1,sender,suspicious\n",
            "party_id,role\n",
        ] {
            let e = parse("labels.csv", input.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("labels.csv:1: header: "), "{e}");
        }
    }
}
