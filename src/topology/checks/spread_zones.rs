//! Zone spread needs zones: zones are unique, and a component spread by
//! zone with more than one replica needs at least two zones.
//!
//! Why: with one zone, `spread: zone` protects against nothing while looking
//! as if it did. Fix: list the cluster's zones, or use `spread: host`.
//!
//! Quorum members (etcd, Sentinel) spread over zones too, at most
//! `ceil(members / zones)` per zone; if that many is more than the quorum
//! can lose, the loss of the fullest zone takes the quorum with it (three
//! etcd members over two zones, or any quorum in a single zone). Fix: list a
//! third zone, or add members.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::quorum::quorums;
use crate::topology::Spread;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let zones = &cx.t.zones;
    for (i, z) in zones.iter().enumerate() {
        if zones[..i].contains(z) {
            out.push(cx.error(
                codes::T_DUPLICATE_ZONE,
                &format!("/zones/{i}"),
                format!("zone `{z}` is listed twice"),
            ));
        }
    }
    for (key, c) in cx.t.components.all() {
        if c.spread == Spread::Zone && c.replicas > 1 && zones.len() < 2 {
            out.push(
                cx.warning(
                    codes::T_SPREAD_ZONES,
                    &format!("/components/{key}/spread"),
                    format!(
                        "`{key}` spreads across zones but only {} zone is listed",
                        zones.len()
                    ),
                )
                .help("list at least two zones, or use `spread: host`"),
            );
        }
    }
    if !zones.is_empty() {
        for q in quorums(cx.t) {
            let pointer = match q.component {
                "etcd" => "/etcd/members",
                "sentinel" => "/redis/sentinel/sentinels",
                _ => continue,
            };
            let fullest = q.members.div_ceil(zones.len() as u32);
            if q.members >= 2 && q.tolerates() >= 1 && fullest > q.tolerates() {
                out.push(
                    cx.warning(
                        codes::T_ZONES_FOR_QUORUM,
                        "/zones",
                        if zones.len() == 1 {
                            format!(
                                "`{}` has all {} members in the one zone listed, so losing that zone loses its quorum",
                                q.component, q.members
                            )
                        } else {
                            format!(
                                "`{}` puts up to {fullest} of its {} members in one of {} zones, but loses its quorum with {} gone",
                                q.component,
                                q.members,
                                zones.len(),
                                q.tolerates() + 1
                            )
                        },
                    )
                    .help(format!("list at least 3 zones, or change `{}`", crate::load::dotted(pointer))),
                );
            }
        }
    }
    out
}
