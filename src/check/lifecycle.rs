//! Lambda's deprecation phases, judged against a day. The dates themselves live in one place,
//! the catalog (`deprecated` or `end_of_support` of each runtime in `templates/*/family.yaml`,
//! and `amazon_linux_2`); AWS also publishes, per runtime, the days after which creating and
//! then updating functions is blocked, but those move and are not recorded here.

use std::fmt;

use crate::catalog::Runtime;

/// How far ahead a date counts as "soon": a quarter, the time a scheduled check leaves to plan
/// a move.
pub const SOON_DAYS: i64 = 90;

/// Amazon Linux 2's end of life: the AWS base images built on it get no more OS updates.
pub const AMAZON_LINUX_2_END_OF_LIFE: &str = "2026-06-30";

/// A calendar day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(i64);

impl Day {
    /// Today in UTC.
    pub fn today() -> Day {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Day(i64::try_from(seconds / 86_400).unwrap_or(0))
    }

    /// `YYYY-MM-DD`, a real day of the proleptic Gregorian calendar.
    pub fn parse(text: &str) -> Option<Day> {
        let mut parts = text.splitn(3, '-');
        let mut number = |len: usize| {
            let part = parts.next()?;
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<i64>().ok())?
        };
        let (year, month, day) = (number(4)?, number(2)?, number(2)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Day(days_from_civil(year, month, day)))
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn until(self, later: Day) -> i64 {
        later.0 - self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Where a dated phase stands relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stand {
    Past,
    /// Within [`SOON_DAYS`]: the days left.
    Soon(i64),
    Later,
}

pub fn stand(date: Day, today: Day) -> Stand {
    match today.until(date) {
        left if left <= 0 => Stand::Past,
        left if left <= SOON_DAYS => Stand::Soon(left),
        _ => Stand::Later,
    }
}

/// The day Lambda deprecated, or plans to deprecate, the runtime.
pub fn deprecation(runtime: &Runtime) -> Option<Day> {
    runtime
        .deprecated
        .as_deref()
        .or(runtime.end_of_support.as_deref())
        .and_then(Day::parse)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms for days since the epoch in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn days_parse_print_and_count() {
        let day = Day::parse("2026-06-30").unwrap();
        assert_eq!(day.to_string(), "2026-06-30");
        assert_eq!(Day::parse("1970-01-01"), Some(Day(0)));
        assert_eq!(
            Day::parse("2024-02-29")
                .unwrap()
                .until(Day::parse("2025-03-01").unwrap()),
            366
        );
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-6-30",
            "26-06-30",
            "2026-06-30x",
            "",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn soon_is_a_quarter_ahead() {
        let date = Day::parse("2026-06-30").unwrap();
        assert_eq!(stand(date, Day::parse("2026-06-30").unwrap()), Stand::Past);
        assert_eq!(
            stand(date, Day::parse("2026-06-29").unwrap()),
            Stand::Soon(1)
        );
        assert_eq!(
            stand(date, Day::parse("2026-04-01").unwrap()),
            Stand::Soon(90)
        );
        assert_eq!(stand(date, Day::parse("2026-03-31").unwrap()), Stand::Later);
    }

    /// Every runtime has a date that parses, so none is silently left unjudged.
    #[test]
    fn every_catalog_runtime_has_a_deprecation_date() {
        for runtime in Catalog::embedded()
            .unwrap()
            .families
            .iter()
            .flat_map(|f| &f.runtimes)
        {
            assert!(deprecation(runtime).is_some(), "{}", runtime.id);
        }
        assert!(Day::parse(AMAZON_LINUX_2_END_OF_LIFE).is_some());
    }
}
