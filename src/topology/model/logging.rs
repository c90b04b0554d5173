//! The logging section: every container's logs collected by Fluent Bit,
//! parsed by component, shipped to the outputs and counted into metrics.

use crate::topology::quantity::Quantity;
use crate::topology::{Name, Resources, SecretRef};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Central log collection (design 4.4): a Fluent Bit agent on every node
/// tails the containers' log files, joins Python tracebacks, parses each
/// component's format, labels every record with release, component, pod
/// and severity, ships the records to the outputs and counts errors per
/// component for the log alerts.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Logging {
    /// Render the logging layer at all.
    pub enabled: bool,
    pub collector: Collector,
    /// Where records go; every record goes to every output.
    #[schemars(length(min = 1))]
    pub outputs: Vec<LogOutput>,
    pub buffering: Buffering,
    /// Namespaces collected besides the release's own (always collected).
    /// Their containers get the generic treatment: JSON merged, labelled,
    /// severity detected where a field carries it.
    #[serde(default)]
    pub extra_namespaces: Vec<Name>,
    /// Lowest severity kept per component (`app.kubernetes.io/component`
    /// label: `api`, `plugin-daemon`, `postgres`, ...); records below it
    /// are dropped at the agent. Components not listed keep everything.
    #[serde(default)]
    pub levels: IndexMap<String, LogSeverity>,
    /// Prometheus alert rules on the error counts, in the design's two
    /// tiers (one pod logging errors for `warningMinutes`: warning; more
    /// than `criticalPercent` of a component's pods: critical), rendered
    /// into the `monitoring` rules (none without `monitoring`).
    pub alerts: LogAlerts,
}

/// Who runs the agent. The pipeline, its namespace, PriorityClass and
/// NetworkPolicy are the same in every mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CollectorMode {
    /// dify-gen renders the DaemonSet and everything around it in
    /// `kubernetes/`.
    Daemonset,
    /// dify-gen renders values for the `fluent/fluent-bit` Helm chart
    /// (0.58, Fluent Bit 5.1) in `helm/fluent-bit-0.58.1.values.yaml`; install
    /// the chart as the release named like this topology's release, in
    /// `collector.namespace`.
    Helm,
    /// Both: the DaemonSet and the chart's values, for a move from one to
    /// the other. Run one at a time: they share the node's state
    /// directory.
    Both,
}

/// The Fluent Bit agent.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Collector {
    pub mode: CollectorMode,
    /// Namespace the agent runs in. It reads node log files through
    /// `hostPath` volumes, which Pod Security `baseline` forbids, so it
    /// cannot be the release's namespace; dify-gen creates it.
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub namespace: String,
    /// Fluent Bit image, pinned (`cr.fluentbit.io/fluent/fluent-bit:5.1.1`).
    pub image: String,
    pub resources: Resources,
    /// Priority of the PriorityClass dify-gen renders for the agent, so
    /// it is scheduled first and evicted last under node pressure
    /// (user classes go up to 1000000000).
    #[schemars(range(min = 1, max = 1_000_000_000))]
    pub priority: u32,
    /// Run on every node, whatever its taints (`operator: Exists`), so no
    /// node's logs are missed; off to honour taints.
    pub tolerate_all_taints: bool,
    /// Node labels the agent is restricted to; empty for every node.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub node_selector: IndexMap<String, String>,
    /// Directory on each node (a `hostPath`) for the agent's state: the
    /// files' read positions and, with `buffering.filesystem`, the
    /// buffered chunks. One per release, so two releases never share it.
    #[schemars(regex(pattern = r"^/[-_./a-zA-Z0-9]+$"))]
    pub state_host_path: String,
    /// Port of the agent's HTTP server (health and its own metrics).
    pub http_port: u16,
    /// Port the error counts are exported on for Prometheus.
    pub metrics_port: u16,
    /// Namespace of the Prometheus that scrapes the agent's two ports
    /// (the NetworkPolicy lets only its pods in).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub prometheus_namespace: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogOutputKind {
    /// Grafana Loki (`/loki/api/v1/push`).
    Loki,
    /// Elasticsearch (8 and later).
    Elasticsearch,
    /// OpenSearch (2 and later).
    Opensearch,
    /// The agent's own stdout, for debugging.
    Stdout,
}

/// One log destination.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogOutput {
    #[serde(rename = "type")]
    pub kind: LogOutputKind,
    /// `http(s)://host[:port][/path]`; `https` turns TLS on. Required
    /// for every type but `stdout`. No credentials in it: use
    /// `credentials` or `bearerToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://[^/?#\s]+(/[^\s]*)?$"))]
    pub endpoint: Option<String>,
    /// Verify the server's certificate (with `https`).
    #[serde(default = "yes")]
    pub tls_verify: bool,
    /// CA bundle that signs the server's certificate, when it is not a
    /// public one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<SecretRef>,
    /// Loki tenant (`X-Scope-OrgID`), for a multi-tenant Loki.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Elasticsearch/OpenSearch index prefix; a daily index
    /// `<index>-YYYY.MM.DD` is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z0-9][-_a-z0-9.]*$"))]
    pub index: Option<String>,
    /// HTTP basic authentication, both halves from Secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// A bearer token (Loki) or API key (Elasticsearch) from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<SecretRef>,
}

fn yes() -> bool {
    true
}

/// User name and password, each a key of an existing Secret.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    pub username: SecretRef,
    pub password: SecretRef,
}

/// What the agent does while an output is down.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Buffering {
    /// Records held in memory per input before it pauses (or, with
    /// `filesystem`, before chunks stay on disk only).
    pub memory_limit: Quantity,
    /// Buffer chunks on the node's disk (under `collector.stateHostPath`),
    /// so an output outage or an agent restart loses nothing until the
    /// limit; omit for memory only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemBuffer>,
    /// Retries of one chunk before it is dropped; omit to retry until
    /// the output comes back (`no_limits`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub retry_limit: Option<u32>,
    /// When the buffer is full: `pause` stops reading the files (they
    /// keep growing on the node until the kubelet rotates them), or
    /// `dropOldest` drops the oldest chunks of the full output (needs
    /// `filesystem`).
    pub when_full: WhenFull,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilesystemBuffer {
    /// Disk the chunks of one output may fill.
    pub limit_per_output: Quantity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WhenFull {
    Pause,
    DropOldest,
}

/// Record severities, lowest first (the order `levels` compares in).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogSeverity {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl LogSeverity {
    pub const ALL: [LogSeverity; 5] = [
        LogSeverity::Debug,
        LogSeverity::Info,
        LogSeverity::Warning,
        LogSeverity::Error,
        LogSeverity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogSeverity::Debug => "DEBUG",
            LogSeverity::Info => "INFO",
            LogSeverity::Warning => "WARNING",
            LogSeverity::Error => "ERROR",
            LogSeverity::Critical => "CRITICAL",
        }
    }
}

/// The log alerts (design 4.4: warning, then critical).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogAlerts {
    /// Render the Prometheus rules.
    pub enabled: bool,
    /// Minutes a pod must keep logging errors before the warning fires.
    #[schemars(range(min = 1, max = 1440))]
    pub warning_minutes: u32,
    /// Share of a component's running pods logging errors above which
    /// the critical fires, in percent (below 100: no share is above it).
    #[schemars(range(min = 1, max = 99))]
    pub critical_percent: u32,
}
