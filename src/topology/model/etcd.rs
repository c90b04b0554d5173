//! etcd, the consensus store behind Patroni.

use super::resources::{Resources, Volume};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The etcd cluster Patroni keeps its leader lock in.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Etcd {
    /// Members; odd, so a majority survives a loss.
    #[schemars(range(min = 1, max = 9))]
    pub members: u32,
    pub storage: Volume,
    pub resources: Resources,
}
