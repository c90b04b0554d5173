//! Every component named under `logging.levels` must exist in the plan.
//!
//! Why: a level for a component the release does not run (a typo, or
//! `postgres` with `postgres.mode: external`) silently filters nothing.
//! The components depend on the topology's modes, so this is a plan
//! check. Fix: use a component label the release renders.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::logging::sources;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(l) = cx.t.logging.as_ref().filter(|l| l.enabled) else {
        return Vec::new();
    };
    let known: Vec<&str> = sources(cx.plan).iter().map(|s| s.component).collect();
    l.levels
        .keys()
        .filter(|c| !known.contains(&c.as_str()))
        .map(|c| {
            cx.error(
                codes::T_UNKNOWN_COMPONENT,
                &format!("/logging/levels/{c}"),
                format!("`{c}` is not a component of this release"),
            )
            .help(format!("use one of {}", known.join(", ")))
        })
        .collect()
}
