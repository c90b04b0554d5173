//! An `env` or `secretEnv` entry does not replace a variable dify-gen sets,
//! unless it says so.
//!
//! Why: dify-gen wires Dify with variables (`DB_HOST`, `REDIS_*`,
//! `CELERY_BROKER_URL`, `S3_*`, ..., listed in `dify::env`); a same-named
//! entry silently wins over them and rewires the release (a `DB_HOST` that
//! bypasses Patroni's primary Service, a Redis password that differs from
//! the broker's). Example: `components.api.env.DB_HOST: db.internal`. Fix:
//! set the topology field that drives the variable (`postgres.external`),
//! or, to replace it on purpose, write the entry as `DB_HOST: {value:
//! db.internal, override: true}` (`secretEnv`: add `override: true`).

use super::inline_secrets::RESERVED;
use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::{env::is_managed, Kind};
use crate::secret_scan::looks_secret;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let key = kind.key();
        let Some(c) = cx.t.components.get(kind) else {
            continue;
        };
        let entries = c
            .env
            .iter()
            .map(|(name, v)| ("env", name, v.overrides()))
            .chain(
                c.secret_env
                    .iter()
                    .map(|(name, r)| ("secretEnv", name, r.overrides)),
            );
        for (field, name, overrides) in entries {
            // `MODE` and `MIGRATION_ENABLED` cannot be replaced at all
            // (`inline_secrets`, T106).
            // An inline value named like a secret is `inline_secrets`' to
            // report (T102, its excerpt masked): one message per problem,
            // and this one's excerpt would print the value.
            let inline_secret = field == "env" && looks_secret(name);
            if overrides || inline_secret || !is_managed(kind, name) || RESERVED.contains(&&**name)
            {
                continue;
            }
            let form = if field == "env" {
                format!("`{name}: {{value: ..., override: true}}`")
            } else {
                "`override: true` in the entry".to_string()
            };
            out.push(
                cx.error(
                    codes::T_MANAGED_ENV,
                    &format!("/components/{key}/{field}/{name}"),
                    format!("`{name}` is set by dify-gen for `{key}`; this entry would silently replace it"),
                )
                .help(format!("set the topology field that drives it instead, or write {form} to replace it on purpose")),
            );
        }
    }
    out
}
