//! Label and annotation keys must be qualified names (an optional DNS
//! subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` and
//! `.`, starting and ending with a letter or digit), and an object's
//! annotations must stay under 256 KiB together (`ValidateAnnotations`,
//! `ValidateLabels` in apimachinery; the rule is
//! [`crate::names::kubernetes::label_key`]). Label values are checked by
//! [`super::names`].

use super::pod_template_pointer;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::kubernetes::label_key as qualified_name;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// The API server's limit on the total size of an object's annotations.
pub const ANNOTATIONS_LIMIT: usize = 256 * 1024;

fn keys(doc: &Doc, json: &Value, pointer: &str, what: &str, out: &mut Vec<Diagnostic>) {
    let Some(map) = json.at(pointer).and_then(Value::as_object) else {
        return;
    };
    for key in map.keys() {
        let checked = match what {
            "annotation" if key.bytes().any(|b| b.is_ascii_uppercase()) => {
                qualified_name(&key.to_ascii_lowercase())
            }
            _ => qualified_name(key),
        };
        if let Err(why) = checked {
            out.push(doc.diag(
                codes::V_BAD_METADATA,
                format!("invalid {what} key `{key}`: {why}"),
                pointer,
                Mark::Key(key),
            ));
        }
    }
    if what == "annotation" {
        let size: usize = map
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        if size > ANNOTATIONS_LIMIT {
            out.push(
                doc.diag(
                    codes::V_BAD_METADATA,
                    format!("annotations are {size} bytes, over the 256 KiB ({ANNOTATIONS_LIMIT} bytes) limit"),
                    pointer,
                    Mark::Entry,
                )
                .help("move large values into a ConfigMap"),
            );
        }
    }
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    keys(doc, json, "/metadata/labels", "label", out);
    keys(doc, json, "/metadata/annotations", "annotation", out);
    if let Some(template) = pod_template_pointer(json).filter(|t| !t.is_empty()) {
        keys(
            doc,
            json,
            &format!("{template}/metadata/labels"),
            "label",
            out,
        );
        keys(
            doc,
            json,
            &format!("{template}/metadata/annotations"),
            "annotation",
            out,
        );
    }
}
