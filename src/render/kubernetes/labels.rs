//! Names and labels come from here only, so selectors, PDBs, NetworkPolicies
//! and Services can never drift apart.

use crate::plan::Plan;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

pub const PART_OF: &str = "dify";
pub const MANAGED_BY: &str = "dify-gen";

/// The labels that select a component's pods. They never include the
/// version: selectors are immutable, and a version bump must not orphan pods.
pub fn selector_labels(plan: &Plan, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), PART_OF.to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            plan.release.to_string(),
        ),
        (
            "app.kubernetes.io/component".to_string(),
            component.to_string(),
        ),
    ])
}

/// The full recommended label set.
pub fn labels(plan: &Plan, component: &str) -> BTreeMap<String, String> {
    let mut labels = selector_labels(plan, component);
    labels.insert("app.kubernetes.io/part-of".into(), PART_OF.into());
    labels.insert("app.kubernetes.io/managed-by".into(), MANAGED_BY.into());
    labels.insert("app.kubernetes.io/version".into(), plan.app_version.clone());
    labels
}

pub fn selector(plan: &Plan, component: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(selector_labels(plan, component)),
        ..Default::default()
    }
}

/// Metadata of a namespaced object.
pub fn meta(plan: &Plan, name: impl Into<String>, component: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(plan.namespace.to_string()),
        labels: Some(labels(plan, component)),
        ..Default::default()
    }
}
