//! The agent's Kubernetes objects, typed.
//!
//! Security: the agent reads the node's container logs, which the kubelet
//! writes as root with mode 0640, and keeps its state on the node, so it
//! runs as uid 0 with `hostPath` volumes: the documented exception in
//! `docs/security.md`. Everything else of `restricted` holds: every
//! capability dropped (root reads and writes only what root owns), no
//! privilege escalation, a read-only root file system, `RuntimeDefault`
//! seccomp, `/var/log` mounted read-only. Its namespace enforces Pod
//! Security `privileged` because `baseline` forbids `hostPath`.

use super::pipeline::{STATE_DIR, TLS_DIR};
use super::{config_text, env_var, renders_daemonset, COMPONENT, CONFIG_DIR, CONFIG_FILE};
use crate::plan::Plan;
use crate::render::kubernetes::config::secret_var;
use crate::render::kubernetes::labels::{labels, selector_labels};
use crate::render::kubernetes::pods::pull_secrets;
use crate::render::kubernetes::{config_hash, resources};
use crate::topology::Logging;
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvVar, HTTPGetAction, HostPathVolumeSource, KeyToPath, Namespace, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, SeccompProfile, SecretVolumeSource, SecurityContext, Service,
    ServiceAccount, ServicePort, ServiceSpec, Toleration, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

fn value(o: &impl Serialize) -> Value {
    serde_json::to_value(o).expect("Kubernetes objects serialise to JSON")
}

/// Metadata of an object in the agent's namespace.
fn meta(plan: &Plan, l: &Logging, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: Some(l.collector.namespace.clone()),
        labels: Some(labels(plan, COMPONENT)),
        ..Default::default()
    }
}

/// Cluster-scoped objects are shared by every release of the cluster:
/// their names carry the release's namespace as well.
pub fn cluster_name(plan: &Plan) -> String {
    // Cluster-wide, so the namespace is part of the name; shortened with a
    // hash like every derived name, to one DNS label.
    crate::names::derived::shorten(
        &format!("{}-{}-{COMPONENT}", plan.namespace, plan.release),
        crate::names::kubernetes::DNS_LABEL_MAX,
    )
}

fn cluster_meta(plan: &Plan) -> ObjectMeta {
    ObjectMeta {
        name: Some(cluster_name(plan)),
        labels: Some(labels(plan, COMPONENT)),
        ..Default::default()
    }
}

/// The agent's objects: its namespace and PriorityClass in every mode
/// (the Helm chart creates neither), the rest with the DaemonSet.
pub fn objects(plan: &Plan, l: &Logging) -> Vec<Value> {
    let mut out = vec![value(&priority_class(plan, l)), value(&namespace(plan, l))];
    if !renders_daemonset(l) {
        return out;
    }
    let name = plan.name(COMPONENT);
    let config = ConfigMap {
        metadata: meta(plan, l, name.clone()),
        data: Some(BTreeMap::from([(
            CONFIG_FILE.to_string(),
            config_text(plan, l),
        )])),
        ..Default::default()
    };
    let hash = config_hash(&config.data);
    out.extend([
        value(&ServiceAccount {
            metadata: meta(plan, l, name.clone()),
            ..Default::default()
        }),
        value(&cluster_role(plan)),
        value(&cluster_role_binding(plan, l)),
        value(&config),
        value(&service(plan, l)),
        value(&daemon_set(plan, l, &hash)),
    ]);
    out
}

fn namespace(plan: &Plan, l: &Logging) -> Namespace {
    let mut labels = labels(plan, COMPONENT);
    // `baseline` forbids hostPath volumes, which reading node logs needs.
    labels.insert(
        "pod-security.kubernetes.io/enforce".into(),
        "privileged".into(),
    );
    Namespace {
        metadata: ObjectMeta {
            name: Some(l.collector.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn priority_class(plan: &Plan, l: &Logging) -> PriorityClass {
    PriorityClass {
        metadata: cluster_meta(plan),
        value: i32::try_from(l.collector.priority).unwrap_or(i32::MAX),
        global_default: Some(false),
        description: Some(
            "Log collection: scheduled before and evicted after application pods".into(),
        ),
        ..Default::default()
    }
}

/// What the kubernetes filter reads: pods and namespaces, read-only.
fn cluster_role(plan: &Plan) -> ClusterRole {
    ClusterRole {
        metadata: cluster_meta(plan),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["namespaces".into(), "pods".into()]),
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            ..Default::default()
        }]),
        ..Default::default()
    }
}

fn cluster_role_binding(plan: &Plan, l: &Logging) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: cluster_meta(plan),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: cluster_name(plan),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: plan.name(COMPONENT),
            namespace: Some(l.collector.namespace.clone()),
            ..Default::default()
        }]),
    }
}

/// Headless, for Prometheus to find every agent pod: `http` serves
/// Fluent Bit's own metrics (`/api/v2/metrics/prometheus`), `metrics`
/// the error counts (`/metrics`).
fn service(plan: &Plan, l: &Logging) -> Service {
    let port = |name: &str, port: u16| ServicePort {
        name: Some(name.into()),
        port: i32::from(port),
        target_port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..Default::default()
    };
    Service {
        metadata: meta(plan, l, plan.name(COMPONENT)),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: Some(selector_labels(plan, COMPONENT)),
            ports: Some(vec![
                port("http", l.collector.http_port),
                port("metrics", l.collector.metrics_port),
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The output credentials, passed as environment variables the
/// configuration references (`${FLB_OUTPUT_0_PASSWORD}`).
pub fn secret_env(l: &Logging) -> Vec<EnvVar> {
    let mut env = Vec::new();
    for (i, o) in l.outputs.iter().enumerate() {
        if let Some(c) = &o.credentials {
            env.push(secret_var(&env_var(i, "USERNAME"), &c.username));
            env.push(secret_var(&env_var(i, "PASSWORD"), &c.password));
        }
        if let Some(t) = &o.bearer_token {
            env.push(secret_var(&env_var(i, "TOKEN"), t));
        }
    }
    env
}

/// `/` answers once the HTTP server is up; `/api/v1/health` turns
/// unhealthy after repeated output errors (`hc_*` in the service).
pub const LIVENESS_PATH: &str = "/";
pub const READINESS_PATH: &str = "/api/v1/health";
/// Fluent Bit's `grace` (10s) to flush, and some margin.
pub const GRACE_SECONDS: i64 = 30;

/// The hostPath volumes, the CA bundles and a writable `/tmp` (the root
/// file system is read-only), with their mounts.
pub fn volumes(l: &Logging) -> (Vec<Volume>, Vec<VolumeMount>) {
    let host = |name: &str, path: &str, kind: &str| Volume {
        name: name.into(),
        host_path: Some(HostPathVolumeSource {
            path: path.into(),
            type_: Some(kind.into()),
        }),
        ..Default::default()
    };
    let mount = |name: &str, path: &str, read_only: bool| VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: Some(read_only),
        ..Default::default()
    };
    let mut volumes = vec![
        host("varlog", "/var/log", "Directory"),
        host("state", &l.collector.state_host_path, "DirectoryOrCreate"),
    ];
    let mut mounts = vec![
        mount("varlog", "/var/log", true),
        mount("state", STATE_DIR, false),
    ];
    for (i, o) in l.outputs.iter().enumerate() {
        if let Some(ca) = &o.ca {
            let name = format!("ca-{i}");
            volumes.push(Volume {
                name: name.clone(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(ca.name.clone()),
                    items: Some(vec![KeyToPath {
                        key: ca.key.clone(),
                        path: "ca.crt".into(),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            });
            mounts.push(mount(&name, &format!("{TLS_DIR}/{i}"), true));
        }
    }
    volumes.push(Volume {
        name: "tmp".into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    });
    mounts.push(mount("tmp", "/tmp", false));
    (volumes, mounts)
}

/// Root with nothing else: see the module comment.
pub fn pod_security() -> PodSecurityContext {
    PodSecurityContext {
        run_as_user: Some(0),
        run_as_group: Some(0),
        run_as_non_root: Some(false),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn container_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        read_only_root_filesystem: Some(true),
        ..Default::default()
    }
}

pub fn tolerations(l: &Logging) -> Option<Vec<Toleration>> {
    l.collector.tolerate_all_taints.then(|| {
        vec![Toleration {
            operator: Some("Exists".into()),
            ..Default::default()
        }]
    })
}

pub fn probe(path: &str) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String("http".into()),
            scheme: Some("HTTP".into()),
            ..Default::default()
        }),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        success_threshold: Some(1),
        ..Default::default()
    }
}

fn daemon_set(plan: &Plan, l: &Logging, hash: &str) -> DaemonSet {
    let c = &l.collector;
    let (mut volumes, mut mounts) = volumes(l);
    volumes.push(Volume {
        name: "config".into(),
        config_map: Some(ConfigMapVolumeSource {
            name: plan.name(COMPONENT),
            ..Default::default()
        }),
        ..Default::default()
    });
    mounts.push(VolumeMount {
        name: "config".into(),
        mount_path: CONFIG_DIR.into(),
        read_only: Some(true),
        ..Default::default()
    });
    let env = secret_env(l);
    let container = Container {
        name: COMPONENT.into(),
        image: Some(plan.pull(&c.image)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["/fluent-bit/bin/fluent-bit".into()]),
        args: Some(vec!["-c".into(), format!("{CONFIG_DIR}/{CONFIG_FILE}")]),
        ports: Some(vec![
            ContainerPort {
                name: Some("http".into()),
                container_port: i32::from(c.http_port),
                protocol: Some("TCP".into()),
                ..Default::default()
            },
            ContainerPort {
                name: Some("metrics".into()),
                container_port: i32::from(c.metrics_port),
                protocol: Some("TCP".into()),
                ..Default::default()
            },
        ]),
        env: (!env.is_empty()).then_some(env),
        resources: Some(resources(&c.resources)),
        liveness_probe: Some(probe(LIVENESS_PATH)),
        readiness_probe: Some(probe(READINESS_PATH)),
        security_context: Some(container_security()),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    DaemonSet {
        metadata: meta(plan, l, plan.name(COMPONENT)),
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector_labels(plan, COMPONENT)),
                ..Default::default()
            },
            update_strategy: Some(DaemonSetUpdateStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDaemonSet {
                    max_unavailable: Some(IntOrString::Int(1)),
                    ..Default::default()
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(plan, COMPONENT)),
                    annotations: Some(BTreeMap::from([(
                        "dify-gen.io/config-hash".to_string(),
                        hash.to_string(),
                    )])),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(plan.name(COMPONENT)),
                    // The kubernetes filter reads pod metadata from the API.
                    automount_service_account_token: Some(true),
                    enable_service_links: Some(false),
                    priority_class_name: Some(cluster_name(plan)),
                    security_context: Some(pod_security()),
                    termination_grace_period_seconds: Some(GRACE_SECONDS),
                    tolerations: tolerations(l),
                    // The Secrets must exist in the agent's namespace too:
                    // a pod reads its pull secrets from its own.
                    image_pull_secrets: pull_secrets(plan, None),
                    node_selector: (!c.node_selector.is_empty()).then(|| {
                        c.node_selector
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    }),
                    containers: vec![container],
                    volumes: Some(volumes),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}
