//! Names of Kubernetes objects the topology refers to, by their kind's
//! rules: Secrets, StorageClasses, IngressClasses, Gateways and secret
//! stores as DNS subdomains, namespaces as DNS labels, keys of a Secret by
//! the data-key rule, node selectors as label keys and values, zones as the
//! values of the `topology.kubernetes.io/zone` label that spread
//! constraints and node selectors match.
//!
//! Why: a Secret called `/` or `Dify_TLS` can never exist, so the pods or
//! the entry that reference it never start or never serve TLS; the API
//! server accepts the reference and the failure shows only at run time.
//! Fix: use the object's real name; Kubernetes names are lowercase.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::{dns, kubernetes};
use crate::source::pointer_segment;
use crate::topology::{SecretRef, Topology, Volume};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    for (i, zone) in t.zones.iter().enumerate() {
        out.extend(cx.name_rule(
            &format!("/zones/{i}"),
            "zone",
            zone,
            kubernetes::label_value,
        ));
    }
    for (pointer, secret) in secret_refs(t) {
        out.extend(cx.name_rule(
            &format!("{pointer}/name"),
            "Secret name",
            &secret.name,
            dns::subdomain,
        ));
        out.extend(cx.name_rule(
            &format!("{pointer}/key"),
            "Secret key",
            &secret.key,
            kubernetes::data_key,
        ));
    }
    if let Some(tls) = &t.ingress.tls {
        out.extend(cx.name_rule(
            "/ingress/tls/secretName",
            "Secret name",
            &tls.secret_name,
            dns::subdomain,
        ));
    }
    out.extend(cx.name_rule(
        "/ingress/className",
        "IngressClass name",
        &t.ingress.class_name,
        dns::subdomain,
    ));
    if let Some(g) = &t.ingress.gateway {
        out.extend(cx.name_rule(
            "/ingress/gateway/name",
            "Gateway name",
            &g.name,
            dns::subdomain,
        ));
        out.extend(cx.name_rule(
            "/ingress/gateway/namespace",
            "namespace",
            &g.namespace,
            dns::label,
        ));
        if let Some(section) = &g.section_name {
            out.extend(cx.name_rule(
                "/ingress/gateway/sectionName",
                "listener name",
                section,
                dns::subdomain,
            ));
        }
    }
    for (pointer, volume) in volumes(t) {
        if let Some(class) = &volume.class_name {
            out.extend(cx.name_rule(
                &format!("{pointer}/className"),
                "StorageClass name",
                class,
                dns::subdomain,
            ));
        }
    }
    if let Some(es) = &t.secrets.external_secrets {
        out.extend(cx.name_rule(
            "/secrets/externalSecrets/storeName",
            "secret store name",
            &es.store_name,
            dns::subdomain,
        ));
    }
    for (i, name) in t.images.pull_secrets.iter().enumerate() {
        out.extend(cx.name_rule(
            &format!("/images/pullSecrets/{i}"),
            "Secret name",
            name,
            dns::subdomain,
        ));
    }
    for (key, component) in t.components.all() {
        for (i, name) in component.image_pull_secrets.iter().enumerate() {
            out.extend(cx.name_rule(
                &format!("/components/{key}/imagePullSecrets/{i}"),
                "Secret name",
                name,
                dns::subdomain,
            ));
        }
        for (label, value) in &component.node_selector {
            let pointer = format!("/components/{key}/nodeSelector/{}", pointer_segment(label));
            out.extend(cx.name_rule(&pointer, "node label key", label, kubernetes::label_key));
            out.extend(cx.name_rule(&pointer, "node label value", value, kubernetes::label_value));
        }
    }
    // The dashboard ConfigMaps carry these labels.
    for (label, value) in t.monitoring.iter().flat_map(|m| &m.grafana.sidecar_labels) {
        let pointer = format!(
            "/monitoring/grafana/sidecarLabels/{}",
            pointer_segment(label)
        );
        out.extend(cx.name_rule(&pointer, "label key", label, kubernetes::label_key));
        out.extend(cx.name_rule(&pointer, "label value", value, kubernetes::label_value));
    }
    out
}

/// Every volume the topology sizes, with its pointer.
pub fn volumes(t: &Topology) -> Vec<(&'static str, &Volume)> {
    let mut out: Vec<(&'static str, &Volume)> = t
        .etcd
        .iter()
        .map(|e| ("/etcd/storage", &e.storage))
        .collect();
    if let Some(p) = &t.postgres.patroni {
        out.push(("/postgres/patroni/storage", &p.storage));
    }
    if let Some(s) = &t.redis.sentinel {
        out.push(("/redis/sentinel/storage", &s.storage));
    }
    out
}

/// Every Secret reference in the topology, with its pointer.
pub fn secret_refs(t: &Topology) -> Vec<(String, SecretRef)> {
    let fixed: Vec<(String, &SecretRef)> = vec![
        ("/secrets/secretKey".into(), &t.secrets.secret_key),
        ("/secrets/sandboxApiKey".into(), &t.secrets.sandbox_api_key),
        (
            "/secrets/pluginDaemonKey".into(),
            &t.secrets.plugin_daemon_key,
        ),
        (
            "/secrets/pluginInnerApiKey".into(),
            &t.secrets.plugin_inner_api_key,
        ),
        ("/postgres/password".into(), &t.postgres.password),
        ("/redis/password".into(), &t.redis.password),
    ];
    let mut out = fixed;
    if let Some(r) = &t.secrets.init_password {
        out.push(("/secrets/initPassword".into(), r));
    }
    if let Some(p) = &t.postgres.patroni {
        out.push((
            "/postgres/patroni/superuserPassword".into(),
            &p.superuser_password,
        ));
        out.push((
            "/postgres/patroni/replicationPassword".into(),
            &p.replication_password,
        ));
    }
    out.extend(t.storage.secret_refs());
    out.extend(t.vector_store.secret_refs());
    let mut out: Vec<(String, SecretRef)> = out.into_iter().map(|(p, r)| (p, r.clone())).collect();
    for (key, component) in t.components.all() {
        for (name, r) in &component.secret_env {
            out.push((
                format!("/components/{key}/secretEnv/{}", pointer_segment(name)),
                r.secret(),
            ));
        }
    }
    if let Some(b) = &t.backup {
        out.push(("/backup/encryption/key".into(), b.encryption.key.clone()));
        for (i, r) in b.repositories.iter().enumerate() {
            for (key, secret) in r.secret_refs() {
                out.push((format!("/backup/repositories/{i}/{key}"), secret.clone()));
            }
        }
    }
    out
}
