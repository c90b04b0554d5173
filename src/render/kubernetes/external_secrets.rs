//! External Secrets Operator `ExternalSecret`s (external-secrets.io/v1) that
//! create every Secret the release reads, when the topology asks for them,
//! each in the namespace of the pods that read it (the log collector's
//! Secrets in its own). They carry only remote key names: values stay in
//! the store. A namespaced `SecretStore` must exist in each of those
//! namespaces; a `ClusterSecretStore` serves them all.

use super::labels::meta;
use crate::plan::Plan;
use crate::topology::SecretStoreKind;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecret {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: Spec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    refresh_interval: String,
    secret_store_ref: StoreRef,
    target: Target,
    data: Vec<Data>,
}

#[derive(Serialize)]
struct StoreRef {
    name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    name: String,
    creation_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    secret_key: String,
    remote_ref: RemoteRef,
}

#[derive(Serialize)]
struct RemoteRef {
    key: String,
    property: String,
}

pub fn objects(plan: &Plan) -> Vec<serde_json::Value> {
    let Some(es) = &plan.t.secrets.external_secrets else {
        return Vec::new();
    };
    let kind = match es.store_kind {
        SecretStoreKind::SecretStore => "SecretStore",
        SecretStoreKind::ClusterSecretStore => "ClusterSecretStore",
    };
    plan.secrets()
        .into_iter()
        .map(|((namespace, name), (component, keys))| {
            let mut metadata = meta(plan, name.clone(), component);
            metadata.namespace = Some(namespace);
            let object = ExternalSecret {
                api_version: "external-secrets.io/v1",
                kind: "ExternalSecret",
                metadata,
                spec: Spec {
                    refresh_interval: es.refresh_interval.clone(),
                    secret_store_ref: StoreRef {
                        name: es.store_name.clone(),
                        kind,
                    },
                    target: Target {
                        name: name.clone(),
                        creation_policy: "Owner",
                    },
                    data: keys
                        .into_iter()
                        .map(|key| Data {
                            secret_key: key.clone(),
                            remote_ref: RemoteRef {
                                key: format!("{}{name}", es.remote_key_prefix),
                                property: key,
                            },
                        })
                        .collect(),
                },
            };
            serde_json::to_value(object).expect("ExternalSecret serialises")
        })
        .collect()
}
