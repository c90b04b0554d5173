//! Facts about PostgreSQL that checks and renderers share: the parameter
//! catalogue of each major version dify-gen knows ([`catalogue`], generated
//! from real servers by `scripts/gen-pg-catalogue.sh`), how the server reads
//! a parameter's value ([`value`], PostgreSQL's own `guc.c` rules, and
//! [`hooks`], its checks beyond a parameter's range), and the
//! parameters Patroni manages itself ([`patroni`]).
//!
//! Nothing here reads the topology: callers pass names and values in.

pub mod catalogue;
pub mod hooks;
pub mod patroni;
pub mod value;

pub use catalogue::{Catalogue, Setting, VarType};

/// A parameter's value from the topology (a YAML string, number or
/// boolean) as dify-gen writes it into `patroni.yml`: strings as they are,
/// booleans as `on`/`off`, numbers in their shortest decimal form. `None`
/// for anything else (the topology's schema admits only these three).
pub fn parameter_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(if *b { "on" } else { "off" }.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
