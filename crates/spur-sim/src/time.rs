//! UTC timestamps as seconds since the Unix epoch, with civil-date conversion
//! (Howard Hinnant's algorithms) and RFC 3339 formatting without allocation.

use std::fmt;

/// A UTC instant, whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from a UTC civil date and time; `None` when a field is out of range.
    pub fn from_ymd_hms(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        min: u32,
        sec: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || min > 59
            || sec > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Timestamp(
            days * 86_400 + (hour * 3600 + min * 60 + sec) as i64,
        ))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (the only form the simulator writes).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
        Self::from_ymd_hms(
            num(0..4)? as i32,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        )
    }

    /// Writes the RFC 3339 form (`2026-01-05T21:14:03Z`) into a fixed buffer.
    pub fn write_rfc3339(self, out: &mut [u8; 20]) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        let y = y.clamp(0, 9999) as u32;
        let digits = |out: &mut [u8], v: u32| {
            let n = out.len();
            let mut v = v;
            for i in (0..n).rev() {
                out[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        digits(&mut out[0..4], y);
        out[4] = b'-';
        digits(&mut out[5..7], m);
        out[7] = b'-';
        digits(&mut out[8..10], d);
        out[10] = b'T';
        digits(&mut out[11..13], secs / 3600);
        out[13] = b':';
        digits(&mut out[14..16], secs / 60 % 60);
        out[16] = b':';
        digits(&mut out[17..19], secs % 60);
        out[19] = b'Z';
    }

    /// Days since the epoch of this instant shifted by `offset_min` (local calendar day).
    pub(crate) fn local_day(self, offset_min: i32) -> i64 {
        (self.0 + offset_min as i64 * 60).div_euclid(86_400)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 20];
        self.write_rfc3339(&mut buf);
        // The buffer holds ASCII digits and separators only.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

pub(crate) fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Day of week of a day count since the epoch, 0 = Monday (1970-01-01 was a Thursday).
pub(crate) fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2026-01-05T21:14:03Z",
            "2024-02-29T23:59:59Z",
            "2000-12-31T12:00:00Z",
        ] {
            let t = Timestamp::parse_rfc3339(s).expect(s);
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2026-01-01T00:00:00Z"),
            Some(Timestamp(1_767_225_600))
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T24:00:00Z",
            "",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn weekdays() {
        // 2026-01-01 is a Thursday.
        assert_eq!(weekday(days_from_civil(2026, 1, 1)), 3);
        assert_eq!(weekday(days_from_civil(2026, 1, 5)), 0);
    }
}
