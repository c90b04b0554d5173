//! Storage the API server checks (`ValidatePersistentVolumeClaimSpec`,
//! `ValidateStorageClass`): a claim (also a StatefulSet's
//! `volumeClaimTemplates`) lists at least one access mode and requests a
//! positive `storage`, and nothing but `storage`; a StorageClass's `reclaimPolicy` is `Delete` or
//! `Retain` and its `volumeBindingMode` `Immediate` or
//! `WaitForFirstConsumer`.

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::schema::quantity;
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

fn claim(doc: &Doc, json: &Value, spec: &str, out: &mut Vec<Diagnostic>) {
    let Some(s) = json.at(spec) else {
        return;
    };
    if s.get("accessModes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        out.push(
            doc.diag(
                codes::V_STORAGE,
                "the claim lists no `accessModes`",
                spec,
                Mark::Entry,
            )
            .help("add e.g. `accessModes: [ReadWriteOnce]`"),
        );
    }
    for section in ["requests", "limits"] {
        let at = format!("{spec}/resources/{section}");
        let keys = json.at(&at).and_then(Value::as_object);
        for key in keys
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| *k != "storage")
        {
            out.push(
                doc.diag(
                    codes::V_STORAGE,
                    format!("a claim cannot request `{key}`"),
                    &at,
                    Mark::Key(key),
                )
                .help("a claim requests only `storage`"),
            );
        }
    }
    let storage = s.at("/resources/requests/storage");
    let size = storage.and_then(|v| match v {
        Value::String(t) => quantity::value(t),
        Value::Number(n) => n.as_f64(),
        _ => None,
    });
    match (storage, size) {
        (None, _) => out.push(
            doc.diag(
                codes::V_STORAGE,
                "the claim requests no `storage`",
                spec,
                Mark::Entry,
            )
            .help("set `resources.requests.storage`, e.g. `10Gi`"),
        ),
        (Some(_), Some(n)) if n <= 0.0 => out.push(doc.diag(
            codes::V_STORAGE,
            "the claim must request more than 0 `storage`",
            &format!("{spec}/resources/requests/storage"),
            Mark::Value,
        )),
        _ => {}
    }
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    match kind(json) {
        "PersistentVolumeClaim" => claim(doc, json, "/spec", out),
        "StatefulSet" => {
            let n = json
                .at("/spec/volumeClaimTemplates")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for i in 0..n {
                claim(
                    doc,
                    json,
                    &format!("/spec/volumeClaimTemplates/{i}/spec"),
                    out,
                );
            }
        }
        "StorageClass" => {
            for (field, allowed) in [
                ("reclaimPolicy", &["Delete", "Retain"][..]),
                (
                    "volumeBindingMode",
                    &["Immediate", "WaitForFirstConsumer"][..],
                ),
            ] {
                let pointer = format!("/{field}");
                if let Some(v) = json.at(&pointer).and_then(Value::as_str) {
                    if !allowed.contains(&v) {
                        out.push(doc.diag(
                            codes::V_STORAGE,
                            format!(
                                    "`{v}` is not one of {}",
                                    allowed
                                        .iter()
                                        .map(|a| format!("`{a}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            &pointer,
                            Mark::Value,
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}
