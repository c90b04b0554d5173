//! Label and annotation keys must be qualified names (an optional DNS
//! subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` and
//! `.`, starting and ending with a letter or digit), and an object's
//! annotations must stay under 256 KiB together (`ValidateAnnotations`,
//! `ValidateLabels` in apimachinery). Label values are checked by
//! [`super::names`].

use super::names::dns_subdomain;
use super::pod_template_pointer;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// The API server's limit on the total size of an object's annotations.
pub const ANNOTATIONS_LIMIT: usize = 256 * 1024;

/// `IsQualifiedName`: why `key` is not a valid label or annotation key.
pub fn qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Err("the prefix before `/` is empty".into());
        }
        dns_subdomain(prefix).map_err(|why| format!("prefix `{prefix}` {why}"))?;
    }
    if name.contains('/') {
        return Err("must contain at most one `/`".into());
    }
    if name.is_empty() || name.len() > 63 {
        return Err("the name part must be 1 to 63 characters".into());
    }
    let an = |c: char| c.is_ascii_alphanumeric();
    if !name.chars().all(|c| an(c) || matches!(c, '-' | '_' | '.')) {
        return Err("the name part must contain only letters, digits, `-`, `_` and `.`".into());
    }
    if !name.starts_with(an) || !name.ends_with(an) {
        return Err("the name part must start and end with a letter or digit".into());
    }
    Ok(())
}

fn keys(doc: &Doc, json: &Value, pointer: &str, what: &str, out: &mut Vec<Diagnostic>) {
    let Some(map) = json.pointer(pointer).and_then(Value::as_object) else {
        return;
    };
    for key in map.keys() {
        let checked = match what {
            "annotation" => qualified_name(&key.to_ascii_lowercase()),
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

#[cfg(test)]
mod tests {
    use super::qualified_name;

    #[test]
    fn qualified_names() {
        for ok in ["app", "app.kubernetes.io/name", "a_b.c-d", "example.com/X"] {
            assert!(qualified_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-app",
            "app-",
            "a/b/c",
            "/app",
            "Example.com/app",
            "a b",
            &"x".repeat(64),
        ] {
            assert!(qualified_name(bad).is_err(), "{bad}");
        }
    }
}
