//! `externalTrafficPolicy` only applies to Services of type `NodePort` or
//! `LoadBalancer`; the API server rejects it on `ClusterIP` and
//! `ExternalName` Services.

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    if kind(json) != "Service" || json.at("/spec/externalTrafficPolicy").is_none() {
        return;
    }
    let service_type = json
        .at("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if !matches!(service_type, "NodePort" | "LoadBalancer") {
        out.push(
            doc.diag(
                codes::V_TRAFFIC_POLICY,
                format!("`externalTrafficPolicy` is not allowed on a `{service_type}` Service"),
                "/spec",
                Mark::Key("externalTrafficPolicy"),
            )
            .help("remove it, or set `type: NodePort` or `type: LoadBalancer`"),
        );
    }
}
