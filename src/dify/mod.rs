//! Facts about Dify and the programs dify-gen runs beside it: the component
//! set, the ports each serves, the entry's routes and the health endpoints.
//!
//! These are properties of the software, not of a topology or of an output
//! family, so `plan`, every renderer and the checks read them from here and
//! never restate a port or a path. Nothing here imports another stage.

pub mod health;
pub mod images;
pub mod ports;
pub mod queues;
pub mod routes;

/// The Dify workloads dify-gen renders, by their `app.kubernetes.io/component`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Api,
    Worker,
    Beat,
    Web,
    Sandbox,
    PluginDaemon,
    SsrfProxy,
    Migration,
}

impl Kind {
    /// The long-running workloads (each a Deployment); the migration Job is not one.
    pub const DEPLOYMENTS: [Kind; 7] = [
        Kind::Api,
        Kind::Worker,
        Kind::Beat,
        Kind::Web,
        Kind::Sandbox,
        Kind::PluginDaemon,
        Kind::SsrfProxy,
    ];

    /// The `app.kubernetes.io/component` label and the object name suffix.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Worker => "worker",
            Kind::Beat => "beat",
            Kind::Web => "web",
            Kind::Sandbox => "sandbox",
            Kind::PluginDaemon => "plugin-daemon",
            Kind::SsrfProxy => "ssrf-proxy",
            Kind::Migration => "migration",
        }
    }

    /// Its key under `components` in the topology.
    pub fn key(self) -> &'static str {
        match self {
            Kind::PluginDaemon => "pluginDaemon",
            Kind::SsrfProxy => "ssrfProxy",
            other => other.label(),
        }
    }

    /// Whether the process runs Dify's backend (`MODE` selects the role).
    pub fn is_backend(self) -> bool {
        matches!(
            self,
            Kind::Api | Kind::Worker | Kind::Beat | Kind::Migration
        )
    }

    /// The backend's `MODE` for this workload (api, worker, beat, migration).
    pub fn backend_mode(self) -> Option<&'static str> {
        match self {
            Kind::Api => Some("api"),
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

    /// The port the workload serves, with its container port name; worker,
    /// beat and the migration serve nothing.
    pub fn serves(self) -> Option<(&'static str, u16)> {
        match self {
            Kind::Api => Some(("http", ports::API)),
            Kind::Web => Some(("http", ports::WEB)),
            Kind::Sandbox => Some(("http", ports::SANDBOX)),
            Kind::PluginDaemon => Some(("http", ports::PLUGIN_DAEMON)),
            Kind::SsrfProxy => Some(("proxy", ports::SSRF_PROXY)),
            Kind::Worker | Kind::Beat | Kind::Migration => None,
        }
    }
}

/// The data-layer members dify-gen runs itself, by component label.
pub mod data_layer {
    pub const POSTGRES: &str = "postgres";
    /// The Job that checks replication after a render is applied.
    pub const POSTGRES_CHECK: &str = "postgres-check";
    pub const ETCD: &str = "etcd";
    pub const REDIS: &str = "redis";
    pub const SENTINEL: &str = "sentinel";
}
