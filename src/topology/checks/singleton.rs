//! Celery beat is a singleton, and autoscaling ranges must make sense.
//!
//! Why: two beat processes schedule every periodic task twice (celery
//! #2856); beat therefore runs exactly one replica with `Recreate`, never
//! autoscaled: a rolling update starts the new pod before the old one is
//! gone, so for a while two would run. An HPA whose maximum is below its
//! minimum cannot scale.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let beat = &cx.t.components.beat;
    if beat.replicas != 1 {
        out.push(
            cx.error(
                codes::T_SINGLETON,
                "/components/beat/replicas",
                format!("beat must run exactly 1 replica, not {}", beat.replicas),
            )
            .help("two beat schedulers run every periodic task twice; set `replicas: 1`"),
        );
    }
    if beat.update_strategy == Some(crate::topology::UpdateStrategy::Rolling) {
        out.push(
            cx.error(
                codes::T_SINGLETON,
                "/components/beat/updateStrategy",
                "a rolling update runs two beat schedulers while it overlaps old and new pods",
            )
            .help("use `updateStrategy: recreate`, or leave it unset"),
        );
    }
    if beat.autoscaling.is_some() {
        out.push(
            cx.error(
                codes::T_SINGLETON,
                "/components/beat/autoscaling",
                "beat cannot be autoscaled",
            )
            .help("remove `autoscaling` from beat"),
        );
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
