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

fn at_least(doc: &Doc, json: &Value, pointer: &str, min: i64, out: &mut Vec<Diagnostic>) {
    let Some(n) = json.at(pointer).and_then(Value::as_i64) else {
        return;
    };
    if n < min {
        let field = pointer.rsplit('/').next().unwrap_or(pointer);
        let what = match min {
            0 => "must be 0 or more".to_string(),
            1 => "must be 1 or more".to_string(),
            m => format!("must be at least {m}"),
        };
        out.push(doc.diag(
            codes::V_OUT_OF_RANGE,
            format!("`{field}` is {n}: {what}"),
            pointer,
            Mark::Value,
        ));
    }
}

pub(super) fn check(doc: &Doc, json: &Value, pod: &Pod, out: &mut Vec<Diagnostic>) {
    let mut min = |pointer: &str, m: i64| at_least(doc, json, pointer, m, out);
    match kind(json) {
        "Deployment" => {
            for f in ["replicas", "minReadySeconds", "revisionHistoryLimit"] {
                min(&format!("/spec/{f}"), 0);
            }
            min("/spec/progressDeadlineSeconds", 1);
        }
        "StatefulSet" | "ReplicaSet" | "ReplicationController" => {
            for f in ["replicas", "minReadySeconds", "revisionHistoryLimit"] {
                min(&format!("/spec/{f}"), 0);
            }
        }
        "DaemonSet" => {
            for f in ["minReadySeconds", "revisionHistoryLimit"] {
                min(&format!("/spec/{f}"), 0);
            }
        }
        "Job" => job(&mut min, "/spec"),
        "CronJob" => {
            for f in [
                "startingDeadlineSeconds",
                "successfulJobsHistoryLimit",
                "failedJobsHistoryLimit",
            ] {
                min(&format!("/spec/{f}"), 0);
            }
            job(&mut min, "/spec/jobTemplate/spec");
        }
        "HorizontalPodAutoscaler" => {
            min("/spec/minReplicas", 1);
            min("/spec/maxReplicas", 1);
        }
        _ => {}
    }
    if kind(json) == "HorizontalPodAutoscaler" {
        let get = |f: &str| json.at(&format!("/spec/{f}")).and_then(Value::as_i64);
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
    at_least(
        doc,
        json,
        &format!("{spec}/terminationGracePeriodSeconds"),
        0,
        out,
    );
    at_least(doc, json, &format!("{spec}/activeDeadlineSeconds"), 1, out);
    for (pointer, _) in &pod.containers {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let p = format!("{pointer}/{probe}");
            if json.at(&p).is_none() {
                continue;
            }
            at_least(doc, json, &format!("{p}/initialDelaySeconds"), 0, out);
            for f in [
                "periodSeconds",
                "timeoutSeconds",
                "successThreshold",
                "failureThreshold",
            ] {
                at_least(doc, json, &format!("{p}/{f}"), 1, out);
            }
            at_least(
                doc,
                json,
                &format!("{p}/terminationGracePeriodSeconds"),
                1,
                out,
            );
            let success = json
                .at(&format!("{p}/successThreshold"))
                .and_then(Value::as_i64);
            if probe != "readinessProbe" && success.is_some_and(|n| n > 1) {
                out.push(
                    doc.diag(
                        codes::V_OUT_OF_RANGE,
                        format!("`successThreshold` of a `{probe}` must be 1"),
                        &format!("{p}/successThreshold"),
                        Mark::Value,
                    )
                    .help("only readiness probes may require several successes"),
                );
            }
        }
    }
}

fn job(min: &mut impl FnMut(&str, i64), spec: &str) {
    for f in [
        "parallelism",
        "completions",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        min(&format!("{spec}/{f}"), 0);
    }
    min(&format!("{spec}/activeDeadlineSeconds"), 1);
}
