//! Celery queue backlogs, read by redis_exporter beside each Redis data
//! node: one rule per queue the workers consume. The worker is the
//! component that drains them, so a worker outage inhibits these.

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::dify::data_layer;
use crate::dify::{queues::BROKER_DB, Kind};
use crate::plan::monitoring::{Facts, Group};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(_: &Plan, f: &Facts) -> Option<Group> {
    let job = f.pod_job(data_layer::REDIS)?;
    let th = &f.spec.thresholds;
    let db = format!("db{BROKER_DB}");
    let c = Kind::Worker.label();
    let rules = f
        .queues
        .iter()
        .map(|queue| {
            let limit = th
                .queue_backlog_by_queue
                .get(queue)
                .copied()
                .unwrap_or(th.queue_backlog);
            let labels = [
                ("job", job.name.as_str()),
                ("namespace", f.namespace),
                ("db", db.as_str()),
                ("key", queue.as_str()),
            ];
            let mut rule = Spec {
                alert: "DifyQueueBacklog",
                expr: expr!(
                    "max by (key) ({s}) > {limit}",
                    s = select("redis_key_size", &labels)
                ),
                for_seconds: 600,
                severity: Severity::Warning,
                component: c,
                summary: format!("queue `{queue}`: more than {limit} tasks waiting"),
                description: format!(
                    "Celery queue `{queue}` has held more than {limit} tasks for 10 minutes: the workers do not keep up."
                ),
            }
            .rule(f);
            rule.labels.insert("queue".into(), queue.clone());
            // Every data node reports the list (replicas mirror the master).
            let input = |v: u32, n: u32| {
                ["dify-redis-0", "dify-redis-1"]
                    .iter()
                    .map(|pod| {
                        let mut l = labels.to_vec();
                        l.push(("pod", pod));
                        constant(sel("redis_key_size", &l), v, n)
                    })
                    .collect::<Vec<_>>()
            };
            tested(f, rule, &[("key", queue.as_str())], |n| {
                (input(limit + 1, n), input(limit, n))
            })
        })
        .collect();
    named(f, "queues", rules)
}
