//! Semantic checks on the input alone: what the schema cannot say. One
//! module per check, each with a doc comment saying what it checks, why, and
//! how to fix it. Checks that need derived facts (quorums, budgets,
//! placement) are `plan::checks`; they run after these.
//! To add a check: write `checks/<name>.rs` with `pub(super) fn check`,
//! register it in [`CHECKS`], add a failing topology
//! `tests/fixtures/checks/<name>.yaml`, its fixed twin `<name>.ok.yaml`, and
//! a row in `tests/integration/checks.rs`.

mod disruption;
mod grace;
mod hosts;
mod images_pinned;
mod inline_secrets;
mod logging;
mod mode_sections;
mod requests_limits;
mod singleton;
mod spread_zones;
mod timeouts;

use super::Topology;
use crate::diagnostic::Diagnostic;
use crate::load::Node;
use crate::source::Span;

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
            .path(crate::source::dotted(pointer))
    }

    pub fn warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::warning(code, message)
            .at(self.span(pointer))
            .path(crate::source::dotted(pointer))
    }
}

type Check = fn(&Cx) -> Vec<Diagnostic>;

/// Checks of what the user wrote, field by field.
const CHECKS: &[Check] = &[
    images_pinned::check,
    inline_secrets::check,
    mode_sections::check,
    requests_limits::check,
    singleton::check,
    spread_zones::check,
    timeouts::check,
    disruption::check,
    grace::check,
    logging::check,
    hosts::check,
];

pub fn run(t: &Topology, doc: &Node) -> Vec<Diagnostic> {
    let cx = Cx { t, doc };
    CHECKS.iter().flat_map(|check| check(&cx)).collect()
}
