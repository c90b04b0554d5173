//! The cluster's worker nodes, for the placement and zone-loss analysis.

use super::metadata::Name;
use super::resources::ResourceList;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A group of identical worker nodes in one zone.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// Pool name, for the report (`general-a`).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// The zone its nodes are in; one of `zones`.
    pub zone: Name,
    /// Number of nodes.
    #[schemars(range(min = 1, max = 1000))]
    pub count: u32,
    /// What one node offers to pods (the node's `status.allocatable`, less
    /// what other DaemonSets, such as the CNI, request; dify-gen takes its
    /// own log agent's requests off itself).
    pub allocatable: ResourceList,
}
