//! promtool unit tests of the rule file (`promtool test rules`): every
//! built-in rule fires on its failing input, with exactly the labels and
//! annotations the rule file gives it, and stays quiet on the healthy one.

use super::{annotations, rules_file};
use crate::plan::monitoring::{Case, Facts, Rule, Series};
use crate::plan::Plan;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn document(plan: &Plan, f: &Facts) -> Value {
    let mut tests = Vec::new();
    for g in &f.groups {
        for t in &g.rules {
            let name = format!("{} {}", t.rule.alert, t.rule.component);
            tests.push(test(
                &format!("{name} fires"),
                &t.case,
                &t.case.firing,
                vec![expected(f, &t.rule, &t.case)],
            ));
            tests.push(test(
                &format!("{name} stays quiet"),
                &t.case,
                &t.case.healthy,
                Vec::new(),
            ));
        }
    }
    json!({
        "rule_files": [rules_file(plan)],
        "evaluation_interval": "1m",
        "tests": tests,
    })
}

fn test(name: &str, case: &Case, input: &[Series], exp_alerts: Vec<Value>) -> Value {
    json!({
        "name": name,
        "interval": "1m",
        "input_series": input
            .iter()
            .map(|s| json!({"series": s.series, "values": s.values}))
            .collect::<Vec<_>>(),
        "alert_rule_test": [{
            "eval_time": format!("{}m", case.eval_minutes),
            "alertname": case.alert,
            "exp_alerts": exp_alerts,
        }],
    })
}

/// The alert as Prometheus sends it: the expression's labels, then the
/// rule's; annotations with `$labels` expanded.
fn expected(f: &Facts, rule: &Rule, case: &Case) -> Value {
    let mut labels: BTreeMap<String, String> = case.result_labels.clone();
    labels.extend(rule.all_labels(f.release));
    let annotations: BTreeMap<String, String> = annotations(f, rule)
        .into_iter()
        .map(|(k, v)| (k, expand(v.as_str().unwrap_or(""), &labels)))
        .collect();
    json!({"exp_labels": labels, "exp_annotations": annotations})
}

/// `{{ $labels.name }}` replaced by the label's value, the only template
/// the built-in annotations use.
fn expand(text: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in labels {
        out = out.replace(&format!("{{{{ $labels.{k} }}}}"), v);
    }
    out
}
