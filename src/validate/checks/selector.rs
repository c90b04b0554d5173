//! A workload's `spec.selector` must match its pod template's labels; the
//! API server rejects it otherwise ("`selector` does not match template
//! `labels`"), and a near-miss is easy to write by hand.

use super::{kind, selector_matches, template_labels};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let pointer = match kind(json) {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => "/spec/selector",
        _ => return,
    };
    let Some(selector) = json.at(pointer).filter(|s| s.is_object()) else {
        return;
    };
    let empty = serde_json::Map::new();
    let labels = template_labels(json).unwrap_or(&empty);
    let is_empty = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| m.is_empty())
        && selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .is_none_or(|a| a.is_empty());
    if is_empty && kind(json) != "Job" {
        out.push(
            doc.diag(
                codes::V_SELECTOR_MISMATCH,
                "`spec.selector` is empty",
                pointer,
                Mark::Entry,
            )
            .help("select the pod template's labels with `matchLabels`"),
        );
    } else if !selector_matches(selector, labels) {
        out.push(
            doc.diag(
                codes::V_SELECTOR_MISMATCH,
                "`spec.selector` does not match the labels of the pod template",
                pointer,
                Mark::Entry,
            )
            .help("every `matchLabels` entry must appear in `spec.template.metadata.labels`"),
        );
    }
}
