//! Ingress rules the API server checks (`ValidateIngress`): a `Prefix` or
//! `Exact` path is absolute and free of `//`, `/./`, `/../` and encoded
//! slashes; a host is a lowercase DNS name, optionally with a single
//! leading `*.` wildcard, and not an IP address; TLS hosts likewise.

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::dns::subdomain as dns_subdomain;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// Why `host` is not a valid Ingress host, if it is not.
pub fn host(host: &str) -> Result<(), String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Err("must be a DNS name, not an IP address".into());
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    if name.contains('*') {
        return Err("a wildcard is allowed only as the first label (`*.example.com`)".into());
    }
    dns_subdomain(name)
}

fn path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must be an absolute path (start with `/`)".into());
    }
    for bad in ["//", "/./", "/../", "%2f", "%2F"] {
        if path.contains(bad) {
            return Err(format!("must not contain `{bad}`"));
        }
    }
    if path.ends_with("/..") || path.ends_with("/.") {
        return Err("must not end with `/.` or `/..`".into());
    }
    Ok(())
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    if kind(json) != "Ingress" {
        return;
    }
    let mut bad = |pointer: String, message: String| {
        out.push(doc.diag(codes::V_INGRESS, message, &pointer, Mark::Value));
    };
    let rules = json.at("/spec/rules").and_then(Value::as_array);
    for (r, rule) in rules.into_iter().flatten().enumerate() {
        if let Some(h) = rule.get("host").and_then(Value::as_str) {
            if let Err(why) = host(h) {
                bad(
                    format!("/spec/rules/{r}/host"),
                    format!("invalid host `{h}`: {why}"),
                );
            }
        }
        let paths = rule.at("/http/paths").and_then(Value::as_array);
        for (i, p) in paths.into_iter().flatten().enumerate() {
            let exact_or_prefix = matches!(
                p.get("pathType").and_then(Value::as_str),
                Some("Exact" | "Prefix")
            );
            if let (true, Some(text)) = (exact_or_prefix, p.get("path").and_then(Value::as_str)) {
                if let Err(why) = path(text) {
                    bad(
                        format!("/spec/rules/{r}/http/paths/{i}/path"),
                        format!("invalid path `{text}`: {why}"),
                    );
                }
            }
        }
    }
    let tls = json.at("/spec/tls").and_then(Value::as_array);
    for (t, entry) in tls.into_iter().flatten().enumerate() {
        let hosts = entry.get("hosts").and_then(Value::as_array);
        for (i, h) in hosts.into_iter().flatten().enumerate() {
            if let Some(h) = h.as_str() {
                if let Err(why) = host(h) {
                    bad(
                        format!("/spec/tls/{t}/hosts/{i}"),
                        format!("invalid TLS host `{h}`: {why}"),
                    );
                }
            }
        }
    }
}
