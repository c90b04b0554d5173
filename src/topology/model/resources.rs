//! Requests, limits and volumes, shared by every section that runs pods.

use crate::topology::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    pub requests: ResourceList,
    pub limits: ResourceLimits,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceList {
    /// CPU, in cores or millicores (`500m`, `1`).
    pub cpu: Quantity,
    /// Memory, in bytes with a binary suffix (`512Mi`, `2Gi`).
    pub memory: Quantity,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceLimits {
    /// CPU limit; omit to let pods burst (no CFS throttling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory limit (`2Gi`).
    pub memory: Quantity,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    /// Volume size (`20Gi`).
    pub size: Quantity,
    /// StorageClass; omit for the cluster default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
}
