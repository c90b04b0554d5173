//! The Swarm family: `swarm/stack.yaml`, a Compose file for `docker stack
//! deploy`, and the files its Docker configs are created from
//! (`swarm/config/`). Rendered when the topology has a `swarm` section.
//!
//! Every Dify workload of the plan becomes a service with its replicas,
//! resources, health check (run inside the container, with a program the
//! image has: [`crate::dify::images`]), rolling update and rollback; the
//! data layer the topology runs in the release becomes one service per
//! member, pinned to a host, each with its own volume ([`data`]). The
//! environment is the Kubernetes family's, so the two targets cannot
//! configure Dify differently; only the addresses of the data layer differ.
//!
//! Secrets are external Docker secrets, one per referenced Secret key,
//! named `<secret>.<key>`; a start script per component reads them from
//! `/run/secrets` into the variables the image expects. The overlay
//! networks follow the component graph ([`networks`]): the public edge
//! never shares a network with the data layer.

mod data;
mod networks;
mod services;

use super::{templates, Artifact, Content, Family};
use crate::plan::Plan;
use crate::topology::SecretRef;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const FAMILY: Family = Family {
    name: "swarm",
    render,
};

/// The file `docker stack deploy -c` reads.
pub const STACK_FILE: &str = "stack.yaml";

/// The Compose file format version: 3.9 is what both `docker stack
/// deploy` and docker-compose 1.29 validate strictly.
const VERSION: &str = "3.9";

/// Where each container finds the start script dify-gen renders for it.
const START_SCRIPT: &str = "/etc/dify-gen/start.sh";

/// The Docker secret holding a Secret's key: `<secret>.<key>`.
pub fn secret_name(r: &SecretRef) -> String {
    format!("{}.{}", r.name, r.key)
}

/// What the services of the stack collect while they are built: the
/// Docker secrets and configs they use, and the files behind the configs.
#[derive(Default)]
struct Stack {
    services: Map<String, Value>,
    secrets: BTreeMap<String, Value>,
    configs: BTreeMap<String, Value>,
    volumes: BTreeMap<String, Value>,
    files: Vec<Artifact>,
}

impl Stack {
    /// A Docker config created from a rendered file under `config/`. Its
    /// name carries a hash of the content: Swarm configs are immutable, so
    /// a changed file must be a new config (and rolls the service).
    fn config(&mut self, plan: &Plan, key: &str, file: &str, text: String) -> Value {
        let hash = super::kubernetes::config_hash(&text);
        self.configs.insert(
            key.to_string(),
            json!({"name": format!("{}-{key}-{}", plan.release, &hash[..8]), "file": format!("./config/{file}")}),
        );
        self.files.push(Artifact::file(
            FAMILY.name,
            &format!("config/{file}"),
            Content::Text(text),
        ));
        json!(key)
    }

    fn secret(&mut self, r: &SecretRef) -> String {
        let name = secret_name(r);
        self.secrets.insert(name.clone(), json!({"external": true}));
        name
    }
}

fn render(plan: &Plan) -> Vec<Artifact> {
    // Files only: a run of the objects alone has nothing to take from here.
    let (Some(swarm), true) = (&plan.t.swarm, plan.writes_files()) else {
        return Vec::new();
    };
    let mut stack = Stack::default();
    let addresses = data::Addresses::new(plan);
    services::dify(plan, swarm, &addresses, &mut stack);
    services::edge(plan, swarm, &mut stack);
    data::services(plan, swarm, &mut stack);
    let mut doc = json!({
        "version": VERSION,
        "services": stack.services,
        "networks": networks::definitions(plan),
    });
    let top = doc.as_object_mut().expect("the stack is an object");
    for (key, map) in [
        ("volumes", stack.volumes),
        ("secrets", stack.secrets),
        ("configs", stack.configs),
    ] {
        if !map.is_empty() {
            top.insert(key.into(), json!(map));
        }
    }
    escape_dollars(&mut doc);
    let mut out = vec![Artifact::file(FAMILY.name, STACK_FILE, Content::Yaml(doc))];
    out.extend(stack.files);
    out
}

/// The start script of a component: the secrets it reads and the values
/// composed from them. `vars` are `(variable, secret)`; `composed` are
/// `(variable, value)` with `$(VAR)` references to earlier variables.
fn start_script(
    component: &str,
    vars: &[(String, String)],
    composed: &[(String, String)],
) -> String {
    let secrets: Vec<Value> = vars
        .iter()
        .map(|(name, file)| json!({"name": name, "file": file}))
        .collect();
    let composed: Vec<Value> = composed
        .iter()
        .map(|(name, value)| json!({"name": name, "value": shell_references(value)}))
        .collect();
    templates::render(
        "swarm/start.sh.j2",
        json!({"component": component, "secrets": secrets, "composed": composed}),
    )
}

/// `$(VAR)` (Kubernetes' expansion) as `${VAR}` (the shell's).
fn shell_references(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let tail = &rest[start + 2..];
        match tail.find(')') {
            Some(end) => {
                out.push_str("${");
                out.push_str(&tail[..end]);
                out.push('}');
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Compose interpolates `$VAR` in every string of the file; dify-gen means
/// every `$` literally (health-check shells read their own variables), so
/// each is written `$$`.
fn escape_dollars(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        Value::Object(map) => map.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// `10s`.
fn seconds(n: u32) -> String {
    format!("{n}s")
}

/// CPU cores as Compose writes them (`0.5`).
fn cpus(q: &crate::topology::quantity::Quantity) -> String {
    let cores = q.value();
    let text = format!("{cores:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Memory as Compose writes it: whole mebibytes (`2048M`), else bytes.
fn memory(q: &crate::topology::quantity::Quantity) -> String {
    let bytes = q.value().round() as u64;
    const MIB: u64 = 1024 * 1024;
    if bytes % MIB == 0 {
        format!("{}M", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

/// `update_config` and `rollback_config`: one task at a time, `order`
/// (`start-first` or `stop-first`), each watched for
/// `swarm.updateMonitorSeconds`; a failed update rolls the service back, a
/// failed rollback pauses for a person.
fn update_policy(swarm: &crate::topology::Swarm, order: &str) -> (Value, Value) {
    let policy = |failure: &str| {
        json!({
            "parallelism": 1,
            "delay": seconds(swarm.update_delay_seconds),
            "failure_action": failure,
            "monitor": seconds(swarm.update_monitor_seconds),
            "max_failure_ratio": 0,
            "order": order,
        })
    };
    (policy("rollback"), policy("pause"))
}

/// `deploy:` of a stateless proxy (the edge, HAProxy): `replicas` tasks,
/// at most one per node, spread over zones, small, replaced stop-first
/// (two tasks on a node would compete for its published port).
fn proxy_deploy(plan: &Plan, swarm: &crate::topology::Swarm, replicas: u32) -> Value {
    let mut placement = json!({"max_replicas_per_node": 1});
    if plan.t.zones.len() > 1 {
        placement["preferences"] = json!([{"spread": "node.labels.zone"}]);
    }
    let (update, rollback) = update_policy(swarm, "stop-first");
    json!({
        "mode": "replicated",
        "replicas": replicas,
        "placement": placement,
        "resources": {"limits": {"memory": "256M"}, "reservations": {"cpus": "0.1", "memory": "64M"}},
        "restart_policy": restart_policy(),
        "update_config": update,
        "rollback_config": rollback,
    })
}

/// Replace a task that exits, whatever its exit code, at most every 5
/// seconds.
fn restart_policy() -> Value {
    json!({"condition": "any", "delay": "5s", "window": "120s"})
}

/// A health check with busybox `wget` (the Alpine proxy images).
fn wget_check(port: u16, path: &str, start_seconds: u32) -> Value {
    json!({
        "test": ["CMD-SHELL", format!("wget -q -O /dev/null -T 3 http://127.0.0.1:{port}{path}")],
        "interval": "10s",
        "timeout": "3s",
        "retries": 3,
        "start_period": seconds(start_seconds),
    })
}

/// Limits and reservations of a topology `resources` block.
fn resources(r: &crate::topology::Resources) -> Value {
    let mut limits = json!({"memory": memory(&r.limits.memory)});
    if let Some(cpu) = &r.limits.cpu {
        limits["cpus"] = json!(cpus(cpu));
    }
    json!({
        "limits": limits,
        "reservations": {"cpus": cpus(&r.requests.cpu), "memory": memory(&r.requests.memory)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_shell_expansions() {
        assert_eq!(
            shell_references("redis://:$(REDIS_PASSWORD)@h:6379/1"),
            "redis://:${REDIS_PASSWORD}@h:6379/1"
        );
        assert_eq!(shell_references("a$(B"), "a$(B");
        assert_eq!(shell_references("plain"), "plain");
    }

    #[test]
    fn quantities() {
        let q = |s: &str| {
            serde_json::from_value::<crate::topology::quantity::Quantity>(json!(s)).unwrap()
        };
        assert_eq!(cpus(&q("500m")), "0.5");
        assert_eq!(cpus(&q("2")), "2");
        assert_eq!(memory(&q("2Gi")), "2048M");
        assert_eq!(memory(&q("1G")), "1000000000");
    }
}
