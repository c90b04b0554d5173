//! Each mode needs its section: `postgres.mode: patroni` needs
//! `postgres.patroni`, `external` needs `postgres.external` (likewise
//! Redis), `gateway-api` needs `ingress.gateway`, S3 without an IAM role
//! needs access keys.
//!
//! Why: the schema cannot tie a field's presence to another's value; without
//! this the render would have to invent hosts or credentials.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::{IngressController, PostgresMode, RedisMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    let mut need = |present: bool, parent: &str, field: &str, why: &str| {
        if !present {
            out.push(
                cx.error(
                    codes::T_MISSING_FIELD,
                    parent,
                    format!("missing field `{field}` {why}"),
                )
                .path(format!("{}.{field}", crate::load::dotted(parent))),
            );
        }
    };
    match t.postgres.mode {
        PostgresMode::Patroni => need(
            t.postgres.patroni.is_some(),
            "/postgres",
            "patroni",
            "for `mode: patroni`",
        ),
        PostgresMode::External => need(
            t.postgres.external.is_some(),
            "/postgres",
            "external",
            "for `mode: external`",
        ),
    }
    match t.redis.mode {
        RedisMode::Sentinel => need(
            t.redis.sentinel.is_some(),
            "/redis",
            "sentinel",
            "for `mode: sentinel`",
        ),
        RedisMode::External => need(
            t.redis.external.is_some(),
            "/redis",
            "external",
            "for `mode: external`",
        ),
    }
    if t.ingress.controller == IngressController::GatewayApi {
        need(
            t.ingress.gateway.is_some(),
            "/ingress",
            "gateway",
            "for `controller: gateway-api`",
        );
    }
    if !t.storage.s3.use_iam_role {
        need(
            t.storage.s3.access_key.is_some(),
            "/storage/s3",
            "accessKey",
            "unless `useIamRole: true`",
        );
        need(
            t.storage.s3.secret_key.is_some(),
            "/storage/s3",
            "secretKey",
            "unless `useIamRole: true`",
        );
    }
    if let Some(ext) = &t.redis.external {
        if !ext.sentinels.is_empty() && ext.master_set.is_none() {
            need(false, "/redis/external", "masterSet", "with `sentinels`");
        }
    }
    out
}
