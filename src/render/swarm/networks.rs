//! The stack's overlay networks, from the component graph
//! ([`crate::plan::graph`]), so that a new component or connection lands on
//! the right networks without a list here:
//!
//! - `edge`: the edge proxy and the components the public routes reach;
//! - `backend` (internal): the Dify components that call each other;
//! - `data` (internal): the data layer and the processes that open it;
//! - `outbound`: the components that call out of the stack (model
//!   providers, object storage, the vector store, plugin installs).
//!
//! `internal` networks have no route out of the stack. The edge never
//! shares a network with the data layer: a compromised edge proxy can
//! reach api, web and the plugin daemon, never PostgreSQL or Redis.

use crate::dify::data_layer;
use crate::plan::graph::{self, Peer};
use crate::plan::Plan;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const EDGE: &str = "edge";
pub const BACKEND: &str = "backend";
pub const DATA: &str = "data";
pub const OUTBOUND: &str = "outbound";

const DATA_LAYER: [&str; 4] = [
    data_layer::POSTGRES,
    data_layer::ETCD,
    data_layer::REDIS,
    data_layer::SENTINEL,
];

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
        let internal = name == BACKEND || name == DATA;
        out.insert(
            name.to_string(),
            json!({"driver": "overlay", "internal": internal}),
        );
    }
    Value::Object(out)
}
