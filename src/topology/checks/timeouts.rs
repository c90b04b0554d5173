//! The entry route must hold a stream open as long as Dify may run.
//!
//! Why: Dify streams chat and workflow output as server-sent events for up
//! to `dify.maxExecutionSeconds`; a proxy timeout below that cuts streams
//! with a 504 (dify #23502). Plugin endpoints under `/e/` may run up to the
//! plugin daemon's `PLUGIN_MAX_EXECUTION_TIMEOUT` (600s) and go through the
//! same route. Fix: raise `ingress.timeoutSeconds`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

/// The plugin daemon's `PLUGIN_MAX_EXECUTION_TIMEOUT`, as rendered.
pub const PLUGIN_MAX_EXECUTION_SECONDS: u32 = 600;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    if t.ingress.timeout_seconds >= t.dify.max_execution_seconds
        && t.ingress.timeout_seconds < PLUGIN_MAX_EXECUTION_SECONDS
    {
        return vec![cx
            .error(
                codes::T_ENTRY_TIMEOUT,
                "/ingress/timeoutSeconds",
                format!(
                    "entry timeout {}s is shorter than a plugin endpoint's longest run ({PLUGIN_MAX_EXECUTION_SECONDS}s)",
                    t.ingress.timeout_seconds
                ),
            )
            .help(format!("set `ingress.timeoutSeconds` to at least {PLUGIN_MAX_EXECUTION_SECONDS}"))];
    }
    if t.ingress.timeout_seconds < t.dify.max_execution_seconds {
        return vec![cx
            .error(
                codes::T_ENTRY_TIMEOUT,
                "/ingress/timeoutSeconds",
                format!(
                    "entry timeout {}s is shorter than Dify's longest run ({}s, `dify.maxExecutionSeconds`)",
                    t.ingress.timeout_seconds, t.dify.max_execution_seconds
                ),
            )
            .help(format!("set `ingress.timeoutSeconds` to at least {}", t.dify.max_execution_seconds))];
    }
    Vec::new()
}
