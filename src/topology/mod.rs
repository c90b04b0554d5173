//! Stage 2, `topology`: layered YAML in, a typed and checked [`Topology`] out.
//!
//! Input: the `-f` files (and `--set` overrides) as loaded [`Node`] trees.
//! Output: the merged document (kept for its spans) and the typed model.
//! Invariants: the result satisfies the topology's JSON Schema; what the
//! semantic checks in [`checks`] found travels with it, for
//! [`crate::pipeline::checked`] to join with the plan's checks and judge.

pub mod checks;
pub mod cron;
pub mod fleet;
pub mod layers;
pub mod model;
pub mod public;
pub mod quantity;
pub mod reference;
pub mod schema;

pub use model::*;

use crate::diagnostic::{self, codes, Diagnostic};
use crate::load::{self, Node};
use crate::source::Sources;
use std::any::Any;
use std::sync::Arc;

/// A topology that fits the model, with the document it came from.
pub struct Loaded {
    pub topology: Topology,
    pub doc: Node,
    /// What the checks found. From [`load`], the topology's own field
    /// checks (errors included, so that the plan's checks can still add
    /// theirs); from [`crate::pipeline::checked`], only warnings, which do
    /// not stop a render (`--strict` turns them into errors).
    pub findings: Vec<Diagnostic>,
    /// Where the layers' `null`s removed fields, to report a required one
    /// at its `null`.
    pub removals: layers::Removals,
    /// What a later stage derived from `topology` while checking it, for
    /// the same run's render to reuse instead of deriving it again
    /// (`pipeline` keeps the built-in alert rules here). Its type is
    /// erased so that this stage names none of the later ones.
    derived: Option<Arc<dyn Any + Send + Sync>>,
}

impl Loaded {
    /// Points findings where the user can act: at the `null` that removed
    /// a required field, at the `profile:` line for a value of a bundled
    /// profile (`layers`).
    pub fn relocate(&self, diags: &mut [Diagnostic], sources: &Sources) {
        self.removals.relocate(diags, sources);
        layers::relocate(diags, &self.doc, sources);
    }

    /// Keeps what a later stage derived from `topology` ([`Loaded::derived`]):
    /// only for a `Loaded` whose `topology` is not changed afterwards.
    pub fn keep_derived(&mut self, value: Arc<dyn Any + Send + Sync>) {
        self.derived = Some(value);
    }

    /// What [`Loaded::keep_derived`] kept, if it is a `T`.
    pub fn derived<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.derived.clone()?.downcast().ok()
    }
}

/// Reads, layers and validates a topology against its schema and model,
/// and runs the checks on the input alone. `Err` when it does not fit the
/// schema (nothing later could run on it).
pub fn load(
    files: &[String],
    sets: &[String],
    sources: &mut Sources,
) -> Result<Loaded, Vec<Diagnostic>> {
    let (user, removals) = layered(files, sets, sources)?;
    finish(user, removals, sources)
}

/// The `-f` files and `--set` overrides merged in order, before the
/// profile: the user's document, and where its `null`s removed fields.
pub fn layered(
    files: &[String],
    sets: &[String],
    sources: &mut Sources,
) -> Result<(Node, layers::Removals), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut merged: Option<Node> = None;
    let mut removals = layers::Removals::default();
    for path in files {
        let file = match load::read(path, sources) {
            Ok(f) => f,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match load::parse_one(sources, file, "topology") {
            Ok(doc) => {
                removals.record(&doc);
                merged = Some(merge_into(merged, doc));
            }
            Err(d) => diags.extend(d),
        }
    }
    for arg in sets {
        match layers::set_overlay(arg, sources) {
            Ok(overlay) => {
                removals.record(&overlay);
                merged = Some(merge_into(merged, overlay));
            }
            Err(d) => diags.extend(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let Some(user) = merged else {
        return Err(vec![Diagnostic::error(codes::E_IO, "no topology given")
            .help("pass `-f topology.yaml` (or `-f -` for stdin)")]);
    };
    Ok((user, removals))
}

/// A user's document (layered, or one tree of a `fleet`) under its
/// profile, checked against the schema and the model, with the checks on
/// the input alone run.
pub fn finish(
    user: Node,
    removals: layers::Removals,
    sources: &mut Sources,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut doc = layers::with_profile(user, sources)?;
    layers::drop_nulls(&mut doc);
    let mut json = doc.to_json();
    let mut diags = schema::check_json(&doc, &json);
    if !diags.is_empty() {
        removals.relocate(&mut diags, sources);
        layers::relocate(&mut diags, &doc, sources);
        diagnostic::normalise(&mut diags);
        return Err(diags);
    }
    integral_floats(&mut json);
    let topology: Topology = match serde_json::from_value(json) {
        Ok(t) => t,
        Err(e) => {
            // The schema is generated from the same types, so this only
            // happens on a mismatch between the two: report it, never panic.
            return Err(vec![Diagnostic::error(
                codes::T_BAD_VALUE,
                format!("topology does not fit the model: {e}"),
            )
            .at(Some(doc.span))]);
        }
    };
    let findings = checks::run(&topology, &doc);
    Ok(Loaded {
        topology,
        doc,
        findings,
        removals,
        derived: None,
    })
}

/// `3.0` where the model wants an integer: the schema (JSON Schema counts
/// `3.0` as an integer) has accepted it, so the model takes it as `3`
/// rather than failing without a line.
fn integral_floats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().expect("an f64 number");
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

fn merge_into(acc: Option<Node>, next: Node) -> Node {
    match acc {
        Some(base) => layers::merge(base, next),
        None => next,
    }
}
