//! Capacity and zone-loss analysis: where the pods land under their
//! spread rules, whether they fit the node pools, and what happens when a
//! whole zone is lost.
//!
//! The simulation mirrors the scheduler's rules that matter here: a hard
//! (`DoNotSchedule`) spread with `maxSkew: 1` only admits a domain whose
//! count is the minimum over the eligible domains; a soft one is a
//! preference; a pod needs a node with room for its requests. Pods are
//! placed largest first. Without `nodes` in the topology, every zone gets
//! unbounded nodes: the placement is then what the spread rules give, and
//! capacity is reported as not checked.
//!
//! After a zone is lost, pods elsewhere stay where they are; stateless pods
//! of the lost zone are placed again on what is left, and pods that keep a
//! zonal volume (the data layer's StatefulSets) wait for their zone.

use super::quorum::quorums;
use super::scheduling::Constraints;
use crate::dify::{data_layer, Kind};
use crate::topology::{PostgresMode, RedisMode, Resources, Spread, Topology};
use serde::Serialize;

/// Pods of one component, all alike.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The `app.kubernetes.io/component` label; a worker pool's is
    /// `worker-<pool>`.
    pub component: String,
    pub replicas: u32,
    /// Requests of one pod: cores and bytes.
    pub cpu: f64,
    pub memory: f64,
    pub cpu_limit: Option<f64>,
    pub memory_limit: f64,
    #[serde(skip)]
    pub spread: Spread,
    /// Its pods keep a zonal volume and cannot move to another zone.
    pub stateful: bool,
    /// Pods that must run for the component to serve.
    pub needed: u32,
    /// Node selector, required node affinity and tolerations.
    #[serde(skip)]
    pub constraints: Constraints,
    /// The node pools its pods may run on, when its constraints or the
    /// pools' taints leave out some (`None`: every pool, or no `nodes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Pinned>,
}

/// The pools a component is held to, and the zones they are in.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pinned {
    pub pools: Vec<String>,
    pub zones: Vec<String>,
}

impl Group {
    fn new(component: &str, replicas: u32, r: &Resources, spread: Spread) -> Group {
        Group {
            component: component.to_string(),
            replicas,
            cpu: r.requests.cpu.value(),
            memory: r.requests.memory.value(),
            cpu_limit: r.limits.cpu.as_ref().map(|q| q.value()),
            memory_limit: r.limits.memory.value(),
            spread,
            stateful: false,
            needed: 1,
            constraints: Constraints::default(),
            pinned: None,
        }
    }
}

/// Every pod group the release runs in steady state: the Dify Deployments
/// (autoscaled ones at their minimum, and those with no replicas, which
/// fail every scenario), the data layer's StatefulSets and the Redis master
/// proxy.
pub fn groups(t: &Topology) -> Vec<Group> {
    let multi_zone = t.zones.len() > 1;
    let effective = |s: Spread| match s {
        Spread::Zone if !multi_zone => Spread::Host,
        other => other,
    };
    let mut out: Vec<Group> = super::deployments(t)
        .into_iter()
        .flat_map(|kind| {
            let Some(c) = t.components.get(kind) else {
                return Vec::new();
            };
            let pools = super::workers::pools(t);
            if kind == Kind::Worker && !pools.is_empty() {
                // Each pool is its own Deployment, at its idle count.
                return pools
                    .iter()
                    .map(|p| {
                        let mut g = Group::new(
                            &p.label(),
                            p.min_replicas,
                            p.resources,
                            effective(c.spread),
                        );
                        g.constraints = Constraints::of(c);
                        g
                    })
                    .collect();
            }
            let mut g = Group::new(kind.label(), c.replicas, &c.resources, effective(c.spread));
            g.constraints = Constraints::of(c);
            vec![g]
        })
        // A component with no replicas stays in: it serves nothing, and
        // every scenario says so.
        .collect();
    // The data layer spreads its members over zones (hard), like the
    // zone-spread Deployments, so one zone never holds a quorum.
    let member_spread = effective(Spread::Zone);
    let needed = |component: &str| {
        quorums(t)
            .into_iter()
            .find(|q| q.component == component)
            .map_or(1, |q| q.needed)
    };
    let stateful = |component: &'static str, n: u32, r: &Resources| {
        let mut g = Group::new(component, n, r, member_spread);
        g.stateful = true;
        g.needed = needed(component);
        g
    };
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        let mut g = stateful(data_layer::POSTGRES, p.members, &p.resources);
        if let Some(b) = &t.backup {
            // pgBackRest's server runs beside each member.
            let r = &b.server_resources;
            g.cpu += r.requests.cpu.value();
            g.memory += r.requests.memory.value();
            g.cpu_limit = g
                .cpu_limit
                .zip(r.limits.cpu.as_ref())
                .map(|(a, c)| a + c.value());
            g.memory_limit += r.limits.memory.value();
        }
        out.push(g);
        if let Some(e) = &t.etcd {
            out.push(stateful(data_layer::ETCD, e.members, &e.resources));
        }
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        out.push(stateful(data_layer::REDIS, 1 + s.replicas, &s.resources));
        out.push(stateful(
            data_layer::SENTINEL,
            s.sentinels,
            &s.sentinel_resources,
        ));
        // The master proxy keeps no state: its pods move after a zone loss.
        let p = &s.master_proxy;
        out.push(Group::new(
            data_layer::REDIS_PROXY,
            p.replicas,
            &p.resources,
            member_spread,
        ));
    }
    out
}

#[derive(Clone, Debug)]
struct Node {
    /// Index in `nodes`; `None` for the unbounded nodes assumed without them.
    pool: Option<usize>,
    zone: usize,
    cpu: f64,
    memory: f64,
}

/// A small tolerance, so `500m` on a node with `0.5` left still fits.
const EPS: f64 = 1e-9;

/// The nodes and the pod groups to place on them.
struct Cluster {
    zones: usize,
    nodes: Vec<Node>,
    groups: Vec<Group>,
    /// Whether a group's pods may run on a node (`[group][node]`).
    eligible: Vec<Vec<bool>>,
    /// Whether the topology gave node pools (capacity is real).
    bounded: bool,
}

/// Where every pod of every group is, with the counts the spread rules
/// read kept up to date as pods are bound, so that placing a pod costs a
/// few set operations instead of a pass over every node and pod.
#[derive(Clone, Debug)]
struct Placement {
    alive: Vec<bool>,
    free_cpu: Vec<f64>,
    free_memory: Vec<f64>,
    /// Per group, the node of each pod (`None`: it did not schedule).
    pods: Vec<Vec<Option<usize>>>,
    /// Per group and zone: its pods on live nodes of the zone.
    zone_count: Vec<Vec<u32>>,
    /// Per group and node: its pods on the node.
    node_count: Vec<Vec<u32>>,
}

/// Orders free memory so that more comes first.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MoreFirst(f64);

impl Eq for MoreFirst {}

impl PartialOrd for MoreFirst {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MoreFirst {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0)
    }
}

/// The scheduler's preference among a zone's nodes for one group: fewer
/// of the group's pods, then more free memory, then the first node.
type Rank = (u32, MoreFirst, usize);

impl Cluster {
    fn empty(&self) -> Placement {
        Placement {
            alive: vec![true; self.nodes.len()],
            free_cpu: self.nodes.iter().map(|n| n.cpu).collect(),
            free_memory: self.nodes.iter().map(|n| n.memory).collect(),
            pods: self.groups.iter().map(|_| Vec::new()).collect(),
            zone_count: vec![vec![0; self.zones]; self.groups.len()],
            node_count: vec![vec![0; self.nodes.len()]; self.groups.len()],
        }
    }

    fn fits(&self, p: &Placement, g: usize, n: usize) -> bool {
        let group = &self.groups[g];
        p.free_cpu[n] + EPS >= group.cpu && p.free_memory[n] + EPS >= group.memory
    }

    /// Binds `count` more pods of group `g`, one at a time, each to the
    /// node the scheduler would pick: a hard zone spread (`maxSkew: 1`)
    /// admits only the zones holding the fewest of the group's pods, a
    /// hard host spread only the nodes holding the fewest; among those,
    /// fewest in the zone, then fewest on the node, then most free memory.
    /// Returns the node of each pod, `None` for one that found no room.
    fn place(&self, p: &mut Placement, g: usize, count: u32) -> Vec<Option<usize>> {
        let spread = self.groups[g].spread;
        // Candidates per zone. A node that cannot fit the group now never
        // will during this batch (room only shrinks), so it leaves its set
        // for good once seen.
        let mut candidates: Vec<std::collections::BTreeSet<Rank>> =
            vec![std::collections::BTreeSet::new(); self.zones];
        // Live nodes per count of the group's pods, for the host spread's
        // minimum (taken over every live node, as the scheduler does).
        let mut levels: std::collections::BTreeMap<u32, usize> = Default::default();
        let mut live_zones = vec![false; self.zones];
        // Spread domains are the zones of the nodes the pod may run on
        // (node selectors and affinity are honoured, as the scheduler's
        // default `nodeAffinityPolicy: Honor` does).
        for (n, node) in self.nodes.iter().enumerate() {
            if !p.alive[n] || !self.eligible[g][n] {
                continue;
            }
            live_zones[node.zone] = true;
            *levels.entry(p.node_count[g][n]).or_default() += 1;
            if self.fits(p, g, n) {
                candidates[node.zone].insert((p.node_count[g][n], MoreFirst(p.free_memory[n]), n));
            }
        }
        let mut placed = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let zone_min = (0..self.zones)
                .filter(|&z| live_zones[z])
                .map(|z| p.zone_count[g][z])
                .min()
                .unwrap_or(0);
            let node_min = levels.keys().next().copied().unwrap_or(0);
            let mut best: Option<(u32, Rank)> = None;
            for z in (0..self.zones).filter(|&z| live_zones[z]) {
                if spread == Spread::Zone && p.zone_count[g][z] != zone_min {
                    continue;
                }
                let set = &mut candidates[z];
                let first = loop {
                    let Some(&rank) = set.first() else { break None };
                    if self.fits(p, g, rank.2) {
                        break Some(rank);
                    }
                    set.remove(&rank);
                };
                let Some(rank) = first else { continue };
                if spread == Spread::Host && rank.0 != node_min {
                    continue;
                }
                let key = (p.zone_count[g][z], rank);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            let Some((_, rank)) = best else {
                placed.push(None);
                continue;
            };
            let n = rank.2;
            let zone = self.nodes[n].zone;
            candidates[zone].remove(&rank);
            let before = p.node_count[g][n];
            self.bind(p, g, n);
            let level = levels.get_mut(&before).expect("a live node has a level");
            *level -= 1;
            if *level == 0 {
                levels.remove(&before);
            }
            *levels.entry(before + 1).or_default() += 1;
            if self.fits(p, g, n) {
                candidates[zone].insert((before + 1, MoreFirst(p.free_memory[n]), n));
            }
            placed.push(Some(n));
        }
        placed
    }

    fn bind(&self, p: &mut Placement, g: usize, n: usize) {
        p.free_cpu[n] -= self.groups[g].cpu;
        p.free_memory[n] -= self.groups[g].memory;
        p.zone_count[g][self.nodes[n].zone] += 1;
        p.node_count[g][n] += 1;
    }

    /// Places every pod, largest groups first.
    fn baseline(&self) -> Placement {
        let mut p = self.empty();
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by(|&a, &b| {
            let (ga, gb) = (&self.groups[a], &self.groups[b]);
            gb.memory
                .total_cmp(&ga.memory)
                .then(gb.cpu.total_cmp(&ga.cpu))
                .then(a.cmp(&b))
        });
        for g in order {
            let placed = self.place(&mut p, g, self.groups[g].replicas);
            p.pods[g] = placed;
        }
        p
    }

    /// One scenario: `zone` is lost. Pods elsewhere stay where they are;
    /// the lost zone's stateless pods are placed again on what is left,
    /// group by group; members with a zonal volume wait for their zone.
    /// Returns the placement after, the groups of the pods that found no
    /// room (once per pod), and per group the pods running the moment the
    /// zone is gone.
    fn lose_zone(&self, base: &Placement, zone: usize) -> (Placement, Vec<usize>, Vec<u32>) {
        let mut p = base.clone();
        let mut evicted = vec![0u32; self.groups.len()];
        for (n, node) in self.nodes.iter().enumerate() {
            if node.zone == zone {
                p.alive[n] = false;
            }
        }
        for (g, group) in self.groups.iter().enumerate() {
            for slot in p.pods[g].iter_mut() {
                // Pods that never scheduled stay pending; only evicted ones move.
                if let Some(n) = *slot {
                    if self.nodes[n].zone == zone {
                        *slot = None;
                        p.node_count[g][n] -= 1;
                        if !group.stateful {
                            evicted[g] += 1;
                        }
                    }
                }
            }
            p.zone_count[g][zone] = 0;
        }
        let immediate: Vec<u32> = p
            .pods
            .iter()
            .map(|pods| pods.iter().flatten().count() as u32)
            .collect();
        let mut unplaced = Vec::new();
        for (g, &count) in evicted.iter().enumerate() {
            for slot in self.place(&mut p, g, count) {
                match slot {
                    Some(n) => p.pods[g].push(Some(n)),
                    None => unplaced.push(g),
                }
            }
        }
        (p, unplaced, immediate)
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneTotals {
    pub zone: String,
    pub pods: u32,
    pub cpu: f64,
    pub memory: f64,
    /// What the zone's nodes offer; `None` without `nodes`.
    pub allocatable_cpu: Option<f64>,
    pub allocatable_memory: Option<f64>,
}

/// How one component fares when a zone is lost.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub component: String,
    pub replicas: u32,
    /// Pods still running the moment the zone is gone.
    pub immediate: u32,
    /// Pods running once the evicted stateless ones are placed again.
    pub after: u32,
    pub needed: u32,
    /// Serves without interruption, serves after a restart, or is down.
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Keeps serving throughout.
    Survives,
    /// A singleton that stops until it is scheduled again elsewhere.
    Restarts,
    /// Stops serving, or loses its quorum.
    Fails,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneLoss {
    pub zone: String,
    pub outcomes: Vec<Outcome>,
    /// Stateless pods that found no room after the loss (`api` once per pod).
    pub unscheduled: Vec<String>,
    pub survives: bool,
}

/// What a component tolerates, from its placement.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerance {
    pub component: String,
    pub node: Verdict,
    pub zone: Verdict,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    /// Whether node pools were given, so that room was really checked.
    pub checked: bool,
    pub groups: Vec<Group>,
    /// Pods that do not schedule at all (component once per pod).
    pub unscheduled: Vec<String>,
    pub zones: Vec<ZoneTotals>,
    pub tolerance: Vec<Tolerance>,
    pub zone_losses: Vec<ZoneLoss>,
}

impl Capacity {
    pub fn schedules(&self) -> bool {
        self.unscheduled.is_empty()
    }

    /// Every pod schedules and the release survives the loss of any one
    /// zone (with more than one zone; one zone survives nothing).
    pub fn survives_zone_loss(&self) -> bool {
        self.zones.len() > 1 && self.schedules() && self.zone_losses.iter().all(|l| l.survives)
    }
}

/// The pools that admit a component, when that is not all of them.
fn pinned(t: &Topology, c: &Constraints) -> Option<Pinned> {
    let admitted: Vec<_> = t.nodes.iter().filter(|p| c.admits(p)).collect();
    if admitted.len() == t.nodes.len() {
        return None;
    }
    let zones = t
        .zones
        .iter()
        .filter(|z| admitted.iter().any(|p| p.zone == **z))
        .cloned()
        .collect();
    Some(Pinned {
        pools: admitted.iter().map(|p| p.name.clone()).collect(),
        zones,
    })
}

fn verdict(g: &Group, immediate: u32, after: u32) -> Verdict {
    if g.replicas > 1 || g.stateful {
        if immediate >= g.needed && after >= g.needed.max(1) {
            Verdict::Survives
        } else if !g.stateful && after >= g.needed {
            // A stateless component that dropped to zero comes back.
            Verdict::Restarts
        } else {
            Verdict::Fails
        }
    } else if immediate >= 1 {
        Verdict::Survives
    } else if after >= 1 {
        Verdict::Restarts
    } else {
        Verdict::Fails
    }
}

pub fn analyse(t: &Topology) -> Capacity {
    let groups = groups(t);
    let bounded = !t.nodes.is_empty();
    let nodes: Vec<Node> = if bounded {
        t.nodes
            .iter()
            .enumerate()
            .filter_map(|(pool, p)| {
                let zone = t.zones.iter().position(|z| *z == p.zone)?;
                Some((0..p.count).map(move |_| Node {
                    pool: Some(pool),
                    zone,
                    cpu: p.allocatable.cpu.value(),
                    memory: p.allocatable.memory.value(),
                }))
            })
            .flatten()
            .collect()
    } else {
        let per_zone = groups.iter().map(|g| g.replicas).max().unwrap_or(1).max(1);
        (0..t.zones.len())
            .flat_map(|zone| {
                (0..per_zone).map(move |_| Node {
                    pool: None,
                    zone,
                    cpu: f64::INFINITY,
                    memory: f64::INFINITY,
                })
            })
            .collect()
    };
    let mut groups = groups;
    // Without pools there are no labels or taints: every node admits every pod.
    let eligible: Vec<Vec<bool>> = groups
        .iter()
        .map(|g| {
            nodes
                .iter()
                .map(|n| n.pool.is_none_or(|p| g.constraints.admits(&t.nodes[p])))
                .collect()
        })
        .collect();
    if bounded {
        for g in &mut groups {
            g.pinned = pinned(t, &g.constraints);
        }
    }
    let cluster = Cluster {
        zones: t.zones.len(),
        nodes,
        groups,
        eligible,
        bounded,
    };
    let base = cluster.baseline();
    let unscheduled = cluster
        .groups
        .iter()
        .zip(&base.pods)
        .flat_map(|(g, pods)| {
            pods.iter()
                .filter(|p| p.is_none())
                .map(|_| g.component.clone())
        })
        .collect();
    let zones = (0..t.zones.len())
        .map(|z| {
            let mut totals = ZoneTotals {
                zone: t.zones[z].clone(),
                pods: 0,
                cpu: 0.0,
                memory: 0.0,
                allocatable_cpu: None,
                allocatable_memory: None,
            };
            for (g, pods) in cluster.groups.iter().zip(&base.pods) {
                for &n in pods.iter().flatten() {
                    if cluster.nodes[n].zone == z {
                        totals.pods += 1;
                        totals.cpu += g.cpu;
                        totals.memory += g.memory;
                    }
                }
            }
            if cluster.bounded {
                let in_zone = cluster.nodes.iter().filter(|n| n.zone == z);
                totals.allocatable_cpu = Some(in_zone.clone().map(|n| n.cpu).sum());
                totals.allocatable_memory = Some(in_zone.map(|n| n.memory).sum());
            }
            totals
        })
        .collect();
    let zone_losses: Vec<ZoneLoss> = if t.zones.len() > 1 {
        (0..t.zones.len())
            .map(|z| {
                let (after, unplaced, immediate) = cluster.lose_zone(&base, z);
                let outcomes: Vec<Outcome> = cluster
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(g, group)| {
                        let running = after.pods[g].iter().flatten().count() as u32;
                        Outcome {
                            component: group.component.clone(),
                            replicas: group.replicas,
                            immediate: immediate[g],
                            after: running,
                            needed: group.needed,
                            verdict: verdict(group, immediate[g], running),
                        }
                    })
                    .collect();
                let unscheduled: Vec<String> = unplaced
                    .iter()
                    .map(|&g| cluster.groups[g].component.clone())
                    .collect();
                ZoneLoss {
                    zone: t.zones[z].clone(),
                    survives: unscheduled.is_empty()
                        && outcomes.iter().all(|o| o.verdict != Verdict::Fails),
                    outcomes,
                    unscheduled,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let tolerance = cluster
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let running = base.pods[g].iter().flatten().count() as u32;
            let worst_node = base.node_count[g].iter().copied().max().unwrap_or(0);
            // A stateless pod from a lost node restarts elsewhere; a member
            // with a volume waits for its node.
            let node = verdict(
                group,
                running - worst_node,
                if group.stateful {
                    running - worst_node
                } else {
                    running
                },
            );
            let zone = zone_losses
                .iter()
                .map(|l| l.outcomes[g].verdict)
                .max_by_key(|v| match v {
                    Verdict::Survives => 0,
                    Verdict::Restarts => 1,
                    Verdict::Fails => 2,
                })
                .unwrap_or(Verdict::Fails);
            Tolerance {
                component: group.component.clone(),
                node,
                zone,
            }
        })
        .collect();
    Capacity {
        checked: cluster.bounded,
        groups: cluster.groups,
        unscheduled,
        zones,
        tolerance,
        zone_losses,
    }
}
