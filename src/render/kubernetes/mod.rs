//! The Kubernetes family: every object as a typed k8s-openapi value (the
//! Gateway API kinds, which k8s-openapi lacks, as typed serde structs),
//! converted to JSON only at the end.
//!
//! Objects come out in install order (namespace and accounts, config,
//! Services, workloads, budgets, entry), then by name, so `kubectl apply -f -`
//! of the stream creates dependencies first and diffs stay small.

mod base;
mod budgets;
pub mod config;
mod entry;
pub mod etcd;
mod external_secrets;
pub mod labels;
pub mod network;
mod otel;
pub mod pods;
pub use pods::resources;
pub mod postgres;
pub mod redis;
mod services;
pub mod stateful;
mod workers;
pub mod workloads;

use super::{Artifact, Family};
use crate::dify::Kind;
use crate::plan::Plan;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Kinds in the order `kubectl apply` should create them.
const INSTALL_ORDER: &[&str] = &[
    "Namespace",
    "PriorityClass",
    "ExternalSecret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
    "DaemonSet",
    "Job",
    "CronJob",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "TriggerAuthentication",
    "ScaledObject",
    "NetworkPolicy",
    "Ingress",
    "HTTPRoute",
    "ProxySettingsPolicy",
    "ClientSettingsPolicy",
];

pub const FAMILY: Family = Family {
    name: "kubernetes",
    render,
};

fn render(plan: &Plan) -> Vec<Artifact> {
    let mut objects: Vec<Value> = Vec::new();
    let mut push = |o: &dyn ToValue| objects.push(o.value());
    push(&base::namespace(plan));
    for w in &plan.workloads {
        push(&base::service_account(
            plan,
            w.kind.label(),
            w.spec.service_account.as_ref(),
        ));
    }
    let maps = config::config_maps(plan);
    let data_of = |name: &str| {
        maps.iter()
            .find(|m| m.metadata.name.as_deref() == Some(name))
            .map(|m| &m.data)
    };
    // Every backend kind reads the one backend ConfigMap: its hash is
    // computed once, not once per Deployment.
    let mut hashes: Vec<(String, bool, String)> = Vec::new();
    let mut hash_of = |kind: Kind| -> String {
        let name = config::config_map_name(plan, kind);
        let backend = kind.is_backend();
        if let Some((.., hash)) = hashes.iter().find(|(n, b, _)| *n == name && *b == backend) {
            return hash.clone();
        }
        // Backend pods also run the schema wait: a new script rolls them.
        let wait = backend.then(|| data_of(&config::schema_wait_name(plan)));
        let hash = config_hash(&(data_of(&name), backend, wait));
        hashes.push((name, backend, hash.clone()));
        hash
    };
    let pools = crate::plan::workers::pools(plan.t);
    let mut keda = Vec::new();
    for w in &plan.workloads {
        if w.kind == Kind::Worker && !pools.is_empty() {
            // One Deployment per pool instead of the one worker.
            for pool in &pools {
                push(&workers::deployment(plan, w, pool, &hash_of(w.kind)));
                if let Some(pdb) = workers::pdb(plan, w, pool) {
                    push(&pdb);
                }
                keda.extend(workers::keda(plan, w, pool));
            }
            continue;
        }
        push(&workloads::deployment(plan, w, &hash_of(w.kind)));
        if let Some(pdb) = budgets::pdb(plan, w) {
            push(&pdb);
        }
        if let Some(hpa) = budgets::hpa(plan, w) {
            push(&hpa);
        }
    }
    objects.extend(keda);
    let mut push = |o: &dyn ToValue| objects.push(o.value());
    push(&workloads::migration_job(plan, &hash_of(Kind::Migration)));
    for m in &maps {
        push(m);
    }
    for s in services::services(plan) {
        push(&s);
    }
    let enforce = plan.t.network.as_ref().is_none_or(|n| n.policies);
    for p in network::policies(plan).into_iter().filter(|_| enforce) {
        push(&p);
    }
    objects.extend(entry::objects(plan));
    objects.extend(external_secrets::objects(plan));
    // The data layer; each renders nothing in `external` mode.
    objects.extend(etcd::objects(plan));
    objects.extend(postgres::objects(plan));
    objects.extend(redis::objects(plan));
    objects.extend(otel::objects(plan));
    objects
        .into_iter()
        .map(|doc| Artifact::object(FAMILY.name, doc))
        .collect()
}

/// A custom resource, for the kinds k8s-openapi has no type for: its
/// `spec` is a typed serde struct of the CRD's schema.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Custom<S: Serialize> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    pub spec: S,
}

trait ToValue {
    fn value(&self) -> Value;
}

impl<T: Serialize> ToValue for T {
    fn value(&self) -> Value {
        serde_json::to_value(self).expect("Kubernetes objects serialise to JSON")
    }
}

fn kind_of(doc: &Value) -> &str {
    doc.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn name_of(doc: &Value) -> &str {
    // Not `pointer`, which copies every segment of its path.
    doc.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Where an object goes in the stream: by install order, then name. Every
/// family's objects are sorted together by this key (`render::render_with`).
pub fn install_order(doc: &Value) -> (usize, &str) {
    let kind = kind_of(doc);
    let rank = INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len());
    (rank, name_of(doc))
}

/// `<dir>/deployment-dify-api.yaml`: unique, because a kind's names are
/// unique within the one namespace dify-gen renders into. One allocation.
pub fn file_path(dir: &str, doc: &Value) -> String {
    let (kind, name) = (kind_of(doc), name_of(doc));
    let mut path = String::with_capacity(dir.len() + kind.len() + name.len() + 7);
    path.push_str(dir);
    path.push('/');
    path.extend(kind.chars().map(|c| c.to_ascii_lowercase()));
    path.push('-');
    path.push_str(name);
    path.push_str(".yaml");
    path
}

/// A short, stable digest of configuration a pod reads at start.
pub fn config_hash(value: &impl Serialize) -> String {
    // The JSON text streams into the hasher: no buffer of it is built.
    let mut hasher = Sha256::new();
    serde_json::to_writer(&mut hasher, value).expect("configuration serialises to JSON");
    crate::names::derived::hex(&hasher.finalize()[..8])
}
