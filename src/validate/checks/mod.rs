//! Checks the API server makes that a schema cannot express, one module per
//! check. Per-document checks see one object; cross-document checks see
//! every Kubernetes object of the run (all files together).
//!
//! Adding a check: a new module here with a `check` function, one line in
//! [`per_document`] or [`cross_document`], a code in `diagnostic/codes.rs`
//! and an invalid/valid fixture pair under `tests/fixtures/manifests/`.

mod budgets;
mod cron;
mod data_keys;
mod duplicates;
mod ingress;
mod metadata;
mod names;
mod network_policy;
mod one_of;
mod pdb;
mod pod_refs;
mod ports;
mod ranges;
mod rbac;
mod requests_limits;
mod resources;
mod restart_policy;
mod selector;
mod service;
mod size;
mod storage;
mod target_port;
mod traffic_policy;

use super::Doc;
use crate::diagnostic::Diagnostic;
use crate::validate::pointer::At;
use serde_json::Value;
use std::borrow::Cow;

/// A Kubernetes object with its JSON form, for cross-document checks.
pub struct Object<'a> {
    pub doc: Doc<'a>,
    pub json: &'a Value,
}

pub(super) fn per_document(doc: &Doc, json: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let pod = Pod::of(json);
    names::check(doc, json, &mut out);
    size::check(doc, json, &mut out);
    resources::check(doc, json, &mut out);
    selector::check(doc, json, &mut out);
    traffic_policy::check(doc, json, &mut out);
    metadata::check(doc, json, &mut out);
    ranges::check(doc, json, &pod, &mut out);
    ports::check(doc, json, &pod, &mut out);
    one_of::check(doc, json, &pod, &mut out);
    cron::check(doc, json, &mut out);
    data_keys::check(doc, json, &mut out);
    requests_limits::check(doc, &pod, &mut out);
    pod_refs::check(doc, json, &pod, &mut out);
    service::check(doc, json, &mut out);
    ingress::check(doc, json, &mut out);
    network_policy::check(doc, json, &mut out);
    rbac::check(doc, json, &mut out);
    storage::check(doc, json, &mut out);
    restart_policy::check(doc, json, &mut out);
    budgets::check(doc, json, &mut out);
    out
}

pub(super) fn cross_document(objects: &[Object]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let pods = PodOwners::index(objects);
    duplicates::check(objects, &mut out);
    target_port::check(objects, &pods, &mut out);
    pdb::check(objects, &pods, &mut out);
    out
}

/// Objects that own pods (workloads and bare Pods), by namespace, with
/// their pod template labels looked up once: the cross-document checks
/// compare every Service and PDB against them, which must stay linear in
/// practice on trees of tens of thousands of objects.
struct PodOwners<'a> {
    by_namespace: std::collections::HashMap<&'a str, Vec<PodOwner<'a>>>,
}

struct PodOwner<'a> {
    json: &'a Value,
    labels: &'a serde_json::Map<String, Value>,
    workload: bool,
}

impl<'a> PodOwners<'a> {
    fn index(objects: &'a [Object]) -> Self {
        let mut by_namespace: std::collections::HashMap<&str, Vec<PodOwner>> =
            std::collections::HashMap::new();
        for o in objects {
            let workload = is_workload(o.json);
            if !workload && kind(o.json) != "Pod" {
                continue;
            }
            let Some(labels) = template_labels(o.json) else {
                continue;
            };
            by_namespace
                .entry(namespace(o.json))
                .or_default()
                .push(PodOwner {
                    json: o.json,
                    labels,
                    workload,
                });
        }
        PodOwners { by_namespace }
    }

    fn in_namespace(&self, ns: &str) -> &[PodOwner<'a>] {
        self.by_namespace.get(ns).map_or(&[], Vec::as_slice)
    }
}

/// What the cross-document checks need of an object: all of it for pod
/// owners, Services and PDBs, only its identity for the rest (which keeps
/// peak memory down on large trees). An object the caller holds (a
/// rendered one) is borrowed, not copied.
pub(super) fn keep_for_cross_checks(json: Cow<Value>) -> Cow<Value> {
    if is_workload(&json) || matches!(kind(&json), "Pod" | "Service" | "PodDisruptionBudget") {
        return json;
    }
    if let Cow::Borrowed(_) = json {
        // Borrowed already: an identity would be a copy, not a saving.
        return json;
    }
    Cow::Owned(serde_json::json!({
        "apiVersion": json.get("apiVersion"),
        "kind": json.get("kind"),
        "metadata": {
            "name": json.at("/metadata/name"),
            "namespace": json.at("/metadata/namespace"),
        },
    }))
}

fn kind(json: &Value) -> &str {
    json.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn namespace(json: &Value) -> &str {
    json.at("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn name(json: &Value) -> &str {
    json.at("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The JSON pointer of the pod template of a workload (`""` for a Pod).
fn pod_template_pointer(json: &Value) -> Option<&'static str> {
    match kind(json) {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some("/spec/template"),
        "CronJob" => Some("/spec/jobTemplate/spec/template"),
        "Pod" => Some(""),
        _ => None,
    }
}

/// Workloads whose pods a PDB or Service is meant to select.
fn is_workload(json: &Value) -> bool {
    matches!(
        kind(json),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController"
    )
}

/// The pod spec of a workload or Pod, looked up once per document for the
/// checks that read it.
struct Pod<'v> {
    /// The JSON pointer of the pod spec.
    spec: Option<String>,
    /// Every container (init, regular and ephemeral), with its pointer.
    containers: Vec<(String, &'v Value)>,
}

impl<'v> Pod<'v> {
    fn of(json: &'v Value) -> Pod<'v> {
        let spec = pod_spec(json);
        let containers = spec
            .as_deref()
            .map(|s| containers(json, s))
            .unwrap_or_default();
        Pod { spec, containers }
    }
}

/// The JSON pointer of the pod spec of a workload or Pod.
fn pod_spec(json: &Value) -> Option<String> {
    let spec = format!("{}/spec", pod_template_pointer(json)?);
    json.at(&spec).is_some().then_some(spec)
}

/// Every container of the pod spec at `spec` (regular, init and
/// ephemeral), with its JSON pointer.
fn containers<'v>(json: &'v Value, spec: &str) -> Vec<(String, &'v Value)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let pointer = format!("{spec}/{list}");
        for (i, c) in json
            .at(&pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push((format!("{pointer}/{i}"), c));
        }
    }
    out
}

/// The items of the list at `value`, with their indices.
fn items(value: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// Where an Ingress backend is: the default one, or rule `r`'s path `i`.
#[derive(Clone, Copy)]
struct Backend(Option<(usize, usize)>);

impl Backend {
    fn pointer(self) -> String {
        match self.0 {
            None => "/spec/defaultBackend".to_string(),
            Some((r, i)) => format!("/spec/rules/{r}/http/paths/{i}/backend"),
        }
    }
}

/// An Ingress's backends (the default one first, then each rule's paths'),
/// present or not.
fn ingress_backends(json: &Value) -> Vec<(Backend, Option<&Value>)> {
    let mut backends = vec![(Backend(None), json.path(&["spec", "defaultBackend"]))];
    for (r, rule) in items(json.path(&["spec", "rules"])) {
        backends.extend(
            items(rule.path(&["http", "paths"]))
                .map(|(i, path)| (Backend(Some((r, i))), path.path(&["backend"]))),
        );
    }
    backends
}

fn template_labels(json: &Value) -> Option<&serde_json::Map<String, Value>> {
    let pointer = pod_template_pointer(json)?;
    json.at(&format!("{pointer}/metadata/labels"))?.as_object()
}

/// Whether a `LabelSelector` (matchLabels and matchExpressions) selects a
/// label set. An empty selector selects everything, as in the API.
fn selector_matches(selector: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    if let Some(match_labels) = selector.get("matchLabels").and_then(Value::as_object) {
        if !match_labels
            .iter()
            .all(|(k, v)| get(k).is_some() && get(k) == v.as_str())
        {
            return false;
        }
    }
    let Some(expressions) = selector.get("matchExpressions").and_then(Value::as_array) else {
        return true;
    };
    expressions.iter().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => get(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => get(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => get(key).is_some(),
            Some("DoesNotExist") => get(key).is_none(),
            _ => false,
        }
    })
}

/// Whether a Service's plain `selector` map selects a label set.
fn map_selector_matches(
    selector: &serde_json::Map<String, Value>,
    labels: &serde_json::Map<String, Value>,
) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Value::as_str) == v.as_str())
}

fn object_label(json: &Value) -> String {
    let ns = namespace(json);
    if ns.is_empty() {
        format!("{}/{}", kind(json), name(json))
    } else {
        format!("{}/{}/{}", kind(json), ns, name(json))
    }
}
