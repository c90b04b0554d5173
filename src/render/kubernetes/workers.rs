//! The worker pools (`workers.pools`): one Deployment per group of Celery
//! queues, built from the worker's own Deployment with the pool's name,
//! queues, replicas and resources; its PodDisruptionBudget; and, for a
//! pool scaled on backlog, a KEDA `ScaledObject` with one Redis
//! list-length trigger per queue and the `TriggerAuthentication` that
//! hands KEDA the Redis password from its Secret.

use super::labels::meta;
use super::{budgets, pods, workloads, Custom};
use crate::dify::queues::BROKER_DB;
use crate::plan::workers::{Pool, POOL_LABEL};
use crate::plan::{Plan, Workload};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{EnvVar, PodTemplateSpec};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::Serialize;
use std::collections::BTreeMap;

/// Adds the pool's label to a selector of the worker's pods.
fn narrow(selector: &mut LabelSelector, pool: &Pool) {
    selector
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .insert(POOL_LABEL.into(), pool.name.into());
}

/// The worker's pod template, made the pool's: its label (also in the
/// anti-affinity and spread selectors), its queues, concurrency and
/// resources.
fn template(mut template: PodTemplateSpec, pool: &Pool) -> PodTemplateSpec {
    if let Some(m) = template.metadata.as_mut() {
        m.labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POOL_LABEL.into(), pool.name.into());
    }
    let Some(spec) = template.spec.as_mut() else {
        return template;
    };
    for c in spec.topology_spread_constraints.iter_mut().flatten() {
        if let Some(s) = c.label_selector.as_mut() {
            narrow(s, pool);
        }
    }
    let terms = spec
        .affinity
        .as_mut()
        .and_then(|a| a.pod_anti_affinity.as_mut())
        .and_then(|a| {
            a.preferred_during_scheduling_ignored_during_execution
                .as_mut()
        });
    for t in terms.into_iter().flatten() {
        if let Some(s) = t.pod_affinity_term.label_selector.as_mut() {
            narrow(s, pool);
        }
    }
    let worker = crate::dify::Kind::Worker.label();
    for c in spec.containers.iter_mut().filter(|c| c.name == worker) {
        // Set on the container, these win over the worker's ConfigMap.
        let env = c.env.get_or_insert_with(Vec::new);
        env.retain(|e| e.name != "CELERY_QUEUES" && e.name != "CELERY_WORKER_AMOUNT");
        for (name, value) in [
            ("CELERY_QUEUES", pool.queues.join(",")),
            ("CELERY_WORKER_AMOUNT", pool.concurrency.to_string()),
        ] {
            env.push(EnvVar {
                name: name.into(),
                value: Some(value),
                ..Default::default()
            });
        }
        c.resources = Some(pods::resources(pool.resources));
    }
    template
}

pub fn deployment(plan: &Plan, w: &Workload, pool: &Pool, config_hash: &str) -> Deployment {
    let mut d = workloads::deployment(plan, w, config_hash);
    d.metadata.name = Some(pool.deployment.clone());
    if let Some(spec) = d.spec.as_mut() {
        // KEDA owns the count of a scaled pool, as an HPA would.
        spec.replicas = pool.keda.is_none().then_some(pool.min_replicas as i32);
        narrow(&mut spec.selector, pool);
        spec.template = template(std::mem::take(&mut spec.template), pool);
    }
    d
}

pub fn pdb(plan: &Plan, w: &Workload, pool: &Pool) -> Option<PodDisruptionBudget> {
    let pool_workload = Workload {
        kind: w.kind,
        name: pool.deployment.clone(),
        spec: w.spec,
        replicas: Some(pool.min_replicas),
        min_replicas: pool.min_replicas,
        budget: pool.budget,
        recreate: w.recreate,
        image: w.image.clone(),
    };
    let mut pdb = budgets::pdb(plan, &pool_workload)?;
    if let Some(s) = pdb.spec.as_mut().and_then(|s| s.selector.as_mut()) {
        narrow(s, pool);
    }
    Some(pdb)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScaledObjectSpec {
    scale_target_ref: ScaleTarget,
    min_replica_count: u32,
    max_replica_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    polling_interval: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cooldown_period: Option<u32>,
    triggers: Vec<Trigger>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScaleTarget {
    api_version: &'static str,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Trigger {
    #[serde(rename = "type")]
    type_: &'static str,
    name: String,
    metadata: BTreeMap<&'static str, String>,
    authentication_ref: AuthRef,
}

#[derive(Serialize)]
struct AuthRef {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TriggerAuthenticationSpec {
    secret_target_ref: Vec<SecretTarget>,
}

#[derive(Serialize)]
struct SecretTarget {
    parameter: &'static str,
    name: String,
    key: String,
}

/// The ScaledObject and TriggerAuthentication of a pool KEDA scales.
pub fn keda(plan: &Plan, w: &Workload, pool: &Pool) -> Vec<serde_json::Value> {
    let Some(k) = pool.keda else {
        return Vec::new();
    };
    let r = &plan.redis;
    let sentinel = !r.sentinels.is_empty() && r.master_set.is_some();
    let auth = pool.deployment.clone();
    let mut base: BTreeMap<&'static str, String> = BTreeMap::new();
    if sentinel {
        base.insert("addresses", r.sentinels.join(","));
        base.insert("sentinelMaster", r.master_set.clone().unwrap_or_default());
    } else {
        base.insert("address", format!("{}:{}", r.host, r.port));
    }
    base.insert("databaseIndex", BROKER_DB.to_string());
    base.insert("listLength", k.list_length.to_string());
    if r.use_ssl {
        base.insert("enableTLS", "true".into());
    }
    let triggers = pool
        .queues
        .iter()
        .map(|queue| {
            let mut metadata = base.clone();
            metadata.insert("listName", queue.clone());
            Trigger {
                type_: if sentinel { "redis-sentinel" } else { "redis" },
                name: crate::names::derived::dns_fragment(queue),
                metadata,
                authentication_ref: AuthRef { name: auth.clone() },
            }
        })
        .collect();
    let label = w.kind.label();
    let password = &plan.t.redis.password;
    let mut targets = vec![SecretTarget {
        parameter: "password",
        name: password.name.clone(),
        key: password.key.clone(),
    }];
    if sentinel {
        // Dify's Sentinels take the same password (`REDIS_SENTINEL_PASSWORD`).
        targets.push(SecretTarget {
            parameter: "sentinelPassword",
            name: password.name.clone(),
            key: password.key.clone(),
        });
    }
    let scaled = Custom {
        api_version: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: meta(plan, pool.deployment.clone(), label),
        spec: ScaledObjectSpec {
            scale_target_ref: ScaleTarget {
                api_version: "apps/v1",
                kind: "Deployment",
                name: pool.deployment.clone(),
            },
            min_replica_count: k.min_replicas,
            max_replica_count: k.max_replicas,
            polling_interval: k.polling_interval_seconds,
            cooldown_period: k.cooldown_seconds,
            triggers,
        },
    };
    let authentication = Custom {
        api_version: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: meta(plan, auth, label),
        spec: TriggerAuthenticationSpec {
            secret_target_ref: targets,
        },
    };
    [
        serde_json::to_value(authentication),
        serde_json::to_value(scaled),
    ]
    .into_iter()
    .map(|v| v.expect("KEDA objects serialise to JSON"))
    .collect()
}
