//! Configuration of the Dify processes: non-secret settings in ConfigMaps,
//! secrets only as `secretKeyRef`s.
//!
//! Settings shared by api, worker, beat and the migration Job live in one
//! ConfigMap so they cannot disagree (`SECRET_KEY` and the database must be
//! identical on all of them). Values that embed a password, like Celery's
//! broker URL, are composed with Kubernetes' `$(VAR)` expansion from a
//! variable that comes from a Secret, so no password is ever written out.

use super::labels::meta;
use crate::dify::ports;
use crate::dify::Kind;
use crate::plan::stores::{self, Side, Value};
use crate::plan::Plan;
use crate::render::templates;
use crate::topology::{MailKind, SecretRef};
use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{ConfigMap, EnvVar, EnvVarSource, SecretKeySelector};
use std::collections::BTreeMap;

/// The ConfigMap a component's containers load with `envFrom`.
pub fn config_map_name(plan: &Plan, kind: Kind) -> String {
    match kind {
        k if k.is_backend() => plan.name("backend"),
        k => plan.name(k.label()),
    }
}

/// Non-secret environment of a component, in a stable order.
pub fn settings(plan: &Plan, kind: Kind) -> IndexMap<String, String> {
    let mut env = IndexMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    let t = plan.t;
    let env_names = &plan.dify.env;
    match kind {
        k if k.is_backend() => backend(plan, &mut set),
        Kind::Web => {
            set("CONSOLE_API_URL", plan.public_url_for("CONSOLE_API_URL"));
            set("APP_API_URL", plan.public_url_for("APP_API_URL"));
            // Any value turns the web's `__Host-` CSRF cookie name off,
            // as the api does with `COOKIE_DOMAIN`; the same domain says why.
            if let Some(domain) = t.ingress.cookie_domain() {
                set("NEXT_PUBLIC_COOKIE_DOMAIN", domain);
            }
            if let Some(name) = env_names.server_console_api_url {
                set(name, plan.url(Kind::Api, ports::API));
            }
            if let Some(name) = env_names.socket_url {
                set(name, plan.public_socket_url());
            }
            if let Some(name) = env_names.agent_v2 {
                set(name, plan.runs(Kind::AgentBackend).to_string());
            }
            set(
                "TEXT_GENERATION_TIMEOUT_MS",
                (u64::from(t.dify.max_execution_seconds) * 1000).to_string(),
            );
            set("NEXT_TELEMETRY_DISABLED", "1".into());
            // pm2 keeps its state in PM2_HOME; the root file system is
            // read-only, so point it at the writable `/.pm2` emptyDir.
            set("PM2_HOME", "/.pm2".into());
        }
        Kind::AgentBackend => agent_backend(plan, &mut set),
        Kind::LocalSandbox => {
            // Every request leaves through the agent's own SSRF proxy.
            let proxy = plan.url(Kind::AgentSsrfProxy, ports::SSRF_PROXY);
            set("HTTP_PROXY", proxy.clone());
            set("HTTPS_PROXY", proxy);
            set("NO_PROXY", "localhost,127.0.0.1".into());
        }
        Kind::Sandbox => {
            set("GIN_MODE", "release".into());
            set("SANDBOX_PORT", ports::SANDBOX.to_string());
            set("WORKER_TIMEOUT", "15".into());
            set("ENABLE_NETWORK", "true".into());
            set("HTTP_PROXY", plan.url(Kind::SsrfProxy, ports::SSRF_PROXY));
            set("HTTPS_PROXY", plan.url(Kind::SsrfProxy, ports::SSRF_PROXY));
        }
        Kind::PluginDaemon => plugin_daemon(plan, &mut set),
        _ => {}
    }
    env
}

fn backend(plan: &Plan, set: &mut impl FnMut(&str, String)) {
    let t = plan.t;
    set("DEPLOY_ENV", "PRODUCTION".into());
    set("LOG_LEVEL", t.dify.log_level.as_str().into());
    set("LOG_OUTPUT_FORMAT", "json".into());
    // An empty LOG_FILE keeps logs on stdout only; a file would also make
    // Celery write its own log file inside the container.
    set("LOG_FILE", String::new());
    for (key, url) in plan.public_urls() {
        set(key, url);
    }
    // The console, web apps and API on different hosts share the api's
    // cookies through their parent domain.
    if let Some(domain) = t.ingress.cookie_domain() {
        set("COOKIE_DOMAIN", domain);
    }
    set("INTERNAL_FILES_URL", plan.url(Kind::Api, ports::API));
    set("DIFY_BIND_ADDRESS", "0.0.0.0".into());
    set("DIFY_PORT", ports::API.to_string());
    // Only the migration Job migrates; it overrides this in its own env.
    set("MIGRATION_ENABLED", "false".into());
    // Collaboration is on in the image by default: say which it is.
    if let Some(name) = plan.dify.env.collaboration {
        set(name, plan.runs(Kind::ApiWebsocket).to_string());
    }
    if plan.runs(Kind::AgentBackend) {
        set(
            "AGENT_BACKEND_BASE_URL",
            plan.url(Kind::AgentBackend, ports::AGENT_BACKEND),
        );
        set(
            "AGENT_BACKEND_RUN_TIMEOUT_SECONDS",
            t.dify.max_execution_seconds.to_string(),
        );
    }
    set("SERVER_WORKER_AMOUNT", t.dify.api_workers.to_string());
    set("SERVER_WORKER_CLASS", "gevent".into());
    set("GUNICORN_TIMEOUT", t.dify.api_timeout_seconds.to_string());
    set(
        "CELERY_WORKER_AMOUNT",
        t.dify.worker_concurrency.to_string(),
    );
    // The queues the workers consume: the topology's list, else the
    // release's default, written out so the render says which.
    set("CELERY_QUEUES", plan.worker_queues().join(","));
    set(
        "APP_MAX_EXECUTION_TIME",
        t.dify.max_execution_seconds.to_string(),
    );
    set(
        "WORKFLOW_MAX_EXECUTION_TIME",
        t.dify.max_execution_seconds.to_string(),
    );
    database(plan, set, &t.postgres.database);
    set("SQLALCHEMY_POOL_SIZE", t.postgres.pool.size.to_string());
    set(
        "SQLALCHEMY_MAX_OVERFLOW",
        t.postgres.pool.max_overflow.to_string(),
    );
    set("SQLALCHEMY_POOL_PRE_PING", "true".into());
    set("SQLALCHEMY_POOL_RECYCLE", "3600".into());
    redis(plan, set);
    set("CELERY_BACKEND", "redis".into());
    set("BROKER_USE_SSL", plan.redis.use_ssl.to_string());
    if let Some(master) = sentinel_master(plan) {
        set("CELERY_USE_SENTINEL", "true".into());
        set("CELERY_SENTINEL_MASTER_NAME", master);
        set("CELERY_SENTINEL_SOCKET_TIMEOUT", "0.1".into());
    }
    // Telemetry goes to the release's collector or `monitoring.otlp`, over
    // OTLP/HTTP (Dify appends `/v1/metrics` and `/v1/traces`).
    if let Some((endpoint, e)) = crate::plan::monitoring::otlp_export(plan) {
        set("ENABLE_OTEL", "true".into());
        set("OTEL_EXPORTER_TYPE", "otlp".into());
        set("OTEL_EXPORTER_OTLP_PROTOCOL", "http".into());
        set("OTLP_BASE_ENDPOINT", endpoint);
        set("OTEL_SAMPLING_RATE", e.sampling_rate.to_string());
        set(
            "OTEL_BATCH_EXPORT_SCHEDULE_DELAY",
            e.batch_delay_ms.to_string(),
        );
        set("OTEL_BATCH_EXPORT_TIMEOUT", e.batch_timeout_ms.to_string());
        set("OTEL_MAX_QUEUE_SIZE", e.max_queue_size.to_string());
        set(
            "OTEL_MAX_EXPORT_BATCH_SIZE",
            e.max_export_batch_size.to_string(),
        );
        set(
            "OTEL_METRIC_EXPORT_INTERVAL",
            e.metric_interval_ms.to_string(),
        );
        set(
            "OTEL_METRIC_EXPORT_TIMEOUT",
            e.metric_timeout_ms.to_string(),
        );
    }
    mail(plan, set);
    // The event bus shares the main Redis (through the master address, see
    // `secret_env`); `streams` loses events (dify #40948).
    set("EVENT_BUS_REDIS_CHANNEL_TYPE", "pubsub".into());
    plain_vars(set, &stores::storage_vars(t, Side::Backend));
    plain_vars(set, &stores::vector_vars(plan));
    set(
        "CODE_EXECUTION_ENDPOINT",
        plan.url(Kind::Sandbox, ports::SANDBOX),
    );
    set(
        "PLUGIN_DAEMON_URL",
        plan.url(Kind::PluginDaemon, ports::PLUGIN_DAEMON),
    );
    // What the console tells developers to connect their plugin to.
    if let Some(debug) = crate::plan::plugins::remote_debug(plan.t) {
        set("PLUGIN_REMOTE_INSTALL_HOST", debug.advertised_host.clone());
        set(
            "PLUGIN_REMOTE_INSTALL_PORT",
            debug.advertised_port.to_string(),
        );
    }
    set(
        "SSRF_PROXY_HTTP_URL",
        plan.url(Kind::SsrfProxy, ports::SSRF_PROXY),
    );
    set(
        "SSRF_PROXY_HTTPS_URL",
        plan.url(Kind::SsrfProxy, ports::SSRF_PROXY),
    );
}

/// Mail's plain settings; its password or API key is in `secret_env`.
fn mail(plan: &Plan, set: &mut impl FnMut(&str, String)) {
    let Some(m) = &plan.t.mail else {
        return;
    };
    set("MAIL_TYPE", m.kind.as_str().into());
    set("MAIL_DEFAULT_SEND_FROM", m.default_send_from.clone());
    if let Some(s) = m.smtp.as_ref().filter(|_| m.kind == MailKind::Smtp) {
        set("SMTP_SERVER", s.server.clone());
        set("SMTP_PORT", s.port.to_string());
        if let Some(user) = &s.username {
            set("SMTP_USERNAME", user.clone());
        }
        set("SMTP_USE_TLS", s.use_tls.to_string());
        set("SMTP_OPPORTUNISTIC_TLS", s.opportunistic_tls.to_string());
    }
    if let Some(r) = m.resend.as_ref().filter(|_| m.kind == MailKind::Resend) {
        if let Some(url) = &r.api_url {
            set("RESEND_API_URL", url.clone());
        }
    }
}

fn plugin_daemon(plan: &Plan, set: &mut impl FnMut(&str, String)) {
    let t = plan.t;
    set("SERVER_PORT", ports::PLUGIN_DAEMON.to_string());
    set("LOG_OUTPUT_FORMAT", "json".into());
    // Probes hit /health/check every few seconds; logging each drowns the logs.
    set("HEALTH_API_LOG_ENABLED", "false".into());
    database(plan, set, &t.postgres.plugin_database);
    let ssl_mode = t
        .postgres
        .external
        .as_ref()
        .map_or("disable".to_string(), |e| e.ssl_mode.clone());
    set("DB_SSL_MODE", ssl_mode);
    set(
        "DB_MAX_OPEN_CONNS",
        t.postgres.plugin_daemon_max_connections.to_string(),
    );
    redis(plan, set);
    set("DIFY_INNER_API_URL", plan.url(Kind::Api, ports::API));
    set("PLUGIN_WORKING_PATH", "/app/storage/cwd".into());
    // uv and pip cache under $HOME, which must be writable on a read-only
    // root file system: `/tmp` is an emptyDir.
    set("HOME", "/tmp".into());
    plain_vars(set, &stores::storage_vars(t, Side::PluginDaemon));
    set("FORCE_VERIFYING_SIGNATURE", "true".into());
    set("PLUGIN_MAX_EXECUTION_TIMEOUT", "600".into());
    set("PYTHON_ENV_INIT_TIMEOUT", "120".into());
    // The daemon refuses to start with remote installing on (its default)
    // and no host to listen on: off unless the topology opens the port.
    let debug = crate::plan::plugins::remote_debug(t).is_some();
    set("PLUGIN_REMOTE_INSTALLING_ENABLED", debug.to_string());
    if debug {
        set("PLUGIN_REMOTE_INSTALLING_HOST", "0.0.0.0".into());
        set(
            "PLUGIN_REMOTE_INSTALLING_PORT",
            ports::PLUGIN_DEBUG.to_string(),
        );
    }
    if let Some((mirror, _)) = crate::plan::plugins::pip_mirror(t) {
        set("PIP_MIRROR_URL", mirror.url.clone());
        // Daemons from 0.6.4 on probe public indexes at start to pick the
        // fastest; an explicit mirror turns that off, this says so twice.
        set("PIP_MIRROR_AUTO_DETECT", "false".into());
    }
}

/// The agent run server: where the plugin daemon, Dify's inner API and
/// the local sandbox are; its Redis URL and keys are in `secret_env`.
fn agent_backend(plan: &Plan, set: &mut impl FnMut(&str, String)) {
    let env = &plan.dify.env;
    set("DIFY_AGENT_REDIS_PREFIX", "dify-agent".into());
    set(
        "DIFY_AGENT_PLUGIN_DAEMON_URL",
        plan.url(Kind::PluginDaemon, ports::PLUGIN_DAEMON),
    );
    set("DIFY_AGENT_INNER_API_URL", plan.url(Kind::Api, ports::API));
    if let Some(name) = env.local_sandbox_endpoint {
        set(name, plan.url(Kind::LocalSandbox, ports::LOCAL_SANDBOX));
    }
    if let Some(name) = env.sandbox_files_url {
        set(name, plan.url(Kind::Api, ports::API));
    }
    // The sandbox reaches the stub API through its proxy, by this name.
    set(
        "DIFY_AGENT_STUB_API_BASE_URL",
        format!(
            "{}/agent-stub",
            plan.url(Kind::AgentBackend, ports::AGENT_BACKEND)
        ),
    );
    set(
        "DIFY_AGENT_SHUTDOWN_GRACE_SECONDS",
        crate::plan::AGENT_SHUTDOWN_SECONDS.to_string(),
    );
}

/// What the websocket server runs with over the shared backend settings:
/// Dify's WebSocket worker class and the connections its compose file gives
/// it (`API_WEBSOCKET_WORKER_*`).
pub fn websocket_server() -> Vec<(&'static str, String)> {
    vec![
        (
            "SERVER_WORKER_CLASS",
            crate::dify::WEBSOCKET_WORKER_CLASS.into(),
        ),
        (
            "SERVER_WORKER_AMOUNT",
            crate::plan::WEBSOCKET_WORKERS.to_string(),
        ),
        ("SERVER_WORKER_CONNECTIONS", "1000".into()),
    ]
}

fn database(plan: &Plan, set: &mut impl FnMut(&str, String), db: &str) {
    set("DB_TYPE", "postgresql".into());
    set("DB_HOST", plan.db_host.clone());
    set("DB_PORT", plan.db_port.to_string());
    set("DB_USERNAME", plan.t.postgres.username.clone());
    set("DB_DATABASE", db.to_string());
}

fn redis(plan: &Plan, set: &mut impl FnMut(&str, String)) {
    let r = &plan.redis;
    set("REDIS_DB", "0".into());
    set("REDIS_USE_SSL", r.use_ssl.to_string());
    if let Some(master) = sentinel_master(plan) {
        set("REDIS_USE_SENTINEL", "true".into());
        set("REDIS_SENTINELS", r.sentinels.join(","));
        set("REDIS_SENTINEL_SERVICE_NAME", master);
        set("REDIS_SENTINEL_SOCKET_TIMEOUT", "0.1".into());
    } else {
        set("REDIS_HOST", r.host.clone());
        set("REDIS_PORT", r.port.to_string());
    }
}

fn sentinel_master(plan: &Plan) -> Option<String> {
    (!plan.redis.sentinels.is_empty())
        .then(|| plan.redis.master_set.clone())
        .flatten()
}

/// The plain values of a store's variables.
fn plain_vars(set: &mut impl FnMut(&str, String), vars: &[(&str, Value)]) {
    for (name, value) in vars {
        if let Value::Plain(v) = value {
            set(name, v.clone());
        }
    }
}

/// The Secret-backed values of a store's variables.
fn secret_vars(from: &mut impl FnMut(&str, &SecretRef), vars: &[(&str, Value)]) {
    for (name, value) in vars {
        if let Value::Secret(r) = value {
            from(name, r);
        }
    }
}

/// Secret-backed variables of a component, followed by the variables
/// composed from them. Order matters: `$(VAR)` only sees earlier entries.
pub fn secret_env(plan: &Plan, kind: Kind) -> Vec<EnvVar> {
    let t = plan.t;
    let s = &t.secrets;
    let mut env = Vec::new();
    let mut from = |name: &str, r: &SecretRef| env.push(secret_var(name, r));
    match kind {
        k if k.is_backend() => {
            from("SECRET_KEY", &s.secret_key);
            from("DB_PASSWORD", &t.postgres.password);
            from("REDIS_PASSWORD", &t.redis.password);
            if sentinel_master(plan).is_some() {
                from("REDIS_SENTINEL_PASSWORD", &t.redis.password);
                from("CELERY_SENTINEL_PASSWORD", &t.redis.password);
            }
            from("CODE_EXECUTION_API_KEY", &s.sandbox_api_key);
            from("PLUGIN_DAEMON_KEY", &s.plugin_daemon_key);
            from("INNER_API_KEY_FOR_PLUGIN", &s.plugin_inner_api_key);
            secret_vars(&mut from, &stores::storage_vars(t, Side::Backend));
            secret_vars(&mut from, &stores::vector_vars(plan));
            if let Some(r) = &s.init_password {
                from("INIT_PASSWORD", r);
            }
            if let Some((name, r)) = t.mail.as_ref().and_then(|m| m.secret_ref()) {
                from(name, r);
            }
            if let Some(r) = crate::plan::monitoring::otlp_api_key(t) {
                from("OTLP_API_KEY", r);
            }
            if plan.runs(Kind::AgentBackend) {
                if let Some(r) = &s.agent_api_token {
                    from("AGENT_BACKEND_API_TOKEN", r);
                }
            }
            env.push(plain("CELERY_BROKER_URL", broker_url(plan)));
            // Dify builds its event bus URL from `REDIS_HOST` and never asks
            // Sentinel (`redis_pubsub_config.py`), so with Sentinel it would
            // talk to `localhost`: give it the address that follows the master.
            if sentinel_master(plan).is_some() && !plan.dify.event_bus_uses_sentinel {
                if let Some(url) = master_url(plan, 0) {
                    env.push(plain("EVENT_BUS_REDIS_URL", url));
                }
            }
        }
        Kind::PluginDaemon => {
            from("DB_PASSWORD", &t.postgres.password);
            from("REDIS_PASSWORD", &t.redis.password);
            if sentinel_master(plan).is_some() {
                from("REDIS_SENTINEL_PASSWORD", &t.redis.password);
            }
            from("SERVER_KEY", &s.plugin_daemon_key);
            from("DIFY_INNER_API_KEY", &s.plugin_inner_api_key);
            secret_vars(&mut from, &stores::storage_vars(t, Side::PluginDaemon));
        }
        Kind::Sandbox => from("API_KEY", &s.sandbox_api_key),
        Kind::AgentBackend => {
            let names = &plan.dify.env;
            from("REDIS_PASSWORD", &t.redis.password);
            from("DIFY_AGENT_PLUGIN_DAEMON_API_KEY", &s.plugin_daemon_key);
            // Must match api's INNER_API_KEY_FOR_PLUGIN.
            from("DIFY_AGENT_INNER_API_KEY", &s.plugin_inner_api_key);
            for (name, r) in [
                (
                    Some("DIFY_AGENT_SERVER_SECRET_KEY"),
                    &s.agent_server_secret_key,
                ),
                (Some("DIFY_AGENT_API_TOKEN"), &s.agent_api_token),
                (names.local_sandbox_token, &s.local_sandbox_token),
            ] {
                if let (Some(name), Some(r)) = (name, r) {
                    from(name, r);
                }
            }
            // Runs and their events live in Redis database 2, reached by URL.
            if let Some(url) = master_url(plan, AGENT_REDIS_DB) {
                env.push(plain("DIFY_AGENT_REDIS_URL", url));
            }
        }
        Kind::LocalSandbox => {
            if let Some(r) = &s.local_sandbox_token {
                from("SHELLCTL_AUTH_TOKEN", r);
            }
        }
        _ => {}
    }
    env
}

/// The agent backend's Redis database (Dify's compose file uses 2).
const AGENT_REDIS_DB: u32 = 2;

/// Celery's broker: Redis DB 1, through Sentinel when there is one, in the
/// `sentinel://:pw@host:port/1;...` form Dify's Celery setup expects.
fn broker_url(plan: &Plan) -> String {
    let r = &plan.redis;
    let db = crate::dify::queues::BROKER_DB;
    if sentinel_master(plan).is_some() {
        r.sentinels
            .iter()
            .map(|s| format!("sentinel://:$(REDIS_PASSWORD)@{s}/{db}"))
            .collect::<Vec<_>>()
            .join(";")
    } else {
        let scheme = if r.use_ssl { "rediss" } else { "redis" };
        format!("{scheme}://:$(REDIS_PASSWORD)@{}:{}/{db}", r.host, r.port)
    }
}

/// A `redis://` URL of database `db` at the address that always reaches
/// the current master, for clients that take a URL and cannot ask
/// Sentinel. The password comes from `$(REDIS_PASSWORD)`, set before it.
pub fn master_url(plan: &Plan, db: u32) -> Option<String> {
    let (host, port) = plan.redis.master.as_ref()?;
    let scheme = if plan.redis.use_ssl {
        "rediss"
    } else {
        "redis"
    };
    Some(format!("{scheme}://:$(REDIS_PASSWORD)@{host}:{port}/{db}"))
}

pub fn secret_var(name: &str, r: &SecretRef) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: r.name.clone(),
                key: r.key.clone(),
                optional: Some(false),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn plain(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.into()),
        ..Default::default()
    }
}

/// The ConfigMaps: one per distinct settings set, plus the proxies' config files.
pub fn config_maps(plan: &Plan) -> Vec<ConfigMap> {
    let mut maps = Vec::new();
    let with_settings = [
        Kind::Api,
        Kind::Web,
        Kind::Sandbox,
        Kind::PluginDaemon,
        Kind::AgentBackend,
        Kind::LocalSandbox,
    ];
    for kind in with_settings.into_iter().filter(|k| plan.runs(*k)) {
        let data: BTreeMap<String, String> = settings(plan, kind).into_iter().collect();
        let component = if kind.is_backend() {
            Kind::Api.label()
        } else {
            kind.label()
        };
        maps.push(ConfigMap {
            metadata: meta(plan, config_map_name(plan, kind), component),
            data: Some(data),
            ..Default::default()
        });
    }
    maps.push(schema_wait_map(plan));
    for kind in [Kind::SsrfProxy, Kind::AgentSsrfProxy]
        .into_iter()
        .filter(|k| plan.runs(*k))
    {
        maps.push(ConfigMap {
            metadata: meta(plan, config_map_name(plan, kind), kind.label()),
            data: Some(BTreeMap::from([(
                "squid.conf".to_string(),
                squid_conf(plan, kind),
            )])),
            ..Default::default()
        });
    }
    maps
}

/// The ConfigMap holding the backend pods' schema wait (`wait-for-schema.py`).
pub fn schema_wait_name(plan: &Plan) -> String {
    plan.name("schema-wait")
}

pub fn schema_wait_map(plan: &Plan) -> ConfigMap {
    let ctx = serde_json::json!({ "wait": {
        "migrations_dir": crate::dify::MIGRATIONS_DIR,
        "timeout_seconds": super::workloads::MIGRATION_DEADLINE_SECONDS,
        "interval_seconds": 5,
    }});
    ConfigMap {
        metadata: meta(plan, schema_wait_name(plan), Kind::Migration.label()),
        data: Some(BTreeMap::from([(
            SCHEMA_WAIT_SCRIPT.to_string(),
            templates::render("migrations/wait-for-schema.py.j2", ctx),
        )])),
        ..Default::default()
    }
}

pub const SCHEMA_WAIT_SCRIPT: &str = "wait-for-schema.py";

/// Squid's configuration: Dify's SSRF proxy lets clients in the cluster
/// reach public addresses only; the agent's adds, as Dify's
/// `squid-agent.conf` does, the agent backend's stub API and api's files.
pub fn squid_conf(plan: &Plan, kind: Kind) -> String {
    // Every name a client may use for a Service of the release.
    let names = |k: Kind| {
        let short = plan.name(k.label());
        let ns = plan.namespace;
        vec![
            short.clone(),
            format!("{short}.{ns}"),
            format!("{short}.{ns}.svc"),
            format!("{short}.{ns}.svc.cluster.local"),
        ]
    };
    let (template, ctx) = match kind {
        Kind::AgentSsrfProxy => (
            "ssrf-proxy/squid-agent.conf.j2",
            serde_json::json!({
                "port": ports::SSRF_PROXY,
                "agent_backend_hosts": names(Kind::AgentBackend),
                "api_hosts": names(Kind::Api),
            }),
        ),
        _ => (
            "ssrf-proxy/squid.conf.j2",
            serde_json::json!({ "port": ports::SSRF_PROXY }),
        ),
    };
    templates::render(template, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    /// Every variable the renderer sets, in every mode, is one that
    /// `dify::env` lists as dify-gen's, so the topology check that guards
    /// them (`managed_env`) knows it.
    #[test]
    fn every_variable_set_is_listed_as_managed() {
        let variants: &[&[&str]] = &[
            &[],
            &["dify.version=1.17.1"],
            &["dify.version=1.13.3"],
            &[
                "postgres.mode=external",
                "postgres.external={host: db, port: 5432, sslMode: require, maxConnections: 900}",
                "redis.mode=external",
                "redis.external={host: r, port: 6379, useSsl: true, sentinels: ['s:26379'], masterSet: m}",
                "vectorStore.type=qdrant",
                "storage.s3.endpoint=https://s3.example.com",
                "secrets.initPassword={name: init, key: password}",
                "dify.workerQueues=[dataset]",
            ],
            &[
                "redis.mode=external",
                "redis.external={host: r, port: 6379, useSsl: false}",
                "vectorStore.type=milvus",
            ],
        ];
        for sets in variants {
            let mut sources = Sources::default();
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let loaded = crate::topology::load(&["profiles/ha.yaml".into()], &sets, &mut sources)
                .unwrap_or_else(|d| panic!("{sets:?}: {d:?}"));
            let plan = Plan::new(&loaded.topology);
            let kinds: Vec<Kind> = plan.workloads.iter().map(|w| w.kind).collect();
            for kind in kinds.into_iter().chain([Kind::Migration]) {
                let names = settings(&plan, kind)
                    .into_keys()
                    .chain(secret_env(&plan, kind).into_iter().map(|e| e.name));
                for name in names {
                    assert!(
                        crate::dify::env::is_managed(kind, &name),
                        "{kind:?} sets `{name}`: add it to `dify::env`"
                    );
                }
            }
        }
    }
}
