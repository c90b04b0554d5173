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
//! A zone is lost in two scenarios. `nodes-deleted`: its Node objects are
//! gone (an operator or the cloud's node controller removed them); pods
//! elsewhere stay where they are, stateless pods of the lost zone are
//! placed again on what is left, and pods that keep a zonal volume (the
//! data layer's StatefulSets) wait for their zone. `nodes-unreachable`: the
//! zone goes dark and its nodes stay, tainted `unreachable:NoExecute`, as
//! in a real outage. Deployment pods are evicted after their
//! `tolerationSeconds` and placed again as kube-scheduler's
//! PodTopologySpread computes skew: with the default `nodeTaintsPolicy:
//! Ignore` and `nodeAffinityPolicy: Honor` the tainted nodes still count,
//! so the dark zone (and each of its nodes) is a domain with no pods and
//! the global minimum is 0; a hard constraint with `maxSkew: 1` then admits
//! only domains with no pod of the component (`minDomains` changes nothing
//! once the minimum is 0; `matchLabelKeys: [pod-template-hash]` counts the
//! current ReplicaSet, which is every pod in steady state). StatefulSet
//! pods are not replaced until their node is deleted. Both scenarios also
//! say how many pods the HPA could still add, each component alone, and
//! how long until each component is back at its replica count.
//!
//! The release's DaemonSets (the log agent, with `logging`) take their
//! requests from every node they run on before anything is placed: a
//! DaemonSet pod runs on each node its node selector and tolerations
//! admit (every pool's, when it tolerates every taint and selects no
//! label), and the scheduler counts it like any other.

use super::probes::{self, Role};
use super::quorum::quorums;
use super::scheduling::Constraints;
use crate::dify::{data_layer, Kind, LOG_COLLECTOR};
use crate::topology::{Eviction, PostgresMode, RedisMode, Resources, Spread, Toleration, Topology};
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
    /// The HPA's maximum (the replica count without autoscaling).
    pub max_replicas: u32,
    /// Seconds its pods stay on a `not-ready`/`unreachable` node.
    pub toleration_seconds: u32,
    /// The startup probe's window: the longest a new pod takes to be
    /// started before the kubelet gives up on it (0 without a probe).
    pub startup_seconds: u32,
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
            max_replicas: replicas,
            toleration_seconds: Eviction::DEFAULT_SECONDS,
            startup_seconds: 0,
        }
    }

    /// The pod's requests with the topology's extra containers, as
    /// kube-scheduler counts them: sidecars add to the main container, and
    /// so do init containers with `restartPolicy: Always` (native sidecars,
    /// which keep running); an ordinary init container runs before the
    /// main containers, beside the native sidecars listed before it, so
    /// the pod needs the largest of those sums and the running total.
    /// Limits add the same way.
    fn add_extras(&mut self, extras: &crate::topology::Extras) {
        use k8s_openapi::api::core::v1::Container;
        let amount = |c: &Container, limits: bool, key: &str| {
            c.resources
                .as_ref()
                .and_then(|r| {
                    if limits {
                        r.limits.as_ref()
                    } else {
                        r.requests.as_ref()
                    }
                })
                .and_then(|m| m.get(key))
                .and_then(|q| crate::schema::quantity::value(&q.0))
                .unwrap_or(0.0)
        };
        let pod = |own: f64, limits: bool, key: &str| {
            let mut native = 0.0;
            let mut init_peak: f64 = 0.0;
            for c in &extras.init_containers {
                if c.restart_policy.as_deref() == Some("Always") {
                    native += amount(c, limits, key);
                } else {
                    init_peak = init_peak.max(native + amount(c, limits, key));
                }
            }
            let sidecars: f64 = extras.sidecars.iter().map(|c| amount(c, limits, key)).sum();
            init_peak.max(own + sidecars + native)
        };
        self.cpu = pod(self.cpu, false, "cpu");
        self.memory = pod(self.memory, false, "memory");
        self.memory_limit = pod(self.memory_limit, true, "memory");
        self.cpu_limit = self.cpu_limit.map(|own| pod(own, true, "cpu"));
    }
}

/// Requests of one pod the release runs on every node it admits (a
/// DaemonSet's).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerNode {
    /// The `app.kubernetes.io/component` label.
    pub component: &'static str,
    pub cpu: f64,
    pub memory: f64,
    /// Its node selector and tolerations.
    #[serde(skip)]
    pub constraints: Constraints,
    /// The node pools it runs on, when its selector or the pools' taints
    /// leave out some (`None`: every pool, or no `nodes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Pinned>,
}

/// The release's DaemonSets: the log agent when logging is on (in every
/// collector mode: the Helm chart's is a DaemonSet too).
pub fn per_node(t: &Topology) -> Vec<PerNode> {
    t.logging
        .iter()
        .filter(|l| l.enabled)
        .map(|l| {
            let c = &l.collector;
            let constraints = Constraints {
                node_selector: c
                    .node_selector
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                required: Vec::new(),
                tolerations: c
                    .tolerate_all_taints
                    .then(Toleration::every_taint)
                    .into_iter()
                    .collect(),
            };
            PerNode {
                component: LOG_COLLECTOR,
                cpu: c.resources.requests.cpu.value(),
                memory: c.resources.requests.memory.value(),
                pinned: pinned(t, &constraints),
                constraints,
            }
        })
        .collect()
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
    let release = super::release(t);
    let mut out: Vec<Group> = super::deployments(t)
        .into_iter()
        .flat_map(|kind| {
            let Some(c) = t.components.get(kind) else {
                return Vec::new();
            };
            let one = |label: &str, replicas: u32, max: u32, r: &Resources| {
                let mut g = Group::new(label, replicas, r, effective(c.spread));
                g.max_replicas = max;
                g.toleration_seconds = Eviction::seconds(c.eviction.as_ref());
                g.startup_seconds =
                    probes::effective(release, kind, Role::Startup, c.probes.startup.as_ref())
                        .map_or(0, |timing| timing.window());
                g.constraints = Constraints::of(c);
                g.add_extras(&c.extras);
                g
            };
            let pools = super::workers::pools(t);
            if kind == Kind::Worker && !pools.is_empty() {
                // Each pool is its own Deployment, at its idle count, and
                // grows to its own maximum.
                return pools
                    .iter()
                    .map(|p| one(&p.label(), p.min_replicas, p.max_replicas, p.resources))
                    .collect();
            }
            let max = c
                .autoscaling
                .as_ref()
                .map_or(c.replicas, |a| a.max_replicas.max(c.replicas));
            vec![one(kind.label(), c.replicas, max, &c.resources)]
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
        // The master proxy keeps no state: its pods move after a zone loss,
        // never two on a node, the zones a preference (rendered so).
        let p = &s.master_proxy;
        let mut g = Group::new(
            data_layer::REDIS_PROXY,
            p.replicas,
            &p.resources,
            Spread::Host,
        );
        g.toleration_seconds = Eviction::DEFAULT_SECONDS;
        out.push(g);
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
    zone_count: Grid,
    /// Per group and node: its pods on the node.
    node_count: Grid,
}

/// Counts per group and zone (or node) in one vector, row by row: a
/// [`Placement`] is cloned for every scenario, and one allocation per
/// table is cheaper than one per row. `grid[g][i]` reads as a `Vec<Vec<_>>`.
#[derive(Clone, Debug)]
struct Grid {
    width: usize,
    cells: Vec<u32>,
}

impl Grid {
    fn new(rows: usize, width: usize) -> Grid {
        Grid {
            width,
            cells: vec![0; rows * width],
        }
    }
}

impl std::ops::Index<usize> for Grid {
    type Output = [u32];
    fn index(&self, row: usize) -> &[u32] {
        &self.cells[row * self.width..][..self.width]
    }
}

impl std::ops::IndexMut<usize> for Grid {
    fn index_mut(&mut self, row: usize) -> &mut [u32] {
        &mut self.cells[row * self.width..][..self.width]
    }
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
            zone_count: Grid::new(self.groups.len(), self.zones),
            node_count: Grid::new(self.groups.len(), self.nodes.len()),
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
    /// With `dark_domains`, the nodes that are not alive still count as
    /// domains with no pods (tainted, not deleted): the minimum a hard
    /// spread compares with is then 0. Returns the node of each pod, or
    /// why it stays Pending.
    fn place(
        &self,
        p: &mut Placement,
        g: usize,
        count: u32,
        dark_domains: bool,
    ) -> Vec<Result<usize, Pending>> {
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
        // default `nodeAffinityPolicy: Honor` does); with `dark_domains`
        // the dark nodes count too, their `unreachable` taint ignored as
        // the default `nodeTaintsPolicy: Ignore` does.
        let mut domain_zones = vec![false; self.zones];
        for (n, node) in self.nodes.iter().enumerate() {
            if !self.eligible[g][n] {
                continue;
            }
            if !p.alive[n] {
                if dark_domains {
                    domain_zones[node.zone] = true;
                    *levels.entry(p.node_count[g][n]).or_default() += 1;
                }
                continue;
            }
            live_zones[node.zone] = true;
            domain_zones[node.zone] = true;
            *levels.entry(p.node_count[g][n]).or_default() += 1;
            if self.fits(p, g, n) {
                candidates[node.zone].insert((p.node_count[g][n], MoreFirst(p.free_memory[n]), n));
            }
        }
        let mut placed = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let zone_min = (0..self.zones)
                .filter(|&z| domain_zones[z])
                .map(|z| p.zone_count[g][z])
                .min()
                .unwrap_or(0);
            let node_min = levels.keys().next().copied().unwrap_or(0);
            let mut best: Option<(u32, Rank)> = None;
            let mut blocked = Pending::NoRoom;
            for z in (0..self.zones).filter(|&z| live_zones[z]) {
                let set = &mut candidates[z];
                let first = loop {
                    let Some(&rank) = set.first() else { break None };
                    if self.fits(p, g, rank.2) {
                        break Some(rank);
                    }
                    set.remove(&rank);
                };
                let Some(rank) = first else { continue };
                if spread == Spread::Zone && p.zone_count[g][z] != zone_min {
                    blocked = Pending::ZoneSpread;
                    continue;
                }
                if spread == Spread::Host && rank.0 != node_min {
                    if blocked == Pending::NoRoom {
                        blocked = Pending::HostSpread;
                    }
                    continue;
                }
                let key = (p.zone_count[g][z], rank);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            let Some((_, rank)) = best else {
                placed.push(Err(blocked));
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
            placed.push(Ok(n));
        }
        placed
    }

    /// The report of one scenario for one zone.
    fn zone_loss(&self, base: &Placement, z: usize, scenario: Scenario, name: &str) -> ZoneLoss {
        let (after, unplaced, immediate) = self.lose_zone(base, z, scenario);
        let dark = scenario == Scenario::NodesUnreachable;
        let outcomes: Vec<Outcome> = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let running = after.pods[g].iter().flatten().count() as u32;
                let pending = group.replicas.saturating_sub(running);
                let pending_reason = if pending == 0 {
                    None
                } else if group.stateful {
                    Some(Pending::ZonalVolume)
                } else {
                    unplaced
                        .iter()
                        .find(|(u, _)| *u == g)
                        .map(|&(_, why)| why)
                        .or(Some(Pending::NoRoom))
                };
                let lost = base.pods[g].iter().flatten().count() as u32 - immediate[g];
                let capacity_back_seconds = if pending > 0 {
                    None
                } else if lost == 0 {
                    Some(0)
                } else {
                    let start = SCHEDULE_AND_START_SECONDS + group.startup_seconds;
                    Some(if dark {
                        NODE_MONITOR_GRACE_SECONDS + group.toleration_seconds + start
                    } else {
                        start
                    })
                };
                let autoscaled = group.max_replicas > group.replicas && !group.stateful;
                let (added, limit) = self.growth(&after, g, dark);
                Outcome {
                    component: group.component.clone(),
                    replicas: group.replicas,
                    immediate: immediate[g],
                    after: running,
                    needed: group.needed,
                    verdict: verdict(group, immediate[g], running),
                    pending,
                    pending_reason,
                    hpa_can_add: autoscaled.then_some(added),
                    hpa_wants: autoscaled.then(|| group.max_replicas - group.replicas),
                    hpa_limit: limit,
                    capacity_back_seconds,
                }
            })
            .collect();
        let unscheduled: Vec<String> = unplaced
            .iter()
            .map(|&(g, _)| self.groups[g].component.clone())
            .collect();
        ZoneLoss {
            zone: name.to_string(),
            scenario,
            survives: unscheduled.is_empty()
                && outcomes.iter().all(|o| o.verdict != Verdict::Fails),
            outcomes,
            unscheduled,
        }
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
            let placed = self.place(&mut p, g, self.groups[g].replicas, false);
            p.pods[g] = placed.into_iter().map(Result::ok).collect();
        }
        p
    }

    /// One scenario: `zone` is lost. Pods elsewhere stay where they are;
    /// the lost zone's stateless pods are placed again on what is left,
    /// group by group; members with a zonal volume wait for their zone.
    /// Returns the placement after, the groups of the pods that stay
    /// Pending (once per pod) and why, and per group the pods running the
    /// moment the zone is gone.
    fn lose_zone(
        &self,
        base: &Placement,
        zone: usize,
        scenario: Scenario,
    ) -> (Placement, Vec<(usize, Pending)>, Vec<u32>) {
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
        let dark = scenario == Scenario::NodesUnreachable;
        for (g, &count) in evicted.iter().enumerate() {
            for slot in self.place(&mut p, g, count, dark) {
                match slot {
                    Ok(n) => p.pods[g].push(Some(n)),
                    Err(why) => unplaced.push((g, why)),
                }
            }
        }
        (p, unplaced, immediate)
    }

    /// How many pods the HPA could add to group `g` on `after`, up to its
    /// maximum, with no other component growing; and why it stops short.
    fn growth(&self, after: &Placement, g: usize, dark: bool) -> (u32, Option<Pending>) {
        let group = &self.groups[g];
        if group.stateful || group.max_replicas <= group.replicas {
            return (0, None);
        }
        let mut p = after.clone();
        let mut added = 0;
        let mut why = None;
        for slot in self.place(&mut p, g, group.max_replicas - group.replicas, dark) {
            match slot {
                Ok(_) => added += 1,
                Err(reason) => {
                    why.get_or_insert(reason);
                }
            }
        }
        (added, why)
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

/// Seconds the node lifecycle controller waits for a silent kubelet before
/// it taints the node (`--node-monitor-grace-period`, 50 s since
/// Kubernetes 1.32).
pub const NODE_MONITOR_GRACE_SECONDS: u32 = 50;

/// Seconds from a replacement pod's creation to its container starting on
/// a node that has the image: scheduling, binding, the sandbox and the
/// container runtime. An estimate; image pulls on a cold node come on top.
pub const SCHEDULE_AND_START_SECONDS: u32 = 10;

/// How a zone is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The zone's Node objects are deleted: its pods are gone at once.
    NodesDeleted,
    /// The zone goes dark and its nodes stay, `NotReady` and tainted
    /// `node.kubernetes.io/unreachable:NoExecute`: what a real outage looks
    /// like until someone deletes them.
    NodesUnreachable,
}

/// Why a pod stays Pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pending {
    /// A hard zone spread (`DoNotSchedule`): every zone with room already
    /// holds more than the emptiest domain (the dark zone counts, with 0).
    ZoneSpread,
    /// A hard host spread: every node with room holds more of the
    /// component than the emptiest node.
    HostSpread,
    /// No live node has room for its requests.
    NoRoom,
    /// A StatefulSet member keeps a volume in the lost zone and is not
    /// replaced until its node is deleted and the zone is back.
    ZonalVolume,
}

impl Pending {
    pub fn text(self) -> &'static str {
        match self {
            Pending::ZoneSpread => "zone spread (DoNotSchedule) counts the dark zone",
            Pending::HostSpread => "host spread (DoNotSchedule)",
            Pending::NoRoom => "no node has room",
            Pending::ZonalVolume => "volume bound to the lost zone",
        }
    }

    /// A spread rule, not the room, keeps the pod Pending.
    pub fn is_spread(self) -> bool {
        matches!(self, Pending::ZoneSpread | Pending::HostSpread)
    }
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
    /// Pods of its replica count that stay Pending, and why.
    pub pending: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reason: Option<Pending>,
    /// Pods the HPA could still add up to its maximum (autoscaled
    /// components only), this component alone growing, and why it stops
    /// short of the maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hpa_can_add: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hpa_wants: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hpa_limit: Option<Pending>,
    /// Expected seconds until the component is back at its replica count,
    /// from the moment the zone goes dark (`nodes-unreachable`: detection,
    /// eviction, scheduling and the startup window) or the nodes are
    /// deleted (`nodes-deleted`: scheduling and the startup window); `None`
    /// when it is not back before the zone returns.
    pub capacity_back_seconds: Option<u32>,
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
    pub scenario: Scenario,
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
    /// Pods on every node, taken from each node's allocatable first.
    pub per_node: Vec<PerNode>,
    /// Pods that do not schedule at all (component once per pod).
    pub unscheduled: Vec<String>,
    pub zones: Vec<ZoneTotals>,
    pub tolerance: Vec<Tolerance>,
    /// Each zone lost with its nodes deleted.
    pub zone_losses: Vec<ZoneLoss>,
    /// Each zone dark with its nodes present and tainted.
    pub zone_outages: Vec<ZoneLoss>,
}

impl Capacity {
    pub fn schedules(&self) -> bool {
        self.unscheduled.is_empty()
    }

    /// Every pod schedules and the release survives the loss of any one
    /// zone in both scenarios (with more than one zone; one zone survives
    /// nothing).
    pub fn survives_zone_loss(&self) -> bool {
        self.zones.len() > 1
            && self.schedules()
            && self
                .zone_losses
                .iter()
                .chain(&self.zone_outages)
                .all(|l| l.survives)
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
    let per_node = per_node(t);
    // The DaemonSets' pods on one node of a pool: (pods, cpu, memory).
    let daemons = |pool: &crate::topology::NodePool| {
        per_node
            .iter()
            .filter(|d| d.constraints.admits(pool))
            .fold((0u32, 0.0, 0.0), |(n, cpu, memory), d| {
                (n + 1, cpu + d.cpu, memory + d.memory)
            })
    };
    let bounded = !t.nodes.is_empty();
    let nodes: Vec<Node> = if bounded {
        t.nodes
            .iter()
            .enumerate()
            .filter_map(|(pool, p)| {
                let zone = t.zones.iter().position(|z| *z == p.zone)?;
                let (_, daemon_cpu, daemon_memory) = daemons(p);
                let cpu = (p.allocatable.cpu.value() - daemon_cpu).max(0.0);
                let memory = (p.allocatable.memory.value() - daemon_memory).max(0.0);
                Some((0..p.count).map(move |_| Node {
                    pool: Some(pool),
                    zone,
                    cpu,
                    memory,
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
                // The DaemonSets' pods count in the zone's requests, and
                // the allocatable is what the pools offer.
                let in_zone = t.nodes.iter().filter(|p| p.zone == t.zones[z]);
                for p in in_zone.clone() {
                    let (pods, cpu, memory) = daemons(p);
                    totals.pods += p.count * pods;
                    totals.cpu += f64::from(p.count) * cpu;
                    totals.memory += f64::from(p.count) * memory;
                }
                totals.allocatable_cpu = Some(
                    in_zone
                        .clone()
                        .map(|p| f64::from(p.count) * p.allocatable.cpu.value())
                        .sum(),
                );
                totals.allocatable_memory = Some(
                    in_zone
                        .map(|p| f64::from(p.count) * p.allocatable.memory.value())
                        .sum(),
                );
            }
            totals
        })
        .collect();
    let scenario = |scenario: Scenario| -> Vec<ZoneLoss> {
        if t.zones.len() < 2 {
            return Vec::new();
        }
        (0..t.zones.len())
            .map(|z| cluster.zone_loss(&base, z, scenario, &t.zones[z]))
            .collect()
    };
    let zone_losses = scenario(Scenario::NodesDeleted);
    let zone_outages = scenario(Scenario::NodesUnreachable);
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
        per_node,
        unscheduled,
        zones,
        tolerance,
        zone_losses,
        zone_outages,
    }
}
