//! The Helm family: values files for the charts users already run beside
//! Dify, each named after the chart version it targets: the NGINX entry
//! (`edge`: F5 NGINX Ingress Controller, NGINX Gateway Fabric or
//! ingress-nginx), with the replicas, spread, eviction, disruption budget
//! and timeouts the topology asks for; the community Dify chart (`dify`), for
//! the Dify release it targets; and the Fluent Bit chart, when the logging
//! collector asks for it (`fluent_bit`); kube-prometheus-stack, when the
//! monitoring is prometheus-operator's (`kube_prometheus_stack`). Each file is validated against
//! the strict schema bundled for its chart version (`schemas/config/`).

mod dify;
mod edge;
mod fluent_bit;
mod kube_prometheus_stack;

use super::{Artifact, Content, Family};
use crate::plan::Plan;

pub const FAMILY: Family = Family {
    name: "helm",
    render,
};

fn render(plan: &Plan) -> Vec<Artifact> {
    let mut out = Vec::new();
    if let Some(pdb) = edge::budget(plan) {
        out.push(Artifact::object(
            FAMILY.name,
            serde_json::to_value(pdb).expect("Kubernetes types serialise to JSON"),
        ));
    }
    // The rest are values files, which a run of the objects alone drops.
    if !plan.writes_files() {
        return out;
    }
    let (file, doc) = edge::values(plan);
    out.insert(0, Artifact::file(FAMILY.name, file, Content::Yaml(doc)));
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
    if let Some(f) = plan
        .monitoring()
        .filter(|f| kube_prometheus_stack::applies(f))
    {
        out.push(Artifact::file(
            FAMILY.name,
            kube_prometheus_stack::FILE,
            Content::Yaml(kube_prometheus_stack::values(plan, f)),
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
