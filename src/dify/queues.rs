//! Dify's Celery queues: plain Redis lists named after the queue, in the
//! broker's Redis database, which is why their length can be read with
//! `LLEN` (and by redis_exporter's `--check-single-keys`).

/// The Redis database Celery's broker uses (`CELERY_BROKER_URL=.../1`).
pub const BROKER_DB: u32 = 1;

/// The queues Dify 1.13.3's worker consumes when `CELERY_QUEUES` is unset
/// (`api/docker/entrypoint.sh`, community edition).
pub const DEFAULT_WORKER_QUEUES: &[&str] = &[
    "api_token",
    "dataset",
    "dataset_summary",
    "priority_dataset",
    "priority_pipeline",
    "pipeline",
    "mail",
    "ops_trace",
    "app_deletion",
    "plugin",
    "workflow_storage",
    "conversation",
    "workflow",
    "schedule_poller",
    "schedule_executor",
    "triggered_workflow_dispatcher",
    "trigger_refresh_executor",
    "retention",
    "workflow_based_app_execution",
];
