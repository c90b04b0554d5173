//! A disruption budget must let a drain through.
//!
//! Why: a PodDisruptionBudget with `minAvailable` equal to the replicas (or
//! `maxUnavailable: 0`) lets no pod be evicted, so `kubectl drain`, node
//! upgrades and the cluster autoscaler hang on that node forever.
//! Example: `replicas: 3` with `disruptionBudget: {minAvailable: 3}`.
//! Fix: `maxUnavailable: 1`, or `minAvailable` below `replicas`; or drop
//! `disruptionBudget` for dify-gen's default.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, c) in cx.t.components.all() {
        let Some(b) = c.disruption_budget else {
            continue;
        };
        let base = format!("/components/{key}/disruptionBudget");
        match (b.min_available, b.max_unavailable) {
            (Some(_), Some(_)) | (None, None) => out.push(cx.error(
                codes::T_BAD_VALUE,
                &base,
                "a disruption budget sets exactly one of `minAvailable` and `maxUnavailable`",
            )),
            (Some(min), None) if min >= c.replicas && c.replicas > 0 => out.push(
                cx.error(
                    codes::T_BUDGET_BLOCKS_DRAIN,
                    &format!("{base}/minAvailable"),
                    format!(
                        "`minAvailable: {min}` with {} replica(s) blocks every node drain",
                        c.replicas
                    ),
                )
                .help(format!(
                    "let one pod go at a time: `maxUnavailable: 1` (or `minAvailable: {}`)",
                    c.replicas.saturating_sub(1)
                )),
            ),
            (None, Some(0)) => out.push(
                cx.error(
                    codes::T_BUDGET_BLOCKS_DRAIN,
                    &format!("{base}/maxUnavailable"),
                    "`maxUnavailable: 0` blocks every node drain",
                )
                .help("use `maxUnavailable: 1`"),
            ),
            _ => {}
        }
    }
    out
}
