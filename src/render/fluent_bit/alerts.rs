//! Alert rules on the error counts the agent exports
//! (`dify_log_errors_total{namespace, release, component, pod}`), in the
//! design's two tiers:
//!
//! - warning: one pod has logged errors in every minute of the last
//!   `warningMinutes` (`increase` over two minutes stays above zero for
//!   that long);
//! - critical: more than `criticalPercent` of a component's running pods
//!   have, for as long. The running pods are counted from
//!   kube-state-metrics (`kube_pod_status_phase`), selected by the pod
//!   names of the component's owner (`plan::logging`), so a component
//!   whose pods log nothing still counts in the denominator.
//!
//! One critical rule per long-running component of the plan (Jobs are
//! covered by the warning only), so no rule watches a component that does
//! not exist.

use super::pipeline::ERRORS_METRIC;
use crate::plan::logging::{sources, Owner};
use crate::plan::Plan;
use crate::topology::Logging;
use serde_json::{json, Value};

pub const FILE: &str = "log-alerts.rules.yaml";

/// The per-pod error increase over the last two minutes, in a selector.
fn increase(plan: &Plan, extra: &str) -> String {
    format!(
        r#"increase({ERRORS_METRIC}{{namespace="{ns}",release="{release}"{extra}}}[2m])"#,
        ns = plan.namespace,
        release = plan.release
    )
}

pub fn rules(plan: &Plan, l: &Logging) -> Value {
    let a = &l.alerts;
    let window = format!("{}m", a.warning_minutes);
    let mut rules = vec![json!({
        "alert": "DifyPodLoggingErrors",
        "expr": format!(
            "sum by (namespace, release, component, pod) ({}) > 0",
            increase(plan, "")
        ),
        "for": window,
        "labels": {"severity": "warning", "release": plan.release},
        "annotations": {
            "summary": "{{ $labels.pod }} ({{ $labels.component }}) has logged errors for ".to_string() + &window,
            "description": "Pod {{ $labels.pod }} of component {{ $labels.component }} in {{ $labels.namespace }} logged errors in every minute of the last ".to_string() + &window + ". Read its ERROR records in the log store.",
        },
    })];
    for s in sources(plan).iter().filter(|s| s.owner != Owner::Job) {
        let pods = format!(
            r#"count(kube_pod_status_phase{{namespace="{}",pod=~"{}",phase="Running"}} == 1)"#,
            plan.namespace,
            s.pod_pattern()
        );
        let failing = format!(
            "count(sum by (pod) ({}) > 0)",
            increase(plan, &format!(r#",component="{}""#, s.component))
        );
        rules.push(json!({
            "alert": "DifyComponentErrorsWidespread",
            "expr": format!("{failing} > {} * {pods}", f64::from(a.critical_percent) / 100.0),
            "for": window,
            "labels": {
                "severity": "critical",
                "release": plan.release,
                "namespace": plan.namespace,
                "component": s.component,
            },
            "annotations": {
                "summary": format!("More than {}% of {}'s pods are logging errors", a.critical_percent, s.component),
                "description": format!(
                    "{{{{ $value }}}} pods of {} in {} have logged errors in every minute of the last {window}, more than {}% of its running pods.",
                    s.component, plan.namespace, a.critical_percent
                ),
            },
        }));
    }
    json!({
        "groups": [{
            "name": format!("{}-logs", plan.release),
            "rules": rules,
        }]
    })
}
