//! What the data layer's StatefulSets (etcd, Patroni, Redis, Sentinel) share:
//! headless Services, placement across zones and nodes, quorum-aware
//! disruption budgets, restricted security contexts and small env helpers.

use super::labels::{labels, meta, selector, selector_labels};
pub use super::pods::restricted_container as container_security;
use super::pods::{pull_secrets, spread_constraint, HOST_KEY, ZONE_KEY};
use crate::plan::quorum::quorums;
use crate::plan::Plan;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Affinity, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    EnvVarSource, ExecAction, HTTPGetAction, ObjectFieldSelector, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PodAffinityTerm, PodAntiAffinity, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, SeccompProfile, Service, ServicePort, ServiceSpec,
    TopologySpreadConstraint, Volume, VolumeResourceRequirements, WeightedPodAffinityTerm,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// A headless Service giving each pod a stable DNS name. Not-ready pods are
/// published too: members must find each other before any is ready.
pub fn headless_service(
    plan: &Plan,
    name: String,
    component: &str,
    ports: &[(&str, u16)],
) -> Service {
    Service {
        metadata: meta(plan, name, component),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            publish_not_ready_addresses: Some(true),
            selector: Some(selector_labels(plan, component)),
            ports: Some(ports.iter().map(|(n, p)| service_port(n, *p)).collect()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn service_port(name: &str, port: u16) -> ServicePort {
    ServicePort {
        name: Some(name.into()),
        port: i32::from(port),
        target_port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..Default::default()
    }
}

/// The members' budget from [`crate::plan::quorum`]: `maxUnavailable: 1`
/// where the group can lose a member and still hold what it needs. A single
/// member gets none (no budget can protect it, and one that allows nothing
/// blocks every node drain).
pub fn budget(plan: &Plan, name: String, component: &str) -> Option<PodDisruptionBudget> {
    let max_unavailable = quorums(plan.t)
        .into_iter()
        .find(|q| q.component == component)?
        .budget()?;
    Some(pdb(plan, name, component, max_unavailable))
}

/// A `maxUnavailable` budget over a component's pods; pods that never
/// became ready may always be evicted, so a broken rollout cannot block a drain.
pub fn pdb(
    plan: &Plan,
    name: String,
    component: &str,
    max_unavailable: u32,
) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: meta(plan, name, component),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(max_unavailable as i32)),
            selector: Some(selector(plan, component)),
            unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Members spread evenly over the topology's zones (hard, when there are at
/// least two and `hard_zone`) and never two on one node (hard
/// anti-affinity): a quorum must not depend on a single node or zone. A
/// stateless Deployment (the Redis master proxy) passes `hard_zone: false`:
/// a hard zone rule would keep its evicted pods Pending while a zone is
/// dark (the scheduler counts the dark zone as an empty domain).
pub fn placement(
    plan: &Plan,
    component: &str,
    members: u32,
    hard_zone: bool,
) -> (Option<Vec<TopologySpreadConstraint>>, Option<Affinity>) {
    if members < 2 {
        return (None, None);
    }
    let spread = |key: &str, hard: bool| spread_constraint(plan, component, key, hard);
    let mut constraints = Vec::new();
    if plan.t.zones.len() > 1 {
        constraints.push(spread(ZONE_KEY, hard_zone));
    }
    constraints.push(spread(HOST_KEY, false));
    let affinity = Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                topology_key: HOST_KEY.into(),
                label_selector: Some(selector(plan, component)),
                ..Default::default()
            }]),
            preferred_during_scheduling_ignored_during_execution: (plan.t.zones.len() > 1).then(
                || {
                    vec![WeightedPodAffinityTerm {
                        weight: 100,
                        pod_affinity_term: PodAffinityTerm {
                            topology_key: ZONE_KEY.into(),
                            label_selector: Some(selector(plan, component)),
                            ..Default::default()
                        },
                    }]
                },
            ),
        }),
        ..Default::default()
    };
    (Some(constraints), Some(affinity))
}

/// Restricted pod security for an image user `uid`.
pub fn pod_security(uid: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        fs_group: Some(uid),
        fs_group_change_policy: Some("OnRootMismatch".into()),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A PersistentVolumeClaim template `data` of the topology's size and class.
pub fn data_claim(size: &str, class_name: Option<&String>) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some("data".into()),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: class_name.cloned(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(size.to_string()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    }
}

/// A ConfigMap volume; `mode` applies to every file (0o555 for scripts).
pub fn config_volume(name: &str, config_map: String, mode: i32) -> Volume {
    Volume {
        name: name.into(),
        config_map: Some(ConfigMapVolumeSource {
            name: config_map,
            default_mode: Some(mode),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// An env var from the pod's own metadata (`metadata.name`, `status.podIP`).
pub fn field_env(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn http_probe(path: &str, port: &str, period: i32, timeout: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String(port.into()),
            scheme: Some("HTTP".into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(timeout),
        failure_threshold: Some(failures),
        success_threshold: Some(1),
        ..Default::default()
    }
}

pub fn exec_probe(script: &str, period: i32, timeout: i32, failures: i32) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(vec!["sh".into(), "-c".into(), script.into()]),
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(timeout),
        failure_threshold: Some(failures),
        success_threshold: Some(1),
        ..Default::default()
    }
}

/// `<pod>.<headless>.<namespace>.svc.cluster.local` of every member.
pub fn member_hosts(plan: &Plan, workload: &str, members: u32) -> Vec<String> {
    (0..members)
        .map(|i| format!("{workload}-{i}.{}", headless_domain(plan, workload)))
        .collect()
}

/// `<workload>-headless.<namespace>.svc.cluster.local`.
pub fn headless_domain(plan: &Plan, workload: &str) -> String {
    format!("{workload}-headless.{}.svc.cluster.local", plan.namespace)
}

/// A named TCP container port.
pub fn container_port(name: &str, port: u16) -> ContainerPort {
    ContainerPort {
        name: Some(name.into()),
        container_port: i32::from(port),
        protocol: Some("TCP".into()),
        ..Default::default()
    }
}

/// What differs between the data layer's StatefulSets.
pub struct Members {
    pub component: &'static str,
    pub replicas: u32,
    /// The image's own user.
    pub uid: i64,
    pub container: Container,
    pub volumes: Vec<Volume>,
    pub claim: Option<PersistentVolumeClaim>,
    /// Hash of the ConfigMap the pods read, so a change rolls them.
    pub config_hash: Option<String>,
    /// A ServiceAccount whose token is mounted; `None` mounts none.
    pub service_account: Option<String>,
    pub grace_seconds: i64,
}

/// A StatefulSet behind `<name>-headless`, its members started in parallel
/// (a quorum must form before any member is ready) and placed by
/// [`placement`].
pub fn stateful_set(plan: &Plan, m: Members) -> StatefulSet {
    let name = plan.member_set(m.component);
    let (spread, affinity) = placement(plan, m.component, m.replicas, true);
    StatefulSet {
        metadata: meta(plan, name.clone(), m.component),
        spec: Some(StatefulSetSpec {
            replicas: Some(m.replicas as i32),
            service_name: Some(format!("{name}-headless")),
            pod_management_policy: Some("Parallel".into()),
            selector: selector(plan, m.component),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(plan, m.component)),
                    annotations: m.config_hash.map(|hash| {
                        BTreeMap::from([("dify-gen.io/config-hash".to_string(), hash)])
                    }),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    image_pull_secrets: pull_secrets(plan, None),
                    automount_service_account_token: Some(m.service_account.is_some()),
                    service_account_name: m.service_account,
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(m.uid)),
                    termination_grace_period_seconds: Some(m.grace_seconds),
                    topology_spread_constraints: spread,
                    affinity,
                    containers: vec![m.container],
                    volumes: (!m.volumes.is_empty()).then_some(m.volumes),
                    ..Default::default()
                }),
            },
            volume_claim_templates: m.claim.map(|c| vec![c]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
