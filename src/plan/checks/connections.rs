//! The connection budget must fit PostgreSQL's `max_connections`.
//!
//! Why: every Dify process keeps a pool of up to `pool.size +
//! pool.maxOverflow` connections and the plugin daemon its own; at peak
//! (all replicas, autoscaled ones at `maxReplicas`, plus the migration Job)
//! they can ask for more than the primary accepts, and the excess fails
//! with "too many clients" exactly when load is highest. The sum is
//! `plan::connections`. Fix: raise `max_connections`, shrink the pools, or
//! put PgBouncer in front.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::connections::budget;
use crate::topology::PostgresMode;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let b = budget(cx.t);
    if b.fits() {
        return Vec::new();
    }
    let pointer = match cx.t.postgres.mode {
        PostgresMode::Patroni if cx.t.postgres.patroni.is_some() => {
            if cx
                .doc
                .pointer("/postgres/patroni/parameters/max_connections")
                .is_some()
            {
                "/postgres/patroni/parameters/max_connections"
            } else {
                "/postgres/patroni/parameters"
            }
        }
        PostgresMode::External if cx.t.postgres.external.is_some() => {
            "/postgres/external/maxConnections"
        }
        _ => "/postgres/pool",
    };
    let parts: Vec<String> = b
        .clients
        .iter()
        .map(|c| format!("{} {}x{}", c.component, c.pods, c.per_pod))
        .collect();
    vec![cx
        .error(
            codes::T_CONNECTION_BUDGET,
            pointer,
            format!(
                "Dify may open {} PostgreSQL connections ({}), more than the {} that `max_connections` {} leaves",
                b.total,
                parts.join(", "),
                b.available(),
                b.max_connections
            ),
        )
        .help(format!(
            "raise `max_connections` to at least {}, or shrink `postgres.pool`",
            b.total.saturating_add(b.reserved)
        ))]
}
