//! Probes must give a component time to start.
//!
//! Why: the kubelet restarts a container whose startup probe (or, without
//! one, liveness probe) has failed `failureThreshold` times; if that window
//! (`initialDelaySeconds + periodSeconds x failureThreshold`) is shorter
//! than the program needs to start, the pod is killed before it ever
//! serves and loops in CrashLoopBackOff. Example: api with a liveness probe
//! of `periodSeconds: 5, failureThreshold: 2` and no startup probe. Fix:
//! keep (or add) a startup probe whose window covers the start.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::health::start_seconds;
use crate::plan::probes::{effective, Role};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let release = cx.plan.dify;
    for w in &cx.plan.workloads {
        let (kind, c) = (w.kind, w.spec);
        let startup = effective(release, kind, Role::Startup, c.probes.startup.as_ref());
        let liveness = effective(release, kind, Role::Liveness, c.probes.liveness.as_ref());
        let (role, timing) = match (startup, liveness) {
            (Some(s), _) => (Role::Startup, s),
            (None, Some(l)) => (Role::Liveness, l),
            (None, None) => continue,
        };
        let needed = start_seconds(kind);
        if timing.window() < needed {
            out.push(
                cx.error(
                    codes::T_PROBE_KILLS_START,
                    &format!("/components/{}/probes/{}", kind.key(), role.key()),
                    format!(
                        "the {} probe restarts `{}` {}s after it starts, before it can be up (it may need {needed}s)",
                        role.key(),
                        kind.key(),
                        timing.window()
                    ),
                )
                .help(format!(
                    "give the startup probe at least {needed}s (`periodSeconds x failureThreshold`), or leave the probes at their defaults"
                )),
            );
        }
    }
    out
}
