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
    /// Secrets of type `kubernetes.io/dockerconfigjson` every pod dify-gen
    /// renders pulls its images with (`imagePullSecrets`); a component's
    /// `imagePullSecrets` add to these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pull_secrets: Vec<String>,
    /// A registry every image is pulled through (an air-gapped cluster's
    /// registry, a pull-through cache, a region's mirror of Docker Hub):
    /// each image dify-gen writes, Dify's, the data layer's, monitoring's
    /// and the Swarm stack's, is rewritten onto it. Omit to pull from the
    /// images' own registries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_mirror: Option<RegistryMirror>,
}

/// How images are rewritten onto a mirror: `redis:8.10.2` is
/// `docker.io/library/redis:8.10.2`, and becomes
/// `<prefix>/docker.io/library/redis:8.10.2` (`keepRegistry: true`, the
/// layout of a cache that serves several registries) or
/// `<prefix>/library/redis:8.10.2` (`keepRegistry: false`, a mirror of one
/// registry's paths). Tags and digests are kept, so pins still hold.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryMirror {
    /// Registry host (with an optional port) and path the images are
    /// under (`harbor.example.com/dify`, `registry.internal:5000`).
    pub prefix: String,
    /// Keep the source registry's host as the first path part under the
    /// prefix (`docker.io`, `ghcr.io`, `gcr.io`).
    pub keep_registry: bool,
}

/// How the kubelet decides to pull a container's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PullPolicy {
    /// Pull only when the node lacks the image (right for pinned tags).
    IfNotPresent,
    /// Ask the registry on every start (a moving tag, or to re-check access).
    Always,
    /// Never pull: the image must be on the node already.
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Always => "Always",
            PullPolicy::Never => "Never",
        }
    }
}

impl RegistryMirror {
    /// `image` as pulled through this mirror. An image already under the
    /// prefix is left as it is, so rewriting twice changes nothing.
    pub fn rewrite(&self, image: &str) -> String {
        let prefix = self.prefix.trim_end_matches('/');
        if image.starts_with(&format!("{prefix}/")) {
            return image.to_string();
        }
        let (registry, path) = crate::names::image::registry_and_path(image);
        if self.keep_registry {
            format!("{prefix}/{registry}/{path}")
        } else {
            format!("{prefix}/{path}")
        }
    }
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

    /// Every image the topology names, with its key under `images`.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
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

/// The PostgreSQL major version the render assumes when the image's tag
/// does not start with one (a digest-pinned image).
pub const DEFAULT_POSTGRES_MAJOR: u32 = 17;

impl Images {
    /// The PostgreSQL major version of `postgres`, from its tag (`17` of
    /// `pgedge-postgres:17.6-spock5.0.0-standard-1`), else
    /// [`DEFAULT_POSTGRES_MAJOR`]. The data and binary paths, and the
    /// parameter catalogue the topology is checked against, follow it.
    pub fn postgres_major(&self) -> u32 {
        version(&self.postgres)
            .map(|(major, _)| major)
            .unwrap_or(DEFAULT_POSTGRES_MAJOR)
    }

    /// The Redis version of `redis` (`(8, 2)` of `redis:8.2.1-alpine`), if
    /// its tag starts with one.
    pub fn redis_version(&self) -> Option<(u32, u32)> {
        version(&self.redis)
    }
}

/// The tag of an image reference (`1.13.3` of `langgenius/dify-api:1.13.3`),
/// `None` when it has none or is pinned by digest only.
pub fn tag(image: &str) -> Option<&str> {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
}

/// `major.minor` at the start of an image's tag (`v` allowed).
fn version(image: &str) -> Option<(u32, u32)> {
    let tag = tag(image)?;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let mut parts = tag.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_keep_tags_and_digests() {
        let keep = RegistryMirror {
            prefix: "harbor.example.com/proxy/".into(),
            keep_registry: true,
        };
        let flat = RegistryMirror {
            keep_registry: false,
            ..keep.clone()
        };
        assert_eq!(
            keep.rewrite("redis:8.10.2"),
            "harbor.example.com/proxy/docker.io/library/redis:8.10.2"
        );
        assert_eq!(
            flat.rewrite("langgenius/dify-api:1.16.1"),
            "harbor.example.com/proxy/langgenius/dify-api:1.16.1"
        );
        assert_eq!(
            keep.rewrite("ghcr.io/pgedge/pgedge-postgres:17.6"),
            "harbor.example.com/proxy/ghcr.io/pgedge/pgedge-postgres:17.6"
        );
        assert_eq!(
            flat.rewrite("localhost:5000/a/b@sha256:00"),
            "harbor.example.com/proxy/a/b@sha256:00"
        );
        let once = keep.rewrite("redis:8");
        assert_eq!(keep.rewrite(&once), once);
    }

    #[test]
    fn versions_from_tags() {
        assert_eq!(tag("langgenius/dify-api:1.13.3"), Some("1.13.3"));
        assert_eq!(tag("localhost:5000/redis"), None);
        assert_eq!(tag("redis@sha256:abc"), None);
        assert_eq!(
            version("ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1"),
            Some((17, 6))
        );
        assert_eq!(version("redis:8.10.2"), Some((8, 10)));
        assert_eq!(version("redis:6-alpine"), Some((6, 0)));
        assert_eq!(version("redis:latest"), None);
    }
}
