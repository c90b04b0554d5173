//! Losing one zone must leave every quorum standing: etcd's majority, the
//! Sentinels' majority, and at least one PostgreSQL and one Redis node.
//!
//! Why: the StatefulSets spread members evenly over the listed zones, so the
//! largest zone holds `ceil(members / zones)` of them. If the rest are fewer
//! than a majority, one zone outage stops leader election (etcd) or failover
//! (Sentinel) although every zone but one is fine. Fix: list at least three
//! zones, or change the member count as the help line says.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::{PostgresMode, RedisMode};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let zones = t.zones.len() as u32;
    if zones == 0 {
        return Vec::new();
    }
    // (what, members, members needed after the loss)
    let mut groups: Vec<(&str, u32, u32)> = Vec::new();
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        groups.push(("etcd", t.etcd.members, t.etcd.members / 2 + 1));
        groups.push(("PostgreSQL", p.members, 1));
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        // A quorum above the count is its own error (data_quorum).
        if s.quorum <= s.sentinels {
            groups.push(("Sentinel", s.sentinels, (s.sentinels / 2 + 1).max(s.quorum)));
        }
        groups.push(("Redis", s.replicas + 1, 1));
    }
    let mut out = Vec::new();
    for (what, members, needed) in groups {
        // A single member cannot survive anything; that is a choice (dev),
        // not something more zones would fix.
        if members < 2 {
            continue;
        }
        let largest = members.div_ceil(zones);
        if members - largest < needed {
            out.push(
                cx.warning(
                    codes::T_ZONE_QUORUM,
                    "/zones",
                    format!(
                        "{what} keeps no quorum when a zone fails: {members} members over {zones} zone(s) leave {} of the {needed} needed",
                        members - largest
                    ),
                )
                .help(if zones < 3 {
                    "list at least 3 zones, so that no zone holds half of a group".to_string()
                } else {
                    format!("use a member count no zone holds half of, such as {zones}")
                }),
            );
        }
    }
    out
}
