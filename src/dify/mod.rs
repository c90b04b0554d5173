//! Facts about Dify and the programs dify-gen runs beside it: the component
//! set, the ports each serves, the health endpoints, and the release
//! catalogue (which components, images, queues, routes and variables each
//! supported release has).
//!
//! These are properties of the software, not of a topology or of an output
//! family, so `plan`, every renderer and the checks read them from here and
//! never restate a port or a path. Nothing here imports another stage.

pub mod env;
pub mod health;
pub mod images;
pub mod logs;
pub mod ports;
pub mod queues;
pub mod releases;
pub mod storage;
pub mod upgrades;
pub mod vector;

/// The Dify workloads dify-gen renders, by their `app.kubernetes.io/component`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Api,
    /// The Socket.IO server for workflow collaboration (Dify 1.15 on): the
    /// api image with the WebSocket worker class.
    ApiWebsocket,
    Worker,
    Beat,
    Web,
    Sandbox,
    PluginDaemon,
    SsrfProxy,
    /// The agent v2 runtime (Dify 1.16 on): the agent run server...
    AgentBackend,
    /// ...the shell sandbox its agents run commands in...
    LocalSandbox,
    /// ...and the forward proxy that sandbox's traffic must take.
    AgentSsrfProxy,
    Migration,
}

/// Where the api image keeps its Alembic migrations (`api/migrations/versions`
/// copied to `/app/api`), the same in every release of the catalogue.
pub const MIGRATIONS_DIR: &str = "/app/api/migrations/versions";

/// Gunicorn's worker class for Socket.IO (`geventwebsocket`), which Dify's
/// compose file gives its websocket server.
pub const WEBSOCKET_WORKER_CLASS: &str = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker";

/// Parts of Dify a topology can turn off (`dify.collaboration`, `dify.agentRuntime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Collaboration,
    AgentRuntime,
}

impl Kind {
    /// Every long-running workload any release has (each a Deployment), in
    /// render order; the migration Job is not one. Which of them a topology
    /// runs is `plan::deployments`: its release's, less what it turns off.
    pub const ALL: [Kind; 11] = [
        Kind::Api,
        Kind::ApiWebsocket,
        Kind::Worker,
        Kind::Beat,
        Kind::Web,
        Kind::Sandbox,
        Kind::PluginDaemon,
        Kind::SsrfProxy,
        Kind::AgentBackend,
        Kind::LocalSandbox,
        Kind::AgentSsrfProxy,
    ];

    /// The `app.kubernetes.io/component` label and the object name suffix.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::ApiWebsocket => "api-websocket",
            Kind::Worker => "worker",
            Kind::Beat => "beat",
            Kind::Web => "web",
            Kind::Sandbox => "sandbox",
            Kind::PluginDaemon => "plugin-daemon",
            Kind::SsrfProxy => "ssrf-proxy",
            Kind::AgentBackend => "agent-backend",
            Kind::LocalSandbox => "local-sandbox",
            Kind::AgentSsrfProxy => "agent-ssrf-proxy",
            Kind::Migration => "migration",
        }
    }

    /// Its key under `components` in the topology.
    pub fn key(self) -> &'static str {
        match self {
            Kind::ApiWebsocket => "apiWebsocket",
            Kind::PluginDaemon => "pluginDaemon",
            Kind::SsrfProxy => "ssrfProxy",
            Kind::AgentBackend => "agentBackend",
            Kind::LocalSandbox => "localSandbox",
            Kind::AgentSsrfProxy => "agentSsrfProxy",
            other => other.label(),
        }
    }

    /// Whether the process runs Dify's backend (`MODE` selects the role).
    pub fn is_backend(self) -> bool {
        matches!(
            self,
            Kind::Api | Kind::ApiWebsocket | Kind::Worker | Kind::Beat | Kind::Migration
        )
    }

    /// The backend's `MODE` for this workload (api, worker, beat, migration).
    pub fn backend_mode(self) -> Option<&'static str> {
        match self {
            Kind::Api | Kind::ApiWebsocket => Some("api"),
            Kind::Worker => Some("worker"),
            Kind::Beat => Some("beat"),
            Kind::Migration => Some("migration"),
            _ => None,
        }
    }

    /// The workload whose topology settings this one runs with: the
    /// migration Job runs the api's image and settings.
    pub fn settings_of(self) -> Kind {
        match self {
            Kind::Migration => Kind::Api,
            other => other,
        }
    }

    /// The switch that turns this component off, if any.
    pub fn feature(self) -> Option<Feature> {
        match self {
            Kind::ApiWebsocket => Some(Feature::Collaboration),
            Kind::AgentBackend | Kind::LocalSandbox | Kind::AgentSsrfProxy => {
                Some(Feature::AgentRuntime)
            }
            _ => None,
        }
    }

    /// Exactly one replica, replaced with `Recreate`: two beat schedulers
    /// run every periodic task twice; the local sandbox keeps the agents'
    /// shell jobs and workspaces in its one pod, so a second replica would
    /// receive requests for jobs it never started.
    pub fn is_singleton(self) -> bool {
        matches!(self, Kind::Beat | Kind::LocalSandbox)
    }

    /// The port the workload serves, with its container port name; worker,
    /// beat and the migration serve nothing.
    pub fn serves(self) -> Option<(&'static str, u16)> {
        match self {
            Kind::Api | Kind::ApiWebsocket => Some(("http", ports::API)),
            Kind::Web => Some(("http", ports::WEB)),
            Kind::Sandbox => Some(("http", ports::SANDBOX)),
            Kind::PluginDaemon => Some(("http", ports::PLUGIN_DAEMON)),
            Kind::SsrfProxy | Kind::AgentSsrfProxy => Some(("proxy", ports::SSRF_PROXY)),
            Kind::AgentBackend => Some(("http", ports::AGENT_BACKEND)),
            Kind::LocalSandbox => Some(("http", ports::LOCAL_SANDBOX)),
            Kind::Worker | Kind::Beat | Kind::Migration => None,
        }
    }

    /// The port number of a workload that serves one (what routes and
    /// graph edges point at; the catalogue's tests check every route's).
    pub fn port(self) -> u16 {
        self.serves()
            .map(|(_, port)| port)
            .expect("only workloads that serve a port are routed to")
    }
}

/// The component label of the log collector's agent (Fluent Bit).
pub const LOG_COLLECTOR: &str = "fluent-bit";

/// The data-layer members dify-gen runs itself, by component label.
pub mod data_layer {
    pub const POSTGRES: &str = "postgres";
    /// The Job that checks replication after a render is applied.
    pub const POSTGRES_CHECK: &str = "postgres-check";
    pub const ETCD: &str = "etcd";
    pub const REDIS: &str = "redis";
    pub const SENTINEL: &str = "sentinel";

    /// Whether the member runs as a Job (its pods come and go) rather
    /// than as a StatefulSet.
    pub fn is_job(component: &str) -> bool {
        component == POSTGRES_CHECK
    }
    /// The proxy that forwards only to the current Redis master.
    pub const REDIS_PROXY: &str = "redis-proxy";
    /// The full and incremental backup Jobs (pgBackRest).
    pub const BACKUP: &str = "backup";
    /// The restore drill.
    pub const BACKUP_DRILL: &str = "backup-drill";
    /// The copy of Dify's buckets (rclone).
    pub const BACKUP_FILES: &str = "backup-files";
}
