//! ClusterIP Services for the components other pods or the entry call.

use super::config::{API_PORT, PLUGIN_DAEMON_PORT, PROXY_PORT, SANDBOX_PORT, WEB_PORT};
use super::labels::{meta, selector_labels};
use crate::plan::{Kind, Plan};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Components with a Service, with their port and its name.
pub const SERVED: [(Kind, u16, &str); 5] = [
    (Kind::Api, API_PORT, "http"),
    (Kind::Web, WEB_PORT, "http"),
    (Kind::Sandbox, SANDBOX_PORT, "http"),
    (Kind::PluginDaemon, PLUGIN_DAEMON_PORT, "http"),
    (Kind::SsrfProxy, PROXY_PORT, "proxy"),
];

pub fn services(plan: &Plan) -> Vec<Service> {
    SERVED
        .iter()
        .map(|(kind, port, name)| Service {
            metadata: meta(plan, plan.name(kind.label()), kind.label()),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector_labels(plan, kind.label())),
                ports: Some(vec![ServicePort {
                    name: Some((*name).into()),
                    port: i32::from(*port),
                    target_port: Some(IntOrString::String((*name).into())),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect()
}
