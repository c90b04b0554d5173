//! An object must stay under 1 MiB: the API server refuses larger
//! ConfigMaps and Secrets, and etcd refuses larger requests of any kind.

use crate::diagnostic::{codes, Diagnostic};
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub const LIMIT: usize = 1024 * 1024;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let size = serde_json::to_vec(json).map_or(0, |v| v.len());
    if size > LIMIT {
        out.push(
            doc.diag(
                codes::V_TOO_LARGE,
                format!("object is {size} bytes, over the 1 MiB ({LIMIT} bytes) limit"),
                "",
                Mark::Entry,
            )
            .help("split the data over several objects or mount it from a volume"),
        );
    }
}
