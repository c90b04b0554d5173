//! Redis: a Sentinel-managed replica set in the release, or an external server.

use super::resources::{Resources, Volume};
use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    /// Milliseconds without reply before a Sentinel suspects the master
    /// (`down-after-milliseconds`): most of a failover.
    #[schemars(range(min = 1000))]
    pub down_after_milliseconds: u32,
    /// Sentinel's `failover-timeout` in milliseconds: how long an election
    /// (at most 10 s) and a promotion may take before the failover is
    /// abandoned; a Sentinel retries a failover only twice this long after
    /// its last attempt, which is what a split vote costs.
    #[schemars(range(min = 1))]
    pub failover_timeout_milliseconds: u32,
    /// The longest Redis failover this topology accepts, in seconds:
    /// `dify-gen plan` computes the worst case from the Sentinel timings
    /// (`docs/failover.md`) and reports a topology whose worst case is
    /// longer (an error under `availability: ha`, a warning elsewhere).
    #[schemars(range(min = 1))]
    pub failover_objective_seconds: u32,
    pub storage: Volume,
    pub resources: Resources,
    pub sentinel_resources: Resources,
    pub master_proxy: RedisMasterProxy,
}

/// A TCP proxy (HAProxy) in front of the data nodes that forwards only to
/// the node answering `role:master`, for the clients that cannot ask
/// Sentinel: Dify's event bus (`EVENT_BUS_REDIS_URL`, which Dify builds
/// from `REDIS_HOST` and never from Sentinel) and the agent backend
/// (`DIFY_AGENT_REDIS_URL`). Celery and the plugin daemon keep using
/// Sentinel directly.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedisMasterProxy {
    /// Proxy pods, spread over zones like the data nodes.
    #[schemars(range(min = 1, max = 9))]
    pub replicas: u32,
    pub resources: Resources,
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
    /// With `sentinels`: an address that always reaches the current master
    /// (the provider's primary endpoint, or a proxy that follows
    /// failovers), for the clients that cannot ask Sentinel: Dify's event
    /// bus and the agent backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_endpoint: Option<Endpoint>,
}

/// A `host` and `port`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    pub host: String,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u32,
}
