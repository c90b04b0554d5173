//! The design's node rule: `node_memory_MemAvailable_bytes < 1e9`, from
//! node_exporter, with the threshold from the topology.

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::plan::monitoring::{Facts, Group, NODE};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(_: &Plan, f: &Facts) -> Option<Group> {
    let job = f.spec.exporters.node_exporter_job.as_str();
    let bytes = f.spec.thresholds.node_memory_available_bytes;
    let metric = "node_memory_MemAvailable_bytes";
    let spec = Spec {
        alert: "DifyNodeMemoryLow",
        expr: expr!(
            "max by (instance) ({s}) < {bytes}",
            s = select(metric, &[("job", job)])
        ),
        for_seconds: 300,
        severity: Severity::Warning,
        component: NODE,
        summary: format!("node: less than {bytes} bytes of memory available"),
        description: "Node {{ $labels.instance }} has had less memory available than the threshold for 5 minutes; pods on it may be OOM-killed or evicted.".into(),
    };
    let instance = "node-a:9100";
    let input = |v: u64, n: u32| {
        vec![constant(
            sel(metric, &[("job", job), ("instance", instance)]),
            v,
            n,
        )]
    };
    named(
        f,
        "nodes",
        vec![tested(f, spec.rule(f), &[("instance", instance)], |n| {
            (input(bytes - 1, n), input(bytes, n))
        })],
    )
}
