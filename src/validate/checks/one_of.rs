//! Choices the API server requires to be made exactly once: one source per
//! volume (`emptyDir`, `configMap`, `persistentVolumeClaim`, ...), one
//! handler per probe and lifecycle hook (`exec`, `httpGet`, `tcpSocket`,
//! `grpc`, `sleep`), one source per env `valueFrom`, not both `value` and
//! `valueFrom`, an Ingress backend port by `name` or by `number`, and a
//! backend that is a `service` or a `resource`. The schemas list every
//! alternative as optional.

use super::{ingress_backends, items, kind, Pod};
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

/// Reports unless exactly one of `choices` is set in the object at `value`
/// (`what` names it); the pointer is written only for a finding.
fn exactly_one(
    doc: &Doc,
    value: Option<&Value>,
    pointer: impl FnOnce() -> String,
    what: impl FnOnce() -> String,
    choices: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let Some(object) = value.and_then(Value::as_object) else {
        return;
    };
    let is_set = |c: &&str| object.contains_key(*c);
    if choices.iter().filter(|c| is_set(c)).take(2).count() == 1 {
        return;
    }
    let set: Vec<&str> = choices.iter().copied().filter(is_set).collect();
    let (message, mark) = match set.len() {
        0 => (
            format!("{} sets none of {}", what(), list(choices)),
            Mark::Entry,
        ),
        _ => (
            format!("{} sets {}: exactly one is allowed", what(), list(&set)),
            Mark::Key(set[1]),
        ),
    };
    out.push(doc.diag(codes::V_ONE_OF, message, &pointer(), mark));
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(6).map(|n| format!("`{n}`")).collect();
    match names.len() > 6 {
        true => format!("{}, ...", quoted.join(", ")),
        false => quoted.join(", "),
    }
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    if let Some(spec) = &pod.spec {
        for (i, volume) in items(json.at(spec).and_then(|s| s.path(&["volumes"]))) {
            let p = || format!("{spec}/volumes/{i}");
            let what = || "the volume".to_string();
            exactly_one(doc, Some(volume), p, what, VOLUME_SOURCES, out);
        }
    }
    for (pointer, container) in &pod.containers {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let p = || format!("{pointer}/{probe}");
            let what = || format!("`{probe}`");
            exactly_one(doc, container.path(&[probe]), p, what, HANDLERS, out);
        }
        for hook in ["postStart", "preStop"] {
            let p = || format!("{pointer}/lifecycle/{hook}");
            let what = || format!("`{hook}`");
            let value = container.path(&["lifecycle", hook]);
            exactly_one(doc, value, p, what, HOOK_HANDLERS, out);
        }
        for (i, env) in items(container.path(&["env"])) {
            let p = || format!("{pointer}/env/{i}");
            let Some(value_from) = env.path(&["valueFrom"]) else {
                continue;
            };
            if env.path(&["value"]).is_some_and(|v| v.as_str() != Some("")) {
                out.push(doc.diag(
                    codes::V_ONE_OF,
                    "env sets both `value` and `valueFrom`: exactly one is allowed",
                    &p(),
                    Mark::Key("valueFrom"),
                ));
            }
            let what = || "`valueFrom`".to_string();
            let at = || p() + "/valueFrom";
            exactly_one(doc, Some(value_from), at, what, ENV_SOURCES, out);
        }
    }
    if kind(json) == "Ingress" {
        for (at, backend) in ingress_backends(json) {
            let b = || at.pointer();
            let what = || "the backend".to_string();
            exactly_one(doc, backend, b, what, &["service", "resource"], out);
            let port = backend.and_then(|b| b.path(&["service", "port"]));
            let what = || "the backend port".to_string();
            let at = || b() + "/service/port";
            exactly_one(doc, port, at, what, &["name", "number"], out);
        }
    }
}
