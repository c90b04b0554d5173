//! PostgreSQL: Patroni in the release, or an external server.

use super::resources::{Resources, Volume};
use super::secrets::SecretRef;
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
