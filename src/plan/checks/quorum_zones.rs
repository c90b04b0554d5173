//! Quorum members (etcd, Sentinel) spread over zones, at most
//! `ceil(members / zones)` per zone; if that many is more than the quorum
//! can lose, the loss of the fullest zone takes the quorum with it (three
//! etcd members over two zones, or any quorum in a single zone).
//!
//! Why: a quorum that one zone outage takes down stops etcd (and with it
//! Patroni's leader election) or Sentinel's failover for the whole outage.
//! Fix: list a third zone, or add members.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::data_layer;
use crate::plan::quorum::quorums;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let zones = &cx.t.zones;
    if !zones.is_empty() {
        for q in quorums(cx.t) {
            let pointer = match q.component {
                data_layer::ETCD => "/etcd/members",
                data_layer::SENTINEL => "/redis/sentinel/sentinels",
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
                    .help(format!("list at least 3 zones, or change `{}`", crate::source::dotted(pointer))),
                );
            }
        }
    }
    out
}
