//! The data layer as rendered (etcd, Patroni, Redis/Sentinel): budgets that
//! keep quorums, wiring Dify reads, `external` modes. The quorum checks are
//! in `checks`; the programs themselves run in `realprograms`.

use crate::support::{parse_stream, run};
use serde_json::Value;

fn render(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    parse_stream(&r.stdout)
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn component(o: &Value) -> &str {
    o["metadata"]["labels"]["app.kubernetes.io/component"]
        .as_str()
        .unwrap_or("")
}

const EXTERNAL_POSTGRES: &[&str] = &[
    "--set",
    "postgres.mode=external",
    "--set",
    "postgres.patroni=null",
    "--set",
    "postgres.external={host: db.example.com, port: 5432, sslMode: require, maxConnections: 1000}",
    // pgBackRest backs up only a cluster of the release's own (T212).
    "--set",
    "backup=null",
];

#[test]
fn ha_renders_the_whole_data_layer_with_quorum_keeping_budgets() {
    let objects = render(&["-f", "profiles/ha.yaml"]);
    for (kind, name) in [
        ("StatefulSet", "dify-etcd"),
        ("StatefulSet", "dify-postgres"),
        ("StatefulSet", "dify-redis"),
        ("StatefulSet", "dify-sentinel"),
        ("Service", "dify-etcd-headless"),
        ("Service", "dify-postgres-headless"),
        ("Service", "dify-postgres"),
        ("Service", "dify-postgres-replicas"),
        ("Service", "dify-redis-headless"),
        ("Service", "dify-sentinel-headless"),
        ("ConfigMap", "dify-postgres-patroni"),
        ("ConfigMap", "dify-redis-config"),
        ("Role", "dify-postgres"),
        ("RoleBinding", "dify-postgres"),
    ] {
        assert!(
            find(&objects, kind, name).is_some(),
            "{kind}/{name} missing"
        );
    }
    // The replication check's Job is named after a hash of its pod
    // template (immutable in a Job): another Dify version, another Job.
    let check_job = |objects: &[Value]| -> String {
        let names: Vec<String> = objects
            .iter()
            .filter(|o| o["kind"] == "Job")
            .filter_map(|o| o["metadata"]["name"].as_str())
            .filter(|n| n.starts_with("dify-postgres-check-"))
            .map(str::to_string)
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        names[0].clone()
    };
    let job = check_job(&objects);
    assert_eq!(job.len(), "dify-postgres-check-".len() + 8, "{job}");
    assert_eq!(check_job(&render(&["-f", "profiles/ha.yaml"])), job);
    let other = render(&["-f", "profiles/ha.yaml", "--set", "dify.version=1.13.3"]);
    assert_ne!(check_job(&other), job);
    let replicas =
        |name: &str| find(&objects, "StatefulSet", name).unwrap()["spec"]["replicas"].clone();
    assert_eq!(replicas("dify-etcd"), 3);
    assert_eq!(replicas("dify-postgres"), 3);
    assert_eq!(replicas("dify-redis"), 3);
    assert_eq!(replicas("dify-sentinel"), 3);
    for name in ["dify-etcd", "dify-postgres", "dify-redis", "dify-sentinel"] {
        let pdb =
            find(&objects, "PodDisruptionBudget", name).unwrap_or_else(|| panic!("PDB {name}"));
        assert_eq!(pdb["spec"]["maxUnavailable"], 1, "{name}");
        assert!(pdb["spec"]["minAvailable"].is_null());
        let set = find(&objects, "StatefulSet", name).unwrap();
        assert_eq!(pdb["spec"]["selector"], set["spec"]["selector"], "{name}");
        let pod = &set["spec"]["template"]["spec"];
        assert_eq!(
            pod["topologySpreadConstraints"][0]["topologyKey"],
            "topology.kubernetes.io/zone"
        );
        assert_eq!(
            pod["topologySpreadConstraints"][0]["whenUnsatisfiable"],
            "DoNotSchedule"
        );
        assert_eq!(
            pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
                ["topologyKey"],
            "kubernetes.io/hostname"
        );
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(
            pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
            false
        );
    }
    // Only Patroni's pods get a token, and its Role reaches only its pods.
    for set in objects.iter().filter(|o| o["kind"] == "StatefulSet") {
        let automount = &set["spec"]["template"]["spec"]["automountServiceAccountToken"];
        assert_eq!(
            *automount,
            component(set) == "postgres",
            "{}",
            set["metadata"]["name"]
        );
    }
    let role = find(&objects, "Role", "dify-postgres").unwrap();
    assert_eq!(role["rules"][0]["resources"], serde_json::json!(["pods"]));
    assert_eq!(
        role["rules"][0]["resourceNames"],
        serde_json::json!(["dify-postgres-0", "dify-postgres-1", "dify-postgres-2"])
    );
}

#[test]
fn the_leader_service_follows_the_label_the_callback_sets() {
    let objects = render(&["-f", "profiles/ha.yaml"]);
    let leader = find(&objects, "Service", "dify-postgres").unwrap();
    let replicas = find(&objects, "Service", "dify-postgres-replicas").unwrap();
    assert_eq!(
        leader["spec"]["selector"]["dify-gen.io/postgres-role"],
        "primary"
    );
    assert_eq!(
        replicas["spec"]["selector"]["dify-gen.io/postgres-role"],
        "replica"
    );
    let patroni = &find(&objects, "ConfigMap", "dify-postgres-patroni").unwrap()["data"];
    let callback = patroni["role-label.py"].as_str().unwrap();
    assert!(callback.contains("LABEL = \"dify-gen.io/postgres-role\""));
    let config = patroni["patroni.yml"].as_str().unwrap();
    assert!(config.contains("on_role_change: /etc/dify-gen/patroni/role-label.py"));
    assert!(config.contains("synchronous_mode: quorum"));
    assert!(config.contains("synchronous_node_count: 1"));
    assert!(config.contains("    max_connections: '800'"), "{config}");
    // Dify talks to the leader Service.
    let backend = &find(&objects, "ConfigMap", "dify-backend").unwrap()["data"];
    assert_eq!(backend["DB_HOST"], "dify-postgres");
    assert_eq!(backend["REDIS_USE_SENTINEL"], "true");
    assert_eq!(backend["REDIS_SENTINEL_SERVICE_NAME"], "dify-master");
    assert_eq!(
        backend["REDIS_SENTINELS"],
        "dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379,\
         dify-sentinel-1.dify-sentinel-headless.dify.svc.cluster.local:26379,\
         dify-sentinel-2.dify-sentinel-headless.dify.svc.cluster.local:26379"
    );
    assert_eq!(backend["CELERY_USE_SENTINEL"], "true");
    assert_eq!(backend["CELERY_SENTINEL_MASTER_NAME"], "dify-master");
    // The Sentinels the scripts ask are the ones Dify asks.
    let redis = &find(&objects, "ConfigMap", "dify-redis-config").unwrap()["data"];
    for sentinel in backend["REDIS_SENTINELS"].as_str().unwrap().split(',') {
        assert!(
            redis["start-redis.sh"].as_str().unwrap().contains(sentinel),
            "{sentinel}"
        );
    }
    assert!(redis["sentinel.conf"]
        .as_str()
        .unwrap()
        .contains("sentinel monitor dify-master "));
}

#[test]
fn no_password_is_written_into_the_data_layer_config() {
    let objects = render(&["-f", "profiles/ha.yaml"]);
    for map in objects.iter().filter(|o| o["kind"] == "ConfigMap") {
        for (key, text) in map["data"].as_object().into_iter().flatten() {
            let text = text.as_str().unwrap_or("");
            for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                let lower = line.to_ascii_lowercase();
                if lower.contains("requirepass")
                    || lower.contains("masterauth")
                    || lower.contains("auth-pass")
                {
                    assert!(line.contains("$REDIS_PASSWORD"), "{key}: {line}");
                }
                assert!(
                    !lower.trim_start().starts_with("password:"),
                    "{key}: {line}"
                );
            }
        }
    }
}

#[test]
fn dev_runs_single_instances_without_budgets_that_block_drains() {
    let objects = render(&["-f", "profiles/dev.yaml"]);
    for name in ["dify-etcd", "dify-postgres", "dify-redis", "dify-sentinel"] {
        assert_eq!(
            find(&objects, "StatefulSet", name).unwrap()["spec"]["replicas"],
            1
        );
        assert!(
            find(&objects, "PodDisruptionBudget", name).is_none(),
            "{name}"
        );
    }
    let patroni = &find(&objects, "ConfigMap", "dify-postgres-patroni").unwrap()["data"];
    assert!(patroni["patroni.yml"]
        .as_str()
        .unwrap()
        .contains("synchronous_mode: false"));
    let check = &find(&objects, "ConfigMap", "dify-postgres-check").unwrap()["data"];
    assert!(check["replication-check.sh"]
        .as_str()
        .unwrap()
        .contains("EXPECTED_STANDBYS:-0}"));
}

#[test]
fn external_postgres_with_sentinel_redis_renders_only_the_wiring_for_postgres() {
    let mut args = vec!["-f", "profiles/ha.yaml"];
    args.extend_from_slice(EXTERNAL_POSTGRES);
    let objects = render(&args);
    for o in &objects {
        assert!(
            !matches!(component(o), "postgres" | "postgres-check" | "etcd"),
            "{} {} rendered for an external PostgreSQL",
            o["kind"],
            o["metadata"]["name"]
        );
    }
    assert!(find(&objects, "StatefulSet", "dify-redis").is_some());
    assert!(find(&objects, "StatefulSet", "dify-sentinel").is_some());
    let backend = &find(&objects, "ConfigMap", "dify-backend").unwrap()["data"];
    assert_eq!(backend["DB_HOST"], "db.example.com");
    assert_eq!(backend["REDIS_USE_SENTINEL"], "true");
}

/// The `ha` profile with `redis.external` set to `external` (YAML).
fn with_external_redis(external: &str) -> Vec<Value> {
    let external = format!("redis.external={external}");
    render(&[
        "-f",
        "profiles/ha.yaml",
        "--set",
        "redis.mode=external",
        "--set",
        "redis.sentinel=null",
        "--set",
        &external,
    ])
}

#[test]
fn external_redis_renders_no_redis_objects() {
    let objects = with_external_redis("{host: redis.example.com, port: 6379, useSsl: true}");
    assert!(objects
        .iter()
        .all(|o| !matches!(component(o), "redis" | "sentinel")));
    assert!(find(&objects, "StatefulSet", "dify-postgres").is_some());
    let backend = &find(&objects, "ConfigMap", "dify-backend").unwrap()["data"];
    assert_eq!(backend["REDIS_HOST"], "redis.example.com");
}

fn env_value(o: &Value, name: &str) -> Option<String> {
    o["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str().map(str::to_string))
}

#[test]
fn the_event_bus_reaches_the_master_through_the_proxy_never_localhost() {
    let objects = render(&["-f", "profiles/ha.yaml"]);
    // Every backend pod builds its event bus from this URL; without it Dify
    // would build one from REDIS_HOST, which Sentinel mode leaves unset.
    for name in ["dify-api", "dify-worker", "dify-beat"] {
        let d = find(&objects, "Deployment", name).unwrap();
        assert_eq!(
            env_value(d, "EVENT_BUS_REDIS_URL").as_deref(),
            Some("redis://:$(REDIS_PASSWORD)@dify-redis-proxy:6379/0"),
            "{name}"
        );
    }
    let backend = &find(&objects, "ConfigMap", "dify-backend").unwrap()["data"];
    assert!(backend.get("EVENT_BUS_REDIS_URL").is_none());
    assert!(backend.get("REDIS_HOST").is_none());
    // The Service selects the proxy's pods, which check every data node.
    let svc = find(&objects, "Service", "dify-redis-proxy").unwrap();
    assert_eq!(
        svc["spec"]["selector"]["app.kubernetes.io/component"],
        "redis-proxy"
    );
    let proxy = find(&objects, "Deployment", "dify-redis-proxy").unwrap();
    assert_eq!(proxy["spec"]["replicas"], 2);
    let cfg = find(&objects, "ConfigMap", "dify-redis-proxy").unwrap()["data"]["haproxy.cfg"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..3 {
        assert!(cfg.contains(&format!(
            "server redis-{i} dify-redis-{i}.dify-redis-headless.dify.svc.cluster.local:6379"
        )));
    }
    assert!(cfg.contains("expect string role:master"));
    assert!(find(&objects, "PodDisruptionBudget", "dify-redis-proxy").is_some());
}

#[test]
fn external_sentinels_send_the_event_bus_to_the_master_endpoint() {
    let objects = with_external_redis(
        "{host: unused, port: 6379, useSsl: true, sentinels: [\"s0.example.com:26379\"], masterSet: m, masterEndpoint: {host: primary.example.com, port: 6380}}",
    );
    assert!(objects.iter().all(|o| component(o) != "redis-proxy"));
    let api = find(&objects, "Deployment", "dify-api").unwrap();
    assert_eq!(
        env_value(api, "EVENT_BUS_REDIS_URL").as_deref(),
        Some("rediss://:$(REDIS_PASSWORD)@primary.example.com:6380/0")
    );
}
