//! What the topology promises when a node or a zone is lost.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The promise a topology makes, which decides how hard its checks are.
/// `ha` (what the `ha` profile sets, so every file layered over it or
/// copied from it keeps the promise) makes each thing that breaks
/// service through a node or zone loss an error: a user-facing component
/// with 0 replicas, an even etcd member count. `basic` (the `dev`
/// profile, and the default) reports the same findings as warnings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Every component keeps serving through the loss of a node or a zone.
    Ha,
    /// A trial or development install: breaks of HA are warnings.
    #[default]
    Basic,
}
