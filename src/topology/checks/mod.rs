//! Semantic checks: what the schema cannot say. One module per check, each
//! with a doc comment saying what it checks, why, and how to fix it.
//! To add a check: write `checks/<name>.rs` with `pub(super) fn check`,
//! register it in [`CHECKS`], add a failing topology under
//! `tests/fixtures/err/` and its passing twin.

mod images_pinned;
mod inline_secrets;
mod mode_sections;
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

const CHECKS: &[Check] = &[
    images_pinned::check,
    inline_secrets::check,
    mode_sections::check,
    requests_limits::check,
    singleton::check,
    spread_zones::check,
    timeouts::check,
];

pub fn run(t: &Topology, doc: &Node) -> Vec<Diagnostic> {
    let cx = Cx { t, doc };
    CHECKS.iter().flat_map(|check| check(&cx)).collect()
}
