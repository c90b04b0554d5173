//! Release identity: the name every object carries and its namespace.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Release identity.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// Release name, the prefix of every object name (`dify` gives
    /// `dify-api`, `dify-worker`, ...).
    #[schemars(length(max = 40), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// Namespace every object is created in (rendered as a Namespace).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub namespace: String,
}

/// A DNS-label-like name (zones, classes).
pub type Name = String;
