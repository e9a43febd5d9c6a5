//! Aligned tables for people at a terminal: each column as wide as its widest
//! cell, numbers to the right; every cell made visible (`terminal::visible`).

use std::io::{self, Write};

use crate::terminal::visible;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Table {
    header: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[(&'static str, Align)]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; cells beyond the header's columns are dropped, missing ones empty.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.header.len())
            .map(|c| visible(c.as_ref()).into_owned())
            .collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Writes the header and the rows, columns two spaces apart; the last
    /// column is not padded.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].chars().count())
                .chain([self.header[i].0.chars().count()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
            let mut text = String::new();
            for (i, cell) in cells.enumerate() {
                let (w, align) = (widths[i], self.header[i].1);
                let last = i + 1 == widths.len();
                if i > 0 {
                    text.push_str("  ");
                }
                let pad = w.saturating_sub(cell.chars().count());
                match align {
                    Align::Right => {
                        text.extend(std::iter::repeat_n(' ', pad));
                        text.push_str(cell);
                    }
                    Align::Left => {
                        text.push_str(cell);
                        if !last {
                            text.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &mut self.header.iter().map(|h| h.0))?;
        for r in &self.rows {
            line(out, &mut r.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_as_wide_as_their_widest_cell() {
        let mut t = Table::new(&[
            ("id", Align::Right),
            ("name", Align::Left),
            ("score", Align::Right),
        ]);
        t.row(["1", "ana", "0.90"]);
        t.row(["12", "a-much-longer-name", "1.00"]);
        t.row(["3", "evil\x1b[31m", "0.5"]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::assert_snapshot!(text, @r"
        id  name                score
         1  ana                  0.90
        12  a-much-longer-name   1.00
         3  evil\x1b[31m          0.5
        ");
    }
}
