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
use crate::promql::{self, Selector};
use crate::topology::Severity;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

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

/// A PromQL expression as dify-gen builds it: its text, and the series
/// selectors written into it, in the order they appear. The checks read
/// the selectors of the built-in rules from here instead of parsing the
/// text back (a unit test parses every built-in rule and compares). It is
/// deliberately not `Display`: it goes into a larger expression only
/// through [`expr!`], which carries its selectors along.
#[derive(Clone, Debug)]
pub struct Promql {
    pub text: String,
    /// Shared, not copied, when the part goes into a larger expression.
    pub selectors: Vec<Arc<Selector>>,
}

impl From<Promql> for String {
    fn from(p: Promql) -> String {
        p.text
    }
}

/// A [`Promql`] being written into a larger expression by [`expr!`]: its
/// text goes to the output and its selectors to the collector, so both stay
/// in the order of the format string (a part used twice counts twice).
pub struct Written<'a>(pub &'a Promql, pub &'a RefCell<Vec<Arc<Selector>>>);

impl std::fmt::Display for Written<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.1.borrow_mut().extend_from_slice(&self.0.selectors);
        f.write_str(&self.0.text)
    }
}

/// `expr!("{a} - {b} >= 1", a, b)`: a [`Promql`] from a format string
/// whose listed parts (`name` or `name = expr`) are [`Promql`]s; other
/// values (numbers, plain strings) are captured by name as in `format!`.
/// A `Promql` left out of the list does not compile, since it is not
/// `Display`.
macro_rules! expr {
    (@part $name:ident) => { &$name };
    (@part $name:ident $value:expr) => { &$value };
    ($fmt:literal $(, $name:ident $(= $value:expr)?)* $(,)?) => {{
        let found = ::std::cell::RefCell::new(Vec::new());
        let text = format!(
            $fmt
            $(, $name = $crate::plan::monitoring::rules::Written(
                expr!(@part $name $($value)?),
                &found,
            ))*
        );
        $crate::plan::monitoring::rules::Promql {
            text,
            selectors: found.into_inner(),
        }
    }};
}
pub(crate) use expr;

/// `metric{a="b",c="d"}`, values escaped as PromQL strings.
pub fn sel(metric: &str, labels: &[(&str, &str)]) -> String {
    text(metric, labels, &[])
}

/// [`sel`] as a [`Promql`], with its selector.
pub fn select(metric: &str, labels: &[(&str, &str)]) -> Promql {
    select_re(metric, labels, &[])
}

/// `metric{a="b",c=~"d"}`: like [`sel`], with regex matchers after.
pub fn sel_re(metric: &str, labels: &[(&str, &str)], regexes: &[(&str, &str)]) -> String {
    text(metric, labels, regexes)
}

/// [`sel_re`] as a [`Promql`], with its selector. Values are escaped as
/// PromQL strings, regexes too (a user's `job` name with a quote still
/// makes a valid expression: its rules are not parsed back at run time).
pub fn select_re(metric: &str, labels: &[(&str, &str)], regexes: &[(&str, &str)]) -> Promql {
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    Promql {
        text: text(metric, labels, regexes),
        selectors: vec![Arc::new(Selector {
            metric: Some(metric.to_string()),
            equal: owned(labels),
            regex: owned(regexes),
        })],
    }
}

/// The text of [`select_re`], written into one string: each value in
/// double quotes with `\` and `"` escaped.
fn text(metric: &str, labels: &[(&str, &str)], regexes: &[(&str, &str)]) -> String {
    let matchers = labels
        .iter()
        .map(|m| (m, "="))
        .chain(regexes.iter().map(|m| (m, "=~")));
    let len: usize = matchers
        .clone()
        .map(|((k, v), op)| k.len() + op.len() + v.len() + 3)
        .sum();
    let mut out = String::with_capacity(metric.len() + 2 + len);
    out.push_str(metric);
    out.push('{');
    for (i, ((k, v), op)) in matchers.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str(op);
        out.push('"');
        let mut rest = *v;
        while let Some(at) = rest.find(['\\', '"']) {
            out.push_str(&rest[..at]);
            out.push('\\');
            out.push_str(&rest[at..=at]);
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
        out.push('"');
    }
    out.push('}');
    out
}

/// What a built-in rule is, before its test case.
pub struct Spec<'s> {
    pub alert: &'s str,
    pub expr: Promql,
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
            expr: self.expr.text,
            selectors: Some(self.expr.selectors),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn unshared(selectors: &[Arc<Selector>]) -> Vec<Selector> {
        selectors.iter().map(|s| Selector::clone(s)).collect()
    }

    /// Every topology of the repository that loads: the profiles and the
    /// test fixtures.
    fn topologies() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "yaml") {
                    out.push(path.to_string_lossy().into_owned());
                }
            }
        }
        let mut out = Vec::new();
        walk(std::path::Path::new("profiles"), &mut out);
        walk(std::path::Path::new("tests/fixtures"), &mut out);
        out.sort();
        out
    }

    /// The selectors a built-in rule carries are the ones its expression
    /// parses to, in the same order, for every rule of every topology that
    /// loads: the checks read the carried ones, so they must not drift
    /// from the text Prometheus evaluates.
    #[test]
    fn carried_selectors_are_the_parsed_ones() {
        let mut rules = 0;
        let mut regexes = 0;
        for file in topologies() {
            let mut sources = Sources::default();
            let Ok(loaded) = crate::topology::load(std::slice::from_ref(&file), &[], &mut sources)
            else {
                continue;
            };
            let plan = Plan::new(&loaded.topology);
            let Some(f) = plan.monitoring() else {
                continue;
            };
            for rule in f.all_rules() {
                let Some(carried) = &rule.selectors else {
                    assert_ne!(rule.origin, Origin::BuiltIn, "{file}: {}", rule.alert);
                    continue;
                };
                let parsed = promql::selectors(&rule.expr)
                    .unwrap_or_else(|e| panic!("{file}: `{}` does not parse: {e}", rule.alert));
                assert_eq!(
                    unshared(carried),
                    parsed,
                    "{file}: `{}`: {}",
                    rule.alert,
                    rule.expr
                );
                rules += 1;
                regexes += parsed.iter().map(|s| s.regex.len()).sum::<usize>();
            }
        }
        // The profiles alone have well over a hundred built-in rules, with
        // regex matchers among them.
        assert!(
            rules > 500 && regexes > 100,
            "{rules} rules, {regexes} regexes"
        );
    }

    #[test]
    fn selectors_escape_as_promql_reads_them() {
        let s = select("m", &[("a", r#"x"y\z"#), ("__b", "")]);
        assert_eq!(s.text, r#"m{a="x\"y\\z",__b=""}"#);
        assert_eq!(promql::selectors(&s.text).unwrap(), unshared(&s.selectors));
        let r = select_re("m", &[("job", "j\"k")], &[("pod", r"p-[a-z]+\.x")]);
        assert_eq!(r.text, r#"m{job="j\"k",pod=~"p-[a-z]+\\.x"}"#);
        assert_eq!(promql::selectors(&r.text).unwrap(), unshared(&r.selectors));
        let both = expr!("{r} and on () {s} or {r}", r, s);
        assert_eq!(
            promql::selectors(&both.text).unwrap(),
            unshared(&both.selectors)
        );
        assert_eq!(both.selectors.len(), 3);
        assert_eq!(sel("m", &[("a", "b")]), select("m", &[("a", "b")]).text);
        assert_eq!(sel_re("m", &[], &[("a", "b")]), r#"m{a=~"b"}"#);
        assert_eq!(sel("m", &[]), "m{}");
    }

    /// The text is what escaping each value with `replace` (the way it
    /// was written before) gives, on values with every mix of a backslash, `"`
    /// and other characters.
    #[test]
    fn text_escapes_like_replace() {
        let quoted = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
        let alphabet = ['\\', '"', 'a', 'é', '{', ','];
        let mut values = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = values
                .iter()
                .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
                .collect();
            values.extend(longer);
        }
        for v in &values {
            let labels = [("a", v.as_str()), ("b", "x")];
            let regexes = [("c", v.as_str())];
            let expected = format!("m{{a=\"{}\",b=\"x\",c=~\"{}\"}}", quoted(v), quoted(v));
            assert_eq!(text("m", &labels, &regexes), expected, "{v:?}");
        }
    }
}
