//! Amounts as written: the plain canonical decimal, an institution's own
//! writing (decimal comma, thousands separators, a currency sign), the
//! currency's decimals, and the reason a wrong one is refused.

use super::*;

/// A plain positive decimal: digits with an optional fraction (`12`, `12.50`).
/// No sign, exponent, thousands separator, `inf` or `NaN`. Also gives the
/// fraction's digits as written, for [`check_decimals`].
#[inline]
pub(super) fn parse_amount(s: &str) -> Option<(f64, &str)> {
    let b = s.as_bytes();
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let frac = match &b[int_len..] {
        [] => &[][..],
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
        _ => return None,
    };
    if int_len == 0 {
        return None;
    }
    // Clinger's fast path: with at most 15 digits the mantissa is exact in an
    // f64, so is 10^k for k <= 22, and one division rounds correctly.
    let n = if int_len + frac.len() <= 15 {
        let mantissa = b[..int_len]
            .iter()
            .chain(frac)
            .fold(0u64, |m, &c| m * 10 + u64::from(c - b'0'));
        mantissa as f64 / POW10[frac.len()]
    } else {
        s.parse().ok()?
    };
    (n.is_finite() && n > 0.0).then_some((n, &s[s.len() - frac.len()..]))
}

/// How an amount was written, for [`check_decimals`].
#[derive(Clone, Copy)]
pub(super) enum Written<'a> {
    /// A JSON number: its decimals are those of the shortest text that reads
    /// back as the same number.
    Number(f64),
    /// Text: the whole value, the digits after the decimal separator, and
    /// whether thousands separators grouped the whole units.
    Text(&'a str, &'a str, bool),
}

/// An amount written with the profile's separators (`1.234,50`), or `None`.
/// Groups of thousands must be whole: one to three digits, then groups of
/// three (`12.34,5` is refused, it was not written by a thousands rule).
pub(super) fn parse_local_amount(
    s: &str,
    decimal: char,
    thousands: Thousands,
) -> Option<(f64, &str, bool)> {
    let (int, frac) = match s.split_once(decimal) {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()) => {
            (int, frac)
        }
        Some(_) => return None,
        None => (s, ""),
    };
    // The amount without separators, on the stack: no allocation per record.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut push = |part: &str| -> Option<()> {
        let end = len + part.len();
        buf.get_mut(len..end)?.copy_from_slice(part.as_bytes());
        len = end;
        Some(())
    };
    let mut grouped = false;
    match thousands {
        Thousands::Char(t) if int.contains(t) => {
            let mut groups = int.split(t);
            let first = groups.next()?;
            if first.is_empty() || first.len() > 3 || !first.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            push(first)?;
            for g in groups {
                if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                push(g)?;
            }
            grouped = true;
        }
        _ if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) => return None,
        _ => push(int)?,
    }
    if !frac.is_empty() {
        push(".")?;
        push(frac)?;
    }
    // Only ASCII digits and a point went in.
    let digits = std::str::from_utf8(&buf[..len]).ok()?;
    let (n, _) = parse_amount(digits)?;
    Some((n, frac, grouped))
}

/// Why an amount text is not one: what was expected, and which profile key
/// would read it if the export writes amounts differently.
pub(super) fn amount_reason(s: &str, profile: &Profile) -> String {
    let d = profile.decimal;
    let mut reason = quoted(s, " must be a positive decimal");
    if profile.fixed {
        return reason;
    }
    let digits_around = |sep: char| {
        let parts: Vec<&str> = s.split(sep).collect();
        parts.len() >= 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    };
    let other = if d == '.' { ',' } else { '.' };
    if profile.thousands == Thousands::Char(other) || !s.contains(other) {
        match profile.thousands {
            Thousands::Char(t) => {
                let _ = write!(
                    reason,
                    " (decimal separator {d:?}, thousands separator {t:?})"
                );
            }
            _ if d != '.' => {
                let _ = write!(reason, " (decimal separator {d:?})");
            }
            _ => {}
        }
        return reason;
    }
    let groups_of_three = {
        let int = s.split(d).next().unwrap_or("");
        let parts: Vec<&str> = int.split(other).collect();
        parts.len() >= 2
            && (1..=3).contains(&parts[0].len())
            && parts[1..].iter().all(|p| p.len() == 3)
    };
    if digits_around(other) && !groups_of_three {
        let _ = write!(
            reason,
            "; is '{other}' the decimal separator? set [input] decimal_separator = \"{other}\""
        );
    } else {
        let _ = write!(
            reason,
            "; is '{other}' a thousands separator? set [input] thousands_separator = \"{other}\""
        );
    }
    reason
}

/// Refuses an amount written with more decimals than its currency has
/// (ISO 4217 minor units, `spur_engine::money::MINOR_UNITS`): `3.500` EUR
/// was most likely 3500 with `.` grouping thousands, and would be read 1000
/// times too small. Trailing zeros past the minor unit are padding
/// (`1500.00` JPY) unless they make a group of three that the profile has
/// not ruled out as thousands. A currency the table does not know is not
/// checked.
#[inline]
pub(super) fn check_decimals(
    written: Written<'_>,
    currency: Currency,
    profile: &Profile,
) -> Result<(), String> {
    let decimals = match written {
        Written::Text(_, frac, _) => frac.len(),
        Written::Number(n) => number_decimals(n),
    };
    if decimals == 0 {
        return Ok(());
    }
    let Some(minor) = minor_units(currency) else {
        return Ok(());
    };
    let minor = usize::from(minor);
    if decimals <= minor {
        return Ok(());
    }
    let (s, frac, grouped) = match written {
        Written::Text(s, frac, grouped) => (s, frac, grouped),
        Written::Number(n) => {
            // A JSON number is a binary float: 0.30000000000000004 is 0.30
            // computed by a program, not a finer amount.
            let scaled = n * 10f64.powi(minor as i32);
            if (scaled - scaled.round()).abs() <= 1e-6 + scaled.abs() * 1e-12 {
                return Ok(());
            }
            return Err(format!(
                "{n} has {decimals} decimal{} but {currency} has {minor} (ISO 4217); an amount finer than the currency's smallest unit is not a payment",
                if decimals == 1 { "" } else { "s" }
            ));
        }
    };
    let int_digits = s.len() - frac.len() - profile.decimal.len_utf8();
    // Could the decimal separator have been a thousands separator?
    let maybe_thousands = decimals == 3
        && !grouped
        && profile.thousands == Thousands::Unstated
        && (1..=3).contains(&int_digits);
    if maybe_thousands {
        let key = if profile.fixed {
            ""
        } else {
            " set [input] thousands_separator"
        };
        return Err(quoted(
            s,
            &format!(
                " has 3 decimals but {currency} has {minor}; is '{}' a thousands separator?{key}",
                profile.decimal
            ),
        ));
    }
    if frac.as_bytes()[minor..].iter().all(|&c| c == b'0') {
        return Ok(());
    }
    Err(quoted(
        s,
        &format!(
            " has {decimals} decimal{} but {currency} has {minor} (ISO 4217); an amount finer than the currency's smallest unit is not a payment",
            if decimals == 1 { "" } else { "s" }
        ),
    ))
}

/// The decimals of a JSON number as the shortest text that reads back as it.
pub(crate) fn number_decimals(n: f64) -> usize {
    struct Count {
        after_point: Option<usize>,
    }
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for c in s.bytes() {
                match (&mut self.after_point, c) {
                    (None, b'.') => self.after_point = Some(0),
                    (Some(k), _) => *k += 1,
                    _ => {}
                }
            }
            Ok(())
        }
    }
    let mut count = Count { after_point: None };
    let _ = write!(count, "{n}");
    count.after_point.unwrap_or(0)
}
