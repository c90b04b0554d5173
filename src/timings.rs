//! Timing facts of the programs that fail the data layer over (Patroni 4.1,
//! etcd 3.6, Redis Sentinel 7 and 8), read from their code: the periods
//! they have built in and the rules they enforce on their settings. The
//! topology checks judge the settings by them and `plan::failover` sums
//! them into worst-case failover times.

/// Patroni's smallest `ttl`, `loop_wait` and `retry_timeout`: its
/// validator refuses less, and at run time it raises them to these
/// (`Config._validate_and_adjust_timeouts`).
pub const PATRONI_MIN_TTL_SECONDS: u32 = 20;
pub const PATRONI_MIN_LOOP_WAIT_SECONDS: u32 = 1;
pub const PATRONI_MIN_RETRY_TIMEOUT_SECONDS: u32 = 3;

/// Patroni asks every other member for its status during the leader race
/// with this timeout, hard-coded (`Ha.fetch_node_status`).
pub const PATRONI_MEMBER_STATUS_TIMEOUT_MS: u64 = 2_000;

/// What Patroni runs when `loop_wait + 2 * retry_timeout > ttl`: it lowers
/// `loop_wait`, down to 1, and then `retry_timeout`. `None` when the rule
/// holds and the settings run as written.
pub fn patroni_adjusted(ttl: u32, loop_wait: u32, retry_timeout: u32) -> Option<(u32, u32)> {
    let (ttl, wait, retry) = (
        u64::from(ttl),
        u64::from(loop_wait),
        u64::from(retry_timeout),
    );
    if wait + 2 * retry <= ttl {
        None
    } else if 1 + 2 * retry > ttl {
        Some((1, (ttl.saturating_sub(1) / 2) as u32))
    } else {
        Some(((ttl - 2 * retry) as u32, retry as u32))
    }
}

/// etcd refuses an election timeout below this many heartbeats, or above
/// 50000 ms (`embed.Config.Validate`).
pub const ETCD_MIN_ELECTION_HEARTBEATS: u32 = 5;
pub const ETCD_MAX_ELECTION_MS: u32 = 50_000;

/// etcd's lessor looks for expired leases every 500 ms (`lessor.runLoop`).
pub const ETCD_REVOKE_PERIOD_MS: u64 = 500;

/// The shortest lease etcd grants, in seconds: one and a half election
/// timeouts, counted in whole heartbeats, rounded up (`minTTL` in
/// etcdserver). A shorter request gets this instead.
pub fn etcd_min_lease_seconds(heartbeat_ms: u32, election_ms: u32) -> u64 {
    let heartbeat = u64::from(heartbeat_ms.max(1));
    let ticks = u64::from(election_ms) / heartbeat;
    ((3 * ticks) / 2 * heartbeat).div_ceil(1000)
}

/// Sentinel pings every instance once a second (`SENTINEL_PING_PERIOD`),
/// more often only when `down-after-milliseconds` is shorter.
pub const SENTINEL_PING_PERIOD_MS: u64 = 1_000;
/// Sentinels ask each other whether the master is down once a second
/// (`sentinel_ask_period`); the same requests carry the votes.
pub const SENTINEL_ASK_PERIOD_MS: u64 = 1_000;
/// During a failover Sentinel sends `INFO` to the replicas once a second,
/// and sees the promotion there.
pub const SENTINEL_FAILOVER_INFO_PERIOD_MS: u64 = 1_000;
/// Sentinel's timer runs 10 to 20 times a second; each state change waits
/// for a tick.
pub const SENTINEL_TICK_MS: u64 = 100;
/// The shortest `failover-timeout` that leaves Sentinel a few of its
/// one-second rounds for the votes and the promotion: Sentinel abandons a
/// failover whose election or promotion takes longer.
pub const SENTINEL_MIN_FAILOVER_TIMEOUT_MS: u32 = 3_000;
/// Sentinel reads its times with C's `atoi`, a 32-bit integer, and refuses
/// a value that is not positive, which is what a larger number becomes.
pub const SENTINEL_MAX_MILLISECONDS: u64 = i32::MAX as u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_min_lease_follows_the_election_timeout() {
        // etcd's defaults: 1.5 s, granted as 2 s.
        assert_eq!(etcd_min_lease_seconds(100, 1000), 2);
        // Whole heartbeats only: 1050 / 100 = 10 ticks, 15 ticks = 1.5 s.
        assert_eq!(etcd_min_lease_seconds(100, 1050), 2);
        assert_eq!(etcd_min_lease_seconds(500, 50_000), 75);
    }

    #[test]
    fn patroni_lowers_loop_wait_first() {
        assert_eq!(patroni_adjusted(20, 5, 7), None);
        assert_eq!(patroni_adjusted(20, 10, 5), None);
        assert_eq!(patroni_adjusted(20, 10, 7), Some((6, 7)));
        // loop_wait cannot go below 1: retry_timeout goes down instead.
        assert_eq!(patroni_adjusted(20, 10, 10), Some((1, 9)));
        assert_eq!(patroni_adjusted(30, 10, 10), None);
    }
}
