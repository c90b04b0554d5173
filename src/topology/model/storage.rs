//! Object storage for uploaded files.

use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// File storage shared by api, worker and plugin daemon. Only object storage
/// is offered: a node-local volume breaks as soon as there are two nodes.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Storage {
    /// `s3` (AWS S3 or any S3-compatible store).
    #[serde(rename = "type")]
    pub kind: StorageKind,
    pub s3: S3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    S3,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3 {
    /// Endpoint URL; omit for AWS S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: Option<String>,
    pub region: String,
    /// Bucket for Dify's files (also holds per-tenant keys: back it up with the database).
    pub bucket: String,
    /// Bucket for plugin packages.
    pub plugin_bucket: String,
    /// `auto`, `path` or `virtual` addressing.
    pub address_style: S3AddressStyle,
    /// Use the pod's IAM role instead of access keys.
    pub use_iam_role: bool,
    /// Access key id; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<SecretRef>,
    /// Secret access key; required unless `useIamRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum S3AddressStyle {
    Auto,
    Path,
    Virtual,
}
