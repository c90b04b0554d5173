//! The environment variables dify-gen sets on each Dify workload: how it
//! wires Dify to its database, Redis, storage, vector store, its own
//! components and the public URL.
//!
//! A topology's `env` or `secretEnv` entry with one of these names would
//! silently rewire the release (a `DB_HOST` that bypasses Patroni's primary
//! Service, a `REDIS_PASSWORD` that differs from the broker's), so the
//! topology check `managed_env` refuses it unless the entry says
//! `override: true`. A test in `render::kubernetes::config` renders every
//! mode and fails if the renderer sets a variable this list lacks.

use super::Kind;

/// The backend's variables that all hold the public URL.
pub const PUBLIC_URLS: &[&str] = &[
    "CONSOLE_API_URL",
    "CONSOLE_WEB_URL",
    "SERVICE_API_URL",
    "APP_API_URL",
    "APP_WEB_URL",
    "FILES_URL",
    "TRIGGER_URL",
];

/// Patterns: an exact name, or a prefix ending in `*`; the backend's also
/// include [`PUBLIC_URLS`].
const BACKEND: &[&str] = &[
    "MODE",
    "MIGRATION_ENABLED",
    "DEPLOY_ENV",
    "LOG_LEVEL",
    "LOG_OUTPUT_FORMAT",
    "LOG_FILE",
    "INTERNAL_FILES_URL",
    "COOKIE_DOMAIN",
    "DIFY_BIND_ADDRESS",
    "DIFY_PORT",
    "SERVER_WORKER_*",
    "GUNICORN_TIMEOUT",
    "APP_MAX_EXECUTION_TIME",
    "WORKFLOW_MAX_EXECUTION_TIME",
    "SECRET_KEY",
    "DB_*",
    "SQLALCHEMY_*",
    "REDIS_*",
    "CELERY_*",
    "BROKER_USE_SSL",
    "EVENT_BUS_*",
    "STORAGE_TYPE",
    "S3_*",
    "VECTOR_STORE",
    "WEAVIATE_*",
    "QDRANT_*",
    "MILVUS_*",
    "CODE_EXECUTION_*",
    "PLUGIN_DAEMON_*",
    "INNER_API_KEY_FOR_PLUGIN",
    "SSRF_PROXY_*",
    "INIT_PASSWORD",
    "MAIL_*",
    "SMTP_*",
    "RESEND_*",
    "ENABLE_OTEL",
    "OTEL_*",
    "OTLP_*",
    "ENABLE_COLLABORATION_MODE",
    "AGENT_BACKEND_*",
];

const WEB: &[&str] = &[
    "CONSOLE_API_URL",
    "APP_API_URL",
    "SERVER_CONSOLE_API_URL",
    "NEXT_PUBLIC_SOCKET_URL",
    "NEXT_PUBLIC_COOKIE_DOMAIN",
    "NEXT_PUBLIC_ENABLE_AGENT_V2",
    "TEXT_GENERATION_TIMEOUT_MS",
    "NEXT_TELEMETRY_DISABLED",
    "PM2_HOME",
];

const SANDBOX: &[&str] = &[
    "API_KEY",
    "GIN_MODE",
    "SANDBOX_PORT",
    "WORKER_TIMEOUT",
    "ENABLE_NETWORK",
    "HTTP_PROXY",
    "HTTPS_PROXY",
];

const PLUGIN_DAEMON: &[&str] = &[
    "SERVER_PORT",
    "SERVER_KEY",
    "LOG_OUTPUT_FORMAT",
    "HEALTH_API_LOG_ENABLED",
    "DB_*",
    "REDIS_*",
    "DIFY_INNER_API_*",
    "PLUGIN_*",
    "PYTHON_ENV_INIT_TIMEOUT",
    "HOME",
    "S3_*",
    "AWS_*",
    "FORCE_VERIFYING_SIGNATURE",
];

const AGENT_BACKEND: &[&str] = &["DIFY_AGENT_*", "REDIS_PASSWORD"];

const LOCAL_SANDBOX: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SHELLCTL_AUTH_TOKEN",
];

fn patterns(kind: Kind) -> &'static [&'static str] {
    match kind {
        k if k.is_backend() => BACKEND,
        Kind::Web => WEB,
        Kind::Sandbox => SANDBOX,
        Kind::PluginDaemon => PLUGIN_DAEMON,
        Kind::AgentBackend => AGENT_BACKEND,
        Kind::LocalSandbox => LOCAL_SANDBOX,
        _ => &[],
    }
}

/// Whether dify-gen sets (or may set, in another mode) `name` on `kind`.
pub fn is_managed(kind: Kind, name: &str) -> bool {
    (kind.is_backend() && PUBLIC_URLS.contains(&name))
        || store_variable(kind, name)
        || patterns(kind).iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *p,
        })
}

/// A variable of any object store or vector store of the catalogue, on the
/// side that reads it.
fn store_variable(kind: Kind, name: &str) -> bool {
    use super::{storage::BACKENDS, vector::STORES};
    match kind {
        k if k.is_backend() => {
            BACKENDS
                .iter()
                .any(|b| b.api.iter().any(|(n, _)| *n == name))
                || STORES.iter().any(|s| s.variables().any(|n| n == name))
        }
        Kind::PluginDaemon => BACKENDS
            .iter()
            .any(|b| b.plugin.iter().any(|(n, _)| *n == name)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match() {
        assert!(is_managed(Kind::Api, "DB_HOST"));
        assert!(is_managed(Kind::Worker, "CELERY_BROKER_URL"));
        assert!(is_managed(Kind::PluginDaemon, "HOME"));
        assert!(!is_managed(Kind::Api, "HOME"));
        assert!(!is_managed(Kind::Api, "OPENAI_API_BASE"));
        assert!(!is_managed(Kind::SsrfProxy, "DB_HOST"));
        assert!(is_managed(Kind::Worker, "PGVECTOR_PASSWORD"));
        assert!(is_managed(Kind::PluginDaemon, "GCS_CREDENTIALS"));
        assert!(!is_managed(Kind::Web, "GOOGLE_STORAGE_BUCKET_NAME"));
    }
}
