//! The Dify services of the stack and its edge proxy.

use super::data::Addresses;
use super::networks::{self, EDGE};
use super::{
    proxy_deploy, resources, restart_policy, seconds, start_script, update_policy, wget_check,
    Stack, START_SCRIPT,
};
use crate::dify::images::{self, Prober};
use crate::dify::releases::HOOK_URL_HEADER;
use crate::dify::{health, Kind};
use crate::plan::probes::{self, Role};
use crate::plan::Plan;
use crate::render::kubernetes::config;
use crate::render::templates;
use crate::topology::{Spread, Swarm};
use serde_json::{json, Map, Value};

/// Container ports of the edge proxy (unprivileged); Swarm publishes them
/// on `swarm.httpPort` and `swarm.httpsPort`.
const EDGE_HTTP: u16 = 8080;
const EDGE_HTTPS: u16 = 8443;
const EDGE_HEALTH: &str = "/dify-gen-edge-health";
/// Where Docker mounts the secrets a service lists.
const SECRETS_DIR: &str = "/run/secrets";

/// Every Dify workload of the plan, then the one-off migration.
pub(super) fn dify(plan: &Plan, swarm: &Swarm, addresses: &Addresses, stack: &mut Stack) {
    let kinds = plan
        .workloads
        .iter()
        .map(|w| w.kind)
        .chain([Kind::Migration]);
    for kind in kinds {
        let service = workload(plan, swarm, addresses, kind, stack);
        stack.services.insert(plan.name(kind.label()), service);
    }
}

fn workload(
    plan: &Plan,
    swarm: &Swarm,
    addresses: &Addresses,
    kind: Kind,
    stack: &mut Stack,
) -> Value {
    let wired = addresses.plan(plan);
    let spec = plan.workload(kind).spec;
    let mut env: Map<String, Value> = Map::new();
    if let Some(mode) = kind.backend_mode() {
        env.insert("MODE".into(), json!(mode));
    }
    for (k, v) in config::settings(&wired, kind) {
        env.insert(k, json!(v));
    }
    if kind == Kind::Migration {
        env.insert("MIGRATION_ENABLED".into(), json!("true"));
    }
    for (k, v) in &spec.env {
        env.insert(k.clone(), json!(v.value()));
    }
    // Secrets: the component's own, then the topology's `secretEnv`.
    let mut vars = Vec::new();
    let mut composed = Vec::new();
    let mut secrets = Vec::new();
    for var in config::secret_env(&wired, kind).into_iter().chain(
        spec.secret_env
            .iter()
            .map(|(n, r)| config::secret_var(n, &r.secret())),
    ) {
        let from = var
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref());
        match (from, var.value) {
            (Some(r), _) => {
                let name = stack.secret(&crate::topology::SecretRef {
                    name: r.name.clone(),
                    key: r.key.clone(),
                });
                if !secrets.contains(&name) {
                    secrets.push(name.clone());
                }
                vars.push((var.name, name));
            }
            (None, Some(value)) => composed.push((var.name, value)),
            (None, None) => {}
        }
    }
    let mut service = json!({
        "image": plan.image(kind),
        "environment": env,
        "networks": networks::of(plan, kind.label()),
        "stop_grace_period": seconds(plan.grace_seconds(kind)),
        "deploy": deploy(plan, swarm, kind),
        "labels": {"dify-gen.io/component": kind.label()},
    });
    let start = images::start_command(kind);
    let squid = matches!(kind, Kind::SsrfProxy | Kind::AgentSsrfProxy);
    if vars.is_empty() {
        if squid {
            service["command"] = json!(start);
        }
    } else {
        let who = if kind.is_backend() {
            "the backend (api, worker, beat, migration)"
        } else {
            kind.label()
        };
        let script = start_script(who, &vars, &composed);
        // api, worker, beat and the migration read the same secrets.
        let key = if kind.is_backend() {
            "backend-start".to_string()
        } else {
            format!("{}-start", kind.label())
        };
        let config = stack.config(plan, &key, &format!("{key}.sh"), script);
        service["entrypoint"] = json!(["/bin/sh", START_SCRIPT]);
        service["command"] = json!(start);
        service["configs"] = json!([{"source": config, "target": START_SCRIPT, "mode": 0o555}]);
        service["secrets"] = secrets
            .iter()
            .map(|s| json!({"source": s, "target": s, "mode": 0o400}))
            .collect();
    }
    if squid {
        let key = match kind {
            Kind::AgentSsrfProxy => "agent-squid",
            _ => "squid",
        };
        let text = config::squid_conf(plan, kind);
        let config = stack.config(plan, key, &format!("{key}.conf"), text);
        service["configs"] =
            json!([{"source": config, "target": "/etc/squid/squid.conf", "mode": 0o444}]);
    }
    if let Some(check) = healthcheck(plan, kind) {
        service["healthcheck"] = check;
    }
    let scratch: Vec<Value> = images::scratch_dirs(plan.dify, kind)
        .iter()
        .map(|(_, path)| json!({"type": "tmpfs", "target": path}))
        .collect();
    if !scratch.is_empty() {
        service["volumes"] = json!(scratch);
    }
    service
}

/// `deploy:` of a Dify service: replicas, placement from the spread, the
/// resources, and an update that rolls back by itself when a new task
/// fails its health check within `swarm.updateMonitorSeconds`.
fn deploy(plan: &Plan, swarm: &Swarm, kind: Kind) -> Value {
    if kind == Kind::Migration {
        // Runs once per deploy: exits 0 when the schema is current.
        return json!({
            "mode": "replicated",
            "replicas": 1,
            "restart_policy": {"condition": "on-failure", "delay": "10s", "max_attempts": 5},
            "resources": resources(&plan.t.components.api.resources),
        });
    }
    let w = plan.workload(kind);
    let spread = plan.effective_spread(w.spec);
    let mut placement = json!({});
    let constraints: Vec<String> = w
        .spec
        .node_selector
        .iter()
        .map(|(k, v)| format!("node.labels.{k} == {v}"))
        .collect();
    if !constraints.is_empty() {
        placement["constraints"] = json!(constraints);
    }
    if plan.t.zones.len() > 1 && spread != Spread::None {
        placement["preferences"] = json!([{"spread": "node.labels.zone"}]);
    }
    // Never two on a node: a new task cannot start beside the old one, so
    // such a service updates stop-first.
    let one_per_node = spread == Spread::Host;
    if one_per_node {
        placement["max_replicas_per_node"] = json!(1);
    }
    let order = if w.recreate || one_per_node {
        "stop-first"
    } else {
        "start-first"
    };
    let (update, rollback) = update_policy(swarm, order);
    let mut out = json!({
        "mode": "replicated",
        "replicas": w.min_replicas,
        "resources": resources(&w.spec.resources),
        "restart_policy": restart_policy(),
        "update_config": update,
        "rollback_config": rollback,
    });
    if placement.as_object().is_some_and(|p| !p.is_empty()) {
        out["placement"] = placement;
    }
    out
}

/// The health check of a Dify component: its readiness endpoint (Swarm
/// has one check, and routes to a task only while it passes), the
/// readiness timings, and the startup window as `start_period`.
fn healthcheck(plan: &Plan, kind: Kind) -> Option<Value> {
    let check = plan.dify.probe(kind, true)?;
    let ready = probes::default_timing(plan.dify, kind, Role::Readiness)?;
    let startup = probes::default_timing(plan.dify, kind, Role::Startup)?;
    let port = kind.serves().map_or(0, |(_, port)| port);
    Some(json!({
        "test": probe_command(images::prober(kind), check, port, ready.timeout),
        "interval": seconds(ready.period),
        "timeout": seconds(ready.timeout),
        "retries": ready.failures,
        "start_period": seconds(startup.window()),
    }))
}

/// The command that asks `check` on `port` inside the container, with the
/// program the image has.
pub(super) fn probe_command(
    prober: Prober,
    check: health::Check,
    port: u16,
    timeout: u32,
) -> Value {
    let url = |path: &str, host: &str| format!("http://{host}:{port}{path}");
    match (check, prober) {
        (health::Check::Http { path, .. }, Prober::Curl) => json!([
            "CMD",
            "curl",
            "-fsS",
            "-o",
            "/dev/null",
            "--max-time",
            timeout.to_string(),
            url(path, "127.0.0.1")
        ]),
        // Next.js listens on $HOSTNAME, which is the container's own name
        // (or 0.0.0.0 where the image sets it): both reach it.
        (health::Check::Http { path, .. }, Prober::Wget) => json!([
            "CMD-SHELL",
            format!(
                "wget -q -O /dev/null -T {timeout} {}",
                url(path, "$HOSTNAME")
            )
        ]),
        (health::Check::Http { path, .. }, Prober::Python) => json!([
            "CMD",
            "python3",
            "-c",
            format!(
                "import urllib.request; urllib.request.urlopen('{}', timeout={timeout})",
                url(path, "127.0.0.1")
            )
        ]),
        (health::Check::Tcp { .. }, Prober::Python) => json!([
            "CMD",
            "python3",
            "-c",
            format!(
                "import socket; socket.create_connection(('127.0.0.1', {port}), timeout={timeout})"
            )
        ]),
        (health::Check::Tcp { .. }, Prober::Wget) => {
            json!(["CMD-SHELL", format!("nc -z -w {timeout} 127.0.0.1 {port}")])
        }
        // bash's /dev/tcp: the Debian and Ubuntu images all have bash.
        (health::Check::Http { .. } | health::Check::Tcp { .. }, Prober::BashTcp)
        | (health::Check::Tcp { .. }, Prober::Curl) => json!([
            "CMD",
            "bash",
            "-c",
            format!("exec 3<>/dev/tcp/127.0.0.1/{port}")
        ]),
    }
}

/// The edge proxy: NGINX with Dify's routes, published on every node.
pub(super) fn edge(plan: &Plan, swarm: &Swarm, stack: &mut Stack) {
    let t = plan.t;
    let mut upstreams: Vec<Value> = Vec::new();
    let routes: Vec<Value> = plan
        .routes()
        .map(|r| {
            let name = r.to.label().replace('-', "_");
            if !upstreams.iter().any(|u| u["name"] == json!(name)) {
                upstreams.push(json!({
                    "name": name,
                    "address": format!("{}:{}", plan.name(r.to.label()), r.to.port()),
                }));
            }
            json!({
                "path": r.path,
                "upstream": name,
                "websocket": r.websocket,
                "hook_url": r.hook_url.then_some(HOOK_URL_HEADER.1),
            })
        })
        .collect();
    let tls = t.ingress.tls.as_ref().map(|tls| {
        let crt = crate::topology::SecretRef {
            name: tls.secret_name.clone(),
            key: "tls.crt".into(),
        };
        let key = crate::topology::SecretRef {
            name: tls.secret_name.clone(),
            key: "tls.key".into(),
        };
        (stack.secret(&crt), stack.secret(&key))
    });
    let text = templates::render(
        "swarm/nginx.conf.j2",
        json!({
            "release": plan.release,
            // Every host of the entry serves every route, as on Kubernetes.
            "host": t.ingress.hosts().join(" "),
            "http_port": EDGE_HTTP,
            "https_port": EDGE_HTTPS,
            "health_path": EDGE_HEALTH,
            "timeout_seconds": t.ingress.timeout_seconds,
            "max_body_megabytes": t.ingress.max_body_megabytes,
            "upstreams": upstreams,
            "routes": routes,
            "tls": tls.as_ref().map(|(crt, key)| json!({
                "certificate": format!("{SECRETS_DIR}/{crt}"),
                "key": format!("{SECRETS_DIR}/{key}"),
            })),
        }),
    );
    let config = stack.config(plan, "edge", "nginx.conf", text);
    let mut ports = vec![
        json!({"target": EDGE_HTTP, "published": swarm.http_port, "protocol": "tcp", "mode": "ingress"}),
    ];
    if tls.is_some() {
        ports.push(json!({"target": EDGE_HTTPS, "published": swarm.https_port, "protocol": "tcp", "mode": "ingress"}));
    }
    let mut service = json!({
        "image": plan.pull(&swarm.edge_image),
        "ports": ports,
        "networks": [EDGE],
        "configs": [{"source": config, "target": "/etc/nginx/nginx.conf", "mode": 0o444}],
        "healthcheck": wget_check(EDGE_HTTP, EDGE_HEALTH, 10),
        "stop_grace_period": seconds(t.ingress.timeout_seconds.min(300)),
        "deploy": proxy_deploy(plan, swarm, t.ingress.controller_replicas),
        "labels": {"dify-gen.io/component": "edge"},
    });
    if let Some((crt, key)) = &tls {
        service["secrets"] = json!([
            {"source": crt, "target": crt, "mode": 0o400},
            {"source": key, "target": key, "mode": 0o400},
        ]);
    }
    stack.services.insert(plan.name("edge"), service);
}
