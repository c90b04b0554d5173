//! A container's request may not exceed its limit for the same resource
//! (`ValidateResourceRequirements`: "must be less than or equal to ...
//! limit"): the API server refuses the pod, and with it the workload's
//! every replica.

use super::Pod;
use crate::diagnostic::{codes, Diagnostic};
use crate::schema::quantity;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn check(doc: &Doc, pod: &Pod, out: &mut Vec<Diagnostic>) {
    for (pointer, c) in &pod.containers {
        let (Some(requests), Some(limits)) = (
            c.at("/resources/requests").and_then(Value::as_object),
            c.at("/resources/limits").and_then(Value::as_object),
        ) else {
            continue;
        };
        for (name, request) in requests {
            let (Some(r), Some(l)) = (text(request), limits.get(name).and_then(text)) else {
                continue;
            };
            let (Some(rv), Some(lv)) = (quantity::value(&r), quantity::value(&l)) else {
                continue;
            };
            if rv > lv {
                out.push(
                    doc.diag(
                        codes::V_REQUEST_ABOVE_LIMIT,
                        format!("`{name}` request `{r}` is above its limit `{l}`"),
                        &format!(
                            "{pointer}/resources/requests/{}",
                            name.replace('~', "~0").replace('/', "~1")
                        ),
                        Mark::Value,
                    )
                    .help("raise the limit or lower the request"),
                );
            }
        }
    }
}
