//! Which node pools a component's pods may run on: its `nodeSelector`, its
//! required node affinity and its tolerations against each pool's labels
//! and taints, by the scheduler's rules. `capacity` places pods only on
//! the pools admitted here, and spreads them over those pools' zones only
//! (topology spread honours node affinity by default).

use crate::topology::{Component, NodePool, NodeSelectorTerm, TaintEffect, Toleration};
use std::collections::BTreeMap;

/// What a pod asks of a node.
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    pub node_selector: BTreeMap<String, String>,
    /// Any one of these must match; empty: no requirement.
    pub required: Vec<NodeSelectorTerm>,
    pub tolerations: Vec<Toleration>,
}

impl Constraints {
    pub fn of(c: &Component) -> Constraints {
        Constraints {
            node_selector: c.node_selector.clone(),
            required: c
                .node_affinity
                .as_ref()
                .map(|a| a.required.clone())
                .unwrap_or_default(),
            tolerations: c.tolerations.clone(),
        }
    }

    /// Whether the pod selects some nodes and not others.
    pub fn selects(&self) -> bool {
        !self.node_selector.is_empty() || !self.required.is_empty()
    }

    /// Whether the pod may run on the pool's nodes: labels match the
    /// selector and one required term, and every taint that repels
    /// (`NoSchedule`, `NoExecute`) is tolerated.
    pub fn admits(&self, pool: &NodePool) -> bool {
        let selected = self
            .node_selector
            .iter()
            .all(|(k, v)| pool.node_label(k) == Some(v.as_str()));
        // The labels as a map only for the terms that read one.
        let affine = self.required.is_empty() || {
            let labels = pool.node_labels();
            self.required.iter().any(|t| t.matches(&labels))
        };
        let tolerated = pool
            .taints
            .iter()
            .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
            .all(|taint| self.tolerations.iter().any(|t| t.tolerates(taint)));
        selected && affine && tolerated
    }
}
