//! Countries: fixed UTC offsets for local-time indicators.
//!
//! One offset per country, without daylight saving: a payment's local hour is
//! then right to within an hour or two for countries that span zones (the US is
//! placed at UTC-6, its population centre). The night and evening windows of the
//! indicators are wide enough for that.

use crate::model::{Country, Timestamp, HOUR};

const OFFSETS_HOURS: &[(&[u8; 2], i8)] = &[
    (b"US", -6),
    (b"CA", -5),
    (b"MX", -6),
    (b"GB", 0),
    (b"UK", 0),
    (b"IE", 0),
    (b"IS", 0),
    (b"PT", 0),
    (b"DE", 1),
    (b"FR", 1),
    (b"NL", 1),
    (b"BE", 1),
    (b"LU", 1),
    (b"CH", 1),
    (b"AT", 1),
    (b"IT", 1),
    (b"ES", 1),
    (b"SE", 1),
    (b"NO", 1),
    (b"DK", 1),
    (b"PL", 1),
    (b"CZ", 1),
    (b"HU", 1),
    (b"FI", 2),
    (b"RO", 2),
    (b"UA", 2),
    (b"GR", 2),
    (b"IL", 2),
    (b"ZA", 2),
    (b"RU", 3),
    (b"TR", 3),
    (b"SA", 3),
    (b"KW", 3),
    (b"QA", 3),
    (b"BH", 3),
    (b"KE", 3),
    (b"AE", 4),
    (b"OM", 4),
    (b"PK", 5),
    (b"IN", 5),
    (b"LK", 5),
    (b"BD", 6),
    (b"TH", 7),
    (b"VN", 7),
    (b"ID", 7),
    (b"KH", 7),
    (b"LA", 7),
    (b"MM", 6),
    (b"PH", 8),
    (b"SG", 8),
    (b"MY", 8),
    (b"CN", 8),
    (b"HK", 8),
    (b"TW", 8),
    (b"JP", 9),
    (b"KR", 9),
    (b"AU", 10),
    (b"NZ", 12),
    (b"CO", -5),
    (b"PE", -5),
    (b"EC", -5),
    (b"BR", -3),
    (b"AR", -3),
    (b"CL", -4),
    (b"DO", -4),
    (b"JM", -5),
    (b"NG", 1),
    (b"GH", 0),
];

/// Seconds east of UTC for a country (0 when unknown).
pub fn utc_offset(country: Country) -> i64 {
    OFFSETS_HOURS
        .iter()
        .find(|(c, _)| **c == country.0)
        .map_or(0, |(_, h)| i64::from(*h) * HOUR)
}

/// Hour of the day (0-23) at `offset` seconds east of UTC.
#[inline]
pub fn local_hour(ts: Timestamp, offset: i64) -> u8 {
    ((ts + offset).rem_euclid(86_400) / HOUR) as u8
}

/// True when `hour` lies in the window `[from, to)`, which may wrap past midnight.
#[inline]
pub fn hour_in(hour: u8, from: u8, to: u8) -> bool {
    if from <= to {
        hour >= from && hour < to
    } else {
        hour >= from || hour < to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hours() {
        // 2026-01-05T03:00:00Z is 21:00 the day before at UTC-6, 11:00 in Manila.
        let ts = 1_767_582_000;
        assert_eq!(local_hour(ts, utc_offset(Country::new(b"US"))), 21);
        assert_eq!(local_hour(ts, utc_offset(Country::new(b"PH"))), 11);
        assert_eq!(local_hour(ts, utc_offset(Country::new(b"ZZ"))), 3);
        assert!(hour_in(23, 22, 6) && hour_in(3, 22, 6) && !hour_in(12, 22, 6));
        assert!(hour_in(12, 12, 24) && !hour_in(2, 12, 24));
    }
}
