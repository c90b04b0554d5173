//! A CronJob's `schedule` must parse as a standard five-field cron line or
//! a descriptor (`@hourly`, `@every 1h30m`), and must not carry `TZ=` or
//! `CRON_TZ=` (the API server refuses them on new objects: use `timeZone`);
//! `timeZone` must name a zone of the IANA database (`Europe/Berlin`), not
//! `Local`. The schema only says "string".

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// (name, lowest, highest, names numbered from `lowest`)
const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, DAYS),
];

fn value(text: &str, low: u32, high: u32, names: &[&str]) -> Result<u32, String> {
    let n = match text.parse::<u32>() {
        Ok(n) => n,
        Err(_) => names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))
            .map(|i| i as u32 + low)
            .ok_or_else(|| format!("`{text}` is not a number"))?,
    };
    if n < low || n > high {
        return Err(format!("{n} is out of range {low}-{high}"));
    }
    Ok(n)
}

fn field(text: &str, (name, low, high, names): (&str, u32, u32, &[&str])) -> Result<(), String> {
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            if step.parse::<u32>().map_or(true, |s| s == 0) {
                return Err(format!("{name}: step `{step}` must be a positive number"));
            }
        }
        if range == "*" || (range == "?" && matches!(name, "day of month" | "day of week")) {
            continue;
        }
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (range, None),
        };
        let start = value(a, low, high, names).map_err(|e| format!("{name}: {e}"))?;
        if let Some(b) = b {
            let end = value(b, low, high, names).map_err(|e| format!("{name}: {e}"))?;
            if end < start {
                return Err(format!("{name}: range `{range}` runs backwards"));
            }
        }
    }
    Ok(())
}

/// Why a schedule is invalid, if it is.
pub fn schedule(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.contains("TZ") {
        return Err(
            "`TZ=` and `CRON_TZ=` are not allowed in `schedule`: set `timeZone` instead".into(),
        );
    }
    if let Some(descriptor) = text.strip_prefix('@') {
        if let Some(every) = descriptor.strip_prefix("every ") {
            return duration(every.trim());
        }
        return match descriptor {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            other => Err(format!("unknown descriptor `@{other}`")),
        };
    }
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "has {} fields: expected 5 (minute hour day-of-month month day-of-week)",
            parts.len()
        ));
    }
    parts.iter().zip(FIELDS).try_for_each(|(p, f)| field(p, f))
}

/// A Go duration (`1h30m`, `90s`, `1.5h`).
pub fn duration(text: &str) -> Result<(), String> {
    let bad = || Err(format!("`{text}` is not a duration (`30s`, `5m`, `1h30m`)"));
    let mut rest = text;
    if rest.is_empty() {
        return bad();
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return bad();
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|u| rest.starts_with(u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return bad(),
        }
    }
    Ok(())
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    if kind(json) != "CronJob" {
        return;
    }
    if let Some(text) = json.at("/spec/schedule").and_then(Value::as_str) {
        if let Err(why) = schedule(text) {
            out.push(
                doc.diag(
                    codes::V_BAD_SCHEDULE,
                    format!("invalid schedule `{text}`: {why}"),
                    "/spec/schedule",
                    Mark::Value,
                )
                .help("write five fields, e.g. `*/15 * * * *`, or a descriptor such as `@daily`"),
            );
        }
    }
    if let Some(zone) = json.at("/spec/timeZone").and_then(Value::as_str) {
        let known = zone != "Local" && crate::names::time_zone::iana(zone).is_ok();
        if !known {
            out.push(
                doc.diag(
                    codes::V_BAD_SCHEDULE,
                    format!("unknown time zone `{zone}`"),
                    "/spec/timeZone",
                    Mark::Value,
                )
                .help("use a name from the IANA time zone database, e.g. `Etc/UTC` or `Europe/Berlin`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "*/15 * * * *",
            "0 3 * * 1-5",
            "0 0 1 JAN,JUL ?",
            "@daily",
            "@every 1h30m",
            "5 4 * * SUN",
        ] {
            assert!(schedule(ok).is_ok(), "{ok}");
        }
        for bad in [
            "* * * *",
            "60 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "*/0 * * * *",
            "@often",
            "CRON_TZ=UTC 0 * * * *",
            "5-1 * * * *",
            "@every 1x",
        ] {
            assert!(schedule(bad).is_err(), "{bad}");
        }
    }
}
