//! Requests must not exceed limits, and units must fit the resource.
//!
//! Why: the API server rejects a request above its limit, and `memory: 2m`
//! (two thousandths of a byte) or `cpu: 2Gi` are typos that pass a schema.
//! Fix: raise the limit, or use `m`/plain cores for CPU and `Mi`/`Gi` for memory.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::{Resources, Topology};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (base, r) in resource_sets(cx.t) {
        let before = out.len();
        for (pointer, suffix) in [
            (
                format!("{base}/requests/memory"),
                r.requests.memory.suffix(),
            ),
            (format!("{base}/limits/memory"), r.limits.memory.suffix()),
        ] {
            if suffix == "m" || suffix.is_empty() {
                out.push(
                    cx.error(
                        codes::T_QUANTITY_UNIT,
                        &pointer,
                        "memory without a byte unit",
                    )
                    .help("memory is in bytes: write `512Mi` or `2Gi` (`m` means thousandths)"),
                );
            }
        }
        let cpus = std::iter::once((format!("{base}/requests/cpu"), r.requests.cpu.suffix()))
            .chain(
                r.limits
                    .cpu
                    .as_ref()
                    .map(|c| (format!("{base}/limits/cpu"), c.suffix())),
            );
        for (pointer, suffix) in cpus {
            if suffix.ends_with('i') || ["M", "G", "T", "P", "E"].contains(&suffix) {
                out.push(
                    cx.error(
                        codes::T_QUANTITY_UNIT,
                        &pointer,
                        format!("CPU with the byte unit `{suffix}`"),
                    )
                    .help("CPU is in cores: write `500m` or `2`"),
                );
            }
        }
        // A wrong unit makes any comparison meaningless: report the unit only.
        if out.len() > before {
            continue;
        }
        if r.requests.memory.value() > r.limits.memory.value() {
            out.push(cx.error(
                codes::T_REQUESTS_ABOVE_LIMITS,
                &format!("{base}/requests/memory"),
                format!(
                    "memory request {} is above the limit {}",
                    r.requests.memory, r.limits.memory
                ),
            ));
        }
        if let Some(limit) = &r.limits.cpu {
            if r.requests.cpu.value() > limit.value() {
                out.push(cx.error(
                    codes::T_REQUESTS_ABOVE_LIMITS,
                    &format!("{base}/requests/cpu"),
                    format!("CPU request {} is above the limit {limit}", r.requests.cpu),
                ));
            }
        }
    }
    out
}

/// Every set of requests and limits in the topology, with its pointer.
pub(super) fn resource_sets(t: &Topology) -> Vec<(String, &Resources)> {
    let mut sets: Vec<(String, &Resources)> = t
        .components
        .all()
        .into_iter()
        .map(|(k, c)| (format!("/components/{k}/resources"), &c.resources))
        .collect();
    if let Some(p) = &t.postgres.patroni {
        sets.push(("/postgres/patroni/resources".into(), &p.resources));
    }
    if let Some(e) = &t.etcd {
        sets.push(("/etcd/resources".into(), &e.resources));
    }
    if let Some(s) = &t.redis.sentinel {
        sets.push(("/redis/sentinel/resources".into(), &s.resources));
        sets.push((
            "/redis/sentinel/sentinelResources".into(),
            &s.sentinel_resources,
        ));
    }
    if let Some(b) = &t.backup {
        sets.push(("/backup/resources".into(), &b.resources));
        sets.push(("/backup/serverResources".into(), &b.server_resources));
    }
    sets
}
