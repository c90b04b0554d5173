//! The stack's overlay networks, from the component graph
//! ([`crate::plan::graph`]), so that a new component or connection lands on
//! the right networks without a list here:
//!
//! - `edge`: the edge proxy and the components the public routes reach;
//! - `backend` (internal): the Dify components that call each other;
//! - `data` (internal): the data layer and the processes that open it;
//! - `outbound`: the components that call out of the stack (model
//!   providers, object storage, the vector store, plugin installs);
//! - `agent-sandbox` and `sandbox-proxy` (internal): the agent runtime's
//!   local sandbox with the agent backend and with its proxy, and nothing
//!   else, as Dify's compose file isolates it.
//!
//! `internal` networks have no route out of the stack. The edge never
//! shares a network with the data layer: a compromised edge proxy can
//! reach api, web and the plugin daemon, never PostgreSQL or Redis.

use crate::dify::{data_layer, Kind};
use crate::plan::graph::{self, Peer};
use crate::plan::Plan;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const EDGE: &str = "edge";
pub const BACKEND: &str = "backend";
pub const DATA: &str = "data";
pub const OUTBOUND: &str = "outbound";

/// Networks of the agent runtime's local sandbox alone, as Dify's compose
/// file has them: one shared with the agent backend, one with its proxy.
pub const AGENT_SANDBOX: &str = "agent-sandbox";
pub const SANDBOX_PROXY: &str = "sandbox-proxy";

const DATA_LAYER: [&str; 5] = [
    data_layer::POSTGRES,
    data_layer::ETCD,
    data_layer::REDIS,
    data_layer::SENTINEL,
    data_layer::REDIS_PROXY,
];

/// The private network two components share, if theirs is one.
fn private_network(a: &str, b: &str) -> Option<&'static str> {
    let sandbox = Kind::LocalSandbox.label();
    let other = match (a, b) {
        (x, y) if x == sandbox => y,
        (x, y) if y == sandbox => x,
        _ => return None,
    };
    if other == Kind::AgentBackend.label() {
        Some(AGENT_SANDBOX)
    } else if other == Kind::AgentSsrfProxy.label() {
        Some(SANDBOX_PROXY)
    } else {
        None
    }
}

fn is_data(peer: &Peer) -> bool {
    matches!(peer, Peer::Component(c) if DATA_LAYER.contains(c))
}

fn is_outside(peer: &Peer) -> bool {
    matches!(peer, Peer::Internet | Peer::Anywhere | Peer::Namespace(_))
}

/// The networks a component (by its label) is attached to, sorted.
pub fn of(plan: &Plan, component: &'static str) -> Vec<&'static str> {
    let me = Peer::Component(component);
    let mut out = BTreeSet::new();
    if DATA_LAYER.contains(&component) {
        out.insert(DATA);
    }
    for e in graph::edges(plan.t) {
        let (mine, other) = if e.from == me {
            (true, &e.to)
        } else if e.to == me {
            (false, &e.from)
        } else {
            continue;
        };
        match other {
            Peer::Entry if !mine => {
                out.insert(EDGE);
            }
            p if is_data(p) => {
                out.insert(DATA);
            }
            p if mine && is_outside(p) => {
                out.insert(OUTBOUND);
            }
            Peer::Component(c) if private_network(component, c).is_some() => {
                out.extend(private_network(component, c));
            }
            // Another Dify component (the data layer's clients are on
            // `data` already).
            Peer::Component(c)
                if *c != component
                    && !DATA_LAYER.contains(c)
                    && !DATA_LAYER.contains(&component) =>
            {
                out.insert(BACKEND);
            }
            _ => {}
        }
    }
    out.into_iter().collect()
}

/// The `networks:` section: only the networks some service uses.
pub fn definitions(plan: &Plan) -> Value {
    let used: BTreeSet<&str> = graph::components(plan.t)
        .into_iter()
        .flat_map(|c| of(plan, c))
        .chain([EDGE])
        .collect();
    let mut out = serde_json::Map::new();
    for name in used {
        let internal = [BACKEND, DATA, AGENT_SANDBOX, SANDBOX_PROXY].contains(&name);
        out.insert(
            name.to_string(),
            json!({"driver": "overlay", "internal": internal}),
        );
    }
    Value::Object(out)
}
