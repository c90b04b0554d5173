//! The Alertmanager family: the design's two tiers as Alertmanager
//! routing. Warnings go to the warning receiver, criticals to the critical
//! one; alerts are grouped by release and component; a critical inhibits
//! the warnings of the same release and component; each tier repeats at
//! its own interval.
//!
//! `alertmanager/alertmanager.yaml` is a complete configuration whose
//! credentials are all `*_file` paths (a Secret reference becomes
//! `<secretsDir>/<name>/<key>`, where the Alertmanager mounts it); with the
//! `operator` flavour the same tree is also an `AlertmanagerConfig`, whose
//! credentials are Secret key references the operator resolves.

mod operator;

use super::{Artifact, Content, Family};
use crate::plan::monitoring::Facts;
use crate::plan::Plan;
use crate::topology::{Credential, MonitoringFlavour, Receiver, Severity};
use serde_json::{json, Map, Value};

pub const FAMILY: Family = Family {
    name: "alertmanager",
    render,
};

pub const CONFIG_FILE: &str = "alertmanager.yaml";

/// The name of a tier's receiver (`dify-critical`).
pub fn receiver_name(plan: &Plan, severity: Severity) -> String {
    plan.name(severity.as_str())
}

/// The labels alerts are grouped by, and the inhibition holds within.
pub const GROUP_BY: [&str; 2] = ["release", "component"];

fn render(plan: &Plan) -> Vec<Artifact> {
    let Some(f) = plan.monitoring() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if plan.writes_files() {
        out.push(Artifact::file(
            FAMILY.name,
            CONFIG_FILE,
            Content::Yaml(config(plan, f)),
        ));
    }
    if f.spec.flavour == MonitoringFlavour::Operator {
        out.push(Artifact::object(FAMILY.name, operator::object(plan, f)));
    }
    out
}

fn minutes(n: u32) -> String {
    format!("{n}m")
}

fn matcher(name: &str, value: &str) -> String {
    format!("{name}=\"{value}\"")
}

/// The tiers, each with its receiver settings.
pub fn tiers<'a>(f: &Facts<'a>) -> [(Severity, &'a Receiver); 2] {
    let a = &f.spec.alertmanager;
    [
        (Severity::Critical, &a.critical),
        (Severity::Warning, &a.warning),
    ]
}

fn config(plan: &Plan, f: &Facts) -> Value {
    let a = &f.spec.alertmanager;
    let release = matcher("release", plan.release);
    let routes: Vec<Value> = tiers(f)
        .iter()
        .map(|(severity, r)| {
            json!({
                "receiver": receiver_name(plan, *severity),
                "matchers": [release, matcher("severity", severity.as_str())],
                "repeat_interval": minutes(r.repeat_interval_minutes),
            })
        })
        .collect();
    let receivers: Vec<Value> = tiers(f)
        .iter()
        .map(|(severity, r)| receiver(plan, f, receiver_name(plan, *severity), r))
        .collect();
    json!({
        "route": {
            // Alerts of other severities still reach someone.
            "receiver": receiver_name(plan, Severity::Warning),
            "group_by": GROUP_BY,
            "group_wait": format!("{}s", a.group_wait_seconds),
            "group_interval": minutes(a.group_interval_minutes),
            "repeat_interval": minutes(a.warning.repeat_interval_minutes),
            "routes": routes,
        },
        "inhibit_rules": [{
            "source_matchers": [release, matcher("severity", Severity::Critical.as_str())],
            "target_matchers": [release, matcher("severity", Severity::Warning.as_str())],
            "equal": GROUP_BY,
        }],
        "receivers": receivers,
    })
}

/// Where the Alertmanager reads a credential.
pub fn path(f: &Facts, c: &Credential) -> String {
    match (&c.secret, &c.file) {
        (Some(s), _) => format!("{}/{}/{}", f.spec.alertmanager.secrets_dir, s.name, s.key),
        (None, Some(file)) => file.clone(),
        (None, None) => unreachable!("checked: a credential sets `secret` or `file`"),
    }
}

fn receiver(_plan: &Plan, f: &Facts, name: String, r: &Receiver) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), name.into());
    let list = |items: Vec<Value>| Value::Array(items);
    if !r.wechat_configs.is_empty() {
        out.insert(
            "wechat_configs".into(),
            list(
                r.wechat_configs
                    .iter()
                    .map(|w| {
                        let mut c = json!({
                            "send_resolved": true,
                            "api_secret_file": path(f, &w.api_secret),
                            "corp_id": w.corp_id,
                            "agent_id": w.agent_id,
                        });
                        for (key, value) in [
                            ("to_user", &w.to_user),
                            ("to_party", &w.to_party),
                            ("to_tag", &w.to_tag),
                        ] {
                            if let Some(v) = value {
                                c[key] = v.clone().into();
                            }
                        }
                        c
                    })
                    .collect(),
            ),
        );
    }
    if !r.webhook_configs.is_empty() {
        out.insert(
            "webhook_configs".into(),
            list(r.webhook_configs.iter().map(|w| {
                let mut c = json!({"send_resolved": true});
                match (&w.url, &w.url_secret) {
                    (Some(url), _) => c["url"] = url.clone().into(),
                    (None, Some(secret)) => c["url_file"] = path(f, secret).into(),
                    (None, None) => unreachable!("checked: a webhook sets `url` or `urlSecret`"),
                }
                if let Some(token) = &w.bearer_token {
                    c["http_config"] = json!({"authorization": {"type": "Bearer", "credentials_file": path(f, token)}});
                }
                c
            }).collect()),
        );
    }
    if !r.pagerduty_configs.is_empty() {
        out.insert(
            "pagerduty_configs".into(),
            list(
                r.pagerduty_configs
                    .iter()
                    .map(|p| {
                        json!({
                            "send_resolved": true,
                            "routing_key_file": path(f, &p.routing_key),
                        })
                    })
                    .collect(),
            ),
        );
    }
    if !r.opsgenie_configs.is_empty() {
        out.insert(
            "opsgenie_configs".into(),
            list(
                r.opsgenie_configs
                    .iter()
                    .map(|o| {
                        let mut c =
                            json!({"send_resolved": true, "api_key_file": path(f, &o.api_key)});
                        if let Some(p) = &o.priority {
                            c["priority"] = p.clone().into();
                        }
                        c
                    })
                    .collect(),
            ),
        );
    }
    if !r.email_configs.is_empty() {
        out.insert(
            "email_configs".into(),
            list(r.email_configs.iter().map(|e| {
                let mut c = json!({"send_resolved": true, "to": e.to, "from": e.from, "smarthost": e.smarthost});
                if let Some(user) = &e.auth_username {
                    c["auth_username"] = user.clone().into();
                }
                if let Some(password) = &e.auth_password {
                    c["auth_password_file"] = path(f, password).into();
                }
                c
            }).collect()),
        );
    }
    Value::Object(out)
}
