//! The pods must fit the node pools, and still fit after a zone is lost.
//!
//! Why: spread rules and requests can make a pod unschedulable although the
//! cluster has room in total (a zone-spread pod only goes to the emptiest
//! zone), and a cluster sized for all zones may have no room left for the
//! pods of a lost zone. Only checked when the topology lists `nodes`. The
//! simulation is `plan::capacity`; `dify-gen plan` shows the details.
//! Fix: add nodes or larger ones to the zones named, or lower requests.
//!
//! T214: a Deployment's time back to full capacity after a zone outage
//! (detection, eviction, scheduling, startup window; `plan::recovery`) is
//! longer than `recovery.capacityObjectiveSeconds`: an error under
//! `availability: ha`, a warning otherwise. Fix: shorten the component's
//! `eviction.tolerationSeconds` or its startup probe's window, or state a
//! longer objective.
//!
//! T221: during a zone outage with the nodes still present (the real case:
//! tainted `unreachable`, not deleted), kube-scheduler counts the dark zone
//! and its nodes as domains with no pods, so a hard spread rule can keep a
//! Deployment's evicted pods Pending for the whole outage, or stop its HPA
//! short of its maximum. Checked with or without `nodes` (without, only the
//! spread rules can stop a pod). Fix: `spread: zone-preferred`, see
//! `docs/zone-outages.md`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::plan::capacity::analyse;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    for (i, pool) in t.nodes.iter().enumerate() {
        if !t.zones.contains(&pool.zone) {
            let mut d = cx.error(
                codes::T_NODE_POOL_ZONE,
                &format!("/nodes/{i}/zone"),
                format!(
                    "node pool `{}` is in zone `{}`, which `zones` does not list",
                    pool.name, pool.zone
                ),
            );
            if let Some(s) =
                crate::diagnostic::suggest(&pool.zone, t.zones.iter().map(String::as_str))
            {
                d = d.help(s);
            }
            out.push(d);
        }
    }
    if !out.is_empty() {
        return out;
    }
    let c = analyse(t);
    let bounded = !t.nodes.is_empty();
    if bounded && !c.schedules() {
        out.push(
            cx.warning(
                codes::T_CAPACITY,
                "/nodes",
                format!(
                    "pods do not fit the node pools: {} stay pending",
                    list(&c.unscheduled)
                ),
            )
            .help("add nodes, or lower requests; `dify-gen plan` shows the placement per zone"),
        );
    } else if bounded {
        for loss in c.zone_losses.iter().filter(|l| !l.survives) {
            let failed: Vec<&str> = loss
                .outcomes
                .iter()
                .filter(|o| o.verdict == crate::plan::capacity::Verdict::Fails)
                .map(|o| o.component.as_str())
                .collect();
            let mut why = Vec::new();
            if !failed.is_empty() {
                why.push(format!("{} stop serving", failed.join(", ")));
            }
            if !loss.unscheduled.is_empty() {
                why.push(format!("no room for {}", list(&loss.unscheduled)));
            }
            out.push(
                cx.warning(
                    codes::T_CAPACITY,
                    "/nodes",
                    format!("the release does not survive the loss of zone `{}`: {}", loss.zone, why.join("; ")),
                )
                .help("leave each zone room for a third of the release (N-1 headroom); `dify-gen plan` shows the details"),
            );
        }
    }
    out.extend(outage_spread(cx, &c));
    out.extend(capacity_objective(cx, &c));
    out
}

/// One finding per Deployment whose time back to full capacity after a
/// zone outage is longer than `recovery.capacityObjectiveSeconds` (T214).
/// A component that stays Pending is T221's (or T207's) finding, not this.
fn capacity_objective(cx: &Cx, c: &crate::plan::capacity::Capacity) -> Vec<Diagnostic> {
    if cx.t.zones.len() < 2 {
        return Vec::new();
    }
    let r = crate::plan::recovery::capacity_recovery(cx.t, c);
    let Some(objective) = r.objective_seconds else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for time in r
        .components
        .iter()
        .filter(|t| t.meets_objective == Some(false))
    {
        let Some(seconds) = time.seconds else {
            continue;
        };
        // The component's own settings, or the worker's for a pool
        // (`worker-<pool>`); the Redis master proxy has no component.
        let owner = crate::dify::Kind::ALL
            .into_iter()
            .find(|k| {
                k.label() == time.component
                    || (*k == crate::dify::Kind::Worker && time.component.starts_with("worker-"))
            })
            .and_then(|k| cx.t.components.get(k).map(|spec| (k.key(), spec)));
        let (pointer, knob) = match owner {
            Some((key, spec)) if spec.eviction.is_some() => (
                format!("/components/{key}/eviction/tolerationSeconds"),
                format!("`components.{key}.eviction.tolerationSeconds`"),
            ),
            Some((key, _)) => (
                format!("/components/{key}"),
                format!("`components.{key}.eviction.tolerationSeconds` (default 300)"),
            ),
            None => (
                "/recovery/capacityObjectiveSeconds".to_string(),
                "its eviction's `tolerationSeconds`".to_string(),
            ),
        };
        out.push(
            cx.ha_or_warning(
                codes::T_CAPACITY_OBJECTIVE,
                &pointer,
                format!(
                    "`{}` is back at full capacity {seconds} s after zone `{}` goes dark ({} s detection + {} s eviction + {} s scheduling + {} s startup window), longer than the objective of {objective} s",
                    time.component,
                    time.zone.as_deref().unwrap_or("?"),
                    time.detection_seconds,
                    time.eviction_seconds,
                    time.start_seconds,
                    time.startup_seconds
                ),
            )
            .help(format!(
                "shorten {knob} or the startup probe's window, or raise `recovery.capacityObjectiveSeconds` to {seconds}; docs/zone-outages.md"
            )),
        );
    }
    out
}

/// One warning per component whose spread rules, not the room, leave pods
/// Pending or the HPA short during some zone outage.
fn outage_spread(cx: &Cx, c: &crate::plan::capacity::Capacity) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let pools = crate::plan::workers::pools(cx.t);
    for (key, spec) in cx.t.components.all() {
        let kind = crate::dify::Kind::ALL.into_iter().find(|k| k.key() == key);
        // The component's own group, or its worker pools' (each with the
        // worker's spread).
        let groups: Vec<String> = match kind {
            Some(crate::dify::Kind::Worker) if !pools.is_empty() => {
                pools.iter().map(|p| p.label()).collect()
            }
            Some(k) => vec![k.label().to_string()],
            None => Vec::new(),
        };
        let found = c.zone_outages.iter().find_map(|loss| {
            let o = loss
                .outcomes
                .iter()
                .filter(|o| groups.contains(&o.component))
                .find(|o| {
                    o.pending_reason.is_some_and(|w| w.is_spread())
                        || o.hpa_limit.is_some_and(|w| w.is_spread())
                })?;
            let pool = if kind.is_some_and(|k| k.label() == o.component) {
                String::new()
            } else {
                format!(" (pool `{}`)", o.component)
            };
            if let Some(why) = o.pending_reason.filter(|w| w.is_spread()) {
                return Some(format!(
                    "{pool} cannot restore its pods while zone `{}` is dark: {} of {} stay Pending ({})",
                    loss.zone,
                    o.pending,
                    o.replicas,
                    why.text()
                ));
            }
            let why = o.hpa_limit.filter(|w| w.is_spread())?;
            Some(format!(
                "{pool} cannot grow while zone `{}` is dark: its HPA can add {} of {} pods ({})",
                loss.zone,
                o.hpa_can_add.unwrap_or(0),
                o.hpa_wants.unwrap_or(0),
                why.text()
            ))
        });
        if let Some(message) = found {
            out.push(
                cx.warning(
                    codes::T_OUTAGE_SPREAD,
                    &format!("/components/{key}/spread"),
                    format!("`{key}`{message}"),
                )
                .help(format!(
                    "set `spread: zone-preferred` (currently `{}`): soft zone and host spread place the evicted pods in the zones left; see docs/zone-outages.md",
                    match spec.spread {
                        crate::topology::Spread::Zone => "zone",
                        crate::topology::Spread::Host => "host",
                        crate::topology::Spread::ZonePreferred => "zone-preferred",
                        crate::topology::Spread::None => "none",
                    }
                )),
            );
        }
    }
    out
}

fn list(items: &[String]) -> String {
    let mut v: Vec<&str> = items.iter().map(String::as_str).collect();
    v.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    for item in v {
        match out.last_mut() {
            Some(last) if last.split(' ').next() == Some(item) => {
                let n: u32 = last
                    .split(" x")
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                *last = format!("{item} x{}", n + 1);
            }
            _ => out.push(item.to_string()),
        }
    }
    out.join(", ")
}
