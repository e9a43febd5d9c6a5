//! The rejects file: one CSV row `file,line,field,reason` per record that
//! could not be read, so an operator can fix the source and rerun.

use std::io;

use crate::input::Reject;

/// Writes [`Reject`]s as CSV with a header row.
pub struct RejectsWriter<W: io::Write> {
    out: ::csv::Writer<W>,
    written: u64,
}

impl<W: io::Write> RejectsWriter<W> {
    /// Writes the header row `file,line,field,reason`.
    pub fn new(out: W) -> io::Result<Self> {
        let mut out = ::csv::Writer::from_writer(out);
        out.write_record(["file", "line", "field", "reason"])?;
        Ok(RejectsWriter { out, written: 0 })
    }

    /// Appends one reject found in `file`.
    pub fn write(&mut self, file: &str, reject: &Reject) -> io::Result<()> {
        let line = reject.line.to_string();
        self.out
            .write_record([file, &line, reject.field, &reject.reason])?;
        self.written += 1;
        Ok(())
    }

    /// Rejects written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and hands back the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| io::Error::new(e.error().kind(), e.error().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_header_and_rows() {
        let mut w = RejectsWriter::new(Vec::new()).unwrap();
        w.write(
            "in/pay.csv",
            &Reject {
                line: 7,
                field: "amount",
                reason: "\"-5\" must be a positive decimal".into(),
            },
        )
        .unwrap();
        w.write(
            "in/pay.csv",
            &Reject {
                line: 9,
                field: "record",
                reason: "has 3 fields, the header has 4".into(),
            },
        )
        .unwrap();
        assert_eq!(w.written(), 2);
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            out,
            "file,line,field,reason\n\
             in/pay.csv,7,amount,\"\"\"-5\"\" must be a positive decimal\"\n\
             in/pay.csv,9,record,\"has 3 fields, the header has 4\"\n"
        );
    }
}
