//! A probe asks a path the image serves.
//!
//! Why: Dify has no `/healthz` or `/readyz`; a probe on a path the program
//! does not serve fails forever, and the kubelet restarts a healthy pod
//! (liveness) or never sends it traffic (readiness). What each image
//! serves is in `dify::health`. Example: `components.api.probes.liveness.
//! path: /healthz`. Fix: use the component's health endpoint (`/health` on
//! api and sandbox, `/health/check` on the plugin daemon), or omit `path`
//! for dify-gen's default. A warning: the image may be a fork that serves
//! more.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::{health, releases, Kind};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let release = releases::of_version(&cx.t.dify.version);
    for kind in Kind::ALL {
        let key = kind.key();
        let Some(component) = cx.t.components.get(kind) else {
            continue;
        };
        let probes = &component.probes;
        for (role, probe) in [
            ("liveness", &probes.liveness),
            ("readiness", &probes.readiness),
            ("startup", &probes.startup),
        ] {
            let Some(path) = probe.as_ref().and_then(|p| p.path.as_deref()) else {
                continue;
            };
            if health::serves(kind, path) != Some(false) {
                continue;
            }
            let hint = match release.probe(kind, role == "readiness") {
                Some(health::Check::Http { path, .. }) => {
                    format!("use `{path}`, or omit `path` for dify-gen's default")
                }
                _ => "omit `path` for dify-gen's default".to_string(),
            };
            out.push(
                cx.warning(
                    codes::T_PROBE_PATH,
                    &format!("/components/{key}/probes/{role}/path"),
                    format!("`{key}` does not serve `{path}`: this {role} probe would always fail"),
                )
                .help(hint),
            );
        }
    }
    out
}
