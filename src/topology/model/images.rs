//! Container images, pinned.

use crate::dify::Kind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Container images. Tags must be pinned: `latest` or a missing tag is an
/// error, because a render must mean the same thing tomorrow. A digest
/// (`name@sha256:...`) pins best.
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
    /// Image with Patroni and PostgreSQL, for `postgres.mode: patroni`
    /// (may be removed with an external PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// etcd image, for `postgres.mode: patroni` (may be removed with an
    /// external PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd: Option<String>,
    /// Redis image that also contains `redis-sentinel`, for `redis.mode:
    /// sentinel` (may be removed with an external Redis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<String>,
}

impl Images {
    /// The image a Dify workload runs (worker, beat and the migration run the api's).
    pub fn of(&self, kind: Kind) -> &str {
        match kind {
            Kind::Api | Kind::Worker | Kind::Beat | Kind::Migration => &self.api,
            Kind::Web => &self.web,
            Kind::Sandbox => &self.sandbox,
            Kind::PluginDaemon => &self.plugin_daemon,
            Kind::SsrfProxy => &self.ssrf_proxy,
        }
    }
}
