//! Monitoring facts, computed once for every monitoring family: which
//! scrape jobs exist and what each exports, which workloads must be
//! watched, which endpoints are probed, the Celery queues, and the alert
//! rules, built-in and the user's.
//!
//! Built-in rules are derived from the plan's workloads and the data-layer
//! members the topology runs (never from a fixed list), so a component
//! added to the plan is watched without a change here. Each rule group is
//! one module of [`rules`], listed in [`rules::GROUPS`]; each built-in rule
//! carries its own promtool test case (a failing and a healthy input), so
//! every alert is shown to fire and to stay quiet.
//!
//! The selectors of every rule are checked against [`Facts::jobs`] by
//! `plan::checks::monitoring`, with the same code and location for the
//! user's rules and dify-gen's own.

pub mod rules;

use super::{graph, Plan};
use crate::dify::{data_layer, health, ports, Kind, LOG_COLLECTOR};
use crate::topology::{
    IngressController, Monitoring, PostgresMode, RedisMode, Severity, SyncMode, Topology,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `job` label of the blackbox probes dify-gen defines.
pub const PROBE_JOB_SUFFIX: &str = "blackbox";

/// First plugin-daemon release serving Prometheus metrics at `/metrics/`.
pub const PLUGIN_DAEMON_METRICS_SINCE: (u32, u32, u32) = (0, 5, 7);

/// Where a scrape job's targets come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Pods of this release, scraped on a named container port.
    Pods {
        component: &'static str,
        port: &'static str,
        port_number: u16,
        path: &'static str,
        /// The namespace the pods run in (the log agent's is its own).
        namespace: String,
        /// Keep the labels the target exports over the scrape's own:
        /// the log agent's error counts name the pod that logged, not
        /// the agent.
        honor_labels: bool,
    },
    /// The blackbox exporter, probing [`Facts::probes`].
    Blackbox,
    /// A job the cluster's Prometheus already has (kube-state-metrics,
    /// node_exporter, the ingress controller).
    External,
}

/// One scrape job: its `job` label, where it comes from, and the metrics
/// its series carry (histograms by their base name).
#[derive(Clone, Debug)]
pub struct Job {
    pub name: String,
    pub source: Source,
    pub metrics: &'static [&'static str],
    /// Values its series' `namespace` label may take; empty when the job's
    /// series say nothing about this release's namespace (node_exporter).
    pub namespaces: Vec<String>,
}

impl Job {
    /// Whether the job's series include `metric` (`up` always does; a
    /// histogram's `_bucket`, `_sum` and `_count`).
    pub fn exports(&self, metric: &str) -> bool {
        metric == "up"
            || self.metrics.iter().any(|m| {
                metric == *m
                    || ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| metric.strip_suffix(s) == Some(m))
            })
    }
}

/// A workload that must have availability rules.
#[derive(Clone, Debug)]
pub struct Watched {
    pub component: &'static str,
    /// `Deployment` or `StatefulSet`.
    pub kind: WorkloadKind,
    /// The object's name (`dify-api`).
    pub name: String,
    /// Its containers, by name.
    pub containers: Vec<&'static str>,
    /// Seconds a pod needs from start to ready, for how long a zero may
    /// last before it is an outage rather than a restart.
    pub start_seconds: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
}

impl Watched {
    /// A regex matching the names of its pods, and nothing else's:
    /// `<name>-<replicaset hash>-<suffix>` or `<name>-<ordinal>`.
    pub fn pod_regex(&self) -> String {
        match self.kind {
            WorkloadKind::Deployment => format!("{}-[a-z0-9]+-[a-z0-9]+", self.name),
            WorkloadKind::StatefulSet => format!("{}-[0-9]+", self.name),
        }
    }
}

/// An endpoint the blackbox exporter probes.
#[derive(Clone, Debug)]
pub struct ProbeTarget {
    pub component: &'static str,
    pub url: String,
}

/// One alert rule, built-in or the user's.
#[derive(Clone, Debug)]
pub struct Rule {
    pub alert: String,
    pub expr: String,
    /// The series selectors of `expr`, in the order written, for a
    /// built-in rule (carried from how it was built, `rules::Promql`);
    /// `None` for a user's rule, whose expression the checks parse.
    pub selectors: Option<Vec<Arc<crate::promql::Selector>>>,
    /// `for`, as written (`5m`).
    pub for_: String,
    pub severity: Severity,
    pub component: String,
    /// Labels besides `severity`, `component` and `release`.
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description`; `runbook_url` is added when rendered.
    pub annotations: BTreeMap<String, String>,
    pub origin: Origin,
}

/// Where a rule came from, for diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// `monitoring.rules[i]`.
    User(usize),
}

impl Rule {
    /// Every label of the alert: the rule's own, then the ones every alert
    /// carries. `namespace` is the release's unless the rule sets its own:
    /// an expression that aggregates it away (`max by (instance)`) would
    /// otherwise leave the alert without it, and prometheus-operator's
    /// AlertmanagerConfig (matcher strategy `OnNamespace`, its default)
    /// routes only alerts of its own namespace.
    pub fn all_labels(&self, release: &str, namespace: &str) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.insert("severity".into(), self.severity.as_str().into());
        labels.insert("component".into(), self.component.clone());
        labels.insert("release".into(), release.into());
        labels
            .entry("namespace".into())
            .or_insert_with(|| namespace.into());
        labels
    }
}

/// A promtool unit-test case of a built-in rule: input series that make it
/// fire (with the labels the alert then has) and series that keep it quiet.
#[derive(Clone, Debug)]
pub struct Case {
    pub alert: String,
    pub firing: Vec<Series>,
    pub healthy: Vec<Series>,
    /// The alert's labels that come from the expression's result.
    pub result_labels: BTreeMap<String, String>,
    /// Minutes after the start of the series when the test evaluates.
    pub eval_minutes: u32,
}

/// An input series in promtool's notation.
#[derive(Clone, Debug)]
pub struct Series {
    /// `metric{label="value",...}`.
    pub series: String,
    /// `'1x30'`, `'0+1x30'`, ...
    pub values: String,
}

/// A built-in rule with its test case.
#[derive(Clone, Debug)]
pub struct Tested {
    pub rule: Rule,
    /// `None` when the facts carry no cases ([`Facts::cases`]).
    pub case: Option<Case>,
}

/// A rule group as rendered.
#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Tested>,
}

/// Everything the monitoring families and checks read.
pub struct Facts<'a> {
    pub spec: &'a Monitoring,
    pub release: &'a str,
    pub namespace: &'a str,
    pub jobs: Vec<Job>,
    pub watched: Vec<Watched>,
    pub probes: Vec<ProbeTarget>,
    /// The Celery queues the workers consume.
    pub queues: Vec<String>,
    /// Built-in rule groups, in render order (shared with another plan of
    /// the same topology, `Plan::objects_only_reusing`).
    pub groups: Arc<Vec<Group>>,
    /// The user's rules.
    pub user_rules: Vec<Rule>,
    /// Whether the backup CronJobs run (`backup` with a Patroni cluster).
    pub backups: bool,
    /// Whether the built-in rules carry their promtool test cases: only
    /// when the plan renders the files besides the objects
    /// ([`Plan::writes_files`]), the test file being their one reader.
    pub cases: bool,
}

impl<'a> Facts<'a> {
    /// The monitoring facts of a plan, when the topology asks for monitoring.
    pub fn of(plan: &Plan<'a>) -> Option<Facts<'a>> {
        let spec = plan.t.monitoring.as_ref()?;
        let mut facts = Facts {
            spec,
            release: plan.release,
            namespace: plan.namespace,
            jobs: jobs(plan, spec),
            watched: watched(plan),
            probes: probes(plan),
            queues: plan.worker_queues(),
            groups: Arc::default(),
            user_rules: Vec::new(),
            backups: crate::plan::graph::backups(plan.t),
            cases: plan.writes_files(),
        };
        facts.groups = match plan.reused_groups() {
            Some(groups) => groups,
            None => Arc::new(
                rules::GROUPS
                    .iter()
                    .filter_map(|group| group(plan, &facts))
                    .collect(),
            ),
        };
        facts.user_rules = rules::user::rules(spec);
        Some(facts)
    }

    pub fn job(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.name == name)
    }

    /// The job dify-gen defines for a component's pods, if any.
    pub fn pod_job(&self, component: &str) -> Option<&Job> {
        self.jobs
            .iter()
            .find(|j| matches!(j.source, Source::Pods { component: c, .. } if c == component))
    }

    /// The name of one of dify-gen's own jobs: `<release>-<suffix>`.
    pub fn own_job(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.release)
    }

    pub fn ksm_job(&self) -> &str {
        &self.spec.exporters.kube_state_metrics_job
    }

    /// Every component an alert may watch: the workloads, the entry and
    /// the nodes.
    pub fn components(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.watched.iter().map(|w| w.component).collect();
        out.extend([ENTRY, NODE]);
        if self.backups {
            out.extend([
                data_layer::BACKUP,
                data_layer::BACKUP_FILES,
                data_layer::BACKUP_DRILL,
            ]);
        }
        out
    }

    /// Every container of the release's pods.
    pub fn containers(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .watched
            .iter()
            .flat_map(|w| w.containers.iter().copied())
            .collect();
        out.push(Kind::Migration.label());
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every rule: built-in groups, then the user's.
    pub fn all_rules(&self) -> impl Iterator<Item = &Rule> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(|t| &t.rule))
            .chain(&self.user_rules)
    }

    /// A duration of at least `seconds` and at least twice the scrape
    /// interval, in whole minutes when it is one (`5m`, `90s`).
    pub fn duration(&self, seconds: u32) -> String {
        let s = seconds.max(2 * self.spec.scrape_interval_seconds);
        if s % 60 == 0 {
            format!("{}m", s / 60)
        } else {
            format!("{s}s")
        }
    }
}

/// The component label of the OpenTelemetry Collector.
pub const OTEL_COLLECTOR: &str = "otel-collector";

/// Whether the topology runs an OpenTelemetry Collector.
pub fn otel_collector(t: &Topology) -> Option<&crate::topology::OtelCollector> {
    t.monitoring.as_ref()?.otel_collector.as_ref()
}

/// Where Dify's backend pushes OTLP, and how it samples and batches: the
/// release's collector (`monitoring.otelCollector`), else the endpoint of
/// `monitoring.otlp`.
pub fn otlp_export<'a>(plan: &Plan<'a>) -> Option<(String, &'a crate::topology::OtelExport)> {
    if let Some(c) = otel_collector(plan.t) {
        let url = format!("http://{}:{}", plan.name(OTEL_COLLECTOR), ports::OTLP_HTTP);
        return Some((url, &c.export));
    }
    let o = plan.t.monitoring.as_ref()?.otlp.as_ref()?;
    Some((o.url.trim_end_matches('/').to_string(), &o.export))
}

/// The API key of `monitoring.otlp`, when it has one.
pub fn otlp_api_key(t: &Topology) -> Option<&crate::topology::SecretRef> {
    t.monitoring.as_ref()?.otlp.as_ref()?.api_key.as_ref()
}

/// The component label of the public entry's alerts.
pub const ENTRY: &str = "entry";
/// The component label of node alerts.
pub const NODE: &str = "node";
/// The container of the redis_exporter beside each Redis data node.
pub const REDIS_EXPORTER: &str = "redis-exporter";
/// The container port of that exporter.
pub const REDIS_EXPORTER_PORT: (&str, u16) = ("metrics", 9121);

const KSM_METRICS: &[&str] = &[
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_available",
    "kube_statefulset_replicas",
    "kube_statefulset_status_replicas_ready",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_container_status_waiting_reason",
    // The backup CronJobs (rules::backup).
    "kube_cronjob_status_last_successful_time",
    "kube_cronjob_status_last_schedule_time",
    "kube_cronjob_next_schedule_time",
    "kube_pod_status_phase",
];
/// The log agent's `log_to_metrics` counter (`render/fluent_bit`).
pub const LOG_METRICS: &[&str] = &["dify_log_errors_total"];
const NODE_METRICS: &[&str] = &[
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
];
const PATRONI_METRICS: &[&str] = &[
    "patroni_primary",
    "patroni_replica",
    "patroni_sync_standby",
    "patroni_quorum_standby",
    "patroni_postgres_running",
    "patroni_postgres_streaming",
    "patroni_xlog_location",
    "patroni_xlog_replayed_location",
    "patroni_cluster_unlocked",
];
const ETCD_METRICS: &[&str] = &[
    "etcd_server_has_leader",
    "etcd_server_leader_changes_seen_total",
    "etcd_mvcc_db_total_size_in_bytes",
];
const REDIS_METRICS: &[&str] = &[
    "redis_up",
    "redis_instance_info",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "redis_connected_slaves",
    "redis_master_link_up",
    "redis_key_size",
];
const PLUGIN_DAEMON_METRICS: &[&str] = &[
    "plugin_http_requests_total",
    "plugin_http_request_duration_seconds",
    "plugin_invocations_total",
    "plugin_invocation_duration_seconds",
    "plugin_restarts_total",
    "active_plugins_total",
];
const BLACKBOX_METRICS: &[&str] = &[
    "probe_success",
    "probe_duration_seconds",
    "probe_http_status_code",
    "probe_ssl_earliest_cert_expiry",
];
/// ingress-nginx: per-Ingress requests by status, and their latency.
const INGRESS_NGINX_METRICS: &[&str] = &[
    "nginx_ingress_controller_requests",
    "nginx_ingress_controller_request_duration_seconds",
];
/// F5 NGINX Ingress Controller with NGINX Open Source: stub_status only.
const F5_NGINX_METRICS: &[&str] = &["nginx_ingress_nginx_http_requests_total"];

/// Whether the plugin daemon's image serves `/metrics/` (0.5.7 and later).
pub fn plugin_daemon_has_metrics(t: &Topology) -> bool {
    version(crate::plan::image_tag(&crate::plan::image(
        t,
        Kind::PluginDaemon,
    )))
    .is_some_and(|v| v >= PLUGIN_DAEMON_METRICS_SINCE)
}

/// `0.5.3` of `0.5.3-local`.
fn version(tag: &str) -> Option<(u32, u32, u32)> {
    let core = tag.trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

fn patroni(t: &Topology) -> bool {
    t.postgres.mode == PostgresMode::Patroni && t.postgres.patroni.is_some()
}

fn sentinel(t: &Topology) -> bool {
    t.redis.mode == RedisMode::Sentinel && t.redis.sentinel.is_some()
}

/// A component's pods scraped on one of their ports.
pub struct PodScrape {
    pub component: &'static str,
    pub port: &'static str,
    pub port_number: u16,
    pub path: &'static str,
    pub metrics: &'static [&'static str],
    pub namespace: String,
    pub honor_labels: bool,
}

/// Every pod scrape the topology implies: Patroni's and etcd's own
/// metrics, the redis_exporter beside Redis, the plugin daemon when its
/// version serves metrics. Read by the jobs and by the component graph
/// (the NetworkPolicy edges from Prometheus).
pub fn pod_scrapes(t: &Topology) -> Vec<PodScrape> {
    let scrape = |component, port, port_number, path, metrics| PodScrape {
        component,
        port,
        port_number,
        path,
        metrics,
        namespace: t.metadata.namespace.clone(),
        honor_labels: false,
    };
    let mut out = Vec::new();
    if t.monitoring.is_none() {
        return out;
    }
    if patroni(t) {
        out.push(scrape(
            data_layer::POSTGRES,
            "patroni",
            ports::PATRONI,
            "/metrics",
            PATRONI_METRICS,
        ));
        out.push(scrape(
            data_layer::ETCD,
            "metrics",
            ports::ETCD_METRICS,
            "/metrics",
            ETCD_METRICS,
        ));
    }
    if sentinel(t) {
        out.push(scrape(
            data_layer::REDIS,
            REDIS_EXPORTER_PORT.0,
            REDIS_EXPORTER_PORT.1,
            "/metrics",
            REDIS_METRICS,
        ));
    }
    if otel_collector(t).is_some() {
        // What Dify's OTLP metrics are named depends on its instrumentation
        // libraries, so no built-in rule reads them; the job has `up`.
        out.push(scrape(
            OTEL_COLLECTOR,
            "metrics",
            ports::OTEL_METRICS,
            "/metrics",
            &[],
        ));
    }
    if plugin_daemon_has_metrics(t) {
        out.push(scrape(
            Kind::PluginDaemon.label(),
            "http",
            ports::PLUGIN_DAEMON,
            "/metrics/",
            PLUGIN_DAEMON_METRICS,
        ));
    }
    // The log agent's error counts, in its own namespace.
    if let Some(l) = t.logging.as_ref().filter(|l| l.enabled) {
        out.push(PodScrape {
            namespace: graph::namespace_of(t, LOG_COLLECTOR).to_string(),
            honor_labels: true,
            ..scrape(
                LOG_COLLECTOR,
                "metrics",
                l.collector.metrics_port,
                "/metrics",
                LOG_METRICS,
            )
        });
    }
    out
}

/// The components the blackbox exporter probes, with the port: every
/// workload with an HTTP health endpoint.
pub fn probed(t: &Topology) -> Vec<(Kind, &'static str, u16)> {
    if t.monitoring.is_none() {
        return Vec::new();
    }
    let release = crate::plan::release(t);
    crate::plan::deployments(t)
        .into_iter()
        // Only the agent backend may reach the local sandbox (its shell
        // API); the kubelet's probes and its availability rules watch it.
        .filter(|kind| *kind != Kind::LocalSandbox)
        .filter_map(|kind| match release.probe(kind, true) {
            Some(health::Check::Http { path, .. }) => Some((kind, path, kind.serves()?.1)),
            _ => None,
        })
        .collect()
}

fn jobs(plan: &Plan, spec: &Monitoring) -> Vec<Job> {
    let t = plan.t;
    let ns = vec![plan.namespace.to_string()];
    let own = |suffix: &str| format!("{}-{suffix}", plan.release);
    let mut out = vec![
        Job {
            name: spec.exporters.kube_state_metrics_job.clone(),
            source: Source::External,
            metrics: KSM_METRICS,
            namespaces: ns.clone(),
        },
        Job {
            name: spec.exporters.node_exporter_job.clone(),
            source: Source::External,
            metrics: NODE_METRICS,
            namespaces: Vec::new(),
        },
        Job {
            name: own(PROBE_JOB_SUFFIX),
            source: Source::Blackbox,
            metrics: BLACKBOX_METRICS,
            namespaces: ns.clone(),
        },
    ];
    out.extend(pod_scrapes(t).into_iter().map(|s| Job {
        name: own(s.component),
        source: Source::Pods {
            component: s.component,
            port: s.port,
            port_number: s.port_number,
            path: s.path,
            namespace: s.namespace,
            honor_labels: s.honor_labels,
        },
        metrics: s.metrics,
        namespaces: ns.clone(),
    }));
    if let Some(entry) = &spec.exporters.entry {
        let metrics = match t.ingress.controller {
            IngressController::IngressNginx => INGRESS_NGINX_METRICS,
            IngressController::F5Nginx => F5_NGINX_METRICS,
            IngressController::GatewayApi => &[],
        };
        out.push(Job {
            name: entry.job.clone(),
            source: Source::External,
            metrics,
            namespaces: Vec::new(),
        });
    }
    out
}

/// The plan's workloads, then the data-layer members the topology runs.
fn watched(plan: &Plan) -> Vec<Watched> {
    let t = plan.t;
    let mut out: Vec<Watched> = plan
        .workloads
        .iter()
        .map(|w| Watched {
            component: w.kind.label(),
            kind: WorkloadKind::Deployment,
            name: w.name.clone(),
            containers: vec![w.kind.label()],
            start_seconds: health::start_seconds(w.kind),
        })
        .collect();
    let member = |component: &'static str, containers: Vec<&'static str>| Watched {
        component,
        kind: WorkloadKind::StatefulSet,
        name: plan.name(component),
        containers,
        start_seconds: 60,
    };
    if patroni(t) {
        let mut containers = vec![data_layer::POSTGRES];
        if crate::plan::graph::backups(t) {
            // pgBackRest's server beside PostgreSQL.
            containers.push("pgbackrest");
        }
        out.push(member(data_layer::POSTGRES, containers));
        out.push(member(data_layer::ETCD, vec![data_layer::ETCD]));
    }
    if otel_collector(t).is_some() {
        out.push(Watched {
            component: OTEL_COLLECTOR,
            kind: WorkloadKind::Deployment,
            name: plan.name(OTEL_COLLECTOR),
            containers: vec![OTEL_COLLECTOR],
            start_seconds: 20,
        });
    }
    if sentinel(t) {
        out.push(member(
            data_layer::REDIS,
            vec![data_layer::REDIS, REDIS_EXPORTER],
        ));
        out.push(member(data_layer::SENTINEL, vec![data_layer::SENTINEL]));
        // The master proxy the event bus and the agent backend use.
        out.push(Watched {
            component: data_layer::REDIS_PROXY,
            kind: WorkloadKind::Deployment,
            name: plan.name(data_layer::REDIS_PROXY),
            containers: vec![data_layer::REDIS_PROXY],
            start_seconds: 10,
        });
    }
    out
}

/// Every HTTP health endpoint of the workloads, in-cluster, then the
/// public entry as users reach it.
fn probes(plan: &Plan) -> Vec<ProbeTarget> {
    let mut out: Vec<ProbeTarget> = probed(plan.t)
        .into_iter()
        .map(|(kind, path, port)| ProbeTarget {
            component: kind.label(),
            url: format!(
                "http://{}.{}.svc:{port}{path}",
                plan.name(kind.label()),
                plan.namespace
            ),
        })
        .collect();
    out.push(ProbeTarget {
        component: ENTRY,
        url: format!(
            "{}/console/api/ping",
            plan.public_url_for("CONSOLE_API_URL")
        ),
    });
    out
}

/// The synchronous replication the topology asks for: Patroni's metric for
/// the standbys that count, and how many must.
pub fn synchronous(t: &Topology) -> Option<(&'static str, u32)> {
    let p = t.postgres.patroni.as_ref().filter(|_| patroni(t))?;
    if p.members < 2 {
        return None;
    }
    let metric = match p.synchronous.mode {
        SyncMode::Off => return None,
        SyncMode::Sync => "patroni_sync_standby",
        SyncMode::Quorum => "patroni_quorum_standby",
    };
    Some((metric, p.synchronous.standbys.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version("0.5.3-local"), Some((0, 5, 3)));
        assert_eq!(version("v0.6.10-local"), Some((0, 6, 10)));
        assert_eq!(version("0123abcd"), None);
        assert!(version("0.5.7-local").unwrap() >= PLUGIN_DAEMON_METRICS_SINCE);
        assert!(version("0.5.6").unwrap() < PLUGIN_DAEMON_METRICS_SINCE);
    }
}
