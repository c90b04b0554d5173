//! Plain scrape configuration (`files` flavour): one `scrape_configs`
//! entry per job dify-gen defines, with the labels the prometheus-operator
//! objects would give the series (`namespace`, `pod`, `container`), so
//! the same rules work with either flavour.

use super::operator::probe_labels;
use crate::plan::monitoring::{Facts, Source};
use crate::render::kubernetes::labels::PART_OF;
use serde_json::{json, Value};

pub fn document(f: &Facts) -> Value {
    let interval = format!("{}s", f.spec.scrape_interval_seconds);
    let mut configs = Vec::new();
    for job in &f.jobs {
        match job.source {
            Source::Pods {
                component,
                port,
                path,
                ref namespace,
                honor_labels,
                ..
            } => {
                let mut config = json!({
                    "job_name": job.name,
                    "scrape_interval": interval,
                    "metrics_path": path,
                    "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [namespace]}}],
                    "relabel_configs": [
                        {
                            "source_labels": [
                                "__meta_kubernetes_pod_label_app_kubernetes_io_name",
                                "__meta_kubernetes_pod_label_app_kubernetes_io_instance",
                                "__meta_kubernetes_pod_label_app_kubernetes_io_component",
                                "__meta_kubernetes_pod_container_port_name",
                            ],
                            "regex": format!("{PART_OF};{};{component};{port}", f.release),
                            "action": "keep",
                        },
                        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
                        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
                        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
                    ],
                });
                if honor_labels {
                    config["honor_labels"] = json!(true);
                }
                configs.push(config);
            }
            Source::Blackbox => {
                let blackbox = &f.spec.exporters.blackbox;
                configs.push(json!({
                    "job_name": job.name,
                    "scrape_interval": interval,
                    "metrics_path": "/probe",
                    "params": {"module": [blackbox.module]},
                    "static_configs": f.probes.iter().map(|p| json!({
                        "targets": [p.url],
                        "labels": probe_labels(f, p.component),
                    })).collect::<Vec<_>>(),
                    "relabel_configs": [
                        {"source_labels": ["__address__"], "target_label": "__param_target"},
                        {"source_labels": ["__param_target"], "target_label": "instance"},
                        {"target_label": "__address__", "replacement": blackbox.address},
                    ],
                }));
            }
            Source::External => {}
        }
    }
    json!({ "scrape_configs": configs })
}
