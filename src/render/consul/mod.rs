//! The Consul family: `consul/services.json`, service definitions in
//! Consul's agent configuration format, one per component that serves a
//! port, each with a check on its real health endpoint at the topology's
//! interval and timeout, deregistered after the critical period. The
//! addresses are the services' names on the stack's networks, so the
//! agent that loads the file must run on them (see `docs/swarm.md`).
//! Kubernetes Services get catalog-sync annotations instead
//! ([`annotations`]), rendered by the Kubernetes family.

use super::{Artifact, Content, Family};
use crate::dify::{health, Kind};
use crate::plan::Plan;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const FAMILY: Family = Family {
    name: "consul",
    render,
};

/// The file, named so that validation finds its schema.
pub const SERVICES_FILE: &str = "services.json";

fn render(plan: &Plan) -> Vec<Artifact> {
    // Files only: a run of the objects alone has nothing to take from here.
    if plan.t.consul.is_none() || !plan.writes_files() {
        return Vec::new();
    }
    let services: Vec<Value> = plan
        .workloads
        .iter()
        .filter_map(|w| {
            let (_, port) = w.kind.serves()?;
            let name = plan.name(w.kind.label());
            let check = check(plan, w.kind, &name, port);
            Some(json!({
                "id": name,
                "name": name,
                "address": name,
                "port": port,
                "tags": tags(plan, w.kind),
                "meta": {"version": plan.app_version, "component": w.kind.label()},
                "checks": check.into_iter().collect::<Vec<_>>(),
            }))
        })
        .collect();
    vec![Artifact::file(
        FAMILY.name,
        SERVICES_FILE,
        Content::Json(json!({ "services": services })),
    )]
}

fn tags(plan: &Plan, kind: Kind) -> Vec<String> {
    let mut tags = plan
        .t
        .consul
        .as_ref()
        .map(|c| c.tags.clone())
        .unwrap_or_default();
    tags.push(kind.label().to_string());
    tags
}

/// A check on the component's readiness endpoint.
fn check(plan: &Plan, kind: Kind, name: &str, port: u16) -> Option<Value> {
    let consul = plan.t.consul.as_ref()?;
    let endpoint = plan.dify.probe(kind, true)?;
    let mut check = json!({
        "name": format!("{name} health"),
        "interval": format!("{}s", consul.check_interval_seconds),
        "timeout": format!("{}s", consul.check_timeout_seconds),
        "deregister_critical_service_after": format!("{}m", consul.deregister_critical_after_minutes),
    });
    match endpoint {
        health::Check::Http { path, .. } => {
            check["http"] = json!(format!("http://{name}:{port}{path}"));
            check["method"] = json!("GET");
        }
        health::Check::Tcp { .. } => check["tcp"] = json!(format!("{name}:{port}")),
    }
    Some(check)
}

/// The annotations consul-k8s catalog sync reads on a Service, when the
/// topology asks for them: sync it, under the component's name, with the
/// topology's tags and the Dify version as metadata.
pub fn annotations(plan: &Plan, kind: Kind) -> BTreeMap<String, String> {
    if !plan.t.consul.as_ref().is_some_and(|c| c.catalog_sync) {
        return BTreeMap::new();
    }
    BTreeMap::from([
        (
            "consul.hashicorp.com/service-sync".to_string(),
            "true".to_string(),
        ),
        (
            "consul.hashicorp.com/service-name".to_string(),
            plan.name(kind.label()),
        ),
        (
            "consul.hashicorp.com/service-tags".to_string(),
            tags(plan, kind).join(","),
        ),
        (
            "consul.hashicorp.com/service-meta-version".to_string(),
            plan.app_version.clone(),
        ),
    ])
}
