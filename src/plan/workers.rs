//! The worker pools a topology runs (`workers.pools`): per pool its
//! Deployment name, queues, replica range and resources, for the
//! renderers, the capacity analysis and the report alike.

use super::Budget;
use crate::dify::Kind;
use crate::names::derived as names;
use crate::topology::{QueueScaling, Resources, Topology, WorkerPool};

/// The label that tells the pools' pods apart (they all carry
/// `app.kubernetes.io/component: worker`, so every NetworkPolicy of the
/// worker applies to them unchanged).
pub const POOL_LABEL: &str = "dify-gen.io/worker-pool";

/// One worker pool of the plan.
pub struct Pool<'a> {
    pub name: &'a str,
    /// `<release>-worker-<pool>`.
    pub deployment: String,
    pub queues: &'a [String],
    /// Pods at idle: `keda.minReplicas` when KEDA scales the pool.
    pub min_replicas: u32,
    /// Pods at the most: `keda.maxReplicas` when KEDA scales the pool.
    pub max_replicas: u32,
    pub resources: &'a Resources,
    pub concurrency: u32,
    pub keda: Option<&'a QueueScaling>,
    pub budget: Option<Budget>,
}

impl Pool<'_> {
    /// `worker-<pool>`, how the report and the capacity analysis name it.
    pub fn label(&self) -> String {
        format!("{}-{}", Kind::Worker.label(), self.name)
    }
}

/// The pools, in the topology's order; empty without `workers` or when the
/// topology runs no worker.
pub fn pools(t: &Topology) -> Vec<Pool<'_>> {
    let Some(w) = &t.workers else {
        return Vec::new();
    };
    let worker = &t.components.worker;
    w.pools
        .iter()
        .map(|p: &WorkerPool| {
            let min_replicas = p.keda.as_ref().map_or(p.replicas, |k| k.min_replicas);
            // The worker's own budget, or one pod at a time where another serves.
            let budget = match Budget::of(Kind::Worker, worker) {
                Some(b) if worker.disruption_budget.is_some() => Some(b),
                _ => (min_replicas >= 2).then_some(Budget::MaxUnavailable(1)),
            };
            Pool {
                name: &p.name,
                deployment: names::object(
                    "Deployment",
                    &t.metadata.name,
                    &[Kind::Worker.label(), &p.name],
                ),
                queues: &p.queues,
                min_replicas,
                max_replicas: p
                    .keda
                    .as_ref()
                    .map_or(min_replicas, |k| k.max_replicas.max(min_replicas)),
                resources: p.resources.as_ref().unwrap_or(&worker.resources),
                concurrency: p.concurrency.unwrap_or(t.dify.worker_concurrency),
                keda: p.keda.as_ref(),
                budget,
            }
        })
        .collect()
}
