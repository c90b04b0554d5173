//! Where a rendered field came from in the topology, so that `render`'s
//! own validation can point at the line the user wrote (or the profile line
//! it inherited) instead of at a file that was never written.
//!
//! The rules are by object kind and JSON pointer prefix; `*` matches one
//! list index. A rule with `carry` maps the rest of the pointer below the
//! topology field too (`.../resources/limits/memory` →
//! `components.api.resources.limits.memory`), falling back to the deepest
//! topology node that exists.

use crate::load::Node;
use crate::source::Span;

struct Rule {
    kinds: &'static [&'static str],
    pointer: &'static str,
    /// Topology pointer; `{c}` is the component key (`api`, `pluginDaemon`).
    topology: &'static str,
    carry: bool,
}

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet"];

const RULES: &[Rule] = &[
    Rule {
        kinds: WORKLOADS,
        pointer: "/spec/replicas",
        topology: "/components/{c}/replicas",
        carry: false,
    },
    Rule {
        kinds: WORKLOADS,
        pointer: "/spec/template/spec/containers/*/resources",
        topology: "/components/{c}/resources",
        carry: true,
    },
    // The one workload that is not a component's: the OpenTelemetry
    // collector, sized by `monitoring.otelCollector.resources`.
    Rule {
        kinds: &["Deployment"],
        pointer: "/spec/template/spec/containers/*/resources",
        topology: "/monitoring/otelCollector/resources",
        carry: true,
    },
    Rule {
        kinds: WORKLOADS,
        pointer: "/spec/template/spec/containers/*/image",
        topology: "/images/{c}",
        carry: false,
    },
    Rule {
        kinds: WORKLOADS,
        pointer: "/spec/template/spec/topologySpreadConstraints",
        topology: "/components/{c}/spread",
        carry: false,
    },
    Rule {
        kinds: WORKLOADS,
        pointer: "/spec/template/spec/affinity",
        topology: "/components/{c}/spread",
        carry: false,
    },
    Rule {
        kinds: &["HorizontalPodAutoscaler"],
        pointer: "/spec/minReplicas",
        topology: "/components/{c}/replicas",
        carry: false,
    },
    Rule {
        kinds: &["HorizontalPodAutoscaler"],
        pointer: "/spec/maxReplicas",
        topology: "/components/{c}/autoscaling/maxReplicas",
        carry: false,
    },
    Rule {
        kinds: &["HorizontalPodAutoscaler"],
        pointer: "/spec/metrics",
        topology: "/components/{c}/autoscaling/targetCpuPercent",
        carry: false,
    },
    Rule {
        kinds: &["Ingress"],
        pointer: "/spec/ingressClassName",
        topology: "/ingress/className",
        carry: false,
    },
    Rule {
        kinds: &["Ingress"],
        pointer: "/spec/rules/*/host",
        topology: "/ingress/host",
        carry: false,
    },
    Rule {
        kinds: &["Ingress"],
        pointer: "/spec/tls",
        topology: "/ingress/tls",
        carry: false,
    },
    Rule {
        kinds: &["Ingress"],
        pointer: "/metadata/annotations",
        topology: "/ingress",
        carry: false,
    },
    Rule {
        kinds: &[],
        pointer: "/metadata/namespace",
        topology: "/metadata/namespace",
        carry: false,
    },
    Rule {
        kinds: &[],
        pointer: "/metadata/name",
        topology: "/metadata/name",
        carry: false,
    },
];

/// Origins of the fields of rendered documents in one topology. A
/// document's kind and component are read only when one of its fields is
/// looked up, which only a finding does.
pub struct Origins<'a> {
    topology: &'a Node,
    /// `<release>-`, the prefix of a component's object names.
    prefix: String,
    docs: &'a [&'a serde_json::Value],
}

impl<'a> Origins<'a> {
    pub fn new(topology: &'a Node, docs: &'a [&'a serde_json::Value]) -> Self {
        let release = topology
            .pointer("/metadata/name")
            .and_then(Node::as_str)
            .unwrap_or("dify");
        Origins {
            topology,
            prefix: format!("{release}-"),
            docs,
        }
    }

    /// A rendered document's kind and component key, if any.
    fn doc(&self, index: usize) -> Option<(&'a str, Option<String>)> {
        let d = self.docs.get(index)?;
        let kind = d
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let name = d
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let component = name
            .strip_prefix(&self.prefix)
            .map(camel)
            .filter(|c| self.topology.pointer(&format!("/components/{c}")).is_some());
        Some((kind, component))
    }

    /// The topology span for a pointer in rendered document `index`.
    pub fn origin(&self, index: usize, pointer: &str) -> Option<Span> {
        let (kind, component) = self.doc(index)?;
        for rule in RULES {
            if !rule.kinds.is_empty() && !rule.kinds.contains(&kind) {
                continue;
            }
            let Some(rest) = strip(pointer, rule.pointer) else {
                continue;
            };
            if !rule.carry && !rest.is_empty() {
                continue;
            }
            let topology = if rule.topology.contains("{c}") {
                match component.as_deref() {
                    Some(c) => rule.topology.replace("{c}", c),
                    // Not a component's object: a later rule may know it.
                    None => continue,
                }
            } else {
                rule.topology.to_string()
            };
            let mut target = format!("{topology}{rest}");
            loop {
                if self.topology.pointer(&target).is_some() {
                    return Some(self.topology.span_of(&target));
                }
                target.truncate(target.rfind('/').filter(|i| *i >= topology.len())?);
            }
        }
        None
    }
}

/// `pointer` minus a `pattern` prefix (segment-wise, `*` matching an index).
fn strip<'p>(pointer: &'p str, pattern: &str) -> Option<&'p str> {
    let mut rest = pointer;
    for seg in pattern.split('/').skip(1) {
        let after = rest.strip_prefix('/')?;
        let end = after.find('/').unwrap_or(after.len());
        let actual = &after[..end];
        if seg != actual && !(seg == "*" && actual.parse::<usize>().is_ok()) {
            return None;
        }
        rest = &after[end..];
    }
    Some(rest)
}

/// `plugin-daemon` → `pluginDaemon`.
fn camel(kebab: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in kebab.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
