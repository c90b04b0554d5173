//! Containers that crash: crash loops (restarts piling up) and OOM kills,
//! from kube-state-metrics, for every container of every workload.

use super::{constant, expr, group as named, growing, select_re, tested, Spec};
use crate::plan::monitoring::{Facts, Group, Tested, Watched, WorkloadKind};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(_: &Plan, f: &Facts) -> Option<Group> {
    let rules = f
        .watched
        .iter()
        .flat_map(|w| w.containers.iter().flat_map(move |c| rules(f, w, c)))
        .collect();
    named(f, "containers", rules)
}

fn rules(f: &Facts, w: &Watched, container: &str) -> Vec<Tested> {
    let restarts = f.spec.thresholds.crash_loop_restarts;
    let pod_re = w.pod_regex();
    let matchers = [
        ("job", f.ksm_job()),
        ("namespace", f.namespace),
        ("container", container),
    ];
    let select = |metric: &str, extra: &[(&str, &str)]| {
        let mut m = matchers.to_vec();
        m.extend_from_slice(extra);
        select_re(metric, &m, &[("pod", pod_re.as_str())])
    };
    let by = "max by (namespace, pod, container)";
    let restarts_metric = "kube_pod_container_status_restarts_total";
    let reason_metric = "kube_pod_container_status_last_terminated_reason";
    let c = w.component;
    let crash = Spec {
        alert: "DifyContainerCrashLooping",
        expr: expr!(
            "{by} (increase({s}[15m])) >= {restarts}",
            s = select(restarts_metric, &[])
        ),
        for_seconds: 60,
        severity: Severity::Warning,
        component: c,
        summary: format!("{c}: container `{container}` restarting"),
        description: format!(
            "Container `{container}` of pod {{{{ $labels.pod }}}} restarted at least {restarts} times in 15 minutes."
        ),
    };
    let oom = Spec {
        alert: "DifyContainerOOMKilled",
        expr: expr!(
            "{by} ({reason}) == 1 and on (namespace, pod, container) {by} (increase({restarts}[10m])) > 0",
            reason = select(reason_metric, &[("reason", "OOMKilled")]),
            restarts = select(restarts_metric, &[]),
        ),
        for_seconds: 60,
        severity: Severity::Warning,
        component: c,
        summary: format!("{c}: container `{container}` killed for lack of memory"),
        description: format!(
            "Container `{container}` of pod {{{{ $labels.pod }}}} was OOM-killed and restarted in the last 10 minutes; raise its memory limit or find what grew."
        ),
    };
    let pod = match w.kind {
        WorkloadKind::Deployment => format!("{}-rs-pod", w.name),
        WorkloadKind::StatefulSet => format!("{}-0", w.name),
    };
    let labels = |extra: &[(&str, &str)]| {
        let mut m = vec![
            ("job", f.ksm_job()),
            ("namespace", f.namespace),
            ("container", container),
            ("pod", pod.as_str()),
        ];
        m.extend_from_slice(extra);
        super::sel(restarts_metric_or(extra), &m)
    };
    let result = [
        ("namespace", f.namespace),
        ("pod", pod.as_str()),
        ("container", container),
    ];
    // A restart a minute for a crash loop at any threshold up to 100.
    let step = restarts / 10 + 1;
    let reason = [("reason", "OOMKilled")];
    // Two containers of one pod are two alerts, not duplicates.
    let rule = |spec: Spec| {
        let mut r = spec.rule(f);
        r.labels.insert("container".into(), container.to_string());
        r
    };
    vec![
        tested(f, rule(crash), &result, |n| {
            (
                vec![growing(labels(&[]), step, n)],
                vec![constant(labels(&[]), 2, n)],
            )
        }),
        // The last termination was an OOM kill: firing while the restart
        // is recent, quiet once the container has run without one.
        tested(f, rule(oom), &result, |n| {
            (
                vec![constant(labels(&reason), 1, n), growing(labels(&[]), 1, n)],
                vec![constant(labels(&reason), 1, n), constant(labels(&[]), 1, n)],
            )
        }),
    ]
}

/// The metric a test series' labels belong to: the termination reason
/// carries `reason`, the restart counter does not.
fn restarts_metric_or(extra: &[(&str, &str)]) -> &'static str {
    if extra.iter().any(|(k, _)| *k == "reason") {
        "kube_pod_container_status_last_terminated_reason"
    } else {
        "kube_pod_container_status_restarts_total"
    }
}
