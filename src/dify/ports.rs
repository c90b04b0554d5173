//! The ports the programs listen on. Dify's are fixed by its images; the
//! data layer's are the programs' defaults, which dify-gen keeps so that
//! tools and runbooks written for them work unchanged.

/// Dify api (gunicorn).
pub const API: u16 = 5001;
/// Dify web (Next.js).
pub const WEB: u16 = 3000;
/// Dify's code-execution sandbox.
pub const SANDBOX: u16 = 8194;
/// Dify plugin daemon.
pub const PLUGIN_DAEMON: u16 = 5002;
/// The plugin daemon's remote-debug (remote install) TCP server.
pub const PLUGIN_DEBUG: u16 = 5003;
/// Squid, the SSRF proxy (and the agent sandbox's).
pub const SSRF_PROXY: u16 = 3128;
/// The agent run server (uvicorn).
pub const AGENT_BACKEND: u16 = 5050;
/// The agent's local sandbox (`shellctl serve`).
pub const LOCAL_SANDBOX: u16 = 5004;

pub const POSTGRES: u16 = 5432;
/// Patroni's REST API.
pub const PATRONI: u16 = 8008;
pub const ETCD_CLIENT: u16 = 2379;
pub const ETCD_PEER: u16 = 2380;
pub const ETCD_METRICS: u16 = 8080;
pub const REDIS: u16 = 6379;
pub const SENTINEL: u16 = 26379;
pub const DNS: u16 = 53;
/// The OpenTelemetry Collector: OTLP over HTTP, its Prometheus exporter,
/// and its `health_check` extension.
pub const OTLP_HTTP: u16 = 4318;
pub const OTEL_METRICS: u16 = 8889;
pub const OTEL_HEALTH: u16 = 13133;
/// pgBackRest's TLS server beside each PostgreSQL member.
pub const PGBACKREST: u16 = 8432;
