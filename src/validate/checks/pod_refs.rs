//! References inside a pod spec (`ValidatePodSpec`): every volume mount
//! and volume device names a volume of the pod (or a StatefulSet's claim
//! template), volume and container names
//! are unique (init and regular containers share one namespace), a
//! container's port names and mount paths are unique within it.

use super::Pod;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;
use std::collections::HashMap;

fn names<'v>(list: Option<&'v Value>, field: &str) -> Vec<(usize, &'v str)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.get(field).and_then(Value::as_str).map(|n| (i, n)))
        .collect()
}

/// Reports the second and later uses of a name.
fn unique(doc: &Doc, items: &[(String, &str)], what: &str, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (pointer, name) in items {
        if seen.insert(name, pointer).is_some() {
            out.push(doc.diag(
                codes::V_BAD_REFERENCE,
                format!("duplicate {what} `{name}`"),
                pointer,
                Mark::Value,
            ));
        }
    }
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    let Some(spec) = &pod.spec else {
        return;
    };
    let volumes_pointer = format!("{spec}/volumes");
    let mut volumes = names(json.at(&volumes_pointer), "name");
    // A StatefulSet's claim templates are volumes of its pods too.
    let claims = json
        .at("/spec/volumeClaimTemplates")
        .and_then(Value::as_array);
    let claim_names: Vec<(usize, &str)> = claims
        .into_iter()
        .flatten()
        .filter_map(|c| c.at("/metadata/name").and_then(Value::as_str))
        .map(|n| (usize::MAX, n))
        .collect();
    let listed: Vec<(String, &str)> = volumes
        .iter()
        .map(|(i, n)| (format!("{volumes_pointer}/{i}/name"), *n))
        .collect();
    unique(doc, &listed, "volume name", out);
    volumes.extend(claim_names);
    let mut container_names = Vec::new();
    for (pointer, c) in &pod.containers {
        if let Some(name) = c.get("name").and_then(Value::as_str) {
            container_names.push((format!("{pointer}/name"), name));
        }
        for (list, field) in [
            ("volumeMounts", "mountPath"),
            ("volumeDevices", "devicePath"),
        ] {
            let items = names(c.get(list), "name");
            for (i, name) in &items {
                if !volumes.iter().any(|(_, v)| v == name) {
                    out.push(
                        doc.diag(
                            codes::V_BAD_REFERENCE,
                            format!(
                                "`{list}` names volume `{name}`, which the pod does not define"
                            ),
                            &format!("{pointer}/{list}/{i}/name"),
                            Mark::Value,
                        )
                        .help(
                            crate::diagnostic::suggest(name, volumes.iter().map(|(_, v)| *v))
                                .unwrap_or_else(|| "add it to the pod's `volumes`".into()),
                        ),
                    );
                }
            }
            let paths: Vec<(String, &str)> = names(c.get(list), field)
                .into_iter()
                .map(|(i, p)| (format!("{pointer}/{list}/{i}/{field}"), p))
                .collect();
            unique(doc, &paths, field, out);
        }
        let ports: Vec<(String, &str)> = names(c.get("ports"), "name")
            .into_iter()
            .map(|(i, n)| (format!("{pointer}/ports/{i}/name"), n))
            .collect();
        unique(doc, &ports, "port name", out);
    }
    unique(doc, &container_names, "container name", out);
}
