//! The stages in order, for the callers that run them together (the CLI,
//! the tests, the benchmarks): a topology loaded and checked by both the
//! topology's checks and the plan's ([`checked`]), and its output rendered,
//! scanned by the secret firewall and validated before anything is
//! written ([`rendered`]).

use crate::diagnostic::{self, Diagnostic};
use crate::plan::{self, Plan};
use crate::render::{self, Artifact, Family, File};
use crate::source::Sources;
use crate::topology::{self, Loaded};
use crate::{emit, validate};

/// Loads a topology and runs every check on it. `Ok` holds the topology
/// with its warnings; `Err` every finding when one of them is an error,
/// sorted by position.
pub fn checked(
    files: &[String],
    sets: &[String],
    sources: &mut Sources,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut loaded = topology::load(files, sets, sources)?;
    let more = plan::checks::run(&Plan::new(&loaded.topology), &loaded.doc, &loaded.findings);
    loaded.findings.extend(more);
    let mut findings = std::mem::take(&mut loaded.findings);
    loaded.relocate(&mut findings, sources);
    diagnostic::normalise(&mut findings);
    loaded.findings = findings;
    if loaded.findings.iter().any(Diagnostic::is_error) {
        return Err(loaded.findings);
    }
    Ok(loaded)
}

/// A render that may be written: its artifacts and the files of its tree.
pub struct Rendered {
    pub artifacts: Vec<Artifact>,
    /// Every file of the output tree, in path order.
    pub files: Vec<File>,
}

/// Why a render must not be written.
#[derive(Debug)]
pub enum Refused {
    /// The secret firewall found a secret value in the output.
    Leaks(Vec<Diagnostic>),
    /// The output fails validation (every finding, warnings included).
    Invalid(Vec<Diagnostic>),
}

/// Renders the given families (the CLI passes [`render::FAMILIES`]) and
/// runs the firewall and validation over everything they produced.
pub fn rendered(
    loaded: &Loaded,
    families: &[Family],
    sources: &mut Sources,
    kube_version: &str,
) -> Result<Rendered, Refused> {
    let plan = Plan::new(&loaded.topology);
    let artifacts = render::render_with(&plan, families);
    let leaks = render::firewall::scan(&artifacts, &topology::public::values(&loaded.doc));
    if !leaks.is_empty() {
        return Err(Refused::Leaks(leaks));
    }
    let files = emit::tree(&artifacts);
    let mut findings =
        validate::validate_rendered(&files, sources, kube_version, Some(&loaded.doc));
    loaded.relocate(&mut findings, sources);
    if findings.iter().any(Diagnostic::is_error) {
        return Err(Refused::Invalid(findings));
    }
    Ok(Rendered { artifacts, files })
}
