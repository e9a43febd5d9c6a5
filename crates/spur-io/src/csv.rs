//! Canonical payments as CSV: a header row naming the columns in any order
//! (matched ignoring case and surrounding whitespace), then one record per row.
//!
//! The hot path reads into one reused `ByteRecord` and borrows every field
//! straight out of it: no allocation per record.

use std::io;
use std::ops::ControlFlow;

use ::csv::{ByteRecord, ReaderBuilder};
use spur_engine::model::Payment;

use crate::field::{build, Field, Value, FIELD_COUNT};
use crate::input::{InputError, PaymentReader, ReadStats, Reject, WHOLE_RECORD};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads canonical payments from CSV.
pub struct CsvPaymentReader<R> {
    reader: ::csv::Reader<R>,
    /// The canonical field of each column, `None` for ignored columns.
    columns: Vec<Option<Field>>,
    unknown: Vec<String>,
    record: ByteRecord,
}

impl<R: io::Read> CsvPaymentReader<R> {
    /// Reads and checks the header row.
    pub fn new(input: R) -> Result<Self, InputError> {
        let mut reader = ReaderBuilder::new()
            .has_headers(true)
            // Field counts are checked per record, to reject rather than fail.
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
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
            let field = Field::from_name(name);
            if field.is_none() {
                unknown.push(name.to_owned());
            }
            columns.push(field);
        }
        let missing: Vec<&'static str> = Field::ALL
            .into_iter()
            .filter(|f| f.is_required() && !columns.contains(&Some(*f)))
            .map(Field::name)
            .collect();
        if !missing.is_empty() {
            return Err(InputError::MissingColumns(missing));
        }

        Ok(CsvPaymentReader {
            reader,
            columns,
            unknown,
            record: ByteRecord::new(),
        })
    }
}

impl<R: io::Read> PaymentReader for CsvPaymentReader<R> {
    fn read_all(
        &mut self,
        on: &mut dyn FnMut(Result<Payment<'_>, Reject>) -> ControlFlow<()>,
    ) -> Result<ReadStats, InputError> {
        let mut stats = ReadStats::default();
        while self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(csv_error)?
        {
            let line = self.record.position().map_or(0, |p| p.line());
            let result = decode(&self.record, &self.columns, line);
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

fn decode<'r>(
    record: &'r ByteRecord,
    columns: &[Option<Field>],
    line: u64,
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
    for (raw, column) in record.iter().zip(columns) {
        if let Some(field) = *column {
            let text = std::str::from_utf8(raw.trim_ascii()).map_err(|_| Reject {
                line,
                field: field.name(),
                reason: "is not valid UTF-8".into(),
            })?;
            values[field as usize] = Value::Text(text);
        }
    }
    build(&values, line)
}

fn csv_error(e: ::csv::Error) -> InputError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => InputError::Io(e),
        other => InputError::Csv(format!("{other:?}")),
    }
}
