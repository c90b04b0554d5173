//! `ingress.annotations` and `ingress.labels`: keys and values as
//! Kubernetes spells them (`T143`), no `app.kubernetes.io/*` label, and no
//! annotation dify-gen sets itself for the controller (`T176`): the
//! timeouts, buffering and body size that keep Dify's streams alive come
//! from `ingress.timeoutSeconds` and `maxBodyMegabytes`, not from a
//! second value that would silently win or lose.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::source::pointer_segment;
use crate::topology::managed_annotations;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let i = &cx.t.ingress;
    let mut out = super::identity::metadata(
        cx,
        "/ingress",
        &i.annotations,
        &i.labels,
        codes::T_ENTRY_METADATA,
    );
    let managed = managed_annotations(i.controller);
    for name in i
        .annotations
        .keys()
        .filter(|k| managed.contains(&k.as_str()))
    {
        out.push(
            cx.error(
                codes::T_ENTRY_METADATA,
                &format!("/ingress/annotations/{}", pointer_segment(name)),
                format!("annotation `{name}` is one dify-gen sets for this controller"),
            )
            .help("set `ingress.timeoutSeconds` or `ingress.maxBodyMegabytes` instead"),
        );
    }
    out
}
