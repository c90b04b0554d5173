//! Values for kube-prometheus-stack (`prometheus-community`, chart 88.5.3),
//! with `monitoring.flavour: operator`: what the stack a platform team runs
//! needs so that it picks up dify-gen's objects, and the shape of an HA
//! monitoring stack.
//!
//! - Prometheus' rule, ServiceMonitor, PodMonitor and Probe selectors match
//!   `monitoring.operatorLabels` (every label dify-gen puts on those
//!   objects; with none, every object), and the `*NilUsesHelmValues`
//!   switches are off so the chart never narrows them to its own release;
//!   the namespace selectors take the stack's namespace and the release's;
//! - Alertmanager selects the AlertmanagerConfig by the same labels in the
//!   same namespaces and confines it to its namespace's alerts
//!   (`OnNamespace`, the routing the AlertmanagerConfig is written for);
//! - Grafana's dashboard sidecar watches the first of
//!   `monitoring.grafana.sidecarLabels` (every dashboard ConfigMap carries
//!   them all) in the stack's namespace and the release's;
//! - kube-state-metrics and node-exporter are on: the rules read them;
//! - with more than one zone, two Prometheus and two Alertmanager replicas
//!   on different nodes (required), spread over zones (preferred), each
//!   pair under a disruption budget of one pod.

use crate::plan::monitoring::Facts;
use crate::plan::Plan;
use crate::render::kubernetes::pods::{HOST_KEY, ZONE_KEY};
use crate::topology::MonitoringFlavour;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The values file, in `helm/`.
pub const FILE: &str = "kube-prometheus-stack-88.5.3.values.yaml";

/// Whether the values apply: the rules and monitors are operator objects.
pub fn applies(f: &Facts) -> bool {
    f.spec.flavour == MonitoringFlavour::Operator
}

/// The selector of dify-gen's monitoring objects.
fn selector(f: &Facts) -> Value {
    if f.spec.operator_labels.is_empty() {
        json!({})
    } else {
        json!({"matchLabels": f.spec.operator_labels})
    }
}

/// The stack's namespace and the release's, by their name label.
fn namespaces(f: &Facts) -> Vec<String> {
    let set: BTreeSet<String> = [
        f.spec.prometheus.namespace.to_string(),
        f.namespace.to_string(),
    ]
    .into_iter()
    .collect();
    set.into_iter().collect()
}

fn namespace_selector(f: &Facts) -> Value {
    json!({"matchExpressions": [{
        "key": "kubernetes.io/metadata.name",
        "operator": "In",
        "values": namespaces(f),
    }]})
}

/// Replicas, anti-affinity, zone spread of an operator-run workload whose
/// pods carry `app.kubernetes.io/name: <name>`.
fn shape(plan: &Plan, name: &str, spec: &mut Map<String, Value>) -> u32 {
    let ha = plan.t.zones.len() > 1;
    let replicas = if ha { 2 } else { 1 };
    spec.insert("replicas".into(), json!(replicas));
    if ha {
        spec.insert("podAntiAffinity".into(), json!("hard"));
        spec.insert("podAntiAffinityTopologyKey".into(), json!(HOST_KEY));
        spec.insert(
            "topologySpreadConstraints".into(),
            json!([{
                "maxSkew": 1,
                "topologyKey": ZONE_KEY,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
            }]),
        );
    }
    replicas
}

fn budget(replicas: u32) -> Value {
    json!({"enabled": replicas > 1, "minAvailable": 1})
}

pub fn values(plan: &Plan, f: &Facts) -> Value {
    let sel = selector(f);
    let ns = namespace_selector(f);
    let mut prometheus = Map::new();
    for kind in ["rule", "serviceMonitor", "podMonitor", "probe"] {
        prometheus.insert(format!("{kind}SelectorNilUsesHelmValues"), json!(false));
        prometheus.insert(format!("{kind}Selector"), sel.clone());
        prometheus.insert(format!("{kind}NamespaceSelector"), ns.clone());
    }
    let prometheus_replicas = shape(plan, "prometheus", &mut prometheus);
    let mut alertmanager = Map::new();
    alertmanager.insert("alertmanagerConfigSelector".into(), sel);
    alertmanager.insert("alertmanagerConfigNamespaceSelector".into(), ns);
    alertmanager.insert(
        "alertmanagerConfigMatcherStrategy".into(),
        json!({"type": "OnNamespace"}),
    );
    let alertmanager_replicas = shape(plan, "alertmanager", &mut alertmanager);
    let mut dashboards = json!({"enabled": true});
    if let Some((label, value)) = f.spec.grafana.sidecar_labels.iter().next() {
        dashboards["label"] = json!(label);
        dashboards["labelValue"] = json!(value);
        dashboards["searchNamespace"] = json!(namespaces(f).join(","));
    }
    json!({
        "prometheus": {
            "enabled": true,
            "podDisruptionBudget": budget(prometheus_replicas),
            "prometheusSpec": prometheus,
        },
        "alertmanager": {
            "enabled": true,
            "podDisruptionBudget": budget(alertmanager_replicas),
            "alertmanagerSpec": alertmanager,
        },
        "grafana": {
            "enabled": true,
            "sidecar": {"dashboards": dashboards},
        },
        "kubeStateMetrics": {"enabled": true},
        "nodeExporter": {"enabled": true},
    })
}
