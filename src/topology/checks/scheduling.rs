//! Tolerations and node affinity the API server would refuse, and the
//! names in them: a toleration without a key must be `Exists`, an `Exists`
//! toleration has no value, `tolerationSeconds` needs `NoExecute`; `In` and
//! `NotIn` take values, `Exists` and `DoesNotExist` none, `Gt` and `Lt` one
//! integer. Keys are label keys, values label values (`T143`), taints on
//! `nodes` likewise, and `priorityClassName` an object name. A component
//! with `eviction` sets the `NoExecute` tolerations of the failed-node
//! taints itself, so a toleration of its own for them is refused rather
//! than silently replaced. Fix the field the message names.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::{dns, kubernetes};
use crate::topology::{
    NodeSelectorOperator, NodeSelectorRequirement, TaintEffect, TolerationOperator,
};

/// The taints the node lifecycle controller puts on a failed node, which
/// `eviction` tolerates for its seconds.
const FAILED_NODE_TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, c) in cx.t.components.all() {
        let base = format!("/components/{key}");
        for (i, t) in c.tolerations.iter().enumerate() {
            let at = format!("{base}/tolerations/{i}");
            if let Some(k) = &t.key {
                out.extend(cx.name_rule(
                    &format!("{at}/key"),
                    "node label key",
                    k,
                    kubernetes::label_key,
                ));
            }
            if let Some(v) = &t.value {
                out.extend(cx.name_rule(
                    &format!("{at}/value"),
                    "node label value",
                    v,
                    kubernetes::label_value,
                ));
            }
            let problem = match (&t.key, t.operator, &t.value) {
                (None, TolerationOperator::Equal, _) => {
                    Some("a toleration without a `key` must have `operator: Exists`")
                }
                (_, TolerationOperator::Exists, Some(_)) => {
                    Some("an `Exists` toleration matches any value and takes none")
                }
                _ => None,
            };
            out.extend(problem.map(|p| {
                cx.error(codes::T_SCHEDULING, &format!("{at}/operator"), p)
                    .help("tolerate one taint with `key`, `operator: Equal` and `value`, or any value with `operator: Exists`")
            }));
            let failed_node = t
                .key
                .as_deref()
                .is_some_and(|k| FAILED_NODE_TAINTS.contains(&k))
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute);
            if failed_node && c.eviction.is_some() {
                out.push(
                    cx.error(
                        codes::T_SCHEDULING,
                        &format!("{at}/key"),
                        format!(
                            "`eviction.tolerationSeconds` of `{key}` already sets the `NoExecute` toleration of `{}`",
                            t.key.as_deref().unwrap_or_default()
                        ),
                    )
                    .help("drop this toleration and set `eviction: {tolerationSeconds: <seconds>}`, or set `eviction: null` to keep it"),
                );
            }
            if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
                out.push(
                    cx.error(
                        codes::T_SCHEDULING,
                        &format!("{at}/tolerationSeconds"),
                        "`tolerationSeconds` applies only to `effect: NoExecute`",
                    )
                    .help("set `effect: NoExecute`, or drop `tolerationSeconds`"),
                );
            }
        }
        if let Some(a) = &c.node_affinity {
            let required = a.required.iter().enumerate().map(|(i, t)| {
                (
                    format!("{base}/nodeAffinity/required/{i}"),
                    &t.match_expressions,
                )
            });
            let preferred = a.preferred.iter().enumerate().map(|(i, t)| {
                (
                    format!("{base}/nodeAffinity/preferred/{i}"),
                    &t.match_expressions,
                )
            });
            for (at, exprs) in required.chain(preferred) {
                for (j, e) in exprs.iter().enumerate() {
                    out.extend(expression(cx, &format!("{at}/matchExpressions/{j}"), e));
                }
            }
        }
        if let Some(name) = &c.priority_class_name {
            out.extend(cx.name_rule(
                &format!("{base}/priorityClassName"),
                "PriorityClass name",
                name,
                dns::subdomain,
            ));
        }
    }
    for (i, pool) in cx.t.nodes.iter().enumerate() {
        for (label, value) in &pool.labels {
            let at = format!(
                "/nodes/{i}/labels/{}",
                crate::source::pointer_segment(label)
            );
            out.extend(cx.name_rule(&at, "node label key", label, kubernetes::label_key));
            out.extend(cx.name_rule(&at, "node label value", value, kubernetes::label_value));
        }
        for (j, taint) in pool.taints.iter().enumerate() {
            let at = format!("/nodes/{i}/taints/{j}");
            out.extend(cx.name_rule(
                &format!("{at}/key"),
                "node label key",
                &taint.key,
                kubernetes::label_key,
            ));
            if let Some(v) = &taint.value {
                out.extend(cx.name_rule(
                    &format!("{at}/value"),
                    "node label value",
                    v,
                    kubernetes::label_value,
                ));
            }
        }
    }
    out
}

fn expression(cx: &Cx, at: &str, e: &NodeSelectorRequirement) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = cx
        .name_rule(
            &format!("{at}/key"),
            "node label key",
            &e.key,
            kubernetes::label_key,
        )
        .into_iter()
        .collect();
    let (min, max) = e.operator.arity();
    let n = e.values.len();
    if n < min || n > max {
        let want = match e.operator {
            NodeSelectorOperator::In | NodeSelectorOperator::NotIn => "one or more values",
            NodeSelectorOperator::Exists | NodeSelectorOperator::DoesNotExist => "no values",
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => "exactly one value",
        };
        out.push(
            cx.error(
                codes::T_SCHEDULING,
                &format!("{at}/operator"),
                format!("`{}` takes {want}, not {n}", e.operator.as_str()),
            )
            .help("match the values to the operator"),
        );
    }
    let integers = matches!(
        e.operator,
        NodeSelectorOperator::Gt | NodeSelectorOperator::Lt
    );
    for (k, v) in e.values.iter().enumerate() {
        let at = format!("{at}/values/{k}");
        if integers && v.parse::<i64>().is_err() {
            out.push(
                cx.error(
                    codes::T_SCHEDULING,
                    &at,
                    format!(
                        "`{}` compares integers; `{v}` is not one",
                        e.operator.as_str()
                    ),
                )
                .help("give an integer such as `4`"),
            );
        } else {
            out.extend(cx.name_rule(&at, "node label value", v, kubernetes::label_value));
        }
    }
    out
}
