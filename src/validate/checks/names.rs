//! Names the API server validates by format: object names (DNS-1123
//! subdomains; DNS labels for Namespaces, DNS-1035 labels for Services),
//! container and volume names (DNS labels), port names (IANA service
//! names) and label values (label and annotation keys are
//! [`super::metadata`]'s). RBAC objects may use path-segment names
//! (`system:aggregate`). Also the lengths that are valid for the API server
//! but break the object's controller: a StatefulSet or CronJob named longer
//! than 52 characters, a Job longer than 63
//! (`crate::names::kubernetes::max_len`). The rules themselves are in
//! [`crate::names`], shared with the topology's checks.

use super::{kind, pod_template_pointer};
use crate::diagnostic::{codes, Diagnostic};
use crate::names::dns::label as dns_label;
use crate::names::kubernetes::{label_value, limit_reason, max_len, object_name, port_name};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let name = json.at("/metadata/name");
    match name.and_then(Value::as_str) {
        Some(name) => {
            let kind = kind(json);
            if let Err(why) = object_name(kind, name) {
                out.push(bad(
                    doc,
                    "/metadata/name",
                    format!("invalid name `{name}`: {why}"),
                ));
            } else if name.len() > max_len(kind) {
                out.push(bad(
                    doc,
                    "/metadata/name",
                    format!(
                        "{kind} name `{name}` is {} characters, more than {}: {}",
                        name.len(),
                        max_len(kind),
                        limit_reason(kind)
                    ),
                ));
            }
        }
        None if name.is_none() && json.at("/metadata/generateName").is_none() => {
            out.push(doc.diag(
                codes::V_MISSING_FIELD,
                "missing required field `metadata.name`",
                "/metadata",
                Mark::Entry,
            ))
        }
        None => {}
    }
    if let Some(labels) = json.at("/metadata/labels").and_then(Value::as_object) {
        labels_ok(doc, "/metadata/labels", labels, out);
    }
    let Some(template) = pod_template_pointer(json) else {
        return;
    };
    if let Some(labels) = json
        .at(&format!("{template}/metadata/labels"))
        .and_then(Value::as_object)
    {
        labels_ok(doc, &format!("{template}/metadata/labels"), labels, out);
    }
    let volumes = format!("{template}/spec/volumes");
    for (i, v) in json
        .at(&volumes)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(name) = v.get("name").and_then(Value::as_str) {
            if let Err(why) = dns_label(name) {
                out.push(bad(
                    doc,
                    &format!("{volumes}/{i}/name"),
                    format!("invalid volume name `{name}`: {why}"),
                ));
            }
        }
    }
    for list in ["containers", "initContainers"] {
        let pointer = format!("{template}/spec/{list}");
        let Some(containers) = json.at(&pointer).and_then(Value::as_array) else {
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
        let Some(value) = value.as_str() else {
            continue;
        };
        if let Err(why) = label_value(value) {
            let escaped = key.replace('~', "~0").replace('/', "~1");
            out.push(bad(
                doc,
                &format!("{pointer}/{escaped}"),
                format!("invalid label value `{value}`: {why}"),
            ));
        }
    }
}
