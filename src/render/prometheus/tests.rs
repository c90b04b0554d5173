//! promtool unit tests of the rule file (`promtool test rules`): every
//! built-in rule fires on its failing input, with exactly the labels and
//! annotations the rule file gives it, and stays quiet on the healthy one.

use super::{rules_file, Annotations};
use crate::plan::monitoring::{Case, Facts, Rule, Series};
use crate::plan::Plan;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn document(plan: &Plan, f: &Facts) -> Value {
    // One pair of tests per alert name: every rule of that name fires on
    // its own failing input, all in one test (their series are disjoint:
    // each selects its own workload, container, queue or endpoint), and
    // none fires on the healthy inputs. Fewer, larger tests keep promtool
    // fast; each expected alert still names its rule by its labels.
    // The facts of a plan that writes this file carry every case.
    let cases = f
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter_map(|t| Some((&t.rule, t.case.as_ref()?)));
    let mut by_alert: Vec<(&str, Vec<(&Rule, &Case)>)> = Vec::new();
    for (rule, case) in cases {
        match by_alert.iter_mut().find(|(a, _)| *a == rule.alert) {
            Some((_, rules)) => rules.push((rule, case)),
            None => by_alert.push((&rule.alert, vec![(rule, case)])),
        }
    }
    let mut tests = Vec::new();
    for (alert, rules) in by_alert {
        let eval = rules.iter().map(|(_, c)| c.eval_minutes).max().unwrap_or(0);
        let firing: Vec<&Series> = rules.iter().flat_map(|(_, c)| &c.firing).collect();
        let healthy: Vec<&Series> = rules.iter().flat_map(|(_, c)| &c.healthy).collect();
        let expected = rules.iter().map(|(r, c)| expected(f, r, c)).collect();
        tests.push(test(
            &format!("{alert} fires"),
            alert,
            eval,
            &firing,
            expected,
        ));
        tests.push(test(
            &format!("{alert} stays quiet"),
            alert,
            eval,
            &healthy,
            Vec::new(),
        ));
    }
    json!({
        "rule_files": [rules_file(plan)],
        "evaluation_interval": "1m",
        "tests": tests,
    })
}

fn test(name: &str, alert: &str, eval: u32, input: &[&Series], exp_alerts: Vec<Value>) -> Value {
    json!({
        "name": name,
        "interval": "1m",
        "input_series": input
            .iter()
            .map(|s| json!({"series": s.series, "values": s.values}))
            .collect::<Vec<_>>(),
        "alert_rule_test": [{
            "eval_time": format!("{eval}m"),
            "alertname": alert,
            "exp_alerts": exp_alerts,
        }],
    })
}

/// The alert as Prometheus sends it: the expression's labels, then the
/// rule's; annotations with `$labels` expanded.
fn expected(f: &Facts, rule: &Rule, case: &Case) -> Value {
    let mut labels: BTreeMap<String, String> = case.result_labels.clone();
    labels.extend(rule.all_labels(f.release, f.namespace));
    let annotations: BTreeMap<String, String> = Annotations::of(f, rule)
        .entries()
        .map(|(k, v)| (k.to_string(), expand(v, &labels)))
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
