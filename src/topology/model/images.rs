//! Container images, pinned.

use crate::dify::Kind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Container images. Tags must be pinned: `latest` or a missing tag is an
/// error, because a render must mean the same thing tomorrow. Dify's own
/// images come from the release catalogue (`dify.version`); set one here to
/// override it (a mirror, a patched build). Its tag must not name another
/// Dify version.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Images {
    /// Dify API image, also used by worker, beat, the websocket server and
    /// the migration Job; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// Dify web frontend image; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    /// Dify code-execution sandbox image; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
    /// Dify plugin daemon image; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_daemon: Option<String>,
    /// Squid image of both SSRF proxies; omit for the catalogue's pinned tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssrf_proxy: Option<String>,
    /// Dify agent backend image; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_backend: Option<String>,
    /// Dify agent local sandbox image; omit for the release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_sandbox: Option<String>,
    /// Image with Patroni and PostgreSQL (used when `postgres.mode` is `patroni`).
    pub postgres: String,
    /// etcd image (used when `postgres.mode` is `patroni`).
    pub etcd: String,
    /// Redis image that also contains `redis-sentinel`.
    pub redis: String,
    /// HAProxy image for the proxy to the current Redis master (used when
    /// `redis.mode` is `sentinel`).
    pub redis_proxy: String,
}

impl Images {
    /// The override for a Dify workload's image, with its key under `images`
    /// (worker, beat, the websocket server and the migration run the api's).
    pub fn override_of(&self, kind: Kind) -> Option<(&'static str, &str)> {
        let (key, image) = match kind {
            k if k.is_backend() => ("api", &self.api),
            Kind::Web => ("web", &self.web),
            Kind::Sandbox => ("sandbox", &self.sandbox),
            Kind::PluginDaemon => ("pluginDaemon", &self.plugin_daemon),
            Kind::SsrfProxy | Kind::AgentSsrfProxy => ("ssrfProxy", &self.ssrf_proxy),
            Kind::AgentBackend => ("agentBackend", &self.agent_backend),
            Kind::LocalSandbox => ("localSandbox", &self.local_sandbox),
            _ => return None,
        };
        image.as_deref().map(|i| (key, i))
    }

    /// Every image the topology names, by key.
    pub fn named(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = [
            ("api", &self.api),
            ("web", &self.web),
            ("sandbox", &self.sandbox),
            ("pluginDaemon", &self.plugin_daemon),
            ("ssrfProxy", &self.ssrf_proxy),
            ("agentBackend", &self.agent_backend),
            ("localSandbox", &self.local_sandbox),
        ]
        .into_iter()
        .filter_map(|(key, image)| image.as_deref().map(|i| (key, i)))
        .collect();
        out.extend([
            ("postgres", self.postgres.as_str()),
            ("etcd", self.etcd.as_str()),
            ("redis", self.redis.as_str()),
            ("redisProxy", self.redis_proxy.as_str()),
        ]);
        out
    }
}
