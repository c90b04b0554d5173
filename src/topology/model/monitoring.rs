//! The monitoring section: how the release is scraped, which alerts watch
//! it, where the alerts go, and the dashboards.
//!
//! dify-gen does not run Prometheus, Alertmanager or Grafana: it renders
//! what a Prometheus the cluster already runs needs (prometheus-operator
//! objects, or plain rule files and scrape configuration), the exporters
//! its own data layer needs, the Alertmanager routing and the dashboards.

use super::metadata::Name;
use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Monitoring of the release: scraping, alert rules, alert routing, dashboards.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Monitoring {
    /// `operator`: prometheus-operator objects (PrometheusRule, PodMonitor,
    /// Probe, AlertmanagerConfig) in `kubernetes/`; `files`: plain rule
    /// files and scrape configuration in `prometheus/` for a Prometheus
    /// configured by hand. Both also write `prometheus/`, `alertmanager/`
    /// and `grafana/`.
    pub flavour: MonitoringFlavour,
    /// Seconds between two scrapes of every target dify-gen defines. Every
    /// alert's `for` must be at least twice this, or one missed scrape
    /// fires or resets it.
    #[schemars(range(min = 5, max = 300))]
    pub scrape_interval_seconds: u32,
    /// Where Prometheus runs: NetworkPolicies let exactly these pods reach
    /// the scraped ports.
    pub prometheus: PodsRef,
    /// Labels added to every prometheus-operator object, so that the
    /// operator's selectors (`ruleSelector`, `podMonitorSelector`, ...)
    /// pick them up; kube-prometheus-stack selects `release: <its release>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operator_labels: BTreeMap<String, String>,
    /// The exporters the rules and dashboards read.
    pub exporters: Exporters,
    /// Thresholds of the built-in alert rules.
    pub thresholds: Thresholds,
    /// Where a runbook section of each alert can be read: every alert's
    /// `runbook_url` is this address with the alert's anchor appended
    /// (`#difycomponentdown`). Publish `prometheus/runbook.md` there.
    #[schemars(regex(pattern = r"^https?://[^\s#]+$"))]
    pub runbook_url: String,
    /// Your own alert rules, checked like the built-in ones and rendered
    /// beside them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<AlertRule>,
    pub alertmanager: Alerting,
    pub grafana: Grafana,
    /// An OpenTelemetry Collector in the release that receives the OTLP
    /// metrics (and traces) Dify's backend pushes (`ENABLE_OTEL`) and
    /// exposes the metrics to Prometheus; omit to leave Dify's telemetry off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otel_collector: Option<OtelCollector>,
    /// An OTLP endpoint outside the release (a cluster-wide collector, a
    /// vendor's) that Dify's backend pushes traces and metrics to, instead
    /// of `otelCollector`; omit for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otlp: Option<OtlpEndpoint>,
}

/// Dify's own OTLP exporter (`ENABLE_OTEL`) aimed at an endpoint outside
/// the release, over OTLP/HTTP.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtlpEndpoint {
    /// Base URL (`OTLP_BASE_ENDPOINT`); Dify appends `/v1/traces` and
    /// `/v1/metrics` (`https://otlp.example.com:4318`).
    #[schemars(regex(pattern = r"^https?://[^/?#\s]+(/[^\s]*)?$"))]
    pub url: String,
    /// The `network.egress` destination the endpoint is at: api, worker
    /// and beat reach exactly it, on the URL's port.
    pub egress: String,
    /// The endpoint's API key, which Dify sends as a bearer token
    /// (`OTLP_API_KEY`), from a Secret; omit for an endpoint without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretRef>,
    /// How Dify's SDK samples and batches, as `otelCollector.export`.
    #[serde(default)]
    pub export: OtelExport,
}

/// The OpenTelemetry Collector (its `contrib` distribution, which has the
/// Prometheus exporter).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtelCollector {
    /// The image, pinned (`otel/opentelemetry-collector-contrib:0.120.0`).
    pub image: String,
    /// Collector pods behind one Service; two or more keep telemetry during
    /// a drain.
    #[schemars(range(min = 1, max = 20))]
    pub replicas: u32,
    pub resources: super::resources::Resources,
    /// How Dify's OpenTelemetry SDK samples and batches what it pushes to
    /// the collector; omit for Dify's own defaults.
    #[serde(default)]
    pub export: OtelExport,
}

/// Dify's OpenTelemetry SDK settings (`OTEL_*` on api, worker and beat).
/// The endpoint and protocol are the collector's (OTLP over HTTP) and not
/// settable: the collector listens on nothing else.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtelExport {
    /// Share of traces kept, from 0 to 1 (`OTEL_SAMPLING_RATE`; Dify's
    /// default 0.1).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sampling_rate: f64,
    /// Milliseconds between two exports of the span batch
    /// (`OTEL_BATCH_EXPORT_SCHEDULE_DELAY`; 5000).
    #[schemars(range(min = 100, max = 600000))]
    pub batch_delay_ms: u32,
    /// Milliseconds a batch export may take (`OTEL_BATCH_EXPORT_TIMEOUT`; 10000).
    #[schemars(range(min = 100, max = 600000))]
    pub batch_timeout_ms: u32,
    /// Spans held before new ones are dropped (`OTEL_MAX_QUEUE_SIZE`; 2048).
    #[schemars(range(min = 1, max = 1000000))]
    pub max_queue_size: u32,
    /// Spans in one export, at most `maxQueueSize`
    /// (`OTEL_MAX_EXPORT_BATCH_SIZE`; 512).
    #[schemars(range(min = 1, max = 1000000))]
    pub max_export_batch_size: u32,
    /// Milliseconds between two metric exports
    /// (`OTEL_METRIC_EXPORT_INTERVAL`; 60000).
    #[schemars(range(min = 1000, max = 3600000))]
    pub metric_interval_ms: u32,
    /// Milliseconds a metric export may take, less than
    /// `metricIntervalMs` (`OTEL_METRIC_EXPORT_TIMEOUT`; 30000).
    #[schemars(range(min = 100, max = 3600000))]
    pub metric_timeout_ms: u32,
}

impl Default for OtelExport {
    /// Dify's own defaults (`configs/observability/otel`).
    fn default() -> Self {
        OtelExport {
            sampling_rate: 0.1,
            batch_delay_ms: 5000,
            batch_timeout_ms: 10000,
            max_queue_size: 2048,
            max_export_batch_size: 512,
            metric_interval_ms: 60000,
            metric_timeout_ms: 30000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MonitoringFlavour {
    Operator,
    Files,
}

/// Pods of another namespace, for NetworkPolicy peers.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodsRef {
    /// Their namespace.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub namespace: Name,
    /// Labels that select them in that namespace; omit to allow every pod
    /// of the namespace.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_labels: BTreeMap<String, String>,
}

/// The exporters the cluster runs, and the ones dify-gen adds.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exporters {
    /// The `job` label of kube-state-metrics' series (replicas, restarts,
    /// OOM kills); kube-prometheus-stack uses `kube-state-metrics`.
    #[schemars(length(min = 1))]
    pub kube_state_metrics_job: String,
    /// The `job` label of node_exporter's series (node memory);
    /// kube-prometheus-stack uses `node-exporter`.
    #[schemars(length(min = 1))]
    pub node_exporter_job: String,
    /// The blackbox exporter that probes the health endpoints and the
    /// public entry.
    pub blackbox: Blackbox,
    /// redis_exporter, run beside each Redis data node (`redis.mode:
    /// sentinel`): Redis' role and memory, and the length of every Celery
    /// queue.
    pub redis_exporter_image: String,
    /// The ingress controller's own metrics, for the entry's request rate,
    /// errors and latency; omit when Prometheus does not scrape it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryMetrics>,
}

/// A blackbox exporter the cluster runs.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Blackbox {
    /// `host:port` of its Service (`blackbox-exporter.monitoring.svc:9115`).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[0-9]{1,5}$"))]
    pub address: String,
    /// The module that sends a GET and expects a 2xx (`http_2xx`).
    #[schemars(length(min = 1))]
    pub module: String,
    /// Its pods, which must reach the probed ports.
    pub pods: PodsRef,
}

/// The ingress controller's metrics as Prometheus already scrapes them.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryMetrics {
    /// The `job` label of the controller's series.
    #[schemars(length(min = 1))]
    pub job: String,
}

/// Thresholds of the built-in alert rules.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Thresholds {
    /// Minutes one instance of a component may stay unavailable before
    /// the warning (the design: 5).
    #[schemars(range(min = 1, max = 1440))]
    pub instance_failing_minutes: u32,
    /// Share of a component's instances, in percent, that may fail before
    /// the critical (the design: more than 30).
    #[schemars(range(min = 1, max = 99))]
    pub failing_percent: u32,
    /// Container restarts within 15 minutes that count as a crash loop.
    #[schemars(range(min = 1, max = 100))]
    pub crash_loop_restarts: u32,
    /// Minutes a health probe may keep failing before the warning.
    #[schemars(range(min = 1, max = 1440))]
    pub probe_failing_minutes: u32,
    /// Tasks waiting in a Celery queue before the warning (Dify's own
    /// queue monitor uses 200).
    #[schemars(range(min = 1, max = 10000000))]
    pub queue_backlog: u32,
    /// Per-queue overrides of `queueBacklog`, by queue name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queue_backlog_by_queue: BTreeMap<String, u32>,
    /// Bytes of WAL a replica may lag behind the leader; Patroni does not
    /// promote a replica further behind than its `maximum_lag_on_failover`
    /// (1 MiB as rendered).
    #[schemars(range(min = 1, max = 1000000000000u64))]
    pub replication_lag_bytes: u64,
    /// Days before the entry's certificate expires that the warning fires.
    #[schemars(range(min = 1, max = 365))]
    pub certificate_expiry_days: u32,
    /// Bytes of available memory below which a node is short (the
    /// design's `node_memory_MemAvailable_bytes < 1e9`).
    #[schemars(range(min = 1, max = 1000000000000000u64))]
    pub node_memory_available_bytes: u64,
}

/// An alert rule of your own, in Prometheus' terms.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRule {
    /// The alert's name (`alertname`).
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub alert: String,
    /// The PromQL expression; every series it returns is an alert. Parsed
    /// at render time, and its selectors must name jobs, namespaces and
    /// containers this release's monitoring produces.
    #[schemars(length(min = 1))]
    pub expr: String,
    /// How long the expression must hold before the alert fires, as a
    /// Prometheus duration (`5m`); at least twice the scrape interval.
    #[serde(rename = "for")]
    #[schemars(regex(pattern = r"^([0-9]+(ms|s|m|h|d|w|y))+$"))]
    pub for_: String,
    pub severity: Severity,
    /// The component it watches (`api`, `worker`, `postgres`, ...), which
    /// routing and inhibition group by.
    pub component: String,
    /// Extra labels; `severity`, `component` and `release` are set from
    /// the fields above.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations (`summary`, `description`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The two tiers of the design: a warning when one instance keeps failing,
/// a critical when a component is broadly down.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// Alertmanager: grouping, repeat intervals and one receiver per severity.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alerting {
    /// The oldest Alertmanager version that must load
    /// `alertmanager/alertmanager.yaml` (`0.28`). A credential whose
    /// `*_file` field that version lacks is refused at its line.
    #[schemars(regex(pattern = r"^0\.[0-9]+$"))]
    pub version: String,
    /// Where that Alertmanager mounts Secrets: a credential `{secret: {name,
    /// key}}` is read from `<secretsDir>/<name>/<key>` (prometheus-operator
    /// mounts `Alertmanager.spec.secrets` at `/etc/alertmanager/secrets`).
    #[schemars(regex(pattern = r"^/[^\s]*[^/\s]$"))]
    pub secrets_dir: String,
    /// Seconds to wait for more alerts of a new group before notifying.
    #[schemars(range(min = 1, max = 3600))]
    pub group_wait_seconds: u32,
    /// Minutes between notifications about new alerts of a group.
    #[schemars(range(min = 1, max = 1440))]
    pub group_interval_minutes: u32,
    pub warning: Receiver,
    pub critical: Receiver,
}

/// Where alerts of one severity go, with Alertmanager's own integrations.
/// Every credential is a Secret reference or a file path, never a value.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receiver {
    /// Minutes before a still-firing alert is sent again.
    #[schemars(range(min = 1, max = 10080))]
    pub repeat_interval_minutes: u32,
    /// WeChat Work (WeCom) application messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wechat_configs: Vec<WechatConfig>,
    /// Generic webhooks (chat bridges, ticket systems).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    /// PagerDuty (Events API v2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerdutyConfig>,
    /// Opsgenie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<OpsgenieConfig>,
    /// Email.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
}

/// A credential: a key of a Secret in the release's namespace, or a file
/// the Alertmanager can read. Set exactly one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credential {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
    /// An absolute path on the Alertmanager's file system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^/[^\s]*$"))]
    pub file: Option<String>,
}

/// Alertmanager's `wechat_configs` entry.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WechatConfig {
    /// The application's secret (`api_secret`).
    pub api_secret: Credential,
    /// The company id (`corp_id`).
    #[schemars(length(min = 1))]
    pub corp_id: String,
    /// The application's agent id (`agent_id`).
    #[schemars(length(min = 1))]
    pub agent_id: String,
    /// Recipients: users (`to_user`), departments (`to_party`), tags (`to_tag`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
}

/// Alertmanager's `webhook_configs` entry.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookConfig {
    /// The URL alerts are POSTed to, when it carries no credential (no
    /// user or password, no token in the query); otherwise use `urlSecret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub url: Option<String>,
    /// The URL as a credential (a chat robot URL with its key in the query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_secret: Option<Credential>,
    /// A bearer token sent as `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Credential>,
}

/// Alertmanager's `pagerduty_configs` entry (Events API v2).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PagerdutyConfig {
    /// The integration's routing key (`routing_key`).
    pub routing_key: Credential,
}

/// Alertmanager's `opsgenie_configs` entry.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpsgenieConfig {
    /// The API key (`api_key`).
    pub api_key: Credential,
    /// Opsgenie's priority for these alerts (`P1` .. `P5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^P[1-5]$"))]
    pub priority: Option<String>,
}

/// Alertmanager's `email_configs` entry.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailConfig {
    /// Recipient address(es), comma-separated.
    #[schemars(length(min = 3))]
    pub to: String,
    /// Sender address.
    #[schemars(length(min = 3))]
    pub from: String,
    /// `host:port` of the SMTP server.
    #[schemars(regex(pattern = r"^[^\s:]+:[0-9]{1,5}$"))]
    pub smarthost: String,
    /// SMTP user name, when the server wants a login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    /// SMTP password (`auth_password`), with `authUsername`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password: Option<Credential>,
}

/// Grafana dashboards.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grafana {
    /// Labels of the dashboard ConfigMaps that Grafana's sidecar watches
    /// (kube-prometheus-stack: `grafana_dashboard: "1"`); omit to write the
    /// dashboards only as JSON files in `grafana/`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sidecar_labels: BTreeMap<String, String>,
    /// The Grafana folder the sidecar files them in (`grafana_folder`
    /// annotation); omit for the sidecar's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}
