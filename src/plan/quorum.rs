//! Quorum sizes of the replicated systems: how many members each needs
//! alive, how many it may lose, and the disruption budget that follows.
//!
//! The data layer's StatefulSets (`postgres`, `etcd`, `redis`, `sentinel`)
//! take their PodDisruptionBudgets from [`Quorum::budget`], so a drain can
//! never take a quorum below what it needs.

use crate::dify::data_layer;
use crate::topology::{PostgresMode, RedisMode, SyncMode, Topology};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quorum {
    /// The `app.kubernetes.io/component` label of the members.
    pub component: &'static str,
    pub members: u32,
    /// Members that must be up for the system to serve (and to elect).
    pub needed: u32,
    /// What `needed` means, for the report.
    pub rule: String,
}

impl Quorum {
    /// Members that may be lost while the system still serves.
    pub fn tolerates(&self) -> u32 {
        self.members.saturating_sub(self.needed)
    }

    /// `maxUnavailable` of the members' PodDisruptionBudget: one member at
    /// a time where the quorum allows it, none where even one would break it
    /// (`None` for a single member, which no budget can protect).
    pub fn budget(&self) -> Option<u32> {
        (self.members >= 2).then(|| self.tolerates().min(1))
    }
}

/// A strict majority of `n`.
pub fn majority(n: u32) -> u32 {
    n / 2 + 1
}

/// Every quorum-based system the topology runs in this release.
pub fn quorums(t: &Topology) -> Vec<Quorum> {
    let mut out = Vec::new();
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        if let Some(etcd) = &t.etcd {
            out.push(Quorum {
                component: data_layer::ETCD,
                members: etcd.members,
                needed: majority(etcd.members),
                rule: format!(
                    "raft majority: {} of {}",
                    majority(etcd.members),
                    etcd.members
                ),
            });
        }
        let commit = match p.synchronous.mode {
            SyncMode::Off => "commits are asynchronous".to_string(),
            SyncMode::Sync => format!(
                "a commit waits for {} named standby(s)",
                p.synchronous.standbys
            ),
            SyncMode::Quorum => format!(
                "a commit waits for ANY {} of {} standbys",
                p.synchronous.standbys,
                p.members.saturating_sub(1)
            ),
        };
        out.push(Quorum {
            component: data_layer::POSTGRES,
            members: p.members,
            needed: 1,
            rule: format!("one member leads while etcd has quorum; {commit}"),
        });
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        let needed = s.quorum.max(majority(s.sentinels));
        out.push(Quorum {
            component: data_layer::SENTINEL,
            members: s.sentinels,
            needed,
            rule: format!(
                "{} agree the master is down (quorum), {} authorise a failover (majority)",
                s.quorum,
                majority(s.sentinels)
            ),
        });
        out.push(Quorum {
            component: data_layer::REDIS,
            members: 1 + s.replicas,
            needed: 1,
            rule: "one master; replicas take over through Sentinel".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majorities() {
        assert_eq!(majority(1), 1);
        assert_eq!(majority(2), 2);
        assert_eq!(majority(3), 2);
        assert_eq!(majority(5), 3);
    }

    #[test]
    fn budgets_never_break_quorum() {
        let q = |members, needed| Quorum {
            component: data_layer::ETCD,
            members,
            needed,
            rule: String::new(),
        };
        assert_eq!(q(3, 2).budget(), Some(1));
        assert_eq!(q(2, 2).budget(), Some(0));
        assert_eq!(q(1, 1).budget(), None);
    }
}
