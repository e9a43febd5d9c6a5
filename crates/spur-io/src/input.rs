//! What every input format has in common: the [`PaymentReader`] trait, the
//! per-record [`Reject`] and the whole-input [`InputError`].

use std::fmt;
use std::io;
use std::ops::ControlFlow;
use std::path::Path;

use spur_engine::model::Payment;

use crate::csv::CsvPaymentReader;
use crate::field::Field;
use crate::iso20022::{Iso20022Reader, Message};
use crate::jsonl::JsonlPaymentReader;
use crate::profile::Profile;

/// An input file format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Csv,
    Jsonl,
    /// ISO 20022 XML; the message type from each message's root element
    /// and namespace, or only the one named (then in any version).
    Iso20022(Option<Message>),
}

impl Format {
    /// Guesses the format from the file extension: `.csv`, or `.jsonl`,
    /// `.ndjson`, `.json` for JSON Lines, `.xml` for ISO 20022; any case.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else if ["jsonl", "ndjson", "json"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
        {
            Some(Format::Jsonl)
        } else if ext.eq_ignore_ascii_case("xml") {
            Some(Format::Iso20022(None))
        } else {
            None
        }
    }

    /// Guesses the format from the first bytes of an input whose name does
    /// not tell: XML (after a BOM and whitespace, `<`) is ISO 20022.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        head.trim_ascii_start()
            .starts_with(b"<")
            .then_some(Format::Iso20022(None))
    }
}

/// One record that could not be read, and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reject {
    /// 1-based physical line in the file where the record starts.
    pub line: u64,
    /// The canonical field at fault, or `"record"` when the record as a whole
    /// is unreadable (wrong field count, invalid JSON or UTF-8).
    pub field: &'static str,
    /// Short, for an operator: the offending value (cut to ~40 characters)
    /// and what is wrong with it.
    pub reason: String,
}

/// [`Reject::field`] when no single field is at fault.
pub const WHOLE_RECORD: &str = "record";

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: field \"{}\": {}",
            self.line, self.field, self.reason
        )
    }
}

/// Counts for one pass over an input.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReadStats {
    /// Records handed to the callback as payments.
    pub accepted: u64,
    /// Records handed to the callback as rejects.
    pub rejected: u64,
    /// Accepted records with a time (`timestamp` or `payout_time`) that had
    /// no offset and was read as UTC: for a notice.
    pub naive_times: u64,
    /// Accepted records with a local time that happened twice in the
    /// profile's zone (the clocks went back), read as `[input]
    /// ambiguous_time` says: for a notice.
    pub ambiguous_times: u64,
    /// Records that are not payments by rule and were left out, neither
    /// accepted nor rejected: camt entries that are not booked credit
    /// transfers.
    pub skipped: u64,
}

/// A problem with the input as a whole; nothing (more) can be read from it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read input: {0}")]
    Io(#[from] io::Error),
    #[error("input is empty: expected a header row naming the columns")]
    Empty,
    #[error("the header row is not valid UTF-8")]
    HeaderNotUtf8,
    /// Each entry names the canonical field, and the export's name where the
    /// profile maps it.
    #[error(
        "missing required column{}: {}; if the export names {} differently, set [input.columns]",
        if .0.len() == 1 { "" } else { "s" },
        .0.join(", "),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    MissingColumns(Vec<String>),
    #[error("the header has one column; is the delimiter '{}'? set [input] delimiter = {:?} (it is {:?})", found.escape_default(), found.to_string(), set.to_string())]
    Delimiter { found: char, set: char },
    #[error("column \"{0}\" appears more than once in the header")]
    DuplicateColumn(String),
    #[error("malformed CSV: {0}")]
    Csv(String),
    #[error("malformed XML at line {line}: {reason}")]
    Xml { line: u64, reason: String },
    #[error(
        "no ISO 20022 customer credit transfer (pacs.008, pain.001, camt.053, camt.054) in the file; {}",
        match first_element { Some(e) => format!("its first element is <{e}>"), None => "it holds no XML element".into() }
    )]
    NotIso20022 { first_element: Option<String> },
    #[error(
        "the file's DOCTYPE declares XML entities; spur expands none and refuses the file (entities can hide an entity bomb or read local files)"
    )]
    XmlEntities,
    #[error(
        "the file declares encoding \"{0}\"; spur reads ISO 20022 files in UTF-8 only: convert it first (iconv -f {0} -t UTF-8)"
    )]
    Encoding(String),
}

/// What a reader calls for every record: the line where it starts, and the
/// payment or why it was rejected.
pub type OnRecord<'a> = dyn FnMut(u64, Result<Payment<'_>, Reject>) -> ControlFlow<()> + 'a;

/// A source of payments in one format.
pub trait PaymentReader {
    /// Calls `on` for every record in file order with the line where the
    /// record starts and the payment or the
    /// reason it was rejected. Stops early when `on` returns
    /// `ControlFlow::Break`. An `Err` means the input itself failed (I/O).
    fn read_all(&mut self, on: &mut OnRecord<'_>) -> Result<ReadStats, InputError>;

    /// Columns (CSV) or keys (JSON Lines) that are not part of the schema,
    /// each once, in order of first appearance; for a single notice.
    fn unknown_columns(&self) -> &[String];
}

impl InputError {
    pub(crate) fn missing_columns(fields: &[Field], profile: &Profile) -> InputError {
        InputError::MissingColumns(
            fields
                .iter()
                .map(|f| match profile.column(*f) {
                    Some(export) => format!("{} (as {export:?})", f.name()),
                    None => f.name().to_owned(),
                })
                .collect(),
        )
    }
}

/// Opens `input` as `format` in the canonical schema. For CSV this reads and
/// checks the header, so a missing required column is reported before any
/// record.
pub fn open_reader(
    format: Format,
    input: Box<dyn io::Read + Send>,
) -> Result<Box<dyn PaymentReader + Send>, InputError> {
    open_reader_with(format, input, &Profile::default())
}

/// As [`open_reader`], for an export written as `profile` says.
pub fn open_reader_with(
    format: Format,
    input: Box<dyn io::Read + Send>,
    profile: &Profile,
) -> Result<Box<dyn PaymentReader + Send>, InputError> {
    Ok(match format {
        Format::Csv => Box::new(CsvPaymentReader::with_profile(input, profile.clone())?),
        Format::Jsonl => Box::new(JsonlPaymentReader::with_profile(input, profile.clone())),
        Format::Iso20022(message) => Box::new(Iso20022Reader::new(input, message)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_path() {
        let f = |p: &str| Format::from_path(Path::new(p));
        assert_eq!(f("a/b.csv"), Some(Format::Csv));
        assert_eq!(f("B.CSV"), Some(Format::Csv));
        assert_eq!(f("x.jsonl"), Some(Format::Jsonl));
        assert_eq!(f("x.ndjson"), Some(Format::Jsonl));
        assert_eq!(f("x.Json"), Some(Format::Jsonl));
        assert_eq!(f("x.XML"), Some(Format::Iso20022(None)));
        assert_eq!(f("x.txt"), None);
        assert_eq!(f("csv"), None);
    }

    #[test]
    fn format_from_content() {
        let iso = Some(Format::Iso20022(None));
        assert_eq!(Format::sniff(b"<?xml version=\"1.0\"?>"), iso);
        assert_eq!(Format::sniff(b"\xEF\xBB\xBF\r\n  <Document>"), iso);
        assert_eq!(Format::sniff(b"txn_id,timestamp"), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn messages() {
        let e = InputError::missing_columns(
            &[Field::SenderId, Field::ReceiverCountry],
            &Profile::default(),
        );
        assert_eq!(
            e.to_string(),
            "missing required columns: sender_id, receiver_country; if the export names them differently, set [input.columns]"
        );
        let e = InputError::MissingColumns(vec!["amount (as \"Betrag\")".into()]);
        assert_eq!(
            e.to_string(),
            "missing required column: amount (as \"Betrag\"); if the export names it differently, set [input.columns]"
        );
        let e = InputError::Delimiter {
            found: ';',
            set: ',',
        };
        assert_eq!(
            e.to_string(),
            "the header has one column; is the delimiter ';'? set [input] delimiter = \";\" (it is \",\")"
        );
        let r = Reject {
            line: 3,
            field: "amount",
            reason: "\"-5\" must be a positive decimal".into(),
        };
        assert_eq!(
            r.to_string(),
            "line 3: field \"amount\": \"-5\" must be a positive decimal"
        );
    }
}
