//! Redis with Sentinel (`redis.mode: sentinel`): a StatefulSet of data nodes
//! (one master, the rest replicas) and a StatefulSet of Sentinels, each with
//! a headless Service, configured from one ConfigMap holding `redis.conf`,
//! `sentinel.conf` and the two start-up scripts. The scripts ask the
//! Sentinels for the current master (pod 0 at the first bootstrap) and read
//! the password from the environment, so no password is in the ConfigMap.
//!
//! With `mode: external` nothing is rendered here: the plan wires Dify to
//! the managed service.

use super::labels::meta;
use super::pods::resources;
use super::stateful::{
    budget, config_volume, container_port, container_security, data_claim, empty_dir, exec_probe,
    field_env, headless_domain, headless_service, member_hosts, stateful_set as stateful_set_of,
    Members,
};
use super::{config_hash, ToValue};
use crate::dify::queues::{BROKER_DB, DEFAULT_WORKER_QUEUES};
use crate::dify::{data_layer, ports};
use crate::plan::monitoring;
use crate::plan::Plan;
use crate::render::kubernetes::config::{plain, secret_var};
use crate::render::templates;
use crate::topology::{RedisMode, RedisSentinel, Resources};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PersistentVolumeClaim, Probe, ResourceRequirements, TCPSocketAction,
    Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const COMPONENT: &str = data_layer::REDIS;
pub const SENTINEL_COMPONENT: &str = data_layer::SENTINEL;
const PORT: u16 = ports::REDIS;
const SENTINEL_PORT: u16 = ports::SENTINEL;
/// `redis` in the official image.
const UID: i64 = 999;
const CONFIG_DIR: &str = "/etc/dify-gen/redis";

/// Values `templates/redis/*.j2` read.
#[derive(Serialize)]
pub struct RedisContext {
    pub port: u16,
    pub sentinel_port: u16,
    pub replicas: u32,
    pub sentinels: u32,
    pub master_set: String,
    pub quorum: u32,
    pub down_after_milliseconds: u32,
    pub failover_timeout_milliseconds: u32,
    pub min_replicas_to_write: u32,
    pub lookup_rounds: u32,
    pub bootstrap_master_host: String,
    pub redis_domain: String,
    pub sentinel_domain: String,
    pub sentinel_addresses: Vec<String>,
}

pub fn context(plan: &Plan, s: &RedisSentinel) -> RedisContext {
    let redis = plan.name(COMPONENT);
    let sentinel = plan.name(SENTINEL_COMPONENT);
    RedisContext {
        port: PORT,
        sentinel_port: SENTINEL_PORT,
        replicas: s.replicas,
        sentinels: s.sentinels,
        master_set: s.master_set.clone(),
        quorum: s.quorum,
        down_after_milliseconds: s.down_after_milliseconds,
        failover_timeout_milliseconds: s.down_after_milliseconds.saturating_mul(6).max(60_000),
        // A master that lost every replica stops taking writes: after a
        // failover it is the old master, and its writes would be lost.
        min_replicas_to_write: u32::from(s.replicas > 0),
        lookup_rounds: 3,
        bootstrap_master_host: format!("{redis}-0.{}", headless_domain(plan, &redis)),
        redis_domain: headless_domain(plan, &redis),
        sentinel_domain: headless_domain(plan, &sentinel),
        sentinel_addresses: member_hosts(plan, &sentinel, s.sentinels)
            .into_iter()
            .map(|host| format!("{host}:{SENTINEL_PORT}"))
            .collect(),
    }
}

pub fn config_map_name(plan: &Plan) -> String {
    plan.name("redis-config")
}

pub fn objects(plan: &Plan) -> Vec<Value> {
    let (RedisMode::Sentinel, Some(s)) = (plan.t.redis.mode, &plan.t.redis.sentinel) else {
        return Vec::new();
    };
    let redis = plan.name(COMPONENT);
    let sentinel = plan.name(SENTINEL_COMPONENT);
    let config = config_map(plan, s);
    let hash = config_hash(&config.data);
    let mut out = vec![
        config.value(),
        headless_service(
            plan,
            format!("{redis}-headless"),
            COMPONENT,
            &[("redis", PORT)],
        )
        .value(),
        headless_service(
            plan,
            format!("{sentinel}-headless"),
            SENTINEL_COMPONENT,
            &[("sentinel", SENTINEL_PORT)],
        )
        .value(),
        redis_set(plan, s, &hash).value(),
        sentinel_set(plan, s, &hash).value(),
    ];
    // Data nodes: one may go while another can be promoted. Sentinels: one
    // may go while the rest still reach the quorum and a majority.
    if let Some(pdb) = budget(plan, redis, COMPONENT) {
        out.push(pdb.value());
    }
    if let Some(pdb) = budget(plan, sentinel, SENTINEL_COMPONENT) {
        out.push(pdb.value());
    }
    out
}

fn config_map(plan: &Plan, s: &RedisSentinel) -> ConfigMap {
    let ctx = serde_json::json!({ "redis": context(plan, s) });
    let data = [
        ("redis.conf", "redis/redis.conf.j2"),
        ("sentinel.conf", "redis/sentinel.conf.j2"),
        ("start-redis.sh", "redis/start-redis.sh.j2"),
        ("start-sentinel.sh", "redis/start-sentinel.sh.j2"),
    ]
    .into_iter()
    .map(|(key, template)| (key.to_string(), templates::render(template, &ctx)))
    .collect::<BTreeMap<_, _>>();
    ConfigMap {
        metadata: meta(plan, config_map_name(plan), COMPONENT),
        data: Some(data),
        ..Default::default()
    }
}

fn redis_set(plan: &Plan, s: &RedisSentinel, hash: &str) -> StatefulSet {
    // Ready as master, or as a replica whose link to the master is up (its
    // initial sync done): a rolling update must not move on, and Sentinel
    // must not be left with only unsynced replicas to promote. Alive while
    // it answers at all.
    let ready = format!(
        "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli -p {PORT} info replication \
         | grep -Eq '^(role:master|master_link_status:up)'"
    );
    let alive = format!(
        "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli -p {PORT} ping | grep -Eq 'PONG|LOADING'"
    );
    let mut set = set(
        plan,
        hash,
        Member {
            component: COMPONENT,
            replicas: s.replicas + 1,
            script: "start-redis.sh",
            port: ("redis", PORT),
            ready,
            alive,
            run_dir: "/run/redis",
            resources: &s.resources,
            claim: Some(data_claim(
                s.storage.size.as_str(),
                s.storage.class_name.as_ref(),
            )),
        },
    );
    if let Some(exporter) = exporter(plan) {
        if let Some(pod) = set
            .spec
            .as_mut()
            .and_then(|spec| spec.template.spec.as_mut())
        {
            pod.containers.push(exporter);
        }
    }
    set
}

/// redis_exporter beside each data node, with monitoring: Redis' role and
/// memory, and the length of every Celery queue (`redis_key_size`) by
/// exact key in the broker's database, read on the node it runs beside.
fn exporter(plan: &Plan) -> Option<Container> {
    let m = plan.t.monitoring.as_ref()?;
    let (port_name, port) = monitoring::REDIS_EXPORTER_PORT;
    let queues = plan.t.dify.worker_queues.clone().unwrap_or_else(|| {
        DEFAULT_WORKER_QUEUES
            .iter()
            .map(|q| (*q).to_string())
            .collect()
    });
    let keys = queues
        .iter()
        .map(|q| format!("db{BROKER_DB}={q}"))
        .collect::<Vec<_>>()
        .join(",");
    let quantity = |cpu: &str, memory: &str| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.into())),
            ("memory".to_string(), Quantity(memory.into())),
        ])
    };
    Some(Container {
        name: monitoring::REDIS_EXPORTER.into(),
        image: Some(m.exporters.redis_exporter_image.clone()),
        image_pull_policy: Some("IfNotPresent".into()),
        env: Some(vec![
            plain("REDIS_ADDR", format!("redis://localhost:{PORT}")),
            secret_var("REDIS_PASSWORD", &plan.t.redis.password),
            plain("REDIS_EXPORTER_CHECK_SINGLE_KEYS", keys),
            plain("REDIS_EXPORTER_WEB_LISTEN_ADDRESS", format!(":{port}")),
        ]),
        ports: Some(vec![container_port(port_name, port)]),
        resources: Some(ResourceRequirements {
            requests: Some(quantity("10m", "32Mi")),
            limits: Some(quantity("100m", "64Mi")),
            ..Default::default()
        }),
        readiness_probe: Some(tcp_probe(port_name)),
        liveness_probe: Some(tcp_probe(port_name)),
        security_context: Some(container_security()),
        ..Default::default()
    })
}

fn tcp_probe(port: &str) -> Probe {
    Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String(port.into()),
            ..Default::default()
        }),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Default::default()
    }
}

fn sentinel_set(plan: &Plan, s: &RedisSentinel, hash: &str) -> StatefulSet {
    let ready = format!(
        "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli -p {SENTINEL_PORT} ping | grep -q PONG"
    );
    let alive = ready.clone();
    set(
        plan,
        hash,
        Member {
            component: SENTINEL_COMPONENT,
            replicas: s.sentinels,
            script: "start-sentinel.sh",
            port: ("sentinel", SENTINEL_PORT),
            ready,
            alive,
            run_dir: "/run/sentinel",
            resources: &s.sentinel_resources,
            // Sentinel rebuilds its state from the other Sentinels at start.
            claim: None,
        },
    )
}

struct Member<'a> {
    component: &'static str,
    replicas: u32,
    script: &'static str,
    port: (&'static str, u16),
    ready: String,
    alive: String,
    run_dir: &'static str,
    resources: &'a Resources,
    claim: Option<PersistentVolumeClaim>,
}

fn set(plan: &Plan, config_hash: &str, m: Member) -> StatefulSet {
    let mut mounts = vec![
        VolumeMount {
            name: "config".into(),
            mount_path: CONFIG_DIR.into(),
            read_only: Some(true),
            ..Default::default()
        },
        VolumeMount {
            name: "run".into(),
            mount_path: m.run_dir.into(),
            ..Default::default()
        },
        VolumeMount {
            name: "tmp".into(),
            mount_path: "/tmp".into(),
            ..Default::default()
        },
    ];
    if m.claim.is_some() {
        mounts.push(VolumeMount {
            name: "data".into(),
            mount_path: "/data".into(),
            ..Default::default()
        });
    }
    let volumes: Vec<Volume> = vec![
        config_volume("config", config_map_name(plan), 0o555),
        empty_dir("run"),
        empty_dir("tmp"),
    ];
    let container = Container {
        name: m.component.into(),
        image: Some(plan.t.images.redis.clone()),
        image_pull_policy: Some("IfNotPresent".into()),
        // The image's entrypoint wants root to fix permissions; the script
        // starts the server itself, as the image's `redis` user.
        command: Some(vec!["sh".into(), format!("{CONFIG_DIR}/{}", m.script)]),
        env: Some(vec![
            field_env("POD_NAME", "metadata.name"),
            secret_var("REDIS_PASSWORD", &plan.t.redis.password),
        ]),
        ports: Some(vec![container_port(m.port.0, m.port.1)]),
        resources: Some(resources(m.resources)),
        readiness_probe: Some(exec_probe(&m.ready, 10, 5, 3)),
        liveness_probe: Some(exec_probe(&m.alive, 20, 5, 6)),
        security_context: Some(container_security()),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    stateful_set_of(
        plan,
        Members {
            component: m.component,
            replicas: m.replicas,
            uid: UID,
            container,
            volumes,
            claim: m.claim,
            config_hash: Some(config_hash.to_string()),
            service_account: None,
            grace_seconds: 30,
        },
    )
}
