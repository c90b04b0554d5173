//! The entry route must hold a stream open as long as Dify may run.
//!
//! Why: Dify streams chat and workflow output as server-sent events for up
//! to `dify.maxExecutionSeconds`; a proxy timeout below that cuts streams
//! with a 504 (dify #23502). Fix: raise `ingress.timeoutSeconds`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
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
