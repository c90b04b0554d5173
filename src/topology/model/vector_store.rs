//! The vector database.

use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The vector database Dify's knowledge bases use (run outside this release).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VectorStore {
    #[serde(rename = "type")]
    pub kind: VectorStoreKind,
    /// HTTP endpoint (`http://weaviate.weaviate.svc:8080`).
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: String,
    /// gRPC endpoint, for Weaviate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_endpoint: Option<String>,
    /// API key or token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VectorStoreKind {
    Weaviate,
    Qdrant,
    Milvus,
}
