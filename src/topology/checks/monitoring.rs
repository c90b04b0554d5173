//! The monitoring section on its own: every user rule's PromQL parses,
//! every credential of a receiver is a Secret reference or a file (never a
//! value, never a URL with credentials in it), and the Alertmanager
//! version the topology names can read the `*_file` fields rendered.
//!
//! Why: a rule that does not parse is rejected by Prometheus only after it
//! is deployed (and then none of the file's rules load); a credential in a
//! URL ends up in Git; an Alertmanager older than a field refuses the
//! whole configuration. Fix: correct the expression; move the value into
//! a Secret (`{secret: {name, key}}`) or a file (`{file: /path}`); raise
//! `monitoring.alertmanager.version` or use another integration.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::promql;
use crate::topology::{Credential, MonitoringFlavour, Receiver};

/// The Alertmanager minor version that first reads each `*_file` field.
const FILE_FIELDS: &[(&str, u32)] = &[
    ("wechat_configs.api_secret_file", 31),
    ("webhook_configs.url_file", 26),
    ("pagerduty_configs.routing_key_file", 25),
    ("opsgenie_configs.api_key_file", 22),
    ("email_configs.auth_password_file", 25),
];

fn since(field: &str) -> u32 {
    FILE_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(0, |(_, v)| *v)
}

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(m) = &cx.t.monitoring else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if m.otel_collector.is_some() && cx.t.swarm.is_some() {
        out.push(
            cx.error(
                codes::T_OTEL_SWARM,
                "/monitoring/otelCollector",
                "the OpenTelemetry Collector runs on Kubernetes only: the Swarm stack would send Dify's telemetry to a service it does not run",
            )
            .help("remove `monitoring.otelCollector` (`--set monitoring.otelCollector=null`) for a topology with `swarm`"),
        );
    }
    for (i, rule) in m.rules.iter().enumerate() {
        if let Err(e) = promql::selectors(&rule.expr) {
            out.push(
                cx.error(
                    codes::T_PROMQL,
                    &format!("/monitoring/rules/{i}/expr"),
                    format!("`{}`: the expression is not valid PromQL: {e}", rule.alert),
                )
                .help("check it with `promtool check rules` or in Prometheus' expression browser"),
            );
        }
        for key in rule.labels.keys() {
            if matches!(key.as_str(), "severity" | "component" | "release") {
                out.push(
                    cx.error(
                        codes::T_ALERT_SELECTOR,
                        &format!("/monitoring/rules/{i}/labels/{key}"),
                        format!("label `{key}` is set by dify-gen from the rule's fields"),
                    )
                    .help("set `severity` and `component` on the rule itself; `release` is the release name"),
                );
            }
        }
    }
    let queues: Vec<String> = cx.t.dify.worker_queues.clone().unwrap_or_else(|| {
        crate::dify::releases::of_version(&cx.t.dify.version)
            .queues
            .iter()
            .map(|q| (*q).to_string())
            .collect()
    });
    for (queue, limit) in &m.thresholds.queue_backlog_by_queue {
        let pointer = format!("/monitoring/thresholds/queueBacklogByQueue/{queue}");
        if !queues.contains(queue) {
            let mut d = cx.error(
                codes::T_ALERT_SELECTOR,
                &pointer,
                format!("no worker consumes a queue `{queue}`"),
            );
            d.help = crate::diagnostic::suggest(queue, queues.iter().map(String::as_str)).or_else(
                || Some("queues come from `dify.workerQueues` or Dify's default list".into()),
            );
            out.push(d);
        }
        if !(1..=10_000_000).contains(limit) {
            out.push(cx.error(
                codes::T_OUT_OF_RANGE,
                &pointer,
                format!("backlog threshold {limit} is outside 1..=10000000"),
            ));
        }
    }
    let version: u32 = m
        .alertmanager
        .version
        .split('.')
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let operator = m.flavour == MonitoringFlavour::Operator;
    for (tier, r) in [
        ("warning", &m.alertmanager.warning),
        ("critical", &m.alertmanager.critical),
    ] {
        let base = format!("/monitoring/alertmanager/{tier}");
        receiver(cx, &base, r, version, operator, &mut out);
    }
    out
}

fn receiver<'r>(
    cx: &Cx,
    base: &str,
    r: &'r Receiver,
    version: u32,
    operator: bool,
    out: &mut Vec<Diagnostic>,
) {
    let mut creds: Vec<(String, &str, &'r Credential)> = Vec::new();
    let mut add = |pointer: String, field: &'static str, c: &'r Credential| {
        creds.push((pointer, field, c));
    };
    for (i, w) in r.wechat_configs.iter().enumerate() {
        add(
            format!("{base}/wechatConfigs/{i}/apiSecret"),
            "wechat_configs.api_secret_file",
            &w.api_secret,
        );
    }
    for (i, p) in r.pagerduty_configs.iter().enumerate() {
        add(
            format!("{base}/pagerdutyConfigs/{i}/routingKey"),
            "pagerduty_configs.routing_key_file",
            &p.routing_key,
        );
    }
    for (i, o) in r.opsgenie_configs.iter().enumerate() {
        add(
            format!("{base}/opsgenieConfigs/{i}/apiKey"),
            "opsgenie_configs.api_key_file",
            &o.api_key,
        );
    }
    for (i, e) in r.email_configs.iter().enumerate() {
        if let Some(p) = &e.auth_password {
            add(
                format!("{base}/emailConfigs/{i}/authPassword"),
                "email_configs.auth_password_file",
                p,
            );
        }
    }
    for (i, w) in r.webhook_configs.iter().enumerate() {
        let at = format!("{base}/webhookConfigs/{i}");
        if let Some(token) = &w.bearer_token {
            add(format!("{at}/bearerToken"), "", token);
        }
        if let Some(secret) = &w.url_secret {
            add(
                format!("{at}/urlSecret"),
                "webhook_configs.url_file",
                secret,
            );
        }
        match (&w.url, &w.url_secret) {
            // A credential in `url` is `inline_secrets`' (T102), as in
            // every field, with the hint to use `urlSecret`.
            (Some(_), _) => {
                if w.url_secret.is_some() {
                    out.push(cx.error(
                        codes::T_ALERT_CREDENTIAL,
                        &at,
                        "set `url` or `urlSecret`, not both",
                    ));
                }
            }
            (None, None) => out.push(cx.error(
                codes::T_ALERT_CREDENTIAL,
                &at,
                "a webhook needs `url` or `urlSecret`",
            )),
            (None, Some(_)) => {}
        }
    }
    for (pointer, field, c) in creds {
        credential(cx, &pointer, field, c, version, operator, out);
    }
}

fn credential(
    cx: &Cx,
    pointer: &str,
    field: &str,
    c: &Credential,
    version: u32,
    operator: bool,
    out: &mut Vec<Diagnostic>,
) {
    match (&c.secret, &c.file) {
        (Some(_), Some(_)) | (None, None) => out.push(
            cx.error(
                codes::T_ALERT_CREDENTIAL,
                pointer,
                "a credential is `{secret: {name, key}}` or `{file: /path}`, exactly one of them",
            )
            .help("reference a key of a Secret in the release's namespace, or a file the Alertmanager reads"),
        ),
        (None, Some(_)) if operator => out.push(
            cx.error(
                codes::T_ALERT_CREDENTIAL,
                pointer,
                "an AlertmanagerConfig (flavour `operator`) reads credentials from Secrets only",
            )
            .help("use `{secret: {name, key}}`, or `flavour: files`"),
        ),
        _ => {}
    }
    let needs = since(field);
    if needs > version {
        out.push(
            cx.error(
                codes::T_ALERT_CREDENTIAL,
                pointer,
                format!("`{field}` needs Alertmanager 0.{needs}, newer than `monitoring.alertmanager.version` 0.{version}"),
            )
            .help(format!("raise `monitoring.alertmanager.version` to 0.{needs} if your Alertmanager is that new, or use another integration")),
        );
    }
}
