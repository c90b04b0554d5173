//! Values for the NGINX entry's chart: the F5 NGINX Ingress Controller
//! (`nginx-ingress` 2.6.4, NGINX Ingress Controller 5.5.4), NGINX Gateway
//! Fabric (2.6.7) or the legacy ingress-nginx, with the design's
//! multi-replica entry: `ingress.controllerReplicas` behind a
//! `LoadBalancer` Service with `externalTrafficPolicy: Local` (the client
//! address is kept and a node without a controller pod fails the load
//! balancer's health check instead of forwarding), a disruption budget of
//! one pod at a time, spread by `ingress.controllerSpread`, and evicted
//! from a failed node after `ingress.controllerEviction`'s seconds.
//!
//! NGINX Gateway Fabric provisions its data plane from the chart's
//! `NginxProxy` and has no disruption-budget value: dify-gen renders that
//! PodDisruptionBudget as an object (`budget`), selecting the data plane
//! pods by the Gateway's name as NGF labels them.

use crate::dify::releases::HOOK_URL_HEADER;
use crate::plan::Plan;
use crate::render::kubernetes::labels::meta;
use crate::render::kubernetes::pods::{spread_keys, tolerations};
use crate::topology::{GatewayImplementation, IngressController};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The F5 NGINX Ingress Controller's values, named after its chart version.
pub const NGINX_INGRESS_FILE: &str = "nginx-ingress-2.6.4.values.yaml";
/// NGINX Gateway Fabric's values, named after its chart version.
pub const GATEWAY_FABRIC_FILE: &str = "nginx-gateway-fabric-2.6.7.values.yaml";
/// ingress-nginx's values (no pinned chart: the controller is retired).
pub const INGRESS_NGINX_FILE: &str = "ingress-nginx.values.yaml";

/// The label NGINX Gateway Fabric puts on a Gateway's data plane pods.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// The spread constraints of `ingress.controllerSpread` over `selector`.
fn spread(plan: &Plan, selector: &Value) -> Vec<Value> {
    spread_keys(plan, plan.effective(plan.t.ingress.controller_spread))
        .into_iter()
        .map(|(key, hard)| {
            json!({
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": if hard { "DoNotSchedule" } else { "ScheduleAnyway" },
                "labelSelector": selector,
            })
        })
        .collect()
}

/// The tolerations of `ingress.controllerEviction` (none without it: the
/// API server's 300 s default).
fn eviction(plan: &Plan) -> Value {
    let list = tolerations(plan.t.ingress.controller_eviction.as_ref(), &[]);
    serde_json::to_value(list).expect("tolerations serialise to JSON")
}

/// The data plane pods of the Gateway the HTTPRoute attaches to.
fn gateway_pods(plan: &Plan) -> Option<(String, BTreeMap<String, String>)> {
    let g = plan.t.ingress.gateway.as_ref()?;
    let labels = BTreeMap::from([(GATEWAY_NAME_LABEL.to_string(), g.name.clone())]);
    Some((g.namespace.clone(), labels))
}

/// The values file of the topology's controller: its name and content.
pub fn values(plan: &Plan) -> (&'static str, Value) {
    let i = &plan.t.ingress;
    let replicas = i.controller_replicas;
    let service = json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local"});
    let timeout = format!("{}s", i.timeout_seconds);
    match i.controller {
        IngressController::F5Nginx => (
            NGINX_INGRESS_FILE,
            json!({
                "controller": {
                    "kind": "deployment",
                    "replicaCount": replicas,
                    "ingressClass": {"name": i.class_name, "create": true},
                    "config": {"entries": {
                        "proxy-read-timeout": timeout,
                        "proxy-send-timeout": timeout,
                        "proxy-buffering": "False",
                        "client-max-body-size": format!("{}m", i.max_body_megabytes),
                    }},
                    "podDisruptionBudget": {"enabled": replicas > 1, "maxUnavailable": 1},
                    "topologySpreadConstraints": spread(plan, &json!({"matchLabels": {"app.kubernetes.io/name": "nginx-ingress"}})),
                    "tolerations": eviction(plan),
                    "service": service,
                }
            }),
        ),
        IngressController::GatewayApi => {
            let selector =
                gateway_pods(plan).map_or(json!({}), |(_, labels)| json!({"matchLabels": labels}));
            (
                GATEWAY_FABRIC_FILE,
                json!({
                    "nginx": {
                        "replicas": replicas,
                        "service": service,
                        "pod": {
                            "topologySpreadConstraints": spread(plan, &selector),
                            "tolerations": eviction(plan),
                        },
                    }
                }),
            )
        }
        IngressController::IngressNginx => {
            let hooks = plan.routes().any(|r| r.hook_url);
            let (header, value) = HOOK_URL_HEADER;
            let hook_header = if hooks {
                json!({ header: value })
            } else {
                json!({})
            };
            (
                INGRESS_NGINX_FILE,
                json!({
                    "controller": {
                        // ingress-nginx sets request headers controller-wide
                        // only (per Ingress it needs snippets, off by default):
                        // Dify's plugin daemon reads this one on `/e/`.
                        "proxySetHeaders": hook_header,
                        "replicaCount": replicas,
                        "ingressClassResource": {"name": i.class_name},
                        "config": {
                            "proxy-read-timeout": i.timeout_seconds.to_string(),
                            "proxy-send-timeout": i.timeout_seconds.to_string(),
                            "proxy-buffering": "off",
                            "proxy-body-size": format!("{}m", i.max_body_megabytes),
                        },
                        "minAvailable": null,
                        "maxUnavailable": 1,
                        "topologySpreadConstraints": spread(plan, &json!({"matchLabels": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}})),
                        "tolerations": eviction(plan),
                        "service": service,
                    }
                }),
            )
        }
    }
}

/// The NGINX Gateway Fabric data plane's PodDisruptionBudget, in the
/// Gateway's namespace, where more than one replica serves.
pub fn budget(plan: &Plan) -> Option<PodDisruptionBudget> {
    let i = &plan.t.ingress;
    let g = i.gateway.as_ref()?;
    if i.controller != IngressController::GatewayApi
        || g.implementation != GatewayImplementation::NginxGatewayFabric
        || i.controller_replicas < 2
    {
        return None;
    }
    let (namespace, labels) = gateway_pods(plan)?;
    let mut metadata = meta(plan, plan.name("gateway"), "gateway");
    metadata.namespace = Some(namespace);
    Some(PodDisruptionBudget {
        metadata,
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(labels),
                ..Default::default()
            }),
            unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
            ..Default::default()
        }),
        ..Default::default()
    })
}
