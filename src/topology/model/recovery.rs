//! What the release must achieve after a zone goes dark.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Objectives for the release's Deployments after a zone outage (the
/// zone's nodes present, `NotReady` and tainted `unreachable`, as in a real
/// outage). The failover objectives of PostgreSQL and Redis are in their
/// sections.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recovery {
    /// Longest a Deployment may run below its replica count after a zone
    /// goes dark, in seconds: the node controller's detection (50 s), the
    /// pods' `eviction.tolerationSeconds`, scheduling and start (10 s) and
    /// the startup probe's window. `dify-gen plan` prints each
    /// component's sum beside it; a component over it is an error under
    /// `availability: ha`, a warning otherwise (T214).
    #[schemars(range(min = 1))]
    pub capacity_objective_seconds: u32,
}
