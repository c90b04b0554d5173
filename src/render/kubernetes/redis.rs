//! Redis with Sentinel (`redis.mode: sentinel`): a StatefulSet of data nodes
//! (one master, the rest replicas) and a StatefulSet of Sentinels, each with
//! a headless Service, configured from one ConfigMap holding `redis.conf`,
//! `sentinel.conf` and the two start-up scripts. The scripts ask the
//! Sentinels for the current master (pod 0 at the first bootstrap) and read
//! the password from the environment, so no password is in the ConfigMap.
//!
//! Beside them runs the master proxy (HAProxy, a Deployment behind the
//! `<release>-redis-proxy` Service), which forwards only to the node that
//! answers `role:master`: the address Dify's event bus and the agent backend
//! use, since they take a URL and cannot ask Sentinel.
//!
//! With `mode: external` nothing is rendered here: the plan wires Dify to
//! the managed service.

use super::base;
use super::labels::{labels, meta, selector, selector_labels};
use super::pods::{pull_secrets, resources};
use super::stateful::{
    budget, config_volume, container_port, container_security, data_claim, empty_dir, exec_probe,
    field_env, headless_domain, headless_service, member_hosts, pdb, placement, pod_security,
    service_port, stateful_set as stateful_set_of, Members,
};
use super::{config_hash, ToValue};
use crate::dify::queues::BROKER_DB;
use crate::dify::{data_layer, ports};
use crate::plan::monitoring;
use crate::plan::{data_layer_budget, Budget, Plan};
use crate::render::kubernetes::config::{plain, secret_var};
use crate::render::templates;
use crate::topology::{RedisMode, RedisSentinel, Resources};
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet,
};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PersistentVolumeClaim, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Service, ServiceSpec, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const COMPONENT: &str = data_layer::REDIS;
pub const SENTINEL_COMPONENT: &str = data_layer::SENTINEL;
pub const PROXY_COMPONENT: &str = data_layer::REDIS_PROXY;
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
    let redis = plan.member_set(COMPONENT);
    let sentinel = plan.member_set(SENTINEL_COMPONENT);
    RedisContext {
        port: PORT,
        sentinel_port: SENTINEL_PORT,
        replicas: s.replicas,
        sentinels: s.sentinels,
        master_set: s.master_set.clone(),
        quorum: s.quorum,
        down_after_milliseconds: s.down_after_milliseconds,
        failover_timeout_milliseconds: s.failover_timeout_milliseconds,
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
    let redis = plan.member_set(COMPONENT);
    let sentinel = plan.member_set(SENTINEL_COMPONENT);
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
    out.extend(master_proxy(plan, s));
    out
}

/// Values `templates/redis/haproxy.cfg.j2` reads.
#[derive(Serialize)]
pub struct ProxyContext {
    pub port: u16,
    pub master_set: String,
    pub servers: Vec<ProxyServer>,
    pub check_interval_milliseconds: u32,
    pub fall: u32,
    pub rise: u32,
    pub connect_timeout_seconds: u32,
    pub idle_timeout_seconds: u32,
    pub max_connections: u32,
    pub stop_seconds: u32,
}

#[derive(Serialize)]
pub struct ProxyServer {
    pub name: String,
    pub host: String,
    pub port: u16,
}

pub fn proxy_context(plan: &Plan, s: &RedisSentinel) -> ProxyContext {
    let redis = plan.name(COMPONENT);
    ProxyContext {
        port: PORT,
        master_set: s.master_set.clone(),
        servers: member_hosts(plan, &redis, s.replicas + 1)
            .into_iter()
            .enumerate()
            .map(|(i, host)| ProxyServer {
                name: format!("{COMPONENT}-{i}"),
                host,
                port: PORT,
            })
            .collect(),
        // A dead or demoted master is out after two failed checks, about
        // two seconds; Sentinel itself waits `downAfterMilliseconds`.
        check_interval_milliseconds: 1000,
        fall: 2,
        rise: 2,
        connect_timeout_seconds: 2,
        // As long as the entry keeps a stream open.
        idle_timeout_seconds: plan.t.ingress.timeout_seconds,
        // Each streamed answer holds one subscriber connection; the file
        // descriptors this needs (two per connection) fit the soft limit
        // container runtimes give.
        max_connections: 4096,
        stop_seconds: PROXY_GRACE_SECONDS,
    }
}

/// Seconds a stopping proxy keeps its connections before it closes them.
const PROXY_GRACE_SECONDS: u32 = 25;
/// `haproxy` in the official image.
const PROXY_UID: i64 = 99;
const PROXY_CONFIG_DIR: &str = "/etc/dify-gen/redis-proxy";

pub fn proxy_config_map_name(plan: &Plan) -> String {
    plan.name(PROXY_COMPONENT)
}

/// The master proxy: its configuration, Service, Deployment and budget.
fn master_proxy(plan: &Plan, s: &RedisSentinel) -> Vec<Value> {
    let name = plan.name(PROXY_COMPONENT);
    let config = ConfigMap {
        metadata: meta(plan, proxy_config_map_name(plan), PROXY_COMPONENT),
        data: Some(BTreeMap::from([(
            "haproxy.cfg".to_string(),
            templates::render(
                "redis/haproxy.cfg.j2",
                serde_json::json!({ "proxy": proxy_context(plan, s) }),
            ),
        )])),
        ..Default::default()
    };
    let hash = config_hash(&config.data);
    let p = &s.master_proxy;
    let tcp = |period: i32, failures: i32| Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String("redis".into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(3),
        failure_threshold: Some(failures),
        success_threshold: Some(1),
        ..Default::default()
    };
    let container = Container {
        name: PROXY_COMPONENT.into(),
        image: Some(plan.pull(&plan.t.images.redis_proxy)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec![
            "haproxy".into(),
            "-db".into(),
            "-f".into(),
            format!("{PROXY_CONFIG_DIR}/haproxy.cfg"),
        ]),
        env: Some(vec![secret_var("REDIS_PASSWORD", &plan.t.redis.password)]),
        ports: Some(vec![container_port("redis", PORT)]),
        resources: Some(resources(&p.resources)),
        readiness_probe: Some(tcp(5, 2)),
        liveness_probe: Some(tcp(10, 3)),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "config".into(),
                mount_path: PROXY_CONFIG_DIR.into(),
                read_only: Some(true),
                ..Default::default()
            },
            VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    let (spread, affinity) = placement(plan, PROXY_COMPONENT, p.replicas, false);
    let deployment = Deployment {
        metadata: meta(plan, name.clone(), PROXY_COMPONENT),
        spec: Some(DeploymentSpec {
            replicas: Some(p.replicas as i32),
            revision_history_limit: Some(5),
            selector: selector(plan, PROXY_COMPONENT),
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(plan, PROXY_COMPONENT)),
                    annotations: Some(BTreeMap::from([(
                        "dify-gen.io/config-hash".to_string(),
                        hash,
                    )])),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    image_pull_secrets: pull_secrets(plan, None),
                    service_account_name: Some(name.clone()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(pod_security(PROXY_UID)),
                    termination_grace_period_seconds: Some(i64::from(PROXY_GRACE_SECONDS + 5)),
                    topology_spread_constraints: spread,
                    affinity,
                    containers: vec![container],
                    volumes: Some(vec![
                        config_volume("config", proxy_config_map_name(plan), 0o444),
                        empty_dir("tmp"),
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let service = Service {
        metadata: meta(plan, name.clone(), PROXY_COMPONENT),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector_labels(plan, PROXY_COMPONENT)),
            ports: Some(vec![service_port("redis", PORT)]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut out = vec![
        base::service_account(plan, PROXY_COMPONENT, None).value(),
        config.value(),
        service.value(),
        deployment.value(),
    ];
    if let Some(Budget::MaxUnavailable(n)) = data_layer_budget(plan.t, PROXY_COMPONENT) {
        out.push(pdb(plan, name, PROXY_COMPONENT, n).value());
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
    let queues = plan.worker_queues();
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
        image: Some(plan.pull(&m.exporters.redis_exporter_image)),
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
        image: Some(plan.pull(&plan.t.images.redis)),
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
