//! The log collector family (`logging` in the topology): the Fluent Bit
//! configuration in its YAML format (`fluent-bit/fluent-bit.yaml`) and in
//! the classic format with its parsers (`fluent-bit.conf`,
//! `parsers.conf`), and, in `kubernetes/`, the agent: its namespace,
//! DaemonSet, ConfigMap, ServiceAccount, ClusterRole and binding, Service
//! and PriorityClass (its NetworkPolicy comes from the component graph).
//! With `collector.mode: helm` the agent is left to the Fluent Bit chart
//! (values in `helm/`) and only the namespace and PriorityClass are
//! rendered here. The alert rules on the error counts are a group of the
//! monitoring rules (`plan::monitoring::rules::logs`).
//!
//! There is no PodDisruptionBudget: a drain never evicts DaemonSet pods,
//! and a rolling update moves one node's agent at a time.

pub mod config;
pub mod objects;
pub mod parsers;
pub mod pipeline;

use super::{Artifact, Content, Family};
use crate::plan::Plan;
use crate::topology::{CollectorMode, Logging};

pub const FAMILY: Family = Family {
    name: "fluent-bit",
    render,
};

/// The `app.kubernetes.io/component` of the agent, and its name suffix.
pub const COMPONENT: &str = "fluent-bit";
/// The YAML configuration's file name (inside the ConfigMap too).
pub const CONFIG_FILE: &str = "fluent-bit.yaml";
/// Where the ConfigMap is mounted in the agent's container.
pub const CONFIG_DIR: &str = "/fluent-bit/etc/dify-gen";

/// The logging section, when logging is on.
pub fn logging<'a>(plan: &Plan<'a>) -> Option<&'a Logging> {
    plan.t.logging.as_ref().filter(|l| l.enabled)
}

/// Whether dify-gen renders the agent's DaemonSet.
pub fn renders_daemonset(l: &Logging) -> bool {
    matches!(
        l.collector.mode,
        CollectorMode::Daemonset | CollectorMode::Both
    )
}

/// Whether dify-gen renders values for the Fluent Bit Helm chart.
pub fn renders_helm_values(l: &Logging) -> bool {
    matches!(l.collector.mode, CollectorMode::Helm | CollectorMode::Both)
}

/// The variable an output's secret is passed in (`${FLB_OUTPUT_0_PASSWORD}`).
pub fn env_var(output: usize, what: &str) -> String {
    format!("FLB_OUTPUT_{output}_{what}")
}

/// The YAML configuration as text, exactly as written to the ConfigMap
/// and to `fluent-bit/fluent-bit.yaml`.
pub fn config_text(plan: &Plan, l: &Logging) -> String {
    crate::emit::yaml::to_string(&pipeline::config(plan, l).yaml())
}

fn render(plan: &Plan) -> Vec<Artifact> {
    let Some(l) = logging(plan) else {
        return Vec::new();
    };
    let mut out: Vec<Artifact> = objects::objects(plan, l)
        .into_iter()
        .map(|doc| Artifact::object(FAMILY.name, doc))
        .collect();
    // The configuration files, which a run of the objects alone drops.
    if !plan.writes_files() {
        return out;
    }
    let config = pipeline::config(plan, l);
    let (classic, classic_parsers) = config.classic();
    out.push(Artifact::file(
        FAMILY.name,
        CONFIG_FILE,
        Content::Yaml(config.yaml()),
    ));
    out.push(Artifact::file(
        FAMILY.name,
        "fluent-bit.conf",
        Content::Text(classic),
    ));
    out.push(Artifact::file(
        FAMILY.name,
        config::CLASSIC_PARSERS_FILE,
        Content::Text(classic_parsers),
    ));
    out
}
