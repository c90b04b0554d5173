//! PostgreSQL database and role names (`postgres.database`,
//! `postgres.pluginDatabase`, `postgres.username`) by PostgreSQL's rules and
//! by what the programs that use them need.
//!
//! Why: PostgreSQL cuts a name longer than 63 bytes without an error, so
//! Dify then asks for a database that does not exist; an empty name gives
//! Dify no database at all. With `mode: patroni` dify-gen creates the role
//! and both databases, and the plugin daemon runs `CREATE DATABASE <name>`
//! unquoted, so the names must be plain SQL names (lowercase letters,
//! digits, `_`, not a reserved key word), not a system database
//! (`postgres`, `template0`, `template1`) and not one of the roles Patroni
//! owns (`postgres`, `replicator`). With `mode: external` the names only
//! have to fit Dify's connection URL and the plugin daemon's connection
//! string. Fix: pick a name such as `dify` or `dify_plugin`.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::postgres::{client_name, plain_identifier, role_name, SYSTEM_DATABASES};
use crate::postgres::patroni::{REPLICATION_USER, SUPERUSER};
use crate::postgres::Catalogue;
use crate::topology::model::DEFAULT_POSTGRES_MAJOR;
use crate::topology::PostgresMode;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let pg = &cx.t.postgres;
    let created = pg.mode == PostgresMode::Patroni;
    // Key words barely move between majors; without a catalogue for the
    // image's major, the default major's list stands in.
    let catalogue = cx
        .postgres_catalogue()
        .or_else(|| Catalogue::of(DEFAULT_POSTGRES_MAJOR))
        .expect("dify-gen ships the default major's catalogue");
    let mut out = Vec::new();
    for (pointer, what, value) in [
        ("/postgres/database", "database name", &pg.database),
        (
            "/postgres/pluginDatabase",
            "database name",
            &pg.plugin_database,
        ),
    ] {
        let found = if created {
            cx.name_rule(pointer, what, value, |v| {
                plain_identifier(v, catalogue)?;
                if SYSTEM_DATABASES.contains(&v) {
                    return Err(format!(
                        "must not be a database every cluster has ({})",
                        SYSTEM_DATABASES.join(", ")
                    ));
                }
                Ok(())
            })
        } else {
            cx.name_rule(pointer, what, value, |v| {
                client_name(v)?;
                if v.starts_with("template") && SYSTEM_DATABASES.contains(&v) {
                    return Err("must not be a template database".into());
                }
                Ok(())
            })
        };
        out.extend(found);
    }
    let user = |v: &str| -> Result<(), String> {
        if created {
            plain_identifier(v, catalogue)?;
            role_name(v)?;
            if v == SUPERUSER || v == REPLICATION_USER {
                return Err(format!(
                    "must not be `{SUPERUSER}` or `{REPLICATION_USER}`, the roles Patroni owns (Dify would run as the superuser, and the bootstrap would change that role's password)"
                ));
            }
            Ok(())
        } else {
            crate::names::postgres::name(v)?;
            crate::names::printable(v)?;
            role_name(v)?;
            if v.contains(char::is_whitespace) {
                return Err("must not contain spaces (the plugin daemon's connection string cannot carry them)".into());
            }
            Ok(())
        }
    };
    out.extend(cx.name_rule("/postgres/username", "role name", &pg.username, user));
    out
}
