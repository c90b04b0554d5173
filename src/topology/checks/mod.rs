//! Semantic checks: what the schema cannot say. One module per check, each
//! with a doc comment saying what it checks, why, and how to fix it.
//! To add a check: write `checks/<name>.rs` with `pub(super) fn check`,
//! register it in [`FIELD_CHECKS`] (or [`DERIVED_CHECKS`] when it
//! reads sums of several fields), add a failing topology
//! `tests/fixtures/checks/<name>.yaml`, its fixed twin `<name>.ok.yaml`, and
//! a row in `tests/integration/checks.rs`.

mod capacity;
mod connections;
mod disruption;
mod grace;
mod images_pinned;
pub mod inline_secrets;
mod mode_sections;
mod probes;
mod quorum;
mod requests_limits;
mod singleton;
mod spread_zones;
mod timeouts;

use super::Topology;
use crate::diagnostic::Diagnostic;
use crate::load::{Node, Span};

/// What every check gets: the typed topology and the document for spans.
pub struct Cx<'a> {
    pub t: &'a Topology,
    pub doc: &'a Node,
}

impl Cx<'_> {
    pub fn span(&self, pointer: &str) -> Option<Span> {
        Some(self.doc.span_of(pointer))
    }

    /// An error at a JSON pointer of the topology, with its dotted path.
    pub fn error(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .at(self.span(pointer))
            .path(crate::load::dotted(pointer))
    }

    pub fn warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::warning(code, message)
            .at(self.span(pointer))
            .path(crate::load::dotted(pointer))
    }
}

type Check = fn(&Cx) -> Vec<Diagnostic>;

/// Checks of what the user wrote, field by field.
const FIELD_CHECKS: &[Check] = &[
    images_pinned::check,
    inline_secrets::check,
    mode_sections::check,
    requests_limits::check,
    singleton::check,
    spread_zones::check,
    timeouts::check,
    disruption::check,
    quorum::check,
    probes::check,
    grace::check,
];

/// Checks of what the fields add up to (connections, placement). They run
/// only on a topology whose fields passed: a wrong unit or a missing
/// section would otherwise be reported a second time as its consequence.
const DERIVED_CHECKS: &[Check] = &[connections::check, capacity::check];

pub fn run(t: &Topology, doc: &Node) -> Vec<Diagnostic> {
    let cx = Cx { t, doc };
    let mut found: Vec<Diagnostic> = FIELD_CHECKS.iter().flat_map(|check| check(&cx)).collect();
    if !found.iter().any(Diagnostic::is_error) {
        found.extend(DERIVED_CHECKS.iter().flat_map(|check| check(&cx)));
    }
    found
}
