//! PostgreSQL as a Patroni cluster on etcd (`postgres.mode: patroni`).
//!
//! One complete `patroni.yml` in a ConfigMap serves every member; per-pod
//! values (name, connect addresses, passwords) come from Patroni's
//! environment variables. With the etcd DCS Patroni never touches pods, so a
//! callback (`role-label.py`) labels each pod with its role, and the leader
//! Service (`DB_HOST`) and the replicas Service select on that label. The
//! replication check runs as a Job against the leader Service.
//!
//! With `mode: external` nothing is rendered here: the plan already points
//! `DB_HOST` at the managed service.

use super::etcd;
use super::labels::{labels, meta, selector_labels};
use super::pods::{pull_secrets, resources};
use super::stateful::{
    budget, config_volume, container_port, container_security, data_claim, empty_dir, field_env,
    headless_service, http_probe, pod_security, service_port, stateful_set as stateful_set_of,
    Members,
};
use super::{config_hash, ToValue};
use crate::dify::{data_layer, ports};
use crate::plan::graph;
use crate::plan::Plan;
use crate::render::backup::pgbackrest::{self, PatroniArchive};
use crate::render::kubernetes::config::{plain, secret_var};
use crate::render::templates;
use crate::topology::{Backup, Patroni, PostgresMode, SyncMode};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EmptyDirVolumeSource, PodSpec, PodTemplateSpec, Probe,
    SecretVolumeSource, Service, ServiceAccount, ServiceSpec, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const COMPONENT: &str = data_layer::POSTGRES;
pub const CHECK_COMPONENT: &str = data_layer::POSTGRES_CHECK;
const PORT: u16 = ports::POSTGRES;
const API_PORT: u16 = ports::PATRONI;
/// The pod label `role-label.py` keeps at the member's Patroni role.
pub const ROLE_LABEL: &str = "dify-gen.io/postgres-role";
/// Where the Patroni ConfigMap is mounted; `patroni.yml` names its scripts here.
pub const SCRIPTS_DIR: &str = "/etc/dify-gen/patroni";
const CHECK_DIR: &str = "/etc/dify-gen/postgres-check";
/// `postgres` in the pgEdge images.
const UID: i64 = 26;
/// The data volume's mount; the data directory and pgBackRest's spool are in it.
pub const DATA_DIR_ROOT: &str = "/var/lib/pgsql";
/// PostgreSQL's socket directory (an emptyDir the members' containers share).
pub const SOCKET_DIR: &str = "/run/postgresql";
pub use crate::postgres::patroni::{REPLICATION_USER, SUPERUSER};

/// Values `templates/patroni/*.j2` read.
#[derive(Serialize)]
pub struct PatroniContext {
    pub scope: String,
    pub dcs_namespace: &'static str,
    pub restapi_port: u16,
    pub postgres_port: u16,
    pub etcd_hosts: Vec<String>,
    pub ttl: u32,
    pub loop_wait: u32,
    pub retry_timeout: u32,
    pub maximum_lag_on_failover: u64,
    /// `off`, `on` or `quorum` (Patroni's words).
    pub synchronous_mode: &'static str,
    pub synchronous_node_count: u32,
    pub synchronous_mode_strict: bool,
    pub parameters: BTreeMap<String, String>,
    pub scripts_dir: &'static str,
    pub data_dir: String,
    pub bin_dir: String,
    pub pgpass: &'static str,
    pub superuser: &'static str,
    pub replication_user: &'static str,
    pub app_user: String,
    pub app_databases: Vec<String>,
    /// Databases that get the `vector` extension at bootstrap (pgvector
    /// on this cluster).
    pub vector_databases: Vec<String>,
    pub role_label: &'static str,
    /// Archiving and replicas from the repository, when backups are on.
    pub archive: Option<PatroniArchive>,
}

/// Values `templates/postgres/replication-check.*.j2` read.
#[derive(Serialize)]
pub struct CheckContext {
    pub expected_standbys: u32,
    pub required_synchronous: u32,
    pub synchronous_mode: &'static str,
    pub attempts: u32,
    pub interval_seconds: u32,
}

/// The data directory in the pgEdge image (`/var/lib/pgsql/17/data`).
pub fn data_dir(plan: &Plan) -> String {
    let major = plan.t.images.postgres_major();
    format!("{DATA_DIR_ROOT}/{major}/data")
}

/// PostgreSQL's programs in the pgEdge image (`/usr/pgsql-17/bin`).
pub fn bin_dir(plan: &Plan) -> String {
    format!("/usr/pgsql-{}/bin", plan.t.images.postgres_major())
}

/// The `backup` section, when the backup layer is rendered.
fn backup<'a>(plan: &Plan<'a>) -> Option<&'a Backup> {
    graph::backups(plan.t)
        .then_some(plan.t.backup.as_ref())
        .flatten()
}

pub fn patroni_context(plan: &Plan, p: &Patroni) -> PatroniContext {
    let mut parameters: BTreeMap<String, String> = p
        .parameters
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), crate::postgres::parameter_text(v)?)))
        .collect();
    parameters
        .entry("password_encryption".into())
        .or_insert_with(|| "scram-sha-256".into());
    // Commits wait for the synchronous standbys to flush (`on` is also
    // PostgreSQL's default); stated so that no parameter layer lowers it.
    parameters
        .entry("synchronous_commit".into())
        .or_insert_with(|| "on".into());
    PatroniContext {
        scope: plan.member_set(COMPONENT),
        dcs_namespace: "/dify-gen/",
        restapi_port: API_PORT,
        postgres_port: PORT,
        etcd_hosts: etcd::client_hosts(plan),
        ttl: p.ttl_seconds,
        loop_wait: p.loop_wait_seconds,
        retry_timeout: p.retry_timeout_seconds,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: match p.synchronous.mode {
            SyncMode::Off => "off",
            SyncMode::Sync => "on",
            SyncMode::Quorum => "quorum",
        },
        synchronous_node_count: p.synchronous.standbys.max(1),
        synchronous_mode_strict: false,
        parameters,
        scripts_dir: SCRIPTS_DIR,
        data_dir: data_dir(plan),
        bin_dir: bin_dir(plan),
        pgpass: "/tmp/pgpass",
        superuser: SUPERUSER,
        replication_user: REPLICATION_USER,
        app_user: plan.t.postgres.username.clone(),
        app_databases: {
            let mut dbs = vec![
                plan.t.postgres.database.clone(),
                plan.t.postgres.plugin_database.clone(),
            ];
            for d in vector_databases(plan) {
                if !dbs.contains(&d) {
                    dbs.push(d);
                }
            }
            dbs
        },
        vector_databases: vector_databases(plan),
        role_label: ROLE_LABEL,
        archive: backup(plan).map(|b| pgbackrest::patroni_archive(plan, b)),
    }
}

pub fn check_context(p: &Patroni) -> CheckContext {
    let sync = p.synchronous.mode != SyncMode::Off;
    CheckContext {
        expected_standbys: p.members - 1,
        required_synchronous: if sync { p.synchronous.standbys } else { 0 },
        synchronous_mode: match p.synchronous.mode {
            SyncMode::Off => "off",
            SyncMode::Sync => "sync",
            SyncMode::Quorum => "quorum",
        },
        attempts: 60,
        interval_seconds: 5,
    }
}

/// The PostgreSQL major version of an image tag (`17` of `17.6-spock5...`).
pub fn objects(plan: &Plan) -> Vec<Value> {
    let (PostgresMode::Patroni, Some(p)) = (plan.t.postgres.mode, &plan.t.postgres.patroni) else {
        return Vec::new();
    };
    let name = plan.member_set(COMPONENT);
    let patroni_config = config_map(plan, p);
    let hash = config_hash(&patroni_config.data);
    let mut out = vec![
        service_account(plan, name.clone(), COMPONENT, true).value(),
        role(plan).value(),
        role_binding(plan).value(),
        patroni_config.value(),
        check_config_map(plan, p).value(),
        headless_service(
            plan,
            format!("{name}-headless"),
            COMPONENT,
            &[
                ("postgresql", PORT),
                ("patroni", API_PORT),
                ("pgbackrest", ports::PGBACKREST),
            ][..if backup(plan).is_some() { 3 } else { 2 }],
        )
        .value(),
        role_service(plan, name.clone(), "primary").value(),
        role_service(plan, format!("{name}-replicas"), "replica").value(),
        stateful_set(plan, p, &hash).value(),
        service_account(plan, plan.name(CHECK_COMPONENT), CHECK_COMPONENT, false).value(),
        check_job(plan, p).value(),
    ];
    // Patroni has no quorum of its own (etcd does): one member may go as
    // long as another remains to take over.
    if let Some(pdb) = budget(plan, name, COMPONENT) {
        out.push(pdb.value());
    }
    out
}

fn service_account(plan: &Plan, name: String, component: &str, token: bool) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(plan, name, component),
        automount_service_account_token: Some(token),
        ..Default::default()
    }
}

/// `role-label.py` reads and patches its own pod, and only the members' pods.
fn role(plan: &Plan) -> Role {
    let members = plan.t.postgres.patroni.as_ref().map_or(0, |p| p.members);
    Role {
        metadata: meta(plan, plan.member_set(COMPONENT), COMPONENT),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["pods".into()]),
            resource_names: Some(
                (0..members)
                    .map(|i| format!("{}-{i}", plan.member_set(COMPONENT)))
                    .collect(),
            ),
            verbs: vec!["get".into(), "patch".into()],
            ..Default::default()
        }]),
    }
}

fn role_binding(plan: &Plan) -> RoleBinding {
    RoleBinding {
        metadata: meta(plan, plan.member_set(COMPONENT), COMPONENT),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: plan.member_set(COMPONENT),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: plan.member_set(COMPONENT),
            namespace: Some(plan.namespace.to_string()),
            ..Default::default()
        }]),
    }
}

/// The database pgvector keeps Dify's collections in, when the vector
/// store is this cluster.
fn vector_databases(plan: &Plan) -> Vec<String> {
    let vs = &plan.t.vector_store;
    vs.database
        .iter()
        .filter(|_| vs.on_patroni())
        .cloned()
        .collect()
}

pub fn config_map_name(plan: &Plan) -> String {
    plan.name("postgres-patroni")
}

fn config_map(plan: &Plan, p: &Patroni) -> ConfigMap {
    let ctx = serde_json::json!({ "patroni": patroni_context(plan, p) });
    let mut map = ConfigMap {
        metadata: meta(plan, config_map_name(plan), COMPONENT),
        data: Some(BTreeMap::from([
            (
                "patroni.yml".to_string(),
                templates::render("patroni/patroni.yml.j2", &ctx),
            ),
            (
                "post-bootstrap.sh".to_string(),
                templates::render("patroni/post-bootstrap.sh.j2", &ctx),
            ),
            (
                "role-label.py".to_string(),
                templates::render("patroni/role-label.py.j2", &ctx),
            ),
        ])),
        ..Default::default()
    };
    if let (Some(b), Some(data)) = (backup(plan), map.data.as_mut()) {
        data.insert(
            pgbackrest::SERVER_CONFIG_KEY.into(),
            pgbackrest::config(plan, b, pgbackrest::Side::Server),
        );
    }
    map
}

fn check_config_map(plan: &Plan, p: &Patroni) -> ConfigMap {
    let ctx = serde_json::json!({ "check": check_context(p) });
    ConfigMap {
        metadata: meta(plan, plan.name(CHECK_COMPONENT), CHECK_COMPONENT),
        data: Some(BTreeMap::from([
            (
                "replication-check.sh".to_string(),
                templates::render("postgres/replication-check.sh.j2", &ctx),
            ),
            (
                "replication-check.sql".to_string(),
                templates::render("postgres/replication-check.sql.j2", &ctx),
            ),
        ])),
        ..Default::default()
    }
}

/// The leader (`primary`) or replicas Service: selects the members whose
/// role label the callback set.
fn role_service(plan: &Plan, name: String, role: &str) -> Service {
    let mut select = selector_labels(plan, COMPONENT);
    select.insert(ROLE_LABEL.into(), role.into());
    Service {
        metadata: meta(plan, name, COMPONENT),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(select),
            ports: Some(vec![service_port("postgresql", PORT)]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn stateful_set(plan: &Plan, p: &Patroni, config_hash: &str) -> StatefulSet {
    let t = plan.t;
    let mut env = vec![
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        field_env("POD_IP", "status.podIP"),
        plain("PATRONI_NAME", "$(POD_NAME)"),
        plain(
            "PATRONI_RESTAPI_CONNECT_ADDRESS",
            format!("$(POD_IP):{API_PORT}"),
        ),
        plain(
            "PATRONI_POSTGRESQL_CONNECT_ADDRESS",
            format!("$(POD_IP):{PORT}"),
        ),
        secret_var("PATRONI_SUPERUSER_PASSWORD", &p.superuser_password),
        secret_var("PATRONI_REPLICATION_PASSWORD", &p.replication_password),
        secret_var("DIFY_DB_PASSWORD", &t.postgres.password),
    ];
    // archive_command and restore_command run pgBackRest in this container
    // (Patroni passes its environment on to PostgreSQL).
    if let Some(b) = backup(plan) {
        env.extend(pgbackrest::env(b, &pgbackrest::server_config_path()));
    }
    let mount = |name: &str, path: &str| VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..Default::default()
    };
    let container = Container {
        name: COMPONENT.into(),
        image: Some(plan.pull(&t.images.postgres)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec![
            "/usr/local/bin/patroni".into(),
            format!("{SCRIPTS_DIR}/patroni.yml"),
        ]),
        env: Some(env),
        ports: Some(vec![
            container_port("postgresql", PORT),
            container_port("patroni", API_PORT),
        ]),
        resources: Some(resources(&p.resources)),
        // Patroni's documented probes: ready when leader or a streaming
        // replica within the lag limit; alive while its loop runs.
        readiness_probe: Some(http_probe("/readiness", "patroni", 10, 5, 3)),
        liveness_probe: Some(http_probe("/liveness", "patroni", 10, 5, 3)),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            mount("data", DATA_DIR_ROOT),
            VolumeMount {
                read_only: Some(true),
                ..mount("patroni", SCRIPTS_DIR)
            },
            mount("tmp", "/tmp"),
            mount("run", SOCKET_DIR),
            mount("shm", "/dev/shm"),
        ]),
        ..Default::default()
    };
    let mut set = stateful_set_of(
        plan,
        Members {
            component: COMPONENT,
            replicas: p.members,
            uid: UID,
            container,
            volumes: vec![
                config_volume("patroni", config_map_name(plan), 0o555),
                empty_dir("tmp"),
                empty_dir("run"),
                Volume {
                    name: "shm".into(),
                    empty_dir: Some(EmptyDirVolumeSource {
                        medium: Some("Memory".into()),
                        size_limit: Some(Quantity("256Mi".into())),
                    }),
                    ..Default::default()
                },
            ],
            claim: Some(data_claim(
                p.storage.size.as_str(),
                p.storage.class_name.as_ref(),
            )),
            config_hash: Some(config_hash.to_string()),
            service_account: Some(plan.member_set(COMPONENT)),
            // Patroni stops PostgreSQL (fast) and hands the lock over.
            grace_seconds: 60,
        },
    );
    if let (Some(b), Some(pod)) = (
        backup(plan),
        set.spec.as_mut().and_then(|s| s.template.spec.as_mut()),
    ) {
        pod.containers.push(pgbackrest_server(plan, b));
        pod.volumes.get_or_insert_with(Vec::new).push(Volume {
            name: "pgbackrest-tls".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(b.tls.server_secret.clone()),
                // pgBackRest accepts a root-owned key readable by the group.
                default_mode: Some(0o440),
                ..Default::default()
            }),
            ..Default::default()
        });
        // GCS repositories' keys, read by archive-push and the server alike.
        for (volume, key_mount) in pgbackrest::key_volumes(b) {
            pod.volumes.get_or_insert_with(Vec::new).push(volume);
            for c in &mut pod.containers {
                c.volume_mounts
                    .get_or_insert_with(Vec::new)
                    .push(key_mount.clone());
            }
        }
    }
    set
}

/// `pgbackrest server` beside PostgreSQL: the backup Jobs reach it over TLS
/// (port 8432) and it reads the data directory and the database for them.
fn pgbackrest_server(plan: &Plan, b: &Backup) -> Container {
    let mount = |name: &str, path: &str, read_only: bool| VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..Default::default()
    };
    let probe = || Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String("pgbackrest".into()),
            ..Default::default()
        }),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Default::default()
    };
    Container {
        name: "pgbackrest".into(),
        image: Some(plan.pull(&plan.t.images.postgres)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["pgbackrest".into(), "server".into()]),
        env: Some(pgbackrest::env(b, &pgbackrest::server_config_path())),
        ports: Some(vec![container_port("pgbackrest", ports::PGBACKREST)]),
        resources: Some(resources(&b.server_resources)),
        readiness_probe: Some(probe()),
        liveness_probe: Some(probe()),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            mount("data", DATA_DIR_ROOT, false),
            mount("patroni", SCRIPTS_DIR, true),
            mount("pgbackrest-tls", pgbackrest::SERVER_TLS_DIR, true),
            mount("tmp", "/tmp", false),
            mount("run", SOCKET_DIR, false),
        ]),
        ..Default::default()
    }
}

/// Connects to the leader Service and passes only when the configured
/// standbys stream (and enough of them are synchronous or in the quorum).
fn check_job(plan: &Plan, p: &Patroni) -> Job {
    let name = plan.name(CHECK_COMPONENT);
    let container = Container {
        name: CHECK_COMPONENT.into(),
        image: Some(plan.pull(&plan.t.images.postgres)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec![
            "sh".into(),
            format!("{CHECK_DIR}/replication-check.sh"),
        ]),
        env: Some(vec![
            plain("PGHOST", plan.member_set(COMPONENT)),
            plain("PGPORT", PORT.to_string()),
            plain("PGUSER", SUPERUSER),
            plain("PGDATABASE", "postgres"),
            secret_var("PGPASSWORD", &p.superuser_password),
        ]),
        resources: Some(k8s_openapi::api::core::v1::ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_string(), Quantity("50m".into())),
                ("memory".to_string(), Quantity("64Mi".into())),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".to_string(), Quantity("200m".into())),
                ("memory".to_string(), Quantity("128Mi".into())),
            ])),
            ..Default::default()
        }),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![VolumeMount {
            name: "check".into(),
            mount_path: CHECK_DIR.into(),
            read_only: Some(true),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(plan, CHECK_COMPONENT)),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            image_pull_secrets: pull_secrets(plan, None),
            service_account_name: Some(name.clone()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            restart_policy: Some("Never".into()),
            security_context: Some(pod_security(UID)),
            containers: vec![container],
            volumes: Some(vec![config_volume("check", name, 0o555)]),
            ..Default::default()
        }),
    };
    // A Job's pod template is immutable: `kubectl apply` refuses a changed
    // one on the Job it finds (a Dify upgrade changes the version label, a
    // new image the container). The name carries a hash of the template,
    // so a change is a new Job and an unchanged render the same one
    // (`dify-gen diff` D005).
    let job_name = crate::names::derived::object(
        "Job",
        plan.release,
        &[CHECK_COMPONENT, &config_hash(&template)[..8]],
    );
    Job {
        metadata: meta(plan, job_name, CHECK_COMPONENT),
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            active_deadline_seconds: Some(900),
            template,
            ..Default::default()
        }),
        ..Default::default()
    }
}
