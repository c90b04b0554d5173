//! Celery beat and the agent's local sandbox are singletons, and
//! autoscaling ranges must make sense.
//!
//! Why: two beat processes schedule every periodic task twice (celery
//! #2856); the local sandbox keeps the shell jobs it runs for agents, and
//! their workspaces, in its one pod. Both therefore run exactly one replica
//! with `Recreate`, never autoscaled: a rolling update starts the new pod
//! before the old one is gone, so for a while two would run. An HPA whose
//! maximum is below its minimum cannot scale.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::Kind;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for kind in Kind::ALL.into_iter().filter(|k| k.is_singleton()) {
        let Some(c) = cx.t.components.get(kind) else {
            continue;
        };
        let key = kind.key();
        let why = match kind {
            Kind::Beat => "two beat schedulers run every periodic task twice",
            _ => "its shell jobs and workspaces live in one pod; a second would get requests for jobs it never started",
        };
        if c.replicas != 1 {
            out.push(
                cx.error(
                    codes::T_SINGLETON,
                    &format!("/components/{key}/replicas"),
                    format!("{key} must run exactly 1 replica, not {}", c.replicas),
                )
                .help(format!("{why}; set `replicas: 1`")),
            );
        }
        if c.update_strategy == Some(crate::topology::UpdateStrategy::Rolling) {
            out.push(
                cx.error(
                    codes::T_SINGLETON,
                    &format!("/components/{key}/updateStrategy"),
                    format!("a rolling update runs two {key} pods while it overlaps old and new"),
                )
                .help("use `updateStrategy: recreate`, or leave it unset"),
            );
        }
        if c.autoscaling.is_some() {
            out.push(
                cx.error(
                    codes::T_SINGLETON,
                    &format!("/components/{key}/autoscaling"),
                    format!("{key} cannot be autoscaled"),
                )
                .help(format!("remove `autoscaling` from {key}")),
            );
        }
    }
    for (key, c) in cx.t.components.all() {
        if let Some(a) = &c.autoscaling {
            if a.max_replicas < c.replicas.max(1) {
                out.push(cx.error(
                    codes::T_AUTOSCALING_RANGE,
                    &format!("/components/{key}/autoscaling/maxReplicas"),
                    format!(
                        "`maxReplicas` {} is below `replicas` {}",
                        a.max_replicas, c.replicas
                    ),
                ));
            }
        }
    }
    out
}
