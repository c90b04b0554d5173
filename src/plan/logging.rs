//! Where each component's logs come from, for the log collector: the pods
//! of every workload the plan renders (the Deployments of
//! `plan.workloads`, the migration Job) and of every data-layer member the
//! topology runs (`graph::components`), each with its log format
//! (`dify::logs`). A component added to either list is collected, labelled
//! and counted without a change here.

use super::graph;
use super::Plan;
use crate::dify::logs::{self, LogFormat};
use crate::dify::{data_layer, Kind};

/// How a component's pods are named, from the object that owns them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// `<deployment>-<replicaset hash>-<suffix>`.
    Deployment,
    /// `<statefulset>-<ordinal>`.
    StatefulSet,
    /// `<job name ...>-<suffix>`; the Job's name starts with the prefix.
    Job,
}

pub struct LogSource {
    /// The `app.kubernetes.io/component` label.
    pub component: &'static str,
    /// Name (or, for Jobs, name prefix) of the owning object.
    pub name: String,
    pub owner: Owner,
    pub format: LogFormat,
}

impl LogSource {
    /// A regular expression matching exactly this component's pod names
    /// (no other component's: `dify-api-<rs>-<x>` never matches a
    /// `dify-api-websocket-...` pod, nor `dify-postgres-<n>` a
    /// `dify-postgres-check-...` one).
    pub fn pod_pattern(&self) -> String {
        let name = self.name.replace('.', "\\.");
        match self.owner {
            Owner::Deployment => format!("{name}-[a-z0-9]+-[a-z0-9]+"),
            Owner::StatefulSet => format!("{name}-[0-9]+"),
            Owner::Job => format!("{name}-[a-z0-9]+(-[a-z0-9]+)*"),
        }
    }
}

/// Every component of the release whose logs are collected, in a stable
/// order (workloads first, then the data layer).
pub fn sources(plan: &Plan) -> Vec<LogSource> {
    let mut out: Vec<LogSource> = plan
        .workloads
        .iter()
        .map(|w| LogSource {
            component: w.kind.label(),
            name: w.name.clone(),
            owner: Owner::Deployment,
            format: logs::format_of(w.kind),
        })
        .collect();
    out.push(LogSource {
        component: Kind::Migration.label(),
        name: plan.name(Kind::Migration.label()),
        owner: Owner::Job,
        format: logs::format_of(Kind::Migration),
    });
    for component in graph::components(plan.t) {
        if out.iter().any(|s| s.component == component)
            || graph::namespace_of(plan.t, component) != plan.namespace
        {
            continue;
        }
        out.push(LogSource {
            component,
            name: plan.name(component),
            owner: if data_layer::is_job(component) {
                Owner::Job
            } else {
                Owner::StatefulSet
            },
            format: logs::format_of_member(component),
        });
    }
    out
}
