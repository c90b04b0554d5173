//! etcd, the DCS Patroni keeps its leader lock in (only with
//! `postgres.mode: patroni`): a StatefulSet bootstrapped statically from its
//! headless Service names, a PodDisruptionBudget that never costs the quorum.
//!
//! The image is distroless (no shell), so the configuration is flags with
//! Kubernetes `$(VAR)` expansion. The integration tests run these very
//! arguments with the etcd program.

use super::pods::resources;
use super::stateful::{
    budget, container_port, container_security, data_claim, field_env, headless_domain,
    headless_service, http_probe, member_hosts, stateful_set as stateful_set_of, Members,
};
use super::ToValue;
use crate::dify::{data_layer, ports};
use crate::plan::Plan;
use crate::topology::PostgresMode;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, VolumeMount};
use serde_json::Value;

pub const COMPONENT: &str = data_layer::ETCD;
const CLIENT_PORT: u16 = ports::ETCD_CLIENT;
const PEER_PORT: u16 = ports::ETCD_PEER;
const METRICS_PORT: u16 = ports::ETCD_METRICS;
/// `nonroot` of the distroless base image.
const UID: i64 = 65532;
const DATA_MOUNT: &str = "/var/run/etcd";

/// `host:port` of every member's client URL, for Patroni's `etcd3.hosts`.
pub fn client_hosts(plan: &Plan) -> Vec<String> {
    member_hosts(plan, &plan.member_set(COMPONENT), members(plan))
        .into_iter()
        .map(|host| format!("{host}:{CLIENT_PORT}"))
        .collect()
}

fn members(plan: &Plan) -> u32 {
    plan.t.etcd.as_ref().map_or(0, |e| e.members)
}

pub fn objects(plan: &Plan) -> Vec<Value> {
    if plan.t.postgres.mode != PostgresMode::Patroni || plan.t.etcd.is_none() {
        return Vec::new();
    }
    let name = plan.member_set(COMPONENT);
    let mut out = vec![
        headless_service(
            plan,
            format!("{name}-headless"),
            COMPONENT,
            &[
                ("client", CLIENT_PORT),
                ("peer", PEER_PORT),
                ("metrics", METRICS_PORT),
            ],
        )
        .value(),
        stateful_set(plan).value(),
    ];
    if let Some(pdb) = budget(plan, name, COMPONENT) {
        out.push(pdb.value());
    }
    out
}

/// The etcd container's arguments. `$(POD_NAME)` is expanded by Kubernetes.
pub fn args(plan: &Plan) -> Vec<String> {
    let name = plan.member_set(COMPONENT);
    let domain = headless_domain(plan, &name);
    let cluster = member_hosts(plan, &name, members(plan))
        .iter()
        .enumerate()
        .map(|(i, host)| format!("{name}-{i}=http://{host}:{PEER_PORT}"))
        .collect::<Vec<_>>()
        .join(",");
    vec![
        "--name=$(POD_NAME)".into(),
        format!("--data-dir={DATA_MOUNT}/default.etcd"),
        format!("--listen-peer-urls=http://0.0.0.0:{PEER_PORT}"),
        format!("--listen-client-urls=http://0.0.0.0:{CLIENT_PORT}"),
        format!("--advertise-client-urls=http://$(POD_NAME).{domain}:{CLIENT_PORT}"),
        format!("--initial-advertise-peer-urls=http://$(POD_NAME).{domain}:{PEER_PORT}"),
        format!("--initial-cluster={cluster}"),
        "--initial-cluster-state=new".into(),
        format!("--initial-cluster-token={name}-{}", plan.namespace),
        format!("--listen-metrics-urls=http://0.0.0.0:{METRICS_PORT}"),
    ]
    .into_iter()
    .chain(tuning_args(plan))
    .collect()
}

/// The flags every etcd member gets whatever runs it (the StatefulSet, a
/// Swarm service): raft timing from the topology and compaction.
pub fn tuning_args(plan: &Plan) -> Vec<String> {
    let etcd = plan
        .t
        .etcd
        .as_ref()
        .expect("checks::mode_sections requires `etcd` with `postgres.mode: patroni`");
    vec![
        format!(
            "--heartbeat-interval={}",
            etcd.heartbeat_interval_milliseconds
        ),
        format!("--election-timeout={}", etcd.election_timeout_milliseconds),
        // Patroni rewrites its keys every loop; keep an hour of history only.
        "--auto-compaction-mode=periodic".into(),
        "--auto-compaction-retention=1h".into(),
    ]
}

fn stateful_set(plan: &Plan) -> StatefulSet {
    let etcd = plan
        .t
        .etcd
        .as_ref()
        .expect("checks::mode_sections requires `etcd` with `postgres.mode: patroni`");
    let container = Container {
        name: COMPONENT.into(),
        image: Some(plan.pull(&plan.t.images.etcd)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["/usr/local/bin/etcd".into()]),
        args: Some(args(plan)),
        env: Some(vec![field_env("POD_NAME", "metadata.name")]),
        ports: Some(vec![
            container_port("client", CLIENT_PORT),
            container_port("peer", PEER_PORT),
            container_port("metrics", METRICS_PORT),
        ]),
        resources: Some(resources(&etcd.resources)),
        readiness_probe: Some(http_probe("/readyz", "metrics", 10, 5, 3)),
        liveness_probe: Some(http_probe("/livez", "metrics", 10, 5, 6)),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![VolumeMount {
            name: "data".into(),
            mount_path: DATA_MOUNT.into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    stateful_set_of(
        plan,
        Members {
            component: COMPONENT,
            replicas: etcd.members,
            uid: UID,
            container,
            volumes: Vec::new(),
            claim: Some(data_claim(
                etcd.storage.size.as_str(),
                etcd.storage.class_name.as_ref(),
            )),
            config_hash: None,
            service_account: None,
            grace_seconds: 30,
        },
    )
}
