//! ServiceAccount annotations and labels for workload identity: keys are
//! label keys and labels label values (`T143`); `app.kubernetes.io/*`
//! labels are dify-gen's own (`T126`). With `storage.s3.useIamRole`, the
//! components that read and write the bucket (api, worker, plugin daemon)
//! need an identity on their ServiceAccount (IRSA's
//! `eks.amazonaws.com/role-arn` and the like), or the SDK finds no
//! credentials at the first upload: a warning, since a node role or EKS Pod
//! Identity may grant it instead.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::Kind;
use crate::names::kubernetes;
use crate::source::pointer_segment;
use crate::topology::IDENTITY_ANNOTATIONS;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, c) in cx.t.components.all() {
        let Some(sa) = &c.service_account else {
            continue;
        };
        let base = format!("/components/{key}/serviceAccount");
        out.extend(metadata(
            cx,
            &base,
            &sa.annotations,
            &sa.labels,
            codes::T_IDENTITY,
        ));
    }
    if cx.t.storage.s3().is_some_and(|s| s.use_iam_role) {
        let bare: Vec<&str> = [Kind::Api, Kind::Worker, Kind::PluginDaemon]
            .into_iter()
            .filter(|&k| {
                let annotations =
                    cx.t.components
                        .get(k)
                        .and_then(|c| c.service_account.as_ref())
                        .map(|s| &s.annotations);
                !annotations
                    .is_some_and(|a| IDENTITY_ANNOTATIONS.iter().any(|k| a.contains_key(*k)))
            })
            .map(|k| k.key())
            .collect();
        if !bare.is_empty() {
            out.push(
                cx.warning(
                    codes::T_IDENTITY,
                    "/storage/s3/useIamRole",
                    format!(
                        "`useIamRole: true`, but the ServiceAccount of {} carries no workload identity",
                        bare.join(", ")
                    ),
                )
                .help(format!(
                    "annotate `components.<name>.serviceAccount.annotations` with one of {}, or grant the role to the nodes",
                    IDENTITY_ANNOTATIONS.join(", ")
                )),
            );
        }
    }
    out
}

/// Annotation keys and labels a topology adds to an object's metadata:
/// keys and values as Kubernetes spells them (`T143`), and no
/// `app.kubernetes.io/*` label, which dify-gen sets on every object (`code`).
pub(super) fn metadata(
    cx: &Cx,
    base: &str,
    annotations: &std::collections::BTreeMap<String, String>,
    labels: &std::collections::BTreeMap<String, String>,
    code: &'static str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for name in annotations.keys() {
        let at = format!("{base}/annotations/{}", pointer_segment(name));
        out.extend(cx.name_rule(&at, "annotation key", name, kubernetes::label_key));
    }
    for (name, value) in labels {
        let at = format!("{base}/labels/{}", pointer_segment(name));
        if name.starts_with("app.kubernetes.io/") {
            out.push(
                cx.error(
                    code,
                    &at,
                    format!("label `{name}` is one dify-gen sets on every object"),
                )
                .help("use a label key of your own prefix"),
            );
            continue;
        }
        out.extend(cx.name_rule(&at, "node label key", name, kubernetes::label_key));
        out.extend(cx.name_rule(&at, "node label value", value, kubernetes::label_value));
    }
    out
}
