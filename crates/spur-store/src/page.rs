//! Cursor paging for the lists (alerts, cases, reports, users, the audit
//! log): a page is at most `limit` items in the list's fixed order, and its
//! `next_cursor` encodes the sort key of the page's last item, so the next
//! page starts right after it (keyset paging, never an OFFSET): rows added
//! or changed between two pages neither repeat nor hide the others.
//!
//! A cursor is opaque to clients: hex of `LIST|KEY...`. Decoding checks the
//! list it was made for, so a cursor of one list given to another, or one
//! edited by hand, is [`StoreError::BadCursor`], not a panic or a wrong page.

use serde::Serialize;

use crate::error::StoreError;

/// Items per page when the caller does not say.
pub const DEFAULT_LIMIT: usize = 50;
/// The most items one page holds.
pub const MAX_LIMIT: usize = 500;

/// Which page of a list: its size and where it starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when `None`.
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before; `None` for the first page.
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn first(limit: usize) -> PageRequest {
        PageRequest {
            limit: Some(limit),
            cursor: None,
        }
    }

    /// The page size, checked.
    pub(crate) fn size(&self) -> Result<usize, StoreError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(StoreError::Invalid(format!(
                "limit {n}: a page holds 1 to {MAX_LIMIT} items"
            ))),
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Give it back as the cursor for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from up to `size + 1` rows read (the one more tells whether
    /// another page follows), with `key` writing an item's cursor.
    pub(crate) fn from_rows(
        mut rows: Vec<T>,
        size: usize,
        list: &str,
        key: impl Fn(&T) -> Vec<String>,
    ) -> Page<T> {
        let more = rows.len() > size;
        rows.truncate(size);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(encode(list, &key(last))),
            _ => None,
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

fn encode(list: &str, key: &[String]) -> String {
    let mut plain = String::from(list);
    for k in key {
        plain.push('|');
        plain.push_str(k);
    }
    crate::audit::hex(plain.as_bytes())
}

/// The key parts of a cursor made for `list`, `parts` of them.
pub(crate) fn decode(cursor: &str, list: &str, parts: usize) -> Result<Vec<String>, StoreError> {
    let bad = |why: &str| StoreError::BadCursor(format!("{}: {why}", shorten(cursor)));
    let bytes = unhex(cursor).ok_or_else(|| bad("not a cursor spur gave out"))?;
    let plain = String::from_utf8(bytes).map_err(|_| bad("not a cursor spur gave out"))?;
    let mut fields = plain.split('|');
    if fields.next() != Some(list) {
        return Err(bad(&format!("not a cursor of the {list} list")));
    }
    let key: Vec<String> = fields.map(str::to_owned).collect();
    if key.len() != parts {
        return Err(bad("not a cursor spur gave out"));
    }
    Ok(key)
}

/// A cursor's key part as an integer id.
pub(crate) fn int(cursor: &str, part: &str) -> Result<i64, StoreError> {
    part.parse().map_err(|_| {
        StoreError::BadCursor(format!("{}: not a cursor spur gave out", shorten(cursor)))
    })
}

/// An f64 as its exact bits, so that the next page starts at the very score.
pub(crate) fn f64_key(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

pub(crate) fn f64_from_key(cursor: &str, part: &str) -> Result<f64, StoreError> {
    let bad = || StoreError::BadCursor(format!("{}: not a cursor spur gave out", shorten(cursor)));
    let v = u64::from_str_radix(part, 16)
        .map(f64::from_bits)
        .map_err(|_| bad())?;
    if part.len() != 16 || !v.is_finite() {
        return Err(bad());
    }
    Ok(v)
}

/// Enough of a bad cursor to recognise it in a message, not all of a long one.
fn shorten(cursor: &str) -> String {
    let mut s: String = cursor.chars().take(24).collect();
    if cursor.chars().count() > 24 {
        s.push_str("...");
    }
    format!("cursor {s:?}")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 == 1 || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_typed_errors() {
        let c = encode("alerts", &[f64_key(0.75), "12".into()]);
        let key = decode(&c, "alerts", 2).unwrap();
        assert_eq!(f64_from_key(&c, &key[0]).unwrap(), 0.75);
        assert_eq!(int(&c, &key[1]).unwrap(), 12);
        let check = |cursor: &str, list: &str, parts: usize| {
            let e = decode(cursor, list, parts).unwrap_err();
            assert_eq!(e.code(), "bad_cursor", "{cursor}: {e}");
        };
        check(&c, "cases", 1);
        check(&c, "alerts", 1);
        check("", "alerts", 2);
        check("zz", "alerts", 2);
        check("abc", "alerts", 2);
        check("ä", "alerts", 2);
        check("ff", "alerts", 2);
        let odd = encode("alerts", &["xyz".into(), "1".into()]);
        let key = decode(&odd, "alerts", 2).unwrap();
        assert_eq!(
            f64_from_key(&odd, &key[0]).unwrap_err().code(),
            "bad_cursor"
        );
        let nan = encode("alerts", &[f64_key(f64::NAN), "1".into()]);
        let key = decode(&nan, "alerts", 2).unwrap();
        assert_eq!(
            f64_from_key(&nan, &key[0]).unwrap_err().code(),
            "bad_cursor"
        );
        let id = encode("cases", &["x".into()]);
        let key = decode(&id, "cases", 1).unwrap();
        assert_eq!(int(&id, &key[0]).unwrap_err().code(), "bad_cursor");
    }

    #[test]
    fn limits() {
        let check = |limit: Option<usize>, expected: Option<usize>| {
            let p = PageRequest {
                limit,
                cursor: None,
            };
            assert_eq!(p.size().ok(), expected, "{limit:?}");
        };
        check(None, Some(DEFAULT_LIMIT));
        check(Some(1), Some(1));
        check(Some(MAX_LIMIT), Some(MAX_LIMIT));
        check(Some(0), None);
        check(Some(MAX_LIMIT + 1), None);
    }
}
