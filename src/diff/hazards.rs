//! What of a diff hurts a running deployment, each with its code
//! (`D001`-`D018`, `docs/upgrades.md`): fields `kubectl apply` rejects
//! because the API server keeps them immutable, data a change leaves behind
//! or deletes, rollouts that take every pod of a workload down at once,
//! replicas below a disruption budget or a quorum, and Dify release steps
//! that skip a required stop, go back, or add or remove components.
//!
//! The release facts come from the catalogue (`dify::releases`,
//! `dify::upgrades`); no version is compared here beyond their order.

use super::{replicas, Changed, Diff, Key, Side};
use crate::diagnostic::codes;
use crate::dify::{releases, upgrades};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hazard {
    pub code: &'static str,
    /// The object (`StatefulSet dify/dify-etcd`) or the step (`Dify 1.13.3
    /// -> 1.16.1`) it is about.
    pub subject: String,
    pub message: String,
    pub help: String,
}

fn hazard(
    code: &'static str,
    subject: impl ToString,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Hazard {
    Hazard {
        code,
        subject: subject.to_string(),
        message: message.into(),
        help: help.into(),
    }
}

/// Every hazard of applying `new` over `old`, sorted by code and subject.
pub fn find(old: &Side, new: &Side, diff: &Diff) -> Vec<Hazard> {
    let mut out = Vec::new();
    for c in &diff.changed {
        immutable(c, &old.objects[&c.key], &new.objects[&c.key], &mut out);
        shrink(c, &old.objects[&c.key], &new.objects[&c.key], &mut out);
        restart_all(c, &new.objects[&c.key], new, &mut out);
    }
    for k in &diff.removed {
        removed(k, &old.objects[k], &mut out);
    }
    budgets(old, new, &mut out);
    quorums(old, new, &mut out);
    release_step(old, new, &mut out);
    out.sort();
    out.dedup();
    out
}

const RECREATE: &str =
    "delete the object and apply it again (`kubectl delete --cascade=orphan` keeps its pods), \
     or give the new one another name";

/// Paths of `fields` under `prefix`, for messages.
fn paths(c: &Changed, prefix: &str) -> Vec<String> {
    c.fields
        .iter()
        .filter(|f| f.under(prefix))
        .map(|f| format!("`{}`", f.path))
        .collect()
}

fn listed(paths: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = paths
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        s.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    s
}

/// D001-D007, D018: fields the API server refuses to change.
fn immutable(c: &Changed, old: &Value, new: &Value, out: &mut Vec<Hazard>) {
    let k = &c.key;
    let mut check = |code, prefix: &str, what: &str| {
        let p = paths(c, prefix);
        if !p.is_empty() {
            out.push(hazard(
                code,
                k,
                format!(
                    "{what} is immutable and changes ({}): `kubectl apply` rejects the object",
                    listed(&p)
                ),
                RECREATE,
            ));
        }
    };
    match k.kind.as_str() {
        "Deployment" | "ReplicaSet" | "DaemonSet" => {
            check(codes::D_SELECTOR, "spec.selector", "`spec.selector`");
        }
        "StatefulSet" => {
            check(codes::D_SELECTOR, "spec.selector", "`spec.selector`");
            check(
                codes::D_SERVICE_NAME,
                "spec.serviceName",
                "`spec.serviceName`",
            );
            check(
                codes::D_CLAIM_TEMPLATES,
                "spec.volumeClaimTemplates",
                "`spec.volumeClaimTemplates`",
            );
            check(
                codes::D_POD_MANAGEMENT,
                "spec.podManagementPolicy",
                "`spec.podManagementPolicy`",
            );
        }
        "Job" => {
            check(codes::D_SELECTOR, "spec.selector", "`spec.selector`");
            check(
                codes::D_JOB_TEMPLATE,
                "spec.template",
                "a Job's `spec.template`",
            );
        }
        "Service" => {
            check(codes::D_CLUSTER_IP, "spec.clusterIP", "`spec.clusterIP`");
            check(codes::D_CLUSTER_IP, "spec.clusterIPs", "`spec.clusterIPs`");
        }
        "PersistentVolumeClaim" => {
            let p: Vec<String> = c
                .fields
                .iter()
                .filter(|f| f.under("spec"))
                .filter(|f| {
                    !f.under("spec.resources.requests")
                        && !f.under("spec.volumeAttributesClassName")
                })
                .map(|f| format!("`{}`", f.path))
                .collect();
            if !p.is_empty() {
                out.push(hazard(
                    codes::D_CLAIM_SPEC,
                    k,
                    format!(
                        "a bound claim's spec is immutable except its storage request, and {} changes: `kubectl apply` rejects the claim",
                        listed(&p)
                    ),
                    "copy the data to a new claim with the new class or access modes, then switch the workload to it",
                ));
            }
        }
        "ConfigMap" | "Secret" if old["immutable"] == true && new["immutable"] == true => {
            let mut p = paths(c, "data");
            p.extend(paths(c, "binaryData"));
            p.extend(paths(c, "stringData"));
            if !p.is_empty() {
                out.push(hazard(
                    codes::D_IMMUTABLE_DATA,
                    k,
                    format!("the object is `immutable: true` and its data changes ({}): `kubectl apply` rejects it", listed(&p)),
                    "give the changed data a new object name (and point the pods at it), or delete and recreate it",
                ));
            }
        }
        _ => {}
    }
}

/// Bytes of a quantity (`10Gi`); `None` if it is not one.
fn bytes(v: &Value) -> Option<f64> {
    let q: crate::topology::quantity::Quantity = serde_json::from_value(v.clone()).ok()?;
    is_quantity(q.as_str()).then(|| q.value())
}

/// Whether a quantity has the plain form (digits, an optional fraction,
/// an optional suffix).
fn is_quantity(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && crate::schema::quantity::scale(&s[digits.len()..]).is_some()
}

fn storage(claim: &Value) -> Option<&Value> {
    claim["spec"]["resources"]["requests"].get("storage")
}

fn claim_templates(o: &Value) -> Vec<&Value> {
    o["spec"]["volumeClaimTemplates"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// D008: a claim or claim template asks for less.
fn shrink(c: &Changed, old: &Value, new: &Value, out: &mut Vec<Hazard>) {
    let mut smaller = |what: String, o: Option<&Value>, n: Option<&Value>| {
        if let (Some(o), Some(n)) = (o, n) {
            if let (Some(ob), Some(nb)) = (bytes(o), bytes(n)) {
                if nb < ob {
                    out.push(hazard(
                        codes::D_VOLUME_SHRINK,
                        &c.key,
                        format!("{what} shrinks from {} to {}: a volume cannot shrink, the API server rejects a smaller request", o.as_str().unwrap_or_default(), n.as_str().unwrap_or_default()),
                        "keep the larger size; to really shrink, copy the data to a new, smaller claim",
                    ));
                }
            }
        }
    };
    match c.key.kind.as_str() {
        "PersistentVolumeClaim" => {
            smaller("the storage request".into(), storage(old), storage(new))
        }
        "StatefulSet" => {
            for o in claim_templates(old) {
                let name = o["metadata"]["name"].as_str().unwrap_or_default();
                if let Some(n) = claim_templates(new)
                    .into_iter()
                    .find(|n| n["metadata"]["name"] == name)
                {
                    smaller(format!("claim template `{name}`"), storage(o), storage(n));
                }
            }
        }
        _ => {}
    }
    if c.key.kind == "StatefulSet" {
        let names = |o: &Value| -> Vec<String> {
            claim_templates(o)
                .iter()
                .filter_map(|t| t["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        };
        let kept = names(new);
        for gone in names(old).iter().filter(|n| !kept.contains(n)) {
            out.push(orphaned(
                &c.key,
                old,
                gone,
                "its claim template is renamed or removed",
            ));
        }
    }
}

/// D009: the claims a StatefulSet's pods used, which nothing mounts any more.
fn orphaned(k: &Key, old: &Value, template: &str, why: &str) -> Hazard {
    let n = replicas(old).unwrap_or(1);
    let claims: Vec<String> = (0..n.min(3))
        .map(|i| format!("`{template}-{}-{i}`", k.name))
        .collect();
    let more = if n > 3 { ", ..." } else { "" };
    hazard(
        codes::D_ORPHANED_CLAIM,
        k,
        format!(
            "{why}: the claims {}{more} stay behind with the data, and new pods start on empty volumes",
            claims.join(", ")
        ),
        "keep the StatefulSet's and the template's names, or move the data to the new claims before the switch",
    )
}

/// D009, D010: what a removed object takes with it.
fn removed(k: &Key, old: &Value, out: &mut Vec<Hazard>) {
    match k.kind.as_str() {
        "StatefulSet" => {
            for t in claim_templates(old) {
                if let Some(name) = t["metadata"]["name"].as_str() {
                    out.push(orphaned(k, old, name, "the StatefulSet is renamed or removed"));
                }
            }
        }
        "PersistentVolumeClaim" => out.push(hazard(
            codes::D_CLAIM_REMOVED,
            k,
            "the claim is no longer rendered: `kubectl apply --prune`, Argo CD and Flux pruning delete it, and with the `Delete` reclaim policy its volume and data go too",
            "keep the claim in the output, or mark it `argocd.argoproj.io/sync-options: Prune=false` / `kustomize.toolkit.fluxcd.io/prune: disabled` before the change",
        )),
        _ => {}
    }
}

/// An `IntOrString` of a rollout, against `total` replicas.
fn scaled(v: &Value, total: u32, default: &str, round_up: bool) -> u32 {
    let v = if v.is_null() {
        &Value::from(default)
    } else {
        v
    };
    if let Some(n) = v.as_u64() {
        return n as u32;
    }
    let pct: f64 = v
        .as_str()
        .and_then(|s| s.strip_suffix('%'))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let x = pct * f64::from(total) / 100.0;
    (if round_up { x.ceil() } else { x.floor() }) as u32
}

/// The replicas a workload runs in `side`: `spec.replicas`, else the
/// `minReplicas` of the HorizontalPodAutoscaler that owns it, else 1.
fn running(k: &Key, o: &Value, side: &Side) -> u32 {
    replicas(o).unwrap_or_else(|| {
        side.objects
            .iter()
            .find(|(hk, h)| {
                hk.kind == "HorizontalPodAutoscaler"
                    && hk.namespace == k.namespace
                    && h["spec"]["scaleTargetRef"]["kind"] == k.kind.as_str()
                    && h["spec"]["scaleTargetRef"]["name"] == k.name.as_str()
            })
            .and_then(|(_, h)| h["spec"]["minReplicas"].as_u64())
            .map_or(1, |n| n as u32)
    })
}

/// D011: a pod template change whose rollout leaves no pod serving.
fn restart_all(c: &Changed, new: &Value, side: &Side, out: &mut Vec<Hazard>) {
    let changed = paths(c, "spec.template");
    if changed.is_empty() || !matches!(c.key.kind.as_str(), "Deployment" | "StatefulSet") {
        return;
    }
    let r = running(&c.key, new, side);
    if r == 0 {
        return;
    }
    let spec = &new["spec"];
    let why = if c.key.kind == "Deployment" {
        let s = &spec["strategy"];
        if s["type"] == "Recreate" {
            Some("the `Recreate` strategy stops every pod before a new one starts".to_string())
        } else {
            let ru = &s["rollingUpdate"];
            let mut unavailable = scaled(&ru["maxUnavailable"], r, "25%", false);
            let surge = scaled(&ru["maxSurge"], r, "25%", true);
            if unavailable == 0 && surge == 0 {
                unavailable = 1;
            }
            (unavailable >= r).then(|| {
                format!("`maxUnavailable` ({unavailable}) lets the rollout stop all {r} replica(s) at once")
            })
        }
    } else {
        let s = &spec["updateStrategy"];
        let ru = &s["rollingUpdate"];
        let partition = ru["partition"].as_u64().unwrap_or(0) as u32;
        let unavailable = scaled(&ru["maxUnavailable"], r, "1", false).max(1);
        (s["type"] != "OnDelete" && partition < r && unavailable >= r).then(|| {
            if r == 1 {
                "a StatefulSet replaces its one pod by deleting it first (it never surges)".to_string()
            } else {
                format!("`maxUnavailable` ({unavailable}) lets the rollout replace all {r} pods at once")
            }
        })
    };
    if let Some(why) = why {
        out.push(hazard(
            codes::D_RESTART_ALL,
            &c.key,
            format!("the pod template changes ({}) and {why}: the component is down until the new pod is ready", listed(&changed)),
            "run two or more replicas with a rolling update (`maxUnavailable` below the replica count), or apply in a maintenance window",
        ));
    }
}

/// Pod labels of a workload's template.
fn pod_labels(o: &Value) -> Option<&serde_json::Map<String, Value>> {
    o["spec"]["template"]["metadata"]["labels"].as_object()
}

/// The integer `minAvailable` of the budgets in `side` that select the
/// workload's pods.
fn min_available(k: &Key, o: &Value, side: &Side) -> Option<(Key, u32)> {
    let labels = pod_labels(o)?;
    side.objects.iter().find_map(|(bk, b)| {
        if bk.kind != "PodDisruptionBudget" || bk.namespace != k.namespace {
            return None;
        }
        let sel = &b["spec"]["selector"];
        let matched = sel.get("matchExpressions").is_none()
            && sel["matchLabels"]
                .as_object()
                .is_some_and(|m| !m.is_empty() && m.iter().all(|(l, v)| labels.get(l) == Some(v)));
        let min = b["spec"]["minAvailable"].as_u64()?;
        matched.then(|| (bk.clone(), min as u32))
    })
}

const WORKLOADS: [&str; 2] = ["Deployment", "StatefulSet"];

/// D012: replicas that drop below a budget's `minAvailable`.
fn budgets(old: &Side, new: &Side, out: &mut Vec<Hazard>) {
    for (k, o) in &new.objects {
        if !WORKLOADS.contains(&k.kind.as_str()) {
            continue;
        }
        let Some((budget, min)) = min_available(k, o, new) else {
            continue;
        };
        let r = running(k, o, new);
        if r >= min {
            continue;
        }
        let before = old.objects.get(k).map(|was| {
            let min_was = min_available(k, was, old).map_or(0, |(_, m)| m);
            (running(k, was, old), min_was)
        });
        if before.is_some_and(|(was, min_was)| was < min_was) {
            continue;
        }
        out.push(hazard(
            codes::D_BELOW_BUDGET,
            k,
            format!("{r} replica(s) are fewer than the `minAvailable: {min}` of {budget}: the budget can never be met, so it refuses every eviction and node drains hang"),
            format!("keep at least {min} replicas, or lower the budget in the same change"),
        ));
    }
}

/// D013: a consensus system scaled below the majority its members need.
fn quorums(old: &Side, new: &Side, out: &mut Vec<Hazard>) {
    for n in &new.quorums {
        let Some(o) = old.quorums.iter().find(|o| o.component == n.component) else {
            continue;
        };
        if n.members >= o.members || o.needed <= 1 {
            continue;
        }
        let known = crate::plan::quorum::majority(o.members);
        let subject = new
            .objects
            .iter()
            .find(|(k, v)| {
                k.kind == "StatefulSet" && super::component(v) == Some(n.component.as_str())
            })
            .map_or_else(|| n.component.clone(), |(k, _)| k.to_string());
        if n.members < known || n.members < n.needed {
            out.push(hazard(
                codes::D_BELOW_QUORUM,
                subject,
                format!(
                    "{} scales from {} to {} members in one step: the removed members stay registered, and {} of the {} it knows are not the {} a quorum needs, so it stops electing and serving",
                    n.component, o.members, n.members, n.members, o.members, known.max(n.needed)
                ),
                format!(
                    "scale down one member at a time, removing each from the cluster first (`etcdctl member remove`, `SENTINEL RESET`), keeping at least {known} members at every step"
                ),
            ));
        }
    }
}

/// D014-D017: what the Dify release step means.
fn release_step(old: &Side, new: &Side, out: &mut Vec<Hazard>) {
    let (Some(o), Some(n)) = (old.dify.as_deref(), new.dify.as_deref()) else {
        return;
    };
    let subject = format!("Dify {o} -> {n}");
    match upgrades::compare(o, n) {
        Some(Ordering::Less) => {
            for stop in upgrades::skipped(o, n) {
                out.push(hazard(
                    codes::D_SKIPPED_RELEASE,
                    &subject,
                    format!("the step skips {}, where {} ({})", stop.version, stop.run, stop.source),
                    format!("upgrade to {} first, run its migration, then go on to {n}", stop.version),
                ));
            }
        }
        Some(Ordering::Greater) => out.push(hazard(
            codes::D_DOWNGRADE,
            &subject,
            format!("the Dify version goes back: {}", upgrades::DOWNGRADE),
            "stay on the newer release, or restore the pre-upgrade backup together with the older release",
        )),
        _ => return,
    }
    let (Some(or), Some(nr)) = (releases::find(o), releases::find(n)) else {
        return;
    };
    let names = |kinds: Vec<&crate::dify::Kind>| {
        kinds
            .iter()
            .map(|k| format!("`{}`", k.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let added: Vec<_> = nr.components.iter().filter(|k| !or.has(**k)).collect();
    let gone: Vec<_> = or.components.iter().filter(|k| !nr.has(**k)).collect();
    if !added.is_empty() {
        out.push(hazard(
            codes::D_COMPONENTS_ADDED,
            &subject,
            format!("{n} runs components {o} does not: {}", names(added)),
            "create the Secrets they read before the apply (dify-gen references them, it never writes them), and expect the api and web to call them as soon as they roll out",
        ));
    }
    if !gone.is_empty() {
        out.push(hazard(
            codes::D_COMPONENTS_REMOVED,
            &subject,
            format!("{n} no longer runs {}: their objects are pruned and whatever used them stops working", names(gone)),
            "check that nothing outside Dify calls them, and back up what they stored",
        ));
    }
}
