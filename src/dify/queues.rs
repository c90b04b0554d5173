//! Dify's Celery queues: plain Redis lists named after the queue, in the
//! broker's Redis database, which is why their length can be read with
//! `LLEN` (and by redis_exporter's `--check-single-keys`).

/// The Redis database Celery's broker uses (`CELERY_BROKER_URL=.../1`).
pub const BROKER_DB: u32 = 1;

// Which queues each release's workers consume is a fact of the release:
// `releases::Release::queues`.
