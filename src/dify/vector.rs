//! The vector databases Dify's knowledge bases can use: for each, its
//! `VECTOR_STORE` value, the URL schemes its endpoint takes, the ports a
//! client opens, and which topology field becomes which variable.
//!
//! Read from langgenius/dify `api/configs/middleware/vdb/*.py` (the same
//! variables in the 1.13 to 1.17 releases of the catalogue). The renderer,
//! the checks and the component graph read this table and nothing else
//! about the stores.

/// A field of `vectorStore` (`topology::VectorStore`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Endpoint,
    GrpcEndpoint,
    ApiKey,
    Username,
    Password,
    Database,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Endpoint,
        Field::GrpcEndpoint,
        Field::ApiKey,
        Field::Username,
        Field::Password,
        Field::Database,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Endpoint => "endpoint",
            Field::GrpcEndpoint => "grpcEndpoint",
            Field::ApiKey => "apiKey",
            Field::Username => "username",
            Field::Password => "password",
            Field::Database => "database",
        }
    }

    pub fn is_secret(self) -> bool {
        matches!(self, Field::ApiKey | Field::Password)
    }
}

/// Where a variable's value comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// The endpoint as written.
    Url,
    /// The endpoint's host.
    Host,
    /// The endpoint's host behind its scheme (`https://es.example`).
    SchemeHost,
    /// The endpoint's port (or the store's default).
    Port,
    /// `true` for an `https://` endpoint.
    Secure,
    /// A topology field (a Secret reference for secret fields).
    Field(Field),
    /// A fixed value.
    Const(&'static str),
    /// A fixed value, set only with an `apiKey`.
    WithApiKey(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct Store {
    /// The topology's `vectorStore.type`, which is also `VECTOR_STORE`.
    pub name: &'static str,
    /// Schemes the endpoint may have.
    pub schemes: &'static [&'static str],
    /// The port when the endpoint gives none.
    pub default_port: u16,
    /// Further ports a client opens on the same host (Couchbase's
    /// services).
    pub extra_ports: &'static [u16],
    pub vars: &'static [(&'static str, Source)],
    /// Fields that must be set; `endpoint` is always required except for
    /// pgvector, which without one is the Patroni cluster.
    pub required: &'static [Field],
}

use Field::*;
use Source::{Const, Field as F, Host, Port, SchemeHost, Secure, Url, WithApiKey};

const HTTP: &[&str] = &["http", "https"];
const MYSQL: &[&str] = &["mysql"];

pub const PGVECTOR: Store = Store {
    name: "pgvector",
    schemes: &["postgresql"],
    default_port: 5432,
    extra_ports: &[],
    vars: &[
        ("PGVECTOR_HOST", Host),
        ("PGVECTOR_PORT", Port),
        ("PGVECTOR_USER", F(Username)),
        ("PGVECTOR_PASSWORD", F(Password)),
        ("PGVECTOR_DATABASE", F(Database)),
    ],
    required: &[Database],
};

/// Every store, by `VECTOR_STORE`.
pub const STORES: &[Store] = &[
    Store {
        name: "weaviate",
        schemes: HTTP,
        default_port: 8080,
        extra_ports: &[],
        vars: &[
            ("WEAVIATE_ENDPOINT", Url),
            ("WEAVIATE_GRPC_ENDPOINT", F(GrpcEndpoint)),
            ("WEAVIATE_API_KEY", F(ApiKey)),
        ],
        required: &[],
    },
    Store {
        name: "qdrant",
        schemes: HTTP,
        default_port: 6333,
        extra_ports: &[],
        vars: &[("QDRANT_URL", Url), ("QDRANT_API_KEY", F(ApiKey))],
        required: &[],
    },
    Store {
        name: "milvus",
        schemes: HTTP,
        default_port: 19530,
        extra_ports: &[],
        vars: &[
            ("MILVUS_URI", Url),
            ("MILVUS_TOKEN", F(ApiKey)),
            ("MILVUS_USER", F(Username)),
            ("MILVUS_PASSWORD", F(Password)),
            ("MILVUS_DATABASE", F(Database)),
        ],
        required: &[],
    },
    PGVECTOR,
    Store {
        name: "elasticsearch",
        schemes: HTTP,
        default_port: 9200,
        extra_ports: &[],
        // Dify builds `host:port` and keeps a scheme given with the host.
        vars: &[
            ("ELASTICSEARCH_HOST", SchemeHost),
            ("ELASTICSEARCH_PORT", Port),
            ("ELASTICSEARCH_USERNAME", F(Username)),
            ("ELASTICSEARCH_PASSWORD", F(Password)),
        ],
        required: &[Username, Password],
    },
    Store {
        name: "opensearch",
        schemes: HTTP,
        default_port: 9200,
        extra_ports: &[],
        vars: &[
            ("OPENSEARCH_HOST", Host),
            ("OPENSEARCH_PORT", Port),
            ("OPENSEARCH_SECURE", Secure),
            ("OPENSEARCH_AUTH_METHOD", Const("basic")),
            ("OPENSEARCH_USER", F(Username)),
            ("OPENSEARCH_PASSWORD", F(Password)),
        ],
        required: &[Username, Password],
    },
    Store {
        name: "chroma",
        schemes: HTTP,
        default_port: 8000,
        extra_ports: &[],
        vars: &[
            ("CHROMA_HOST", Host),
            ("CHROMA_PORT", Port),
            ("CHROMA_DATABASE", F(Database)),
            (
                "CHROMA_AUTH_PROVIDER",
                WithApiKey("chromadb.auth.token_authn.TokenAuthClientProvider"),
            ),
            ("CHROMA_AUTH_CREDENTIALS", F(ApiKey)),
        ],
        required: &[],
    },
    Store {
        name: "tidb_vector",
        schemes: MYSQL,
        default_port: 4000,
        extra_ports: &[],
        vars: &[
            ("TIDB_VECTOR_HOST", Host),
            ("TIDB_VECTOR_PORT", Port),
            ("TIDB_VECTOR_USER", F(Username)),
            ("TIDB_VECTOR_PASSWORD", F(Password)),
            ("TIDB_VECTOR_DATABASE", F(Database)),
        ],
        required: &[Username, Password, Database],
    },
    Store {
        name: "myscale",
        schemes: HTTP,
        default_port: 8123,
        extra_ports: &[],
        vars: &[
            ("MYSCALE_HOST", Host),
            ("MYSCALE_PORT", Port),
            ("MYSCALE_USER", F(Username)),
            ("MYSCALE_PASSWORD", F(Password)),
            ("MYSCALE_DATABASE", F(Database)),
        ],
        required: &[Username, Password, Database],
    },
    Store {
        name: "oceanbase",
        schemes: MYSQL,
        default_port: 2881,
        extra_ports: &[],
        vars: &[
            ("OCEANBASE_VECTOR_HOST", Host),
            ("OCEANBASE_VECTOR_PORT", Port),
            ("OCEANBASE_VECTOR_USER", F(Username)),
            ("OCEANBASE_VECTOR_PASSWORD", F(Password)),
            ("OCEANBASE_VECTOR_DATABASE", F(Database)),
        ],
        required: &[Username, Password, Database],
    },
    Store {
        name: "couchbase",
        schemes: &["couchbase", "couchbases"],
        // The key-value service; the SDK also opens the cluster manager,
        // views, query, search (the vector index) and analytics ports.
        default_port: 11210,
        extra_ports: &[8091, 8092, 8093, 8094, 8095, 8096],
        vars: &[
            ("COUCHBASE_CONNECTION_STRING", Url),
            ("COUCHBASE_USER", F(Username)),
            ("COUCHBASE_PASSWORD", F(Password)),
            ("COUCHBASE_BUCKET_NAME", F(Database)),
            ("COUCHBASE_SCOPE_NAME", Const("_default")),
        ],
        required: &[Username, Password, Database],
    },
];

/// The row of a `vectorStore.type`.
pub fn store(name: &str) -> Option<&'static Store> {
    STORES.iter().find(|s| s.name == name)
}

impl Store {
    /// Whether the store reads `field`.
    pub fn reads(&self, field: Field) -> bool {
        field == Field::Endpoint
            || self
                .vars
                .iter()
                .any(|(_, s)| matches!(s, F(f) if *f == field))
    }

    /// Every variable the store sets.
    pub fn variables(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.vars.iter().map(|(name, _)| *name)
    }
}

/// The fixed values the stores' variables take (public: they are in the
/// binary, so the secret firewall masks them).
pub fn constants() -> impl Iterator<Item = &'static str> {
    STORES
        .iter()
        .flat_map(|s| s.vars)
        .filter_map(|(_, source)| match source {
            Source::Const(v) | Source::WithApiKey(v) => Some(*v),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_field_is_read_and_names_are_distinct() {
        let mut names = Vec::new();
        for s in STORES {
            for f in s.required {
                assert!(s.reads(*f), "{} requires unread {:?}", s.name, f);
            }
            names.push(s.name);
        }
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
