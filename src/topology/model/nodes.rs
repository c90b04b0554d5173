//! The cluster's worker nodes, for the placement and zone-loss analysis.

use super::metadata::Name;
use super::resources::ResourceList;
use super::scheduling::Taint;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Labels its nodes carry, matched against the components'
    /// `nodeSelector` and `nodeAffinity` (`topology.kubernetes.io/zone` is
    /// the pool's zone without saying so).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Taints its nodes carry: only pods that tolerate them land there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

impl NodePool {
    /// The labels a scheduler sees on the pool's nodes: its own and the zone.
    pub fn node_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels
            .entry("topology.kubernetes.io/zone".into())
            .or_insert_with(|| self.zone.to_string());
        labels
    }

    /// One of [`NodePool::node_labels`], without building them.
    pub fn node_label(&self, key: &str) -> Option<&str> {
        match self.labels.get(key) {
            Some(v) => Some(v),
            None => (key == "topology.kubernetes.io/zone").then_some(self.zone.as_str()),
        }
    }
}
