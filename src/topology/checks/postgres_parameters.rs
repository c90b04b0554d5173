//! PostgreSQL parameters (`postgres.patroni.parameters`) by the rules of the
//! PostgreSQL the image runs and of Patroni, which passes them on.
//!
//! Why: Patroni writes each parameter into `postgresql.conf` as it is. A
//! name PostgreSQL does not know, or a value it cannot read
//! (`shared_buffers: 'a b'`), stops the server at start; Patroni itself
//! drops a value it cannot read, or replaces a value of a parameter it
//! manages (`max_connections` below 25, `wal_level: minimal`) with its own
//! default, and only logs a warning, so the cluster runs with settings
//! nobody wrote. Names and values are checked against the catalogue of the
//! image's major version (`src/postgres/catalogue/`, from `pg_settings` of
//! a real server): type, unit, range and enum values.
//! Fix: use a parameter of that version, a value in its range (the message
//! says which), and leave the parameters Patroni manages to Patroni.

use super::Cx;
use crate::diagnostic::{codes, suggest, Diagnostic};
use crate::postgres::catalogue::MAJORS;
use crate::postgres::hooks;
use crate::postgres::patroni::{managed, Managed};
use crate::postgres::value::{self, Parsed};
use crate::postgres::{parameter_text, Catalogue, Setting, VarType};
use crate::source::pointer_segment;
use crate::topology::{Patroni, PostgresMode, SyncMode};
use std::collections::BTreeMap;

const BASE: &str = "/postgres/patroni/parameters";

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let (PostgresMode::Patroni, Some(p)) = (cx.t.postgres.mode, &cx.t.postgres.patroni) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let catalogue = cx.postgres_catalogue();
    let major = cx.t.images.postgres_major();
    if catalogue.is_none() && !p.parameters.is_empty() {
        out.push(
            cx.warning(
                codes::T_PG_NO_CATALOGUE,
                "/images/postgres",
                format!("dify-gen has no parameter catalogue for PostgreSQL {major}: `postgres.patroni.parameters` are not checked"),
            )
            .help(format!("catalogues exist for PostgreSQL {}", list(MAJORS.iter().map(u32::to_string)))),
        );
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut parsed: BTreeMap<String, (String, Parsed)> = BTreeMap::new();
    for (name, raw) in &p.parameters {
        let pointer = format!("{BASE}/{}", pointer_segment(name));
        if let Some(first) = seen.insert(name.to_ascii_lowercase(), name) {
            out.push(cx.error(
                codes::T_PG_UNKNOWN_PARAMETER,
                &pointer,
                format!("parameter `{name}` is set twice (also as `{first}`): PostgreSQL ignores the case of names"),
            ));
            continue;
        }
        let Some(text) = parameter_text(raw) else {
            continue;
        };
        if name.contains('.') {
            if let Err(why) = custom_name(name) {
                out.push(cx.error(
                    codes::T_PG_UNKNOWN_PARAMETER,
                    &pointer,
                    format!("invalid parameter name `{}`: {why}", name.escape_debug()),
                ));
            } else if let Err(why) = crate::names::printable(&text) {
                out.push(cx.error(
                    codes::T_PG_PARAMETER_VALUE,
                    &pointer,
                    format!("invalid value of `{name}`: {why}"),
                ));
            }
            continue;
        }
        if let Some(d) = managed_by_patroni(cx, &pointer, name, &text, catalogue) {
            out.push(d);
            continue;
        }
        let Some(catalogue) = catalogue else {
            if let Err(why) = crate::names::printable(&text) {
                out.push(cx.error(
                    codes::T_PG_PARAMETER_VALUE,
                    &pointer,
                    format!("invalid value of `{name}`: {why}"),
                ));
            }
            continue;
        };
        let Some(setting) = catalogue.get(name) else {
            out.push(unknown(cx, &pointer, name, catalogue));
            continue;
        };
        if setting.context == "internal" {
            out.push(
                cx.error(
                    codes::T_PG_PARAMETER_VALUE,
                    &pointer,
                    format!(
                        "`{}` is fixed when PostgreSQL is built or initialised and cannot be set",
                        setting.name
                    ),
                )
                .help("remove it"),
            );
            continue;
        }
        match value::parse(setting, &text)
            .and_then(|v| hooks::check(&setting.name.to_ascii_lowercase(), &v).map(|()| v))
        {
            Ok(v) => {
                parsed.insert(setting.name.to_ascii_lowercase(), (pointer, v));
            }
            Err(why) => out.push(
                cx.error(
                    codes::T_PG_PARAMETER_VALUE,
                    &pointer,
                    format!(
                        "invalid value for `{}` in PostgreSQL {}: {why}",
                        setting.name, catalogue.major
                    ),
                )
                .help(hint(setting)),
            ),
        }
    }
    if let Some(catalogue) = catalogue {
        out.extend(across(cx, p, catalogue, &parsed));
    }
    out
}

/// An extension's parameter (`spock.node_name`): PostgreSQL's configuration
/// file takes `word.word`, each word a letter or `_` and then letters,
/// digits or `_`.
fn custom_name(name: &str) -> Result<(), String> {
    let word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match name.split_once('.') {
        Some((a, b)) if word(a) && word(b) => Ok(()),
        _ => Err("an extension's parameter is `prefix.name`, each part a letter or `_` followed by letters, digits or `_`".into()),
    }
}

fn unknown(cx: &Cx, pointer: &str, name: &str, catalogue: &Catalogue) -> Diagnostic {
    let other = MAJORS
        .iter()
        .filter(|m| **m != catalogue.major)
        .filter(|m| Catalogue::of(**m).is_some_and(|c| c.get(name).is_some()))
        .map(u32::to_string)
        .collect::<Vec<_>>();
    let d = cx.error(
        codes::T_PG_UNKNOWN_PARAMETER,
        pointer,
        format!(
            "unknown parameter `{}` in PostgreSQL {}",
            name.escape_debug(),
            catalogue.major
        ),
    );
    if !other.is_empty() {
        d.help(format!(
            "`{name}` exists in PostgreSQL {} but not in {}, the version of `images.postgres`",
            list(other),
            catalogue.major
        ))
    } else if let Some(s) = suggest(&name.to_ascii_lowercase(), catalogue.names()) {
        d.help(s)
    } else {
        d.help("see `SELECT name FROM pg_settings` on the server; an extension's parameter is `prefix.name`")
    }
}

fn managed_by_patroni(
    cx: &Cx,
    pointer: &str,
    name: &str,
    text: &str,
    catalogue: Option<&Catalogue>,
) -> Option<Diagnostic> {
    let rule = managed(name)?;
    let refused = |why: String| Some(cx.error(codes::T_PG_MANAGED_PARAMETER, pointer, why));
    match rule {
        Managed::Owned(why) => refused(format!("`{name}` is managed by Patroni: {why}"))
            .map(|d| d.help(format!("remove `{name}`"))),
        Managed::Recovery => refused(format!("`{name}` is a recovery setting: Patroni writes those itself on replicas and drops them from `parameters`"))
            .map(|d| d.help(format!("remove `{name}`"))),
        Managed::AtLeast(floor, why) => {
            let setting = catalogue.and_then(|c| c.get(name))?;
            let v = value::parse(setting, text).ok()?.as_integer()?;
            (v < floor).then(|| {
                cx.error(
                    codes::T_PG_MANAGED_PARAMETER,
                    pointer,
                    format!("`{name}` {text} is below what Patroni accepts ({floor}{}): {why}", setting.unit.map(|u| format!(" in units of {u}")).unwrap_or_default()),
                )
                .help(format!("set `{name}` to at least {floor}"))
            })
        }
        Managed::OneOf(values, why) => {
            (!values.iter().any(|v| v.eq_ignore_ascii_case(text))).then(|| {
                cx.error(
                    codes::T_PG_MANAGED_PARAMETER,
                    pointer,
                    format!("`{name}: {text}` is not one Patroni keeps: {why}"),
                )
                .help(format!("use one of {}", list(values.iter().map(|v| format!("`{v}`")))))
            })
        }
    }
}

fn hint(setting: &Setting) -> String {
    match setting.vartype {
        VarType::Enum => format!(
            "`{}` takes {}",
            setting.name,
            list(setting.enumvals.iter().map(|v| format!("`{v}`")))
        ),
        VarType::Bool => format!("`{}` takes `on` or `off`", setting.name),
        VarType::Integer | VarType::Real => format!(
            "`{}` takes {} in {}; its default is `{}`",
            setting.name,
            if setting.vartype == VarType::Integer {
                "an integer"
            } else {
                "a number"
            },
            value::range(setting),
            setting.boot
        ),
        VarType::String => format!("`{}` takes a string", setting.name),
    }
}

/// Rules between parameters, checked by the server at start.
fn across(
    cx: &Cx,
    p: &Patroni,
    catalogue: &Catalogue,
    parsed: &BTreeMap<String, (String, Parsed)>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let int = |name: &str| -> Option<i64> {
        match parsed.get(name) {
            Some((_, v)) => v.as_integer(),
            None => catalogue.get(name)?.boot.parse().ok(),
        }
    };
    let at = |name: &str| {
        parsed
            .get(name)
            .map_or_else(|| BASE.to_string(), |(pointer, _)| pointer.clone())
    };
    // PostgreSQL counts every backend slot against MAX_BACKENDS (the upper
    // bound of max_connections) and refuses the start when they exceed it.
    if let (Some(max), Some(conns), Some(av), Some(workers), Some(senders)) = (
        catalogue.get("max_connections").and_then(|s| s.max),
        int("max_connections"),
        int("autovacuum_max_workers"),
        int("max_worker_processes"),
        int("max_wal_senders"),
    ) {
        let total = conns + av + 1 + workers + senders;
        if total as f64 > max {
            out.push(cx.error(
                codes::T_PG_PARAMETER_VALUE,
                &at("max_connections"),
                format!("max_connections {conns} + autovacuum_max_workers {av} + 1 + max_worker_processes {workers} + max_wal_senders {senders} = {total} is above PostgreSQL's limit of {max} server processes"),
            ).help(format!("lower `max_connections` to at most {}", max as i64 - (total - conns))));
        }
    }
    if let (Some(conns), Some(superuser)) = (
        int("max_connections"),
        int("superuser_reserved_connections"),
    ) {
        let reserved = int("reserved_connections").unwrap_or(0);
        if superuser + reserved >= conns {
            let name = if parsed.contains_key("superuser_reserved_connections") {
                "superuser_reserved_connections"
            } else if parsed.contains_key("reserved_connections") {
                "reserved_connections"
            } else {
                "max_connections"
            };
            out.push(cx.error(
                codes::T_PG_PARAMETER_VALUE,
                &at(name),
                format!("superuser_reserved_connections {superuser} + reserved_connections {reserved} must be less than max_connections {conns}: PostgreSQL does not start"),
            ));
        }
    }
    if let Some((pointer, Parsed::Bool(true))) = parsed.get("ssl") {
        if !parsed.contains_key("ssl_cert_file") || !parsed.contains_key("ssl_key_file") {
            out.push(cx.error(
                codes::T_PG_PARAMETER_VALUE,
                pointer,
                "`ssl: on` without `ssl_cert_file` and `ssl_key_file`: PostgreSQL does not start without its certificate, and dify-gen mounts none",
            ).help("remove `ssl`, or set both files to a certificate the image has"));
        }
    }
    if let Some((pointer, Parsed::Enum(v))) = parsed.get("password_encryption") {
        if v == "md5" {
            out.push(cx.error(
                codes::T_PG_PARAMETER_VALUE,
                pointer,
                "`password_encryption: md5` stores passwords no client can log in with: the rendered `pg_hba.conf` requires `scram-sha-256`",
            ).help("remove it (dify-gen sets `scram-sha-256`)"));
        }
    }
    if p.synchronous.mode != SyncMode::Off {
        if let Some((pointer, Parsed::Enum(v))) = parsed.get("synchronous_commit") {
            if v == "off" || v == "local" {
                out.push(cx.warning(
                    codes::T_PG_PARAMETER_VALUE,
                    pointer,
                    format!("`synchronous_commit: {v}` lets commits return before any standby has them, although `postgres.patroni.synchronous.mode` is `{}`: a failover can lose them", match p.synchronous.mode { SyncMode::Quorum => "quorum", _ => "sync" }),
                ).help("remove it (dify-gen sets `on`), or set `synchronous.mode: off` to say that commits may be lost"));
            }
        }
    }
    if let (Some((pointer, Parsed::Integer(blocks))), Some(unit)) = (
        parsed.get("shared_buffers"),
        catalogue.get("shared_buffers").and_then(|s| s.unit),
    ) {
        let bytes = *blocks as f64 * unit_bytes(unit);
        let limit = p.resources.limits.memory.value();
        if bytes >= limit {
            out.push(cx.error(
                codes::T_PG_PARAMETER_VALUE,
                pointer,
                format!("shared_buffers ({}) does not fit in the memory limit of the PostgreSQL pods ({}): the server is killed once it uses them", mebibytes(bytes), p.resources.limits.memory),
            ).help("keep `shared_buffers` near a quarter of `postgres.patroni.resources.limits.memory`"));
        }
    }
    out
}

fn unit_bytes(unit: &str) -> f64 {
    match unit {
        "B" => 1.0,
        "kB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        _ => 8192.0,
    }
}

fn mebibytes(bytes: f64) -> String {
    format!("{}Mi", (bytes / (1024.0 * 1024.0)).round() as i64)
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
