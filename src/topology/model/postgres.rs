//! PostgreSQL: Patroni in the release, or an external server.

use super::resources::{Resources, Volume};
use super::secrets::SecretRef;
use crate::timings;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// PostgreSQL parameters, checked against the parameter catalogue of
    /// the image's PostgreSQL major version (names, types, units, ranges,
    /// enum values); the ones Patroni manages (`port`, `hot_standby`,
    /// `synchronous_standby_names`, ...) are refused.
    #[schemars(with = "BTreeMap<String, ParameterValue>")]
    pub parameters: IndexMap<String, serde_json::Value>,
    /// Superuser password.
    pub superuser_password: SecretRef,
    /// Replication user password.
    pub replication_password: SecretRef,
    /// Seconds the leader lock in etcd outlives the leader's last refresh
    /// (Patroni's `ttl`): a leader that dies unannounced is replaced only
    /// after it expires, so this is most of a crash failover. Patroni
    /// refuses less than 20.
    #[schemars(range(min = timings::PATRONI_MIN_TTL_SECONDS))]
    pub ttl_seconds: u32,
    /// Seconds between Patroni's HA cycles (`loop_wait`): the leader
    /// refreshes its lock once a cycle. Patroni requires
    /// `loopWaitSeconds + 2 * retryTimeoutSeconds <= ttlSeconds`.
    #[schemars(range(min = timings::PATRONI_MIN_LOOP_WAIT_SECONDS))]
    pub loop_wait_seconds: u32,
    /// Seconds Patroni retries etcd before the leader steps down
    /// (`retry_timeout`); it must outlast an etcd leader election, or the
    /// loss of etcd's leader also demotes PostgreSQL's. At least 3.
    #[schemars(range(min = timings::PATRONI_MIN_RETRY_TIMEOUT_SECONDS))]
    pub retry_timeout_seconds: u32,
    /// The longest PostgreSQL failover this topology accepts, in seconds:
    /// `dify-gen plan` computes the worst case from the Patroni and etcd
    /// timings (`docs/failover.md`) and reports a topology whose worst case
    /// is longer (an error under `availability: ha`, a warning elsewhere).
    #[schemars(range(min = 1))]
    pub failover_objective_seconds: u32,
}

/// A PostgreSQL parameter value.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ParameterValue {
    Text(String),
    Number(f64),
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
