//! The namespace and the service account Dify's pods run as.

use super::labels::{labels, meta};
use crate::plan::Plan;
use crate::topology::ServiceAccountSettings;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub fn namespace(plan: &Plan) -> Namespace {
    let mut labels = labels(plan, "namespace");
    // Pod Security Admission: enforce what dify-gen's pods are built for.
    labels.insert(
        "pod-security.kubernetes.io/enforce".into(),
        "baseline".into(),
    );
    // `baseline`, not `restricted`: the sandbox's documented exception
    // (root, a few added capabilities) is within baseline; every other pod
    // meets `restricted`, and the warn and audit modes report any that don't.
    labels.insert(
        "pod-security.kubernetes.io/warn".into(),
        "restricted".into(),
    );
    labels.insert(
        "pod-security.kubernetes.io/audit".into(),
        "restricted".into(),
    );
    Namespace {
        metadata: ObjectMeta {
            name: Some(plan.namespace.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// One account per component, so RBAC or cloud IAM (IRSA, workload
/// identity) can be granted to exactly one of them. Dify's pods never call
/// the Kubernetes API, so none mounts a token.
pub fn service_account(
    plan: &Plan,
    component: &str,
    settings: Option<&ServiceAccountSettings>,
) -> ServiceAccount {
    let mut metadata = meta(plan, plan.name(component), component);
    if let Some(s) = settings {
        // The topology refuses `app.kubernetes.io/*` labels, so none of
        // dify-gen's is replaced.
        let labels = metadata.labels.get_or_insert_with(Default::default);
        labels.extend(s.labels.clone());
        if !s.annotations.is_empty() {
            metadata.annotations = Some(s.annotations.clone());
        }
    }
    ServiceAccount {
        metadata,
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}
