//! Two objects with the same kind, namespace and name: the second silently
//! replaces the first when applied.

use super::{kind, name, namespace, Object};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::Mark;
use serde_json::Value;
use std::collections::HashMap;

pub(super) fn check(objects: &[Object], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(&str, &str, &str, &str), &Object> = HashMap::new();
    for object in objects {
        let json = object.json;
        let group = json
            .get("apiVersion")
            .and_then(Value::as_str)
            .map_or("", |v| v.rsplit_once('/').map_or("", |(g, _)| g));
        if name(json).is_empty() {
            continue;
        }
        let key = (group, kind(json), namespace(json), name(json));
        if let Some(first) = seen.get(&key) {
            let at = first.doc.span("/metadata", Mark::Key("name"));
            out.push(
                object
                    .doc
                    .diag(
                        codes::V_DUPLICATE_OBJECT,
                        format!("duplicate {} `{}`", kind(json), name(json)),
                        "/metadata",
                        Mark::Key("name"),
                    )
                    .help(format!(
                        "also defined in `{}` at line {}",
                        first.doc.file_name(),
                        at.line
                    )),
            );
        } else {
            seen.insert(key, object);
        }
    }
}
