//! Choices the API server requires to be made exactly once: one source per
//! volume (`emptyDir`, `configMap`, `persistentVolumeClaim`, ...), one
//! handler per probe and lifecycle hook (`exec`, `httpGet`, `tcpSocket`,
//! `grpc`, `sleep`), one source per env `valueFrom`, not both `value` and
//! `valueFrom`, an Ingress backend port by `name` or by `number`, and a
//! backend that is a `service` or a `resource`. The schemas list every
//! alternative as optional.

use super::{kind, Pod};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

const VOLUME_SOURCES: &[&str] = &[
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "gitRepo",
    "glusterfs",
    "hostPath",
    "image",
    "iscsi",
    "nfs",
    "persistentVolumeClaim",
    "photonPersistentDisk",
    "portworxVolume",
    "projected",
    "quobyte",
    "rbd",
    "scaleIO",
    "secret",
    "storageos",
    "vsphereVolume",
];
const HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "grpc"];
const HOOK_HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "sleep"];
const ENV_SOURCES: &[&str] = &[
    "configMapKeyRef",
    "secretKeyRef",
    "fieldRef",
    "resourceFieldRef",
    "fileKeyRef",
];

/// Reports unless exactly one of `choices` is set in the object at `pointer`.
fn exactly_one(
    doc: &Doc,
    json: &Value,
    pointer: &str,
    what: &str,
    choices: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let Some(object) = json.at(pointer).and_then(Value::as_object) else {
        return;
    };
    let set: Vec<&str> = choices
        .iter()
        .copied()
        .filter(|c| object.contains_key(*c))
        .collect();
    let (message, mark) = match set.len() {
        1 => return,
        0 => (
            format!("{what} sets none of {}", list(choices)),
            Mark::Entry,
        ),
        _ => (
            format!("{what} sets {}: exactly one is allowed", list(&set)),
            Mark::Key(set[1]),
        ),
    };
    out.push(doc.diag(codes::V_ONE_OF, message, pointer, mark));
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(6).map(|n| format!("`{n}`")).collect();
    match names.len() > 6 {
        true => format!("{}, ...", quoted.join(", ")),
        false => quoted.join(", "),
    }
}

fn indices(json: &Value, pointer: &str) -> usize {
    json.at(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    if let Some(spec) = &pod.spec {
        for i in 0..indices(json, &format!("{spec}/volumes")) {
            let p = format!("{spec}/volumes/{i}");
            exactly_one(doc, json, &p, "the volume", VOLUME_SOURCES, out);
        }
    }
    for (pointer, _) in &pod.containers {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let p = format!("{pointer}/{probe}");
            exactly_one(doc, json, &p, &format!("`{probe}`"), HANDLERS, out);
        }
        for hook in ["postStart", "preStop"] {
            let p = format!("{pointer}/lifecycle/{hook}");
            exactly_one(doc, json, &p, &format!("`{hook}`"), HOOK_HANDLERS, out);
        }
        for i in 0..indices(json, &format!("{pointer}/env")) {
            let p = format!("{pointer}/env/{i}");
            if json.at(&format!("{p}/valueFrom")).is_some() {
                if json
                    .at(&format!("{p}/value"))
                    .is_some_and(|v| v.as_str() != Some(""))
                {
                    out.push(doc.diag(
                        codes::V_ONE_OF,
                        "env sets both `value` and `valueFrom`: exactly one is allowed",
                        &p,
                        Mark::Key("valueFrom"),
                    ));
                }
                exactly_one(
                    doc,
                    json,
                    &format!("{p}/valueFrom"),
                    "`valueFrom`",
                    ENV_SOURCES,
                    out,
                );
            }
        }
    }
    if kind(json) == "Ingress" {
        let mut backends = vec!["/spec/defaultBackend".to_string()];
        for r in 0..indices(json, "/spec/rules") {
            for i in 0..indices(json, &format!("/spec/rules/{r}/http/paths")) {
                backends.push(format!("/spec/rules/{r}/http/paths/{i}/backend"));
            }
        }
        for b in backends {
            exactly_one(doc, json, &b, "the backend", &["service", "resource"], out);
            exactly_one(
                doc,
                json,
                &format!("{b}/service/port"),
                "the backend port",
                &["name", "number"],
                out,
            );
        }
    }
}
