//! PostgreSQL under Patroni, from Patroni's own `/metrics`: a leader, the
//! replicas' lag, and the synchronous standbys the topology asks for.

use super::{constant, expr, group as named, sel, select, tested, Promql, Spec};
use crate::dify::data_layer;
use crate::plan::monitoring::{synchronous, Facts, Group};
use crate::plan::Plan;
use crate::topology::Severity;

/// Bytes of WAL each replica (by `pod`) has yet to replay: the leader's
/// position less the replica's, from Patroni's metrics (each is 0 on the
/// members of the other role).
pub fn lag_bytes(job: &str, namespace: &str) -> String {
    lag(job, namespace).text
}

/// [`lag_bytes`] as a [`Promql`], with its selectors.
fn lag(job: &str, namespace: &str) -> Promql {
    let s = |metric: &str| select(metric, &[("job", job), ("namespace", namespace)]);
    expr!(
        "max({leader}) - on () group_right () max by (pod) ({replayed} and on (pod) {replica} == 1)",
        leader = s("patroni_xlog_location"),
        replayed = s("patroni_xlog_replayed_location"),
        replica = s("patroni_replica"),
    )
}

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let job = f.pod_job(data_layer::POSTGRES)?;
    let c = data_layer::POSTGRES;
    let j = [("job", job.name.as_str()), ("namespace", f.namespace)];
    let s = |metric: &str| select(metric, &j);
    let pod = |i: u32| format!("{}-{i}", plan.member_set(c));
    let series = |metric: &str, i: u32, v: u64, n: u32| {
        let p = pod(i);
        let mut l = j.to_vec();
        l.push(("pod", p.as_str()));
        constant(sel(metric, &l), v, n)
    };
    let mut rules = Vec::new();
    let no_leader = Spec {
        alert: "DifyPostgresNoLeader",
        expr: expr!("(max({s}) or vector(0)) < 1", s = s("patroni_primary")),
        for_seconds: 60,
        severity: Severity::Critical,
        component: c,
        summary: "postgres: no Patroni leader".into(),
        description: format!(
            "No member of the Patroni cluster {} is primary: Dify cannot write.",
            plan.name(c)
        ),
    };
    rules.push(tested(f, no_leader.rule(f), &[], |n| {
        (
            vec![
                series("patroni_primary", 0, 0, n),
                series("patroni_primary", 1, 0, n),
            ],
            vec![
                series("patroni_primary", 0, 1, n),
                series("patroni_primary", 1, 0, n),
            ],
        )
    }));
    let bytes = f.spec.thresholds.replication_lag_bytes;
    let lag = Spec {
        alert: "DifyPostgresReplicationLag",
        expr: expr!("{lag} > {bytes}", lag = lag(&job.name, f.namespace)),
        for_seconds: 300,
        severity: Severity::Warning,
        component: c,
        summary: format!("postgres: replica more than {bytes} bytes behind"),
        description: "Replica {{ $labels.pod }} has replayed WAL more than the allowed lag behind the leader for 5 minutes; Patroni will not promote it.".into(),
    };
    let head: u64 = bytes + 10_000_000_000;
    let lagging = pod(1);
    rules.push(tested(f, lag.rule(f), &[("pod", lagging.as_str())], |n| {
        let members = |replayed: u64| {
            vec![
                series("patroni_xlog_location", 0, head, n),
                series("patroni_xlog_replayed_location", 0, 0, n),
                series("patroni_replica", 0, 0, n),
                series("patroni_xlog_location", 1, 0, n),
                series("patroni_xlog_replayed_location", 1, replayed, n),
                series("patroni_replica", 1, 1, n),
            ]
        };
        (members(head - bytes - 1), members(head - bytes))
    }));
    if let Some((metric, standbys)) = synchronous(plan.t) {
        let spec = Spec {
            alert: "DifyPostgresNoSyncStandby",
            expr: expr!("(sum({s}) or vector(0)) < {standbys}", s = s(metric)),
            for_seconds: 120,
            severity: Severity::Critical,
            component: c,
            summary: format!("postgres: fewer than {standbys} synchronous standbys"),
            description: format!(
                "Fewer than {standbys} replicas are synchronous (`{metric}`): a failover now may lose committed transactions."
            ),
        };
        rules.push(tested(f, spec.rule(f), &[], |n| {
            let standby = |on: u64| (1..=standbys).map(|i| series(metric, i, on, n)).collect();
            (standby(0), standby(1))
        }));
    }
    named(f, "postgres", rules)
}
