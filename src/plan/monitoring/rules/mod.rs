//! The built-in rule groups, one module each, all listed in [`GROUPS`].
//! A group returns `None` when what it watches is not part of this
//! release (no Patroni, no Sentinel), so no rule ever watches a workload
//! that does not exist.
//!
//! Adding a group (backup staleness, say) is one module with a `group`
//! function and one line in [`GROUPS`]; its rules are rendered, checked,
//! unit-tested with promtool and given a runbook section like the others.

pub mod availability;
pub mod backup;
pub mod containers;
pub mod etcd;
pub mod logs;
pub mod nodes;
pub mod postgres;
pub mod probes;
pub mod queues;
pub mod redis;
pub mod user;

use super::{Case, Facts, Group, Origin, Rule, Series, Tested};
use crate::plan::Plan;
use crate::promql;
use crate::topology::Severity;
use std::collections::BTreeMap;

/// A group of built-in rules, or `None` when it has nothing to watch.
pub type GroupFn = fn(&Plan, &Facts) -> Option<Group>;

/// Every built-in group, in render order.
pub const GROUPS: &[GroupFn] = &[
    availability::group,
    containers::group,
    probes::group,
    queues::group,
    postgres::group,
    redis::group,
    etcd::group,
    nodes::group,
    backup::group,
    logs::group,
];

/// `metric{a="b",c="d"}`, values escaped as PromQL strings.
pub fn sel(metric: &str, labels: &[(&str, &str)]) -> String {
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{metric}{{{}}}", inner.join(","))
}

/// `metric{a="b",c=~"d"}`: like [`sel`], with regex matchers after.
pub fn sel_re(metric: &str, labels: &[(&str, &str)], regexes: &[(&str, &str)]) -> String {
    let mut inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    inner.extend(regexes.iter().map(|(k, v)| format!("{k}=~\"{v}\"")));
    format!("{metric}{{{}}}", inner.join(","))
}

/// What a built-in rule is, before its test case.
pub struct Spec<'s> {
    pub alert: &'s str,
    pub expr: String,
    /// Seconds the expression must hold (raised to twice the scrape interval).
    pub for_seconds: u32,
    pub severity: Severity,
    pub component: &'s str,
    pub summary: String,
    pub description: String,
}

impl Spec<'_> {
    pub fn rule(self, f: &Facts) -> Rule {
        Rule {
            alert: self.alert.to_string(),
            expr: self.expr,
            for_: f.duration(self.for_seconds),
            severity: self.severity,
            component: self.component.to_string(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::from([
                ("summary".to_string(), self.summary),
                ("description".to_string(), self.description),
            ]),
            origin: Origin::BuiltIn,
        }
    }
}

/// Minutes from the start of the test series to the evaluation: the
/// rule's `for`, plus room for the expression's own look-back.
pub fn eval_minutes(rule: &Rule) -> u32 {
    let for_seconds = promql::duration_seconds(&rule.for_).unwrap_or(0);
    u32::try_from(for_seconds.div_ceil(60)).unwrap_or(u32::MAX / 2) + 5
}

/// A series of `samples` equal values, one a minute.
pub fn constant(series: String, value: impl std::fmt::Display, samples: u32) -> Series {
    Series {
        series,
        values: format!("{value}x{samples}"),
    }
}

/// A counter growing by `step` a minute.
pub fn growing(series: String, step: u32, samples: u32) -> Series {
    Series {
        series,
        values: format!("0+{step}x{samples}"),
    }
}

/// A rule with a test case whose series hold well past the evaluation. The
/// case is built only when the facts carry cases ([`Facts::cases`]): the
/// test file is its one reader.
pub fn tested(
    f: &Facts,
    rule: Rule,
    result_labels: &[(&str, &str)],
    inputs: impl Fn(u32) -> (Vec<Series>, Vec<Series>),
) -> Tested {
    let case = f.cases.then(|| {
        let eval = eval_minutes(&rule);
        // Room for the longest `for` among the rules of the same name, which
        // promtool evaluates together.
        let (firing, healthy) = inputs(eval + 30);
        Case {
            alert: rule.alert.clone(),
            firing,
            healthy,
            result_labels: result_labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            eval_minutes: eval,
        }
    });
    Tested { case, rule }
}

/// A group named `<release>-<name>`, or `None` when it is empty.
pub fn group(f: &Facts, name: &str, rules: Vec<Tested>) -> Option<Group> {
    (!rules.is_empty()).then(|| Group {
        name: format!("{}-{name}", f.release),
        rules,
    })
}
