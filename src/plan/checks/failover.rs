//! The worst-case failover of PostgreSQL and Redis stays within the
//! topology's objective.
//!
//! Why: a failover is as long as its slowest path, a leader lost without a
//! word just after it last proved itself alive (for PostgreSQL, with
//! etcd's leader lost in the same zone). `plan::failover` sums that path
//! from the Patroni, etcd and Sentinel timings; a topology whose sum is
//! longer than `failoverObjectiveSeconds` promises what it cannot keep.
//! An error under `availability: ha`, a warning elsewhere. Example:
//! `postgres.patroni.ttlSeconds: 30` over `ha` (about 38 s against 30).
//! The finding is at the setting behind the longest step (Patroni's
//! `ttlSeconds`, Sentinel's `downAfterMilliseconds`). Fix: shorten the
//! timings the message lists (Patroni's `ttl` cannot go below 20 s), or
//! state a longer objective.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::failover;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in failover::estimates(cx.t) {
        if f.meets_objective {
            continue;
        }
        let objective = match f.service {
            "postgres" => "postgres.patroni.failoverObjectiveSeconds",
            _ => "redis.sentinel.failoverObjectiveSeconds",
        };
        let Some(pointer) = f.dominant_field() else {
            continue;
        };
        let others: Vec<String> = f
            .steps
            .iter()
            .filter_map(|s| s.field)
            .filter(|p| *p != pointer)
            .map(|p| format!("`{}`", crate::source::dotted(p)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(
            cx.ha_or_warning(
                codes::T_FAILOVER,
                pointer,
                format!(
                    "the worst-case {} failover takes {:.1} s, longer than the objective of {} s (`{objective}`), mostly because of this setting",
                    f.service,
                    f.worst_case_milliseconds as f64 / 1000.0,
                    f.objective_seconds
                ),
            )
            .help(format!(
                "shorten this{}{}, or raise `{objective}` to {} (`dify-gen plan` lists every step)",
                if others.is_empty() { "" } else { " or " },
                others.join(", "),
                f.worst_case_milliseconds.div_ceil(1000)
            )),
        );
    }
    out
}
