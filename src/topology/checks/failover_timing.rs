//! The failover timings of Patroni, etcd and Sentinel, by the programs'
//! own rules.
//!
//! Why: each program quietly runs other values than the ones written when
//! its rules are broken, or refuses to start, so the failover the plan
//! computes would not be the one that happens. Patroni lowers `loop_wait`
//! (and then `retry_timeout`) until `loop_wait + 2 * retry_timeout <= ttl`
//! (`Config._validate_and_adjust_timeouts`). etcd refuses to start unless
//! `--election-timeout` is at least 5 times `--heartbeat-interval`, and
//! grants no lease shorter than 1.5 election timeouts, so a shorter `ttl`
//! becomes that long. These are errors (T148).
//!
//! Two settings keep a failover from happening when it should (T220, an
//! error under `availability: ha`, a warning elsewhere): a Patroni
//! `retry_timeout` no longer than an etcd leader election (up to two
//! election timeouts) makes the PostgreSQL primary step down whenever
//! etcd's leader is lost, and a Sentinel `failover-timeout` below 3 s
//! abandons failovers that would succeed (votes are asked, and the
//! promoted replica polled, once a second).
//!
//! Fix: follow the hint's numbers; `profiles/ha.yaml` has a set that meets
//! every rule.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::timings::{
    etcd_min_lease_seconds, patroni_adjusted, ETCD_MIN_ELECTION_HEARTBEATS,
    PATRONI_MIN_LOOP_WAIT_SECONDS, PATRONI_MIN_RETRY_TIMEOUT_SECONDS,
    SENTINEL_MIN_FAILOVER_TIMEOUT_MS,
};
use crate::topology::{PostgresMode, RedisMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        let (ttl, wait, retry) = (p.ttl_seconds, p.loop_wait_seconds, p.retry_timeout_seconds);
        if let Some((ran_wait, ran_retry)) = patroni_adjusted(ttl, wait, retry) {
            out.push(
                cx.error(
                    codes::T_TIMING_RULE,
                    "/postgres/patroni/loopWaitSeconds",
                    format!(
                        "Patroni requires loop_wait + 2 * retry_timeout <= ttl, here {wait} + 2 * {retry} > {ttl}: it would run loop_wait {ran_wait} and retry_timeout {ran_retry} instead"
                    ),
                )
                .help(patroni_fix(ttl, wait, retry)),
            );
        }
        // Without `etcd` the mode check (T1xx) reports the missing section.
        if let Some(e) = &t.etcd {
            let (beat, election) = (
                e.heartbeat_interval_milliseconds,
                e.election_timeout_milliseconds,
            );
            if u64::from(ETCD_MIN_ELECTION_HEARTBEATS) * u64::from(beat) > u64::from(election) {
                out.push(
                cx.error(
                    codes::T_TIMING_RULE,
                    "/etcd/electionTimeoutMilliseconds",
                    format!(
                        "etcd refuses to start: --election-timeout ({election} ms) must be at least 5 times --heartbeat-interval ({beat} ms)"
                    ),
                )
                .help(format!(
                    "set `electionTimeoutMilliseconds` to at least {} (10 times the heartbeat is usual), or lower `heartbeatIntervalMilliseconds`",
                    u64::from(ETCD_MIN_ELECTION_HEARTBEATS) * u64::from(beat)
                )),
            );
            } else {
                let lease = etcd_min_lease_seconds(beat, election);
                if lease > u64::from(ttl) {
                    out.push(
                    cx.error(
                        codes::T_TIMING_RULE,
                        "/etcd/electionTimeoutMilliseconds",
                        format!(
                            "etcd grants no lease shorter than {lease} s (1.5 election timeouts of {election} ms), so the leader lock would live {lease} s, not ttl {ttl} s"
                        ),
                    )
                    .help(format!(
                        "lower `electionTimeoutMilliseconds` to at most {}, or raise `postgres.patroni.ttlSeconds` to {lease}",
                        u64::from(ttl) * 2000 / 3
                    )),
                );
                }
            }
            // raft waits a random timeout between one and two election
            // timeouts before it elects a new leader.
            let worst_election = 2 * u64::from(election);
            if u64::from(retry) * 1000 <= worst_election {
                out.push(cx.ha_or_warning(
                codes::T_FAILOVER,
                "/etcd/electionTimeoutMilliseconds",
                format!(
                    "an etcd leader election takes up to {worst_election} ms (2 x electionTimeoutMilliseconds), not less than retry_timeout {retry} s: losing etcd's leader would also make the PostgreSQL primary step down",
                ),
            ).help(format!(
                    "lower `electionTimeoutMilliseconds` below {} ms, or raise `postgres.patroni.retryTimeoutSeconds` above {} s (keeping loopWaitSeconds + 2 * retryTimeoutSeconds <= ttlSeconds)",
                    u64::from(retry) * 500,
                    worst_election / 1000
                )));
            }
        }
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        if s.failover_timeout_milliseconds < SENTINEL_MIN_FAILOVER_TIMEOUT_MS {
            out.push(cx.ha_or_warning(
                codes::T_FAILOVER,
                "/redis/sentinel/failoverTimeoutMilliseconds",
                format!(
                    "Sentinel abandons a failover whose election or promotion takes longer than failover-timeout ({} ms), and it asks for votes and polls the promoted replica only once a second",
                    s.failover_timeout_milliseconds
                ),
            ).help(format!(
                "set `failoverTimeoutMilliseconds` to at least {SENTINEL_MIN_FAILOVER_TIMEOUT_MS} (10000 in the `ha` profile)"
            )));
        }
    }
    out
}

/// The changes that make `loop_wait + 2 * retry_timeout <= ttl` hold
/// within Patroni's minimums, one field at a time.
fn patroni_fix(ttl: u32, wait: u32, retry: u32) -> String {
    let (ttl, wait, retry) = (u64::from(ttl), u64::from(wait), u64::from(retry));
    let mut fixes = Vec::new();
    if ttl >= 2 * retry + u64::from(PATRONI_MIN_LOOP_WAIT_SECONDS) {
        fixes.push(format!("`loopWaitSeconds` to at most {}", ttl - 2 * retry));
    }
    if ttl >= wait + 2 * u64::from(PATRONI_MIN_RETRY_TIMEOUT_SECONDS) {
        fixes.push(format!(
            "`retryTimeoutSeconds` to at most {}",
            (ttl - wait) / 2
        ));
    }
    fixes.push(format!("`ttlSeconds` to at least {}", wait + 2 * retry));
    format!("set {}", fixes.join(", or "))
}
