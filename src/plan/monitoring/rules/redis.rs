//! Redis under Sentinel, from redis_exporter beside each data node: a
//! master exists, and a failover happened (or two nodes claim to be master).

use super::{expr, group as named, sel, select, tested, Spec};
use crate::dify::data_layer;
use crate::plan::monitoring::{Facts, Group, Series};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let job = f.pod_job(data_layer::REDIS)?;
    let c = data_layer::REDIS;
    let master = [
        ("job", job.name.as_str()),
        ("namespace", f.namespace),
        ("role", "master"),
    ];
    let info = select("redis_instance_info", &master);
    let node = |i: u32, role: &str, values: String| {
        let pod = format!("{}-{i}", plan.member_set(c));
        Series {
            series: sel(
                "redis_instance_info",
                &[
                    ("job", job.name.as_str()),
                    ("namespace", f.namespace),
                    ("pod", pod.as_str()),
                    ("role", role),
                ],
            ),
            values,
        }
    };
    let no_master = Spec {
        alert: "DifyRedisNoMaster",
        expr: expr!("(count({info}) or vector(0)) < 1", info),
        for_seconds: 60,
        severity: Severity::Critical,
        component: c,
        summary: "redis: no master".into(),
        description: "No Redis data node reports the master role: Dify's cache, broker and event bus are down.".into(),
    };
    let failover = Spec {
        alert: "DifyRedisFailover",
        expr: expr!(
            "count(count by (pod) (count_over_time({info}[10m]))) > 1",
            info
        ),
        for_seconds: 60,
        severity: Severity::Warning,
        component: c,
        summary: "redis: the master moved".into(),
        description: "More than one Redis data node was master in the last 10 minutes: Sentinel failed over (or two nodes claim the role).".into(),
    };
    named(
        f,
        "redis",
        vec![
            tested(f, no_master.rule(f), &[], |n| {
                (
                    vec![
                        node(0, "slave", format!("1x{n}")),
                        node(1, "slave", format!("1x{n}")),
                    ],
                    vec![
                        node(0, "master", format!("1x{n}")),
                        node(1, "slave", format!("1x{n}")),
                    ],
                )
            }),
            // Pod 0 was master for four minutes, then pod 1 took over.
            tested(f, failover.rule(f), &[], |n| {
                (
                    vec![
                        node(0, "master", "1x4 stale".into()),
                        node(1, "master", format!("_x5 1x{n}")),
                    ],
                    vec![node(0, "master", format!("1x{n}"))],
                )
            }),
        ],
    )
}
