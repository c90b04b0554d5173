//! The data layer in the stack, for the parts the topology runs in the
//! release (`postgres.mode: patroni`, `redis.mode: sentinel`): one service
//! per member, each pinned to a host (`node.hostname`), because its volume
//! is local to that node. Members go round the hosts zone by zone, so a
//! quorum spreads like the Kubernetes StatefulSets' members do.
//!
//! Swarm gives each service a stable virtual IP and DNS name, which stand
//! in for the StatefulSets' per-pod names: etcd and Patroni advertise
//! `<release>-<component>-<n>`, Redis and Sentinel announce it. HAProxy
//! (`<release>-postgres`, the name `DB_HOST` already has) sends clients to
//! whichever Patroni member answers `/primary`. The Patroni, Redis and
//! Sentinel configuration are the Kubernetes family's templates; only the
//! addresses differ. So is the Redis master proxy's (`<release>-redis-proxy`,
//! the name `EVENT_BUS_REDIS_URL` already has).

use super::networks::DATA;
use super::services::probe_command;
use super::{
    proxy_deploy, resources, restart_policy, start_script, update_policy, wget_check, Stack,
};
use crate::dify::images::Prober;
use crate::dify::{data_layer, health, ports};
use crate::plan::Plan;
use crate::render::kubernetes::{etcd as etcd_flags, postgres, redis};
use crate::render::templates;
use crate::topology::{Host, Patroni, PostgresMode, RedisMode, RedisSentinel, SecretRef, Swarm};
use serde_json::{json, Value};

const HAPROXY_HEALTH_PORT: u16 = 8404;
const HAPROXY_HEALTH: &str = "/healthz";
const REDIS_DIR: &str = "/etc/dify-gen/redis";

/// The Swarm names of the data layer, and a plan wired to them.
pub(super) struct Addresses {
    sentinels: Vec<String>,
}

impl Addresses {
    pub(super) fn new(plan: &Plan) -> Addresses {
        let sentinels = match (plan.t.redis.mode, &plan.t.redis.sentinel) {
            (RedisMode::Sentinel, Some(s)) => members(plan, data_layer::SENTINEL, s.sentinels)
                .into_iter()
                .map(|m| format!("{m}:{}", ports::SENTINEL))
                .collect(),
            _ => Vec::new(),
        };
        Addresses { sentinels }
    }

    /// The plan with the stack's addresses: the Sentinels are services of
    /// their own here (everything else keeps its name: `<release>-api`,
    /// `<release>-postgres`, ...).
    pub(super) fn plan<'a>(&self, plan: &Plan<'a>) -> Plan<'a> {
        let mut wired = Plan::new(plan.t);
        if !self.sentinels.is_empty() {
            wired.redis.sentinels = self.sentinels.clone();
        }
        wired
    }
}

/// `<release>-<component>-<n>` for each member.
pub fn members(plan: &Plan, component: &str, count: u32) -> Vec<String> {
    (0..count)
        .map(|i| format!("{}-{i}", plan.name(component)))
        .collect()
}

/// The hosts members are pinned to, in order: round the zones, one host of
/// each zone at a time, so that consecutive members land in different
/// zones and on different hosts.
pub fn member_hosts(hosts: &[Host], zones: &[String]) -> Vec<String> {
    let mut by_zone: Vec<Vec<&Host>> = zones
        .iter()
        .map(|z| hosts.iter().filter(|h| &h.zone == z).collect())
        .collect();
    by_zone.retain(|z| !z.is_empty());
    let mut out = Vec::new();
    let deepest = by_zone.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..deepest {
        for zone in &by_zone {
            if let Some(h) = zone.get(round) {
                out.push(h.name.clone());
            }
        }
    }
    out
}

/// `deploy:` of a data-layer member: one task, on its host, replaced
/// stop-first (two tasks must never share the member's volume).
fn member_deploy(
    plan: &Plan,
    swarm: &Swarm,
    index: usize,
    r: &crate::topology::Resources,
) -> Value {
    let hosts = member_hosts(&plan.t.hosts, &plan.t.zones);
    let (update, rollback) = update_policy(swarm, "stop-first");
    let mut deploy = json!({
        "mode": "replicated",
        "replicas": 1,
        "resources": resources(r),
        "restart_policy": restart_policy(),
        "update_config": update,
        "rollback_config": rollback,
    });
    if !hosts.is_empty() {
        deploy["placement"] =
            json!({"constraints": [format!("node.hostname == {}", hosts[index % hosts.len()])]});
    }
    deploy
}

pub(super) fn services(plan: &Plan, swarm: &Swarm, stack: &mut Stack) {
    if let (PostgresMode::Patroni, Some(p)) = (plan.t.postgres.mode, &plan.t.postgres.patroni) {
        etcd(plan, swarm, stack);
        patroni(plan, swarm, p, stack);
        haproxy(plan, swarm, p, stack);
    }
    if let (RedisMode::Sentinel, Some(s)) = (plan.t.redis.mode, &plan.t.redis.sentinel) {
        redis_members(plan, swarm, s, stack);
        redis_proxy(plan, swarm, s, stack);
    }
}

/// The Redis master proxy (the Kubernetes family's `haproxy.cfg`, with the
/// members' service names): the address the event bus and the agent
/// backend use, since they cannot ask Sentinel.
fn redis_proxy(plan: &Plan, swarm: &Swarm, s: &RedisSentinel, stack: &mut Stack) {
    let mut ctx = redis::proxy_context(plan, s);
    ctx.servers = members(plan, data_layer::REDIS, s.replicas + 1)
        .into_iter()
        .enumerate()
        .map(|(i, host)| redis::ProxyServer {
            name: format!("{}-{i}", data_layer::REDIS),
            host,
            port: ports::REDIS,
        })
        .collect();
    let text = templates::render("redis/haproxy.cfg.j2", json!({ "proxy": ctx }));
    let config = stack.config(plan, "redis-proxy", "redis-proxy.cfg", text);
    // HAProxy expands `${REDIS_PASSWORD}` in its check from the environment.
    let (secrets, start) = secret_start(
        plan,
        stack,
        data_layer::REDIS_PROXY,
        &[("REDIS_PASSWORD", &plan.t.redis.password)],
    );
    let target = "/usr/local/etc/haproxy/haproxy.cfg";
    stack.services.insert(
        plan.name(data_layer::REDIS_PROXY),
        json!({
            "image": plan.pull(&plan.t.images.redis_proxy),
            "entrypoint": ["/bin/sh", super::START_SCRIPT],
            "command": ["haproxy", "-db", "-f", target],
            "networks": [DATA],
            "configs": [
                {"source": start, "target": super::START_SCRIPT, "mode": 0o555},
                {"source": config, "target": target, "mode": 0o444},
            ],
            "secrets": secrets,
            "healthcheck": {
                "test": probe_command(Prober::BashTcp, health::Check::Tcp { port: "redis" }, ports::REDIS, 3),
                "interval": "10s", "timeout": "5s", "retries": 3, "start_period": "10s",
            },
            "stop_grace_period": "30s",
            "deploy": proxy_deploy(plan, swarm, s.master_proxy.replicas),
            "labels": {"dify-gen.io/component": data_layer::REDIS_PROXY},
        }),
    );
}

fn volume(stack: &mut Stack, name: &str) -> String {
    let key = format!("{name}-data");
    stack.volumes.insert(key.clone(), json!({}));
    key
}

fn etcd(plan: &Plan, swarm: &Swarm, stack: &mut Stack) {
    // `checks::mode_sections` requires `etcd` with `postgres.mode: patroni`.
    let Some(etcd) = plan.t.etcd.as_ref() else {
        return;
    };
    let names = members(plan, data_layer::ETCD, etcd.members);
    let cluster = names
        .iter()
        .map(|n| format!("{n}=http://{n}:{}", ports::ETCD_PEER))
        .collect::<Vec<_>>()
        .join(",");
    for (i, name) in names.iter().enumerate() {
        let data = volume(stack, name);
        let mut command = vec![
            "/usr/local/bin/etcd".to_string(),
            format!("--name={name}"),
            "--data-dir=/var/run/etcd/default.etcd".into(),
            format!("--listen-peer-urls=http://0.0.0.0:{}", ports::ETCD_PEER),
            format!("--listen-client-urls=http://0.0.0.0:{}", ports::ETCD_CLIENT),
            format!(
                "--advertise-client-urls=http://{name}:{}",
                ports::ETCD_CLIENT
            ),
            format!(
                "--initial-advertise-peer-urls=http://{name}:{}",
                ports::ETCD_PEER
            ),
            format!("--initial-cluster={cluster}"),
            "--initial-cluster-state=new".into(),
            format!("--initial-cluster-token={}-etcd", plan.release),
            format!(
                "--listen-metrics-urls=http://0.0.0.0:{}",
                ports::ETCD_METRICS
            ),
        ];
        command.extend(etcd_flags::tuning_args(plan));
        stack.services.insert(
            name.clone(),
            json!({
                "image": plan.pull(&plan.t.images.etcd),
                "command": command,
                "networks": [DATA],
                "volumes": [{"type": "volume", "source": data, "target": "/var/run/etcd"}],
                "healthcheck": {
                    "test": ["CMD", "/usr/local/bin/etcdctl", format!("--endpoints=http://127.0.0.1:{}", ports::ETCD_CLIENT), "--command-timeout=3s", "endpoint", "health"],
                    "interval": "10s", "timeout": "5s", "retries": 6, "start_period": "60s",
                },
                "stop_grace_period": "30s",
                "deploy": member_deploy(plan, swarm, i, &etcd.resources),
                "labels": {"dify-gen.io/component": data_layer::ETCD},
            }),
        );
    }
}

/// A service's secrets as `secrets:` entries, and its start script.
fn secret_start(
    plan: &Plan,
    stack: &mut Stack,
    component: &str,
    vars: &[(&str, &SecretRef)],
) -> (Value, Value) {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(name, r)| (name.to_string(), stack.secret(r)))
        .collect();
    let mut files: Vec<&String> = vars.iter().map(|(_, f)| f).collect();
    files.dedup();
    let secrets: Value = files
        .into_iter()
        .map(|s| json!({"source": s, "target": s, "mode": 0o400}))
        .collect();
    let script = start_script(component, &vars, &[]);
    let key = format!("{component}-start");
    let config = stack.config(plan, &key, &format!("{key}.sh"), script);
    (secrets, config)
}

fn patroni(plan: &Plan, swarm: &Swarm, p: &Patroni, stack: &mut Stack) {
    let t = plan.t;
    let mut ctx = postgres::patroni_context(plan, p);
    ctx.etcd_hosts = members(
        plan,
        data_layer::ETCD,
        t.etcd.as_ref().map_or(0, |e| e.members),
    )
    .into_iter()
    .map(|m| format!("{m}:{}", ports::ETCD_CLIENT))
    .collect();
    // No pods to label: HAProxy finds the leader through Patroni's API.
    ctx.role_label = "";
    // The backup layer is Kubernetes-only (no pgBackRest server or
    // repository keys in the stack): archiving would only fill the disk.
    ctx.archive = None;
    let ctx = json!({ "patroni": ctx });
    let patroni_yml = stack.config(
        plan,
        "patroni",
        "patroni.yml",
        templates::render("patroni/patroni.yml.j2", &ctx),
    );
    let bootstrap = stack.config(
        plan,
        "post-bootstrap",
        "post-bootstrap.sh",
        templates::render("patroni/post-bootstrap.sh.j2", &ctx),
    );
    let (secrets, start) = secret_start(
        plan,
        stack,
        data_layer::POSTGRES,
        &[
            ("PATRONI_SUPERUSER_PASSWORD", &p.superuser_password),
            ("PATRONI_REPLICATION_PASSWORD", &p.replication_password),
            ("DIFY_DB_PASSWORD", &t.postgres.password),
        ],
    );
    let check = probe_command(
        Prober::Python,
        health::Check::Http {
            path: "/liveness",
            port: "patroni",
        },
        ports::PATRONI,
        3,
    );
    let dir = postgres::SCRIPTS_DIR;
    for (i, name) in members(plan, data_layer::POSTGRES, p.members)
        .iter()
        .enumerate()
    {
        let data = volume(stack, name);
        stack.services.insert(
            name.clone(),
            json!({
                "image": plan.pull(&t.images.postgres),
                "entrypoint": ["/bin/sh", super::START_SCRIPT],
                "command": ["/usr/local/bin/patroni", format!("{dir}/patroni.yml")],
                "environment": {
                    "PATRONI_NAME": name,
                    "PATRONI_RESTAPI_CONNECT_ADDRESS": format!("{name}:{}", ports::PATRONI),
                    "PATRONI_POSTGRESQL_CONNECT_ADDRESS": format!("{name}:{}", ports::POSTGRES),
                },
                "networks": [DATA],
                "volumes": [
                    {"type": "volume", "source": data, "target": "/var/lib/pgsql"},
                    {"type": "tmpfs", "target": "/dev/shm", "tmpfs": {"size": 268_435_456}},
                ],
                "configs": [
                    {"source": start, "target": super::START_SCRIPT, "mode": 0o555},
                    {"source": patroni_yml, "target": format!("{dir}/patroni.yml"), "mode": 0o444},
                    {"source": bootstrap, "target": format!("{dir}/post-bootstrap.sh"), "mode": 0o555},
                ],
                "secrets": secrets,
                "healthcheck": {"test": check, "interval": "10s", "timeout": "5s", "retries": 3, "start_period": "120s"},
                // Patroni stops PostgreSQL (fast) and hands the lock over.
                "stop_grace_period": "60s",
                "deploy": member_deploy(plan, swarm, i, &p.resources),
                "labels": {"dify-gen.io/component": data_layer::POSTGRES},
            }),
        );
    }
}

fn haproxy(plan: &Plan, swarm: &Swarm, p: &Patroni, stack: &mut Stack) {
    let names = members(plan, data_layer::POSTGRES, p.members);
    let text = templates::render(
        "swarm/haproxy.cfg.j2",
        json!({
            "release": plan.release,
            "port": ports::POSTGRES,
            "api_port": ports::PATRONI,
            "health_port": HAPROXY_HEALTH_PORT,
            "health_path": HAPROXY_HEALTH,
            "members": names,
            "max_connections": 4096,
        }),
    );
    let config = stack.config(plan, "postgres-proxy", "haproxy.cfg", text);
    let replicas = 2.min(plan.t.hosts.len().max(1)) as u32;
    stack.services.insert(
        plan.name(data_layer::POSTGRES),
        json!({
            "image": plan.pull(&swarm.postgres_proxy_image),
            "networks": [DATA],
            "configs": [{"source": config, "target": "/usr/local/etc/haproxy/haproxy.cfg", "mode": 0o444}],
            "healthcheck": wget_check(HAPROXY_HEALTH_PORT, HAPROXY_HEALTH, 60),
            "stop_grace_period": "30s",
            "deploy": proxy_deploy(plan, swarm, replicas),
            "labels": {"dify-gen.io/component": "postgres-proxy"},
        }),
    );
}

fn redis_members(plan: &Plan, swarm: &Swarm, s: &RedisSentinel, stack: &mut Stack) {
    let ctx = json!({ "redis": redis::context(plan, s) });
    let mut files = Vec::new();
    for (key, file, template) in [
        ("redis-conf", "redis.conf", "redis/redis.conf.j2"),
        ("sentinel-conf", "sentinel.conf", "redis/sentinel.conf.j2"),
        ("start-redis", "start-redis.sh", "redis/start-redis.sh.j2"),
        (
            "start-sentinel",
            "start-sentinel.sh",
            "redis/start-sentinel.sh.j2",
        ),
    ] {
        let config = stack.config(plan, key, file, templates::render(template, &ctx));
        files.push((config, file));
    }
    let (secrets, start) = secret_start(
        plan,
        stack,
        data_layer::REDIS,
        &[("REDIS_PASSWORD", &plan.t.redis.password)],
    );
    let secret = super::secret_name(&plan.t.redis.password);
    let nodes = members(plan, data_layer::REDIS, s.replicas + 1);
    let sentinels = members(plan, data_layer::SENTINEL, s.sentinels);
    let sentinel_addresses = sentinels
        .iter()
        .map(|m| format!("{m}:{}", ports::SENTINEL))
        .collect::<Vec<_>>()
        .join(" ");
    let groups = [
        (
            data_layer::REDIS,
            &nodes,
            "start-redis.sh",
            ports::REDIS,
            &s.resources,
            true,
        ),
        (
            data_layer::SENTINEL,
            &sentinels,
            "start-sentinel.sh",
            ports::SENTINEL,
            &s.sentinel_resources,
            false,
        ),
    ];
    for (component, names, script, port, resources, data) in groups {
        for (i, name) in names.iter().enumerate() {
            let mut configs =
                vec![json!({"source": start, "target": super::START_SCRIPT, "mode": 0o555})];
            configs.extend(files.iter().map(|(config, file)| {
                json!({"source": config, "target": format!("{REDIS_DIR}/{file}"), "mode": 0o555})
            }));
            let mut volumes = Vec::new();
            if data {
                volumes.push(
                    json!({"type": "volume", "source": volume(stack, name), "target": "/data"}),
                );
            }
            let announce = if data {
                "REDIS_ANNOUNCE_HOST"
            } else {
                "SENTINEL_ANNOUNCE_HOST"
            };
            let alive = if data { "PONG|LOADING" } else { "PONG" };
            let mut service = json!({
                "image": plan.pull(&plan.t.images.redis),
                "entrypoint": ["/bin/sh", super::START_SCRIPT],
                "command": ["sh", format!("{REDIS_DIR}/{script}")],
                "environment": {
                    "POD_NAME": name,
                    announce: name,
                    "SENTINEL_ADDRESSES": sentinel_addresses,
                    "BOOTSTRAP_MASTER": format!("{}:{}", nodes[0], ports::REDIS),
                },
                "networks": [DATA],
                "configs": configs,
                "secrets": secrets,
                "healthcheck": {
                    "test": ["CMD-SHELL", format!("REDISCLI_AUTH=\"$(cat /run/secrets/{secret})\" redis-cli -p {port} ping | grep -Eq '{alive}'")],
                    "interval": "10s", "timeout": "5s", "retries": 6, "start_period": "30s",
                },
                "stop_grace_period": "30s",
                "deploy": member_deploy(plan, swarm, i, resources),
                "labels": {"dify-gen.io/component": component},
            });
            if !volumes.is_empty() {
                service["volumes"] = json!(volumes);
            }
            stack.services.insert(name.clone(), service);
        }
    }
}
