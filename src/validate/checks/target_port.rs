//! A Service `targetPort` given by name must name a container port of the
//! pods the Service selects; otherwise the Service has no endpoints for that
//! port and traffic is silently dropped. Checked when the selected
//! workloads are part of the input.

use super::{kind, map_selector_matches, namespace, pod_template_pointer, Object, PodOwners};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::Mark;
use serde_json::Value;

pub(super) fn check(objects: &[Object], pods: &PodOwners, out: &mut Vec<Diagnostic>) {
    for service in objects.iter().filter(|o| kind(o.json) == "Service") {
        let json = service.json;
        let Some(selector) = json.at("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        let selected: Vec<&Value> = pods
            .in_namespace(namespace(json))
            .iter()
            .filter(|o| map_selector_matches(selector, o.labels))
            .map(|o| o.json)
            .collect();
        if selected.is_empty() {
            continue;
        }
        let names: Vec<&str> = selected.iter().flat_map(|o| port_names(o)).collect();
        let Some(ports) = json.at("/spec/ports").and_then(Value::as_array) else {
            continue;
        };
        for (i, port) in ports.iter().enumerate() {
            let Some(target) = port.get("targetPort").and_then(Value::as_str) else {
                continue;
            };
            if !names.contains(&target) {
                let mut d = service.doc.diag(
                    codes::V_TARGET_PORT,
                    format!("`targetPort` `{target}` is not a container port of the selected pods"),
                    &format!("/spec/ports/{i}/targetPort"),
                    Mark::Value,
                );
                let mut known = names.clone();
                known.sort_unstable();
                known.dedup();
                d.help = crate::diagnostic::suggest(target, known.iter().copied()).or_else(|| {
                    Some(if known.is_empty() {
                        "the selected pods declare no named ports".to_string()
                    } else {
                        format!("named ports: {}", known.join(", "))
                    })
                });
                out.push(d);
            }
        }
    }
}

fn port_names(json: &Value) -> Vec<&str> {
    let Some(template) = pod_template_pointer(json) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for list in ["containers", "initContainers"] {
        let Some(containers) = json
            .at(&format!("{template}/spec/{list}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for c in containers {
            for p in c
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = p.get("name").and_then(Value::as_str) {
                    names.push(name);
                }
            }
        }
    }
    names
}
