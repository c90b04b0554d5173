//! What the Swarm stack cannot say: every topology feature that has no
//! Swarm form is reported as a warning where it is written, instead of
//! being dropped silently, and a placement Swarm cannot satisfy is an
//! error. Runs only when the topology has a `swarm` section.
//!
//! No Swarm form: HorizontalPodAutoscalers (`autoscaling`: the stack runs
//! the minimum), PodDisruptionBudgets (a drain stops every task of the
//! node at once), NetworkPolicies (the overlay networks separate tiers, but
//! inside a network any port is open), a hard zone spread (Swarm's
//! `spread: node.labels.zone` is a preference), and separate readiness and
//! startup probes (one health check; the startup window is its
//! `start_period`), and the backup layer (Kubernetes CronJobs and
//! pgBackRest's server; the stack's Patroni archives nothing). Error: `spread: host` with more replicas than hosts,
//! since `max_replicas_per_node: 1` leaves the rest pending.
//!
//! Fix: accept the difference (the warning says what it costs), or change
//! the topology (`autoscaling` removed, more hosts).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::Spread;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if cx.t.swarm.is_none() {
        return out;
    }
    let warn = |pointer: &str, message: String, help: &str| {
        cx.warning(codes::T_NO_SWARM_FORM, pointer, message)
            .help(help.to_string())
    };
    let mut budgets = Vec::new();
    let mut zoned = Vec::new();
    for w in &cx.plan.workloads {
        let key = w.kind.key();
        let at = |field: &str| format!("/components/{key}/{field}");
        let spec = w.spec;
        if let Some(a) = &spec.autoscaling {
            out.push(warn(
                &at("autoscaling"),
                format!("`{key}` autoscales to {} replicas on Kubernetes; Swarm has no autoscaler and runs {}", a.max_replicas, spec.replicas),
                "scale the service with `docker service scale`, or raise `replicas`",
            ));
        }
        if spec.disruption_budget.is_some() {
            out.push(warn(
                &at("disruptionBudget"),
                format!("`{key}` has a disruption budget, which Swarm has no form for"),
                "drain Swarm nodes one at a time (`docker node update --availability drain`)",
            ));
        } else if w.budget.is_some() {
            budgets.push(key);
        }
        if cx.plan.effective_spread(spec) == Spread::Zone {
            zoned.push(key);
        }
        if spec.probes.readiness.is_some() || spec.probes.startup.is_some() {
            out.push(warn(
                &at("probes"),
                format!("`{key}` sets readiness or startup probes; a Swarm service has one health check (the readiness endpoint, with the startup window as `start_period`)"),
                "the overrides apply to Kubernetes only",
            ));
        }
        let hosts = cx.t.hosts.len() as u32;
        if spec.spread == Spread::Host && hosts > 0 && w.min_replicas > hosts {
            out.push(
                cx.error(
                    codes::T_SWARM_PLACEMENT,
                    &at("replicas"),
                    format!(
                        "`{key}` runs {} replicas at most one per node, but `hosts` lists {hosts}",
                        w.min_replicas
                    ),
                )
                .help("lower `replicas`, list more hosts, or use `spread: zone`"),
            );
        }
    }
    if !zoned.is_empty() {
        out.push(warn(
            "/zones",
            format!("the zone spread of {} is a hard rule on Kubernetes; Swarm only prefers to spread (`spread: node.labels.zone`)", zoned.join(", ")),
            "label every node with its zone (the inventory says which), so the preference can spread",
        ));
    }
    if !budgets.is_empty() {
        out.push(warn(
            "/swarm",
            format!("disruption budgets ({}) have no Swarm form: a node drain stops every task on the node at once", budgets.join(", ")),
            "drain one node at a time; every service runs at most one replica per node or spreads over zones",
        ));
    }
    if cx.t.backup.is_some() {
        out.push(warn(
            "/backup",
            "the backup layer (CronJobs, pgBackRest's server beside each member, the drill) is rendered for Kubernetes only; the Swarm stack archives no WAL and takes no backups".to_string(),
            "back the Swarm cluster up with your own pgBackRest schedule, or run it on Kubernetes",
        ));
    }
    out.push(warn(
        "/swarm",
        "NetworkPolicies have no Swarm form: the overlay networks keep the edge away from the data layer, but within a network every port is open".to_string(),
        "restrict the hosts' firewalls to the Swarm ports (2377, 7946, 4789) and the published edge ports",
    ));
    out
}
