//! Counts and durations the API server requires to be in range
//! (`ValidateNonnegativeField` and friends in `pkg/apis/*/validation`):
//! replicas, history limits, deadlines and grace periods at least 0, probe
//! periods, timeouts and thresholds at least 1 (and a success threshold of
//! exactly 1 for liveness and startup probes), Job `parallelism`,
//! `completions` and `backoffLimit` at least 0 and `activeDeadlineSeconds`
//! above 0, HPA `minReplicas` at least 1 and not above `maxReplicas`. The
//! schemas only say "integer".

use super::{kind, Pod};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// `field` (the value at `value`) at least `min`; the pointer is written
/// only for a finding.
fn at_least(
    doc: &Doc,
    value: Option<&Value>,
    field: &str,
    pointer: impl FnOnce() -> String,
    min: i64,
    out: &mut Vec<Diagnostic>,
) {
    let Some(n) = value.and_then(Value::as_i64) else {
        return;
    };
    if n < min {
        let what = match min {
            0 => "must be 0 or more".to_string(),
            1 => "must be 1 or more".to_string(),
            m => format!("must be at least {m}"),
        };
        out.push(doc.diag(
            codes::V_OUT_OF_RANGE,
            format!("`{field}` is {n}: {what}"),
            &pointer(),
            Mark::Value,
        ));
    }
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    let spec = json.path(&["spec"]);
    // `field` of the object's spec.
    let mut min = |fields: &[&str], m: i64| {
        for f in fields {
            let value = spec.and_then(|s| s.path(&[f]));
            at_least(doc, value, f, || format!("/spec/{f}"), m, out);
        }
    };
    match kind(json) {
        "Deployment" => {
            min(&["replicas", "minReadySeconds", "revisionHistoryLimit"], 0);
            min(&["progressDeadlineSeconds"], 1);
        }
        "StatefulSet" | "ReplicaSet" | "ReplicationController" => {
            min(&["replicas", "minReadySeconds", "revisionHistoryLimit"], 0);
        }
        "DaemonSet" => min(&["minReadySeconds", "revisionHistoryLimit"], 0),
        "Job" => job(doc, spec, "/spec", out),
        "CronJob" => {
            min(
                &[
                    "startingDeadlineSeconds",
                    "successfulJobsHistoryLimit",
                    "failedJobsHistoryLimit",
                ],
                0,
            );
            let job_spec = spec.and_then(|s| s.path(&["jobTemplate", "spec"]));
            job(doc, job_spec, "/spec/jobTemplate/spec", out);
        }
        "HorizontalPodAutoscaler" => min(&["minReplicas", "maxReplicas"], 1),
        _ => {}
    }
    if kind(json) == "HorizontalPodAutoscaler" {
        let get = |f: &str| spec.and_then(|s| s.path(&[f])).and_then(Value::as_i64);
        if let (Some(lo), Some(hi)) = (get("minReplicas"), get("maxReplicas")) {
            if lo > hi && lo >= 1 {
                out.push(doc.diag(
                    codes::V_OUT_OF_RANGE,
                    format!("`maxReplicas` is {hi}: must be at least `minReplicas` ({lo})"),
                    "/spec/maxReplicas",
                    Mark::Value,
                ));
            }
        }
    }
    let Some(spec) = &pod.spec else {
        return;
    };
    let pod_spec = json.at(spec);
    for (field, m) in [
        ("terminationGracePeriodSeconds", 0),
        ("activeDeadlineSeconds", 1),
    ] {
        let value = pod_spec.and_then(|s| s.path(&[field]));
        at_least(doc, value, field, || format!("{spec}/{field}"), m, out);
    }
    for (pointer, container) in &pod.containers {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = container.path(&[probe]) else {
                continue;
            };
            for (field, m) in [
                ("initialDelaySeconds", 0),
                ("periodSeconds", 1),
                ("timeoutSeconds", 1),
                ("successThreshold", 1),
                ("failureThreshold", 1),
                ("terminationGracePeriodSeconds", 1),
            ] {
                let at = || format!("{pointer}/{probe}/{field}");
                at_least(doc, p.path(&[field]), field, at, m, out);
            }
            let success = p.path(&["successThreshold"]).and_then(Value::as_i64);
            if probe != "readinessProbe" && success.is_some_and(|n| n > 1) {
                out.push(
                    doc.diag(
                        codes::V_OUT_OF_RANGE,
                        format!("`successThreshold` of a `{probe}` must be 1"),
                        &format!("{pointer}/{probe}/successThreshold"),
                        Mark::Value,
                    )
                    .help("only readiness probes may require several successes"),
                );
            }
        }
    }
}

/// A Job's spec (at `pointer`).
fn job(doc: &Doc, spec: Option<&Value>, pointer: &str, out: &mut Vec<Diagnostic>) {
    for (field, m) in [
        ("parallelism", 0),
        ("completions", 0),
        ("backoffLimit", 0),
        ("ttlSecondsAfterFinished", 0),
        ("activeDeadlineSeconds", 1),
    ] {
        let value = spec.and_then(|s| s.path(&[field]));
        at_least(doc, value, field, || format!("{pointer}/{field}"), m, out);
    }
}
