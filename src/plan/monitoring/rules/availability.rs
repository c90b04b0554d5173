//! Availability of every workload, from kube-state-metrics: pods
//! unavailable (the design's warning: one instance failing for
//! `instanceFailingMinutes`), more than `failingPercent` of them failing
//! (the design's critical), and none available at all.

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::plan::monitoring::{Facts, Group, Tested, Watched, WorkloadKind};
use crate::plan::Plan;
use crate::topology::Severity;

/// The alert names this group defines; every workload gets each.
pub const ALERTS: [&str; 3] = [
    "DifyComponentDegraded",
    "DifyComponentFailing",
    "DifyComponentDown",
];

pub fn group(_: &Plan, f: &Facts) -> Option<Group> {
    let rules = f.watched.iter().flat_map(|w| rules(f, w)).collect();
    named(f, "availability", rules)
}

fn rules(f: &Facts, w: &Watched) -> Vec<Tested> {
    let th = &f.spec.thresholds;
    let (desired_metric, available_metric, label, what) = match w.kind {
        WorkloadKind::Deployment => (
            "kube_deployment_spec_replicas",
            "kube_deployment_status_replicas_available",
            "deployment",
            "Deployment",
        ),
        WorkloadKind::StatefulSet => (
            "kube_statefulset_replicas",
            "kube_statefulset_status_replicas_ready",
            "statefulset",
            "StatefulSet",
        ),
    };
    let matchers = [
        ("job", f.ksm_job()),
        ("namespace", f.namespace),
        (label, w.name.as_str()),
    ];
    let by = format!("max by (namespace, {label})");
    let desired = expr!("{by} ({s})", s = select(desired_metric, &matchers));
    let available = expr!("{by} ({s})", s = select(available_metric, &matchers));
    let object = format!("{what} {}/{}", f.namespace, w.name);
    let c = w.component;
    let minutes = th.instance_failing_minutes;
    let result = [("namespace", f.namespace), (label, w.name.as_str())];
    // Inputs: a desired and an available count, with noise labels that the
    // aggregation must drop (two kube-state-metrics replicas).
    let inputs = |want: u32, have: u32, samples: u32| {
        ["ksm-0", "ksm-1"]
            .iter()
            .flat_map(|instance| {
                let labels = [
                    ("job", f.ksm_job()),
                    ("namespace", f.namespace),
                    (label, w.name.as_str()),
                    ("instance", instance),
                ];
                [
                    constant(sel(desired_metric, &labels), want, samples),
                    constant(sel(available_metric, &labels), have, samples),
                ]
            })
            .collect::<Vec<_>>()
    };
    let degraded = Spec {
        alert: ALERTS[0],
        expr: expr!("{desired} - {available} >= 1", desired, available),
        for_seconds: minutes * 60,
        severity: Severity::Warning,
        component: c,
        summary: format!("{c}: pods unavailable for {minutes}m"),
        description: format!(
            "{object} has had fewer available replicas than desired for {minutes} minutes."
        ),
    };
    let pct = th.failing_percent;
    let failing = Spec {
        alert: ALERTS[1],
        expr: expr!(
            "({desired} - {available}) / {desired} * 100 > {pct}",
            desired,
            available
        ),
        for_seconds: minutes * 60,
        severity: Severity::Critical,
        component: c,
        summary: format!("{c}: more than {pct}% of pods failing"),
        description: format!(
            "More than {pct}% of the replicas of {object} have been unavailable for {minutes} minutes."
        ),
    };
    let down = Spec {
        alert: ALERTS[2],
        expr: expr!(
            "{available} == 0 and on (namespace, {label}) {desired} > 0",
            available,
            desired
        ),
        // A restart of the last pod is not an outage until it has had the
        // time to start.
        for_seconds: (w.start_seconds + 60).max(120),
        severity: Severity::Critical,
        component: c,
        summary: format!("{c}: no pod available"),
        description: format!("{object} has no available replica."),
    };
    vec![
        tested(f, degraded.rule(f), &result, |n| {
            (inputs(3, 2, n), inputs(3, 3, n))
        }),
        // At the threshold it stays quiet; one more failing pod fires it.
        tested(f, failing.rule(f), &result, |n| {
            (inputs(100, 99 - pct, n), inputs(100, 100 - pct, n))
        }),
        tested(f, down.rule(f), &result, |n| {
            (inputs(3, 0, n), inputs(3, 1, n))
        }),
    ]
}
