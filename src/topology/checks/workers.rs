//! `workers.pools`: together the pools consume every queue of the
//! release's default list (`T120`, naming the queue), and a queue outside
//! the release's catalogue is likely a typo (`T120`, a warning). A pool
//! split cannot also be a single queue list (`dify.workerQueues`, the
//! worker's `CELERY_QUEUES`), an HPA on the one worker or a Swarm stack, pool names are
//! unique, and a KEDA range runs from `minReplicas` up (`T128`).
//!
//! Why: a queue no pool consumes is a feature that silently never runs
//! (mails, indexing, workflow runs stay queued forever); two settings for
//! the same thing leave one of them ignored. Fix: the field the message
//! names.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::releases;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(w) = &cx.t.workers else {
        return out;
    };
    let worker = &cx.t.components.worker;
    let conflict = |at: &str, what: &str| {
        cx.error(
            codes::T_WORKER_POOLS,
            at,
            format!("{what} and `workers.pools` both say which queues the workers consume"),
        )
        .help("name the queues in `workers.pools` only")
    };
    if cx.t.dify.worker_queues.is_some() {
        out.push(conflict("/dify/workerQueues", "`dify.workerQueues`"));
    }
    for var in ["CELERY_QUEUES", "CELERY_WORKER_QUEUES"] {
        if worker.env.contains_key(var) {
            out.push(conflict(
                &format!("/components/worker/env/{var}"),
                &format!("`{var}`"),
            ));
        }
    }
    if cx.t.swarm.is_some() {
        out.push(
            cx.error(
                codes::T_WORKER_POOLS,
                "/workers",
                "worker pools are Kubernetes Deployments; the Swarm stack runs one worker service for every queue",
            )
            .help("remove `workers` or `swarm`"),
        );
    }
    if worker.autoscaling.is_some() {
        out.push(
            cx.error(
                codes::T_WORKER_POOLS,
                "/components/worker/autoscaling",
                "the worker runs as `workers.pools`, each its own Deployment: one HPA cannot scale them",
            )
            .help("scale each pool with its `keda`, or remove `workers`"),
        );
    }
    for (i, p) in w.pools.iter().enumerate() {
        let at = format!("/workers/pools/{i}");
        if w.pools[..i].iter().any(|q| q.name == p.name) {
            out.push(
                cx.error(
                    codes::T_WORKER_POOLS,
                    &format!("{at}/name"),
                    format!("worker pool `{}` is named twice", p.name),
                )
                .help("give every pool a name of its own"),
            );
        }
        if let Some(k) = &p.keda {
            if k.max_replicas < k.min_replicas.max(1) {
                out.push(
                    cx.error(
                        codes::T_WORKER_POOLS,
                        &format!("{at}/keda/maxReplicas"),
                        format!(
                            "`maxReplicas` {} is below `minReplicas` {}",
                            k.max_replicas, k.min_replicas
                        ),
                    )
                    .help("raise `maxReplicas` to at least `minReplicas` (and 1)"),
                );
            }
        }
    }
    // Coverage against the release's catalogue (an unknown release is the
    // `release` check's).
    let Some(release) = releases::find(&cx.t.dify.version) else {
        return out;
    };
    for queue in release.queues {
        if !w.pools.iter().any(|p| p.queues.iter().any(|q| q == queue)) {
            out.push(
                cx.error(
                    codes::T_WORKER_QUEUES,
                    "/workers/pools",
                    format!(
                        "no worker pool consumes queue `{queue}`, which Dify {} routes tasks to",
                        release.version
                    ),
                )
                .help(format!("add `{queue}` to the `queues` of one pool")),
            );
        }
    }
    for (i, p) in w.pools.iter().enumerate() {
        for (j, queue) in p.queues.iter().enumerate() {
            let known = release.queues.contains(&queue.as_str())
                || release.extra_queues.contains(&queue.as_str());
            if !known {
                out.push(cx.warning(
                    codes::T_WORKER_QUEUES,
                    &format!("/workers/pools/{i}/queues/{j}"),
                    format!("Dify {} routes no task to queue `{queue}`", release.version),
                ));
            }
        }
    }
    out
}
