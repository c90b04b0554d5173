//! prometheus-operator objects (`monitoring.coreos.com/v1`): the rules as
//! a PrometheusRule, a PodMonitor per scraped component and a Probe per
//! probed endpoint. Each sets its `job` label explicitly, so the jobs the
//! rules select are the jobs these objects produce.

use crate::plan::monitoring::{Facts, Source, PROBE_JOB_SUFFIX};
use crate::plan::Plan;
use crate::render::kubernetes::labels::{meta, selector};
use crate::render::kubernetes::Custom;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The component label of every monitoring object.
pub const COMPONENT: &str = "monitoring";

#[derive(Serialize)]
struct RuleSpec<'a> {
    groups: Vec<super::Group<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodMonitorSpec {
    selector: LabelSelector,
    namespace_selector: NamespaceSelector,
    pod_metrics_endpoints: Vec<Endpoint>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceSelector {
    match_names: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint {
    port: String,
    path: String,
    interval: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    honor_labels: bool,
    relabelings: Vec<Relabel>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relabel {
    action: &'static str,
    target_label: &'static str,
    replacement: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProbeSpec {
    job_name: String,
    interval: String,
    module: String,
    prober: Prober,
    targets: Targets,
}

#[derive(Serialize)]
struct Prober {
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Targets {
    static_config: StaticConfig,
}

#[derive(Serialize)]
struct StaticConfig {
    #[serde(rename = "static")]
    targets: Vec<String>,
    labels: BTreeMap<String, String>,
}

fn metadata(plan: &Plan, f: &Facts, name: String) -> ObjectMeta {
    let mut m = meta(plan, name, COMPONENT);
    m.labels
        .get_or_insert_with(BTreeMap::new)
        .extend(f.spec.operator_labels.clone());
    m
}

fn value(o: impl Serialize) -> Value {
    serde_json::to_value(o).expect("prometheus-operator objects serialise to JSON")
}

pub fn objects(plan: &Plan, f: &Facts, groups: Vec<super::Group>) -> Vec<Value> {
    let interval = format!("{}s", f.spec.scrape_interval_seconds);
    let mut out = vec![value(Custom {
        api_version: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: metadata(plan, f, plan.release.to_string()),
        spec: RuleSpec { groups },
    })];
    for job in &f.jobs {
        let Source::Pods {
            component,
            port,
            path,
            ref namespace,
            honor_labels,
            ..
        } = job.source
        else {
            continue;
        };
        out.push(value(Custom {
            api_version: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: metadata(plan, f, plan.name(component)),
            spec: PodMonitorSpec {
                selector: selector(plan, component),
                namespace_selector: NamespaceSelector {
                    match_names: vec![namespace.clone()],
                },
                pod_metrics_endpoints: vec![Endpoint {
                    port: port.to_string(),
                    path: path.to_string(),
                    interval: interval.clone(),
                    honor_labels,
                    relabelings: vec![Relabel {
                        action: "replace",
                        target_label: "job",
                        replacement: job.name.clone(),
                    }],
                }],
            },
        }));
    }
    let blackbox = &f.spec.exporters.blackbox;
    for p in &f.probes {
        out.push(value(Custom {
            api_version: "monitoring.coreos.com/v1",
            kind: "Probe",
            metadata: metadata(plan, f, plan.name(&format!("probe-{}", p.component))),
            spec: ProbeSpec {
                job_name: f.own_job(PROBE_JOB_SUFFIX),
                interval: interval.clone(),
                module: blackbox.module.clone(),
                prober: Prober {
                    url: blackbox.address.clone(),
                },
                targets: Targets {
                    static_config: StaticConfig {
                        targets: vec![p.url.clone()],
                        labels: probe_labels(f, p.component),
                    },
                },
            },
        }));
    }
    out
}

/// The labels every probe series carries besides `job` and `instance`.
pub fn probe_labels(f: &Facts, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("component".to_string(), component.to_string()),
        ("namespace".to_string(), f.namespace.to_string()),
    ])
}
