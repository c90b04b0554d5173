//! How a probe asks a component whether it is healthy, and how long each
//! component takes to start. Which endpoint each component serves is a fact
//! of its release ([`super::releases::Release::probe`]).
//!
//! Dify has no `/healthz` or `/readyz`: api and sandbox serve `/health`, the
//! plugin daemon `/health/check`; Next.js serves `/apps` once it can render
//! pages; worker and beat have no endpoint at all. The agent runtime's local
//! sandbox serves `/healthz`; its agent backend has no health route.

use super::Kind;

/// How a probe asks a component whether it is healthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// `GET path` on the named container port.
    Http {
        path: &'static str,
        port: &'static str,
    },
    /// A TCP connect to the named container port.
    Tcp { port: &'static str },
}

/// Whether the image serves `path` (for a probe): `Some(false)` for a path
/// it is known not to serve, `None` where dify-gen cannot tell (Next.js
/// serves whatever pages the build has, beside `/apps`; programs without a
/// health route).
pub fn serves(kind: Kind, path: &str) -> Option<bool> {
    let path = path.split('?').next().unwrap_or(path);
    let known: &[&str] = match kind {
        // `ext_app_metrics.py` serves these beside the API itself; a probe
        // on an API route would need a session.
        Kind::Api | Kind::ApiWebsocket => {
            &["/health", "/console/api/ping", "/threads", "/db-pool-stat"]
        }
        Kind::Sandbox => &["/health"],
        Kind::PluginDaemon => &["/health/check", "/metrics", "/metrics/"],
        Kind::LocalSandbox => &["/healthz"],
        Kind::Web => {
            return ["/healthz", "/readyz", "/livez"]
                .contains(&path)
                .then_some(false);
        }
        Kind::Worker
        | Kind::Beat
        | Kind::Migration
        | Kind::SsrfProxy
        | Kind::AgentSsrfProxy
        | Kind::AgentBackend => return None,
    };
    Some(known.contains(&path))
}

/// Seconds a component may need from container start until it answers its
/// probes, on a cold node: importing Dify's Python app (api, the websocket
/// server), installing the plugins' Python environments (plugin daemon,
/// whose own `PYTHON_ENV_INIT_TIMEOUT` is 120s), preparing the jail
/// (sandbox), importing the agent runtime (agent backend).
pub fn start_seconds(kind: Kind) -> u32 {
    match kind {
        Kind::Api | Kind::ApiWebsocket | Kind::Migration => 60,
        Kind::PluginDaemon => 120,
        Kind::Sandbox | Kind::AgentBackend => 30,
        Kind::Web => 20,
        Kind::Worker | Kind::Beat => 60,
        Kind::SsrfProxy | Kind::AgentSsrfProxy | Kind::LocalSandbox => 10,
    }
}
