//! Port numbers the API server checks (`ValidatePortNumOrName`,
//! `validateContainerPorts`, `validateServicePort`): container, host,
//! Service and NetworkPolicy ports from 1 to 65535, node ports up to 65535,
//! and a port given by name must be a valid IANA service name. The
//! schemas only say "integer or string".

use super::{kind, Pod};
use crate::diagnostic::{codes, Diagnostic};
use crate::names::kubernetes::port_name;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

fn number(doc: &Doc, json: &Value, pointer: &str, min: i64, out: &mut Vec<Diagnostic>) {
    let Some(n) = json.at(pointer).and_then(Value::as_i64) else {
        return;
    };
    if !(min..=65535).contains(&n) {
        out.push(doc.diag(
            codes::V_BAD_PORT,
            format!("port {n} is out of range: must be {min} to 65535"),
            pointer,
            Mark::Value,
        ));
    }
}

/// A port given by number or by name (`targetPort`, probe ports, Ingress
/// backends, NetworkPolicy ports).
fn number_or_name(doc: &Doc, json: &Value, pointer: &str, out: &mut Vec<Diagnostic>) {
    match json.at(pointer) {
        Some(Value::String(name)) => {
            if let Err(why) = port_name(name) {
                out.push(doc.diag(
                    codes::V_BAD_PORT,
                    format!("invalid port name `{name}`: {why}"),
                    pointer,
                    Mark::Value,
                ));
            }
        }
        Some(Value::Number(_)) => number(doc, json, pointer, 1, out),
        _ => {}
    }
}

fn each<'v>(json: &'v Value, pointer: &str) -> impl Iterator<Item = (String, &'v Value)> + 'v {
    let base = pointer.to_string();
    json.at(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(move |(i, v)| (format!("{base}/{i}"), v))
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    for (pointer, _) in &pod.containers {
        for (p, _) in each(json, &format!("{pointer}/ports")) {
            number(doc, json, &format!("{p}/containerPort"), 1, out);
            number(doc, json, &format!("{p}/hostPort"), 1, out);
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            for handler in ["httpGet", "tcpSocket"] {
                number_or_name(doc, json, &format!("{pointer}/{probe}/{handler}/port"), out);
            }
            number(doc, json, &format!("{pointer}/{probe}/grpc/port"), 1, out);
        }
    }
    match kind(json) {
        "Service" => {
            for (p, _) in each(json, "/spec/ports") {
                number(doc, json, &format!("{p}/port"), 1, out);
                number(doc, json, &format!("{p}/nodePort"), 1, out);
                number_or_name(doc, json, &format!("{p}/targetPort"), out);
            }
        }
        "NetworkPolicy" => {
            for direction in ["ingress", "egress"] {
                for (rule, _) in each(json, &format!("/spec/{direction}")) {
                    for (p, port) in each(json, &format!("{rule}/ports")) {
                        number_or_name(doc, json, &format!("{p}/port"), out);
                        number(doc, json, &format!("{p}/endPort"), 1, out);
                        end_port(doc, &p, port, out);
                    }
                }
            }
        }
        "Ingress" => {
            let mut backends = vec!["/spec/defaultBackend".to_string()];
            for (rule, _) in each(json, "/spec/rules") {
                backends.extend(
                    each(json, &format!("{rule}/http/paths")).map(|(p, _)| format!("{p}/backend")),
                );
            }
            for b in backends {
                number(doc, json, &format!("{b}/service/port/number"), 1, out);
                let name = format!("{b}/service/port/name");
                if json.at(&name).is_some() {
                    number_or_name(doc, json, &name, out);
                }
            }
        }
        _ => {}
    }
}

/// `endPort` needs a numeric `port` no greater than it.
fn end_port(doc: &Doc, pointer: &str, port: &Value, out: &mut Vec<Diagnostic>) {
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
        &format!("{pointer}/endPort"),
        Mark::Value,
    ));
}
