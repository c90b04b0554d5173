//! Resource names in container `requests` and `limits` must be standard
//! (`cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>`) or fully
//! qualified (`nvidia.com/gpu`); the API server rejects anything else, so
//! `memroy: 1Gi` fails at apply time instead of silently meaning nothing.

use super::pod_template_pointer;
use crate::diagnostic::{codes, suggest, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

const STANDARD: &[&str] = &["cpu", "memory", "ephemeral-storage", "storage"];

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let Some(template) = pod_template_pointer(json) else {
        return;
    };
    for list in ["containers", "initContainers"] {
        let pointer = format!("{template}/spec/{list}");
        let Some(containers) = json.at(&pointer).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            for section in ["requests", "limits"] {
                let Some(map) = c
                    .at(&format!("/resources/{section}"))
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                for name in map.keys() {
                    if STANDARD.contains(&name.as_str())
                        || name.starts_with("hugepages-")
                        || name.contains('/')
                    {
                        continue;
                    }
                    let d = doc
                        .diag(
                            codes::V_BAD_NAME,
                            format!("unknown resource `{name}`"),
                            &format!("{pointer}/{i}/resources/{section}"),
                            Mark::Key(name),
                        )
                        .help(suggest(name, STANDARD.iter().copied()).unwrap_or_else(|| {
                            "use `cpu`, `memory`, `ephemeral-storage` or a fully qualified extended resource (`example.com/gpu`)".into()
                        }));
                    out.push(d);
                }
            }
        }
    }
}
