//! A Service's spec must be consistent (`ValidateService`): with several
//! ports every port has a unique name, no two ports share a port number
//! and protocol, an `ExternalName` Service names its `externalName`, node
//! ports only on `NodePort` and `LoadBalancer` Services, a headless
//! (`clusterIP: None`) Service is of type `ClusterIP`, and a `ClientIP`
//! affinity timeout is 1 to 86400 seconds.

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    if kind(json) != "Service" {
        return;
    }
    let spec = json.get("spec").unwrap_or(&Value::Null);
    let service_type = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    let mut bad = |pointer: &str, mark: Mark, message: String| {
        out.push(doc.diag(codes::V_SERVICE, message, pointer, mark));
    };
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut names = Vec::new();
    let mut numbers = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let at = format!("/spec/ports/{i}");
        match p.get("name").and_then(Value::as_str) {
            None | Some("") if ports.len() > 1 => bad(
                &at,
                Mark::Entry,
                "a Service with several ports must name every port".into(),
            ),
            Some(name) if !name.is_empty() => {
                if names.contains(&name) {
                    bad(
                        &format!("{at}/name"),
                        Mark::Value,
                        format!("duplicate port name `{name}`"),
                    );
                }
                names.push(name);
            }
            _ => {}
        }
        let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        if let Some(port) = p.get("port").and_then(Value::as_i64) {
            if numbers.contains(&(port, protocol)) {
                bad(
                    &format!("{at}/port"),
                    Mark::Value,
                    format!("duplicate port {port}/{protocol}"),
                );
            }
            numbers.push((port, protocol));
        }
        if p.get("nodePort").is_some() && !matches!(service_type, "NodePort" | "LoadBalancer") {
            bad(
                &at,
                Mark::Key("nodePort"),
                format!("`nodePort` is not allowed on a `{service_type}` Service"),
            );
        }
    }
    if service_type == "ExternalName"
        && spec
            .get("externalName")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        bad(
            "/spec",
            Mark::Key("type"),
            "an `ExternalName` Service needs `externalName`".into(),
        );
    }
    if spec.get("clusterIP").and_then(Value::as_str) == Some("None") && service_type != "ClusterIP"
    {
        bad(
            "/spec",
            Mark::Key("clusterIP"),
            format!("a headless Service (`clusterIP: None`) must be of type `ClusterIP`, not `{service_type}`"),
        );
    }
    let timeout = "/spec/sessionAffinityConfig/clientIP/timeoutSeconds";
    if let Some(t) = json.at(timeout).and_then(Value::as_i64) {
        if !(1..=86400).contains(&t) {
            bad(
                timeout,
                Mark::Value,
                format!("`timeoutSeconds` is {t}: must be 1 to 86400"),
            );
        }
    }
}
