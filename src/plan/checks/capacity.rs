//! The pods must fit the node pools, and still fit after a zone is lost.
//!
//! Why: spread rules and requests can make a pod unschedulable although the
//! cluster has room in total (a zone-spread pod only goes to the emptiest
//! zone), and a cluster sized for all zones may have no room left for the
//! pods of a lost zone. Only checked when the topology lists `nodes`. The
//! simulation is `plan::capacity`; `dify-gen plan` shows the details.
//! Fix: add nodes or larger ones to the zones named, or lower requests.

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
    if t.nodes.is_empty() || !out.is_empty() {
        return out;
    }
    let c = analyse(t);
    if !c.schedules() {
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
    } else {
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
