//! The `hosts` list: every host in a listed zone, names and addresses
//! unique, at least one manager, a Raft majority that survives a loss, the
//! preparation settings present, and hosts for the Swarm data layer.
//!
//! Why: a host in an unknown zone gets a `zone` label no placement asks
//! for; two hosts with one address are one machine; a Swarm without a
//! manager cannot start, one with two managers stops when either fails
//! (Raft needs a majority), and one with a single manager stops
//! scheduling when that host is lost. The stack pins each data-layer
//! member to a host (its volume is local), so it needs the hosts listed.
//! Fix: correct the zone or address, make an odd number (3, 5) of hosts
//! managers, add `hostSetup`, or list the hosts.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::{HostRole, PostgresMode, RedisMode};
use std::collections::BTreeSet;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let mut addresses = BTreeSet::new();
    for (i, h) in t.hosts.iter().enumerate() {
        if !t.zones.contains(&h.zone) {
            out.push(
                cx.error(
                    codes::T_HOST_ZONE,
                    &format!("/hosts/{i}/zone"),
                    format!(
                        "host `{}` is in zone `{}`, which `zones` does not list",
                        h.name, h.zone
                    ),
                )
                .help(format!("use one of {}", t.zones.join(", "))),
            );
        }
        if !names.insert(&h.name) {
            out.push(cx.error(
                codes::T_DUPLICATE_HOST,
                &format!("/hosts/{i}/name"),
                format!("host `{}` is listed twice", h.name),
            ));
        }
        if !addresses.insert(&h.address) {
            out.push(cx.error(
                codes::T_DUPLICATE_HOST,
                &format!("/hosts/{i}/address"),
                format!("address `{}` is given to two hosts", h.address),
            ));
        }
    }
    if t.hosts.is_empty() {
        if t.swarm.is_some() && in_release_data_layer(cx) {
            out.push(
                cx.error(
                    codes::T_SWARM_HOSTS,
                    "/swarm",
                    "the Swarm stack pins each data-layer member to a host, but no `hosts` are listed",
                )
                .help("list the Swarm nodes under `hosts`, or run PostgreSQL and Redis outside the stack (`mode: external`)"),
            );
        }
        return out;
    }
    if t.host_setup.is_none() {
        out.push(
            cx.error(
                codes::T_SWARM_HOSTS,
                "/hosts",
                "`hosts` needs `hostSetup` (time sources, SSH)",
            )
            .help("add `hostSetup`, or layer over a profile, which has one"),
        );
    }
    let managers = t
        .hosts
        .iter()
        .filter(|h| h.role == HostRole::Manager)
        .count();
    if managers == 0 {
        out.push(
            cx.error(codes::T_SWARM_MANAGERS, "/hosts", "no host is a `manager`")
                .help("a Swarm needs a manager, and the managers are the hosts' time servers: set `role: manager` on one host, or on 3"),
        );
    } else if t.swarm.is_some() && (managers < 3 || managers % 2 == 0) {
        let consequence = if managers == 1 {
            "losing it stops scheduling, updates and failover of tasks".to_string()
        } else {
            format!(
                "Raft needs {} of them, so {} survives no more losses than {}",
                managers / 2 + 1,
                managers,
                managers - 1
            )
        };
        out.push(
            cx.warning(
                codes::T_SWARM_MANAGERS,
                "/hosts",
                format!("the Swarm has {managers} manager(s): {consequence}"),
            )
            .help("make 3 (or 5) hosts managers; managers run tasks too"),
        );
    }
    out
}

fn in_release_data_layer(cx: &Cx) -> bool {
    let t = cx.t;
    (t.postgres.mode == PostgresMode::Patroni && t.postgres.patroni.is_some())
        || (t.redis.mode == RedisMode::Sentinel && t.redis.sentinel.is_some())
}
