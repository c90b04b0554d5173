//! The vector database.

use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The vector database Dify's knowledge bases use: run outside this
/// release, or, for `pgvector` without an `endpoint`, the release's own
/// Patroni cluster (the `vector` extension is created at bootstrap in
/// `database`). Which fields a store reads is its row in
/// `dify::vector::STORES`; a field it does not read is refused at its line
/// (remove one a profile set with `null`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VectorStore {
    /// The store, by Dify's `VECTOR_STORE`.
    #[serde(rename = "type")]
    pub kind: VectorStoreKind,
    /// The store's URL: `http(s)://` for Weaviate, Qdrant, Milvus,
    /// Elasticsearch, OpenSearch, Chroma and MyScale, `postgresql://` for
    /// pgvector, `mysql://` for TiDB and OceanBase, `couchbase(s)://` for
    /// Couchbase. Omit it for pgvector on the Patroni cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z][a-z0-9+.-]*://"))]
    pub endpoint: Option<String>,
    /// gRPC endpoint (`host:port`), for Weaviate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_endpoint: Option<String>,
    /// API key or token (Weaviate, Qdrant, Milvus, Chroma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretRef>,
    /// User name (Milvus, pgvector, Elasticsearch, OpenSearch, TiDB,
    /// MyScale, OceanBase, Couchbase); for pgvector on Patroni, Dify's
    /// database user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The user's password; for pgvector on Patroni, `postgres.password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// Database (Couchbase: bucket) the store keeps Dify's collections in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VectorStoreKind {
    Weaviate,
    Qdrant,
    Milvus,
    Pgvector,
    Elasticsearch,
    Opensearch,
    Chroma,
    TidbVector,
    Myscale,
    Oceanbase,
    Couchbase,
}

impl VectorStoreKind {
    pub const ALL: [VectorStoreKind; 11] = [
        VectorStoreKind::Weaviate,
        VectorStoreKind::Qdrant,
        VectorStoreKind::Milvus,
        VectorStoreKind::Pgvector,
        VectorStoreKind::Elasticsearch,
        VectorStoreKind::Opensearch,
        VectorStoreKind::Chroma,
        VectorStoreKind::TidbVector,
        VectorStoreKind::Myscale,
        VectorStoreKind::Oceanbase,
        VectorStoreKind::Couchbase,
    ];

    /// The value in the topology and in `VECTOR_STORE`.
    pub fn as_str(self) -> &'static str {
        match self {
            VectorStoreKind::Weaviate => "weaviate",
            VectorStoreKind::Qdrant => "qdrant",
            VectorStoreKind::Milvus => "milvus",
            VectorStoreKind::Pgvector => "pgvector",
            VectorStoreKind::Elasticsearch => "elasticsearch",
            VectorStoreKind::Opensearch => "opensearch",
            VectorStoreKind::Chroma => "chroma",
            VectorStoreKind::TidbVector => "tidb_vector",
            VectorStoreKind::Myscale => "myscale",
            VectorStoreKind::Oceanbase => "oceanbase",
            VectorStoreKind::Couchbase => "couchbase",
        }
    }

    /// The store's row in the catalogue.
    pub fn store(self) -> &'static crate::dify::vector::Store {
        crate::dify::vector::store(self.as_str())
            .expect("every vector store kind has a row in dify::vector::STORES")
    }
}

impl VectorStore {
    /// pgvector on the release's Patroni cluster (no endpoint of its own).
    pub fn on_patroni(&self) -> bool {
        self.kind == VectorStoreKind::Pgvector && self.endpoint.is_none()
    }

    /// The value of a string field.
    pub fn text(&self, field: crate::dify::vector::Field) -> Option<&str> {
        use crate::dify::vector::Field;
        match field {
            Field::Endpoint => self.endpoint.as_deref(),
            Field::GrpcEndpoint => self.grpc_endpoint.as_deref(),
            Field::Username => self.username.as_deref(),
            Field::Database => self.database.as_deref(),
            Field::ApiKey | Field::Password => None,
        }
    }

    /// The value of a Secret field.
    pub fn secret(&self, field: crate::dify::vector::Field) -> Option<&SecretRef> {
        use crate::dify::vector::Field;
        match field {
            Field::ApiKey => self.api_key.as_ref(),
            Field::Password => self.password.as_ref(),
            _ => None,
        }
    }

    /// Whether a field is set.
    pub fn has(&self, field: crate::dify::vector::Field) -> bool {
        self.text(field).is_some() || self.secret(field).is_some()
    }
}

impl VectorStore {
    /// The Secret references, with their JSON pointers.
    pub fn secret_refs(&self) -> Vec<(String, &SecretRef)> {
        use crate::dify::vector::Field;
        [Field::ApiKey, Field::Password]
            .into_iter()
            .filter_map(|f| Some((format!("/vectorStore/{}", f.key()), self.secret(f)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_row() {
        for k in VectorStoreKind::ALL {
            assert_eq!(k.store().name, k.as_str());
        }
        assert_eq!(
            VectorStoreKind::ALL.len(),
            crate::dify::vector::STORES.len()
        );
    }
}
