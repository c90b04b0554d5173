//! `dify-gen plan`: what a topology means, as a readable report or JSON.
//!
//! Input: a checked topology. Output: per component its replicas, requests
//! and limits, spread, disruption budget and the failures it tolerates;
//! totals per zone and for the release; quorums; the PostgreSQL connection
//! budget; backup objectives; worst-case failover times of PostgreSQL and
//! Redis; and the zone-loss verdict. Every number comes
//! from the other `plan` modules: this one only gathers and prints.

use super::backup::{self, Objectives};
use super::capacity::{self, Capacity, Verdict, ZoneTotals};
use super::connections::{self, ConnectionBudget};
use super::failover::{self, FailoverTime};
use super::quorum::{self, Quorum};
use super::recovery::{capacity_recovery, CapacityRecovery};
use super::{Budget, Plan};
use crate::topology::Spread;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub component: String,
    pub replicas: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<u32>,
    pub requests: Amount,
    pub limits: Amount,
    pub spread: &'static str,
    /// The PodDisruptionBudget (`maxUnavailable: 1`), or `none`.
    pub budget: String,
    /// Pods a drain may evict at once.
    pub allowed_disruptions: u32,
    pub node_loss: Verdict,
    pub zone_loss: Verdict,
}

/// CPU in cores and memory in bytes; CPU `None` where there is no limit.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    pub cpu: Option<f64>,
    pub memory: f64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub pods: u32,
    pub requests: Amount,
    pub limits: Amount,
    /// Pods without a CPU limit (not in `limits.cpu`).
    pub pods_without_cpu_limit: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub release: String,
    pub namespace: String,
    pub version: String,
    pub zones: Vec<String>,
    pub components: Vec<Row>,
    pub totals: Totals,
    pub quorums: Vec<Quorum>,
    pub connections: ConnectionBudget,
    /// `None`: backups are not configured.
    pub backup: Option<Objectives>,
    /// Worst-case failover of the data services this release runs.
    pub failover: Vec<FailoverTime>,
    /// Each Deployment's time back to full capacity after a zone outage,
    /// beside the objective.
    pub capacity_recovery: CapacityRecovery,
    pub capacity: Capacity,
    pub survives_zone_loss: bool,
}

fn spread_name(s: Spread) -> &'static str {
    match s {
        Spread::Zone => "zone",
        Spread::ZonePreferred => "zone-preferred",
        Spread::Host => "host",
        Spread::None => "none",
    }
}

impl Report {
    pub fn new(plan: &Plan) -> Report {
        let t = plan.t;
        let capacity = capacity::analyse(t);
        let quorums = quorum::quorums(t);
        let pools = super::workers::pools(t);
        let components = capacity
            .groups
            .iter()
            .zip(&capacity.tolerance)
            .map(|(g, tol)| {
                let workload = plan
                    .workloads
                    .iter()
                    .find(|w| w.kind.label() == g.component);
                let pool = pools.iter().find(|p| p.label() == g.component);
                let budget = match (workload, pool) {
                    (Some(w), _) => w.budget,
                    (None, Some(p)) => p.budget,
                    (None, None) => super::data_layer_budget(t, &g.component),
                };
                Row {
                    component: g.component.clone(),
                    replicas: g.replicas,
                    max_replicas: workload
                        .and_then(|w| w.spec.autoscaling.as_ref())
                        .map(|a| a.max_replicas)
                        .or_else(|| pool.and_then(|p| p.keda).map(|k| k.max_replicas)),
                    requests: Amount {
                        cpu: Some(g.cpu),
                        memory: g.memory,
                    },
                    limits: Amount {
                        cpu: g.cpu_limit,
                        memory: g.memory_limit,
                    },
                    spread: spread_name(g.spread),
                    budget: match budget {
                        Some(Budget::MaxUnavailable(n)) => format!("maxUnavailable: {n}"),
                        Some(Budget::MinAvailable(n)) => format!("minAvailable: {n}"),
                        None => "none".into(),
                    },
                    allowed_disruptions: budget
                        .map_or(g.replicas, |b| b.allowed_disruptions(g.replicas)),
                    node_loss: tol.node,
                    zone_loss: tol.zone,
                }
            })
            .collect::<Vec<_>>();
        let totals = Totals {
            pods: capacity.groups.iter().map(|g| g.replicas).sum(),
            requests: Amount {
                cpu: Some(
                    capacity
                        .groups
                        .iter()
                        .map(|g| g.cpu * f64::from(g.replicas))
                        .sum(),
                ),
                memory: capacity
                    .groups
                    .iter()
                    .map(|g| g.memory * f64::from(g.replicas))
                    .sum(),
            },
            limits: Amount {
                cpu: Some(
                    capacity
                        .groups
                        .iter()
                        .filter_map(|g| g.cpu_limit.map(|c| c * f64::from(g.replicas)))
                        .sum(),
                ),
                memory: capacity
                    .groups
                    .iter()
                    .map(|g| g.memory_limit * f64::from(g.replicas))
                    .sum(),
            },
            pods_without_cpu_limit: capacity
                .groups
                .iter()
                .filter(|g| g.cpu_limit.is_none())
                .map(|g| g.replicas)
                .sum(),
        };
        Report {
            release: plan.release.to_string(),
            namespace: plan.namespace.to_string(),
            version: plan.app_version.clone(),
            zones: t.zones.clone(),
            components,
            totals,
            quorums,
            connections: connections::budget(t),
            backup: backup::objectives(t),
            failover: failover::estimates(t),
            capacity_recovery: capacity_recovery(t, &capacity),
            survives_zone_loss: capacity.survives_zone_loss(),
            capacity,
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report is plain data") + "\n"
    }

    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "release `{}` in namespace `{}`, Dify {}, {} zone(s): {}",
            self.release,
            self.namespace,
            self.version,
            self.zones.len(),
            self.zones.join(", ")
        );
        self.components_text(&mut o);
        self.zones_text(&mut o);
        self.quorums_text(&mut o);
        self.connections_text(&mut o);
        self.backup_text(&mut o);
        self.failover_text(&mut o);
        self.recovery_text(&mut o);
        self.verdict_text(&mut o);
        // Table columns pad to their width; no line ends in spaces.
        o.lines().map(|l| format!("{}\n", l.trim_end())).collect()
    }

    fn components_text(&self, o: &mut String) {
        let _ = writeln!(
            o,
            "\ncomponents (requests / limits per pod; tolerates the loss of one node, one zone)"
        );
        let _ = writeln!(
            o,
            "  {:<16} {:>8}  {:>15}  {:>15}  {:<14} {:<19} {:<9} {:<9}",
            "component", "replicas", "requests", "limits", "spread", "budget", "node", "zone"
        );
        for r in &self.components {
            let replicas = match r.max_replicas {
                Some(max) => format!("{}-{max}", r.replicas),
                None => r.replicas.to_string(),
            };
            let _ = writeln!(
                o,
                "  {:<16} {:>8}  {:>15}  {:>15}  {:<14} {:<19} {:<9} {:<9}",
                r.component,
                replicas,
                amount(r.requests),
                amount(r.limits),
                r.spread,
                r.budget,
                verdict(r.node_loss),
                verdict(r.zone_loss)
            );
        }
        let t = &self.totals;
        let _ = writeln!(
            o,
            "  release total: {} pods, requests {}, limits {}{}",
            t.pods,
            amount(t.requests),
            amount(t.limits),
            if t.pods_without_cpu_limit > 0 {
                format!(
                    " (+{} pod(s) without a CPU limit)",
                    t.pods_without_cpu_limit
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(o, "  (the migration Job adds one api-sized pod while it runs; autoscaled components count at their minimum)");
    }

    fn zones_text(&self, o: &mut String) {
        let c = &self.capacity;
        let _ = writeln!(o, "\nplacement per zone (requests)");
        for z in &c.zones {
            let _ = writeln!(
                o,
                "  {:<14} {:>3} pods  {}{}",
                z.zone,
                z.pods,
                zone_amount(z),
                allocatable(z)
            );
        }
        for g in &c.groups {
            if let Some(p) = &g.pinned {
                let _ = writeln!(
                    o,
                    "  {} runs only on node pool(s) {}: {} of {} zone(s) ({})",
                    g.component,
                    pools(p),
                    p.zones.len(),
                    self.zones.len(),
                    p.zones.join(", ")
                );
            } else if !c.checked && g.constraints.selects() {
                let _ = writeln!(
                    o,
                    "  {}: node selector and affinity not checked (no `nodes`)",
                    g.component
                );
            }
        }
        for d in &c.per_node {
            let _ = writeln!(
                o,
                "  on every node{}: {} ({} / {}), taken from its allocatable first",
                d.pinned
                    .as_ref()
                    .map_or(String::new(), |p| format!(" of node pool(s) {}", pools(p))),
                d.component,
                cores(d.cpu),
                bytes(d.memory)
            );
        }
        if c.checked {
            if c.schedules() {
                let _ = writeln!(o, "  every pod schedules under its spread rules");
            } else {
                let _ = writeln!(o, "  unscheduled: {}", counted(&c.unscheduled));
            }
        } else {
            let _ = writeln!(o, "  capacity not checked: the topology lists no `nodes`; placement follows the spread rules alone");
        }
    }

    fn quorums_text(&self, o: &mut String) {
        let _ = writeln!(o, "\nquorums");
        if self.quorums.is_empty() {
            let _ = writeln!(o, "  none in this release (external PostgreSQL and Redis)");
        }
        for q in &self.quorums {
            let _ = writeln!(
                o,
                "  {:<9} {} member(s), needs {}, tolerates {}: {}",
                q.component,
                q.members,
                q.needed,
                q.tolerates(),
                q.rule
            );
        }
    }

    fn connections_text(&self, o: &mut String) {
        let c = &self.connections;
        let _ = writeln!(o, "\npostgresql connections (most each client may open)");
        for client in &c.clients {
            let _ = writeln!(
                o,
                "  {:<16} {:>3} pod(s) x {:>3} = {:>5}",
                client.component, client.pods, client.per_pod, client.total
            );
        }
        let _ = writeln!(
            o,
            "  total {} of {} available ({} max_connections, {} reserved): {}",
            c.total,
            c.available(),
            c.max_connections,
            c.reserved,
            if c.fits() {
                "fits"
            } else {
                "EXCEEDS max_connections"
            }
        );
    }

    fn backup_text(&self, o: &mut String) {
        let _ = writeln!(o, "\nbackups");
        let Some(b) = &self.backup else {
            let _ = writeln!(
                o,
                "  not configured: no RPO or RTO (add a `backup` section)"
            );
            return;
        };
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        let every = |gap: Option<u64>| gap.map_or("never".to_string(), duration);
        let _ = writeln!(
            o,
            "  RPO {} ({}) against an objective of {}: {}",
            if b.rpo_seconds == u64::MAX {
                "unbounded".to_string()
            } else {
                duration(b.rpo_seconds)
            },
            b.rpo_basis,
            duration(b.rpo_objective_seconds),
            verdict(b.rpo_met())
        );
        let _ = writeln!(
            o,
            "  RTO at least {} to restore {} of data, plus WAL replay since the last base backup, against an objective of {}: {}",
            duration(b.rto_seconds),
            bytes(b.restored_bytes as f64),
            duration(b.rto_objective_seconds),
            verdict(b.rto_met())
        );
        let _ = writeln!(
            o,
            "  at most {} between full backups, {} between backups of any kind; drill every {} at most, bucket copy every {}",
            every(b.full_gap_seconds),
            every(b.backup_gap_seconds),
            every(b.drill_gap_seconds),
            every(b.files_gap_seconds)
        );
        for r in &b.repositories {
            let _ = writeln!(
                o,
                "  {}: bucket `{}` at {}, keeps {}",
                r.name, r.bucket, r.place, r.retention
            );
        }
    }

    fn failover_text(&self, o: &mut String) {
        let _ = writeln!(
            o,
            "\nfailover (worst case: the leader lost without a word, docs/failover.md)"
        );
        if self.failover.is_empty() {
            let _ = writeln!(o, "  none in this release");
        }
        for f in &self.failover {
            if let Some(why) = &f.no_failover {
                let _ = writeln!(o, "  {:<9} no failover: {why}", f.service);
                continue;
            }
            let _ = writeln!(
                o,
                "  {:<9} at most {} (objective {}s): {}",
                f.service,
                seconds(f.worst_case_milliseconds),
                f.objective_seconds,
                if f.meets_objective {
                    "meets it"
                } else {
                    "EXCEEDS it"
                }
            );
            for s in &f.steps {
                let _ = writeln!(o, "    {:>6}  {}", seconds(s.milliseconds), s.step);
            }
            if let Some(extra) = f.split_vote_adds_milliseconds {
                let _ = writeln!(
                    o,
                    "    a split vote adds {} (twice failoverTimeoutMilliseconds) before the next election",
                    seconds(extra)
                );
            }
        }
    }

    fn recovery_text(&self, o: &mut String) {
        if self.zones.len() < 2 {
            return;
        }
        let r = &self.capacity_recovery;
        let _ = writeln!(
            o,
            "\nfull capacity after a zone outage (nodes present; worst zone; detection + eviction + scheduling + startup window)"
        );
        match r.objective_seconds {
            Some(s) => {
                let _ = writeln!(o, "  objective {s}s (recovery.capacityObjectiveSeconds)");
            }
            None => {
                let _ = writeln!(o, "  no objective (set recovery.capacityObjectiveSeconds)");
            }
        }
        for c in &r.components {
            let verdict = match c.meets_objective {
                Some(true) => ": meets it",
                Some(false) => ": EXCEEDS it",
                None => "",
            };
            let line = match (c.seconds, &c.zone) {
                (Some(0), _) | (_, None) => "untouched by any one zone's outage".to_string(),
                (Some(s), Some(z)) => format!(
                    "{s}s after zone `{z}` goes dark = {}s detection + {}s eviction + {}s scheduling + {}s startup{verdict}",
                    c.detection_seconds, c.eviction_seconds, c.start_seconds, c.startup_seconds
                ),
                (None, Some(z)) => format!(
                    "not before zone `{z}` returns: {}{verdict}",
                    c.pending_reason.map_or("pods stay Pending", |p| p.text())
                ),
            };
            let _ = writeln!(o, "  {:<17} {line}", c.component);
        }
        let _ = writeln!(
            o,
            "  StatefulSet members return with their zone; their services fail over (above)"
        );
    }

    fn verdict_text(&self, o: &mut String) {
        let c = &self.capacity;
        let _ = writeln!(o, "\nzone loss");
        if self.zones.len() < 2 {
            let _ = writeln!(
                o,
                "  one zone: the release does not survive the loss of its zone"
            );
            return;
        }
        for loss in &c.zone_losses {
            let hurt: Vec<String> = loss
                .outcomes
                .iter()
                .filter(|o| o.verdict != Verdict::Survives || o.after < o.replicas)
                .map(|o| {
                    format!(
                        "{} {}/{} then {}/{}{}",
                        o.component,
                        o.immediate,
                        o.replicas,
                        o.after,
                        o.replicas,
                        match o.verdict {
                            Verdict::Survives => "",
                            Verdict::Restarts => " (restarts)",
                            Verdict::Fails => " (FAILS)",
                        }
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "  {:<14} {}{}{}",
                loss.zone,
                if loss.survives {
                    "survives"
                } else {
                    "DOES NOT SURVIVE"
                },
                if hurt.is_empty() {
                    String::new()
                } else {
                    format!("; {}", hurt.join(", "))
                },
                if loss.unscheduled.is_empty() {
                    String::new()
                } else {
                    format!("; unscheduled: {}", counted(&loss.unscheduled))
                }
            );
        }
        let _ = writeln!(
            o,
            "\nzone outage (nodes present, tainted unreachable:NoExecute)"
        );
        for loss in &c.zone_outages {
            let _ = writeln!(
                o,
                "  {:<14} {}",
                loss.zone,
                if loss.survives {
                    "every Deployment back at its replicas"
                } else if !loss.unscheduled.is_empty() {
                    "DEGRADED: Deployment pods stay Pending"
                } else {
                    "DOES NOT SURVIVE"
                }
            );
            for out in &loss.outcomes {
                let mut line = format!("{} {}/{}", out.component, out.after, out.replicas);
                if let Some(why) = out.pending_reason {
                    line += &format!(", {} Pending: {}", out.pending, why.text());
                }
                if let (Some(add), Some(wants)) = (out.hpa_can_add, out.hpa_wants) {
                    line += &format!(", HPA can add {add} of {wants}");
                    if let Some(why) = out.hpa_limit {
                        line += &format!(" ({})", why.text());
                    }
                }
                line += &match out.capacity_back_seconds {
                    Some(0) => ", untouched".to_string(),
                    Some(s) => format!(", full within {s}s"),
                    None => ", not full before the zone returns".to_string(),
                };
                let _ = writeln!(o, "    {line}");
            }
        }
        let headroom = if c.checked {
            "with room for every evicted pod (N-1 headroom)"
        } else {
            "by spread and quorum (capacity not checked)"
        };
        if self.survives_zone_loss {
            let _ = writeln!(
                o,
                "\nverdict: survives the loss of any one zone, {headroom}"
            );
        } else {
            let failing: Vec<&str> = c
                .zone_losses
                .iter()
                .filter(|l| !l.survives)
                .map(|l| l.zone.as_str())
                .collect();
            let _ = writeln!(
                o,
                "\nverdict: does NOT survive the loss of one zone: {}",
                if failing.is_empty() {
                    "not every pod schedules".to_string()
                } else {
                    failing.join(", ")
                }
            );
        }
    }
}

/// The pools of a pinned component, `(none)` when no pool admits it.
fn pools(p: &capacity::Pinned) -> String {
    if p.pools.is_empty() {
        "(none)".to_string()
    } else {
        p.pools.join(", ")
    }
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Survives => "survives",
        Verdict::Restarts => "restarts",
        Verdict::Fails => "FAILS",
    }
}

/// `api x2, worker` from a list with repeats.
fn counted(items: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut sorted: Vec<&str> = items.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    while i < sorted.len() {
        let n = sorted[i..].iter().take_while(|x| **x == sorted[i]).count();
        out.push(if n > 1 {
            format!("{} x{n}", sorted[i])
        } else {
            sorted[i].to_string()
        });
        i += n;
    }
    out.join(", ")
}

/// `500m` below one core, `1`, `10.45` above.
pub fn cores(c: f64) -> String {
    let milli = (c * 1000.0).round() as u64;
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else if milli < 1000 {
        format!("{milli}m")
    } else {
        let s = format!("{:.3}", milli as f64 / 1000.0);
        s.trim_end_matches('0').to_string()
    }
}

pub fn bytes(b: f64) -> String {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    const MI: f64 = 1024.0 * 1024.0;
    if b >= GI {
        let v = b / GI;
        if (v - v.round()).abs() < 1e-9 {
            format!("{}Gi", v.round())
        } else {
            format!("{:.2}Gi", v)
        }
    } else {
        format!("{}Mi", (b / MI).round())
    }
}

fn amount(a: Amount) -> String {
    format!("{}/{}", a.cpu.map_or("-".into(), cores), bytes(a.memory))
}

fn zone_amount(z: &ZoneTotals) -> String {
    format!("cpu {:>6}  memory {:>8}", cores(z.cpu), bytes(z.memory))
}

fn allocatable(z: &ZoneTotals) -> String {
    match (z.allocatable_cpu, z.allocatable_memory) {
        (Some(c), Some(m)) => format!("  of {} / {} allocatable", cores(c), bytes(m)),
        _ => String::new(),
    }
}

fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s.div_ceil(60)),
        s if s < 4 * 86_400 => format!("{:.1}h", s as f64 / 3600.0),
        s => format!("{:.1}d", s as f64 / 86_400.0),
    }
}

/// Milliseconds as seconds with one decimal: `20.5s`.
fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}
