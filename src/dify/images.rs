//! What is inside each image, for the targets that run a command in the
//! container instead of probing it from outside (Swarm health checks) or
//! that wrap its start (Swarm reads secrets from files).
//!
//! Read from the images' Dockerfiles: the api image (python slim, Debian)
//! installs `curl` (Dify's own compose probes api with it); the sandbox
//! image installs `curl` and `wget`; the web image is `node:*-alpine`,
//! whose busybox has `wget` but no `curl`; the plugin daemon's `-local`
//! image is Ubuntu with Python 3.12 and no `curl`; Ubuntu's squid image has
//! `bash` but neither `curl` nor `wget`; the agent backend is Python slim
//! (no `curl`), the local sandbox installs `curl`.

use super::releases::Release;
use super::Kind;

/// A program in the image that can ask an endpoint whether it is healthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prober {
    Curl,
    /// busybox `wget`.
    Wget,
    /// `python3` with `urllib`.
    Python,
    /// bash's `/dev/tcp` (TCP connect only).
    BashTcp,
}

/// The probe program available in a component's image.
pub fn prober(kind: Kind) -> Prober {
    match kind {
        k if k.is_backend() => Prober::Curl,
        Kind::Sandbox | Kind::LocalSandbox => Prober::Curl,
        Kind::Web => Prober::Wget,
        // Ubuntu with Python 3.12; the agent backend is python slim, no curl.
        Kind::PluginDaemon | Kind::AgentBackend => Prober::Python,
        _ => Prober::BashTcp,
    }
}

/// The command the image starts with (its `ENTRYPOINT` and `CMD`), which a
/// wrapper that sets up the environment first must `exec`. The sandbox's
/// changed between releases (`/main`, later `/entrypoint.sh`), so it is a
/// shell test for either.
pub fn start_command(kind: Kind) -> &'static [&'static str] {
    match kind {
        k if k.is_backend() => &["/bin/bash", "/entrypoint.sh"],
        // WORKDIR is /app/web.
        Kind::Web => &["/bin/sh", "./entrypoint.sh"],
        Kind::Sandbox => &[
            "/bin/sh",
            "-c",
            "if [ -x /entrypoint.sh ]; then exec /entrypoint.sh; else exec /main; fi",
        ],
        Kind::PluginDaemon => &["/bin/bash", "-c", "/app/entrypoint.sh"],
        // dify-agent/Dockerfile's CMD (WORKDIR /app/api).
        Kind::AgentBackend => &[
            "uvicorn",
            "dify_agent.server.app:app",
            "--host",
            "0.0.0.0",
            "--port",
            "5050",
        ],
        // dify-agent-runtime/docker/Dockerfile's CMD.
        Kind::LocalSandbox => &["shellctl", "serve", "--listen", "0.0.0.0:5004"],
        // dify-gen starts squid itself, in the foreground, with its config.
        _ => &["squid", "-N", "-d", "1", "-f", "/etc/squid/squid.conf"],
    }
}

/// The directories a component's program writes to, as `(volume name,
/// path)`: scratch space that Kubernetes mounts as `emptyDir`s (the root
/// file system is read-only there) and Swarm as `tmpfs`. pm2 keeps its
/// state in `PM2_HOME=/.pm2`, which the image's own user cannot create;
/// Next.js its cache beside the app, which moved in 1.16 (the release's
/// `web_cache`).
pub fn scratch_dirs(release: &Release, kind: Kind) -> Vec<(&'static str, &'static str)> {
    match kind {
        k if k.is_backend() => vec![("tmp", "/tmp"), ("storage", "/app/api/storage")],
        Kind::Web => vec![
            ("tmp", "/tmp"),
            ("pm2", "/.pm2"),
            ("next-cache", release.web_cache),
        ],
        Kind::PluginDaemon => vec![("tmp", "/tmp"), ("storage", "/app/storage")],
        Kind::SsrfProxy | Kind::AgentSsrfProxy => vec![
            ("tmp", "/tmp"),
            ("spool", "/var/spool/squid"),
            ("logs", "/var/log/squid"),
        ],
        Kind::AgentBackend => vec![("tmp", "/tmp")],
        // Agents' shell homes (`/home/<user>`, and shellctl's own state
        // under `/home/dify`) and the drive they mount files into.
        Kind::LocalSandbox => vec![("tmp", "/tmp"), ("home", "/home"), ("drive", "/mnt/drive")],
        _ => vec![],
    }
}
