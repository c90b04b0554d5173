//! Port numbers the API server checks (`ValidatePortNumOrName`,
//! `validateContainerPorts`, `validateServicePort`): container, host,
//! Service and NetworkPolicy ports from 1 to 65535, node ports up to 65535,
//! and a port given by name must be a valid IANA service name. The
//! schemas only say "integer or string".

use super::{ingress_backends, items, kind, Pod};
use crate::diagnostic::{codes, Diagnostic};
use crate::names::kubernetes::port_name;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// A port number from `min` to 65535 at `value`; the pointer of a finding
/// is written only for one.
fn number(
    doc: &Doc,
    value: Option<&Value>,
    pointer: impl FnOnce() -> String,
    min: i64,
    out: &mut Vec<Diagnostic>,
) {
    let Some(n) = value.and_then(Value::as_i64) else {
        return;
    };
    if !(min..=65535).contains(&n) {
        out.push(doc.diag(
            codes::V_BAD_PORT,
            format!("port {n} is out of range: must be {min} to 65535"),
            &pointer(),
            Mark::Value,
        ));
    }
}

/// A port given by number or by name (`targetPort`, probe ports, Ingress
/// backends, NetworkPolicy ports).
fn number_or_name(
    doc: &Doc,
    value: Option<&Value>,
    pointer: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    match value {
        Some(Value::String(name)) => {
            if let Err(why) = port_name(name) {
                out.push(doc.diag(
                    codes::V_BAD_PORT,
                    format!("invalid port name `{name}`: {why}"),
                    &pointer(),
                    Mark::Value,
                ));
            }
        }
        Some(Value::Number(_)) => number(doc, value, pointer, 1, out),
        _ => {}
    }
}

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    for (pointer, container) in &pod.containers {
        for (i, port) in items(container.path(&["ports"])) {
            for field in ["containerPort", "hostPort"] {
                let at = || format!("{pointer}/ports/{i}/{field}");
                number(doc, port.path(&[field]), at, 1, out);
            }
        }
        for probe in PROBES {
            for handler in ["httpGet", "tcpSocket"] {
                let at = || format!("{pointer}/{probe}/{handler}/port");
                number_or_name(doc, container.path(&[probe, handler, "port"]), at, out);
            }
            let at = || format!("{pointer}/{probe}/grpc/port");
            number(doc, container.path(&[probe, "grpc", "port"]), at, 1, out);
        }
    }
    match kind(json) {
        "Service" => {
            for (i, port) in items(json.path(&["spec", "ports"])) {
                for field in ["port", "nodePort"] {
                    let at = || format!("/spec/ports/{i}/{field}");
                    number(doc, port.path(&[field]), at, 1, out);
                }
                let at = || format!("/spec/ports/{i}/targetPort");
                number_or_name(doc, port.path(&["targetPort"]), at, out);
            }
        }
        "NetworkPolicy" => {
            for direction in ["ingress", "egress"] {
                for (r, rule) in items(json.path(&["spec", direction])) {
                    for (i, port) in items(rule.path(&["ports"])) {
                        let p = || format!("/spec/{direction}/{r}/ports/{i}");
                        number_or_name(doc, port.path(&["port"]), || p() + "/port", out);
                        number(doc, port.path(&["endPort"]), || p() + "/endPort", 1, out);
                        end_port(doc, p, port, out);
                    }
                }
            }
        }
        "Ingress" => {
            for (at, backend) in ingress_backends(json) {
                let b = || at.pointer();
                let port = backend.and_then(|b| b.path(&["service", "port"]));
                let number_at = || b() + "/service/port/number";
                number(
                    doc,
                    port.and_then(|p| p.path(&["number"])),
                    number_at,
                    1,
                    out,
                );
                let name = port.and_then(|p| p.path(&["name"]));
                if name.is_some() {
                    number_or_name(doc, name, || b() + "/service/port/name", out);
                }
            }
        }
        _ => {}
    }
}

/// `endPort` needs a numeric `port` no greater than it.
fn end_port(doc: &Doc, pointer: impl FnOnce() -> String, port: &Value, out: &mut Vec<Diagnostic>) {
    let Some(end) = port.get("endPort").and_then(Value::as_i64) else {
        return;
    };
    let message = match port.get("port") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|p| p > end) => {
            format!("`endPort` {end} is below `port` {n}")
        }
        Some(Value::Number(_)) => return,
        _ => "`endPort` needs a numeric `port`".to_string(),
    };
    out.push(doc.diag(
        codes::V_BAD_PORT,
        message,
        &format!("{}/endPort", pointer()),
        Mark::Value,
    ));
}
