//! Time to full capacity after a zone outage, per Deployment, against the
//! topology's `recovery.capacityObjectiveSeconds`.
//!
//! The time is the sum `capacity` computes for each dark zone (the node
//! controller's detection, the pods' toleration of the `unreachable`
//! taint, scheduling and start, the startup probe's window); this module
//! takes the worst zone per component and keeps the parts, so the report
//! can show the sum beside the objective and the check can name the part
//! to shorten. StatefulSet members are left out: they come back with
//! their zone (their volumes are bound to it), and their service's
//! recovery is the failover the `failover` module times.

use super::capacity::{Capacity, Pending, NODE_MONITOR_GRACE_SECONDS, SCHEDULE_AND_START_SECONDS};
use crate::topology::Topology;
use serde::Serialize;

/// One Deployment's worst case over the dark zones.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityTime {
    pub component: String,
    /// The zone whose outage takes longest to recover from; `None` when
    /// no zone's outage touches the component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Seconds until it is back at its replica count; `None` when some
    /// outage leaves pods Pending until the zone returns.
    pub seconds: Option<u32>,
    /// Why pods stay Pending, when `seconds` is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reason: Option<Pending>,
    pub detection_seconds: u32,
    pub eviction_seconds: u32,
    pub start_seconds: u32,
    pub startup_seconds: u32,
    /// Whether it is back within the objective (`None` without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meets_objective: Option<bool>,
}

/// The objective and each Deployment's time.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityRecovery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_seconds: Option<u32>,
    pub components: Vec<CapacityTime>,
}

pub fn capacity_recovery(t: &Topology, c: &Capacity) -> CapacityRecovery {
    let objective = t.recovery.as_ref().map(|r| r.capacity_objective_seconds);
    let components = c
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.stateful)
        .map(|(i, g)| {
            let mut worst: Option<(&str, Option<u32>, Option<Pending>)> = None;
            for loss in &c.zone_outages {
                let o = &loss.outcomes[i];
                let this = o.capacity_back_seconds;
                let longer = match (worst, this) {
                    (None, Some(0)) => false,
                    (None, _) => true,
                    (Some((_, None, _)), _) => false,
                    (Some(_), None) => true,
                    (Some((_, Some(w), _)), Some(s)) => s > w,
                };
                if longer {
                    worst = Some((&loss.zone, this, o.pending_reason));
                }
            }
            let (zone, seconds, pending_reason) = match worst {
                Some((z, s, p)) => (Some(z.to_string()), s, p),
                None => (None, Some(0), None),
            };
            CapacityTime {
                component: g.component.clone(),
                zone,
                seconds,
                pending_reason,
                detection_seconds: NODE_MONITOR_GRACE_SECONDS,
                eviction_seconds: g.toleration_seconds,
                start_seconds: SCHEDULE_AND_START_SECONDS,
                startup_seconds: g.startup_seconds,
                meets_objective: objective.map(|o| seconds.is_some_and(|s| s <= o)),
            }
        })
        .collect();
    CapacityRecovery {
        objective_seconds: objective,
        components,
    }
}
