//! Zone spread needs zones: zones are unique, and a component spread by
//! zone with more than one replica needs at least two zones.
//!
//! Why: with one zone, `spread: zone` protects against nothing while looking
//! as if it did. Fix: list the cluster's zones, or use `spread: host`.
//! (Whether a quorum survives the loss of a zone is `plan::checks::quorum_zones`.)

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
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
        if matches!(c.spread, Spread::Zone | Spread::ZonePreferred)
            && c.replicas > 1
            && zones.len() < 2
        {
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
    out
}
