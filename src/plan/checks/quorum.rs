//! Quorum-based members must be able to lose one and keep serving.
//!
//! Why: etcd needs a majority of its members, Sentinel needs `quorum`
//! sentinels to agree and a majority to fail over, and a synchronous
//! Patroni cluster needs its standbys. A Sentinel quorum below a majority
//! lets a minority of Sentinels declare the master down (a warning). With
//! too few members, the budget that keeps the quorum (`plan::quorum`) can let no member go, so every
//! drain either blocks or breaks the quorum. Example: `etcd.members: 2`
//! (the majority of 2 is 2). An even etcd count of 4 or more tolerates no
//! more losses than one fewer (an error under `availability: ha`, a warning
//! elsewhere). Fix: use an odd count of at least 3, and a Sentinel
//! `quorum` no larger than the sentinels' majority.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::quorum::{majority, quorums};
use crate::topology::{PostgresMode, SyncMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    if let Some(s) = &t.redis.sentinel {
        if s.quorum > s.sentinels {
            out.push(
                cx.error(
                    codes::T_QUORUM,
                    "/redis/sentinel/quorum",
                    format!(
                        "Sentinel quorum {} is larger than the {} sentinel(s): no failover can ever be agreed",
                        s.quorum, s.sentinels
                    ),
                )
                .help(format!("set `quorum` to {}", majority(s.sentinels))),
            );
        } else if s.quorum < majority(s.sentinels) {
            // The failover itself still needs a majority, but a minority
            // (say, the Sentinels of one partitioned zone) can already mark
            // the master objectively down.
            out.push(
                cx.warning(
                    codes::T_QUORUM,
                    "/redis/sentinel/quorum",
                    format!(
                        "Sentinel quorum {} is below a majority of the {} sentinels: a minority can declare the master down",
                        s.quorum, s.sentinels
                    ),
                )
                .help(format!("set `quorum` to {}", majority(s.sentinels))),
            );
        }
    }
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        let standbys = p.members.saturating_sub(1);
        if p.synchronous.mode != SyncMode::Off && p.synchronous.standbys > standbys {
            out.push(cx.error(
                codes::T_QUORUM,
                "/postgres/patroni/synchronous/standbys",
                format!(
                    "{} synchronous standby(s) asked of {} member(s), which have only {standbys} standby(s)",
                    p.synchronous.standbys, p.members
                ),
            ).help(format!("set `standbys` to at most {standbys}, or add members")));
        }
        if p.synchronous.mode != SyncMode::Off && p.synchronous.standbys == 0 {
            out.push(
                cx.error(
                    codes::T_QUORUM,
                    "/postgres/patroni/synchronous/standbys",
                    "synchronous replication with 0 standbys waits for nobody",
                )
                .help("set `standbys: 1`, or `mode: \"off\"`"),
            );
        }
    }
    for q in quorums(t) {
        let pointer = match q.component {
            "etcd" => "/etcd/members",
            "sentinel" => "/redis/sentinel/sentinels",
            _ => continue,
        };
        if q.members >= 2 && q.tolerates() == 0 {
            out.push(
                cx.error(
                    codes::T_QUORUM,
                    pointer,
                    format!(
                        "`{}` has {} member(s) and needs {}: losing one, even in a drain, breaks its quorum",
                        q.component, q.members, q.needed
                    ),
                )
                .help("run an odd number of members, at least 3"),
            );
        } else if q.component == "etcd" && q.members % 2 == 0 {
            let message = format!(
                "etcd with {} members tolerates no more losses than with {}",
                q.members,
                q.members - 1
            );
            let help = format!(
                "run an odd number of etcd members ({} or {})",
                q.members - 1,
                q.members + 1
            );
            // An even member count is a larger majority to reach with
            // nothing gained: the `ha` profile promises the odd count.
            out.push(if t.promises_ha() {
                cx.error(codes::T_QUORUM, pointer, message).help(format!(
                    "{help}; `availability: ha` promises a quorum that tolerates a loss"
                ))
            } else {
                cx.warning(codes::T_QUORUM, pointer, message).help(help)
            });
        }
    }
    out
}
