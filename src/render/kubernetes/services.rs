//! ClusterIP Services for the components other pods or the entry call.

use super::labels::{meta, selector_labels};
use crate::plan::Plan;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub fn services(plan: &Plan) -> Vec<Service> {
    // Every component that serves a port gets a Service, in the component
    // order (Dify's processes first).
    plan.workloads
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
        .collect()
}
