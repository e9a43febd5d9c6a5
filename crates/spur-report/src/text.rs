//! Text as goAML schemas accept it: XML-legal characters, maximum lengths,
//! names split into first and last, names folded to basic Latin, dates, amounts.

use std::borrow::Cow;

use spur_engine::time::civil_from_days;
use spur_engine::Timestamp;

/// Drops characters XML 1.0 cannot carry (most control characters,
/// U+FFFE, U+FFFF) and turns CR LF and CR into LF, as an XML parser would.
pub fn xml_legal(s: &str) -> Cow<'_, str> {
    let legal = |c: char| matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if s.chars().all(legal) {
        return Cow::Borrowed(s);
    }
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    Cow::Owned(s.chars().filter(|&c| legal(c)).collect())
}

/// At most `max` characters (as XSD counts them: code points). Longer text is cut
/// and ends in `...`, so a reader sees that something is missing.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    const MARK: &str = "...";
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    if max < MARK.len() {
        return Cow::Owned(s.chars().take(max).collect());
    }
    let keep = max - MARK.len();
    let mut out: String = s.chars().take(keep).collect();
    out.truncate(out.trim_end().len());
    out.push_str(MARK);
    debug_assert!(out.chars().count() <= max);
    Cow::Owned(out)
}

/// A person's name split for goAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName {
    pub first: String,
    pub last: String,
}

/// Splits `Last, First` or `First [Middle] Last`. A name with characters no
/// person's name has (digits, `@`, `&`, ...) or with a single word does not parse.
pub fn split_name(name: &str) -> Option<PersonName> {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let namelike = |s: &str| {
        s.chars().any(char::is_alphabetic)
            && s.chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-' | '’'))
    };
    let (first, last) = match name.split_once(',') {
        Some((last, first)) => (words(first), words(last)),
        None => {
            let all = words(name);
            let (first, last) = all.rsplit_once(' ')?;
            (first.to_string(), last.to_string())
        }
    };
    (namelike(&first) && namelike(&last)).then_some(PersonName { first, last })
}

/// Folds a name to `[a-zA-Z0-9 .'-]`: `Peña` → `Pena`, `Straße` → `Strasse`;
/// other characters become spaces, runs of spaces one space.
pub fn fold_basic_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '\'' | '-' => out.push(c),
            '’' | '‘' | '`' => out.push('\''),
            '‐' | '‑' | '–' | '—' => out.push('-'),
            _ => {
                let lower = c.to_lowercase().next().unwrap_or(c);
                match fold_letter(lower) {
                    Some(f) if c.is_uppercase() => {
                        let mut chars = f.chars();
                        if let Some(head) = chars.next() {
                            out.push(head.to_ascii_uppercase());
                        }
                        out.push_str(chars.as_str());
                    }
                    Some(f) => out.push_str(f),
                    None => out.push(' '),
                }
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẽ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// `YYYY-MM-DDThh:mm:ss` (UTC), for years goAML accepts (1753 to 9999).
pub fn sql_date(ts: Timestamp) -> Option<String> {
    const DAY: i64 = 86_400;
    let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
    if !(1753..=9999).contains(&y) {
        return None;
    }
    let s = ts.rem_euclid(DAY);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    ))
}

/// A non-negative amount as goAML's `sql_decimal`: at most 8 decimals (crypto
/// needs 8), no trailing zeros, no exponent, within ±7.9e15.
pub fn decimal(x: f64) -> Option<String> {
    if !(0.0..=7.9e15).contains(&x) {
        return None;
    }
    let mut s = format!("{x:.8}");
    s.truncate(s.trim_end_matches('0').trim_end_matches('.').len());
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(first: &str, last: &str) -> Option<PersonName> {
        Some(PersonName {
            first: first.into(),
            last: last.into(),
        })
    }

    #[test]
    fn names_split() {
        let cases = [
            ("Cruz, Maria", name("Maria", "Cruz")),
            ("Maria  Luz Cruz", name("Maria Luz", "Cruz")),
            ("J. Santos", name("J.", "Santos")),
            ("O'Brien, Seán", name("Seán", "O'Brien")),
            ("Peña Nieto, José", name("José", "Peña Nieto")),
            ("Madonna", None),
            ("", None),
            ("@kiddo99 fan", None),
            ("Tom & Jerry", None),
            ("Shop 24", None),
            (", Maria", None),
        ];
        for (input, expected) in cases {
            assert_eq!(split_name(input), expected, "{input}");
        }
    }

    #[test]
    fn names_fold() {
        let cases = [
            ("Peña", "Pena"),
            ("Straße", "Strasse"),
            ("Łukasz Żółć", "Lukasz Zolc"),
            ("Ægir", "Aegir"),
            ("O’Brien", "O'Brien"),
            ("Tom & Jerry <x>", "Tom Jerry x"),
            ("李小龙", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_basic_latin(input), expected, "{input}");
        }
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("Peña", 4), "Peña");
        assert_eq!(clip("ñññññ", 4), "ñ...");
        assert_eq!(clip("ab   cdef", 6), "ab...");
        assert_eq!(clip("abcdef", 2), "ab");
    }

    #[test]
    fn xml_legal_drops_control_characters() {
        assert_eq!(xml_legal("a\u{0}b\u{1b}c\r\nd\re\tf"), "abc\nd\ne\tf");
        assert!(matches!(xml_legal("plain <&>"), Cow::Borrowed(_)));
    }

    #[test]
    fn dates() {
        assert_eq!(sql_date(0).as_deref(), Some("1970-01-01T00:00:00"));
        assert_eq!(
            sql_date(1_767_647_643).as_deref(),
            Some("2026-01-05T21:14:03")
        );
        assert_eq!(sql_date(-7_000_000_000), None); // 1748
        assert_eq!(sql_date(i64::MAX / 2), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(decimal(25.0).as_deref(), Some("25"));
        assert_eq!(decimal(25.5).as_deref(), Some("25.5"));
        assert_eq!(decimal(0.1 + 0.2).as_deref(), Some("0.3"));
        assert_eq!(decimal(0.00012345).as_deref(), Some("0.00012345"));
        assert_eq!(decimal(1e15).as_deref(), Some("1000000000000000"));
        assert_eq!(decimal(-1.0), None);
        assert_eq!(decimal(f64::NAN), None);
        assert_eq!(decimal(1e16), None);
    }
}
