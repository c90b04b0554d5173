//! The Prometheus family: the alert rules as a Prometheus rule file, their
//! promtool unit tests, the runbook the alerts point at, and what makes
//! Prometheus scrape the release: prometheus-operator objects (`operator`
//! flavour) or plain scrape configuration (`files`).
//!
//! Everything comes from `plan::monitoring`: the rule file, the
//! PrometheusRule, the tests and the scrape targets cannot disagree.

mod operator;
mod scrape;
mod tests;

pub use operator::COMPONENT;

use super::{templates, Artifact, Content, Family};
use crate::plan::monitoring::{Facts, Origin, Rule};
use crate::plan::Plan;
use crate::topology::MonitoringFlavour;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

pub const FAMILY: Family = Family {
    name: "prometheus",
    render,
};

/// `<release>.rules.yaml`, the rule file (and its format by name).
pub fn rules_file(plan: &Plan) -> String {
    format!("{}.rules.yaml", plan.release)
}

/// `<release>.rules.test.yaml`, promtool's unit tests of the rule file.
pub fn tests_file(plan: &Plan) -> String {
    format!("{}.rules.test.yaml", plan.release)
}

pub const RUNBOOK: &str = "runbook.md";

fn render(plan: &Plan) -> Vec<Artifact> {
    let Some(facts) = plan.monitoring() else {
        return Vec::new();
    };
    let groups = groups(facts);
    let mut out = Vec::new();
    // The rule file, its tests and the runbook are files: a plan for the
    // objects alone does not build them.
    if plan.writes_files() {
        out.extend([
            Artifact::file(
                FAMILY.name,
                &rules_file(plan),
                Content::Yaml(json!({ "groups": &groups })),
            ),
            Artifact::file(
                FAMILY.name,
                &tests_file(plan),
                Content::Yaml(tests::document(plan, facts)),
            ),
            Artifact::file(FAMILY.name, RUNBOOK, Content::Text(runbook(facts))),
        ]);
    }
    match facts.spec.flavour {
        MonitoringFlavour::Operator => out.extend(
            operator::objects(plan, facts, groups)
                .into_iter()
                .map(|doc| Artifact::object(FAMILY.name, doc)),
        ),
        MonitoringFlavour::Files => out.push(Artifact::file(
            FAMILY.name,
            "scrape-configs.yaml",
            Content::Yaml(scrape::document(facts)),
        )),
    }
    out
}

/// A rule group in Prometheus' rule-file form. Typed, so that the rule
/// file and the PrometheusRule serialise the rules once each, rather than
/// copying JSON trees into JSON trees.
#[derive(Serialize)]
pub struct Group<'a> {
    name: String,
    rules: Vec<RuleDoc<'a>>,
}

/// A rule as it is written, borrowing the plan's rule: 177 rules in the
/// `ha` profile would otherwise copy every label and annotation once more
/// before they are serialised.
#[derive(Serialize)]
struct RuleDoc<'a> {
    alert: &'a str,
    expr: &'a str,
    #[serde(rename = "for")]
    for_: &'a str,
    labels: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Annotations::is_empty")]
    annotations: Annotations<'a>,
}

/// A rule's annotations and, for a built-in rule, its `runbook_url` (which
/// replaces a user's own in its place), written without building a map.
pub struct Annotations<'a> {
    rule: &'a Rule,
    runbook_url: Option<String>,
}

impl<'a> Annotations<'a> {
    /// An alerting rule's; built-in alerts link their runbook section.
    pub fn of(f: &Facts, rule: &'a Rule) -> Self {
        let runbook_url = (rule.origin == Origin::BuiltIn)
            .then(|| format!("{}#{}", f.spec.runbook_url, anchor(&rule.alert)));
        Annotations { rule, runbook_url }
    }

    fn is_empty(&self) -> bool {
        self.rule.annotations.is_empty() && self.runbook_url.is_none()
    }

    /// The entries, in the order they are written.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        let url = self.runbook_url.as_deref();
        let own = self.rule.annotations.iter().map(move |(k, v)| match url {
            Some(url) if k == RUNBOOK_URL => (k.as_str(), url),
            _ => (k.as_str(), v.as_str()),
        });
        let added = url
            .filter(|_| !self.rule.annotations.contains_key(RUNBOOK_URL))
            .map(|url| (RUNBOOK_URL, url));
        own.chain(added)
    }
}

impl Serialize for Annotations<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.entries())
    }
}

const RUNBOOK_URL: &str = "runbook_url";

/// The rule groups: built-in, then the user's.
pub fn groups<'a>(f: &'a Facts) -> Vec<Group<'a>> {
    let mut out: Vec<Group> = f
        .groups
        .iter()
        .map(|g| Group {
            name: g.name.clone(),
            rules: g.rules.iter().map(|t| rule(f, &t.rule)).collect(),
        })
        .collect();
    if !f.user_rules.is_empty() {
        out.push(Group {
            name: format!("{}-user", f.release),
            rules: f.user_rules.iter().map(|r| rule(f, r)).collect(),
        });
    }
    out
}

/// The anchor of an alert's runbook section.
pub fn anchor(alert: &str) -> String {
    alert.to_ascii_lowercase()
}

fn rule<'a>(f: &'a Facts, r: &'a Rule) -> RuleDoc<'a> {
    RuleDoc {
        alert: &r.alert,
        expr: &r.expr,
        for_: &r.for_,
        labels: label_refs(r, f.release, f.namespace),
        annotations: Annotations::of(f, r),
    }
}

/// [`Rule::all_labels`], borrowed: the same keys and values in the same
/// order.
fn label_refs<'a>(r: &'a Rule, release: &'a str, namespace: &'a str) -> BTreeMap<&'a str, &'a str> {
    let mut labels: BTreeMap<&str, &str> = r
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    labels.insert("severity", r.severity.as_str());
    labels.insert("component", &r.component);
    labels.insert("release", release);
    labels.entry("namespace").or_insert(namespace);
    labels
}

/// `prometheus/runbook.md`: one section per built-in alert in the rules.
fn runbook(f: &Facts) -> String {
    let mut alerts: Vec<&str> = f
        .groups
        .iter()
        .flat_map(|g| g.rules.iter().map(|t| t.rule.alert.as_str()))
        .collect();
    alerts.sort_unstable();
    alerts.dedup();
    let ctx = json!({
        "release": f.release,
        "namespace": f.namespace,
        "alerts": alerts,
        "queues": f.queues,
    });
    templates::render("prometheus/runbook.md.j2", &ctx)
}
