//! Dates for people: the store counts seconds and days since the epoch, the report shows
//! `2024-05-01` and `2024-05-01 09:30 UTC`. No time zone other than UTC, no dependency.

use crate::store::{UnixTime, DAY};

/// Year, month (1–12) and day (1–31) of a day counted from 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's `civil_from_days`, exact for every i64 day we can meet.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` for a day since the epoch.
pub(crate) fn day_string(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `MM-DD` for a day since the epoch, for axis labels where the year is obvious.
pub(crate) fn short_day_string(day: i64) -> String {
    let (_, m, d) = civil_from_days(day);
    format!("{m:02}-{d:02}")
}

/// The year of a day since the epoch.
pub(crate) fn year_of(day: i64) -> i64 {
    civil_from_days(day).0
}

/// `YYYY-MM-DD HH:MM` (UTC) for a Unix time.
pub(crate) fn time_string(t: UnixTime) -> String {
    let day = t.div_euclid(DAY);
    let secs = t.rem_euclid(DAY);
    format!(
        "{} {:02}:{:02}",
        day_string(day),
        secs / 3_600,
        (secs % 3_600) / 60
    )
}

/// How long a period is, for its heading: `7 days`, `1 day`, `36 hours`, `90 minutes`.
/// Counted from its length, not from the calendar days it touches (`--since 7d` started at
/// noon touches eight).
pub(crate) fn span_label(secs: UnixTime) -> String {
    let (n, unit) = if secs % DAY == 0 {
        (secs / DAY, "day")
    } else if secs % 3_600 == 0 {
        (secs / 3_600, "hour")
    } else {
        ((secs + 59) / 60, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(day_string(0), "1970-01-01");
        assert_eq!(day_string(-1), "1969-12-31");
        assert_eq!(day_string(19_783), "2024-03-01");
        assert_eq!(day_string(19_782), "2024-02-29");
        assert_eq!(short_day_string(19_782), "02-29");
        assert_eq!(year_of(19_782), 2024);
        assert_eq!(time_string(1_714_555_800), "2024-05-01 09:30");
        assert_eq!(time_string(-1), "1969-12-31 23:59");
    }
}
