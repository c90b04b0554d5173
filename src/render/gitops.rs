//! The objects that make Argo CD or Flux apply each tree of a fleet from
//! the user's Git repository (`fleet.gitops`): one Argo CD ApplicationSet
//! with a list generator, one Application per tree, or one Flux
//! Kustomization per tree, each pointing at `<path>/<tree>/kubernetes`
//! (the tree's kustomization). Written to `gitops/` beside the trees and
//! validated against the bundled CRD schemas like every other object.
//!
//! Not a family of [`super::FAMILIES`]: a family renders one plan, these
//! objects span every tree.

use super::{kubernetes, Artifact, Content, OBJECTS_DIR};
use crate::names::derived;
use crate::topology::fleet::GITOPS_DIR;
use crate::topology::{GitOps, GitOpsKind};
use serde_json::{json, Value};

/// One tree as GitOps sees it.
pub struct Target {
    /// Its folder (`production/eu-west`).
    pub tree: String,
    pub environment: Option<String>,
    pub cluster: Option<String>,
    /// The tree's `metadata.name` and `metadata.namespace`.
    pub release: String,
    pub namespace: String,
    /// The cluster as Argo CD knows it.
    pub destination: String,
    /// The Secret with the cluster's kubeconfig, for a central Flux.
    pub kube_config_secret: Option<String>,
}

impl Target {
    /// `<release>-<environment>-<cluster>`, within a DNS label.
    fn object_name(&self) -> String {
        let parts: Vec<&str> = [self.environment.as_deref(), self.cluster.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        derived::object("Application", &self.release, &parts)
    }
}

/// The Argo CD or Flux objects for the trees, in path order.
pub fn render(g: &GitOps, targets: &[Target]) -> Vec<Artifact> {
    let path = |t: &Target| {
        [g.path.as_str(), t.tree.as_str(), OBJECTS_DIR]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    };
    let repo = g.repo_url.clone().unwrap_or_default();
    let revision = g.revision.clone().unwrap_or_default();
    let project = g.project.clone().unwrap_or_else(|| "default".into());
    let sync = json!({"automated": {"prune": true, "selfHeal": true}});
    let docs: Vec<Value> = match g.kind {
        GitOpsKind::ApplicationSet => {
            let elements: Vec<Value> = targets
                .iter()
                .map(|t| {
                    json!({
                        "name": t.object_name(),
                        "path": path(t),
                        "destination": t.destination,
                        "namespace": t.namespace,
                    })
                })
                .collect();
            let name = targets
                .first()
                .map_or_else(|| "dify".to_string(), |t| t.release.clone());
            vec![json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ApplicationSet",
                "metadata": {"name": name, "namespace": g.namespace},
                "spec": {
                    "goTemplate": true,
                    "goTemplateOptions": ["missingkey=error"],
                    "generators": [{"list": {"elements": elements}}],
                    "template": {
                        "metadata": {"name": "{{.name}}"},
                        "spec": {
                            "project": project,
                            "source": {"repoURL": repo, "targetRevision": revision, "path": "{{.path}}"},
                            "destination": {"name": "{{.destination}}", "namespace": "{{.namespace}}"},
                            "syncPolicy": sync,
                        },
                    },
                },
            })]
        }
        GitOpsKind::Application => targets
            .iter()
            .map(|t| {
                json!({
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Application",
                    "metadata": {"name": t.object_name(), "namespace": g.namespace},
                    "spec": {
                        "project": project,
                        "source": {"repoURL": repo, "targetRevision": revision, "path": path(t)},
                        "destination": {"name": t.destination, "namespace": t.namespace},
                        "syncPolicy": sync,
                    },
                })
            })
            .collect(),
        GitOpsKind::Kustomization => targets
            .iter()
            .map(|t| {
                let mut spec = json!({
                    "interval": g.interval.clone().unwrap_or_else(|| "10m".into()),
                    "path": format!("./{}", path(t)),
                    "prune": true,
                    "wait": true,
                    "sourceRef": {
                        "kind": "GitRepository",
                        "name": g.source_ref.clone().unwrap_or_else(|| "flux-system".into()),
                    },
                });
                if let Some(secret) = &t.kube_config_secret {
                    spec["kubeConfig"] = json!({"secretRef": {"name": secret}});
                }
                json!({
                    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                    "kind": "Kustomization",
                    "metadata": {"name": t.object_name(), "namespace": g.namespace},
                    "spec": spec,
                })
            })
            .collect(),
    };
    docs.into_iter()
        .map(|doc| Artifact {
            family: GITOPS_DIR,
            path: kubernetes::file_path(GITOPS_DIR, &doc),
            content: Content::Object(doc),
        })
        .collect()
}
