//! The files the real programs run: produced by dify-gen and read back out of
//! what it rendered, never hand copies.

use std::collections::BTreeMap;

/// Release name and namespace of `profiles/ha.yaml`.
pub const RELEASE: &str = "dify";
pub const NAMESPACE: &str = "dify";

/// Where the pods mount the Patroni scripts ConfigMap; the tests put the same
/// files in a local directory and adapt this path (a directory) only.
pub const PATRONI_SCRIPTS_DIR: &str = "/etc/dify-gen/patroni";

/// What the tests take from the rendered output.
pub struct Rendered {
    /// ConfigMap files by key: `patroni.yml`, `post-bootstrap.sh`,
    /// `role-label.py`, `replication-check.sh`, `replication-check.sql`,
    /// `redis.conf`, `sentinel.conf`, `start-redis.sh`, `start-sentinel.sh`.
    pub files: BTreeMap<String, String>,
    /// The etcd container's arguments, with `$(POD_NAME)` unexpanded.
    pub etcd_args: Vec<String>,
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

pub fn render_ha() -> Rendered {
    from_templates()
}

/// Renders the data-layer templates with the values of the `ha` profile.
fn from_templates() -> Rendered {
    let mut env = minijinja::Environment::new();
    env.set_loader(minijinja::path_loader(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let domain = |service: &str| format!("{RELEASE}-{service}-headless.{NAMESPACE}.svc.cluster.local");
    let etcd_members = 3;
    let sentinels = 3;
    let patroni = serde_json::json!({
        "scope": format!("{RELEASE}-postgres"),
        "dcs_namespace": "/dify-gen/",
        "restapi_port": 8008,
        "postgres_port": 5432,
        "etcd_hosts": (0..etcd_members).map(|i| format!("{RELEASE}-etcd-{i}.{}:2379", domain("etcd"))).collect::<Vec<_>>(),
        "ttl": 30, "loop_wait": 10, "retry_timeout": 10,
        "maximum_lag_on_failover": 1_048_576,
        "synchronous_mode": "quorum",
        "synchronous_node_count": 1,
        "synchronous_mode_strict": false,
        "parameters": {"max_connections": "300", "password_encryption": "scram-sha-256", "synchronous_commit": "on"},
        "scripts_dir": PATRONI_SCRIPTS_DIR,
        "data_dir": "/var/lib/pgsql/17/data",
        "bin_dir": "/usr/pgsql-17/bin",
        "pgpass": "/tmp/pgpass",
        "superuser": "postgres",
        "replication_user": "replicator",
        "app_user": "dify",
        "app_databases": ["dify", "dify_plugin"],
        "role_label": "dify-gen.io/postgres-role",
    });
    let check = serde_json::json!({
        "expected_standbys": 2, "required_synchronous": 1, "synchronous_mode": "quorum",
        "attempts": 30, "interval_seconds": 2,
    });
    let redis = serde_json::json!({
        "port": 6379, "sentinel_port": 26379, "replicas": 2, "sentinels": sentinels,
        "master_set": "dify-master", "quorum": 2,
        "down_after_milliseconds": 5000, "failover_timeout_milliseconds": 60000,
        "min_replicas_to_write": 1, "lookup_rounds": 3,
        "bootstrap_master_host": format!("{RELEASE}-redis-0.{}", domain("redis")),
        "redis_domain": domain("redis"),
        "sentinel_domain": domain("sentinel"),
        "sentinel_addresses": (0..sentinels).map(|i| format!("{RELEASE}-sentinel-{i}.{}:26379", domain("sentinel"))).collect::<Vec<_>>(),
    });
    let context = serde_json::json!({"patroni": patroni, "check": check, "redis": redis});
    let mut files = BTreeMap::new();
    for (key, template) in [
        ("patroni.yml", "patroni/patroni.yml.j2"),
        ("post-bootstrap.sh", "patroni/post-bootstrap.sh.j2"),
        ("role-label.py", "patroni/role-label.py.j2"),
        ("replication-check.sh", "postgres/replication-check.sh.j2"),
        ("replication-check.sql", "postgres/replication-check.sql.j2"),
        ("redis.conf", "redis/redis.conf.j2"),
        ("sentinel.conf", "redis/sentinel.conf.j2"),
        ("start-redis.sh", "redis/start-redis.sh.j2"),
        ("start-sentinel.sh", "redis/start-sentinel.sh.j2"),
    ] {
        let text = env
            .get_template(template)
            .and_then(|t| t.render(&context))
            .unwrap_or_else(|error| panic!("render {template}: {error:#}"));
        files.insert(key.to_string(), text);
    }
    let peer = |i: usize| format!("{RELEASE}-etcd-{i}=http://{RELEASE}-etcd-{i}.{}:2380", domain("etcd"));
    let etcd_args = vec![
        "--name=$(POD_NAME)".to_string(),
        "--data-dir=/var/run/etcd/default.etcd".to_string(),
        "--listen-peer-urls=http://0.0.0.0:2380".to_string(),
        "--listen-client-urls=http://0.0.0.0:2379".to_string(),
        format!("--advertise-client-urls=http://$(POD_NAME).{}:2379", domain("etcd")),
        format!("--initial-advertise-peer-urls=http://$(POD_NAME).{}:2380", domain("etcd")),
        format!("--initial-cluster={}", (0..etcd_members).map(peer).collect::<Vec<_>>().join(",")),
        "--initial-cluster-state=new".to_string(),
        format!("--initial-cluster-token={RELEASE}-etcd-{NAMESPACE}"),
        "--listen-metrics-urls=http://0.0.0.0:8080".to_string(),
    ];
    Rendered {
        files,
        etcd_args,
        etcd_members,
        postgres_members: 3,
        redis_nodes: 3,
        sentinels,
        master_set: "dify-master".into(),
    }
}
