//! Each mode needs its section: `postgres.mode: patroni` needs
//! `postgres.patroni` and `etcd`, `external` needs `postgres.external`
//! (likewise Redis), `gateway-api` needs `ingress.gateway`, S3 without an
//! IAM role needs access keys, external Sentinels need a `masterEndpoint`
//! (Dify's event bus takes a URL and never asks Sentinel). A section the
//! chosen modes do not use may be removed (`etcd: null`).
//!
//! Why: the schema cannot tie a field's presence to another's value; without
//! this the render would have to invent hosts or credentials.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::source::dotted;
use crate::topology::{IngressController, PostgresMode, RedisMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    // (present, the field that asks for it, parent, missing field, why).
    // Reported at the asking field (`mode: external`): the line the user
    // wrote, not the merged parent mapping that may come from a profile.
    let mut wants: Vec<(bool, &str, &str, &str, &str)> = vec![
        match t.postgres.mode {
            PostgresMode::Patroni => (
                t.postgres.patroni.is_some(),
                "/postgres/mode",
                "/postgres",
                "patroni",
                "for `mode: patroni`",
            ),
            PostgresMode::External => (
                t.postgres.external.is_some(),
                "/postgres/mode",
                "/postgres",
                "external",
                "for `mode: external`",
            ),
        },
        match t.redis.mode {
            RedisMode::Sentinel => (
                t.redis.sentinel.is_some(),
                "/redis/mode",
                "/redis",
                "sentinel",
                "for `mode: sentinel`",
            ),
            RedisMode::External => (
                t.redis.external.is_some(),
                "/redis/mode",
                "/redis",
                "external",
                "for `mode: external`",
            ),
        },
    ];
    if t.postgres.mode == PostgresMode::Patroni {
        wants.push((
            t.etcd.is_some(),
            "/postgres/mode",
            "",
            "etcd",
            "for `postgres.mode: patroni`",
        ));
    }
    if t.ingress.controller == IngressController::GatewayApi {
        wants.push((
            t.ingress.gateway.is_some(),
            "/ingress/controller",
            "/ingress",
            "gateway",
            "for `controller: gateway-api`",
        ));
    }
    if t.storage.s3().is_none() && t.storage.object_store().is_none() {
        wants.push((
            false,
            "/storage/type",
            "/storage",
            t.storage.kind.section(),
            "for this `type`",
        ));
    }
    if let Some(s3) = t.storage.s3().filter(|s| !s.use_iam_role) {
        wants.push((
            s3.access_key.is_some(),
            "/storage/s3/useIamRole",
            "/storage/s3",
            "accessKey",
            "unless `useIamRole: true`",
        ));
        wants.push((
            s3.secret_key.is_some(),
            "/storage/s3/useIamRole",
            "/storage/s3",
            "secretKey",
            "unless `useIamRole: true`",
        ));
    }
    if let Some(ext) = &t.redis.external {
        if !ext.sentinels.is_empty() {
            wants.push((
                ext.master_set.is_some(),
                "/redis/external/sentinels",
                "/redis/external",
                "masterSet",
                "with `sentinels`",
            ));
            // Dify's event bus and the agent backend take a URL, not Sentinel.
            wants.push((
                ext.master_endpoint.is_some(),
                "/redis/external/sentinels",
                "/redis/external",
                "masterEndpoint",
                "with `sentinels` (Dify's event bus cannot ask Sentinel for the master)",
            ));
        }
    }
    wants
        .into_iter()
        .filter(|(present, ..)| !present)
        .map(|(_, at, parent, field, why)| {
            cx.error(
                codes::T_MISSING_FIELD,
                at,
                format!("missing field `{field}` {why}"),
            )
            .path(join(&dotted(parent), field))
            .help(if parent.is_empty() {
                format!("add `{field}:` at the top level")
            } else {
                format!("add `{field}:` under `{}`", dotted(parent))
            })
        })
        .collect()
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}
