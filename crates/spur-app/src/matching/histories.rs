//! Capture histories of three to five lists, read from a CSV file for
//! `spur estimate` (docs/statistics.md): a header `history,count`, then one
//! line per observed history, `101` meaning on lists 1 and 3 (list 1
//! first). Histories not written count 0; `000` cannot be observed.

use std::path::Path;

use spur_match::MAX_LISTS;

use crate::AppError;

/// The number of lists and the counts by history (`counts[h - 1]`, the bit
/// `1 << i` for list `i + 1`), from `path`.
pub fn read(path: &Path) -> Result<(usize, Vec<u64>), AppError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Invalid(format!("{}: {e}", path.display())))?;
    let at = |line: usize, field: &str, why: String| {
        AppError::Invalid(format!("{}, line {line}, {field}: {why}", path.display()))
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == "history,count" => {}
        _ => return Err(at(1, "header", "expected `history,count`".into())),
    }
    let mut lists = 0;
    let mut counts: Vec<u64> = Vec::new();
    let mut seen = [false; 1 << MAX_LISTS];
    for (i, raw) in lines {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let Some((history, count)) = raw.split_once(',') else {
            return Err(at(line, "line", "expected `history,count`".into()));
        };
        let history = history.trim();
        if history.len() < 3
            || history.len() > MAX_LISTS
            || !history.bytes().all(|b| b == b'0' || b == b'1')
        {
            return Err(at(
                line,
                "history",
                format!("{history:?} is not 3 to {MAX_LISTS} digits of 0 and 1"),
            ));
        }
        if lists == 0 {
            lists = history.len();
            counts = vec![0; (1 << lists) - 1];
        } else if history.len() != lists {
            return Err(at(
                line,
                "history",
                format!(
                    "{history:?} has {} lists, the first line {lists}",
                    history.len()
                ),
            ));
        }
        let h = history
            .bytes()
            .enumerate()
            .fold(0usize, |h, (k, b)| h | (usize::from(b == b'1') << k));
        if h == 0 {
            return Err(at(
                line,
                "history",
                "000 (on no list) cannot be observed".into(),
            ));
        }
        if std::mem::replace(&mut seen[h], true) {
            return Err(at(line, "history", format!("{history} is given twice")));
        }
        counts[h - 1] = count
            .trim()
            .parse()
            .map_err(|e| at(line, "count", format!("{:?}: {e}", count.trim())))?;
    }
    if lists == 0 {
        return Err(at(1, "file", "no history".into()));
    }
    Ok((lists, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<(usize, Vec<u64>), String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(&p, text).unwrap();
        read(&p).map_err(|e| e.to_string())
    }

    #[test]
    fn histories_read_into_their_cells_and_bad_lines_are_named() {
        let (lists, counts) = read_text("history,count\n100,50\n010,40\n111,5\n001,30\n").unwrap();
        assert_eq!(lists, 3);
        assert_eq!(counts, [50, 40, 0, 30, 0, 0, 5]);
        for (text, says) in [
            ("h,c\n100,1\n", "line 1, header"),
            ("history,count\n10,1\n", "line 2, history"),
            ("history,count\n100,1\n1000,1\n", "line 3, history"),
            ("history,count\n000,1\n", "cannot be observed"),
            ("history,count\n100,1\n100,2\n", "given twice"),
            ("history,count\n100,x\n", "line 2, count"),
            ("history,count\n", "no history"),
        ] {
            let e = read_text(text).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }
}
