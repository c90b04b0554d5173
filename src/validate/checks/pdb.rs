//! A PodDisruptionBudget must select exactly one workload: with none it
//! protects nothing, with several the eviction API cannot compute a budget
//! and refuses every eviction ("pods with multiple PDBs/controllers"),
//! blocking node drains. Zero matches are reported only when the input
//! holds workloads in that namespace (a PDB validated alone is not flagged),
//! and never for a budget of a Gateway's data plane (it selects
//! `gateway.networking.k8s.io/gateway-name`): the Gateway controller
//! creates those pods, so no input holds their workload.

use super::{kind, namespace, object_label, selector_matches, Object, PodOwners};
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::Mark;

/// Where a selector of a Gateway's data plane pods names the Gateway.
const GATEWAY_PODS: &str = "/matchLabels/gateway.networking.k8s.io~1gateway-name";

pub(super) fn check(objects: &[Object], pods: &PodOwners, out: &mut Vec<Diagnostic>) {
    for pdb in objects
        .iter()
        .filter(|o| kind(o.json) == "PodDisruptionBudget")
    {
        let json = pdb.json;
        let Some(selector) = json.at("/spec/selector").filter(|s| s.is_object()) else {
            continue;
        };
        if selector.at(GATEWAY_PODS).is_some() {
            continue;
        }
        let workloads: Vec<_> = pods
            .in_namespace(namespace(json))
            .iter()
            .filter(|o| o.workload)
            .collect();
        if workloads.is_empty() {
            continue;
        }
        let matched: Vec<String> = workloads
            .iter()
            .filter(|o| selector_matches(selector, o.labels))
            .map(|o| format!("`{}`", object_label(o.json)))
            .collect();
        let message = match matched.len() {
            1 => continue,
            0 => "PodDisruptionBudget selects no workload".to_string(),
            n => format!(
                "PodDisruptionBudget selects {n} workloads: {}",
                matched.join(", ")
            ),
        };
        out.push(
            pdb.doc
                .diag(
                    codes::V_PDB_SELECTOR,
                    message,
                    "/spec/selector",
                    Mark::Entry,
                )
                .help("make `spec.selector` match the pod template labels of exactly one workload"),
        );
    }
}
