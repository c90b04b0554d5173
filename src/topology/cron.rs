//! Cron schedules as the Kubernetes CronJob controller reads them (five
//! fields, `@hourly`-style macros, names for months and weekdays), and the
//! longest gap between two runs, which the backup checks hold against the
//! recovery point objective.
//!
//! The gap is exact: the days a schedule fires repeat every 400 years
//! (146 097 days, a whole number of weeks), and the times within a day are
//! the same on every day it fires, so one pass over that cycle finds the
//! longest wait, including the one across the cycle's end.

/// A parsed schedule: the allowed values of each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    /// The allowed days of the month, months and weekdays as bit sets
    /// (bit `n` for value `n`): the gap scan tests them once a day.
    days: u64,
    months: u64,
    weekdays: u64,
    /// Day-of-month and day-of-week were both restricted: a day matches
    /// either (cron's rule), not both.
    either_day: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Days in the Gregorian cycle after which weekdays and leap years repeat.
const CYCLE_DAYS: i64 = 146_097;

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        let text = text.trim();
        let expanded = match text {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(format!(
                    "`{other}` is not a schedule macro (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`)"
                ))
            }
            other => other,
        };
        if expanded.starts_with("TZ=") || expanded.starts_with("CRON_TZ=") {
            return Err(
                "a time zone inside the schedule is refused by Kubernetes; set `backup.timeZone`"
                    .into(),
            );
        }
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(format!(
                "a schedule has five fields (minute hour day-of-month month day-of-week), `{text}` has {}",
                fields.len()
            ));
        };
        let restricted = |f: &str| !(f.starts_with('*') || f.starts_with('?'));
        Ok(Cron {
            minutes: field(minute, "minute", 0, 59, &[])?,
            hours: field(hour, "hour", 0, 23, &[])?,
            days: bits(&field(day, "day-of-month", 1, 31, &[])?),
            months: bits(&field(month, "month", 1, 12, &MONTHS)?),
            weekdays: bits(&field(weekday, "day-of-week", 0, 6, &WEEKDAYS)?),
            either_day: restricted(day) && restricted(weekday),
        })
    }

    #[cfg(test)]
    fn fires_on(&self, date: Date) -> bool {
        if self.months & (1 << date.month) == 0 {
            return false;
        }
        let dom = self.days & (1 << date.day) != 0;
        let dow = self.weekdays & (1 << date.weekday) != 0;
        if self.either_day {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// A number of days after which the days it fires on repeat: 1 when
    /// it fires every day, 7 when only the weekday decides, else the
    /// Gregorian cycle (each divides the next).
    fn period(&self) -> i64 {
        const EVERY_DAY: u64 = ((1 << 32) - 1) & !1;
        const EVERY_MONTH: u64 = ((1 << 13) - 1) & !1;
        const EVERY_WEEKDAY: u64 = (1 << 7) - 1;
        let (dom_all, dow_all) = (self.days == EVERY_DAY, self.weekdays == EVERY_WEEKDAY);
        if self.months != EVERY_MONTH {
            CYCLE_DAYS
        } else if (self.either_day && (dom_all || dow_all)) || (dom_all && dow_all) {
            1
        } else if dom_all && !self.either_day {
            7
        } else {
            CYCLE_DAYS
        }
    }

    /// The longest time between two consecutive runs, in seconds; `None`
    /// when the schedule never fires (`0 0 30 2 *`).
    pub fn max_gap_seconds(&self) -> Option<u64> {
        max_gap_seconds(&[self])
    }

    /// The days (bit `d` for day `d`, up to 31) of `month` it fires on,
    /// when the month's first day is `first_weekday` (0 is Sunday); days
    /// past the month's end are the caller's to mask off.
    fn days_in_month(&self, month: u32, first_weekday: u32) -> u64 {
        if self.months & (1 << month) == 0 {
            return 0;
        }
        // Bit k of `week`: the weekday of day k + 1 is allowed.
        let w = first_weekday;
        let week = ((self.weekdays >> w) | (self.weekdays << (7 - w))) & 0x7f;
        let weeks = week | week << 7 | week << 14 | week << 21 | week << 28;
        let dow = (weeks << 1) & (((1u64 << 32) - 1) & !1);
        if self.either_day {
            self.days | dow
        } else {
            self.days & dow
        }
    }

    /// Minutes after midnight it fires at, on a day it fires.
    fn times(&self) -> Vec<i64> {
        self.hours
            .iter()
            .flat_map(|h| self.minutes.iter().map(move |m| i64::from(h * 60 + m)))
            .collect()
    }
}

/// The longest gap of a schedule, `None` when it does not parse or never fires.
/// Remembered per schedule: the plan asks for the same few schedules'
/// gaps many times, and a monthly one scans the 400-year cycle.
pub fn gap(schedule: &str) -> Option<u64> {
    static GAPS: std::sync::Mutex<std::collections::BTreeMap<String, Option<u64>>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    let mut gaps = GAPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&gap) = gaps.get(schedule) {
        return gap;
    }
    let gap = Cron::parse(schedule).ok().and_then(|c| c.max_gap_seconds());
    gaps.insert(schedule.to_string(), gap);
    gap
}

/// The longest time without a run of any of `schedules`, in seconds;
/// `None` when none of them ever fires.
pub fn max_gap_seconds(schedules: &[&Cron]) -> Option<u64> {
    // The pattern of firing days repeats after the longest period; a
    // schedule that fires daily or weekly needs a day or a week scanned,
    // not 400 years.
    let period = schedules.iter().map(|c| c.period()).max().unwrap_or(1);
    scan(schedules, period)
}

/// [`max_gap_seconds`] over the first `period` days, the days the
/// schedules fire on repeating after them. A month at a time: which days
/// of it each schedule fires on is a bit set (day-of-month, and the
/// weekdays shifted to the month's first day), so only the days some
/// schedule fires on are visited. Whole years are taken a year at a time:
/// a year's runs depend only on whether it is a leap year and the weekday
/// it starts on, so each of those 14 kinds of year is scanned once (the
/// 400-year cycle is 400 look-ups, not 4,800 months).
fn scan(schedules: &[&Cron], period: i64) -> Option<u64> {
    let shapes = day_shapes(schedules);
    let mut fires = vec![0u64; schedules.len()];
    let mut runs = Runs::default();
    // What one year of each kind holds, by `leap as usize * 7 + weekday`.
    let mut kinds: [Option<Runs>; 14] = [None; 14];
    // 2000-01-01, a Saturday, starts a 400-year cycle.
    let (mut year, mut weekday) = (0u32, 6u32);
    let mut start = 0i64;
    loop {
        let leap = month_length(year, 2) == 29;
        let length = 365 + i64::from(leap);
        if start + length > period {
            break;
        }
        let kind = kinds[usize::from(leap) * 7 + weekday as usize].get_or_insert_with(|| {
            let mut one = Runs::default();
            months(
                schedules, &shapes, &mut fires, year, weekday, 0, length, &mut one,
            );
            one
        });
        runs.then(kind, start);
        start += length;
        weekday = (weekday + (length % 7) as u32) % 7;
        year += 1;
    }
    months(
        schedules, &shapes, &mut fires, year, weekday, start, period, &mut runs,
    );
    let ((start, first), (end, last)) = (runs.first?, runs.last?);
    // Across the end of the cycle, into its repetition.
    let gap = runs.gap.max((start + period - end) * 1440 + first - last);
    u64::try_from(gap * 60).ok()
}

/// The runs seen so far: the longest gap between two of them, and the
/// first and last run (day, minute of the day's first or last run).
#[derive(Clone, Copy, Default)]
struct Runs {
    gap: i64,
    first: Option<(i64, i64)>,
    last: Option<(i64, i64)>,
}

impl Runs {
    /// A day with runs (`first` and `last` minute, longest gap `within`).
    fn day(&mut self, day: i64, (first, last, within): (i64, i64, i64)) {
        self.gap = self.gap.max(within);
        if let Some((p, l)) = self.last {
            self.gap = self.gap.max((day - p) * 1440 + first - l);
        }
        self.first.get_or_insert((day, first));
        self.last = Some((day, last));
    }

    /// `other`, whose days count from `offset`, after these runs.
    fn then(&mut self, other: &Runs, offset: i64) {
        let (Some((fd, f)), Some((ld, l))) = (other.first, other.last) else {
            return;
        };
        self.gap = self.gap.max(other.gap);
        if let Some((p, pl)) = self.last {
            self.gap = self.gap.max((offset + fd - p) * 1440 + f - pl);
        }
        self.first.get_or_insert((offset + fd, f));
        self.last = Some((offset + ld, l));
    }
}

/// The runs of the days from `start` (January 1st of `year`, a
/// `weekday`) to `end`, a month at a time, into `runs`.
#[allow(clippy::too_many_arguments)]
fn months(
    schedules: &[&Cron],
    shapes: &[Option<(i64, i64, i64)>],
    fires: &mut [u64],
    year: u32,
    mut weekday: u32,
    mut start: i64,
    end: i64,
    runs: &mut Runs,
) {
    let (mut year, mut month) = (year, 1u32);
    while start < end {
        let length = month_length(year, month);
        // Days 1..=n of this month that are within the period.
        let n = (end - start).min(i64::from(length)) as u32;
        let in_month = ((1u64 << (n + 1)) - 1) & !1;
        let mut any = 0;
        for (f, c) in fires.iter_mut().zip(schedules) {
            *f = c.days_in_month(month, weekday) & in_month;
            any |= *f;
        }
        while any != 0 {
            let d = any.trailing_zeros();
            any &= any - 1;
            let mask = fires
                .iter()
                .enumerate()
                .filter(|(_, f)| *f & (1 << d) != 0)
                .fold(0, |m, (i, _)| m | (1 << i));
            if let Some(shape) = shapes[mask] {
                runs.day(start + i64::from(d) - 1, shape);
            }
        }
        start += i64::from(length);
        weekday = (weekday + length) % 7;
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
}

/// Per set of schedules firing on a day (a bit mask, bit `i` for
/// `schedules[i]`): the day's first and last minute and its longest gap
/// within the day; `None` for the empty set.
fn day_shapes(schedules: &[&Cron]) -> Vec<Option<(i64, i64, i64)>> {
    let day_shape = |mask: usize| -> Option<(i64, i64, i64)> {
        let mut times: Vec<i64> = schedules
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .flat_map(|(_, c)| c.times())
            .collect();
        times.sort_unstable();
        times.dedup();
        let within = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        Some((*times.first()?, *times.last()?, within))
    };
    (0..1usize << schedules.len()).map(day_shape).collect()
}

/// Days in `month` of `year` (within the cycle that starts in 2000).
fn month_length(year: u32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A field's values as a bit set.
fn bits(values: &[u32]) -> u64 {
    values.iter().fold(0, |b, v| b | 1 << v)
}

/// One field: `*`, `?`, values, names, ranges `a-b`, steps `*/n` or
/// `a-b/n`, and lists of those.
fn field(text: &str, what: &str, min: u32, max: u32, names: &[&str]) -> Result<Vec<u32>, String> {
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(min + i as u32);
        }
        let v: u32 = s
            .parse()
            .map_err(|_| format!("{what} `{s}` is not a number"))?;
        if v < min || v > max {
            return Err(format!("{what} {v} is outside {min}-{max}"));
        }
        Ok(v)
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| format!("{what} step `{s}` is not a number"))?;
                if step == 0 {
                    return Err(format!("{what} step 0 never advances"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (low, high) = match range {
            "*" | "?" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                // `5/15` runs from 5 to the field's end.
                None if step > 1 => (value(r)?, max),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        if low > high {
            return Err(format!("{what} range `{range}` runs backwards"));
        }
        out.extend((low..=high).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A calendar date, for the day-by-day oracle of the tests.
#[cfg(test)]
#[derive(Clone, Copy)]
struct Date {
    /// The year within the 400-year cycle that starts in 2000.
    year: u32,
    month: u32,
    day: u32,
    /// 0 is Sunday.
    weekday: u32,
}

#[cfg(test)]
impl Date {
    /// The day after.
    fn next(self) -> Date {
        let length = month_length(self.year, self.month);
        let weekday = (self.weekday + 1) % 7;
        match (self.day < length, self.month < 12) {
            (true, _) => Date {
                day: self.day + 1,
                weekday,
                ..self
            },
            (false, true) => Date {
                month: self.month + 1,
                day: 1,
                weekday,
                ..self
            },
            (false, false) => Date {
                year: self.year + 1,
                month: 1,
                day: 1,
                weekday,
            },
        }
    }

    /// The date `days` after 2000-01-01 (a Saturday, at the start of a
    /// 400-year cycle).
    fn from_days(days: i64) -> Date {
        // Howard Hinnant's civil-from-days, shifted to 2000-03-01 = 0.
        let z = days - 60;
        let era = z.div_euclid(CYCLE_DAYS);
        let doe = z - era * CYCLE_DAYS;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date {
            year: ((yoe + i64::from(mp >= 10)) % 400) as u32,
            month,
            day,
            weekday: ((days + 6).rem_euclid(7)) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`scan`] a day at a time, as it was first written: the oracle the
    /// month-at-a-time scan is tested against.
    fn scan_by_day(schedules: &[&Cron], period: i64) -> Option<u64> {
        let shapes = day_shapes(schedules);
        let mut gap = 0;
        let mut first_day: Option<(i64, i64)> = None;
        let mut previous: Option<(i64, i64)> = None;
        let mut date = Date::from_days(0);
        for day in 0..period {
            if day > 0 {
                date = date.next();
            }
            let mask = schedules
                .iter()
                .enumerate()
                .filter(|(_, c)| c.fires_on(date))
                .fold(0, |m, (i, _)| m | (1 << i));
            let Some((first, last, within)) = shapes[mask] else {
                continue;
            };
            gap = gap.max(within);
            if let Some((d, l)) = previous {
                gap = gap.max((day - d) * 1440 + first - l);
            }
            first_day.get_or_insert((day, first));
            previous = Some((day, last));
        }
        let ((start, first), (end, last)) = (first_day?, previous?);
        // Across the end of the cycle, into its repetition.
        gap = gap.max((start + period - end) * 1440 + first - last);
        u64::try_from(gap * 60).ok()
    }

    fn gap(s: &str) -> Option<u64> {
        Cron::parse(s).unwrap().max_gap_seconds()
    }

    #[test]
    fn calendar() {
        let d = Date::from_days(0);
        assert_eq!((d.month, d.day, d.weekday), (1, 1, 6));
        // 2024-02-29 was a Thursday.
        let d = Date::from_days(8825);
        assert_eq!((d.month, d.day, d.weekday), (2, 29, 4));
    }

    #[test]
    fn next_day_follows_the_calendar() {
        let mut date = Date::from_days(0);
        for days in 1..2 * CYCLE_DAYS {
            date = date.next();
            let want = Date::from_days(days);
            assert_eq!(
                (date.year % 400, date.month, date.day, date.weekday),
                (want.year, want.month, want.day, want.weekday),
                "{days}"
            );
        }
    }

    #[test]
    fn gaps() {
        assert_eq!(gap("0 * * * *"), Some(3600));
        assert_eq!(gap("*/15 * * * *"), Some(900));
        assert_eq!(gap("0 2 * * *"), Some(86_400));
        assert_eq!(gap("0 0-1,3-23 * * *"), Some(7200));
        assert_eq!(gap("@weekly"), Some(7 * 86_400));
        assert_eq!(gap("0 2 * * sun"), Some(7 * 86_400));
        // Months of 31 days: March to May skips a 30-day April.
        assert_eq!(gap("0 0 31 * *"), Some(61 * 86_400));
        // Quarterly: January to April is 90 or 91 days, July to October 92.
        assert_eq!(gap("0 4 1 */3 *"), Some(92 * 86_400));
        // Leap days only: up to eight years (2096 to 2104).
        assert_eq!(gap("0 0 29 2 *"), Some(2921 * 86_400));
        assert_eq!(gap("0 0 30 2 *"), None);
        // Day-of-month and day-of-week both set: either matches.
        assert!(gap("0 0 1 * mon").unwrap() <= 7 * 86_400);
    }

    /// The month-at-a-time scan finds what the day-by-day one finds, for
    /// one schedule and for pairs, over the whole cycle and short periods.
    #[test]
    fn scan_by_month_agrees_with_scan_by_day() {
        let schedules = SHAPES.iter().chain(&[
            "0 * * * *",
            "0 0 29 2 *",
            "0 0 30 2 *",
            "0 0 31 * *",
            "30 23 28-31 * *",
            "0 12 13 * 5",
            "0 0 * 2 sat,sun",
            "15 6 1 jan,jul *",
            "0 0 31 4 *",
        ]);
        let schedules: Vec<&str> = schedules.copied().collect();
        let parsed: Vec<Cron> = schedules.iter().map(|s| Cron::parse(s).unwrap()).collect();
        for (i, a) in parsed.iter().enumerate() {
            for period in [1, 7, 31, 365, 366, 1461, 1500, 36_525, CYCLE_DAYS] {
                assert_eq!(
                    scan(&[a], period),
                    scan_by_day(&[a], period),
                    "{} over {period} days",
                    schedules[i]
                );
            }
            for (j, b) in parsed.iter().enumerate().skip(i) {
                assert_eq!(
                    scan(&[a, b], CYCLE_DAYS),
                    scan_by_day(&[a, b], CYCLE_DAYS),
                    "{} and {}",
                    schedules[i],
                    schedules[j]
                );
            }
        }
    }

    /// Schedules of each kind of period: daily, weekly, the whole cycle.
    const SHAPES: [&str; 8] = [
        "0 2 * * *",
        "*/20 1-5 * * *",
        "0 2 * * sun",
        "0 3 * * mon-fri",
        "0 0 1-31 * mon",
        "0 0 1 * *",
        "0 4 1 */3 *",
        "0 0 1,15 * fri",
    ];

    #[test]
    fn short_periods_agree_with_the_whole_cycle() {
        for s in SHAPES {
            let c = Cron::parse(s).unwrap();
            assert_eq!(max_gap_seconds(&[&c]), scan(&[&c], CYCLE_DAYS), "{s}");
        }
        assert_eq!(Cron::parse("0 2 * * *").unwrap().period(), 1);
        assert_eq!(Cron::parse("0 0 1-31 * mon").unwrap().period(), 1);
        assert_eq!(Cron::parse("0 2 * * sun").unwrap().period(), 7);
        assert_eq!(Cron::parse("0 4 1 */3 *").unwrap().period(), CYCLE_DAYS);
    }

    #[test]
    fn union_of_schedules() {
        let full = Cron::parse("0 2 * * *").unwrap();
        let incr = Cron::parse("30 0-1,3-23 * * *").unwrap();
        // 01:30 to 02:00, then 02:00 to 03:30.
        assert_eq!(max_gap_seconds(&[&full, &incr]), Some(5400));
        let never = Cron::parse("0 0 31 2 *").unwrap();
        assert_eq!(max_gap_seconds(&[&never]), None);
        assert_eq!(max_gap_seconds(&[&never, &full]), Some(86_400));
    }

    #[test]
    fn refusals() {
        for bad in [
            "0 2 * *",
            "60 * * * *",
            "0 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "5-1 * * * *",
            "@often",
            "TZ=UTC 0 2 * * *",
            "a * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
        assert!(Cron::parse("0 2 * JAN-MAR MON-FRI").is_ok());
    }
}
