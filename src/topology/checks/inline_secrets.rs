//! No secret values in the topology, and no overriding of variables that
//! dify-gen owns.
//!
//! Why: the topology is committed to Git and rendered into plain manifests;
//! a password in `env` would end up in both. `MODE` and `MIGRATION_ENABLED`
//! decide which process a pod runs and whether it migrates the schema, so a
//! stray override would start a second migrator or the wrong process.
//! Fix: move the value into a Secret and reference it under `secretEnv`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::secret_scan::looks_secret;

/// Variables dify-gen sets itself and will not let a layer override.
pub const RESERVED: &[&str] = &[
    "MODE",
    "MIGRATION_ENABLED",
    "CELERY_BROKER_URL",
    "LOG_OUTPUT_FORMAT",
];

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, component) in cx.t.components.all() {
        for name in component.env.keys() {
            let pointer = format!("/components/{key}/env/{name}");
            if looks_secret(name) {
                out.push(
                    cx.error(codes::T_INLINE_SECRET, &pointer, format!("`{name}` looks like a secret and must not be written in the topology"))
                        .help(format!("store it in a Secret and reference it: `secretEnv: {{{name}: {{name: <secret>, key: <key>}}}}`")),
                );
            }
            if RESERVED.contains(&name.as_str()) {
                out.push(cx.error(
                    codes::T_RESERVED_ENV,
                    &pointer,
                    format!("`{name}` is set by dify-gen and cannot be overridden"),
                ));
            }
        }
        for name in component.secret_env.keys() {
            if RESERVED.contains(&name.as_str()) {
                let pointer = format!("/components/{key}/secretEnv/{name}");
                out.push(cx.error(
                    codes::T_RESERVED_ENV,
                    &pointer,
                    format!("`{name}` is set by dify-gen and cannot be overridden"),
                ));
            }
        }
    }
    out
}
