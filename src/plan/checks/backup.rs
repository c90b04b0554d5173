//! The estimated restore time fits the RTO objective.
//!
//! Why: fetching and unpacking the newest base backup alone (data size over
//! `restoreMegabytesPerSecond`) already takes longer than the objective
//! allows, before any WAL is replayed; the drill would miss it every time.
//! A warning, because the throughput is the user's estimate: the drill
//! measures the real figure. Fix: raise `objectives.rtoSeconds`, restore
//! faster (more `process-max`, a closer repository), or shrink the data.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::backup::objectives;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(o) = objectives(cx.t) else {
        return Vec::new();
    };
    if o.rto_met() {
        return Vec::new();
    }
    // At the size the estimate rests on: the stated one, else the volume.
    let at = match cx.t.backup.as_ref().and_then(|b| b.database_size.as_ref()) {
        Some(_) => "/backup/databaseSize",
        None => "/postgres/patroni/storage/size",
    };
    vec![cx
        .warning(
            codes::T_BACKUP_RTO,
            at,
            format!(
                "restoring the base backup alone takes about {}s, longer than the RTO objective ({}s)",
                o.rto_seconds, o.rto_objective_seconds
            ),
        )
        .help("raise `rtoSeconds`, or `restoreMegabytesPerSecond` if restores are faster than stated")]
}
