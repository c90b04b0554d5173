//! Log alerts, from the error counts the log agent exports
//! (`dify_log_errors_total{namespace, release, component, pod}`, Fluent
//! Bit's `log_to_metrics` in `render/fluent_bit`), in the design's two
//! tiers, with `logging.alerts`' thresholds:
//!
//! - warning: a pod of the component has logged errors in every two-minute
//!   window of the last `warningMinutes`;
//! - critical: more than `criticalPercent` of the component's running pods
//!   (kube-state-metrics' `kube_pod_status_phase`, by the pod names of the
//!   component's owner, so a pod that logs nothing still counts) have.
//!
//! One pair per long-running component the plan collects logs of (Jobs
//! end, and their failures have alerts of their own), so no rule watches a
//! component that does not exist.

use super::{constant, expr, group as named, growing, select, select_re, tested, Spec};
use crate::dify::LOG_COLLECTOR;
use crate::plan::logging::{sources, LogSource, Owner};
use crate::plan::monitoring::{Facts, Group, Series, Tested, LOG_METRICS};
use crate::plan::Plan;
use crate::topology::{LogAlerts, Severity};

/// The alert names this group defines.
pub const ALERTS: [&str; 2] = ["DifyPodLoggingErrors", "DifyComponentErrorsWidespread"];

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let alerts = &plan.t.logging.as_ref().filter(|l| l.enabled)?.alerts;
    if !alerts.enabled {
        return None;
    }
    let components = f.components();
    let rules = sources(plan)
        .iter()
        .filter(|s| s.owner != Owner::Job && components.contains(&s.component))
        .flat_map(|s| rules(f, alerts, s))
        .collect();
    named(f, "logs", rules)
}

fn rules(f: &Facts, a: &LogAlerts, s: &LogSource) -> Vec<Tested> {
    let c = s.component;
    let job = f.own_job(LOG_COLLECTOR);
    let errors = |pod: Option<&str>| {
        let mut labels = vec![
            ("job", job.as_str()),
            ("namespace", f.namespace),
            ("release", f.release),
            ("component", c),
        ];
        labels.extend(pod.map(|p| ("pod", p)));
        select(LOG_METRICS[0], &labels)
    };
    let increase = expr!("increase({errors}[2m])", errors = errors(None));
    let minutes = a.warning_minutes;
    let pct = a.critical_percent;
    let warning = Spec {
        alert: ALERTS[0],
        expr: expr!("sum by (namespace, pod) ({increase}) > 0", increase),
        for_seconds: minutes * 60,
        severity: Severity::Warning,
        component: c,
        summary: format!("{{{{ $labels.pod }}}} ({c}) has logged errors for {minutes}m"),
        description: format!(
            "Pod {{{{ $labels.pod }}}} of {c} in {} has logged errors in every two minutes of the last {minutes}m. Read its ERROR records in the log store.",
            f.namespace
        ),
    };
    let running = expr!(
        "count(max by (pod) ({phase}) == 1)",
        phase = select_re(
            "kube_pod_status_phase",
            &[
                ("job", f.ksm_job()),
                ("namespace", f.namespace),
                ("phase", "Running")
            ],
            &[("pod", &s.pod_pattern())],
        )
    );
    let share = f64::from(pct) / 100.0;
    let critical = Spec {
        alert: ALERTS[1],
        expr: expr!(
            "count(sum by (pod) ({increase}) > 0) > {share} * {running}",
            increase,
            running,
        ),
        for_seconds: minutes * 60,
        severity: Severity::Critical,
        component: c,
        summary: format!("More than {pct}% of {c}'s pods are logging errors"),
        description: format!(
            "More than {pct}% of the running pods of {c} in {} have logged errors in every two minutes of the last {minutes}m.",
            f.namespace
        ),
    };
    // Test inputs: ten running pods (reported by two kube-state-metrics
    // replicas), `failing` of them logging an error a minute, the others'
    // counters flat.
    // Names as the owner gives them (`<deployment>-<hash>-<suffix>`), in
    // the shape the secret firewall knows for generated names.
    let pod = |i: u32| match s.owner {
        Owner::StatefulSet => format!("{}-{i}", s.name),
        _ => format!("{}-{:x}-pod", s.name, 0xa0 + i),
    };
    let inputs = |failing: u32, samples: u32| -> Vec<Series> {
        let mut out = Vec::new();
        for i in 0..10 {
            let name = pod(i);
            let counter = errors(Some(&name)).text;
            out.push(if i < failing {
                growing(counter, 1, samples)
            } else {
                constant(counter, 3, samples)
            });
            for instance in ["ksm-0", "ksm-1"] {
                let labels = [
                    ("job", f.ksm_job()),
                    ("namespace", f.namespace),
                    ("pod", name.as_str()),
                    ("phase", "Running"),
                    ("instance", instance),
                ];
                out.push(constant(
                    select("kube_pod_status_phase", &labels).text,
                    1,
                    samples,
                ));
            }
        }
        out
    };
    let first = pod(0);
    // At the threshold the critical stays quiet; one more pod fires it.
    let at_threshold = pct / 10;
    vec![
        tested(
            f,
            warning.rule(f),
            &[("namespace", f.namespace), ("pod", first.as_str())],
            |n| (inputs(1, n), inputs(0, n)),
        ),
        tested(f, critical.rule(f), &[], |n| {
            (inputs(at_threshold + 1, n), inputs(at_threshold, n))
        }),
    ]
}
