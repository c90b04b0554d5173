//! `network`: each egress destination names components the topology has,
//! is either pods of a namespace or address ranges (not both, not
//! neither), and has a name of its own; ranges are IPv4 CIDRs, names and
//! labels as Kubernetes spells them, the NodeLocal DNSCache address an
//! IPv4 address (`T143`). A destination that matches nothing would allow
//! nothing, or everything: fix the field the message names.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::Kind;
use crate::names::{dns, kubernetes};
use crate::source::pointer_segment;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(n) = &cx.t.network else {
        return out;
    };
    out.extend(cx.name_rule(
        "/network/dns/namespace",
        "namespace",
        &n.dns.namespace,
        dns::label,
    ));
    labels(cx, "/network/dns/podLabels", &n.dns.pod_labels, &mut out);
    if let Some(a) = &n.dns.node_local_address {
        out.extend(cx.name_rule(
            "/network/dns/nodeLocalAddress",
            "IPv4 address",
            a,
            dns::ipv4,
        ));
    }
    for (i, d) in n.egress.iter().enumerate() {
        let at = format!("/network/egress/{i}");
        if n.egress[..i].iter().any(|e| e.name == d.name) {
            out.push(
                cx.error(
                    codes::T_EGRESS,
                    &format!("{at}/name"),
                    format!("egress destination `{}` is named twice", d.name),
                )
                .help("give each destination its own name"),
            );
        }
        for (j, from) in d.from.iter().enumerate() {
            let known = Kind::ALL
                .into_iter()
                .any(|k| k.key() == from && cx.t.components.get(k).is_some());
            if !known {
                out.push(
                    cx.error(
                        codes::T_EGRESS,
                        &format!("{at}/from/{j}"),
                        format!("no component `{from}` in this topology"),
                    )
                    .help("name a key of `components`, such as `api`, `worker` or `pluginDaemon`"),
                );
            }
        }
        match (&d.namespace, d.cidrs.is_empty()) {
            (Some(_), false) | (None, true) => out.push(
                cx.error(
                    codes::T_EGRESS,
                    &at,
                    format!("egress destination `{}` needs exactly one of `namespace` and `cidrs`", d.name),
                )
                .help("pods of the cluster by `namespace` (and `podLabels`), or addresses outside it by `cidrs`"),
            ),
            _ => {}
        }
        if let Some(ns) = &d.namespace {
            out.extend(cx.name_rule(&format!("{at}/namespace"), "namespace", ns, dns::label));
        } else if !d.pod_labels.is_empty() {
            out.push(
                cx.error(
                    codes::T_EGRESS,
                    &format!("{at}/podLabels"),
                    "`podLabels` select pods of a `namespace`",
                )
                .help("set `namespace`, or drop `podLabels`"),
            );
        }
        labels(cx, &format!("{at}/podLabels"), &d.pod_labels, &mut out);
        for (j, c) in d.cidrs.iter().enumerate() {
            out.extend(cx.name_rule(&format!("{at}/cidrs/{j}"), "IPv4 range", c, dns::ipv4_cidr));
        }
        for (j, p) in d.ports.iter().enumerate() {
            if *p == 0 {
                out.push(
                    cx.error(
                        codes::T_EGRESS,
                        &format!("{at}/ports/{j}"),
                        "port 0 is no port",
                    )
                    .help("give a TCP port from 1 to 65535"),
                );
            }
        }
    }
    out
}

fn labels(
    cx: &Cx,
    at: &str,
    labels: &std::collections::BTreeMap<String, String>,
    out: &mut Vec<Diagnostic>,
) {
    for (k, v) in labels {
        let at = format!("{at}/{}", pointer_segment(k));
        out.extend(cx.name_rule(&at, "node label key", k, kubernetes::label_key));
        out.extend(cx.name_rule(&at, "node label value", v, kubernetes::label_value));
    }
}
