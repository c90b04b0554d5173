//! The Helm family: values files for the charts users already run beside
//! Dify. Today: the NGINX entry (F5 NGINX Ingress Controller or NGINX
//! Gateway Fabric), with the replicas, spread, disruption budget and
//! timeouts the topology asks for; the community Dify chart (`dify`), for
//! the Dify release it targets; and the Fluent Bit chart, when the logging
//! collector asks for it (`fluent_bit`). Each file is validated against
//! the strict schema bundled for its chart version (`schemas/config/`).

mod dify;
mod fluent_bit;

use super::{Artifact, Content, Family};
use crate::dify::releases::HOOK_URL_HEADER;
use crate::plan::Plan;
use crate::topology::IngressController;
use serde_json::json;

pub const FAMILY: Family = Family {
    name: "helm",
    render,
};

fn render(plan: &Plan) -> Vec<Artifact> {
    let i = &plan.t.ingress;
    let replicas = i.controller_replicas;
    let zones = plan.t.zones.len() > 1;
    let spread = |selector: serde_json::Value| {
        let mut c = vec![
            json!({"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector.clone()}),
        ];
        if zones {
            c.insert(0, json!({"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector}));
        }
        c
    };
    let timeout = format!("{}s", i.timeout_seconds);
    let hooks = plan.routes().any(|r| r.hook_url);
    let (header, value) = HOOK_URL_HEADER;
    let hook_header = if hooks {
        json!({ header: value })
    } else {
        json!({})
    };
    let (file, doc) = match i.controller {
        IngressController::F5Nginx => (
            "nginx-ingress.values.yaml",
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
                    "topologySpreadConstraints": spread(json!({"matchLabels": {"app.kubernetes.io/name": "nginx-ingress"}})),
                    "service": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
                }
            }),
        ),
        IngressController::GatewayApi => (
            "nginx-gateway-fabric.values.yaml",
            json!({
                "nginx": {
                    "replicas": replicas,
                    "service": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
                    "pod": {"topologySpreadConstraints": spread(json!({"matchLabels": {"app.kubernetes.io/name": "nginx-gateway-fabric"}}))},
                }
            }),
        ),
        IngressController::IngressNginx => (
            "ingress-nginx.values.yaml",
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
                    "topologySpreadConstraints": spread(json!({"matchLabels": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}})),
                    "service": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
                }
            }),
        ),
    };
    let mut out = vec![Artifact::file(FAMILY.name, file, Content::Yaml(doc))];
    if dify::applies(plan) {
        out.push(Artifact::file(
            FAMILY.name,
            dify::FILE,
            Content::Yaml(dify::values(plan)),
        ));
    }
    if let Some(l) =
        super::fluent_bit::logging(plan).filter(|l| super::fluent_bit::renders_helm_values(l))
    {
        out.push(Artifact::file(
            FAMILY.name,
            fluent_bit::FILE,
            Content::Yaml(fluent_bit::values(plan, l)),
        ));
    }
    out
}

/// `repository[:tag][@digest]`, split as charts join them again.
fn split_image(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    // A `:` after the last `/` is the tag's; one before it is a port.
    match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..]), digest),
        _ => (rest, None, digest),
    }
}
