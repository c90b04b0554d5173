//! Service registration in Consul.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Register the components in Consul: service definitions for the Consul
/// agent (`consul/services.json`) and, on Kubernetes, the annotations
/// Consul's catalog sync reads on each Service. Omit to register nothing.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Consul {
    /// Tags every service carries (`dify`, `production`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// How often the agent runs each health check, in seconds (the
    /// design's 10s).
    #[schemars(range(min = 1, max = 3600))]
    pub check_interval_seconds: u32,
    /// How long a check may take before it counts as failed, in seconds
    /// (the design's 3s); below the interval.
    #[schemars(range(min = 1, max = 3600))]
    pub check_timeout_seconds: u32,
    /// Minutes a service may stay critical before the agent deregisters it
    /// (at least one, Consul's minimum).
    #[schemars(range(min = 1, max = 10080))]
    pub deregister_critical_after_minutes: u32,
    /// Annotate the Kubernetes Services for consul-k8s catalog sync
    /// (`consul.hashicorp.com/service-sync`), for a sync that does not
    /// sync every Service by default.
    pub catalog_sync: bool,
}
