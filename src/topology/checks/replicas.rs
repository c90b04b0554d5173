//! Every Dify component runs, and autoscaling can act.
//!
//! Why: with `replicas: 0` nothing serves that component (web: no UI; api:
//! no API; sandbox: no code nodes; plugin daemon: no plugins; worker: no
//! indexing; SSRF proxy: no outbound requests), and the release is down
//! for it however many zones survive. An HPA cannot start from 0 (its
//! minimum is at least 1), and one on CPU needs a CPU request: utilisation
//! is measured against the request, so with none (or `0`) the HPA never
//! scales. Example: `components.web.replicas: 0`. In a topology that
//! promises `availability: ha` (the `ha` profile does) this is an error;
//! elsewhere (a trial install) a warning. Fix: give at least 1 replica (2 or more for HA), and
//! a CPU request wherever autoscaling is on.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let ha = cx.t.promises_ha();
    for (key, c) in cx.t.components.all() {
        let pointer = format!("/components/{key}/replicas");
        if c.replicas == 0 && c.autoscaling.is_some() {
            out.push(
                cx.error(
                    codes::T_ZERO_REPLICAS,
                    &pointer,
                    format!(
                        "`{key}` is autoscaled from 0 replicas, but an HPA's minimum is at least 1"
                    ),
                )
                .help("set `replicas` (the HPA's minimum) to 1 or more, or remove `autoscaling`"),
            );
        } else if c.replicas == 0 && key != "beat" {
            let message = format!("`{key}` has 0 replicas: nothing serves it, and the release is down for it in every zone");
            let help = "set `replicas` to at least 1 (2 or more to survive a node or zone loss)";
            out.push(if ha {
                cx.error(codes::T_ZERO_REPLICAS, &pointer, message)
                    .help(format!(
                        "{help}; `availability: ha` promises every component keeps serving"
                    ))
            } else {
                cx.warning(codes::T_ZERO_REPLICAS, &pointer, message)
                    .help(help)
            });
        }
        if c.autoscaling.is_some() && c.resources.requests.cpu.value() <= 0.0 {
            out.push(
                cx.error(
                    codes::T_AUTOSCALING_CPU,
                    &format!("/components/{key}/resources/requests/cpu"),
                    format!("`{key}` autoscales on CPU but requests no CPU: the HPA measures use against the request and can never act"),
                )
                .help("request CPU (`resources.requests.cpu: 500m`), or remove `autoscaling`"),
            );
        }
    }
    out
}
