//! Worker pools: the Celery queues split over several worker Deployments,
//! each with its own replicas and resources, optionally scaled by KEDA on
//! the length of its queues.

use super::monitoring::PodsRef;
use super::resources::Resources;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Worker pools per group of Celery queues. Without it one worker
/// Deployment consumes every queue (`dify.workerQueues`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workers {
    /// The pools; together they must consume every queue of the release's
    /// default list. Each pool is a Deployment `<release>-worker-<name>`
    /// with `components.worker`'s settings (image, env, scheduling,
    /// identity) and its own queues, replicas and resources.
    #[schemars(length(min = 1))]
    pub pools: Vec<WorkerPool>,
    /// Where the KEDA operator runs, which reads the queue lengths from
    /// Redis: Redis and Sentinel admit it in their NetworkPolicies. Omit
    /// for KEDA's Helm chart defaults (`app: keda-operator` in `keda`).
    #[serde(default = "keda_operator")]
    pub keda_operator: PodsRef,
}

fn keda_operator() -> PodsRef {
    PodsRef {
        namespace: "keda".into(),
        pod_labels: [("app".to_string(), "keda-operator".to_string())]
            .into_iter()
            .collect(),
    }
}

/// One worker Deployment and the queues it consumes.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerPool {
    /// The pool's name, a DNS label part of its Deployment's name.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 20))]
    pub name: String,
    /// Celery queues the pool consumes (`CELERY_QUEUES`): names from the
    /// release's catalogue.
    #[schemars(length(min = 1))]
    pub queues: Vec<String>,
    /// Pods; with `keda`, the count at idle is `keda.minReplicas` instead.
    pub replicas: u32,
    /// Requests and limits of one pod; omit for `components.worker`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Celery concurrency per pod (`CELERY_WORKER_AMOUNT`); omit for
    /// `dify.workerConcurrency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 256))]
    pub concurrency: Option<u32>,
    /// Scale the pool on the length of its queues with a KEDA
    /// `ScaledObject` (one Redis list-length trigger per queue, through
    /// Sentinel when the release runs it) and a `TriggerAuthentication`
    /// reading `redis.password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keda: Option<QueueScaling>,
}

/// KEDA scaling on queue backlog.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueScaling {
    /// Pods when the queues are empty; `0` stops the pool until work arrives.
    pub min_replicas: u32,
    /// Most pods.
    #[schemars(range(min = 1))]
    pub max_replicas: u32,
    /// Queued tasks per pod KEDA aims at (`listLength`).
    #[schemars(range(min = 1))]
    pub list_length: u32,
    /// Seconds between two reads of the queue lengths; omit for KEDA's 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub polling_interval_seconds: Option<u32>,
    /// Seconds after the last non-empty read before scaling to
    /// `minReplicas` 0; omit for KEDA's 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub cooldown_seconds: Option<u32>,
}
