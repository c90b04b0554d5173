//! Facts about moving a running Dify from one release to another: the
//! releases an upgrade must land on (because a step of theirs is not part
//! of `flask upgrade-db` and a later release no longer does it), and the
//! order of versions. `dify-gen diff` reads these; the reasons and their
//! sources are in `docs/releases.md` ("Upgrade steps").
//!
//! To add a stop: add an entry to [`STOPS`] (oldest first) with what must
//! run there and where that is written, and a row to `docs/releases.md`.

use std::cmp::Ordering;

/// A release an upgrade has to stop at: land on it, run [`Stop::run`],
/// then go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    pub version: &'static str,
    /// What must run on that release before the next step.
    pub run: &'static str,
    /// Where this is written.
    pub source: &'static str,
}

/// Every known stop, oldest first.
pub const STOPS: &[Stop] = &[Stop {
    version: "1.0.0",
    run: "the 0.x to 1.0 plugin migration: `flask extract-plugins`, `flask install-plugins` \
          and `flask migrate-data-for-plugin` move the built-in model providers and tools into \
          plugins; `flask upgrade-db` does not run them",
    source: "the Dify 1.0.0 release notes (\"Migration from 0.x\"), restated by the maintainers \
             in langgenius/dify#15579 and #16188",
}];

/// What an older api image does with a database a newer one migrated:
/// Dify's schema is one Alembic chain, the older image does not know the
/// newer head revision, and no release ships a downgrade path.
pub const DOWNGRADE: &str = "the older api image does not know the Alembic revision the newer one \
     migrated the database to (`flask upgrade-db` fails with \"Can't locate revision\"), and Dify \
     ships no downgrade: restore the database backup taken before the upgrade instead";

/// Compares two dotted versions numerically (`1.9.0` < `1.16.1`); `None`
/// if either is not dotted numbers.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(numbers(a)?.cmp(&numbers(b)?))
}

fn numbers(v: &str) -> Option<Vec<u64>> {
    v.split('.').map(|n| n.parse().ok()).collect()
}

/// The stops strictly between `old` and `new` (an upgrade that lands on a
/// stop runs its step there).
pub fn skipped(old: &str, new: &str) -> Vec<&'static Stop> {
    STOPS
        .iter()
        .filter(|s| {
            compare(old, s.version) == Some(Ordering::Less)
                && compare(s.version, new) == Some(Ordering::Less)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert_eq!(compare("1.9.0", "1.16.1"), Some(Ordering::Less));
        assert_eq!(compare("1.16.1", "1.16.1"), Some(Ordering::Equal));
        assert_eq!(compare("1.16.1", "main"), None);
    }

    #[test]
    fn a_step_across_a_stop_skips_it_and_one_onto_it_does_not() {
        assert_eq!(skipped("0.15.3", "1.16.1").len(), 1);
        assert!(skipped("0.15.3", "1.0.0").is_empty());
        assert!(skipped("1.0.0", "1.16.1").is_empty());
        assert!(skipped("1.13.3", "1.17.1").is_empty());
        let mut sorted = STOPS.to_vec();
        sorted.sort_by(|a, b| compare(a.version, b.version).unwrap());
        assert_eq!(sorted, STOPS, "oldest first");
    }
}
