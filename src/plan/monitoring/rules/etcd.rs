//! etcd, Patroni's DCS: every member sees a leader, and the cluster keeps
//! more healthy members than its quorum (with three or more members).

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::dify::data_layer;
use crate::plan::monitoring::{Facts, Group};
use crate::plan::Plan;
use crate::topology::Severity;

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let job = f.pod_job(data_layer::ETCD)?;
    let c = data_layer::ETCD;
    let j = [("job", job.name.as_str()), ("namespace", f.namespace)];
    let series = |metric: &str, i: u32, v: u32, n: u32| {
        let pod = format!("{}-{i}", plan.member_set(c));
        let mut l = j.to_vec();
        l.push(("pod", pod.as_str()));
        constant(sel(metric, &l), v, n)
    };
    let mut rules = Vec::new();
    let no_leader = Spec {
        alert: "DifyEtcdNoLeader",
        expr: expr!(
            "max by (pod) ({s}) == 0",
            s = select("etcd_server_has_leader", &j)
        ),
        for_seconds: 60,
        severity: Severity::Critical,
        component: c,
        summary: "etcd: member without a leader".into(),
        description: "etcd member {{ $labels.pod }} sees no leader: Patroni cannot renew its lock through it.".into(),
    };
    let pod0 = format!("{}-0", plan.member_set(c));
    rules.push(tested(
        f,
        no_leader.rule(f),
        &[("pod", pod0.as_str())],
        |n| {
            (
                vec![series("etcd_server_has_leader", 0, 0, n)],
                vec![series("etcd_server_has_leader", 0, 1, n)],
            )
        },
    ));
    let members = plan.t.etcd.as_ref().map_or(0, |e| e.members);
    if members >= 3 {
        let quorum = members / 2 + 1;
        let spec = Spec {
            alert: "DifyEtcdQuorumAtRisk",
            expr: expr!("(sum({s}) or vector(0)) <= {quorum}", s = select("up", &j)),
            for_seconds: 120,
            severity: Severity::Critical,
            component: c,
            summary: "etcd: one member from losing quorum".into(),
            description: format!(
                "At most {quorum} of {members} etcd members are up: losing one more stops Patroni's leader lock, and PostgreSQL turns read-only."
            ),
        };
        rules.push(tested(f, spec.rule(f), &[], |n| {
            let up = |healthy: u32| {
                (0..members)
                    .map(|i| series("up", i, u32::from(i < healthy), n))
                    .collect()
            };
            (up(quorum), up(quorum + 1))
        }));
    }
    named(f, "etcd", rules)
}
