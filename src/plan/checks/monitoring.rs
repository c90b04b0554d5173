//! Alert rules against what this release's monitoring produces: every
//! selector names a job that is scraped, and namespaces and containers
//! that exist; every `for` lasts at least two scrape intervals; every rule
//! watches a component the topology has; every workload has its
//! availability rules.
//!
//! Why: a rule selecting a series nothing produces never fires, silently
//! (promtool only checks syntax); a `for` shorter than two scrapes fires
//! or resets on one late scrape. Fix: select the jobs and labels listed in
//! the message, lengthen `for`, or correct `component`.

use super::Cx;
use crate::diagnostic::{codes, suggest, Diagnostic};
use crate::plan::monitoring::{rules::availability, Facts, Origin, Rule};
use crate::promql::{self, regex_matches, Selector};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(f) = cx.plan.monitoring() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let components = f.components();
    let names = Known::of(f);
    for rule in f.all_rules() {
        let at = |field: &str| match rule.origin {
            Origin::User(i) => format!("/monitoring/rules/{i}/{field}"),
            Origin::BuiltIn => "/monitoring".to_string(),
        };
        let built_in = rule.origin == Origin::BuiltIn;
        // A built-in rule carries its selectors; a user's is parsed here (the
        // topology's own check reports its syntax).
        let parsed;
        let selectors: Vec<&Selector> = match &rule.selectors {
            Some(carried) => carried.iter().map(|s| &**s).collect(),
            None => {
                parsed = promql::selectors(&rule.expr).unwrap_or_default();
                parsed.iter().collect()
            }
        };
        for problem in selectors
            .into_iter()
            .flat_map(|s| problems(f, &names, s, built_in))
        {
            out.push(
                cx.error(
                    codes::T_ALERT_SELECTOR,
                    &at("expr"),
                    format!("`{}`: {problem}", rule.alert),
                )
                .help(known(f)),
            );
        }
        for_check(cx, f, rule, &at("for"), &mut out);
        if !components.contains(&rule.component.as_str()) {
            let mut d = cx.error(
                codes::T_ALERT_SELECTOR,
                &at("component"),
                format!(
                    "`{}` watches component `{}`, which this topology does not have",
                    rule.alert, rule.component
                ),
            );
            d.help = suggest(&rule.component, components.iter().copied())
                .or_else(|| Some(format!("one of {}", components.join(", "))));
            out.push(d);
        }
    }
    for w in &f.watched {
        for alert in availability::ALERTS {
            let covered = f
                .all_rules()
                .any(|r| r.alert == alert && r.component == w.component);
            if !covered {
                out.push(cx.error(
                    codes::T_ALERT_COVERAGE,
                    "/monitoring",
                    format!("component `{}` has no `{alert}` rule", w.component),
                ));
            }
        }
    }
    out
}

fn for_check(cx: &Cx, f: &Facts, rule: &Rule, pointer: &str, out: &mut Vec<Diagnostic>) {
    let scrape = u64::from(f.spec.scrape_interval_seconds);
    let Some(seconds) = promql::duration_seconds(&rule.for_) else {
        return;
    };
    if seconds < 2 * scrape {
        out.push(
            cx.error(
                codes::T_ALERT_FOR,
                pointer,
                format!(
                    "`{}` fires after {seconds}s, less than two scrape intervals ({}s)",
                    rule.alert,
                    2 * scrape
                ),
            )
            .help(format!(
                "set `for` to at least {}s: one late scrape must not fire or reset it",
                2 * scrape
            )),
        );
    }
}

fn known(f: &Facts) -> String {
    let jobs: Vec<&str> = f.jobs.iter().map(|j| j.name.as_str()).collect();
    format!(
        "jobs: {}; namespace: {}; containers: {}",
        jobs.join(", "),
        f.namespace,
        f.containers().join(", ")
    )
}

/// What is wrong with one selector: a job, namespace or container that no
/// scrape of this release produces; with `metrics`, also a metric the
/// selected job does not export. Dashboards are checked with the same.
pub fn selector_problems(f: &Facts, s: &Selector, metrics: bool) -> Vec<String> {
    problems(f, &Known::of(f), s, metrics)
}

/// The jobs, namespace and containers a selector may name, gathered once
/// for all the rules.
struct Known<'f> {
    jobs: Vec<&'f str>,
    namespace: [&'f str; 1],
    containers: Vec<&'static str>,
}

impl<'f> Known<'f> {
    fn of(f: &'f Facts) -> Known<'f> {
        Known {
            jobs: f.jobs.iter().map(|j| j.name.as_str()).collect(),
            namespace: [f.namespace],
            containers: f.containers(),
        }
    }

    fn of_label(&self, label: &str) -> &[&'f str] {
        match label {
            "job" => &self.jobs,
            "namespace" => &self.namespace,
            "container" => &self.containers,
            _ => &[],
        }
    }
}

fn problems(f: &Facts, names: &Known, s: &Selector, metrics: bool) -> Vec<String> {
    let mut out = Vec::new();
    for label in ["job", "namespace", "container"] {
        let known = names.of_label(label);
        if let Some(v) = s.value(label) {
            let job_without_namespace = label == "namespace"
                && s.value("job")
                    .and_then(|j| f.job(j))
                    .is_some_and(|j| j.namespaces.is_empty());
            if !known.contains(&v) || job_without_namespace {
                out.push(format!(
                    "selects {label} `{v}`, which this release's monitoring does not produce"
                ));
            }
        }
        for (l, re) in &s.regex {
            if l == label && !known.iter().any(|k| regex_matches(re, k) == Some(true)) {
                out.push(format!(
                    "{label} regex `{re}` matches no {label} of this release"
                ));
            }
        }
    }
    if metrics {
        match (s.value("job").and_then(|j| f.job(j)), &s.metric) {
            (Some(job), Some(metric)) if !job.exports(metric) => {
                out.push(format!("job `{}` does not export `{metric}`", job.name));
            }
            (None, _) if s.value("job").is_none() => {
                out.push(format!(
                    "selects `{}` without a `job`",
                    s.metric.as_deref().unwrap_or("{...}")
                ));
            }
            _ => {}
        }
    }
    out
}
