//! Scheduling constraints of a component's pods (node selectors, node
//! affinity, tolerations) and the node labels and taints they are matched
//! against, both by the kubelet and by `plan`'s placement.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node taint: pods without a matching toleration stay off the node
/// (`NoSchedule`, `NoExecute`) or avoid it (`PreferNoSchedule`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// Taint key (`dedicated`, `nvidia.com/gpu`).
    pub key: String,
    /// Taint value; omit for a taint without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub effect: TaintEffect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// A toleration, as in a pod spec.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// Taint key; omit with `operator: Exists` to tolerate every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Equal` (the value must match) or `Exists` (any value).
    pub operator: TolerationOperator,
    /// Taint value, with `operator: Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The effect tolerated; omit for every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// With `effect: NoExecute`: seconds the pod stays bound after the
    /// taint appears; omit to stay forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 86400))]
    pub toleration_seconds: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

impl Toleration {
    /// `operator: Exists` with no key and no effect: every taint.
    pub fn every_taint() -> Toleration {
        Toleration {
            key: None,
            operator: TolerationOperator::Exists,
            value: None,
            effect: None,
            toleration_seconds: None,
        }
    }

    /// Whether this toleration lets a pod onto a node with `taint`, by the
    /// kubelet's rule.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        match (&self.key, self.operator) {
            (None, TolerationOperator::Exists) => true,
            (None, TolerationOperator::Equal) => false,
            (Some(key), _) if *key != taint.key => false,
            (Some(_), TolerationOperator::Exists) => true,
            (Some(_), TolerationOperator::Equal) => {
                self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
            }
        }
    }
}

/// Node affinity: `required` terms the node must match (any one of them),
/// `preferred` terms the scheduler favours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAffinity {
    /// Terms of which a node must match at least one
    /// (`requiredDuringSchedulingIgnoredDuringExecution`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<NodeSelectorTerm>,
    /// Weighted terms the scheduler prefers
    /// (`preferredDuringSchedulingIgnoredDuringExecution`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred: Vec<PreferredTerm>,
}

/// Expressions a node's labels must all satisfy.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorTerm {
    #[schemars(length(min = 1))]
    pub match_expressions: Vec<NodeSelectorRequirement>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferredTerm {
    #[schemars(range(min = 1, max = 100))]
    pub weight: i32,
    #[schemars(length(min = 1))]
    pub match_expressions: Vec<NodeSelectorRequirement>,
}

/// One label expression (`node.kubernetes.io/instance-type In [m6i.xlarge]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorRequirement {
    /// Node label key.
    pub key: String,
    pub operator: NodeSelectorOperator,
    /// Values for `In` and `NotIn` (one or more), `Gt` and `Lt` (one
    /// integer); none for `Exists` and `DoesNotExist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl NodeSelectorOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeSelectorOperator::In => "In",
            NodeSelectorOperator::NotIn => "NotIn",
            NodeSelectorOperator::Exists => "Exists",
            NodeSelectorOperator::DoesNotExist => "DoesNotExist",
            NodeSelectorOperator::Gt => "Gt",
            NodeSelectorOperator::Lt => "Lt",
        }
    }

    /// How many values the operator takes: `(min, max)`.
    pub fn arity(self) -> (usize, usize) {
        match self {
            NodeSelectorOperator::In | NodeSelectorOperator::NotIn => (1, usize::MAX),
            NodeSelectorOperator::Exists | NodeSelectorOperator::DoesNotExist => (0, 0),
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => (1, 1),
        }
    }
}

impl NodeSelectorRequirement {
    /// Whether a node with `labels` satisfies the expression, by the
    /// scheduler's rule.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        let number = |s: &str| s.parse::<i64>().ok();
        match self.operator {
            NodeSelectorOperator::In => value.is_some_and(|v| self.values.contains(v)),
            NodeSelectorOperator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            NodeSelectorOperator::Exists => value.is_some(),
            NodeSelectorOperator::DoesNotExist => value.is_none(),
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
                let (Some(have), Some(bound)) = (
                    value.and_then(|v| number(v)),
                    self.values.first().and_then(|v| number(v)),
                ) else {
                    return false;
                };
                if self.operator == NodeSelectorOperator::Gt {
                    have > bound
                } else {
                    have < bound
                }
            }
        }
    }
}

impl NodeSelectorTerm {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_expressions.iter().all(|e| e.matches(labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, operator: NodeSelectorOperator, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn expressions_match_as_the_scheduler_does() {
        let labels = BTreeMap::from([
            ("pool".to_string(), "api".to_string()),
            ("cores".to_string(), "8".to_string()),
        ]);
        use NodeSelectorOperator::*;
        assert!(req("pool", In, &["api", "x"]).matches(&labels));
        assert!(!req("pool", NotIn, &["api"]).matches(&labels));
        assert!(req("gpu", NotIn, &["a"]).matches(&labels));
        assert!(req("gpu", DoesNotExist, &[]).matches(&labels));
        assert!(req("cores", Gt, &["4"]).matches(&labels));
        assert!(!req("cores", Lt, &["4"]).matches(&labels));
        assert!(!req("pool", Gt, &["4"]).matches(&labels));
    }

    #[test]
    fn tolerations_match_as_the_kubelet_does() {
        let taint = Taint {
            key: "dedicated".into(),
            value: Some("api".into()),
            effect: TaintEffect::NoSchedule,
        };
        let t = |key: Option<&str>, operator, value: Option<&str>, effect| Toleration {
            key: key.map(Into::into),
            operator,
            value: value.map(Into::into),
            effect,
            toleration_seconds: None,
        };
        use TolerationOperator::*;
        assert!(t(Some("dedicated"), Equal, Some("api"), None).tolerates(&taint));
        assert!(!t(Some("dedicated"), Equal, Some("web"), None).tolerates(&taint));
        assert!(t(
            Some("dedicated"),
            Exists,
            None,
            Some(TaintEffect::NoSchedule)
        )
        .tolerates(&taint));
        assert!(!t(
            Some("dedicated"),
            Exists,
            None,
            Some(TaintEffect::NoExecute)
        )
        .tolerates(&taint));
        assert!(t(None, Exists, None, None).tolerates(&taint));
    }
}
