//! RFC 3339 times to and from [`Timestamp`]s, without a date library.
//!
//! Parsing accepts what payment exports actually contain: `T`, `t` or a space
//! between date and time, optional fractional seconds (truncated: spur works in
//! whole seconds), and `Z`, `z` or `±hh:mm` offsets. Formatting always writes
//! UTC with a `Z`, e.g. `2026-01-05T21:14:03Z`.

use std::fmt;

use spur_engine::model::Timestamp;

/// Ends a canonical time's reject in the formats a profile can describe
/// (CSV, JSON Lines), not in fixed ones (ISO 20022, `Profile::fixed`).
pub(crate) const TIME_FORMAT_HINT: &str =
    "; if the export writes times differently, set [input] timestamp_format";

/// Parses an RFC 3339 date-time into seconds since the epoch, UTC.
///
/// The error is a short reason (`"month out of range"`) for a reject message.
/// A leap second (`:60`) is accepted and counts as the first second of the
/// next minute.
pub fn parse_rfc3339(s: &[u8]) -> Result<Timestamp, &'static str> {
    match parse_time(s)? {
        (_, true) => Err("missing time zone offset (Z or ±hh:mm)"),
        (ts, false) => Ok(ts),
    }
}

/// As [`parse_rfc3339`], and more lenient, as payment exports are: the
/// offset may also be written `±hhmm` or `±hh` (ISO 8601), or be missing,
/// in which case the time is read as UTC and the flag returned is `true`.
pub fn parse_time(s: &[u8]) -> Result<(Timestamp, bool), &'static str> {
    let (local, offset) = parse_local(s)?;
    Ok(match offset {
        Some(offset) => (local - offset, false),
        None => (local, true),
    })
}

/// The date and time of an RFC 3339 text as seconds since the epoch as if it
/// were UTC, and its offset in seconds, if it has one.
#[inline]
fn parse_local(s: &[u8]) -> Result<(i64, Option<i64>), &'static str> {
    // YYYY-MM-DDThh:mm:ss is 19 bytes.
    if s.len() < 19 {
        return Err("too short");
    }
    let year = digits(s, 0, 4).ok_or("bad year")?;
    if s[4] != b'-' || s[7] != b'-' {
        return Err("expected YYYY-MM-DD");
    }
    let month = digits(s, 5, 2).ok_or("bad month")?;
    let day = digits(s, 8, 2).ok_or("bad day")?;
    if !matches!(s[10], b'T' | b't' | b' ') {
        return Err("expected T between date and time");
    }
    let hour = digits(s, 11, 2).ok_or("bad hour")?;
    if s[13] != b':' || s[16] != b':' {
        return Err("expected hh:mm:ss");
    }
    let minute = digits(s, 14, 2).ok_or("bad minute")?;
    let second = digits(s, 17, 2).ok_or("bad second")?;

    if !(1..=12).contains(&month) {
        return Err("month out of range");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day out of range");
    }
    if hour > 23 {
        return Err("hour out of range");
    }
    if minute > 59 {
        return Err("minute out of range");
    }
    if second > 60 {
        return Err("second out of range");
    }

    let mut i = 19;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err("no digits after decimal point");
        }
    }
    let hours_minutes = |sign: u8, h: [u8; 2], m: [u8; 2]| {
        let oh = digits(&h, 0, 2).ok_or("bad offset")?;
        let om = digits(&m, 0, 2).ok_or("bad offset")?;
        if oh > 23 || om > 59 {
            return Err("offset out of range");
        }
        let secs = i64::from(oh * 3600 + om * 60);
        Ok(if sign == b'-' { -secs } else { secs })
    };
    let offset = match &s[i..] {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            Some(hours_minutes(*sign, [*h1, *h2], [*m1, *m2])?)
        }
        [sign @ (b'+' | b'-'), h1, h2] => Some(hours_minutes(*sign, [*h1, *h2], *b"00")?),
        [] => None,
        _ => return Err("bad time zone offset"),
    };

    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Ok((local, offset))
}

/// Writes `ts` as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_rfc3339(ts: Timestamp, out: &mut impl fmt::Write) -> fmt::Result {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        y,
        m,
        d,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `ts` as an RFC 3339 string in UTC, e.g. `2026-01-05T21:14:03Z`.
pub fn rfc3339(ts: Timestamp) -> String {
    let mut s = String::with_capacity(20);
    // Writing to a String cannot fail.
    let _ = format_rfc3339(ts, &mut s);
    s
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in s.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

// `u32::is_multiple_of` is newer than the workspace's minimum Rust (1.80).
#[allow(clippy::manual_is_multiple_of)]
fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// One layout of `[input] timestamp_format`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    /// The canonical parser ([`parse_time`]).
    Rfc3339,
    /// A strftime-like pattern, parsed by jiff's `strtime`.
    Strftime(String),
}

impl TimeFormat {
    /// Checks a layout: it must give back the date, hour and minute of a
    /// sample time it wrote (a layout without them, or one jiff cannot
    /// parse, would lose or invent the hour-of-day the indicators read).
    pub(crate) fn new(layout: &str) -> Result<TimeFormat, String> {
        if layout.eq_ignore_ascii_case("rfc3339") {
            return Ok(TimeFormat::Rfc3339);
        }
        let bad = |why: String| format!("{layout:?} {why}");
        // A day above 12 and an hour above 12: %m/%d swapped or %I without
        // %p do not round-trip.
        let sample = jiff::civil::DateTime::new(2026, 11, 28, 21, 47, 0, 0)
            .map_err(|e| bad(e.to_string()))?;
        let zoned = sample
            .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(1)))
            .map_err(|e| bad(e.to_string()))?;
        let text = jiff::fmt::strtime::format(layout, &zoned)
            .map_err(|e| bad(format!("is not a layout spur can use: {e}")))?;
        let tm = jiff::fmt::strtime::parse(layout, &text)
            .map_err(|e| bad(format!("cannot read back what it writes ({text:?}): {e}")))?;
        match tm.to_datetime() {
            Ok(back) if back == sample => Ok(TimeFormat::Strftime(layout.to_owned())),
            Ok(back) => Err(bad(format!(
                "loses part of the date or time (2026-11-28 21:47 reads back as {back}); it needs the day, month, year, hour and minute"
            ))),
            Err(_) => Err(bad(
                "needs the day, month, year, hour and minute (e.g. \"%d.%m.%Y %H:%M\")".into(),
            )),
        }
    }
}

impl std::fmt::Display for TimeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeFormat::Rfc3339 => f.write_str("rfc3339"),
            TimeFormat::Strftime(s) => f.write_str(s),
        }
    }
}

/// The time zone of `[input] time_zone`.
#[derive(Clone, Debug)]
pub(crate) struct Zone {
    name: String,
    /// A fixed offset in seconds, read without the zone database.
    fixed: Option<i64>,
    tz: jiff::tz::TimeZone,
}

impl Zone {
    /// `UTC`, a fixed offset (`+01:00`, `-0530`, `+03`, optionally after
    /// `UTC`), or an IANA zone name looked up in the time zone database.
    pub(crate) fn new(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        let rest = name
            .strip_prefix("UTC")
            .or_else(|| name.strip_prefix("GMT"))
            .unwrap_or(name);
        let fixed = if rest.is_empty() || rest == "Z" {
            Some(0)
        } else {
            fixed_offset(rest.as_bytes())
        };
        let tz = match fixed {
            Some(secs) => jiff::tz::TimeZone::fixed(
                jiff::tz::Offset::from_seconds(secs as i32).map_err(|e| e.to_string())?,
            ),
            None => jiff::tz::TimeZone::get(name).map_err(|_| {
                format!(
                    "{name:?} is neither a UTC offset (+01:00) nor a time zone of the IANA database (Europe/Berlin)"
                )
            })?,
        };
        Ok(Zone {
            name: name.to_owned(),
            fixed,
            tz,
        })
    }

    /// The instant of a local time given as seconds since the epoch as if it
    /// were UTC; `true` when it happened twice and `ambiguous` chose.
    fn to_utc(
        &self,
        local: i64,
        ambiguous: crate::profile::AmbiguousTime,
    ) -> Result<(Timestamp, bool), String> {
        use crate::profile::AmbiguousTime;
        use jiff::tz::AmbiguousOffset;
        if let Some(offset) = self.fixed {
            return Ok((local - offset, false));
        }
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // A leap second is looked up as the second before it.
        let dt = jiff::civil::DateTime::new(
            y as i16,
            m as i8,
            d as i8,
            (secs / 3600) as i8,
            (secs / 60 % 60) as i8,
            (secs % 60).min(59) as i8,
            0,
        )
        .map_err(|_| " is outside the years the time zone database covers".to_owned())?;
        match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                Ok((local - i64::from(offset.seconds()), false))
            }
            AmbiguousOffset::Gap { before, after } => Err(format!(
                " never happened in {}: the clocks jumped from {} to {}; check [input] time_zone",
                self.name,
                offset_text(before.seconds()),
                offset_text(after.seconds())
            )),
            AmbiguousOffset::Fold { before, after } => match ambiguous {
                AmbiguousTime::Earlier => Ok((local - i64::from(before.seconds()), true)),
                AmbiguousTime::Later => Ok((local - i64::from(after.seconds()), true)),
                AmbiguousTime::Reject => Err(format!(
                    " happened twice in {} (at {} and at {}); [input] ambiguous_time = \"earlier\" or \"later\" reads it",
                    self.name,
                    offset_text(before.seconds()),
                    offset_text(after.seconds())
                )),
            },
        }
    }
}

/// `+hh:mm`, `+hhmm` or `+hh` in seconds.
fn fixed_offset(s: &[u8]) -> Option<i64> {
    let (sign, h, m) = match s {
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            (*sign, [*h1, *h2], [*m1, *m2])
        }
        [sign @ (b'+' | b'-'), h1, h2] => (*sign, [*h1, *h2], *b"00"),
        [sign @ (b'+' | b'-'), h] => (*sign, [b'0', *h], *b"00"),
        _ => return None,
    };
    let h = digits(&h, 0, 2)?;
    let m = digits(&m, 0, 2)?;
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i64::from(h * 3600 + m * 60);
    Some(if sign == b'-' { -secs } else { secs })
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60)
}

/// What a profile's time layouts and zone make of a time text.
#[derive(Clone, Debug)]
pub(crate) struct Times {
    /// Empty for the canonical format (RFC 3339, no zone).
    formats: Vec<TimeFormat>,
    zone: Option<Zone>,
    ambiguous: crate::profile::AmbiguousTime,
}

/// What a reader counts of the times it read, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TimeNotes {
    /// A time had no offset and no zone: read as UTC.
    pub naive: bool,
    /// A local time happened twice; `ambiguous_time` chose.
    pub ambiguous: bool,
}

impl Times {
    pub(crate) const CANONICAL: Times = Times {
        formats: Vec::new(),
        zone: None,
        ambiguous: crate::profile::AmbiguousTime::Earlier,
    };

    pub(crate) fn new(
        formats: Vec<TimeFormat>,
        zone: Option<Zone>,
        ambiguous: crate::profile::AmbiguousTime,
    ) -> Times {
        if zone.is_none() && formats == [TimeFormat::Rfc3339] {
            return Times {
                ambiguous,
                ..Times::CANONICAL
            };
        }
        Times {
            formats,
            zone,
            ambiguous,
        }
    }

    /// RFC 3339 with no zone: what no `[input]` key was given for.
    pub(crate) fn is_canonical(&self) -> bool {
        self.formats.is_empty()
    }

    /// The instant `s` stands for. The error completes a reason that starts
    /// with the quoted value, and names the profile key to change.
    #[inline]
    pub(crate) fn parse(&self, s: &str, notes: &mut TimeNotes) -> Result<Timestamp, String> {
        if self.formats.is_empty() {
            return match parse_time(s.as_bytes()) {
                Ok((ts, naive)) => {
                    notes.naive |= naive;
                    Ok(ts)
                }
                Err(why) => Err(format!(" is not an RFC 3339 time ({why})")),
            };
        }
        let mut first_error = None;
        for format in &self.formats {
            let parsed = match format {
                TimeFormat::Rfc3339 => parse_local(s.as_bytes()).map_err(str::to_owned),
                TimeFormat::Strftime(layout) => strftime_local(layout, s),
            };
            match parsed {
                Ok((local, Some(offset))) => return Ok(local - offset),
                Ok((local, None)) => return self.local(local, notes),
                Err(why) => {
                    first_error.get_or_insert((format, why));
                }
            }
        }
        let (format, why) = first_error.unwrap_or((&TimeFormat::Rfc3339, String::new()));
        let more = if self.formats.len() > 1 {
            format!(" (nor any of the {} layouts)", self.formats.len())
        } else {
            String::new()
        };
        Err(format!(
            " does not match [input] timestamp_format \"{format}\"{more}: {why}"
        ))
    }

    /// A local time without an offset: in the profile's zone, or UTC.
    fn local(&self, local: i64, notes: &mut TimeNotes) -> Result<Timestamp, String> {
        match &self.zone {
            None => {
                notes.naive = true;
                Ok(local)
            }
            Some(zone) => {
                let (ts, ambiguous) = zone.to_utc(local, self.ambiguous)?;
                notes.ambiguous |= ambiguous;
                Ok(ts)
            }
        }
    }
}

/// A time read with a strftime-like layout: local seconds as if UTC, and the
/// offset if the layout has one (`%z`, or `%Q` for a zone name).
fn strftime_local(layout: &str, s: &str) -> Result<(i64, Option<i64>), String> {
    let tm = jiff::fmt::strtime::parse(layout, s).map_err(|e| short_jiff_error(&e))?;
    let dt = tm.to_datetime().map_err(|e| short_jiff_error(&e))?;
    let local = days_from_civil(i64::from(dt.year()), dt.month() as u32, dt.day() as u32) * 86_400
        + i64::from(dt.hour()) * 3600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second());
    if let Some(offset) = tm.offset() {
        return Ok((local, Some(i64::from(offset.seconds()))));
    }
    if tm.iana_time_zone().is_some() {
        let zoned = tm.to_zoned_datetime().map_err(|e| short_jiff_error(&e))?;
        return Ok((local, Some(i64::from(zoned.offset().seconds()))));
    }
    Ok((local, None))
}

/// jiff's message without its "strptime parsing failed: " lead.
fn short_jiff_error(e: &jiff::Error) -> String {
    let s = e.to_string();
    match s.strip_prefix("strptime parsing failed: ") {
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<Timestamp, &str>) {
        assert_eq!(parse_rfc3339(input.as_bytes()), expected, "input {input:?}");
    }

    #[test]
    fn a_time_without_offset_reads_as_utc_and_says_so() {
        let t = |s: &str| parse_time(s.as_bytes());
        assert_eq!(t("2026-01-05T21:14:03"), Ok((1_767_647_643, true)));
        assert_eq!(t("2026-01-05 21:14:03.250"), Ok((1_767_647_643, true)));
        assert_eq!(t("2026-01-05T21:14:03Z"), Ok((1_767_647_643, false)));
        assert_eq!(t("2026-01-05T22:14:03+0100"), Ok((1_767_647_643, false)));
        assert_eq!(t("2026-01-05T21:14"), Err("too short"));
    }

    #[test]
    fn parses() {
        check("1970-01-01T00:00:00Z", Ok(0));
        check("2026-01-05T21:14:03Z", Ok(1_767_647_643));
        check("2026-01-05t21:14:03z", Ok(1_767_647_643));
        check("2026-01-05 21:14:03Z", Ok(1_767_647_643));
        check("2026-01-05T21:14:03.999999Z", Ok(1_767_647_643));
        check("2026-01-05T22:14:03+01:00", Ok(1_767_647_643));
        check("2026-01-05T16:44:03-04:30", Ok(1_767_647_643));
        check("2026-01-05T21:14:03-00:00", Ok(1_767_647_643));
        check("1969-12-31T23:59:59Z", Ok(-1));
        check("1969-12-31T23:59:59.5Z", Ok(-1));
        check("2024-02-29T00:00:00Z", Ok(1_709_164_800));
        check("2000-02-29T00:00:00Z", Ok(951_782_400));
        check("2016-12-31T23:59:60Z", Ok(1_483_228_800));
    }

    #[test]
    fn rejects() {
        check("", Err("too short"));
        check("2026-01-05", Err("too short"));
        check("2026-13-05T21:14:03Z", Err("month out of range"));
        check("2026-00-05T21:14:03Z", Err("month out of range"));
        check("2026-01-32T21:14:03Z", Err("day out of range"));
        check("2026-01-00T21:14:03Z", Err("day out of range"));
        check("2025-02-29T00:00:00Z", Err("day out of range"));
        check("1900-02-29T00:00:00Z", Err("day out of range"));
        check("2026-04-31T00:00:00Z", Err("day out of range"));
        check("2026-01-05T24:00:00Z", Err("hour out of range"));
        check("2026-01-05T23:60:00Z", Err("minute out of range"));
        check("2026-01-05T23:59:61Z", Err("second out of range"));
        check(
            "2026-01-05T21:14:03",
            Err("missing time zone offset (Z or ±hh:mm)"),
        );
        check(
            "2026-01-05T21:14:03.5",
            Err("missing time zone offset (Z or ±hh:mm)"),
        );
        check("2026-01-05T21:1", Err("too short"));
        check(
            "2026-01-05T21:14:03.Z",
            Err("no digits after decimal point"),
        );
        check("2026-01-05T21:14:03+0100", Ok(1_767_647_643 - 3600));
        check("2026-01-05T21:14:03-05", Ok(1_767_647_643 + 5 * 3600));
        check("2026-01-05T21:14:03+1", Err("bad time zone offset"));
        check("2026-01-05T21:14:03+01:0", Err("bad offset"));
        check("2026-01-05T21:14:03+24:00", Err("offset out of range"));
        check("2026-01-05T21:14:03+01:60", Err("offset out of range"));
        check("2026-01-05T21:14:03ZZ", Err("bad time zone offset"));
        check("2026/01/05T21:14:03Z", Err("expected YYYY-MM-DD"));
        check(
            "2026-01-05X21:14:03Z",
            Err("expected T between date and time"),
        );
        check("2026-01-05T21.14.03Z", Err("expected hh:mm:ss"));
        check("20x6-01-05T21:14:03Z", Err("bad year"));
        check("+026-01-05T21:14:03Z", Err("bad year"));
        check("2026-01-05T21:14:0xZ", Err("bad second"));
    }

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_647_643), "2026-01-05T21:14:03Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(
            // 1900-01-01T00:00:00Z ..= 2200-12-31T23:59:59Z
            ts in -2_208_988_800i64..=7_289_567_999i64
        ) {
            let s = rfc3339(ts);
            prop_assert_eq!(parse_rfc3339(s.as_bytes()), Ok(ts), "{}", s);
        }

        #[test]
        fn never_panics(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = parse_rfc3339(&s);
        }

        #[test]
        fn never_panics_near_valid(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})?") {
            if let Ok(ts) = parse_rfc3339(s.as_bytes()) {
                // Any accepted time lies within the years 0000..=9999, give or take an offset.
                prop_assert!((-62_167_219_200 - 86_400..=253_402_300_800 + 86_400).contains(&ts));
            }
        }
    }
}
