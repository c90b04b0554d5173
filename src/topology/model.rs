//! The topology as the user writes it: typed, strict, no I/O.
//!
//! Every struct denies unknown fields, and the topology's JSON Schema is
//! generated from these types (`dify-gen schema`), so the schema, the docs
//! and the loader can never disagree. Doc comments become the schema's
//! descriptions and the field reference in `docs/reference.md`.
//!
//! Defaults live in the profiles (`profiles/*.yaml`), not here: a profile is
//! a complete topology, and a user's file layers over it.

use super::quantity::Quantity;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "dify-gen.io/v1alpha1";
pub const KIND: &str = "Topology";

/// A highly-available Dify deployment, described once.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "dify-gen topology", extend("$id" = "https://dify-gen.io/schemas/topology.schema.json"))]
pub struct Topology {
    /// Version of this file format: `dify-gen.io/v1alpha1`.
    #[schemars(extend("const" = API_VERSION))]
    pub api_version: String,
    /// Always `Topology`.
    #[schemars(extend("const" = KIND))]
    pub kind: String,
    /// A bundled profile (`dev` or `ha`) this file layers over; fields set
    /// here override the profile's, maps merge key by key, lists replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub metadata: Metadata,
    /// Availability zones the cluster's nodes carry in
    /// `topology.kubernetes.io/zone`. Zone spread needs at least two.
    #[schemars(length(min = 1))]
    pub zones: Vec<Name>,
    pub images: Images,
    pub dify: DifySettings,
    pub ingress: Ingress,
    pub components: Components,
    pub storage: Storage,
    pub vector_store: VectorStore,
    pub postgres: Postgres,
    pub etcd: Etcd,
    pub redis: Redis,
    pub secrets: Secrets,
    /// The cluster's worker nodes, as pools per zone. Optional: with them,
    /// `dify-gen plan` checks that every pod schedules under its spread
    /// rules and still does after the loss of any one zone (N-1 headroom).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodePool>,
    /// How PostgreSQL is backed up, for the recovery point and recovery
    /// time objectives `dify-gen plan` reports. Omit when backups are not
    /// configured (the report then says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<Backup>,
}

/// A group of identical worker nodes in one zone.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// Pool name, for the report (`general-a`).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// The zone its nodes are in; one of `zones`.
    pub zone: Name,
    /// Number of nodes.
    #[schemars(range(min = 1, max = 1000))]
    pub count: u32,
    /// What one node offers to pods (the node's `status.allocatable`, less
    /// what DaemonSets such as the CNI and log shippers request).
    pub allocatable: ResourceList,
}

/// PostgreSQL backups: base backups on a schedule, optionally with
/// continuous WAL archiving between them.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backup {
    /// Hours between two base (full or incremental) backups.
    #[schemars(range(min = 1, max = 744))]
    pub base_backup_interval_hours: u32,
    /// With continuous WAL archiving, the longest a WAL segment waits
    /// before it is archived (PostgreSQL's `archive_timeout`), in seconds.
    /// Omit when only base backups are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub wal_archive_seconds: Option<u32>,
    /// Throughput a restore reaches (download and unpack), in megabytes
    /// per second, to estimate the recovery time from the data size.
    #[schemars(range(min = 1))]
    pub restore_megabytes_per_second: u32,
    /// Size of the database to restore; omit to assume the whole
    /// `postgres.patroni.storage.size` volume is data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_size: Option<Quantity>,
}

/// Release identity.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// Release name, the prefix of every object name (`dify` gives
    /// `dify-api`, `dify-worker`, ...).
    #[schemars(length(max = 40), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// Namespace every object is created in (rendered as a Namespace).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub namespace: String,
}

/// A DNS-label-like name (zones, classes).
pub type Name = String;

/// Container images. Tags must be pinned: `latest` or a missing tag is an
/// error, because a render must mean the same thing tomorrow.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Images {
    /// Dify API image, also used by worker, beat and the migration Job.
    pub api: String,
    /// Dify web frontend image.
    pub web: String,
    /// Dify code-execution sandbox image.
    pub sandbox: String,
    /// Dify plugin daemon image.
    pub plugin_daemon: String,
    /// Squid forward proxy image for the SSRF proxy.
    pub ssrf_proxy: String,
    /// Image with Patroni and PostgreSQL (used when `postgres.mode` is `patroni`).
    pub postgres: String,
    /// etcd image (used when `postgres.mode` is `patroni`).
    pub etcd: String,
    /// Redis image that also contains `redis-sentinel`.
    pub redis: String,
}

/// Settings of the Dify processes themselves.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DifySettings {
    /// `LOG_LEVEL` of every Dify process. Logs are always JSON on stdout.
    pub log_level: LogLevel,
    /// Gunicorn worker processes per api pod (`SERVER_WORKER_AMOUNT`).
    #[schemars(range(min = 1, max = 32))]
    pub api_workers: u32,
    /// Gunicorn request timeout (`GUNICORN_TIMEOUT`), in seconds.
    #[schemars(range(min = 30))]
    pub api_timeout_seconds: u32,
    /// Celery worker concurrency per worker pod (`CELERY_WORKER_AMOUNT`).
    #[schemars(range(min = 1, max = 256))]
    pub worker_concurrency: u32,
    /// Longest an app or workflow run may take (`APP_MAX_EXECUTION_TIME`,
    /// `WORKFLOW_MAX_EXECUTION_TIME`), in seconds. The entry route's
    /// timeouts must be at least this long or streams are cut.
    #[schemars(range(min = 1))]
    pub max_execution_seconds: u32,
    /// Celery queues the workers consume; omit to use Dify's own default list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_queues: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// The public entry: routes Dify's paths to api, web and plugin daemon the
/// way Dify's own nginx does, with timeouts and buffering safe for SSE.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    /// Public host name (`dify.example.com`).
    #[schemars(regex(
        pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$"
    ))]
    pub host: String,
    /// TLS: the Secret holding the certificate. Without it the entry is plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Which entry to render: `f5-nginx` (an Ingress for the F5 NGINX Ingress
    /// Controller), `gateway-api` (an HTTPRoute), or `ingress-nginx` (legacy:
    /// the community controller, retired in March 2026).
    pub controller: IngressController,
    /// IngressClass name, for the Ingress controllers.
    pub class_name: String,
    /// The Gateway the HTTPRoute attaches to, for `gateway-api`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRef>,
    /// Proxy read and send timeout, in seconds (Dify's nginx uses 3600).
    #[schemars(range(min = 1))]
    pub timeout_seconds: u32,
    /// Largest request body, in megabytes (Dify's nginx allows 100).
    #[schemars(range(min = 1))]
    pub max_body_megabytes: u32,
    /// Replicas of the NGINX controller (written to the controller's Helm values).
    #[schemars(range(min = 1))]
    pub controller_replicas: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// Name of an existing `kubernetes.io/tls` Secret.
    pub secret_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IngressController {
    F5Nginx,
    GatewayApi,
    IngressNginx,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRef {
    /// Gateway name.
    pub name: String,
    /// Gateway namespace.
    pub namespace: String,
    /// Listener to attach to; omit to attach to all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
    /// `nginx-gateway-fabric` ignores HTTPRoute timeouts, so its own
    /// ProxySettingsPolicy carries them; `standard` uses HTTPRoute timeouts.
    pub implementation: GatewayImplementation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayImplementation {
    NginxGatewayFabric,
    Standard,
}

/// The Dify workloads.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Components {
    pub api: Component,
    pub worker: Component,
    /// Celery beat: exactly one replica, replaced with `Recreate`.
    pub beat: Component,
    pub web: Component,
    pub sandbox: Component,
    pub plugin_daemon: Component,
    pub ssrf_proxy: Component,
}

/// One workload's size, placement and overrides.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    /// Pod count (the HPA's minimum when autoscaling is on).
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: u32,
    pub resources: Resources,
    /// How replicas spread: `zone` (one per zone first), `host` (never two on
    /// a node), or `none`.
    pub spread: Spread,
    /// Horizontal autoscaling on CPU; omit for a fixed replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Probe overrides, field by field, over dify-gen's defaults.
    #[serde(default, skip_serializing_if = "Probes::is_empty")]
    pub probes: Probes,
    /// Extra plain environment variables. Values that look like secrets are
    /// refused: use `secretEnv`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: IndexMap<String, String>,
    /// Extra environment variables taken from existing Secrets.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "BTreeMap<String, SecretRef>")]
    pub secret_env: IndexMap<String, SecretRef>,
    /// Node labels the pods must match.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Seconds a pod gets to finish in-flight work after SIGTERM; omit for
    /// dify-gen's per-component default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub termination_grace_period_seconds: Option<u32>,
    /// Voluntary disruption budget (drains, upgrades); omit for dify-gen's
    /// default, `maxUnavailable: 1` with two or more replicas. A budget
    /// that lets no pod go blocks every node drain and is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption_budget: Option<DisruptionBudget>,
    /// How the Deployment replaces pods: `rolling` (new pod first) or
    /// `recreate` (old pods gone first); omit for dify-gen's default,
    /// `recreate` for beat and `rolling` for everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<UpdateStrategy>,
}

/// A PodDisruptionBudget: set exactly one of the two fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisruptionBudget {
    /// Pods that must stay available during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<u32>,
    /// Pods that may be unavailable at once during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpdateStrategy {
    Rolling,
    Recreate,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    pub requests: ResourceList,
    pub limits: ResourceLimits,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceList {
    /// CPU, in cores or millicores (`500m`, `1`).
    pub cpu: Quantity,
    /// Memory, in bytes with a binary suffix (`512Mi`, `2Gi`).
    pub memory: Quantity,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceLimits {
    /// CPU limit; omit to let pods burst (no CFS throttling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory limit (`2Gi`).
    pub memory: Quantity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    Zone,
    Host,
    None,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    #[schemars(range(min = 1))]
    pub max_replicas: u32,
    /// Average CPU utilisation target, percent of requests.
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_percent: u32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Probes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<ProbeOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ProbeOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<ProbeOverride>,
}

impl Probes {
    pub fn is_empty(&self) -> bool {
        self.liveness.is_none() && self.readiness.is_none() && self.startup.is_none()
    }
}

/// Overrides for one probe; unset fields keep dify-gen's default.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProbeOverride {
    /// `false` removes the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// HTTP path (Dify has `/health`, not `/healthz` or `/readyz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^/"))]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u32>,
    /// Run a command instead of an HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 3600))]
    pub initial_delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3600))]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3600))]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub failure_threshold: Option<u32>,
}

/// A key in an existing Secret. dify-gen never sees secret values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    /// Secret name.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
}

/// File storage shared by api, worker and plugin daemon. Only object storage
/// is offered: a node-local volume breaks as soon as there are two nodes.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Storage {
    /// `s3` (AWS S3 or any S3-compatible store).
    #[serde(rename = "type")]
    pub kind: StorageKind,
    pub s3: S3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    S3,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3 {
    /// Endpoint URL; omit for AWS S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: Option<String>,
    pub region: String,
    /// Bucket for Dify's files (also holds per-tenant keys: back it up with the database).
    pub bucket: String,
    /// Bucket for plugin packages.
    pub plugin_bucket: String,
    /// `auto`, `path` or `virtual` addressing.
    pub address_style: S3AddressStyle,
    /// Use the pod's IAM role instead of access keys.
    pub use_iam_role: bool,
    /// Access key id; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<SecretRef>,
    /// Secret access key; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum S3AddressStyle {
    Auto,
    Path,
    Virtual,
}

/// The vector database Dify's knowledge bases use (run outside this release).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VectorStore {
    #[serde(rename = "type")]
    pub kind: VectorStoreKind,
    /// HTTP endpoint (`http://weaviate.weaviate.svc:8080`).
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: String,
    /// gRPC endpoint, for Weaviate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_endpoint: Option<String>,
    /// API key or token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VectorStoreKind {
    Weaviate,
    Qdrant,
    Milvus,
}

/// PostgreSQL: a Patroni cluster in this release, or an external service.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Postgres {
    pub mode: PostgresMode,
    /// Database for Dify.
    pub database: String,
    /// Database for the plugin daemon.
    pub plugin_database: String,
    /// The role Dify connects as.
    pub username: String,
    /// Its password.
    pub password: SecretRef,
    /// SQLAlchemy pool per Dify process (`SQLALCHEMY_POOL_SIZE`, `..._MAX_OVERFLOW`).
    pub pool: Pool,
    /// Connection pool of the plugin daemon (`DB_MAX_OPEN_CONNS`).
    #[schemars(range(min = 1))]
    pub plugin_daemon_max_connections: u32,
    /// The Patroni cluster, for `mode: patroni`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patroni: Option<Patroni>,
    /// The managed service, for `mode: external`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalPostgres>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostgresMode {
    Patroni,
    External,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pool {
    #[schemars(range(min = 1))]
    pub size: u32,
    #[schemars(range(min = 0))]
    pub max_overflow: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patroni {
    /// PostgreSQL members (one leader, the rest standbys).
    #[schemars(range(min = 1, max = 9))]
    pub members: u32,
    pub synchronous: Synchronous,
    pub storage: Volume,
    pub resources: Resources,
    /// PostgreSQL parameters (`max_connections` at least).
    #[schemars(with = "BTreeMap<String, ParameterValue>")]
    pub parameters: IndexMap<String, serde_json::Value>,
    /// Superuser password.
    pub superuser_password: SecretRef,
    /// Replication user password.
    pub replication_password: SecretRef,
}

/// A PostgreSQL parameter value.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ParameterValue {
    Text(String),
    Number(i64),
    Bool(bool),
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Synchronous {
    /// `off` (asynchronous), `sync` (named standbys) or `quorum` (any N of the standbys).
    pub mode: SyncMode,
    /// How many standbys must confirm each commit.
    #[schemars(range(min = 0))]
    pub standbys: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    Off,
    Sync,
    Quorum,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    /// Volume size (`20Gi`).
    pub size: Quantity,
    /// StorageClass; omit for the cluster default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalPostgres {
    pub host: String,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u32,
    /// `DB_SSL_MODE` of the plugin daemon (`disable`, `require`, ...).
    pub ssl_mode: String,
    /// `max_connections` of the service, for the connection budget.
    #[schemars(range(min = 1))]
    pub max_connections: u32,
}

/// The etcd cluster Patroni keeps its leader lock in (used with `postgres.mode: patroni`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Etcd {
    /// Members; odd, so a majority survives a loss.
    #[schemars(range(min = 1, max = 9))]
    pub members: u32,
    pub storage: Volume,
    pub resources: Resources,
}

/// Redis: Sentinel-managed replication in this release, or an external service.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Redis {
    pub mode: RedisMode,
    /// Password of the Redis data nodes (and of Sentinel).
    pub password: SecretRef,
    /// The Sentinel deployment, for `mode: sentinel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinel: Option<RedisSentinel>,
    /// The managed service, for `mode: external`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalRedis>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedisMode {
    Sentinel,
    External,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedisSentinel {
    /// Replicas besides the master.
    #[schemars(range(min = 0, max = 8))]
    pub replicas: u32,
    /// Sentinel processes (odd, at least 3 for HA).
    #[schemars(range(min = 1, max = 9))]
    pub sentinels: u32,
    /// Sentinels that must agree the master is down.
    #[schemars(range(min = 1))]
    pub quorum: u32,
    /// Master set name (`REDIS_SENTINEL_SERVICE_NAME`).
    #[schemars(regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    pub master_set: String,
    /// Milliseconds without reply before a Sentinel suspects the master.
    #[schemars(range(min = 1000))]
    pub down_after_milliseconds: u32,
    pub storage: Volume,
    pub resources: Resources,
    pub sentinel_resources: Resources,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalRedis {
    /// Host of a standalone or primary endpoint (ignored with `sentinels`).
    pub host: String,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u32,
    pub use_ssl: bool,
    /// Sentinels of a managed Sentinel deployment (`host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentinels: Vec<String>,
    /// Master set name, with `sentinels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_set: Option<String>,
}

/// References to the Secrets holding Dify's own keys.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secrets {
    /// `SECRET_KEY`: signs sessions and encrypts data; identical on api, worker and beat.
    pub secret_key: SecretRef,
    /// Shared key between api and sandbox (`CODE_EXECUTION_API_KEY` / `API_KEY`).
    pub sandbox_api_key: SecretRef,
    /// Key api uses to call the plugin daemon (`PLUGIN_DAEMON_KEY` / `SERVER_KEY`).
    pub plugin_daemon_key: SecretRef,
    /// Key the plugin daemon uses to call api (`INNER_API_KEY_FOR_PLUGIN` / `DIFY_INNER_API_KEY`).
    pub plugin_inner_api_key: SecretRef,
    /// Initial admin password (`INIT_PASSWORD`); omit to set it in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_password: Option<SecretRef>,
    /// Have the External Secrets Operator create every Secret this topology
    /// references, from a secret store; omit when the Secrets exist already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_secrets: Option<ExternalSecrets>,
}

/// One `ExternalSecret` per referenced Secret: each key of the Secret is
/// read from remote key `<remoteKeyPrefix><secret name>`, property `<key>`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecrets {
    /// `SecretStore` (in the release's namespace) or `ClusterSecretStore`.
    pub store_kind: SecretStoreKind,
    /// Name of the store.
    pub store_name: String,
    /// Prefix of every remote key (`dify/prod/`).
    #[serde(default)]
    pub remote_key_prefix: String,
    /// How often the operator re-reads the store (`1h`, `15m`).
    #[schemars(regex(pattern = r"^([0-9]+(s|m|h))+$"))]
    pub refresh_interval: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum SecretStoreKind {
    SecretStore,
    ClusterSecretStore,
}

impl Components {
    /// Every component with its key in the topology (`pluginDaemon`).
    pub fn all(&self) -> [(&'static str, &Component); 7] {
        [
            ("api", &self.api),
            ("worker", &self.worker),
            ("beat", &self.beat),
            ("web", &self.web),
            ("sandbox", &self.sandbox),
            ("pluginDaemon", &self.plugin_daemon),
            ("ssrfProxy", &self.ssrf_proxy),
        ]
    }
}
