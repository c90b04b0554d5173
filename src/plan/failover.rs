//! Worst-case failover times of PostgreSQL (Patroni on etcd) and Redis
//! (Sentinel), computed from the timings in the topology.
//!
//! Each estimate is a sum of steps, every one either a setting of the
//! topology or a period the program has built in ([`crate::timings`]). The worst case is a leader
//! that dies without a word (a node or zone lost, a kill) just after it
//! last proved itself alive; a clean shutdown hands over much faster.
//! `docs/failover.md` explains each step and what the real-program tests
//! measure against it.

use crate::timings::{
    etcd_min_lease_seconds, ETCD_REVOKE_PERIOD_MS, PATRONI_MEMBER_STATUS_TIMEOUT_MS,
    SENTINEL_ASK_PERIOD_MS, SENTINEL_FAILOVER_INFO_PERIOD_MS, SENTINEL_PING_PERIOD_MS,
    SENTINEL_TICK_MS,
};
use crate::topology::{PostgresMode, RedisMode, Topology};
use serde::Serialize;

/// From the new leader taking the lock to its first commit confirmed by a
/// quorum standby: `pg_ctl promote`, the end of recovery, and the other
/// standby following the new timeline. Not a setting: the Patroni
/// real-program test measured at most 0.43 s in 13 rounds on a loaded
/// machine (`docs/failover.md`); a cluster's network and DNS add to it.
pub const PATRONI_PROMOTION_MS: u64 = 3_000;

/// One step of a failover and how long it takes at most.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub step: String,
    pub milliseconds: u64,
    /// The topology field this step's time comes from (a JSON pointer);
    /// absent for the programs' built-in periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

/// The worst-case failover of one data service.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverTime {
    /// `postgres` or `redis`.
    pub service: &'static str,
    /// Why there is no failover (an external service, a single member);
    /// absent when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_failover: Option<String>,
    pub steps: Vec<Step>,
    /// The sum of the steps, in milliseconds.
    pub worst_case_milliseconds: u64,
    /// `failoverObjectiveSeconds` of the topology.
    pub objective_seconds: u32,
    /// Whether the worst case stays within the objective (trivially, when
    /// there is no failover).
    pub meets_objective: bool,
    /// Sentinel: a split vote aborts the election, and the next attempt
    /// waits twice `failoverTimeoutMilliseconds`; this much comes on top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_vote_adds_milliseconds: Option<u64>,
}

impl FailoverTime {
    /// The topology field behind the longest step: what to shorten first.
    pub fn dominant_field(&self) -> Option<&'static str> {
        self.steps
            .iter()
            .filter(|s| s.field.is_some())
            .max_by_key(|s| s.milliseconds)
            .and_then(|s| s.field)
    }

    fn of(service: &'static str, objective_seconds: u32, steps: Vec<Step>) -> FailoverTime {
        let worst: u64 = steps.iter().map(|s| s.milliseconds).sum();
        FailoverTime {
            service,
            no_failover: None,
            worst_case_milliseconds: worst,
            steps,
            objective_seconds,
            meets_objective: worst <= u64::from(objective_seconds) * 1000,
            split_vote_adds_milliseconds: None,
        }
    }

    fn none(service: &'static str, objective_seconds: u32, why: &str) -> FailoverTime {
        FailoverTime {
            service,
            no_failover: Some(why.to_string()),
            steps: Vec::new(),
            worst_case_milliseconds: 0,
            objective_seconds,
            meets_objective: true,
            split_vote_adds_milliseconds: None,
        }
    }
}

fn step(step: &str, milliseconds: u64) -> Step {
    Step {
        step: step.into(),
        milliseconds,
        field: None,
    }
}

fn set_by(step: &str, milliseconds: u64, field: &'static str) -> Step {
    Step {
        field: Some(field),
        ..self::step(step, milliseconds)
    }
}

const ELECTION: &str = "/etcd/electionTimeoutMilliseconds";

/// The worst-case PostgreSQL failover: the leader's zone is lost with
/// etcd's leader in it.
pub fn postgres(t: &Topology) -> Option<FailoverTime> {
    let p = t.postgres.patroni.as_ref()?;
    let objective = p.failover_objective_seconds;
    if t.postgres.mode != PostgresMode::Patroni {
        return Some(FailoverTime::none(
            "postgres",
            objective,
            "an external service: its provider's failover",
        ));
    }
    if p.members < 2 {
        return Some(FailoverTime::none(
            "postgres",
            objective,
            "one member: a crash is a restart, not a failover",
        ));
    }
    let etcd = t.etcd.as_ref()?;
    let election = u64::from(etcd.election_timeout_milliseconds);
    let lease_seconds = u64::from(p.ttl_seconds).max(etcd_min_lease_seconds(
        etcd.heartbeat_interval_milliseconds,
        etcd.election_timeout_milliseconds,
    ));
    Some(FailoverTime::of(
        "postgres",
        objective,
        vec![
            set_by(
                "etcd elects a new leader, its old one lost with PostgreSQL's (2 x electionTimeoutMilliseconds)",
                2 * election,
                ELECTION,
            ),
            set_by(
                "the new etcd leader extends every lease (electionTimeoutMilliseconds)",
                election,
                ELECTION,
            ),
            set_by(
                "the leader lock expires, a full ttl after the last refresh (ttlSeconds)",
                lease_seconds * 1000,
                "/postgres/patroni/ttlSeconds",
            ),
            step(
                "etcd revokes expired leases every 500 ms",
                ETCD_REVOKE_PERIOD_MS,
            ),
            step(
                "leader race: each replica asks the others' status (2 s timeout)",
                PATRONI_MEMBER_STATUS_TIMEOUT_MS,
            ),
            step(
                "promotion and the first commit a standby confirms (measured)",
                PATRONI_PROMOTION_MS,
            ),
        ],
    ))
}

/// The worst-case Redis failover, with one round of Sentinel votes.
pub fn redis(t: &Topology) -> Option<FailoverTime> {
    let s = t.redis.sentinel.as_ref()?;
    let objective = s.failover_objective_seconds;
    if t.redis.mode != RedisMode::Sentinel {
        return Some(FailoverTime::none(
            "redis",
            objective,
            "an external service: its provider's failover",
        ));
    }
    if s.replicas == 0 {
        return Some(FailoverTime::none(
            "redis",
            objective,
            "no replica to promote: a crash is a restart, not a failover",
        ));
    }
    let down_after = u64::from(s.down_after_milliseconds);
    let mut out = FailoverTime::of(
        "redis",
        objective,
        vec![
            set_by(
                "each Sentinel declares the master down (downAfterMilliseconds after its last answered ping, pings once a second)",
                down_after + down_after.min(SENTINEL_PING_PERIOD_MS),
                "/redis/sentinel/downAfterMilliseconds",
            ),
            step(
                "a quorum agrees: Sentinels ask each other once a second",
                SENTINEL_ASK_PERIOD_MS,
            ),
            step(
                "one round of votes elects the Sentinel that leads the failover",
                2 * SENTINEL_TICK_MS,
            ),
            step(
                "REPLICAOF NO ONE, and the promoted replica's new role seen in INFO (once a second)",
                SENTINEL_TICK_MS + SENTINEL_FAILOVER_INFO_PERIOD_MS,
            ),
            step(
                "the other Sentinels learn the new master, which clients then get",
                SENTINEL_TICK_MS,
            ),
        ],
    );
    out.split_vote_adds_milliseconds = Some(2 * u64::from(s.failover_timeout_milliseconds));
    Some(out)
}

/// Both estimates, PostgreSQL first, for the report and the checks.
pub fn estimates(t: &Topology) -> Vec<FailoverTime> {
    postgres(t).into_iter().chain(redis(t)).collect()
}
