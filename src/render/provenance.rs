//! Provenance: every Kubernetes object says which dify-gen rendered it and
//! from which topology, so that whoever finds it in a cluster can trace it
//! back (and `dify-gen diff` can tell a changed input from a changed
//! program).
//!
//! Two annotations on the object's own `metadata` (never on a pod
//! template, where a new topology hash would restart every pod):
//! - [`GENERATOR`]: `dify-gen <version>`;
//! - [`TOPOLOGY_HASH`]: the SHA-256 of the effective topology (profile,
//!   `-f` layers and `--set` merged, as canonical JSON), so two inputs that
//!   mean the same (comments, key order, a value moved between layers)
//!   have one hash. Never a timestamp: the same input renders the same
//!   bytes, which keeps `render --check` meaningful.

use super::{Artifact, Content};
use crate::topology::model::Topology;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENERATOR: &str = "dify-gen.io/generated-by";
pub const TOPOLOGY_HASH: &str = "dify-gen.io/topology-sha256";

/// Every annotation this module writes (for comparisons that ignore them).
pub const ANNOTATIONS: &[&str] = &[GENERATOR, TOPOLOGY_HASH];

/// `dify-gen <version>`.
pub fn generator() -> String {
    format!("dify-gen {}", env!("CARGO_PKG_VERSION"))
}

/// The SHA-256 (hex) of the topology as canonical JSON.
pub fn topology_hash(t: &Topology) -> String {
    // The JSON text streams into the hasher: no buffer of it is built.
    let mut hasher = Sha256::new();
    serde_json::to_writer(&mut hasher, t).expect("the topology serialises");
    crate::names::derived::hex(&hasher.finalize())
}

/// Annotates every Kubernetes object among `artifacts`.
pub fn stamp(artifacts: &mut [Artifact], t: &Topology) {
    let generator = Value::String(generator());
    let hash = Value::String(topology_hash(t));
    for a in artifacts {
        let Content::Object(Value::Object(doc)) = &mut a.content else {
            continue;
        };
        // Every object has its metadata: `entry` would allocate its key.
        if !doc.contains_key("metadata") {
            doc.insert("metadata".into(), Value::Object(Default::default()));
        }
        let Some(Value::Object(metadata)) = doc.get_mut("metadata") else {
            continue;
        };
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(annotations) = annotations {
            annotations.insert(GENERATOR.into(), generator.clone());
            annotations.insert(TOPOLOGY_HASH.into(), hash.clone());
            annotations.sort_keys();
        }
        metadata.sort_keys();
    }
}
