//! The files the real programs run: rendered by the `dify-gen` binary from
//! `profiles/ha.yaml` and read back out of the rendered ConfigMaps and
//! StatefulSets, never hand copies.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use dify_gen::load;
use dify_gen::source::Sources;
use serde_json::Value;

/// Release name and namespace of `profiles/ha.yaml`.
pub const RELEASE: &str = "dify";
pub const NAMESPACE: &str = "dify";

/// What the tests take from the rendered output.
pub struct Rendered {
    /// ConfigMap files by key: `patroni.yml`, `post-bootstrap.sh`,
    /// `role-label.py`, `replication-check.sh`, `replication-check.sql`,
    /// `redis.conf`, `sentinel.conf`, `start-redis.sh`, `start-sentinel.sh`,
    /// `haproxy.cfg`, `wait-for-schema.py`, and the SSRF proxies' `squid.conf`
    /// and `agent-squid.conf`.
    pub files: BTreeMap<String, String>,
    /// The etcd container's arguments, with `$(POD_NAME)` unexpanded.
    pub etcd_args: Vec<String>,
    /// Where the Patroni pods mount the ConfigMap holding `patroni.yml`.
    pub patroni_dir: String,
    /// Names of the env vars the Patroni and Redis containers get.
    pub patroni_env: Vec<String>,
    pub redis_env: Vec<String>,
    /// The Redis data nodes' readiness command (`sh -c <this>`).
    pub redis_readiness: String,
    /// The Redis master proxy's command, and the names of its env vars.
    pub proxy_command: Vec<String>,
    pub proxy_env: Vec<String>,
    /// `EVENT_BUS_REDIS_URL` of the api pods, with `$(REDIS_PASSWORD)` unexpanded.
    pub event_bus_url: String,
    /// The api pods' schema-wait init container: its command, the names of
    /// its env vars and the keys of the ConfigMap it loads.
    pub schema_wait_command: Vec<String>,
    pub schema_wait_env: Vec<String>,
    pub schema_wait_env_from: Vec<String>,
    pub etcd_members: usize,
    pub postgres_members: usize,
    pub redis_nodes: usize,
    pub sentinels: usize,
    pub master_set: String,
}

impl Rendered {
    pub fn file(&self, key: &str) -> &str {
        self.files
            .get(key)
            .unwrap_or_else(|| panic!("the rendered ConfigMaps have no key `{key}`"))
    }
}

/// Runs `dify-gen render -f profiles/ha.yaml --output-dir <tmp>` and reads
/// the data layer's objects back.
/// Runs `dify-gen render --strict -f <topology> --output-dir <out>` and
/// fails the test unless it succeeds.
pub fn render_into(topology: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_dify-gen"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["render", "--strict", "-f"])
        .arg(topology)
        .arg("--output-dir")
        .arg(out)
        .output()
        .expect("run dify-gen");
    assert!(
        status.status.success(),
        "dify-gen render failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

pub fn render_ha() -> Rendered {
    let out = tempfile::tempdir().expect("tempdir for the rendered tree");
    render_into(Path::new("profiles/ha.yaml"), out.path());
    let objects = read_objects(&out.path().join("kubernetes"));
    let find = |kind: &str, name: &str| -> &Value {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} `{name}` was rendered"))
    };
    let mut files = BTreeMap::new();
    for name in [
        "postgres-patroni",
        "postgres-check",
        "redis-config",
        "redis-proxy",
        "schema-wait",
    ] {
        let map = find("ConfigMap", &format!("{RELEASE}-{name}"));
        for (key, text) in map["data"].as_object().expect("ConfigMap data") {
            files.insert(key.clone(), text.as_str().expect("text").to_string());
        }
    }
    // Both SSRF proxies name their file `squid.conf`.
    for (name, key) in [
        ("ssrf-proxy", "squid.conf"),
        ("agent-ssrf-proxy", "agent-squid.conf"),
    ] {
        let map = find("ConfigMap", &format!("{RELEASE}-{name}"));
        let text = map["data"]["squid.conf"].as_str().expect("squid.conf");
        files.insert(key.to_string(), text.to_string());
    }
    let container = |name: &str| -> &Value {
        &find("StatefulSet", name)["spec"]["template"]["spec"]["containers"][0]
    };
    let replicas = |name: &str| -> usize {
        find("StatefulSet", name)["spec"]["replicas"]
            .as_u64()
            .expect("replicas") as usize
    };
    let env_names = |c: &Value| -> Vec<String> {
        c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|a| a.as_str().expect("a string").to_string())
            .collect()
    };
    let proxy = &find("Deployment", &format!("{RELEASE}-redis-proxy"))["spec"]["template"]["spec"]
        ["containers"][0];
    let api =
        &find("Deployment", &format!("{RELEASE}-api"))["spec"]["template"]["spec"]["containers"][0];
    let event_bus_url = api["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "EVENT_BUS_REDIS_URL")
        .and_then(|e| e["value"].as_str())
        .expect("the api pods get EVENT_BUS_REDIS_URL")
        .to_string();
    let wait = &find("Deployment", &format!("{RELEASE}-api"))["spec"]["template"]["spec"]
        ["initContainers"][0];
    assert_eq!(wait["name"], "wait-for-schema");
    let env_from = wait["envFrom"][0]["configMapRef"]["name"]
        .as_str()
        .expect("the schema wait loads a ConfigMap");
    let schema_wait_env_from = find("ConfigMap", env_from)["data"]
        .as_object()
        .expect("ConfigMap data")
        .keys()
        .cloned()
        .collect();
    let etcd = container(&format!("{RELEASE}-etcd"));
    let patroni = container(&format!("{RELEASE}-postgres"));
    let patroni_dir = patroni["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| m["name"] == "patroni")
        .and_then(|m| m["mountPath"].as_str())
        .expect("the Patroni ConfigMap mount")
        .to_string();
    let master_set = files["sentinel.conf"]
        .lines()
        .find_map(|line| line.strip_prefix("sentinel monitor "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a `sentinel monitor` line")
        .to_string();
    Rendered {
        etcd_args: strings(&etcd["args"]),
        patroni_dir,
        patroni_env: env_names(patroni),
        redis_env: env_names(container(&format!("{RELEASE}-redis"))),
        proxy_command: strings(&proxy["command"]),
        proxy_env: env_names(proxy),
        event_bus_url,
        schema_wait_command: strings(&wait["command"]),
        schema_wait_env: env_names(wait),
        schema_wait_env_from,
        redis_readiness: container(&format!("{RELEASE}-redis"))["readinessProbe"]["exec"]
            ["command"][2]
            .as_str()
            .expect("the Redis readiness command")
            .to_string(),
        etcd_members: replicas(&format!("{RELEASE}-etcd")),
        postgres_members: replicas(&format!("{RELEASE}-postgres")),
        redis_nodes: replicas(&format!("{RELEASE}-redis")),
        sentinels: replicas(&format!("{RELEASE}-sentinel")),
        master_set,
        files,
    }
}

/// Every object in the rendered tree, parsed with dify-gen's own YAML loader.
pub fn read_objects(dir: &Path) -> Vec<Value> {
    let mut sources = Sources::default();
    let mut objects = Vec::new();
    let mut paths: Vec<_> = fs::read_dir(dir)
        .expect("rendered kubernetes/ folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = load::read(path.to_str().expect("utf-8 path"), &mut sources)
            .unwrap_or_else(|d| panic!("read {}: {}", path.display(), d.message));
        let node = load::parse_one(&sources, file, "manifest")
            .unwrap_or_else(|_| panic!("{} is not one YAML document", path.display()));
        objects.push(node.to_json());
    }
    objects
}

/// What `dify-gen plan -f profiles/ha.yaml` promises for one data
/// service's failover.
pub struct PlannedFailover {
    /// The plan's worst case, summed from the rendered settings.
    pub worst_case: Duration,
    /// `failoverObjectiveSeconds` of the profile.
    pub objective_seconds: u64,
}

impl PlannedFailover {
    /// What a measured failover must stay within: the computed worst case
    /// (which the plan already holds to the objective).
    pub fn bound(&self) -> Duration {
        self.worst_case
            .min(Duration::from_secs(self.objective_seconds))
    }
}

/// The `ha` profile's planned failover of `service` (`postgres`, `redis`).
pub fn planned_failover(service: &str) -> PlannedFailover {
    let out = Command::new(env!("CARGO_BIN_EXE_dify-gen"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "-f", "profiles/ha.yaml", "-o", "json"])
        .output()
        .expect("run dify-gen plan");
    assert!(out.status.success(), "dify-gen plan failed");
    let report: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let f = report["failover"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["service"] == service)
        .unwrap_or_else(|| panic!("the plan has no {service} failover"));
    PlannedFailover {
        worst_case: Duration::from_millis(f["worstCaseMilliseconds"].as_u64().expect("worst case")),
        objective_seconds: f["objectiveSeconds"].as_u64().expect("objective"),
    }
}
