//! The OpenTelemetry Collector (`monitoring.otelCollector`): Dify's api,
//! worker and beat push OTLP over HTTP to it (`ENABLE_OTEL`,
//! `OTLP_BASE_ENDPOINT`); it exposes the metrics in Prometheus' format on
//! its `metrics` port, which Prometheus scrapes like the other pods, and
//! logs a one-line summary of the traces it receives (Dify sends both, and
//! a receiver without a traces pipeline answers 404).

use super::labels::{labels, meta, selector, selector_labels};
use super::pods::{
    pull_secrets, resources, restricted_container, spread_constraint, HOST_KEY, ZONE_KEY,
};
use super::stateful::{config_volume, container_port, http_probe, pod_security, service_port};
use super::{config_hash, ToValue};
use crate::dify::ports;
use crate::plan::monitoring::{otel_collector, OTEL_COLLECTOR};
use crate::plan::Plan;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PodSpec, PodTemplateSpec, Service, ServiceSpec, VolumeMount,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `nonroot` of the collector's image.
const UID: i64 = 10001;
const CONFIG_DIR: &str = "/etc/otelcol-contrib";

/// The collector's configuration.
pub fn config() -> Value {
    json!({
        "extensions": {"health_check": {"endpoint": format!("0.0.0.0:{}", ports::OTEL_HEALTH)}},
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": format!("0.0.0.0:{}", ports::OTLP_HTTP)}}}},
        "processors": {
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "batch": {},
        },
        "exporters": {
            "prometheus": {"endpoint": format!("0.0.0.0:{}", ports::OTEL_METRICS), "resource_to_telemetry_conversion": {"enabled": true}},
            "debug": {"verbosity": "basic"},
        },
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "metrics": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["prometheus"]},
                "traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["debug"]},
            },
        },
    })
}

pub fn objects(plan: &Plan) -> Vec<Value> {
    let Some(o) = otel_collector(plan.t) else {
        return Vec::new();
    };
    let name = plan.name(OTEL_COLLECTOR);
    let text =
        serde_json::to_string_pretty(&config()).expect("the collector's configuration serialises");
    let map = ConfigMap {
        metadata: meta(plan, name.clone(), OTEL_COLLECTOR),
        data: Some(BTreeMap::from([("config.yaml".to_string(), text)])),
        ..Default::default()
    };
    let container = Container {
        name: OTEL_COLLECTOR.into(),
        image: Some(plan.pull(&o.image)),
        image_pull_policy: Some("IfNotPresent".into()),
        args: Some(vec![format!("--config={CONFIG_DIR}/config.yaml")]),
        ports: Some(vec![
            container_port("otlp-http", ports::OTLP_HTTP),
            container_port("metrics", ports::OTEL_METRICS),
            container_port("health", ports::OTEL_HEALTH),
        ]),
        resources: Some(resources(&o.resources)),
        readiness_probe: Some(http_probe("/", "health", 10, 5, 3)),
        liveness_probe: Some(http_probe("/", "health", 10, 5, 6)),
        security_context: Some(restricted_container()),
        volume_mounts: Some(vec![VolumeMount {
            name: "config".into(),
            mount_path: CONFIG_DIR.into(),
            read_only: Some(true),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let deployment = Deployment {
        metadata: meta(plan, name.clone(), OTEL_COLLECTOR),
        spec: Some(DeploymentSpec {
            replicas: Some(o.replicas as i32),
            selector: selector(plan, OTEL_COLLECTOR),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(plan, OTEL_COLLECTOR)),
                    annotations: Some(BTreeMap::from([(
                        "dify-gen.io/config-hash".to_string(),
                        config_hash(&map.data),
                    )])),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    image_pull_secrets: pull_secrets(plan, None),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(UID)),
                    // Soft spread: a lost zone or node must not take all of them.
                    topology_spread_constraints: (o.replicas >= 2).then(|| {
                        [ZONE_KEY, HOST_KEY]
                            .map(|key| spread_constraint(plan, OTEL_COLLECTOR, key, false))
                            .to_vec()
                    }),
                    containers: vec![container],
                    volumes: Some(vec![config_volume("config", name.clone(), 0o444)]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let service = Service {
        metadata: meta(plan, name.clone(), OTEL_COLLECTOR),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector_labels(plan, OTEL_COLLECTOR)),
            ports: Some(vec![service_port("otlp-http", ports::OTLP_HTTP)]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut out = vec![map.value(), deployment.value(), service.value()];
    if o.replicas >= 2 {
        out.push(
            PodDisruptionBudget {
                metadata: meta(plan, name, OTEL_COLLECTOR),
                spec: Some(PodDisruptionBudgetSpec {
                    max_unavailable: Some(IntOrString::Int(1)),
                    selector: Some(selector(plan, OTEL_COLLECTOR)),
                    unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
            .value(),
        );
    }
    out
}
