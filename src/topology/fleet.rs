//! A `fleet` split into its trees: one complete document per environment
//! and cluster, each the base (the file without `fleet`) with the
//! environment's overlay, the cluster's and the pair's merged over it by
//! [`layers::merge`], as a later `-f` file is. Every node keeps the span of
//! the layer it came from, so a mistake in an overlay is reported at the
//! overlay's line when the tree is checked ([`super::finish`]).
//!
//! Input: the user's layered document. Output: the fleet section, checked
//! on its own against its part of the schema and by the rules below
//! (`T160`-`T164`), and the trees in path order. Invariant: no tree's
//! document holds `fleet`, so a change to one cluster's overlay changes
//! no other tree (not even its provenance hash).

use super::layers::{self, Removals};
use super::model::{Fleet, GitOpsKind};
use crate::diagnostic::{codes, Diagnostic};
use crate::load::{Key, Node, Value};

/// The folder beside the trees that holds the Argo CD or Flux objects.
pub const GITOPS_DIR: &str = "gitops";

/// Fields an overlay may not set: they belong to the base.
const BASE_ONLY: &[&str] = &["fleet", "apiVersion", "kind"];

/// One tree of a fleet, before its profile and checks.
pub struct TreeDoc {
    pub environment: Option<String>,
    pub cluster: Option<String>,
    /// The user's document for this tree (no `fleet`).
    pub doc: Node,
    /// The base's `null`s and the overlays'.
    pub removals: Removals,
}

impl TreeDoc {
    /// Its folder under `--output-dir`: `production/eu-west`, `eu-west`, `staging`.
    pub fn name(&self) -> String {
        tree_name(self.environment.as_deref(), self.cluster.as_deref())
    }
}

pub fn tree_name(environment: Option<&str>, cluster: Option<&str>) -> String {
    [environment, cluster]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/")
}

/// The fleet of a user's document and its trees; `Ok(None)` when the
/// document has no `fleet`.
pub fn split(
    user: &Node,
    removals: &Removals,
) -> Result<Option<(Fleet, Vec<TreeDoc>)>, Vec<Diagnostic>> {
    let Some(node) = user.get("fleet") else {
        return Ok(None);
    };
    let fleet = checked_section(node)?;
    let base = without(user, "fleet");
    let envs = node.get("environments");
    let clusters = node.get("clusters");
    let overlay = |section: Option<&Node>, name: &str| {
        section
            .and_then(|s| s.get(name))
            .and_then(|n| n.get("overlay"))
            .cloned()
    };
    let mut pairs: Vec<(Option<&str>, Option<&str>, Vec<Node>)> = Vec::new();
    if fleet.environments.is_empty() {
        for c in fleet.clusters.keys() {
            pairs.push((None, Some(c), overlay(clusters, c).into_iter().collect()));
        }
    } else {
        for (e, env) in &fleet.environments {
            let env_overlay = overlay(envs, e);
            match &env.clusters {
                _ if fleet.clusters.is_empty() => {
                    pairs.push((Some(e), None, env_overlay.into_iter().collect()));
                }
                None => {
                    for c in fleet.clusters.keys() {
                        let layers = [env_overlay.clone(), overlay(clusters, c)];
                        pairs.push((Some(e), Some(c), layers.into_iter().flatten().collect()));
                    }
                }
                Some(listed) => {
                    for c in listed.keys() {
                        let pair = envs
                            .and_then(|s| s.get(e))
                            .and_then(|n| n.get("clusters"))
                            .and_then(|n| n.get(c))
                            .cloned();
                        let layers = [env_overlay.clone(), overlay(clusters, c), pair];
                        pairs.push((Some(e), Some(c), layers.into_iter().flatten().collect()));
                    }
                }
            }
        }
    }
    let trees = pairs
        .into_iter()
        .map(|(environment, cluster, overlays)| {
            let mut removals = removals.clone();
            let mut doc = base.clone();
            for layer in overlays {
                removals.record(&layer);
                doc = layers::merge(doc, layer);
            }
            TreeDoc {
                environment: environment.map(str::to_string),
                cluster: cluster.map(str::to_string),
                doc,
                removals,
            }
        })
        .collect();
    Ok(Some((fleet, trees)))
}

/// The section against its part of the topology's schema (findings outside
/// `fleet` belong to the trees), then the rules the schema cannot say.
fn checked_section(node: &Node) -> Result<Fleet, Vec<Diagnostic>> {
    let alone = Node {
        value: Value::Map(vec![(
            Key {
                name: "fleet".into(),
                span: node.span,
            },
            node.clone(),
        )]),
        span: node.span,
    };
    let diags: Vec<Diagnostic> = super::schema::check(&alone)
        .into_iter()
        .filter(|d| {
            d.path
                .as_deref()
                .is_some_and(|p| p == "fleet" || p.starts_with("fleet."))
        })
        .collect();
    if !diags.is_empty() {
        return Err(diags);
    }
    let fleet: Fleet = serde_json::from_value(node.to_json()).map_err(|e| {
        vec![Diagnostic::error(
            codes::T_BAD_VALUE,
            format!("`fleet` does not fit the model: {e}"),
        )
        .at(Some(node.span))
        .path("fleet")]
    })?;
    let diags = rules(&fleet, node);
    if diags.is_empty() {
        Ok(fleet)
    } else {
        Err(diags)
    }
}

/// `T160`-`T164`: what the schema cannot say about a fleet.
fn rules(fleet: &Fleet, node: &Node) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let span_of = |pointer: &str| Some(node.span_of(pointer));
    let key_span = |pointer: &str, key: &str| node.key_span(pointer, key).or(span_of(pointer));
    if fleet.environments.is_empty() && fleet.clusters.is_empty() {
        diags.push(
            Diagnostic::error(codes::T_FLEET_EMPTY, "`fleet` declares no environment and no cluster")
                .at(Some(node.span))
                .path("fleet")
                .help("add `fleet.clusters.<name>:` (or `fleet.environments`), or remove `fleet` for one tree"),
        );
    }
    for (section, names) in [
        (
            "environments",
            fleet.environments.keys().collect::<Vec<_>>(),
        ),
        ("clusters", fleet.clusters.keys().collect()),
    ] {
        for name in names {
            if name == GITOPS_DIR {
                diags.push(
                    Diagnostic::error(
                        codes::T_FLEET_RESERVED_NAME,
                        format!("`{name}` is the folder of the Argo CD or Flux objects"),
                    )
                    .at(key_span(&format!("/{section}"), name))
                    .path(format!("fleet.{section}.{name}"))
                    .help("give it another name"),
                );
            }
        }
    }
    let mut overlays: Vec<(String, Option<&Node>)> = Vec::new();
    for (e, env) in &fleet.environments {
        let at = format!("/environments/{e}");
        overlays.push((
            format!("{at}/overlay"),
            node.pointer(&format!("{at}/overlay")),
        ));
        if let Some(listed) = &env.clusters {
            if listed.is_empty() && !fleet.clusters.is_empty() {
                diags.push(
                    Diagnostic::error(
                        codes::T_FLEET_EMPTY,
                        format!("environment `{e}` runs in no cluster"),
                    )
                    .at(span_of(&format!("{at}/clusters")))
                    .path(format!("fleet.environments.{e}.clusters"))
                    .help("list the clusters it runs in, or remove `clusters` to run it in every cluster"),
                );
            }
            for c in listed.keys() {
                let pointer = format!("{at}/clusters/{c}");
                overlays.push((pointer.clone(), node.pointer(&pointer)));
                if !fleet.clusters.contains_key(c) {
                    let declared: Vec<&str> = fleet.clusters.keys().map(String::as_str).collect();
                    let help = crate::diagnostic::suggest(c, declared.iter().copied())
                        .unwrap_or_else(|| {
                            format!(
                                "declare it in `fleet.clusters` (declared: {})",
                                list(&declared)
                            )
                        });
                    diags.push(
                        Diagnostic::error(
                            codes::T_FLEET_UNKNOWN_CLUSTER,
                            format!("environment `{e}` runs in cluster `{c}`, which `fleet.clusters` does not declare"),
                        )
                        .at(key_span(&format!("{at}/clusters"), c))
                        .path(format!("fleet.environments.{e}.clusters.{c}"))
                        .help(help),
                    );
                }
            }
        }
        if !fleet.clusters.is_empty() {
            for (field, set) in [
                ("destination", env.destination.is_some()),
                ("kubeConfigSecret", env.kube_config_secret.is_some()),
            ] {
                if set {
                    diags.push(
                        Diagnostic::error(
                            codes::T_FLEET_UNUSED,
                            format!("`{field}` of environment `{e}` has no effect: its trees are applied to the clusters of `fleet.clusters`"),
                        )
                        .at(key_span(&at, field))
                        .path(format!("fleet.environments.{e}.{field}"))
                        .help(format!("set `{field}` on each cluster in `fleet.clusters` instead")),
                    );
                }
            }
        }
    }
    if let Some(g) = &fleet.gitops {
        let argo = g.kind != GitOpsKind::Kustomization;
        for (field, set) in [
            ("repoUrl", g.repo_url.is_some()),
            ("revision", g.revision.is_some()),
        ] {
            if argo && !set {
                diags.push(
                    Diagnostic::error(
                        codes::T_FLEET_GITOPS_FIELD,
                        format!("missing field `{field}`: Argo CD needs it to fetch the trees"),
                    )
                    .at(span_of("/gitops"))
                    .path(format!("fleet.gitops.{field}"))
                    .help(format!("add `{field}:` here (the repository and branch the `--output-dir` tree is committed to)")),
                );
            }
        }
        for (field, set) in [
            ("sourceRef", g.source_ref.is_some()),
            ("interval", g.interval.is_some()),
        ] {
            if argo && set {
                diags.push(
                    Diagnostic::error(
                        codes::T_FLEET_UNUSED,
                        format!(
                            "`{field}` has no effect with `kind: {:?}`: it is a Flux setting",
                            g.kind
                        ),
                    )
                    .at(key_span("/gitops", field))
                    .path(format!("fleet.gitops.{field}"))
                    .help(format!("remove `{field}`, or use `kind: Kustomization`")),
                );
            }
        }
    }
    for c in fleet.clusters.keys() {
        let pointer = format!("/clusters/{c}/overlay");
        overlays.push((pointer.clone(), node.pointer(&pointer)));
    }
    for (pointer, overlay) in overlays {
        let Some(overlay) = overlay else { continue };
        for field in BASE_ONLY {
            if let Some(span) = overlay.entry(field).map(|(k, _)| k.span) {
                let path = crate::source::dotted(&format!("/fleet{pointer}/{field}"));
                diags.push(
                    Diagnostic::error(
                        codes::T_FLEET_OVERLAY_FIELD,
                        format!("an overlay may not set `{field}`"),
                    )
                    .at(Some(span))
                    .path(path)
                    .help(format!(
                        "set `{field}` in the base (the file around `fleet`), once for every tree"
                    )),
                );
            }
        }
    }
    diags
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A mapping without one of its keys.
fn without(node: &Node, key: &str) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            value: Value::Map(
                entries
                    .iter()
                    .filter(|(k, _)| k.name != key)
                    .cloned()
                    .collect(),
            ),
            span: node.span,
        },
        _ => node.clone(),
    }
}
