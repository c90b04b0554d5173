//! Checks that need derived facts: quorums, probe timings, the connection
//! budget and the placement simulation are computed by `plan`, so the checks
//! that judge them run here, after the topology's own field checks, with
//! the same codes and at the same topology lines.
//!
//! To add one: write `plan/checks/<name>.rs` with `pub(super) fn check(cx:
//! &Cx)`, register it in [`FIELD_CHECKS`] (or [`DERIVED_CHECKS`] when it
//! reads sums of several fields), and add a fixture pair and a row in
//! `tests/integration/checks.rs`.

mod backup;
mod capacity;
mod connections;
mod failover;
mod log_levels;
pub mod monitoring;
mod probes;
mod quorum;
mod quorum_zones;
mod swarm;

use super::Plan;
use crate::diagnostic::Diagnostic;
use crate::load::Node;
use crate::topology::{self, Topology};

/// What every check gets: the plan, its topology and the document for spans.
pub struct Cx<'a> {
    pub plan: &'a Plan<'a>,
    pub t: &'a Topology,
    pub doc: &'a Node,
}

impl<'a> Cx<'a> {
    fn at(&self) -> topology::checks::Cx<'a> {
        topology::checks::Cx {
            t: self.t,
            doc: self.doc,
        }
    }

    /// An error at a JSON pointer of the topology, with its dotted path.
    pub fn error(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.at().error(code, pointer, message)
    }

    pub fn warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.at().warning(code, pointer, message)
    }

    /// An error under `availability: ha`, a warning elsewhere.
    pub fn ha_or_warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.at().ha_or_warning(code, pointer, message)
    }
}

type Check = fn(&Cx) -> Vec<Diagnostic>;

/// Checks of single derived facts (a quorum, a probe window).
const FIELD_CHECKS: &[Check] = &[
    quorum::check,
    quorum_zones::check,
    probes::check,
    log_levels::check,
    monitoring::check,
    swarm::check,
];

/// Checks of what the fields add up to (connections, placement). They run
/// only when no other check found an error: a wrong unit or a missing
/// section would otherwise be reported a second time as its consequence.
const DERIVED_CHECKS: &[Check] = &[
    connections::check,
    capacity::check,
    failover::check,
    backup::check,
];

/// Runs the plan's checks; `earlier` are the topology's own findings.
pub fn run(plan: &Plan, doc: &Node, earlier: &[Diagnostic]) -> Vec<Diagnostic> {
    let cx = Cx {
        plan,
        t: plan.t,
        doc,
    };
    let mut found: Vec<Diagnostic> = FIELD_CHECKS.iter().flat_map(|check| check(&cx)).collect();
    if !earlier.iter().chain(&found).any(Diagnostic::is_error) {
        found.extend(DERIVED_CHECKS.iter().flat_map(|check| check(&cx)));
    }
    found
}
