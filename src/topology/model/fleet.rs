//! Many environments and clusters from one topology: `fleet`.
//!
//! The rest of the file is the base; each environment, each cluster and
//! each pair of the two carries an overlay, a partial topology merged over
//! the base exactly as a later `-f` file merges over an earlier one (maps
//! key by key, lists and scalars replace, `null` removes). Every
//! environment-cluster pair becomes one complete topology, checked,
//! rendered and validated on its own, and written to its own folder of
//! `--output-dir` (`docs/fleet.md`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A partial topology: any fields of the topology, merged over what comes
/// before it (every field but `fleet`, `apiVersion` and `kind`). It is
/// checked after the merge, as part of each complete topology it goes
/// into, so a mistake in it is reported at its own line.
pub type Overlay = serde_json::Map<String, serde_json::Value>;

/// Environments (stages such as `staging` and `production`) and clusters
/// (regions, each with its own zones, nodes and domain), as overlays of the
/// rest of this file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fleet {
    /// The environments, by name (a DNS label). With both environments and
    /// clusters, each environment runs in the clusters it lists (every
    /// cluster when it lists none) and the trees are
    /// `<environment>/<cluster>/`; with environments only, each is one
    /// tree, `<environment>/`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 30}))]
    pub environments: BTreeMap<String, Environment>,
    /// The clusters, by name (a DNS label): with no environments, each is
    /// one tree, `<cluster>/`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 30}))]
    pub clusters: BTreeMap<String, Cluster>,
    /// Objects that make Argo CD or Flux apply each tree from your Git
    /// repository, written to `gitops/` beside the trees. Omit to render
    /// only the trees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitops: Option<GitOps>,
}

/// One environment: an overlay, and the clusters it runs in.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    /// Merged over the base, before any cluster's overlay (replicas,
    /// resources, the Dify version of this stage).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub overlay: Overlay,
    /// The clusters of `fleet.clusters` this environment runs in, each with
    /// an overlay for this environment in that cluster only (merged last;
    /// `{}` for none), e.g. its host name there. Omit to run in every
    /// cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 30}))]
    pub clusters: Option<BTreeMap<String, Overlay>>,
    /// With no `fleet.clusters`: the cluster this environment is applied
    /// to, as Argo CD knows it (the name given to `argocd cluster add`);
    /// default: the environment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub destination: Option<String>,
    /// With no `fleet.clusters`: the Secret (in the Flux namespace) holding
    /// the kubeconfig of the cluster a central Flux applies this
    /// environment to; omit when the cluster's own Flux applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub kube_config_secret: Option<String>,
}

/// One cluster (a region): an overlay, and how GitOps reaches it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// Merged over the base and the environment's overlay: what this
    /// cluster has of its own (`zones`, `nodes`, `ingress.host`,
    /// storage region, replicas sized for its traffic).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub overlay: Overlay,
    /// The cluster as Argo CD knows it (the name given to `argocd cluster
    /// add`, `in-cluster` for Argo CD's own); default: the cluster's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub destination: Option<String>,
    /// The Secret (in the Flux namespace) holding this cluster's kubeconfig,
    /// for a central Flux that applies to remote clusters; omit when each
    /// cluster's own Flux applies its folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub kube_config_secret: Option<String>,
}

/// Where the rendered trees live in Git, and which objects apply them.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GitOps {
    /// What to render: one Argo CD `ApplicationSet` (a list generator with
    /// one element per tree), one Argo CD `Application` per tree, or one
    /// Flux `Kustomization` per tree.
    pub kind: GitOpsKind,
    /// Argo CD: the Git repository the `--output-dir` tree is committed
    /// to, as Argo CD clones it (`https://github.com/acme/deploy.git`);
    /// required for the Argo CD kinds. Flux reads the repository through
    /// `sourceRef` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub repo_url: Option<String>,
    /// Argo CD: the branch, tag or commit to follow (`main`, `v1.4.0`,
    /// `HEAD`); required for the Argo CD kinds (Flux follows the
    /// revision of its `GitRepository`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub revision: Option<String>,
    /// The folder of the repository that `--output-dir` is (`deploy/dify`);
    /// empty for the repository's root. Each tree's objects are at
    /// `<path>/<tree>/kubernetes`.
    #[schemars(regex(pattern = r"^([A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)?$"))]
    pub path: String,
    /// Namespace of the rendered objects: Argo CD's (`argocd`) or Flux's
    /// (`flux-system`).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub namespace: String,
    /// Argo CD project of the Applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub project: Option<String>,
    /// Flux: the `GitRepository` (in `namespace`) that holds `repoUrl` at
    /// `revision`; `flux bootstrap` names its own `flux-system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub source_ref: Option<String>,
    /// Flux: how often each Kustomization is reconciled (a Go duration,
    /// `10m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    pub interval: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum GitOpsKind {
    ApplicationSet,
    Application,
    Kustomization,
}
