//! PostgreSQL names: databases and roles.
//!
//! PostgreSQL truncates a name longer than 63 bytes (`NAMEDATALEN - 1`)
//! without an error, so a client then asks for a name that does not exist.
//! Names dify-gen creates, or that Dify and the plugin daemon use without
//! quoting (the plugin daemon runs `CREATE DATABASE <name>` unquoted, and
//! Dify puts the database name in its connection URL as it is), must be
//! names PostgreSQL takes without quotes.

use crate::postgres::Catalogue;

/// Any PostgreSQL name: 1 to 63 bytes, no NUL.
pub fn name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > 63 {
        return Err(format!(
            "must be at most 63 bytes (PostgreSQL cuts longer names without an error; this is {})",
            s.len()
        ));
    }
    if s.contains('\0') {
        return Err("must not contain NUL".into());
    }
    Ok(())
}

/// A name SQL takes without quotes, in lower case: a letter or `_`, then
/// letters, digits and `_`, 1 to 63 bytes, and not a reserved key word of
/// `catalogue`'s PostgreSQL (`user`, `select`, `order`, ...).
pub fn plain_identifier(s: &str, catalogue: &Catalogue) -> Result<(), String> {
    name(s)?;
    if !s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        return Err("must start with a lowercase letter or `_`".into());
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err("must contain only lowercase letters, digits and `_`".into());
    }
    if catalogue.reserved(s) {
        return Err(format!(
            "must not be a reserved SQL key word (`{s}` is one in PostgreSQL {})",
            catalogue.major
        ));
    }
    Ok(())
}

/// A database name Dify and the plugin daemon can use: any [`name`]
/// without the characters that break Dify's connection URL or the plugin
/// daemon's `key=value` connection string.
pub fn client_name(s: &str) -> Result<(), String> {
    name(s)?;
    if let Some(c) = s
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "/?#@%:='\"\\".contains(*c))
    {
        return Err(format!(
            "must not contain `{}` (Dify's connection URL and the plugin daemon's connection string cannot carry it)",
            c.escape_default()
        ));
    }
    Ok(())
}

/// Databases every cluster has: `template0` and `template1` are copied by
/// `CREATE DATABASE`, `postgres` belongs to the superuser.
pub const SYSTEM_DATABASES: &[&str] = &["postgres", "template0", "template1"];

/// A role name PostgreSQL lets `CREATE ROLE` use: no `pg_` prefix, not
/// `public` or `none`.
pub fn role_name(s: &str) -> Result<(), String> {
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("pg_") {
        return Err("must not start with `pg_` (reserved for built-in roles)".into());
    }
    if matches!(lower.as_str(), "public" | "none") {
        return Err(format!("must not be `{lower}` (a reserved role name)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let c = Catalogue::of(17).expect("17");
        assert!(plain_identifier("dify_plugin", c).is_ok());
        assert!(plain_identifier("", c).is_err());
        assert!(plain_identifier("Dify", c).is_err());
        assert!(plain_identifier("dify-plugin", c).is_err());
        assert!(plain_identifier("1dify", c).is_err());
        assert!(plain_identifier("user", c).is_err());
        assert!(plain_identifier(&"a".repeat(64), c).is_err());
        assert!(plain_identifier(&"a".repeat(63), c).is_ok());
        assert!(client_name("dify-prod").is_ok());
        assert!(client_name("dify/prod").is_err());
        assert!(client_name("a b").is_err());
        assert!(role_name("pg_monitor").is_err());
        assert!(role_name("PUBLIC").is_err());
        assert!(role_name("dify").is_ok());
    }
}
