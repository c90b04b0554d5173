//! ConfigMap and Secret keys must be valid file names (`[-._a-zA-Z0-9]+`,
//! at most 253 characters, not `.` or `..`: each key may become a file of a
//! volume), and a ConfigMap key may not appear in both `data` and
//! `binaryData` (`ValidateConfigMap`, `ValidateSecret`).

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// `IsConfigMapKey`: why `key` is not a valid ConfigMap or Secret key.
pub fn config_map_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if key == "." || key == ".." {
        return Err("must not be `.` or `..`".into());
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("must contain only letters, digits, `-`, `_` and `.`".into());
    }
    Ok(())
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let sections: &[&str] = match kind(json) {
        "ConfigMap" => &["data", "binaryData"],
        "Secret" => &["data", "stringData"],
        _ => return,
    };
    for section in sections {
        let pointer = format!("/{section}");
        let Some(map) = json.pointer(&pointer).and_then(Value::as_object) else {
            continue;
        };
        for key in map.keys() {
            if let Err(why) = config_map_key(key) {
                out.push(doc.diag(
                    codes::V_BAD_DATA_KEY,
                    format!("invalid key `{key}`: {why}"),
                    &pointer,
                    Mark::Key(key),
                ));
            }
        }
    }
    if kind(json) == "ConfigMap" {
        let (Some(data), Some(binary)) = (
            json.get("data").and_then(Value::as_object),
            json.get("binaryData").and_then(Value::as_object),
        ) else {
            return;
        };
        for key in binary.keys().filter(|k| data.contains_key(*k)) {
            out.push(doc.diag(
                codes::V_BAD_DATA_KEY,
                format!("key `{key}` is in both `data` and `binaryData`"),
                "/binaryData",
                Mark::Key(key),
            ));
        }
    }
}
