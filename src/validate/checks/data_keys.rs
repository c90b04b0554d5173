//! ConfigMap and Secret keys must be valid file names (`[-._a-zA-Z0-9]+`,
//! at most 253 characters, not `.` or `..`: each key may become a file of a
//! volume), and a ConfigMap key may not appear in both `data` and
//! `binaryData` (`ValidateConfigMap`, `ValidateSecret`).

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::kubernetes::data_key as config_map_key;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let sections: &[&str] = match kind(json) {
        "ConfigMap" => &["data", "binaryData"],
        "Secret" => &["data", "stringData"],
        _ => return,
    };
    for section in sections {
        let pointer = format!("/{section}");
        let Some(map) = json.at(&pointer).and_then(Value::as_object) else {
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
