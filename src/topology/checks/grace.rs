//! A pod's grace period must cover its drain.
//!
//! Why: on SIGTERM gunicorn (api) stops accepting and gives requests in
//! flight its graceful timeout, 30 seconds, and Celery (worker) finishes
//! the tasks it is running, which may last `dify.maxExecutionSeconds`. The
//! kubelet kills the container when `terminationGracePeriodSeconds` runs
//! out, cutting answers mid-stream and abandoning workflows mid-run.
//! Example: `worker.terminationGracePeriodSeconds: 60` with
//! `maxExecutionSeconds: 1200`. Fix: raise the grace period, or leave it
//! unset for dify-gen's default, which covers the drain.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

/// Gunicorn's default `graceful_timeout`; Dify's entrypoint keeps it.
pub const GUNICORN_GRACEFUL_SECONDS: u32 = 30;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    if let Some(grace) = t.components.api.termination_grace_period_seconds {
        if grace < GUNICORN_GRACEFUL_SECONDS {
            out.push(
                cx.error(
                    codes::T_GRACE_PERIOD,
                    "/components/api/terminationGracePeriodSeconds",
                    format!(
                        "api gets {grace}s to stop, shorter than gunicorn's {GUNICORN_GRACEFUL_SECONDS}s graceful shutdown"
                    ),
                )
                .help(format!("set at least {GUNICORN_GRACEFUL_SECONDS}, or leave it unset")),
            );
        }
    }
    let longest = t.dify.max_execution_seconds;
    for (key, c) in [
        ("worker", &t.components.worker),
        ("beat", &t.components.beat),
    ] {
        if key == "beat" {
            continue;
        }
        if let Some(grace) = c.termination_grace_period_seconds {
            if grace < longest {
                out.push(
                    cx.warning(
                        codes::T_GRACE_PERIOD,
                        &format!("/components/{key}/terminationGracePeriodSeconds"),
                        format!(
                            "{key} gets {grace}s to finish its tasks, but a workflow may run {longest}s (`dify.maxExecutionSeconds`)"
                        ),
                    )
                    .help(format!("set at least {longest}, or leave it unset")),
                );
            }
        }
    }
    out
}
