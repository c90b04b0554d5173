//! The parsers and multiline rules of each log format (`dify::logs`), as
//! Fluent Bit regular expressions (Onigmo, Ruby syntax).
//!
//! Text parsers split a line into `ts`, `severity`, `message` and, where
//! the record was joined from several lines, `stack_trace` (the field
//! Dify's own JSON lines use). `(?m:...)` lets `.` cross the newlines of
//! a joined record. Severities are captured as the program writes them;
//! [`SEVERITIES`] maps them onto the five the topology knows.

use super::config::{MultilineParser, Parser, Rule};
use crate::dify::logs::LogFormat;
use crate::topology::LogSeverity;

/// Milliseconds a record waits for a continuation line before it is sent.
pub const FLUSH_MS: u32 = 2000;

/// Everything after the first line of a joined record.
const REST: &str = r"(?:\n(?<stack_trace>(?m:.*)))?\z";

fn regex(name: &str, pattern: String) -> Parser {
    Parser {
        name: name.to_string(),
        regex: pattern,
    }
}

/// A record that is only a Python traceback: the last unindented line is
/// the exception, the message.
fn python_traceback() -> Parser {
    regex(
        "dify-python-traceback",
        r"^(?<stack_trace>Traceback \(most recent call last\):\n(?m:.*)\n(?<message>[^\s][^\n]*))\n*\z"
            .into(),
    )
}

/// The text parsers of a format, tried in order until one matches.
pub fn parsers(format: LogFormat) -> Vec<Parser> {
    match format {
        LogFormat::DifyPython => vec![
            // gunicorn: `[2025-01-01 10:00:00 +0000] [7] [ERROR] Exception in worker process`
            regex(
                "dify-gunicorn",
                format!(r"^\[(?<ts>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{{4}})\] \[(?<pid>\d+)\] \[(?<severity>[A-Z]+)\] (?<message>[^\n]*){REST}"),
            ),
            // Celery: `[2025-01-01 10:00:00,123: ERROR/ForkPoolWorker-1] Task ... raised unexpected: ...`
            regex(
                "dify-celery",
                format!(r"^\[(?<ts>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}}): (?<severity>[A-Z]+)/(?<process>[^\]]+)\] (?<message>[^\n]*){REST}"),
            ),
            // Alembic (the migration): `INFO  [alembic.runtime.migration] Running upgrade ...`
            regex(
                "dify-alembic",
                format!(r"^(?<severity>[A-Z]+) +\[(?<logger>[\w.]+)\] (?<message>[^\n]*){REST}"),
            ),
            python_traceback(),
        ],
        LogFormat::Patroni => vec![
            // `2025-01-01 10:00:00,123 INFO: no action. I am (dify-postgres-0), the leader with the lock`
            regex(
                "dify-patroni",
                format!(r"^(?<ts>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}}) (?<severity>[A-Z]+): (?<message>[^\n]*){REST}"),
            ),
            // `2025-01-01 10:00:00.123 UTC [42] ERROR:  duplicate key value ...`
            regex(
                "dify-postgres",
                r"^(?<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+) \[(?<pid>\d+)\] (?<severity>[A-Z]+[0-9]?):  (?<message>(?m:.*))\z".into(),
            ),
            python_traceback(),
        ],
        LogFormat::DifyGo => vec![
            // plugin daemon text: `2025-01-01T10:00:00.123Z ERROR dify-plugin-daemon caller.go:12 message k=v`
            regex(
                "dify-go-text",
                format!(r"^(?<ts>\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (?<severity>DEBUG|INFO|WARN|ERROR) (?<service>\S+) (?<caller>\S+) (?<message>[^\n]*){REST}"),
            ),
            // the `log` package: `2025/01/01 10:00:00 server.go:41: [INFO]message`
            regex(
                "dify-go-log",
                r"^(?<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (?<caller>[^\s:]+:\d+): \[(?<severity>[A-Z]+)\] ?(?<message>(?m:.*))\z".into(),
            ),
            // gin: `[GIN] 2025/01/01 - 10:00:00 | 200 |  12.3µs |  10.0.0.1 | GET      "/v1/sandbox/run"`
            regex(
                "dify-gin",
                r#"^\[GIN\] (?<ts>\d{4}/\d\d/\d\d - \d\d:\d\d:\d\d) \| *(?<status>\d{3}) \| *(?<duration>\S+) \| *(?<client>\S+) \| *(?<method>[A-Z]+) +"(?<path>[^"]*)"$"#.into(),
            ),
            // a Go panic or fatal error, with its goroutine dump
            regex(
                "dify-go-panic",
                format!(r"^(?<severity>panic|fatal error): (?<message>[^\n]*){REST}"),
            ),
        ],
        LogFormat::NextJs => vec![
            // Next.js marks errors `⨯` and warnings `⚠`
            regex(
                "dify-nextjs",
                r"^ *(?<severity>⨯|⚠) (?<message>(?m:.*))\z".into(),
            ),
            // an uncaught `TypeError: ...` with its `at` lines
            regex(
                "dify-node-error",
                r"^(?<message>(?:[A-Z][A-Za-z]*)?(?<severity>Error)(?: \[[^\]]+\])?: (?m:.*))\z".into(),
            ),
        ],
        LogFormat::Squid => vec![
            // access log, native format
            regex(
                "dify-squid-access",
                r"^(?<ts>\d+\.\d{3}) +(?<elapsed_ms>\d+) (?<client>\S+) (?<squid_status>[A-Z_]+)/(?<status>\d{3}) (?<bytes>\d+) (?<method>\S+) (?<url>\S+) (?<user>\S+) (?<hierarchy>[A-Z_]+)/(?<peer>\S+) (?<content_type>\S+)$".into(),
            ),
            // cache.log: `2025/01/01 10:00:00 kid1| ERROR: ...`
            regex(
                "dify-squid-cache",
                r"^(?<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)(?: kid\d+)?\| (?:(?<severity>ERROR|WARNING|FATAL): )?(?<message>.*)$".into(),
            ),
        ],
        LogFormat::Redis => vec![regex(
            // `1:M 01 Jan 2025 10:00:00.123 * Ready to accept connections tcp`
            "dify-redis",
            r"^(?<pid>\d+):(?<role>[XCSM]) (?<ts>\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}) (?<severity>[.*#-]) (?<message>.*)$".into(),
        )],
        LogFormat::Generic => Vec::new(),
    }
}

/// The multiline parser a format's lines go through, if any: Python
/// tracebacks, Go panics, and indented continuation lines (JavaScript
/// `at` lines, multi-line SQL) join the record that started them.
pub fn multiline(format: LogFormat) -> Option<MultilineParser> {
    let rule = |states, regex: &str, next| Rule {
        states,
        regex: format!("/{regex}/"),
        next,
    };
    // A JSON line is a record of its own, sent at once: the rule leads
    // back to `start_state`, which makes Fluent Bit flush it.
    let json = rule("start_state", r"^\{.*\}$", "start_state");
    let rules = match format {
        f if f.writes_python_tracebacks() => vec![
            json,
            rule("start_state", r"^\S", "head"),
            rule("head", r"^Traceback \(most recent call last\):$", "tb"),
            rule("head", r"^\s", "head"),
            rule("tb", r"^\s", "tb"),
            // the exception line ends the frames
            rule("tb", r"^\S", "exc"),
            rule("exc", r"^\s", "exc"),
            rule("exc", r"^$", "gap"),
            rule(
                "gap",
                r"^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$",
                "chained",
            ),
            rule("gap", r"^\(Background on this error at: \S+\)$", "exc"),
            rule("chained", r"^$", "chained"),
            rule("chained", r"^Traceback \(most recent call last\):$", "tb"),
        ],
        LogFormat::DifyGo => vec![
            json,
            rule("start_state", r"^(panic|fatal error): ", "panic"),
            rule("start_state", r"^\S", "head"),
            rule("head", r"^\s", "head"),
            rule("panic", r"^(\[signal |goroutine \d+ \[|$|\s)", "panic"),
            // frames: `pkg.func(...)`, a tab-indented file line, `created by ...`
            rule(
                "panic",
                r"^([^\s{\[][^\s]*\(.*\)$|created by |exit status \d+$)",
                "panic",
            ),
        ],
        // Next.js indents its own lines by one or two spaces (` ⨯ Error`),
        // stack lines by four (`    at ...`).
        LogFormat::NextJs => vec![
            json,
            rule("start_state", r"^ {0,2}\S", "head"),
            rule("head", r"^( {3,}|\t)", "head"),
        ],
        _ => return None,
    };
    Some(MultilineParser {
        name: match format {
            f if f.writes_python_tracebacks() => "dify-python",
            LogFormat::DifyGo => "dify-go",
            _ => "dify-indented",
        }
        .to_string(),
        flush_timeout_ms: FLUSH_MS,
        rules,
    })
}

/// How the severities programs write map onto the topology's, matched
/// case-insensitively. Every pattern is free of spaces: Fluent Bit's
/// `modify` filter splits a condition at spaces.
pub const SEVERITIES: &[(LogSeverity, &str)] = &[
    (
        LogSeverity::Debug,
        r"(?i)^(debug[1-5]?|trace|verbose|\.|-)$",
    ),
    (
        LogSeverity::Info,
        r"(?i)^(info|information|notice|log|statement|detail|hint|context|query|location|\*)$",
    ),
    (LogSeverity::Warning, r"(?i)^(warn|warning|#|⚠)$"),
    (LogSeverity::Error, r"(?i)^(err|error|⨯)$"),
    (
        LogSeverity::Critical,
        r"(?i)^(crit|critical|fatal|fatal\serror|panic|dpanic|alert|emerg|emergency)$",
    ),
];

/// Fields that carry a severity in JSON lines of programs other than
/// Dify's (etcd's `level`, Python's `levelname`).
pub const SEVERITY_FIELDS: &[&str] = &["level", "levelname", "lvl"];
