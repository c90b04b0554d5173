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
use crate::dify::data_layer;
use crate::topology::{PostgresMode, RedisMode, Resources, Spread, Topology};
use serde::Serialize;

/// Pods of one component, all alike.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The `app.kubernetes.io/component` label.
    pub component: &'static str,
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
    fn new(component: &'static str, replicas: u32, r: &Resources, spread: Spread) -> Group {
        Group {
            component,
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
/// (autoscaled ones at their minimum), the data layer's StatefulSets and
/// the Redis master proxy.
pub fn groups(t: &Topology) -> Vec<Group> {
    let multi_zone = t.zones.len() > 1;
    let effective = |s: Spread| match s {
        Spread::Zone if !multi_zone => Spread::Host,
        other => other,
    };
    let mut out: Vec<Group> = super::deployments(t)
        .into_iter()
        .filter_map(|kind| {
            let c = t.components.get(kind)?;
            let mut g = Group::new(kind.label(), c.replicas, &c.resources, effective(c.spread));
            g.constraints = Constraints::of(c);
            Some(g)
        })
        .filter(|g| g.replicas > 0)
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
    let mut stateful = |component: &'static str, n: u32, r: &Resources| {
        let mut g = Group::new(component, n, r, member_spread);
        g.stateful = true;
        g.needed = needed(component);
        out.push(g);
    };
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        stateful(data_layer::POSTGRES, p.members, &p.resources);
        stateful(data_layer::ETCD, t.etcd.members, &t.etcd.resources);
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        stateful(data_layer::REDIS, 1 + s.replicas, &s.resources);
        stateful(data_layer::SENTINEL, s.sentinels, &s.sentinel_resources);
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

/// Where every pod of every group is: `None` for a pod that did not fit.
#[derive(Clone, Debug)]
struct State {
    alive: Vec<bool>,
    free_cpu: Vec<f64>,
    free_memory: Vec<f64>,
    pods: Vec<Vec<Option<usize>>>,
}

/// A small tolerance, so `500m` on a node with `0.5` left still fits.
const EPS: f64 = 1e-9;

struct Cluster<'a> {
    zones: &'a [String],
    nodes: Vec<Node>,
    groups: Vec<Group>,
    /// Whether a group's pods may run on a node (`[group][node]`).
    eligible: Vec<Vec<bool>>,
    /// Whether the topology gave node pools (capacity is real).
    bounded: bool,
}

impl Cluster<'_> {
    fn zone_count(&self, state: &State, g: usize, zone: usize) -> usize {
        state.pods[g]
            .iter()
            .flatten()
            .filter(|&&n| state.alive[n] && self.nodes[n].zone == zone)
            .count()
    }

    fn node_count(&self, state: &State, g: usize, node: usize) -> usize {
        state.pods[g]
            .iter()
            .flatten()
            .filter(|&&n| n == node)
            .count()
    }

    /// The node the scheduler would bind the next pod of group `g` to.
    fn pick(&self, state: &State, g: usize) -> Option<usize> {
        let group = &self.groups[g];
        // Spread domains are the zones of the nodes the pod may run on.
        let alive: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| state.alive[n] && self.eligible[g][n])
            .collect();
        let zones: Vec<usize> = (0..self.zones.len())
            .filter(|&z| alive.iter().any(|&n| self.nodes[n].zone == z))
            .collect();
        let zone_min = zones
            .iter()
            .map(|&z| self.zone_count(state, g, z))
            .min()
            .unwrap_or(0);
        let node_min = alive
            .iter()
            .map(|&n| self.node_count(state, g, n))
            .min()
            .unwrap_or(0);
        alive
            .iter()
            .copied()
            .filter(|&n| {
                state.free_cpu[n] + EPS >= group.cpu && state.free_memory[n] + EPS >= group.memory
            })
            .filter(|&n| match group.spread {
                Spread::Zone => self.zone_count(state, g, self.nodes[n].zone) == zone_min,
                Spread::Host => self.node_count(state, g, n) == node_min,
                Spread::None => true,
            })
            .min_by(|&a, &b| {
                let key = |n: usize| {
                    (
                        self.zone_count(state, g, self.nodes[n].zone),
                        self.node_count(state, g, n),
                    )
                };
                key(a)
                    .cmp(&key(b))
                    .then(
                        state.free_memory[b]
                            .partial_cmp(&state.free_memory[a])
                            .unwrap_or(std::cmp::Ordering::Equal),
                    )
                    .then(a.cmp(&b))
            })
    }

    fn bind(&self, state: &mut State, g: usize, n: usize) {
        state.free_cpu[n] -= self.groups[g].cpu;
        state.free_memory[n] -= self.groups[g].memory;
    }

    /// Places every pod, largest first.
    fn baseline(&self) -> State {
        let mut state = State {
            alive: vec![true; self.nodes.len()],
            free_cpu: self.nodes.iter().map(|n| n.cpu).collect(),
            free_memory: self.nodes.iter().map(|n| n.memory).collect(),
            pods: self.groups.iter().map(|_| Vec::new()).collect(),
        };
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by(|&a, &b| {
            let (ga, gb) = (&self.groups[a], &self.groups[b]);
            gb.memory
                .partial_cmp(&ga.memory)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(
                    gb.cpu
                        .partial_cmp(&ga.cpu)
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
                .then(a.cmp(&b))
        });
        for g in order {
            for _ in 0..self.groups[g].replicas {
                let node = self.pick(&state, g);
                if let Some(n) = node {
                    self.bind(&mut state, g, n);
                }
                state.pods[g].push(node);
            }
        }
        state
    }

    /// The state after losing `zone`, and the stateless pods that found no
    /// room again.
    fn lose_zone(&self, base: &State, zone: usize) -> (State, Vec<usize>, Vec<u32>) {
        let mut state = base.clone();
        let mut evicted = vec![0u32; self.groups.len()];
        for n in 0..self.nodes.len() {
            if self.nodes[n].zone == zone {
                state.alive[n] = false;
            }
        }
        for (g, pods) in state.pods.iter_mut().enumerate() {
            for slot in pods.iter_mut() {
                if let Some(n) = *slot {
                    if self.nodes[n].zone == zone {
                        *slot = None;
                        if !self.groups[g].stateful {
                            evicted[g] += 1;
                        }
                    }
                }
            }
            // Pods that never scheduled stay pending; only evicted ones move.
        }
        let immediate: Vec<u32> = (0..self.groups.len())
            .map(|g| state.pods[g].iter().flatten().count() as u32)
            .collect();
        let mut unplaced = Vec::new();
        for (g, &count) in evicted.iter().enumerate() {
            for _ in 0..count {
                match self.pick(&state, g) {
                    Some(n) => {
                        self.bind(&mut state, g, n);
                        state.pods[g].push(Some(n));
                    }
                    None => unplaced.push(g),
                }
            }
        }
        (state, unplaced, immediate)
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
    pub component: &'static str,
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
    pub unscheduled: Vec<&'static str>,
    pub survives: bool,
}

/// What a component tolerates, from its placement.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerance {
    pub component: &'static str,
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
    pub unscheduled: Vec<&'static str>,
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
        zones: &t.zones,
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
        .flat_map(|(g, pods)| pods.iter().filter(|p| p.is_none()).map(|_| g.component))
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
                            component: group.component,
                            replicas: group.replicas,
                            immediate: immediate[g],
                            after: running,
                            needed: group.needed,
                            verdict: verdict(group, immediate[g], running),
                        }
                    })
                    .collect();
                let unscheduled: Vec<&'static str> = unplaced
                    .iter()
                    .map(|&g| cluster.groups[g].component)
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
            let placed: Vec<usize> = base.pods[g].iter().flatten().copied().collect();
            let running = placed.len() as u32;
            let worst_node = (0..cluster.nodes.len())
                .map(|n| placed.iter().filter(|&&p| p == n).count() as u32)
                .max()
                .unwrap_or(0);
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
                component: group.component,
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
