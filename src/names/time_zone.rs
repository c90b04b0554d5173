//! IANA time-zone names, as the API server takes a CronJob's `timeZone`
//! (Go's `time.LoadLocation` over its embedded database): any zone or link
//! name of the database, case as written; `Local` is refused by the caller.
//!
//! The names come from chrono-tz at build time (`build.rs`), as one sorted
//! text: the binary carries no zone tables (see `.cargo/config.toml`).

static NAMES: &str = include_str!(concat!(env!("OUT_DIR"), "/time_zones.txt"));

/// A zone or link name of the IANA database.
pub fn iana(name: &str) -> Result<(), String> {
    // About 600 names in 9 KB: one pass per call is cheap enough for a
    // check that runs once per CronJob, and needs no table of offsets.
    if !name.is_empty() && NAMES.lines().any(|n| n == name) {
        Ok(())
    } else {
        Err("must be a zone name of the IANA time-zone database".into())
    }
}

#[cfg(test)]
mod tests {
    use super::iana;

    fn known(name: &str) -> bool {
        iana(name).is_ok()
    }

    #[test]
    fn zones_and_links_are_known() {
        for name in [
            "UTC",
            "Etc/UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
            "US/Eastern",
            "GMT",
            "Etc/GMT+5",
        ] {
            assert!(known(name), "{name}");
        }
    }

    #[test]
    fn other_names_are_not() {
        for name in [
            "",
            "Local",
            "utc",
            "europe/berlin",
            "Europe/Bonn",
            "Nowhere/Bad",
            "+01:00",
            "UTC\n",
        ] {
            assert!(!known(name), "{name:?}");
        }
    }

    #[test]
    fn the_list_is_the_whole_database_sorted() {
        let names: Vec<&str> = super::NAMES.lines().collect();
        assert!(names.len() > 500, "{} names", names.len());
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    }
}
