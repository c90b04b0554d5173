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
    let (user, removals) = topology::layered(files, sets, sources)?;
    checked_doc(user, removals, sources)
}

/// A render that may be written: its artifacts and the files of its tree.
pub struct Rendered {
    pub artifacts: Vec<Artifact>,
    /// Every file of the output tree, in path order; for a render of the
    /// objects alone, their files only if validation had findings (a clean
    /// one writes the objects from `artifacts`).
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
    rendered_by(
        &Plan::new(&loaded.topology),
        loaded,
        families,
        sources,
        kube_version,
    )
}

/// [`rendered`] for a run that writes only the Kubernetes objects (the
/// stdout stream, a diff): the other files are neither rendered nor scanned
/// nor validated, and `files` holds the objects' own, with no
/// kustomization.
pub fn rendered_objects(
    loaded: &Loaded,
    families: &[Family],
    sources: &mut Sources,
    kube_version: &str,
) -> Result<Rendered, Refused> {
    let plan = Plan::objects_only(&loaded.topology);
    rendered_by(&plan, loaded, families, sources, kube_version)
}

fn rendered_by(
    plan: &Plan,
    loaded: &Loaded,
    families: &[Family],
    sources: &mut Sources,
    kube_version: &str,
) -> Result<Rendered, Refused> {
    let artifacts = render::render_with(plan, families);
    let leaks = render::firewall::scan(&artifacts, &topology::public::values(&loaded.doc));
    if !leaks.is_empty() {
        return Err(Refused::Leaks(leaks));
    }
    let objects_only = !plan.writes_files()
        && artifacts
            .iter()
            .all(|a| matches!(a.content, render::Content::Object(_)));
    let (files, mut findings) = if objects_only {
        validated_objects(&artifacts, sources, kube_version, loaded)
    } else {
        let files = emit::tree(&artifacts);
        let findings = validate::validate_rendered(
            &artifacts,
            &files,
            sources,
            kube_version,
            Some(&loaded.doc),
        );
        (files, findings)
    };
    loaded.relocate(&mut findings, sources);
    if findings.iter().any(Diagnostic::is_error) {
        return Err(Refused::Invalid(findings));
    }
    Ok(Rendered { artifacts, files })
}

/// Validation of a render of objects alone (the stdout stream), which
/// validation reads from their values: their texts are written only when a
/// finding must point into them, and then validation runs again on them for
/// the same findings at their lines. A clean render keeps no text: the
/// stream is written object by object after validation
/// ([`emit::write_stream`]), and `files` is empty.
fn validated_objects(
    artifacts: &[Artifact],
    sources: &mut Sources,
    kube_version: &str,
    loaded: &Loaded,
) -> (Vec<File>, Vec<Diagnostic>) {
    let mark = sources.len();
    let unwritten = emit::unwritten(artifacts);
    let findings = validate::validate_rendered(
        artifacts,
        &unwritten,
        sources,
        kube_version,
        Some(&loaded.doc),
    );
    if findings.is_empty() {
        return (Vec::new(), findings);
    }
    sources.truncate(mark);
    let files = emit::files(artifacts);
    let findings =
        validate::validate_rendered(artifacts, &files, sources, kube_version, Some(&loaded.doc));
    (files, findings)
}

/// One tree of a fleet, checked.
pub struct Tree {
    /// Its folder under `--output-dir` (`production/eu-west`).
    pub name: String,
    pub environment: Option<String>,
    pub cluster: Option<String>,
    pub loaded: Loaded,
}

/// A topology checked: one tree, or a fleet of them.
pub enum Checked {
    One(Box<Loaded>),
    Fleet {
        fleet: Box<topology::Fleet>,
        trees: Vec<Tree>,
    },
}

/// Like [`checked`], for a topology that may declare a `fleet`: every tree
/// is loaded and checked, and a finding says which trees it is in
/// ([`in_trees`]). `Err` when any tree has an error.
pub fn checked_all(
    files: &[String],
    sets: &[String],
    sources: &mut Sources,
) -> Result<Checked, Vec<Diagnostic>> {
    let (user, removals) = topology::layered(files, sets, sources)?;
    let Some((fleet, docs)) = topology::fleet::split(&user, &removals)? else {
        return checked_doc(user, removals, sources).map(|l| Checked::One(Box::new(l)));
    };
    let mut trees = Vec::new();
    let mut found = Vec::new();
    for doc in docs {
        let name = doc.name();
        match checked_doc(doc.doc, doc.removals, sources) {
            Ok(loaded) => {
                found.push((name.clone(), loaded.findings.clone()));
                trees.push(Tree {
                    name,
                    environment: doc.environment,
                    cluster: doc.cluster,
                    loaded,
                });
            }
            Err(diags) => found.push((name, diags)),
        }
    }
    let noun = noun(&fleet);
    let total = found.len();
    let all = in_trees(found, total, noun);
    if all.iter().any(Diagnostic::is_error) {
        return Err(all);
    }
    // The warnings, once each and tagged, travel on the first tree.
    if let Some(first) = trees.first_mut() {
        first.loaded.findings = all;
    }
    for t in trees.iter_mut().skip(1) {
        t.loaded.findings.clear();
    }
    Ok(Checked::Fleet {
        fleet: Box::new(fleet),
        trees,
    })
}

/// What a tree is called in messages: a cluster, or an environment when
/// the fleet has no clusters.
pub fn noun(fleet: &topology::Fleet) -> &'static str {
    if fleet.clusters.is_empty() {
        "environment"
    } else {
        "cluster"
    }
}

fn checked_doc(
    user: crate::load::Node,
    removals: topology::layers::Removals,
    sources: &mut Sources,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut loaded = topology::finish(user, removals, sources)?;
    // The checks read no file but the objects' facts.
    let plan = Plan::objects_only(&loaded.topology);
    let more = plan::checks::run(&plan, &loaded.doc, &loaded.findings);
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

/// The findings of several trees, one message per problem: a finding that
/// is the same in several trees (a mistake in the base, or in an
/// environment's overlay) is reported once, saying which trees it is in
/// (`(in cluster production/eu-west)`, `(in clusters a, b)`, `(in every
/// cluster)`).
pub fn in_trees(
    found: Vec<(String, Vec<Diagnostic>)>,
    total: usize,
    noun: &str,
) -> Vec<Diagnostic> {
    let mut groups: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for (tree, diags) in found {
        for d in diags {
            match groups.iter_mut().find(|(g, _)| *g == d) {
                Some((_, trees)) => trees.push(tree.clone()),
                None => groups.push((d, vec![tree.clone()])),
            }
        }
    }
    let mut out: Vec<Diagnostic> = groups
        .into_iter()
        .map(|(mut d, trees)| {
            let whom = match trees.as_slice() {
                [one] => format!("in {noun} {one}"),
                _ if trees.len() == total => format!("in every {noun}"),
                many => format!("in {noun}s {}", many.join(", ")),
            };
            d.message = format!("{} ({whom})", d.message);
            d
        })
        .collect();
    diagnostic::normalise(&mut out);
    out
}
