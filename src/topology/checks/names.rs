//! Names the topology hands to Kubernetes as they are are valid there.
//!
//! Why: zones become `topology.kubernetes.io/zone` label values in spread
//! constraints and node selectors; `nodeSelector` entries, Secret and
//! class names go into manifests verbatim. An invalid one is refused by the
//! API server only at apply time, far from the line that caused it (a zone
//! `Zone A` is not a label value). Names dify-gen derives itself
//! (`<release>-...`) are shortened within their limits instead
//! (`crate::names`). Fix: use the names the cluster really has.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::{dns_label, dns_subdomain, label_value_format, qualified_name};

type Rule = fn(&str) -> Result<(), String>;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut fields: Vec<(String, &str, Rule, &str)> = Vec::new();
    for (i, z) in t.zones.iter().enumerate() {
        fields.push((
            format!("/zones/{i}"),
            z,
            label_value_format,
            "zone `{}` is not a valid label value",
        ));
    }
    for (key, c) in t.components.all() {
        for (k, v) in &c.node_selector {
            let at = format!(
                "/components/{key}/nodeSelector/{}",
                k.replace('~', "~0").replace('/', "~1")
            );
            fields.push((
                at.clone(),
                k,
                qualified_name,
                "node selector key `{}` is not a valid label key",
            ));
            fields.push((
                at,
                v,
                label_value_format,
                "node selector value `{}` is not a valid label value",
            ));
        }
    }
    fields.push((
        "/ingress/className".into(),
        &t.ingress.class_name,
        dns_subdomain,
        "IngressClass name `{}` is not valid",
    ));
    if let Some(tls) = &t.ingress.tls {
        fields.push((
            "/ingress/tls/secretName".into(),
            &tls.secret_name,
            dns_subdomain,
            "Secret name `{}` is not valid",
        ));
    }
    if let Some(g) = &t.ingress.gateway {
        fields.push((
            "/ingress/gateway/name".into(),
            &g.name,
            dns_subdomain,
            "Gateway name `{}` is not valid",
        ));
        fields.push((
            "/ingress/gateway/namespace".into(),
            &g.namespace,
            dns_label,
            "namespace `{}` is not valid",
        ));
        if let Some(s) = &g.section_name {
            fields.push((
                "/ingress/gateway/sectionName".into(),
                s,
                dns_subdomain,
                "listener name `{}` is not valid",
            ));
        }
    }
    if let Some(e) = &t.secrets.external_secrets {
        fields.push((
            "/secrets/externalSecrets/storeName".into(),
            &e.store_name,
            dns_subdomain,
            "store name `{}` is not valid",
        ));
    }
    let classes = [
        (
            "/postgres/patroni/storage/className",
            t.postgres
                .patroni
                .as_ref()
                .and_then(|p| p.storage.class_name.as_ref()),
        ),
        (
            "/etcd/storage/className",
            t.etcd.as_ref().and_then(|e| e.storage.class_name.as_ref()),
        ),
        (
            "/redis/sentinel/storage/className",
            t.redis
                .sentinel
                .as_ref()
                .and_then(|s| s.storage.class_name.as_ref()),
        ),
    ];
    for (at, class) in classes {
        if let Some(class) = class {
            fields.push((
                at.into(),
                class,
                dns_subdomain,
                "StorageClass name `{}` is not valid",
            ));
        }
    }
    fields
        .into_iter()
        .filter_map(|(pointer, value, rule, what)| {
            let why = rule(value).err()?;
            Some(
                cx.error(codes::T_BAD_NAME, &pointer, what.replace("{}", value))
                    .help(format!("it {why}")),
            )
        })
        .collect()
}
