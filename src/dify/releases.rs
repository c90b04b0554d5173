//! The release catalogue: one entry per Dify release dify-gen deploys, with
//! the components it runs, the image of each, the worker queues, the
//! environment variables whose names changed between releases, the entry's
//! routes and the health endpoints, each read from that release's own files
//! (`docker/docker-compose.yaml`, `docker/nginx/conf.d/default.conf.template`,
//! `api/docker/entrypoint.sh`). `dify.version` selects an entry; `plan` and
//! every renderer read it, so no renderer compares version numbers.
//!
//! To add a release: add an entry to [`RELEASES`] (newest last) with the
//! commit it was read from, and a row to `docs/releases.md`.

use super::health::Check;
use super::Kind;

/// Whether an entry was checked against the release's own files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Read at the release's tag: the upstream commit and the files.
    Verified {
        commit: &'static str,
        files: &'static [&'static str],
    },
    /// Not read at the release's tag: what the entry rests on instead.
    Unverified { basis: &'static str },
}

/// The image of each Dify component (worker, beat, the websocket server and
/// the migration Job run the api's).
#[derive(Clone, Copy, Debug)]
pub struct Images {
    pub api: &'static str,
    pub web: &'static str,
    pub sandbox: &'static str,
    pub plugin_daemon: &'static str,
    /// Dify's compose file runs `ubuntu/squid:latest`; dify-gen pins a tag.
    pub ssrf_proxy: &'static str,
    pub agent_backend: Option<&'static str>,
    pub local_sandbox: Option<&'static str>,
}

/// Names of the variables that differ between releases; `None` where the
/// release has no such setting.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    /// Backend switch for workflow collaboration (`ENABLE_COLLABORATION_MODE`,
    /// on by default in the image).
    pub collaboration: Option<&'static str>,
    /// Web: the public WebSocket origin the browser connects Socket.IO to.
    pub socket_url: Option<&'static str>,
    /// Web: the api address for server-side requests (`SERVER_CONSOLE_API_URL`).
    pub server_console_api_url: Option<&'static str>,
    /// Web: shows the agent v2 features (`NEXT_PUBLIC_ENABLE_AGENT_V2`).
    pub agent_v2: Option<&'static str>,
    /// Agent backend: the local sandbox's address and its bearer token.
    pub local_sandbox_endpoint: Option<&'static str>,
    pub local_sandbox_token: Option<&'static str>,
    /// Agent backend: where sandboxes fetch Dify's files
    /// (`DIFY_AGENT_SANDBOX_FILES_BASE_URL`, upstream main after 1.16).
    pub sandbox_files_url: Option<&'static str>,
}

/// One path prefix of the entry, as Dify's nginx routes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub path: &'static str,
    pub to: Kind,
    /// A WebSocket upgrade (`Upgrade`, `Connection: upgrade`).
    pub websocket: bool,
    /// nginx sets `Dify-Hook-Url: $scheme://$host$request_uri`.
    pub hook_url: bool,
}

/// The header Dify's nginx sets on routes with `hook_url`, and its value
/// (nginx variables): the URL the caller used, which endpoint plugins see.
pub const HOOK_URL_HEADER: (&str, &str) = ("Dify-Hook-Url", "$scheme://$host$request_uri");

const fn route(path: &'static str, to: Kind) -> Route {
    Route {
        path,
        to,
        websocket: false,
        hook_url: false,
    }
}

/// The probes a component answers: liveness, readiness.
pub type Health = (Kind, Check, Check);

pub struct Release {
    pub version: &'static str,
    pub verification: Verification,
    /// The long-running components (each a Deployment); the migration Job
    /// runs with every release.
    pub components: &'static [Kind],
    pub images: Images,
    /// The community edition's default worker queues (`DEFAULT_QUEUES` in
    /// `api/docker/entrypoint.sh`): a worker split must consume them all.
    pub queues: &'static [&'static str],
    /// Queues Dify's code routes tasks to outside the default list: a split
    /// may name them.
    pub extra_queues: &'static [&'static str],
    pub env: Env,
    /// Path prefixes, most specific first.
    pub routes: &'static [Route],
    pub health: &'static [Health],
    /// Where Next.js keeps its cache in the web image (writable on a
    /// read-only root): the app moved to `/app/targets/next/web` in 1.16.
    pub web_cache: &'static str,
    /// The plugin daemon's Prometheus endpoint (`/metrics/`), if its version has one.
    pub plugin_daemon_metrics: Option<&'static str>,
    /// Whether the plugin daemon image starts under an init (tini as its
    /// `ENTRYPOINT`, from 0.6.0 on: `docker/local.dockerfile`), so that
    /// the daemon is not PID 1 and its Python plugins do not exit.
    pub plugin_daemon_init: bool,
    /// Whether Dify's event bus finds the master through Sentinel; `false`:
    /// it builds its URL from `REDIS_HOST` (`redis_pubsub_config.py`), so
    /// dify-gen gives it `EVENT_BUS_REDIS_URL`.
    pub event_bus_uses_sentinel: bool,
}

impl Release {
    pub fn is_verified(&self) -> bool {
        matches!(self.verification, Verification::Verified { .. })
    }

    /// The image a component runs in this release.
    pub fn image(&self, kind: Kind) -> Option<&'static str> {
        let i = &self.images;
        match kind {
            k if k.is_backend() => Some(i.api),
            Kind::Web => Some(i.web),
            Kind::Sandbox => Some(i.sandbox),
            Kind::PluginDaemon => Some(i.plugin_daemon),
            Kind::SsrfProxy | Kind::AgentSsrfProxy => Some(i.ssrf_proxy),
            Kind::AgentBackend => i.agent_backend,
            Kind::LocalSandbox => i.local_sandbox,
            _ => None,
        }
    }

    pub fn has(&self, kind: Kind) -> bool {
        kind == Kind::Migration || self.components.contains(&kind)
    }

    /// The endpoint a component's liveness (`ready = false`) or readiness
    /// probe asks; `None`: nothing to probe (worker, beat).
    pub fn probe(&self, kind: Kind, ready: bool) -> Option<Check> {
        let kind = kind.settings_of();
        self.health
            .iter()
            .find(|(k, ..)| *k == kind)
            .map(|(_, live, readiness)| if ready { *readiness } else { *live })
    }
}

const fn http(path: &'static str) -> Check {
    Check::Http { path, port: "http" }
}

/// The `http` port accepts connections (no health route to ask).
const PORT_OPEN: Check = Check::Tcp { port: "http" };
const PROXY_PORT: Check = Check::Tcp { port: "proxy" };

/// Health of the components every release has: `/health` on api and
/// sandbox, `/health/check` on the plugin daemon, the port for web (which
/// serves `/apps` once it can render) and the SSRF proxy.
const HEALTH_1_13: [Health; 5] = [
    (Kind::Api, http("/health"), http("/health")),
    (Kind::Web, PORT_OPEN, http("/apps")),
    (Kind::Sandbox, http("/health"), http("/health")),
    (
        Kind::PluginDaemon,
        http("/health/check"),
        http("/health/check"),
    ),
    (Kind::SsrfProxy, PROXY_PORT, PROXY_PORT),
];

/// 1.16 adds: the websocket server (the api app, `/health`), the agent
/// backend (no health route: the port), the local sandbox (`/healthz`, its
/// compose check) and the agent's SSRF proxy.
const HEALTH_1_16: [Health; 9] = [
    HEALTH_1_13[0],
    HEALTH_1_13[1],
    HEALTH_1_13[2],
    HEALTH_1_13[3],
    HEALTH_1_13[4],
    (Kind::ApiWebsocket, http("/health"), http("/health")),
    (Kind::AgentBackend, PORT_OPEN, PORT_OPEN),
    (Kind::LocalSandbox, http("/healthz"), http("/healthz")),
    (Kind::AgentSsrfProxy, PROXY_PORT, PROXY_PORT),
];

const COMPONENTS_1_13: &[Kind] = &[
    Kind::Api,
    Kind::Worker,
    Kind::Beat,
    Kind::Web,
    Kind::Sandbox,
    Kind::PluginDaemon,
    Kind::SsrfProxy,
];

/// 1.16 runs every component dify-gen knows.
const COMPONENTS_1_16: &[Kind] = &Kind::ALL;

const CONSOLE_API: Route = route("/console/api", Kind::Api);
const SERVICE_API: Route = route("/api", Kind::Api);
const V1: Route = route("/v1", Kind::Api);
const OPENAPI: Route = route("/openapi", Kind::Api);
const FILES: Route = route("/files", Kind::Api);
const MCP: Route = route("/mcp", Kind::Api);
const TRIGGERS: Route = route("/triggers", Kind::Api);
const SOCKET_IO: Route = Route {
    websocket: true,
    ..route("/socket.io/", Kind::ApiWebsocket)
};
const HOOKS: Route = Route {
    hook_url: true,
    ..route("/e/", Kind::PluginDaemon)
};
const WEB: Route = route("/", Kind::Web);

const ROUTES_1_13: &[Route] = &[
    CONSOLE_API,
    SERVICE_API,
    V1,
    FILES,
    MCP,
    TRIGGERS,
    HOOKS,
    WEB,
];

/// 1.16 adds `/openapi` to api and `/socket.io/` to the websocket server.
const ROUTES_1_16: &[Route] = &[
    CONSOLE_API,
    SERVICE_API,
    V1,
    OPENAPI,
    FILES,
    MCP,
    TRIGGERS,
    SOCKET_IO,
    HOOKS,
    WEB,
];

const QUEUES_1_13: &[&str] = &[
    "api_token",
    "dataset",
    "dataset_summary",
    "priority_dataset",
    "priority_pipeline",
    "pipeline",
    "mail",
    "ops_trace",
    "app_deletion",
    "plugin",
    "workflow_storage",
    "conversation",
    "workflow",
    "schedule_poller",
    "schedule_executor",
    "triggered_workflow_dispatcher",
    "trigger_refresh_executor",
    "retention",
    "workflow_based_app_execution",
];

/// 1.16 adds `app_rbac` and `trigger_refresh_publisher`.
const QUEUES_1_16: &[&str] = &[
    "api_token",
    "dataset",
    "dataset_summary",
    "priority_dataset",
    "priority_pipeline",
    "pipeline",
    "mail",
    "ops_trace",
    "app_deletion",
    "app_rbac",
    "plugin",
    "workflow_storage",
    "conversation",
    "workflow",
    "schedule_poller",
    "schedule_executor",
    "triggered_workflow_dispatcher",
    "trigger_refresh_publisher",
    "trigger_refresh_executor",
    "retention",
    "workflow_based_app_execution",
];

/// Routed to in Dify's code, consumed by no default worker.
const EXTRA_QUEUES: &[&str] = &["monitor", "enterprise_telemetry", "workflow_draft_var"];

const SQUID: &str = "ubuntu/squid:6.6-24.04_beta";

const COMPOSE_FILES: &[&str] = &[
    "docker/docker-compose.yaml",
    "docker/nginx/conf.d/default.conf.template",
    "api/docker/entrypoint.sh",
];

const ENV_1_16: Env = Env {
    collaboration: Some("ENABLE_COLLABORATION_MODE"),
    socket_url: Some("NEXT_PUBLIC_SOCKET_URL"),
    server_console_api_url: Some("SERVER_CONSOLE_API_URL"),
    agent_v2: Some("NEXT_PUBLIC_ENABLE_AGENT_V2"),
    local_sandbox_endpoint: Some("DIFY_AGENT_SHELLCTL_ENTRYPOINT"),
    local_sandbox_token: Some("DIFY_AGENT_SHELLCTL_AUTH_TOKEN"),
    sandbox_files_url: None,
};

/// Every release dify-gen deploys, oldest first.
pub const RELEASES: &[Release] = &[
    Release {
        version: "1.13.3",
        verification: Verification::Verified {
            commit: "59639ca9b2ba2ba4b32b5feff5149cfc1ad0ba74",
            files: COMPOSE_FILES,
        },
        components: COMPONENTS_1_13,
        images: Images {
            api: "langgenius/dify-api:1.13.3",
            web: "langgenius/dify-web:1.13.3",
            sandbox: "langgenius/dify-sandbox:0.2.14",
            plugin_daemon: "langgenius/dify-plugin-daemon:0.5.3-local",
            ssrf_proxy: SQUID,
            agent_backend: None,
            local_sandbox: None,
        },
        queues: QUEUES_1_13,
        extra_queues: EXTRA_QUEUES,
        env: Env {
            collaboration: None,
            socket_url: None,
            server_console_api_url: None,
            agent_v2: None,
            local_sandbox_endpoint: None,
            local_sandbox_token: None,
            sandbox_files_url: None,
        },
        routes: ROUTES_1_13,
        health: &HEALTH_1_13,
        web_cache: "/app/web/.next/cache",
        // The plugin daemon serves `/metrics/` from 0.5.7 on.
        plugin_daemon_metrics: None,
        // 0.5.3: `bash -c /app/entrypoint.sh`, no init.
        plugin_daemon_init: false,
        event_bus_uses_sentinel: false,
    },
    Release {
        version: "1.16.1",
        verification: Verification::Verified {
            commit: "6f8ed69ee15f9a2e7189ca066275e973d091d1e9",
            files: COMPOSE_FILES,
        },
        components: COMPONENTS_1_16,
        images: Images {
            api: "langgenius/dify-api:1.16.1",
            web: "langgenius/dify-web:1.16.1",
            sandbox: "langgenius/dify-sandbox:0.2.15",
            plugin_daemon: "langgenius/dify-plugin-daemon:0.6.3-local",
            ssrf_proxy: SQUID,
            agent_backend: Some("langgenius/dify-agent-backend:1.16.1"),
            local_sandbox: Some("langgenius/dify-agent-local-sandbox:1.16.1"),
        },
        queues: QUEUES_1_16,
        extra_queues: EXTRA_QUEUES,
        env: ENV_1_16,
        routes: ROUTES_1_16,
        health: &HEALTH_1_16,
        web_cache: "/app/targets/next/web/.next/cache",
        plugin_daemon_metrics: Some("/metrics/"),
        plugin_daemon_init: true,
        event_bus_uses_sentinel: false,
    },
    Release {
        version: "1.17.1",
        verification: Verification::Unverified {
            basis: "the 1.17.1 tag could not be read; the images follow the version bump of \
                    langgenius/dify#42129 and the rest upstream main at 08993dd622ab \
                    (2026-08-17), eight days before 1.17.0",
        },
        components: COMPONENTS_1_16,
        images: Images {
            api: "langgenius/dify-api:1.17.1",
            web: "langgenius/dify-web:1.17.1",
            sandbox: "langgenius/dify-sandbox:0.2.15",
            plugin_daemon: "langgenius/dify-plugin-daemon:0.6.10-local",
            ssrf_proxy: SQUID,
            agent_backend: Some("langgenius/dify-agent-backend:1.17.1"),
            local_sandbox: Some("langgenius/dify-agent-local-sandbox:1.17.1"),
        },
        queues: QUEUES_1_16,
        extra_queues: EXTRA_QUEUES,
        // Main renamed the agent backend's sandbox settings (the old names
        // remain accepted aliases there).
        env: Env {
            local_sandbox_endpoint: Some("DIFY_AGENT_LOCAL_SANDBOX_ENDPOINT"),
            local_sandbox_token: Some("DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN"),
            sandbox_files_url: Some("DIFY_AGENT_SANDBOX_FILES_BASE_URL"),
            ..ENV_1_16
        },
        routes: ROUTES_1_16,
        health: &HEALTH_1_16,
        web_cache: "/app/targets/next/web/.next/cache",
        plugin_daemon_metrics: Some("/metrics/"),
        plugin_daemon_init: true,
        event_bus_uses_sentinel: false,
    },
];

/// The entry of a version.
pub fn find(version: &str) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.version == version)
}

/// The entry of a version, or the newest verified one when the version is
/// unknown (which the `release` check reports): what every stage reads.
pub fn of_version(version: &str) -> &'static Release {
    find(version).unwrap_or_else(newest_verified)
}

/// The newest verified release: what the profiles deploy.
pub fn newest_verified() -> &'static Release {
    RELEASES
        .iter()
        .rev()
        .find(|r| r.is_verified())
        .expect("the catalogue has a verified release")
}

/// The supported versions, for messages (`1.13.3, 1.16.1, 1.17.1`).
pub fn versions() -> String {
    RELEASES
        .iter()
        .map(|r| r.version)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_whole() {
        for r in RELEASES {
            for kind in r.components {
                assert!(
                    r.image(*kind).is_some(),
                    "{} has no image for {kind:?}",
                    r.version
                );
                if kind.serves().is_some() {
                    assert!(
                        r.probe(*kind, true).is_some(),
                        "{} has no probe for {kind:?}",
                        r.version
                    );
                }
            }
            for route in r.routes {
                assert!(
                    r.has(route.to),
                    "{} routes {} to {:?}",
                    r.version,
                    route.path,
                    route.to
                );
            }
            assert_eq!(r.routes.last().map(|r| r.path), Some("/"));
            assert!(r.queues.contains(&"workflow_based_app_execution"));
            // Images follow the release: the api's tag is its version.
            assert!(r.images.api.ends_with(&format!(":{}", r.version)));
            assert!(r.images.web.ends_with(&format!(":{}", r.version)));
            let agents = r.components.contains(&Kind::AgentBackend);
            assert_eq!(r.env.local_sandbox_endpoint.is_some(), agents);
        }
        let versions: Vec<&str> = RELEASES.iter().map(|r| r.version).collect();
        let mut sorted = versions.clone();
        sorted.sort_by_key(|v| {
            v.split('.')
                .map(|n| n.parse::<u32>().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(versions, sorted, "oldest first");
    }

    #[test]
    fn the_newest_verified_release_is_the_default() {
        assert_eq!(newest_verified().version, "1.16.1");
        assert!(!find("1.17.1").unwrap().is_verified());
        assert!(find("1.14.0").is_none());
    }
}
