//! The pod template's `restartPolicy` must suit its controller
//! (`ValidatePodTemplateSpecForReplicaSet`, `validateJobSpec`):
//! Deployments, StatefulSets, DaemonSets and ReplicaSets run pods that
//! always restart (`Always`, the default); a Job's pods must say
//! `OnFailure` or `Never`, and omitting it means `Always`, which the API
//! server refuses.

use super::{kind, pod_template_pointer};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let job = matches!(kind(json), "Job" | "CronJob");
    let Some(template) = pod_template_pointer(json).filter(|t| !t.is_empty()) else {
        return;
    };
    let spec = format!("{template}/spec");
    if json.at(&spec).is_none() {
        return;
    }
    let pointer = format!("{spec}/restartPolicy");
    let policy = json.at(&pointer).and_then(Value::as_str);
    let (message, at, mark) = match (job, policy) {
        (true, None) => (
            format!(
                "a {}'s pod template needs `restartPolicy: OnFailure` or `Never`",
                kind(json)
            ),
            spec.as_str(),
            Mark::Entry,
        ),
        (true, Some("Always")) => (
            format!(
                "`restartPolicy: Always` is not allowed in a {}: use `OnFailure` or `Never`",
                kind(json)
            ),
            pointer.as_str(),
            Mark::Value,
        ),
        (false, Some(p)) if p != "Always" => (
            format!(
                "`restartPolicy: {p}` is not allowed in a {}: its pods always restart",
                kind(json)
            ),
            pointer.as_str(),
            Mark::Value,
        ),
        _ => return,
    };
    out.push(doc.diag(codes::V_RESTART_POLICY, message, at, mark));
}
