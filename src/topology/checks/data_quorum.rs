//! Quorums of the data layer: etcd's member count is odd, Sentinel's quorum
//! is reachable and no smaller than a majority, and Patroni's synchronous
//! standbys exist.
//!
//! Why: an even etcd count tolerates no more failures than one member fewer
//! (4 members survive one loss, like 3) while needing more votes. A Sentinel
//! quorum above the Sentinel count never declares the master down, so no
//! failover ever happens; one below a majority lets a minority of Sentinels
//! agree on a failure (the failover itself still needs a majority). Asking
//! for more synchronous standbys than there are standbys blocks or silently
//! degrades commits. Fix: the help line of each finding.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::{PostgresMode, RedisMode, SyncMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        let members = t.etcd.members;
        if members % 2 == 0 {
            out.push(
                cx.error(
                    codes::T_ETCD_MEMBERS,
                    "/etcd/members",
                    format!("`etcd.members` is {members}, an even number"),
                )
                .help(format!(
                    "{members} members survive as many failures as {}; use {} or {}",
                    members - 1,
                    members - 1,
                    members + 1
                )),
            );
        } else if members < 3 && p.members > 1 {
            out.push(
                cx.warning(
                    codes::T_ETCD_MEMBERS,
                    "/etcd/members",
                    format!("{} Patroni members share a single etcd member", p.members),
                )
                .help("losing that etcd member stops every leader election; use `members: 3`"),
            );
        }
        let sync = &p.synchronous;
        let standbys = p.members - 1;
        if sync.mode != SyncMode::Off && sync.standbys > standbys {
            out.push(
                cx.error(
                    codes::T_SYNC_STANDBYS,
                    "/postgres/patroni/synchronous/standbys",
                    format!(
                        "{} synchronous standbys asked for, but {} members have {standbys} standby(s)",
                        sync.standbys, p.members
                    ),
                )
                .help(format!(
                    "use at most `members - 1` = {standbys}, or add members"
                )),
            );
        } else if sync.mode != SyncMode::Off && sync.standbys == 0 {
            out.push(
                cx.error(
                    codes::T_SYNC_STANDBYS,
                    "/postgres/patroni/synchronous/standbys",
                    "synchronous replication with 0 standbys confirming commits",
                )
                .help("set `standbys: 1` or more, or `mode: off`"),
            );
        }
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        let majority = s.sentinels / 2 + 1;
        if s.quorum > s.sentinels {
            out.push(
                cx.error(
                    codes::T_SENTINEL_QUORUM,
                    "/redis/sentinel/quorum",
                    format!(
                        "Sentinel quorum {} is larger than the {} Sentinel(s)",
                        s.quorum, s.sentinels
                    ),
                )
                .help(format!(
                    "no failover could ever start; use a quorum of {majority} (a majority)"
                )),
            );
        } else if s.quorum < majority {
            out.push(
                cx.warning(
                    codes::T_SENTINEL_QUORUM,
                    "/redis/sentinel/quorum",
                    format!(
                        "Sentinel quorum {} is below a majority of the {} Sentinels",
                        s.quorum, s.sentinels
                    ),
                )
                .help(format!(
                    "a minority can then agree that the master is down; use {majority}"
                )),
            );
        }
    }
    out
}
