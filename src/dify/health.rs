//! What each component answers a probe on, and how long it takes to start.
//!
//! Dify has no `/healthz` or `/readyz`: api and sandbox serve `/health`, the
//! plugin daemon `/health/check`; Next.js serves `/apps` once it can render
//! pages; worker and beat have no endpoint at all.

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

/// The endpoint for a probe of a component; `ready` asks for the readiness
/// probe (which may need more than liveness). `None`: nothing to probe.
pub fn endpoint(kind: Kind, ready: bool) -> Option<Check> {
    let http = |path| Check::Http { path, port: "http" };
    Some(match kind {
        Kind::Api | Kind::Sandbox => http("/health"),
        Kind::PluginDaemon => http("/health/check"),
        // The port alone is enough to tell Next.js is alive.
        Kind::Web if ready => http("/apps"),
        Kind::Web => Check::Tcp { port: "http" },
        Kind::SsrfProxy => Check::Tcp { port: "proxy" },
        Kind::Worker | Kind::Beat | Kind::Migration => return None,
    })
}

/// Whether the image serves `path` (for a probe): `Some(false)` for a path
/// it is known not to serve, `None` where dify-gen cannot tell (Next.js
/// serves whatever pages the build has, beside `/apps`).
pub fn serves(kind: Kind, path: &str) -> Option<bool> {
    let path = path.split('?').next().unwrap_or(path);
    let known: &[&str] = match kind {
        // `ext_app_metrics.py` serves these beside the API itself; a probe
        // on an API route would need a session.
        Kind::Api => &["/health", "/console/api/ping", "/threads", "/db-pool-stat"],
        Kind::Sandbox => &["/health"],
        Kind::PluginDaemon => &["/health/check", "/metrics", "/metrics/"],
        Kind::Web => {
            return ["/healthz", "/readyz", "/livez"]
                .contains(&path)
                .then_some(false);
        }
        Kind::Worker | Kind::Beat | Kind::Migration | Kind::SsrfProxy => return None,
    };
    Some(known.contains(&path))
}

/// Seconds a component may need from container start until it answers its
/// probes, on a cold node: importing Dify's Python app (api), installing
/// the plugins' Python environments (plugin daemon, whose own
/// `PYTHON_ENV_INIT_TIMEOUT` is 120s), preparing the jail (sandbox).
pub fn start_seconds(kind: Kind) -> u32 {
    match kind {
        Kind::Api | Kind::Migration => 60,
        Kind::PluginDaemon => 120,
        Kind::Sandbox => 30,
        Kind::Web => 20,
        Kind::Worker | Kind::Beat => 60,
        Kind::SsrfProxy => 10,
    }
}
