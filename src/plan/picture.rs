//! `dify-gen graph`: the topology as a picture, in Mermaid or Graphviz DOT.
//!
//! Nodes are the release's pod groups with their replicas (a range when an
//! autoscaler owns the count) and how they spread, grouped into the Dify
//! components and the data layer dify-gen runs, plus the peers outside the
//! release (the entry, the internet, other namespaces). Edges are the
//! component graph ([`super::graph::edges`], the one the NetworkPolicies
//! are rendered from), merged per pair of peers with their ports. The
//! edges every pod has (to the cluster DNS) and the monitoring ones
//! (Prometheus scraping, blackbox probes) are left out: they connect to
//! everything and say nothing about the topology.

use super::graph::{self, Edge, Peer};
use super::Plan;
use crate::dify::data_layer;
use std::collections::BTreeMap;

/// A node of the picture.
struct Node {
    id: String,
    label: String,
    group: Group,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Dify,
    Data,
    Outside,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Dify => "Dify",
            Group::Data => "Data layer",
            Group::Outside => "Outside the release",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Group::Dify => "dify",
            Group::Data => "data",
            Group::Outside => "outside",
        }
    }
}

/// The picture's content, before it is written in either language.
struct Picture {
    title: String,
    nodes: Vec<Node>,
    /// (from id, to id) to the ports, in order.
    edges: BTreeMap<(String, String), Vec<String>>,
}

impl Picture {
    /// The groups that have nodes, in drawing order, with their nodes.
    fn groups(&self) -> impl Iterator<Item = (Group, Vec<&Node>)> {
        [Group::Outside, Group::Dify, Group::Data]
            .into_iter()
            .map(|g| {
                (
                    g,
                    self.nodes
                        .iter()
                        .filter(|n| n.group == g)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, members)| !members.is_empty())
    }
}

fn shown(e: &Edge) -> bool {
    !matches!(e.to, Peer::Dns | Peer::Prometheus | Peer::Prober)
        && !matches!(e.from, Peer::Prometheus | Peer::Prober)
}

fn id_of(p: &Peer) -> String {
    let raw = match p {
        Peer::Component(c) => (*c).to_string(),
        Peer::Entry => "entry".into(),
        Peer::Dns => "dns".into(),
        Peer::KubeApi => "kube_api".into(),
        Peer::Internet => "internet".into(),
        Peer::Namespace(ns) => format!("ns_{ns}"),
        Peer::Anywhere => "anywhere".into(),
        Peer::Prometheus => "prometheus".into(),
        Peer::Prober => "prober".into(),
        Peer::Egress(name) => format!("egress_{name}"),
        Peer::Keda => "keda".into(),
        Peer::PluginDebug => "plugin_debug".into(),
    };
    raw.replace(['-', '.'], "_")
}

/// The replicas of a data-layer member, from its section.
fn data_replicas(plan: &Plan, label: &str) -> Option<u32> {
    let t = plan.t;
    match label {
        data_layer::POSTGRES => t.postgres.patroni.as_ref().map(|p| p.members),
        data_layer::ETCD => t.etcd.as_ref().map(|e| e.members),
        data_layer::REDIS => t.redis.sentinel.as_ref().map(|s| 1 + s.replicas),
        data_layer::SENTINEL => t.redis.sentinel.as_ref().map(|s| s.sentinels),
        data_layer::REDIS_PROXY => t.redis.sentinel.as_ref().map(|s| s.master_proxy.replicas),
        _ => None,
    }
}

fn node(plan: &Plan, p: &Peer) -> Node {
    let id = id_of(p);
    let (label, group) = match p {
        Peer::Component(c) => {
            if let Some(w) = plan.workloads.iter().find(|w| w.kind.label() == *c) {
                let count = match &w.spec.autoscaling {
                    Some(a) => format!("{}-{} replicas (HPA)", w.min_replicas, a.max_replicas),
                    None => format!("{} replica{}", w.min_replicas, plural(w.min_replicas)),
                };
                let spread = serde_json::to_value(w.spec.spread)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let spread = match spread.as_str() {
                    "none" => "no spread".to_string(),
                    s => format!("spread by {s}"),
                };
                (format!("{c}<br/>{count}, {spread}"), Group::Dify)
            } else if let Some(n) = data_replicas(plan, c) {
                let noun = if *c == data_layer::REDIS_PROXY {
                    "replica"
                } else {
                    "member"
                };
                (format!("{c}<br/>{n} {noun}{}", plural(n)), Group::Data)
            } else if *c == data_layer::POSTGRES_CHECK {
                (format!("{c}<br/>Job"), Group::Data)
            } else {
                let job = *c == crate::dify::Kind::Migration.label();
                let what = if job { "<br/>Job" } else { "" };
                ((*c).to_string() + what, Group::Dify)
            }
        }
        Peer::Entry => (format!("entry<br/>{}", plan.t.ingress.host), Group::Outside),
        Peer::Dns => ("cluster DNS".into(), Group::Outside),
        Peer::KubeApi => ("Kubernetes API".into(), Group::Outside),
        Peer::Internet => ("internet<br/>public addresses".into(), Group::Outside),
        Peer::Namespace(ns) => (format!("namespace {ns}"), Group::Outside),
        Peer::Anywhere => ("external services".into(), Group::Outside),
        Peer::Prometheus => ("Prometheus".into(), Group::Outside),
        Peer::Prober => ("blackbox exporter".into(), Group::Outside),
        Peer::Egress(name) => (format!("egress {name}"), Group::Outside),
        Peer::Keda => ("KEDA operator".into(), Group::Outside),
        Peer::PluginDebug => ("plugin developers".into(), Group::Outside),
    };
    Node { id, label, group }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn port_text(e: &Edge) -> String {
    let proto = if e.protocol == graph::Protocol::Udp {
        "/udp"
    } else {
        ""
    };
    match e.end_port {
        Some(end) => format!("{}-{end}{proto}", e.port),
        None => format!("{}{proto}", e.port),
    }
}

fn picture(plan: &Plan) -> Picture {
    let edges: Vec<Edge> = graph::edges(plan.t).into_iter().filter(shown).collect();
    let mut peers: Vec<Peer> = graph::components(plan.t)
        .into_iter()
        .map(Peer::Component)
        .collect();
    for e in &edges {
        peers.push(e.from.clone());
        peers.push(e.to.clone());
    }
    peers.sort();
    peers.dedup();
    let mut nodes: Vec<Node> = peers.iter().map(|p| node(plan, p)).collect();
    nodes.sort_by(|a, b| (a.group, &a.id).cmp(&(b.group, &b.id)));
    let mut merged: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for e in &edges {
        let ports = merged.entry((id_of(&e.from), id_of(&e.to))).or_default();
        let p = port_text(e);
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    let zones: Vec<&str> = plan.t.zones.iter().map(|z| z.as_str()).collect();
    Picture {
        title: format!(
            "{} (Dify {}) in namespace {}, zones: {}",
            plan.release,
            plan.t.dify.version,
            plan.namespace,
            if zones.is_empty() {
                "none".to_string()
            } else {
                zones.join(", ")
            }
        ),
        nodes,
        edges: merged,
    }
}

/// The picture as a Mermaid flowchart.
pub fn mermaid(plan: &Plan) -> String {
    let p = picture(plan);
    let mut out = format!("---\ntitle: {}\n---\nflowchart LR\n", p.title);
    for (group, members) in p.groups() {
        out.push_str(&format!(
            "  subgraph {}[\"{}\"]\n",
            group.id(),
            group.title()
        ));
        for n in members {
            out.push_str(&format!("    {}[\"{}\"]\n", n.id, n.label));
        }
        out.push_str("  end\n");
    }
    for ((from, to), ports) in &p.edges {
        out.push_str(&format!("  {from} -->|\"{}\"| {to}\n", ports.join(", ")));
    }
    out
}

/// The picture as a Graphviz DOT digraph.
pub fn dot(plan: &Plan) -> String {
    let p = picture(plan);
    let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = format!(
        "digraph dify {{\n  label=\"{}\";\n  labelloc=t;\n  rankdir=LR;\n  node [shape=box];\n",
        q(&p.title)
    );
    for (group, members) in p.groups() {
        out.push_str(&format!(
            "  subgraph cluster_{} {{\n    label=\"{}\";\n",
            group.id(),
            group.title()
        ));
        for n in members {
            out.push_str(&format!(
                "    {} [label=\"{}\"];\n",
                n.id,
                q(&n.label.replace("<br/>", "\\n")).replace("\\\\n", "\\n")
            ));
        }
        out.push_str("  }\n");
    }
    for ((from, to), ports) in &p.edges {
        out.push_str(&format!(
            "  {from} -> {to} [label=\"{}\"];\n",
            q(&ports.join(", "))
        ));
    }
    out.push_str("}\n");
    out
}
