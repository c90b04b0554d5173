//! How each component writes its log lines: properties of the programs,
//! read from their sources, that the log collector parses.
//!
//! - Dify's backend (api, worker, beat, migration) with
//!   `LOG_OUTPUT_FORMAT=json` writes one JSON object per line with `ts`,
//!   `severity`, `service`, `caller`, `message`, `trace_id`, `identity`,
//!   `context`, `attributes` and `stack_trace`
//!   (`api/core/logging/structured_formatter.py`). Before logging is set up,
//!   and from gunicorn, Celery and Alembic, it writes text lines, and
//!   uncaught exceptions as multi-line Python tracebacks.
//! - The plugin daemon (Go, `pkg/utils/log/handler.go` from 0.5) writes the
//!   same JSON fields with `LOG_OUTPUT_FORMAT=json`, and `<ts> <SEVERITY>
//!   <service> <caller> <message>` as text; older daemons and the sandbox
//!   use the `log` package with `[LEVEL]` markers; gin prints one `[GIN]`
//!   line per request; Go panics are multi-line.
//! - web (Next.js) prints `⨯` before errors and `⚠` before warnings, and
//!   JavaScript stack traces as indented `at` lines.
//! - squid writes its access log (native format) to stdout and `cache.log`
//!   to stderr (`templates/ssrf-proxy/squid.conf.j2`).
//! - Patroni logs `%(asctime)s %(levelname)s: %(message)s` (and Python
//!   tracebacks); PostgreSQL, started by Patroni without the logging
//!   collector, logs to stderr with the default `log_line_prefix` `%m [%p] `.
//! - Redis and Sentinel: `pid:role dd Mon yyyy hh:mm:ss.mmm <level> msg`
//!   with the level `.` debug, `-` verbose, `*` notice, `#` warning.
//! - etcd (zap): one JSON object per line with `level`, `ts`, `caller`, `msg`.

use super::{data_layer, Kind};

/// A component's log format, which decides the parsers and the multiline
/// rules applied to its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogFormat {
    /// Dify's backend: JSON lines, text lines of gunicorn, Celery and
    /// Alembic, Python tracebacks.
    DifyPython,
    /// The plugin daemon and the sandbox: JSON or text lines, gin request
    /// lines, Go panics.
    DifyGo,
    /// Next.js.
    NextJs,
    /// squid's access and cache logs.
    Squid,
    /// Patroni and the PostgreSQL it runs.
    Patroni,
    /// Redis and Sentinel.
    Redis,
    /// JSON lines (etcd) and anything else: merged when JSON, labelled,
    /// severity from a `level` field.
    Generic,
}

impl LogFormat {
    /// Whether the program writes Python tracebacks.
    pub fn writes_python_tracebacks(self) -> bool {
        matches!(self, LogFormat::DifyPython | LogFormat::Patroni)
    }
}

/// The format of a Dify workload's logs.
pub fn format_of(kind: Kind) -> LogFormat {
    match kind {
        k if k.is_backend() => LogFormat::DifyPython,
        Kind::PluginDaemon | Kind::Sandbox => LogFormat::DifyGo,
        Kind::Web => LogFormat::NextJs,
        Kind::SsrfProxy | Kind::AgentSsrfProxy => LogFormat::Squid,
        _ => LogFormat::Generic,
    }
}

/// The format of a data-layer member's logs, by component label.
pub fn format_of_member(component: &str) -> LogFormat {
    match component {
        data_layer::POSTGRES => LogFormat::Patroni,
        data_layer::REDIS | data_layer::SENTINEL => LogFormat::Redis,
        _ => LogFormat::Generic,
    }
}
