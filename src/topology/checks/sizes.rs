//! Sizes that must be positive, and sizes too small to be of use.
//!
//! Why: the API server refuses a PersistentVolumeClaim of 0 bytes, and the
//! kubelet reads a memory or CPU limit of 0 as no limit at all, so a typo
//! either stops the release or silently lifts the limit. A volume that is
//! valid but tiny fills at once: PostgreSQL keeps up to `max_wal_size` of
//! WAL (1GB by default) besides its data, etcd preallocates 64 MB WAL files
//! and keeps five, and Redis needs room for a second copy of its data set
//! while it rewrites the snapshot or the append-only file. The kubelet
//! raises a CPU limit below 10m to 10m. Fix: the warning says the smallest
//! sensible value.

use super::requests_limits::resource_sets;
use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::postgres::parameter_text;
use crate::postgres::value::{self, Parsed};
use crate::topology::quantity::Quantity;
use crate::topology::{PostgresMode, RedisMode};

const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    volumes(cx, &mut out);
    limits(cx, &mut out);
    out
}

/// A quantity in bytes; `None` for thousandths (`m`), which are not bytes.
fn bytes(q: &Quantity) -> Option<f64> {
    (q.suffix() != "m").then(|| q.value())
}

fn volumes(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let t = cx.t;
    let mut sized: Vec<(&str, &Quantity, f64, String)> = t
        .etcd
        .iter()
        .map(|e| {
            (
                "/etcd/storage/size",
                &e.storage.size,
                512.0 * MI,
                "etcd preallocates 64 MB WAL files and keeps five besides its database".into(),
            )
        })
        .collect();
    if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
        let wal = max_wal_size(cx).unwrap_or(GI);
        sized.push((
            "/postgres/patroni/storage/size",
            &p.storage.size,
            (2.0 * wal / GI).ceil() * GI,
            format!(
                "PostgreSQL keeps up to `max_wal_size` ({}) of WAL besides its data",
                human(wal)
            ),
        ));
    }
    if let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) {
        let memory = s.resources.limits.memory.value();
        sized.push((
            "/redis/sentinel/storage/size",
            &s.storage.size,
            ((2.0 * memory) / MI).ceil() * MI,
            format!(
                "Redis writes a second copy of its data set (up to the memory limit, {}) when it rewrites its files",
                s.resources.limits.memory
            ),
        ));
    }
    for (pointer, size, smallest, why) in sized {
        match bytes(size) {
            _ if size.value() == 0.0 => out.push(
                cx.error(codes::T_NOT_POSITIVE, pointer, format!("volume size `{size}` is zero: the API server refuses the PersistentVolumeClaim"))
                    .help(format!("set at least {}", human(smallest))),
            ),
            Some(v) if v < smallest => out.push(
                cx.warning(codes::T_TOO_SMALL, pointer, format!("volume size `{size}` is too small to be of use: {why}"))
                    .help(format!("set at least {}", human(smallest))),
            ),
            Some(_) => {}
            None => out.push(
                cx.error(codes::T_QUANTITY_UNIT, pointer, format!("volume size `{size}` is in thousandths of a byte"))
                    .help("sizes are in bytes: write `20Gi` (`m` means thousandths)"),
            ),
        }
    }
}

/// `max_wal_size` as set (in bytes), when the catalogue reads it.
fn max_wal_size(cx: &Cx) -> Option<f64> {
    let p = cx.t.postgres.patroni.as_ref()?;
    let setting = cx.postgres_catalogue()?.get("max_wal_size")?;
    let text = p
        .parameters
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("max_wal_size"))
        .and_then(|(_, v)| parameter_text(v))
        .unwrap_or_else(|| setting.boot.to_string());
    match value::parse(setting, &text).ok()? {
        Parsed::Integer(mb) if setting.unit == Some("MB") => Some(mb as f64 * MI),
        _ => None,
    }
}

fn limits(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (base, r) in resource_sets(cx.t) {
        // Memory without a byte unit is `T105`'s.
        if !r.limits.memory.suffix().is_empty() && bytes(&r.limits.memory).is_some_and(|v| v < 1.0)
        {
            out.push(
                cx.error(
                    codes::T_NOT_POSITIVE,
                    &format!("{base}/limits/memory"),
                    format!(
                        "memory limit `{}` is zero, which the kubelet reads as no limit at all",
                        r.limits.memory
                    ),
                )
                .help("set the memory the container may use (`512Mi`, `2Gi`)"),
            );
        }
        let Some(cpu) = &r.limits.cpu else {
            continue;
        };
        if cpu.suffix().ends_with('i') || ["k", "M", "G", "T", "P", "E"].contains(&cpu.suffix()) {
            continue;
        }
        let pointer = format!("{base}/limits/cpu");
        if cpu.value() <= 0.0 {
            out.push(
                cx.error(codes::T_NOT_POSITIVE, &pointer, format!("CPU limit `{cpu}` is zero, which the kubelet reads as no limit at all"))
                    .help("omit `limits.cpu` to let the pods burst, or set the cores they may use (`500m`)"),
            );
        } else if cpu.value() < 0.01 {
            out.push(
                cx.warning(codes::T_TOO_SMALL, &pointer, format!("CPU limit `{cpu}` is below 10m, the smallest the kubelet enforces (it raises it to 10m)"))
                    .help("set at least `10m`, or omit `limits.cpu`"),
            );
        }
    }
}

fn human(bytes: f64) -> String {
    if bytes >= GI && (bytes / GI).fract() == 0.0 {
        format!("{}Gi", (bytes / GI) as i64)
    } else {
        format!("{}Mi", (bytes / MI).ceil() as i64)
    }
}
