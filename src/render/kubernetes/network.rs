//! NetworkPolicies, derived from the component graph (`plan::graph`):
//! a default deny for every pod in the namespace, then one policy per
//! component that allows exactly its edges, ingress on the receiving side
//! and egress on the calling side. Nothing is allowed that the graph does
//! not list, so a test can read the policies back and compare.
//!
//! The ingress controller's pods are matched by the labels their charts
//! set (F5 NGINX: `app.kubernetes.io/name: nginx-ingress`; ingress-nginx:
//! `app.kubernetes.io/name: ingress-nginx`; a Gateway's data plane:
//! `gateway.networking.k8s.io/gateway-name`, in the Gateway's namespace).

use super::labels::{meta, selector_labels};
use crate::plan::graph::{self, Edge, Peer};
use crate::plan::Plan;
use crate::topology::{GatewayImplementation, IngressController};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// Label of a namespace's name, set by Kubernetes on every namespace.
pub const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";
/// Everything but private, carrier-grade NAT, loopback and link-local ranges.
pub const NOT_PUBLIC: [&str; 6] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
];

pub fn policies(plan: &Plan) -> Vec<NetworkPolicy> {
    let edges = graph::edges(plan.t);
    let mut out = vec![default_deny(plan)];
    for component in graph::components(plan.t) {
        let me = Peer::Component(component);
        let ingress = rules(plan, edges.iter().filter(|e| e.to == me), |e| &e.from)
            .into_iter()
            .map(|(from, ports)| NetworkPolicyIngressRule {
                from: Some(from),
                ports: Some(ports),
            })
            .collect();
        let egress = rules(plan, edges.iter().filter(|e| e.from == me), |e| &e.to)
            .into_iter()
            .map(|(to, ports)| NetworkPolicyEgressRule {
                to: Some(to),
                ports: Some(ports),
            })
            .collect();
        let mut metadata = meta(plan, plan.name(component), component);
        metadata.namespace = Some(graph::namespace_of(plan.t, component).to_string());
        out.push(NetworkPolicy {
            metadata,
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(selector_labels(plan, component)),
                    ..Default::default()
                }),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress: Some(ingress),
                egress: Some(egress),
            }),
        });
    }
    out
}

/// Denies all traffic of every pod in the namespace; the per-component
/// policies add the allowed edges on top.
fn default_deny(plan: &Plan) -> NetworkPolicy {
    NetworkPolicy {
        metadata: meta(plan, plan.name("default-deny"), "network"),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ..Default::default()
        }),
    }
}

/// One rule per peer, with every port of the edges to or from it.
fn rules<'a>(
    plan: &Plan,
    edges: impl Iterator<Item = &'a Edge>,
    peer_of: impl Fn(&'a Edge) -> &'a Peer,
) -> Vec<(Vec<NetworkPolicyPeer>, Vec<NetworkPolicyPort>)> {
    let mut by_peer: BTreeMap<&Peer, Vec<NetworkPolicyPort>> = BTreeMap::new();
    for e in edges {
        by_peer
            .entry(peer_of(e))
            .or_default()
            .push(NetworkPolicyPort {
                protocol: Some(e.protocol.as_str().into()),
                port: Some(IntOrString::Int(i32::from(e.port))),
                end_port: e.end_port.map(i32::from),
            });
    }
    by_peer
        .into_iter()
        .map(|(peer, ports)| (peers(plan, peer), ports))
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        ),
        ..Default::default()
    }
}

fn namespace(name: &str) -> LabelSelector {
    labels(&[(NAMESPACE_NAME, name)])
}

fn ip_block(except: &[&str]) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: "0.0.0.0/0".into(),
            except: (!except.is_empty()).then(|| except.iter().map(|s| (*s).to_string()).collect()),
        }),
        ..Default::default()
    }
}

fn cidr(block: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: block.into(),
            except: None,
        }),
        ..Default::default()
    }
}

/// The policy peers standing for a graph peer.
pub fn peers(plan: &Plan, peer: &Peer) -> Vec<NetworkPolicyPeer> {
    let pods = |selector: LabelSelector, ns: Option<LabelSelector>| NetworkPolicyPeer {
        pod_selector: Some(selector),
        namespace_selector: ns,
        ..Default::default()
    };
    match peer {
        Peer::Component(c) => vec![pods(
            LabelSelector {
                match_labels: Some(selector_labels(plan, c)),
                ..Default::default()
            },
            None,
        )],
        Peer::Entry => {
            let i = &plan.t.ingress;
            match (i.controller, &i.gateway) {
                (IngressController::F5Nginx, _) => vec![pods(
                    labels(&[("app.kubernetes.io/name", "nginx-ingress")]),
                    Some(LabelSelector::default()),
                )],
                (IngressController::IngressNginx, _) => vec![pods(
                    labels(&[("app.kubernetes.io/name", "ingress-nginx")]),
                    Some(LabelSelector::default()),
                )],
                (IngressController::GatewayApi, Some(gw))
                    if gw.implementation == GatewayImplementation::NginxGatewayFabric =>
                {
                    vec![pods(
                        labels(&[("gateway.networking.k8s.io/gateway-name", gw.name.as_str())]),
                        Some(namespace(&gw.namespace)),
                    )]
                }
                (IngressController::GatewayApi, Some(gw)) => vec![pods(
                    LabelSelector::default(),
                    Some(namespace(&gw.namespace)),
                )],
                (IngressController::GatewayApi, None) => Vec::new(),
            }
        }
        Peer::Dns => {
            // Borrowed: a default only when the topology has no `network`.
            let default: crate::topology::model::Dns;
            let dns = match &plan.t.network {
                Some(n) => &n.dns,
                None => {
                    default = Default::default();
                    &default
                }
            };
            let mut out = vec![pods(
                LabelSelector {
                    match_labels: Some(dns.pod_labels.clone()),
                    ..Default::default()
                },
                Some(namespace(&dns.namespace)),
            )];
            out.extend(
                dns.node_local_address
                    .as_ref()
                    .map(|a| cidr(&format!("{a}/32"))),
            );
            out
        }
        Peer::Egress(name) => {
            let Some(d) = plan
                .t
                .network
                .iter()
                .flat_map(|n| &n.egress)
                .find(|d| d.name == *name)
            else {
                return Vec::new();
            };
            match &d.namespace {
                Some(ns) => vec![pods(
                    LabelSelector {
                        match_labels: (!d.pod_labels.is_empty()).then(|| d.pod_labels.clone()),
                        ..Default::default()
                    },
                    Some(namespace(ns)),
                )],
                None => d.cidrs.iter().map(|c| cidr(c)).collect(),
            }
        }
        Peer::Namespace(ns) => vec![pods(LabelSelector::default(), Some(namespace(ns)))],
        Peer::PluginDebug => crate::plan::plugins::remote_debug(plan.t)
            .map(|d| d.allow_from.iter().map(|c| cidr(c)).collect())
            .unwrap_or_default(),
        Peer::Internet => vec![ip_block(&NOT_PUBLIC)],
        Peer::KubeApi | Peer::Anywhere => vec![ip_block(&[])],
        Peer::Keda => {
            let Some(w) = &plan.t.workers else {
                return Vec::new();
            };
            let o = &w.keda_operator;
            vec![pods(
                LabelSelector {
                    match_labels: (!o.pod_labels.is_empty()).then(|| o.pod_labels.clone()),
                    ..Default::default()
                },
                Some(namespace(&o.namespace)),
            )]
        }
        Peer::Prometheus | Peer::Prober => {
            let Some(m) = &plan.t.monitoring else {
                return Vec::new();
            };
            let pods_ref = match peer {
                Peer::Prometheus => &m.prometheus,
                _ => &m.exporters.blackbox.pods,
            };
            vec![pods(
                LabelSelector {
                    match_labels: (!pods_ref.pod_labels.is_empty())
                        .then(|| pods_ref.pod_labels.clone()),
                    ..Default::default()
                },
                Some(namespace(&pods_ref.namespace)),
            )]
        }
    }
}
