//! The routing as a prometheus-operator `AlertmanagerConfig`
//! (`monitoring.coreos.com/v1alpha1`). The operator confines it to alerts
//! of this namespace and resolves its Secret references itself.

use super::{receiver_name, tiers, GROUP_BY};
use crate::plan::monitoring::Facts;
use crate::plan::Plan;
use crate::render::kubernetes::labels::meta;
use crate::render::kubernetes::Custom;
use crate::render::prometheus::COMPONENT;
use crate::topology::{Credential, Receiver, SecretRef, Severity};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    route: Route,
    inhibit_rules: Vec<Inhibit>,
    receivers: Vec<ReceiverSpec>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Route {
    receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<String>,
    repeat_interval: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<Matcher>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Matcher {
    name: &'static str,
    value: String,
    match_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Inhibit {
    source_match: Vec<Matcher>,
    target_match: Vec<Matcher>,
    equal: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReceiverSpec {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    wechat_configs: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    opsgenie_configs: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<Value>,
}

fn matchers(plan: &Plan, severity: Severity) -> Vec<Matcher> {
    vec![
        Matcher {
            name: "release",
            value: plan.release.to_string(),
            match_type: "=",
        },
        Matcher {
            name: "severity",
            value: severity.as_str().to_string(),
            match_type: "=",
        },
    ]
}

/// A Secret key reference; the checks refuse file credentials with this flavour.
fn secret(c: &Credential) -> &SecretRef {
    c.secret
        .as_ref()
        .expect("checked: operator-flavour credentials are Secret references")
}

fn key(r: &SecretRef) -> Value {
    serde_json::json!({"name": r.name, "key": r.key})
}

pub fn object(plan: &Plan, f: &Facts) -> Value {
    let a = &f.spec.alertmanager;
    let routes = tiers(f)
        .iter()
        .map(|(severity, r)| Route {
            receiver: receiver_name(plan, *severity),
            group_by: Vec::new(),
            group_wait: None,
            group_interval: None,
            repeat_interval: format!("{}m", r.repeat_interval_minutes),
            matchers: matchers(plan, *severity),
            routes: Vec::new(),
        })
        .collect();
    let mut metadata = meta(plan, plan.release.to_string(), COMPONENT);
    metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .extend(f.spec.operator_labels.clone());
    let doc = Custom {
        api_version: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata,
        spec: Spec {
            route: Route {
                receiver: receiver_name(plan, Severity::Warning),
                group_by: GROUP_BY.to_vec(),
                group_wait: Some(format!("{}s", a.group_wait_seconds)),
                group_interval: Some(format!("{}m", a.group_interval_minutes)),
                repeat_interval: format!("{}m", a.warning.repeat_interval_minutes),
                matchers: Vec::new(),
                routes,
            },
            inhibit_rules: vec![Inhibit {
                source_match: matchers(plan, Severity::Critical),
                target_match: matchers(plan, Severity::Warning),
                equal: GROUP_BY.to_vec(),
            }],
            receivers: tiers(f)
                .iter()
                .map(|(severity, r)| receiver(receiver_name(plan, *severity), r))
                .collect(),
        },
    };
    serde_json::to_value(doc).expect("AlertmanagerConfig serialises to JSON")
}

fn receiver(name: String, r: &Receiver) -> ReceiverSpec {
    use serde_json::json;
    ReceiverSpec {
        name,
        wechat_configs: r
            .wechat_configs
            .iter()
            .map(|w| {
                let mut c = json!({
                    "sendResolved": true,
                    "apiSecret": key(secret(&w.api_secret)),
                    "corpID": w.corp_id,
                    "agentID": w.agent_id,
                });
                for (k, v) in [("toUser", &w.to_user), ("toParty", &w.to_party), ("toTag", &w.to_tag)] {
                    if let Some(v) = v {
                        c[k] = v.clone().into();
                    }
                }
                c
            })
            .collect(),
        webhook_configs: r
            .webhook_configs
            .iter()
            .map(|w| {
                let mut c = json!({"sendResolved": true});
                match (&w.url, &w.url_secret) {
                    (Some(url), _) => c["url"] = url.clone().into(),
                    (None, Some(s)) => c["urlSecret"] = key(secret(s)),
                    (None, None) => unreachable!("checked: a webhook sets `url` or `urlSecret`"),
                }
                if let Some(token) = &w.bearer_token {
                    c["httpConfig"] = json!({"authorization": {"type": "Bearer", "credentials": key(secret(token))}});
                }
                c
            })
            .collect(),
        pagerduty_configs: r
            .pagerduty_configs
            .iter()
            .map(|p| json!({"sendResolved": true, "routingKey": key(secret(&p.routing_key))}))
            .collect(),
        opsgenie_configs: r
            .opsgenie_configs
            .iter()
            .map(|o| {
                let mut c = json!({"sendResolved": true, "apiKey": key(secret(&o.api_key))});
                if let Some(p) = &o.priority {
                    c["priority"] = p.clone().into();
                }
                c
            })
            .collect(),
        email_configs: r
            .email_configs
            .iter()
            .map(|e| {
                let mut c = json!({"sendResolved": true, "to": e.to, "from": e.from, "smarthost": e.smarthost});
                if let Some(user) = &e.auth_username {
                    c["authUsername"] = user.clone().into();
                }
                if let Some(p) = &e.auth_password {
                    c["authPassword"] = key(secret(p));
                }
                c
            })
            .collect(),
    }
}
