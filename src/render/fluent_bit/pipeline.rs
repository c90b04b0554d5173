//! The pipeline, from the plan: tail every collected namespace's container
//! logs, join multi-line records per component, merge JSON lines with the
//! Kubernetes metadata, parse the text lines per component, label and
//! normalise every record, drop probe noise and what the per-component
//! levels exclude, count errors, ship.
//!
//! Components are matched by the tag of their log files
//! (`kube.var.log.containers.<pod>_<namespace>_<container>-<id>.log`),
//! with a regex on the pod name that matches exactly one component
//! (`plan::logging`).

use super::config::{Config, Plugin};
use super::parsers::{self, SEVERITIES, SEVERITY_FIELDS};
use super::{env_var, COMPONENT};
use crate::dify::health::Check;
use crate::dify::logs::LogFormat;
use crate::dify::Kind;
use crate::plan::graph::host_port;
use crate::plan::logging::{sources, LogSource};
use crate::plan::Plan;
use crate::topology::{LogOutputKind, LogSeverity, Logging, WhenFull};
use std::collections::BTreeMap;

/// Where the agent keeps its state inside the container (the hostPath).
pub const STATE_DIR: &str = "/var/fluent-bit";
/// Tag of the error counts, routed to the Prometheus exporter only.
pub const METRICS_TAG: &str = "dify_gen.log_metrics";
/// The error counter, as the monitoring rules select it: Fluent Bit names
/// it `<metric_namespace>_<metric_subsystem>_<metric_name>`.
const ERRORS_METRIC: (&str, &str, &str) = ("dify", "log", "errors_total");
/// Directory CA bundles are mounted under, one folder per output.
pub const TLS_DIR: &str = "/fluent-bit/tls";

/// `^kube\.var\.log\.containers\.<pods>_<namespace>_[^_]+\.log$`.
pub fn tag_regex(namespace: &str, pods: &str) -> String {
    format!(
        r"^kube\.var\.log\.containers\.{pods}_{}_[^_]+\.log$",
        namespace.replace('.', r"\.")
    )
}

fn tag_regex_of(plan: &Plan, group: &[&LogSource]) -> String {
    let pods: Vec<String> = group.iter().map(|s| s.pod_pattern()).collect();
    let pods = if pods.len() == 1 {
        pods.into_iter().next().expect("one")
    } else {
        format!("({})", pods.join("|"))
    };
    tag_regex(plan.namespace, &pods)
}

/// A size as Fluent Bit reads it: its units are powers of 1000
/// (`flb_utils_size_to_bytes`: `64M` is 64000000 bytes), so a size in
/// binary units (`64Mi`) is written in bytes.
pub fn size(bytes: f64) -> String {
    let bytes = bytes.max(0.0) as u64;
    for (unit, scale) in [("G", 1_000_000_000u64), ("M", 1_000_000), ("K", 1_000)] {
        if bytes >= scale && bytes % scale == 0 {
            return format!("{}{unit}", bytes / scale);
        }
    }
    bytes.to_string()
}

pub fn config(plan: &Plan, logging: &Logging) -> Config {
    let collector = &logging.collector;
    let buffering = &logging.buffering;
    let memory = size(buffering.memory_limit.value());
    let filesystem = buffering.filesystem.is_some();
    let on = |b: bool| if b { "on" } else { "off" }.to_string();

    let mut service = vec![
        ("flush", "1".to_string()),
        ("grace", "10".to_string()),
        ("log_level", "info".to_string()),
        ("http_server", "on".to_string()),
        ("http_listen", "0.0.0.0".to_string()),
        ("http_port", collector.http_port.to_string()),
        ("health_check", "on".to_string()),
        ("hc_errors_count", "5".to_string()),
        ("hc_retry_failure_count", "5".to_string()),
        ("hc_period", "60".to_string()),
    ];
    if filesystem {
        service.extend([
            ("storage.path", format!("{STATE_DIR}/chunks")),
            ("storage.sync", "normal".to_string()),
            ("storage.checksum", "off".to_string()),
            ("storage.backlog.mem_limit", memory.clone()),
            ("storage.max_chunks_up", "128".to_string()),
            ("storage.metrics", "on".to_string()),
        ]);
    }

    let all = sources(plan);
    let mut namespaces = vec![plan.namespace.to_string()];
    namespaces.extend(logging.extra_namespaces.iter().cloned());
    let mut tail = Plugin::new("tail")
        .set("alias", "containers")
        .set("tag", "kube.*")
        .set(
            "path",
            namespaces
                .iter()
                .map(|ns| format!("/var/log/containers/*_{ns}_*.log"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .set(
            "exclude_path",
            format!(
                "/var/log/containers/{}-*_{}_*.log",
                plan.name(COMPONENT),
                collector.namespace
            ),
        )
        .set("multiline.parser", "docker, cri")
        .set("db", format!("{STATE_DIR}/tail.db"))
        .set("db.locking", "true")
        .set("mem_buf_limit", memory)
        .set("buffer_chunk_size", "64K")
        .set("buffer_max_size", "1M")
        .set("skip_long_lines", "on")
        .set("refresh_interval", "5");
    if filesystem {
        tail = tail.set("storage.type", "filesystem").set(
            "storage.pause_on_chunks_overlimit",
            on(buffering.when_full == WhenFull::Pause),
        );
    }

    // Sources grouped by format, in a stable order.
    let mut by_format: BTreeMap<LogFormat, Vec<&LogSource>> = BTreeMap::new();
    for s in &all {
        by_format.entry(s.format).or_default().push(s);
    }

    let mut parser_defs = Vec::new();
    let mut multiline_defs = Vec::new();
    let mut filters = Vec::new();
    // 1. Join multi-line records before anything reads `log`: one filter
    //    per multiline parser (its emitter is named after it).
    let mut by_multiline: Vec<(super::config::MultilineParser, Vec<&LogSource>)> = Vec::new();
    for (format, group) in &by_format {
        if let Some(ml) = parsers::multiline(*format) {
            match by_multiline.iter_mut().find(|(m, _)| m.name == ml.name) {
                Some((_, sources)) => sources.extend(group.iter().copied()),
                None => by_multiline.push((ml, group.clone())),
            }
        }
    }
    for (ml, group) in by_multiline {
        {
            filters.push(
                Plugin::new("multiline")
                    .set("alias", format!("{}-join", ml.name))
                    .set("match_regex", tag_regex_of(plan, &group))
                    .set("multiline.key_content", "log")
                    .set("multiline.parser", ml.name.clone())
                    .set("flush_ms", parsers::FLUSH_MS.to_string())
                    .set("emitter_name", format!("{}-emitter", ml.name))
                    .set(
                        "emitter_storage.type",
                        if filesystem { "filesystem" } else { "memory" },
                    )
                    .set("emitter_mem_buf_limit", "16M"),
            );
            multiline_defs.push(ml);
        }
    }
    // 2. Pod metadata; JSON lines (Dify, the plugin daemon, etcd) become
    //    record fields.
    filters.push(
        Plugin::new("kubernetes")
            .set("match", "kube.*")
            .set("kube_url", "https://kubernetes.default.svc:443")
            .set("kube_tag_prefix", "kube.var.log.containers.")
            .set("merge_log", "on")
            .set("merge_log_trim", "on")
            .set("keep_log", "off")
            .set("labels", "on")
            .set("annotations", "off")
            .set("k8s-logging.exclude", "on")
            .set("buffer_size", "256K"),
    );
    // 3. Flat fields: pod, namespace, container, node.
    filters.push(
        Plugin::new("nest")
            .set("match", "kube.*")
            .set("operation", "lift")
            .set("nested_under", "kubernetes")
            .set("add_prefix", "k8s_"),
    );
    filters.push(
        Plugin::new("modify")
            .set("match", "kube.*")
            .many(
                "rename",
                [
                    "k8s_pod_name pod",
                    "k8s_namespace_name namespace",
                    "k8s_container_name container",
                    "k8s_host node",
                    "k8s_labels labels",
                ],
            )
            .many(
                "remove",
                [
                    "k8s_docker_id",
                    "k8s_container_hash",
                    "k8s_pod_id",
                    "k8s_container_image",
                    "_p",
                ],
            ),
    );
    // 4. Per component: its text parsers, then its labels.
    for (format, group) in &by_format {
        let defs = parsers::parsers(*format);
        if defs.is_empty() {
            continue;
        }
        filters.push(
            Plugin::new("parser")
                .set("alias", format!("parse-{}", format_name(*format)))
                .set("match_regex", tag_regex_of(plan, group))
                .set("key_name", "log")
                .many("parser", defs.iter().map(|p| p.name.clone()))
                .set("reserve_data", "on")
                .set("preserve_key", "off"),
        );
        for d in defs {
            if !parser_defs
                .iter()
                .any(|p: &super::config::Parser| p.name == d.name)
            {
                parser_defs.push(d);
            }
        }
    }
    for s in &all {
        filters.push(
            Plugin::new("modify")
                .set("alias", format!("label-{}", s.component))
                .set("match_regex", tag_regex_of(plan, &[s]))
                .many(
                    "set",
                    [
                        format!("release {}", plan.release),
                        format!("component {}", s.component),
                    ],
                ),
        );
    }
    // Other namespaces: the container stands for the component.
    filters.push(
        Plugin::new("modify")
            .set("match", "kube.*")
            .set("copy", "container component"),
    );
    // 5. One severity field, with one spelling per level.
    filters.push(
        Plugin::new("modify")
            .set("alias", "severity-from-fields")
            .set("match", "kube.*")
            .many(
                "copy",
                SEVERITY_FIELDS.iter().map(|f| format!("{f} severity")),
            ),
    );
    filters.push(
        Plugin::new("modify")
            .set("alias", "severity-of-tracebacks")
            .set("match", "kube.*")
            .many(
                "condition",
                ["Key_exists stack_trace", "Key_does_not_exist severity"],
            )
            .set("set", format!("severity {}", LogSeverity::Error.as_str())),
    );
    for (level, pattern) in SEVERITIES {
        filters.push(
            Plugin::new("modify")
                .set(
                    "alias",
                    format!("severity-{}", level.as_str().to_lowercase()),
                )
                .set("match", "kube.*")
                .set("condition", format!("Key_value_matches severity {pattern}"))
                .set("set", format!("severity {}", level.as_str())),
        );
    }
    filters.push(
        Plugin::new("modify")
            .set("alias", "severity-default")
            .set("match", "kube.*")
            .set("add", format!("severity {}", LogSeverity::Info.as_str())),
    );
    // 6. Probe noise, then the levels the topology drops.
    for s in &all {
        let noise = probe_noise(plan, s);
        if noise.is_empty() {
            continue;
        }
        filters.push(
            Plugin::new("grep")
                .set("alias", format!("probes-{}", s.component))
                .set("match_regex", tag_regex_of(plan, &[s]))
                .many("exclude", noise),
        );
    }
    filters.push(
        Plugin::new("grep")
            .set("alias", "probes")
            .set("match", "kube.*")
            .set("exclude", "log kube-probe/"),
    );
    for (component, lowest) in &logging.levels {
        let Some(s) = all.iter().find(|s| s.component == component.as_str()) else {
            continue;
        };
        let below: Vec<&str> = LogSeverity::ALL
            .iter()
            .filter(|l| *l < lowest)
            .map(|l| l.as_str())
            .collect();
        if below.is_empty() {
            continue;
        }
        filters.push(
            Plugin::new("grep")
                .set("alias", format!("level-{component}"))
                .set("match_regex", tag_regex_of(plan, &[s]))
                .set("exclude", format!("severity ^({})$", below.join("|"))),
        );
    }
    // 7. Errors per pod, for the log alerts.
    filters.push(
        Plugin::new("log_to_metrics")
            .set("alias", "error-counts")
            .set("match", "kube.*")
            .set("tag", METRICS_TAG)
            .set("metric_mode", "counter")
            .set("metric_namespace", ERRORS_METRIC.0)
            .set("metric_subsystem", ERRORS_METRIC.1)
            .set("metric_name", ERRORS_METRIC.2)
            .set(
                "metric_description",
                "Log records of severity ERROR or CRITICAL, per pod",
            )
            .set("regex", "severity ^(ERROR|CRITICAL)$")
            .many("label_field", ["namespace", "release", "component", "pod"])
            .set("emitter_name", "error-counts-emitter"),
    );

    let mut outputs: Vec<Plugin> = logging
        .outputs
        .iter()
        .enumerate()
        .map(|(i, o)| output(plan, logging, i, o))
        .collect();
    outputs.push(
        Plugin::new("prometheus_exporter")
            .set("alias", "error-counts-exporter")
            .set("match", METRICS_TAG)
            .set("host", "0.0.0.0")
            .set("port", collector.metrics_port.to_string()),
    );
    Config {
        service,
        parsers: parser_defs,
        multiline_parsers: multiline_defs,
        inputs: vec![tail],
        filters,
        outputs,
    }
}

fn format_name(format: LogFormat) -> &'static str {
    match format {
        LogFormat::DifyPython => "dify-python",
        LogFormat::DifyGo => "dify-go",
        LogFormat::NextJs => "nextjs",
        LogFormat::Squid => "squid",
        LogFormat::Patroni => "patroni",
        LogFormat::Redis => "redis",
        LogFormat::Generic => "generic",
    }
}

/// Lines the component writes for each health probe: gin's request line
/// for the probed path (sandbox), squid's record of a TCP probe that
/// connects and sends nothing.
fn probe_noise(plan: &Plan, s: &LogSource) -> Vec<String> {
    let release = crate::plan::release(plan.t);
    let kind = Kind::ALL.into_iter().find(|k| k.label() == s.component);
    let mut out = Vec::new();
    if let Some(kind) = kind {
        let mut paths: Vec<&str> = [false, true]
            .into_iter()
            .filter_map(|ready| match release.probe(kind, ready) {
                Some(Check::Http { path, .. }) => Some(path),
                _ => None,
            })
            .collect();
        paths.dedup();
        if s.format == LogFormat::DifyGo {
            out.extend(
                paths
                    .iter()
                    .map(|p| format!(r#"path ^{}$"#, regex_escape(p))),
            );
        }
        let tcp = [false, true]
            .into_iter()
            .any(|ready| matches!(release.probe(kind, ready), Some(Check::Tcp { .. })));
        if tcp && s.format == LogFormat::Squid {
            out.push("url ^error:transaction-end-before-headers$".into());
        }
    }
    out
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if r"\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

fn output(plan: &Plan, logging: &Logging, i: usize, o: &crate::topology::LogOutput) -> Plugin {
    let name = match o.kind {
        LogOutputKind::Loki => "loki",
        LogOutputKind::Elasticsearch => "es",
        LogOutputKind::Opensearch => "opensearch",
        LogOutputKind::Stdout => "stdout",
    };
    let mut p = Plugin::new(name)
        .set("alias", format!("{name}-{i}"))
        .set("match", "kube.*");
    if o.kind == LogOutputKind::Stdout {
        return p.set("format", "json_lines");
    }
    let endpoint = o
        .endpoint
        .as_deref()
        .expect("the topology checks require an endpoint for every output but stdout");
    let (host, port) = host_port(endpoint);
    let tls = endpoint.starts_with("https://");
    let path = endpoint_path(endpoint);
    p = p.set("host", host).set("port", port.to_string());
    p = p.set("tls", if tls { "on" } else { "off" });
    if tls {
        p = p.set("tls.verify", if o.tls_verify { "on" } else { "off" });
        if o.ca.is_some() {
            p = p.set("tls.ca_file", format!("{TLS_DIR}/{i}/ca.crt"));
        }
    }
    if o.credentials.is_some() {
        p = p
            .set("http_user", format!("${{{}}}", env_var(i, "USERNAME")))
            .set("http_passwd", format!("${{{}}}", env_var(i, "PASSWORD")));
    }
    match o.kind {
        LogOutputKind::Loki => {
            p = p.set(
                "uri",
                path.unwrap_or_else(|| "/loki/api/v1/push".to_string()),
            );
            if let Some(t) = &o.tenant {
                p = p.set("tenant_id", t.clone());
            }
            if o.bearer_token.is_some() {
                p = p.set("bearer_token", format!("${{{}}}", env_var(i, "TOKEN")));
            }
            p = p
                .set("labels", format!("job={}", plan.name(COMPONENT)))
                .set("label_keys", "$release,$component,$namespace,$severity")
                .set("line_format", "json")
                .set("compress", "gzip");
        }
        LogOutputKind::Elasticsearch | LogOutputKind::Opensearch => {
            if let Some(path) = path {
                p = p.set("path", path);
            }
            if o.kind == LogOutputKind::Elasticsearch && o.bearer_token.is_some() {
                p = p.set("http_api_key", format!("${{{}}}", env_var(i, "TOKEN")));
            }
            p = p
                .set("logstash_format", "on")
                .set(
                    "logstash_prefix",
                    o.index.clone().unwrap_or_else(|| plan.release.to_string()),
                )
                .set("suppress_type_name", "on")
                .set("replace_dots", "on")
                .set("generate_id", "on")
                .set("trace_error", "on");
        }
        LogOutputKind::Stdout => {}
    }
    p = p.set(
        "retry_limit",
        logging
            .buffering
            .retry_limit
            .map_or("no_limits".to_string(), |n| n.to_string()),
    );
    if let Some(fs) = &logging.buffering.filesystem {
        p = p.set(
            "storage.total_limit_size",
            size(fs.limit_per_output.value()),
        );
    }
    p.set("workers", "2")
}

/// The path of an endpoint URL (`/loki/api/v1/push`), if it has one.
fn endpoint_path(endpoint: &str) -> Option<String> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let path = rest.find('/').map(|i| &rest[i..])?;
    (path != "/").then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_in_fluent_bit_units() {
        assert_eq!(size(64.0 * 1024.0 * 1024.0), "67108864");
        assert_eq!(size(64e6), "64M");
        assert_eq!(size(2e9), "2G");
        assert_eq!(size(1500.0), "1500");
        assert_eq!(size(16000.0), "16K");
    }

    #[test]
    fn the_counter_is_named_as_the_log_alerts_select_it() {
        let (namespace, subsystem, name) = ERRORS_METRIC;
        assert_eq!(
            format!("{namespace}_{subsystem}_{name}"),
            crate::plan::monitoring::LOG_METRICS[0]
        );
    }

    #[test]
    fn paths_of_endpoints() {
        assert_eq!(endpoint_path("https://loki.example.com"), None);
        assert_eq!(
            endpoint_path("http://es:9200/prefix"),
            Some("/prefix".into())
        );
    }
}
