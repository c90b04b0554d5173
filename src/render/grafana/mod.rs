//! The Grafana family: dashboards as JSON (`grafana/<release>-<name>.json`)
//! and, when the topology names the labels Grafana's sidecar watches, as
//! ConfigMaps in `kubernetes/`. Every panel's query uses the jobs and
//! selectors of `plan::monitoring`, the ones the rules use, so a panel
//! never shows a series nothing scrapes.

use super::{Artifact, Content, Family};
use crate::dify::{data_layer, queues::BROKER_DB};
use crate::plan::monitoring::rules::{postgres, sel};
use crate::plan::monitoring::{synchronous, Facts, WorkloadKind, ENTRY, PROBE_JOB_SUFFIX};
use crate::plan::Plan;
use crate::render::kubernetes::labels::meta;
use crate::topology::IngressController;
use k8s_openapi::api::core::v1::ConfigMap;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const FAMILY: Family = Family {
    name: "grafana",
    render,
};

/// The component label of the dashboard ConfigMaps.
pub const COMPONENT: &str = "monitoring";

/// A panel: title, unit, and its queries with their legends.
pub struct Panel {
    pub title: String,
    pub unit: &'static str,
    pub queries: Vec<(String, String)>,
}

/// A dashboard: its file stem and title, and its panels.
pub struct Dashboard {
    pub name: &'static str,
    pub title: String,
    pub panels: Vec<Panel>,
}

fn render(plan: &Plan) -> Vec<Artifact> {
    let Some(f) = plan.monitoring() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in dashboards(plan, f) {
        let file = format!("{}-{}.json", plan.release, d.name);
        let model = json_model(plan.release, &d);
        if !f.spec.grafana.sidecar_labels.is_empty() {
            out.push(Artifact::object(
                FAMILY.name,
                config_map(plan, f, d.name, &file, &model),
            ));
        }
        if plan.writes_files() {
            let doc = serde_json::to_value(&model).expect("dashboards serialise to JSON");
            out.push(Artifact::file(FAMILY.name, &file, Content::Json(doc)));
        }
    }
    out
}

fn config_map(plan: &Plan, f: &Facts, name: &str, file: &str, model: &Model) -> Value {
    let mut metadata = meta(plan, plan.name(&format!("dashboard-{name}")), COMPONENT);
    metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .extend(f.spec.grafana.sidecar_labels.clone());
    if let Some(folder) = &f.spec.grafana.folder {
        metadata.annotations = Some(BTreeMap::from([(
            "grafana_folder".to_string(),
            folder.clone(),
        )]));
    }
    // The text straight from the typed model: no JSON tree is built for it.
    let text = serde_json::to_string_pretty(model).expect("dashboards serialise to JSON");
    serde_json::to_value(ConfigMap {
        metadata,
        data: Some(BTreeMap::from([(file.to_string(), text)])),
        ..Default::default()
    })
    .expect("ConfigMaps serialise to JSON")
}

/// Grafana's JSON model of a dashboard: one row of two panels after
/// another. Typed, its fields in the order Grafana's own export writes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Model<'a> {
    uid: String,
    title: &'a str,
    tags: [&'a str; 3],
    schema_version: u32,
    version: u32,
    editable: bool,
    time: TimeRange,
    refresh: &'static str,
    templating: Templating,
    panels: Vec<PanelModel<'a>>,
}

#[derive(Serialize)]
struct TimeRange {
    from: &'static str,
    to: &'static str,
}

#[derive(Serialize)]
struct Templating {
    list: [Variable; 1],
}

#[derive(Serialize)]
struct Variable {
    name: &'static str,
    label: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    query: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PanelModel<'a> {
    id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    grid_pos: GridPos,
    datasource: Datasource,
    field_config: FieldConfig,
    options: Options,
    targets: Vec<Target<'a>>,
}

#[derive(Serialize)]
struct GridPos {
    h: u32,
    w: u32,
    x: u32,
    y: u32,
}

#[derive(Serialize)]
struct Datasource {
    #[serde(rename = "type")]
    kind: &'static str,
    uid: &'static str,
}

/// The dashboard's data source variable.
const DATASOURCE: Datasource = Datasource {
    kind: "prometheus",
    uid: "${datasource}",
};

#[derive(Serialize)]
struct FieldConfig {
    defaults: Defaults,
    overrides: [(); 0],
}

#[derive(Serialize)]
struct Defaults {
    unit: &'static str,
}

#[derive(Serialize)]
struct Options {
    legend: Legend,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Legend {
    display_mode: &'static str,
    placement: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target<'a> {
    ref_id: char,
    datasource: Datasource,
    expr: &'a str,
    legend_format: &'a str,
}

fn json_model<'a>(release: &'a str, d: &'a Dashboard) -> Model<'a> {
    let panels = d
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            PanelModel {
                id: i + 1,
                kind: "timeseries",
                title: &p.title,
                grid_pos: GridPos {
                    h: 8,
                    w: 12,
                    x: (i % 2) * 12,
                    y: (i / 2) * 8,
                },
                datasource: DATASOURCE,
                field_config: FieldConfig {
                    defaults: Defaults { unit: p.unit },
                    overrides: [],
                },
                options: Options {
                    legend: Legend {
                        display_mode: "list",
                        placement: "bottom",
                    },
                },
                targets: p
                    .queries
                    .iter()
                    .enumerate()
                    .map(|(j, (expr, legend))| Target {
                        ref_id: char::from(b'A' + u8::try_from(j % 26).unwrap_or(0)),
                        datasource: DATASOURCE,
                        expr,
                        legend_format: legend,
                    })
                    .collect(),
            }
        })
        .collect();
    Model {
        uid: format!("{release}-{}", d.name),
        title: &d.title,
        tags: ["dify", "dify-gen", release],
        schema_version: 39,
        version: 1,
        editable: false,
        time: TimeRange {
            from: "now-6h",
            to: "now",
        },
        refresh: "1m",
        templating: Templating {
            list: [Variable {
                name: "datasource",
                label: "Data source",
                kind: "datasource",
                query: "prometheus",
            }],
        },
        panels,
    }
}

fn q(expr: String, legend: &str) -> (String, String) {
    (expr, legend.to_string())
}

fn panel(title: &str, unit: &'static str, queries: Vec<(String, String)>) -> Panel {
    Panel {
        title: title.to_string(),
        unit,
        queries,
    }
}

/// Every dashboard of the release, with the panels its monitoring supports.
pub fn dashboards(plan: &Plan, f: &Facts) -> Vec<Dashboard> {
    let ns = f.namespace;
    let ksm = f.ksm_job();
    let alternation = |kind: WorkloadKind| {
        f.watched
            .iter()
            .filter(|w| w.kind == kind)
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>()
            .join("|")
    };
    let deployments = alternation(WorkloadKind::Deployment);
    let sets = alternation(WorkloadKind::StatefulSet);
    let ksm_sel = |metric: &str, label: &str, names: &str| {
        format!("{metric}{{job=\"{ksm}\",namespace=\"{ns}\",{label}=~\"{names}\"}}")
    };
    let mut availability = vec![
        q(
            format!(
                "max by (deployment) ({})",
                ksm_sel(
                    "kube_deployment_status_replicas_available",
                    "deployment",
                    &deployments
                )
            ),
            "{{deployment}} available",
        ),
        q(
            format!(
                "max by (deployment) ({})",
                ksm_sel("kube_deployment_spec_replicas", "deployment", &deployments)
            ),
            "{{deployment}} desired",
        ),
    ];
    if !sets.is_empty() {
        availability.push(q(
            format!(
                "max by (statefulset) ({})",
                ksm_sel(
                    "kube_statefulset_status_replicas_ready",
                    "statefulset",
                    &sets
                )
            ),
            "{{statefulset}} ready",
        ));
        availability.push(q(
            format!(
                "max by (statefulset) ({})",
                ksm_sel("kube_statefulset_replicas", "statefulset", &sets)
            ),
            "{{statefulset}} desired",
        ));
    }
    let containers = f.containers().join("|");
    let probe = f.own_job(PROBE_JOB_SUFFIX);
    let mut components = vec![
        panel("Available replicas per component", "short", availability),
        panel("Container restarts (15m)", "short", vec![q(
            format!("sum by (container) (increase(kube_pod_container_status_restarts_total{{job=\"{ksm}\",namespace=\"{ns}\",container=~\"{containers}\"}}[15m]))"),
            "{{container}}",
        )]),
        panel("Health probe success", "percentunit", vec![q(
            format!("avg by (component) (probe_success{{job=\"{probe}\",component!=\"{ENTRY}\"}})"),
            "{{component}}",
        )]),
        panel("Health probe latency", "s", vec![q(
            format!("max by (component) (probe_duration_seconds{{job=\"{probe}\",component!=\"{ENTRY}\"}})"),
            "{{component}}",
        )]),
    ];
    if let Some(redis) = f.pod_job(data_layer::REDIS) {
        components.push(panel("Celery queue backlog", "short", vec![q(
            format!(
                "max by (key) (redis_key_size{{job=\"{}\",namespace=\"{ns}\",db=\"db{BROKER_DB}\",key=~\"{}\"}})",
                redis.name,
                f.queues.join("|")
            ),
            "{{key}}",
        )]));
    }
    let mut out = vec![Dashboard {
        name: "components",
        title: format!("Dify {}: components", plan.release),
        panels: components,
    }];
    let mut data = Vec::new();
    if let Some(pg) = f.pod_job(data_layer::POSTGRES) {
        let s = |m: &str| sel(m, &[("job", pg.name.as_str()), ("namespace", ns)]);
        data.push(panel(
            "PostgreSQL leader",
            "short",
            vec![q(
                format!("max by (pod) ({})", s("patroni_primary")),
                "{{pod}}",
            )],
        ));
        data.push(panel(
            "PostgreSQL replication lag",
            "bytes",
            vec![q(postgres::lag_bytes(&pg.name, ns), "{{pod}}")],
        ));
        if let Some((metric, _)) = synchronous(plan.t) {
            data.push(panel(
                "PostgreSQL synchronous standbys",
                "short",
                vec![q(format!("sum({})", s(metric)), "standbys")],
            ));
        }
    }
    if let Some(redis) = f.pod_job(data_layer::REDIS) {
        let s = |m: &str| sel(m, &[("job", redis.name.as_str()), ("namespace", ns)]);
        data.push(panel(
            "Redis role",
            "short",
            vec![q(
                format!("max by (pod, role) ({})", s("redis_instance_info")),
                "{{pod}} {{role}}",
            )],
        ));
        data.push(panel(
            "Redis memory",
            "bytes",
            vec![
                q(
                    format!("max by (pod) ({})", s("redis_memory_used_bytes")),
                    "{{pod}} used",
                ),
                q(
                    format!("max by (pod) ({})", s("redis_memory_max_bytes")),
                    "{{pod}} max",
                ),
            ],
        ));
    }
    if let Some(etcd) = f.pod_job(data_layer::ETCD) {
        let s = |m: &str| sel(m, &[("job", etcd.name.as_str()), ("namespace", ns)]);
        data.push(panel(
            "etcd leader",
            "short",
            vec![q(
                format!("max by (pod) ({})", s("etcd_server_has_leader")),
                "{{pod}}",
            )],
        ));
        data.push(panel(
            "etcd leader changes (1h)",
            "short",
            vec![q(
                format!(
                    "max by (pod) (increase({}[1h]))",
                    s("etcd_server_leader_changes_seen_total")
                ),
                "{{pod}}",
            )],
        ));
    }
    if !data.is_empty() {
        out.push(Dashboard {
            name: "data-layer",
            title: format!("Dify {}: data layer", plan.release),
            panels: data,
        });
    }
    let public = format!("probe_success{{job=\"{probe}\",component=\"{ENTRY}\"}}");
    let mut entry = vec![
        panel(
            "Entry reachable (public probe)",
            "percentunit",
            vec![q(format!("avg({public})"), "success")],
        ),
        panel(
            "Entry latency (public probe)",
            "s",
            vec![q(
                format!("max(probe_duration_seconds{{job=\"{probe}\",component=\"{ENTRY}\"}})"),
                "latency",
            )],
        ),
    ];
    if let Some(job) = f.spec.exporters.entry.as_ref().map(|e| e.job.as_str()) {
        let ingress = plan.release;
        match plan.t.ingress.controller {
            IngressController::IngressNginx => {
                let s = format!(
                    "nginx_ingress_controller_requests{{job=\"{job}\",ingress=\"{ingress}\"}}"
                );
                entry.push(panel(
                    "Entry requests",
                    "reqps",
                    vec![q(format!("sum(rate({s}[5m]))"), "requests")],
                ));
                entry.push(panel("Entry 5xx ratio", "percentunit", vec![q(
                    format!(
                        "sum(rate(nginx_ingress_controller_requests{{job=\"{job}\",ingress=\"{ingress}\",status=~\"5..\"}}[5m])) / sum(rate({s}[5m]))"
                    ),
                    "5xx",
                )]));
                entry.push(panel("Entry latency p95", "s", vec![q(
                    format!(
                        "histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{{job=\"{job}\",ingress=\"{ingress}\"}}[5m])))"
                    ),
                    "p95",
                )]));
            }
            IngressController::F5Nginx => {
                entry.push(panel("Entry requests (whole controller)", "reqps", vec![q(
                    format!("sum(rate(nginx_ingress_nginx_http_requests_total{{job=\"{job}\"}}[5m]))"),
                    "requests",
                )]));
            }
            IngressController::GatewayApi => {}
        }
    }
    out.push(Dashboard {
        name: "entry",
        title: format!("Dify {}: entry", plan.release),
        panels: entry,
    });
    out
}
