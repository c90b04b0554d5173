//! Names the API server validates by format: object names (DNS-1123
//! subdomains; DNS labels for Namespaces, DNS-1035 labels for Services),
//! container names (DNS labels), port names (IANA service names) and label
//! values. RBAC objects may use path-segment names (`system:aggregate`).

use super::{kind, pod_template_pointer};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let name = json.pointer("/metadata/name");
    match name.and_then(Value::as_str) {
        Some(name) => {
            if let Err(why) = object_name(kind(json), name) {
                out.push(bad(
                    doc,
                    "/metadata/name",
                    format!("invalid name `{name}`: {why}"),
                ));
            }
        }
        None if name.is_none() && json.pointer("/metadata/generateName").is_none() => {
            out.push(doc.diag(
                codes::V_MISSING_FIELD,
                "missing required field `metadata.name`",
                "/metadata",
                Mark::Entry,
            ))
        }
        None => {}
    }
    if let Some(labels) = json.pointer("/metadata/labels").and_then(Value::as_object) {
        labels_ok(doc, "/metadata/labels", labels, out);
    }
    let Some(template) = pod_template_pointer(json) else {
        return;
    };
    if let Some(labels) = json
        .pointer(&format!("{template}/metadata/labels"))
        .and_then(Value::as_object)
    {
        labels_ok(doc, &format!("{template}/metadata/labels"), labels, out);
    }
    for list in ["containers", "initContainers"] {
        let pointer = format!("{template}/spec/{list}");
        let Some(containers) = json.pointer(&pointer).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            if let Some(name) = c.get("name").and_then(Value::as_str) {
                if let Err(why) = dns_label(name) {
                    out.push(bad(
                        doc,
                        &format!("{pointer}/{i}/name"),
                        format!("invalid container name `{name}`: {why}"),
                    ));
                }
            }
            let Some(ports) = c.get("ports").and_then(Value::as_array) else {
                continue;
            };
            for (j, p) in ports.iter().enumerate() {
                if let Some(name) = p.get("name").and_then(Value::as_str) {
                    if let Err(why) = port_name(name) {
                        out.push(bad(
                            doc,
                            &format!("{pointer}/{i}/ports/{j}/name"),
                            format!("invalid port name `{name}`: {why}"),
                        ));
                    }
                }
            }
        }
    }
}

fn bad(doc: &Doc, pointer: &str, message: String) -> Diagnostic {
    doc.diag(codes::V_BAD_NAME, message, pointer, Mark::Value)
}

fn labels_ok(
    doc: &Doc,
    pointer: &str,
    labels: &serde_json::Map<String, Value>,
    out: &mut Vec<Diagnostic>,
) {
    for (key, value) in labels {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        let Some(value) = value.as_str() else {
            continue;
        };
        if let Err(why) = label_value(value) {
            out.push(bad(
                doc,
                &format!("{pointer}/{escaped}"),
                format!("invalid label value `{value}`: {why}"),
            ));
        }
    }
}

/// Validates an object name for its kind.
pub fn object_name(kind: &str, name: &str) -> Result<(), String> {
    match kind {
        "Namespace" => dns_label(name),
        "Service" => dns_1035_label(name),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '%']) {
                Err("must be a path segment (no `/` or `%`, not `.` or `..`)".into())
            } else {
                Ok(())
            }
        }
        _ => dns_subdomain(name),
    }
}

fn alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: at most 63 characters, lowercase letters, digits and
/// `-`, starting and ending with a letter or digit.
pub fn dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err("must be 1 to 63 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-') {
        return Err("must contain only lowercase letters, digits and `-`".into());
    }
    if !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Err("must start and end with a lowercase letter or digit".into());
    }
    Ok(())
}

/// RFC 1035 label: an RFC 1123 label that starts with a letter.
pub fn dns_1035_label(s: &str) -> Result<(), String> {
    dns_label(s)?;
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a lowercase letter".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-' || c == '.') {
        return Err("must contain only lowercase letters, digits, `-` and `.`".into());
    }
    if s.split('.')
        .any(|l| l.is_empty() || !l.starts_with(alnum) || !l.ends_with(alnum))
    {
        return Err(
            "each `.`-separated part must start and end with a lowercase letter or digit".into(),
        );
    }
    Ok(())
}

/// IANA service name: at most 15 characters, lowercase letters, digits and
/// `-`, at least one letter, no leading, trailing or double `-`.
pub fn port_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 15 {
        return Err("must be 1 to 15 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-') {
        return Err("must contain only lowercase letters, digits and `-`".into());
    }
    if !s.chars().any(|c| c.is_ascii_lowercase()) {
        return Err("must contain at least one letter".into());
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err("must not start or end with `-` or contain `--`".into());
    }
    Ok(())
}

/// Label value: empty, or at most 63 characters of letters, digits, `-`,
/// `_` and `.`, starting and ending with a letter or digit.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if s.len() > 63 {
        return Err("must be at most 63 characters".into());
    }
    let an = |c: char| c.is_ascii_alphanumeric();
    if !s.chars().all(|c| an(c) || matches!(c, '-' | '_' | '.')) {
        return Err("must contain only letters, digits, `-`, `_` and `.`".into());
    }
    if !s.starts_with(an) || !s.ends_with(an) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(dns_label("dify-api").is_ok());
        assert!(dns_label("Dify").is_err());
        assert!(dns_label(&"a".repeat(64)).is_err());
        assert!(dns_1035_label("1api").is_err());
        assert!(dns_subdomain("dify.api-1").is_ok());
        assert!(dns_subdomain("dify..api").is_err());
        assert!(port_name("http").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("http-metrics-port").is_err());
        assert!(label_value("v1.2_3").is_ok());
        assert!(label_value("-x").is_err());
        assert!(object_name("ClusterRole", "system:aggregate-to-view").is_ok());
    }
}
