//! The Docker Swarm target: `swarm/stack.yaml` for `docker stack deploy`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Render a Docker Swarm stack (`swarm/stack.yaml`) beside the Kubernetes
/// objects, from the same components, zones and hosts. Omit for
/// Kubernetes only.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Swarm {
    /// NGINX image of the edge proxy, which routes Dify's paths the way
    /// Dify's own nginx does (pinned, like every image).
    pub edge_image: String,
    /// HAProxy image that sends PostgreSQL clients to the Patroni leader
    /// (with `postgres.mode: patroni`; pinned).
    pub postgres_proxy_image: String,
    /// Port the edge proxy publishes on every node (the routing mesh) for
    /// HTTP; with `ingress.tls` it redirects to HTTPS.
    #[schemars(range(min = 1, max = 65535))]
    pub http_port: u16,
    /// Port the edge publishes for HTTPS, with `ingress.tls`.
    #[schemars(range(min = 1, max = 65535))]
    pub https_port: u16,
    /// Seconds Swarm watches each updated task before it updates the next;
    /// a task that fails in that time rolls the whole service back.
    #[schemars(range(min = 1, max = 3600))]
    pub update_monitor_seconds: u32,
    /// Seconds between updating one batch of tasks and the next.
    #[schemars(range(min = 0, max = 3600))]
    pub update_delay_seconds: u32,
}
