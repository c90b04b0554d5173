//! ClusterIP Services for the components other pods or the entry call.

use super::labels::{meta, selector_labels};
use crate::dify::Kind;
use crate::plan::Plan;
use crate::topology::DebugServiceType;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub fn services(plan: &Plan) -> Vec<Service> {
    // Every component that serves a port gets a Service, in the component
    // order (Dify's processes first).
    let mut out: Vec<Service> = plan
        .workloads
        .iter()
        .filter_map(|w| w.kind.serves().map(|(name, port)| (w.kind, name, port)))
        .map(|(kind, name, port)| Service {
            metadata: {
                let mut m = meta(plan, plan.name(kind.label()), kind.label());
                let sync = crate::render::consul::annotations(plan, kind);
                if !sync.is_empty() {
                    m.annotations = Some(sync);
                }
                m
            },
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector_labels(plan, kind.label())),
                ports: Some(vec![ServicePort {
                    name: Some(name.into()),
                    port: i32::from(port),
                    target_port: Some(IntOrString::String(name.into())),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    out.extend(plugin_debug(plan));
    out
}

/// The plugin daemon's remote-debug port, only when the topology opens
/// it. A `LoadBalancer` keeps the client's address
/// (`externalTrafficPolicy: Local`), so that the NetworkPolicy's
/// `allowFrom` ranges see it, and takes the same ranges as source ranges.
fn plugin_debug(plan: &Plan) -> Option<Service> {
    let debug = crate::plan::plugins::remote_debug(plan.t)?;
    let kind = Kind::PluginDaemon;
    let lb = debug.service_type == DebugServiceType::LoadBalancer;
    let mut metadata = meta(plan, plan.name("plugin-debug"), kind.label());
    if !debug.annotations.is_empty() {
        metadata.annotations = Some(debug.annotations.clone());
    }
    let name = super::pods::PLUGIN_DEBUG_PORT_NAME;
    Some(Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: Some(if lb { "LoadBalancer" } else { "ClusterIP" }.into()),
            selector: Some(selector_labels(plan, kind.label())),
            ports: Some(vec![ServicePort {
                name: Some(name.into()),
                port: i32::from(debug.advertised_port),
                target_port: Some(IntOrString::String(name.into())),
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
            external_traffic_policy: lb.then(|| "Local".into()),
            load_balancer_source_ranges: lb.then(|| debug.allow_from.clone()),
            ..Default::default()
        }),
        ..Default::default()
    })
}
