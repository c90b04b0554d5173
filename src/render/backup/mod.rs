//! The backup family, from `backup`: the CronJobs that take full and
//! incremental pgBackRest backups of the Patroni cluster into every
//! repository, copy Dify's buckets into them, and run the restore drill;
//! their ConfigMap (pgBackRest and rclone configuration, the scripts); and
//! the restore runbook for this release (`backup/restore-runbook.md`). The
//! alerts for stale, failed and missed backups and failed drills are a rule
//! group of the monitoring output (`plan::monitoring::rules::backup`).
//!
//! The members' side (archive settings in `patroni.yml`, `pgbackrest
//! server` beside PostgreSQL) is rendered with the Patroni StatefulSet from
//! [`pgbackrest`], which holds what both sides share. Nothing is rendered
//! without a `backup` section or without a Patroni cluster to back up.

mod jobs;
pub mod pgbackrest;

use super::kubernetes::labels::meta;
use super::kubernetes::postgres;
use super::{templates, Artifact, Content, Family};
use crate::dify::data_layer;
use crate::plan::backup::{name, Run};
use crate::plan::stores::{self, Side, Value};
use crate::plan::{graph, Plan};
use crate::topology::{Backup, RepositoryKind, SecretRef, UriStyle};
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use serde::Serialize;
use std::collections::BTreeMap;

pub const FAMILY: Family = Family {
    name: "backup",
    render,
};

/// Where the Jobs mount the ConfigMap.
pub const CONFIG_DIR: &str = "/etc/dify-gen/backup";
/// The drill's scratch volume.
pub const SCRATCH_DIR: &str = "/var/lib/dify-gen-drill";
/// The scratch instance's port (local socket only).
const DRILL_PORT: u16 = 5433;
/// A backup that finds the stanza locked retries this often, this long apart.
const LOCK_ATTEMPTS: u32 = 30;
const LOCK_WAIT_SECONDS: u32 = 60;

fn render(plan: &Plan) -> Vec<Artifact> {
    let Some(b) = graph::backups(plan.t)
        .then_some(plan.t.backup.as_ref())
        .flatten()
    else {
        return Vec::new();
    };
    // The bucket copy reads the chosen store; nothing is rendered without
    // its section (the topology checks ask for it).
    let Some(buckets) = plan.t.storage.buckets() else {
        return Vec::new();
    };
    let mut out: Vec<Artifact> = vec![
        Artifact::object(FAMILY.name, to_value(&service_account(plan))),
        Artifact::object(FAMILY.name, to_value(&config_map(plan, b, buckets))),
    ];
    out.extend(
        jobs::cron_jobs(plan, b)
            .iter()
            .map(|j| Artifact::object(FAMILY.name, to_value(j))),
    );
    if plan.writes_files() {
        out.push(Artifact::file(
            FAMILY.name,
            "restore-runbook.md",
            Content::Text(runbook(plan, b)),
        ));
    }
    out
}

fn to_value(o: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(o).expect("Kubernetes objects serialise to JSON")
}

pub fn config_map_name(plan: &Plan) -> String {
    plan.name(data_layer::BACKUP)
}

/// One account for every backup pod; none mounts its token.
fn service_account(plan: &Plan) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(plan, plan.name(data_layer::BACKUP), data_layer::BACKUP),
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}

/// An rclone remote of the bucket copy: `source` (Dify's store) or
/// `repo<n>`. Its options go to `rclone.conf`, its keys to the environment.
#[derive(Serialize)]
pub(super) struct Remote {
    pub name: String,
    /// `rclone.conf` lines, `type` first.
    pub options: Vec<(String, String)>,
    /// `RCLONE_CONFIG_<REMOTE>_<OPTION>` from a Secret.
    #[serde(skip)]
    pub env: Vec<(String, SecretRef)>,
    /// Variables holding base64 from a Secret, decoded into the option's
    /// variable before rclone runs: (option variable, base64 variable).
    pub decode: Vec<(String, String)>,
}

impl Remote {
    fn new(name: &str) -> Remote {
        Remote {
            name: name.to_string(),
            options: Vec::new(),
            env: Vec::new(),
            decode: Vec::new(),
        }
    }

    fn option(&mut self, key: &str, value: impl Into<String>) {
        self.options.push((key.to_string(), value.into()));
    }

    fn var(&self, option: &str) -> String {
        format!(
            "RCLONE_CONFIG_{}_{}",
            self.name.to_ascii_uppercase(),
            option.to_ascii_uppercase()
        )
    }
}

/// The remotes of the bucket copy: Dify's store through its row in the
/// store table, then every repository.
pub(super) fn remotes(plan: &Plan, b: &Backup) -> Vec<Remote> {
    let mut source = Remote::new("source");
    for (option, value) in stores::storage_vars(plan.t, Side::Rclone) {
        match value {
            Value::Plain(v) => source.option(option, v),
            Value::Secret(r) => source.env.push((source.var(option), r.clone())),
            Value::Base64Secret(r) => {
                // Short: a long upper-case name has the entropy of a key to
                // the secret firewall. A store has one such option at most.
                let encoded = "SOURCE_KEY_BASE64".to_string();
                source.env.push((encoded.clone(), r.clone()));
                source.decode.push((source.var(option), encoded));
            }
        }
    }
    let mut out = vec![source];
    out.extend(b.repositories.iter().enumerate().map(|(i, r)| {
        let n = i + 1;
        let mut remote = Remote::new(&format!("repo{n}"));
        let endpoint = r.endpoint.trim_end_matches('/');
        let path_style = r.uri_style() == UriStyle::Path;
        let key = |remote: &mut Remote, option: &str, secret: &Option<SecretRef>| {
            if let Some(secret) = secret {
                remote.env.push((remote.var(option), secret.clone()));
            }
        };
        match r.kind {
            RepositoryKind::S3 => {
                remote.option("type", "s3");
                remote.option("provider", "Other");
                remote.option("endpoint", endpoint);
                remote.option("region", r.region.clone());
                remote.option("force_path_style", path_style.to_string());
                key(&mut remote, "access_key_id", &r.access_key);
                key(&mut remote, "secret_access_key", &r.secret_key);
            }
            RepositoryKind::Azure => {
                let account = r.account.clone().unwrap_or_default();
                remote.option("type", "azureblob");
                remote.option("account", account.clone());
                // The account is in the host (virtual-hosted) or, with path
                // addressing, the first segment of the path.
                remote.option(
                    "endpoint",
                    if path_style {
                        format!("{endpoint}/{account}")
                    } else {
                        endpoint.to_string()
                    },
                );
                key(&mut remote, "key", &r.account_key);
            }
            RepositoryKind::Gcs => {
                remote.option("type", "google cloud storage");
                remote.option("service_account_file", pgbackrest::gcs_key_file(n));
                // Uniform bucket-level access: no per-object ACLs to set.
                remote.option("bucket_policy_only", "true");
                if r.host_port().0 != GCS_HOST {
                    remote.option("endpoint", format!("{endpoint}/storage/v1/"));
                }
            }
        }
        remote
    }));
    out
}

#[derive(Serialize)]
struct Destination {
    remote: String,
    bucket: String,
    path: String,
}

/// Google Cloud Storage's own endpoint host.
const GCS_HOST: &str = "storage.googleapis.com";

fn repo_numbers(b: &Backup) -> Vec<usize> {
    (1..=b.repositories.len()).collect()
}

fn config_map(plan: &Plan, b: &Backup, buckets: (&str, &str)) -> ConfigMap {
    let t = plan.t;
    let stanza = pgbackrest::stanza(plan);
    let remotes = remotes(plan, b);
    let all_s3 = remotes
        .iter()
        .all(|r| r.options.first().is_some_and(|(_, v)| v == "s3"));
    let files = serde_json::json!({ "f": {
        "remotes": remotes,
        "all_s3": all_s3,
        // rclone's azureblob copies server-side across remotes (Copy Blob
        // from URL), which reads the source with the destination's keys.
        "no_server_side_copy": remotes
            .iter()
            .any(|r| r.options.first().is_some_and(|(_, v)| v == "azureblob")),
        "buckets": [buckets.0, buckets.1],
        "destinations": b.repositories.iter().enumerate().map(|(i, r)| Destination {
            remote: format!("repo{}", i + 1),
            bucket: r.bucket.clone(),
            path: pgbackrest::repo_path(&r.path),
        }).collect::<Vec<_>>(),
    }});
    let backup_ctx = serde_json::json!({ "b": {
        "stanza": stanza,
        "repos": repo_numbers(b),
        "lock_attempts": LOCK_ATTEMPTS,
        "lock_wait_seconds": LOCK_WAIT_SECONDS,
    }});
    let drill_ctx = serde_json::json!({ "d": {
        "scripts_dir": CONFIG_DIR,
        "scratch_dir": SCRATCH_DIR,
        "bin_dir": postgres::bin_dir(plan),
        "port": DRILL_PORT,
        "repos": repo_numbers(b),
        "databases": [&t.postgres.database, &t.postgres.plugin_database],
        "pushgateway": b.pushgateway.as_deref().unwrap_or("").trim_end_matches('/'),
        "job": name(plan, Run::Drill),
        "superuser": postgres::SUPERUSER,
        "rto_objective": b.objectives.rto_seconds,
        "rpo_objective": b.objectives.rpo_seconds,
        "start_timeout": 3600,
        "recovery_attempts": 1800,
    }});
    let restore_ctx = serde_json::json!({ "r": { "stanza": stanza } });
    ConfigMap {
        metadata: meta(plan, config_map_name(plan), data_layer::BACKUP),
        data: Some(BTreeMap::from([
            (
                "pgbackrest.conf".to_string(),
                pgbackrest::config(plan, b, pgbackrest::Side::Client),
            ),
            (
                "backup.sh".to_string(),
                templates::render("backup/backup.sh.j2", &backup_ctx),
            ),
            (
                "restore.sh".to_string(),
                templates::render("backup/restore.sh.j2", &restore_ctx),
            ),
            (
                "drill.sh".to_string(),
                templates::render("backup/drill.sh.j2", &drill_ctx),
            ),
            (
                "rclone.conf".to_string(),
                templates::render("backup/rclone.conf.j2", &files),
            ),
            (
                "files-copy.sh".to_string(),
                templates::render("backup/files-copy.sh.j2", &files),
            ),
        ])),
        ..Default::default()
    }
}

/// The restore runbook: the exact commands for this release's names,
/// repositories and schedules.
fn runbook(plan: &Plan, b: &Backup) -> String {
    let t = plan.t;
    let repos: Vec<serde_json::Value> = b
        .repositories
        .iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::json!({
                "n": i + 1,
                "kind": r.kind.as_str(),
                "key_file": pgbackrest::gcs_key_file(i + 1),
                "endpoint": r.endpoint,
                "region": r.region,
                "bucket": r.bucket,
                "path": pgbackrest::repo_path(&r.path),
            })
        })
        .collect();
    let ctx = serde_json::json!({ "rb": {
        "release": plan.release,
        "namespace": plan.namespace,
        "version": plan.app_version,
        "database": t.postgres.database,
        "stanza": pgbackrest::stanza(plan),
        "statefulset": plan.name(postgres::COMPONENT),
        "members": t.postgres.patroni.as_ref().map_or(0, |p| p.members),
        "dcs_key": format!("/dify-gen/{}/", plan.name(postgres::COMPONENT)),
        "etcd_pod": format!("{}-0", plan.name(data_layer::ETCD)),
        "repos": repos,
        "all_s3": plan.t.storage.kind == crate::topology::StorageKind::S3
            && b.repositories.iter().all(|r| r.kind == RepositoryKind::S3),
        "buckets": t.storage.buckets().map(|(f, p)| [f, p]),
        "writers": crate::plan::deployments(t)
            .iter()
            .filter(|k| k.is_backend() || **k == crate::dify::Kind::PluginDaemon)
            .map(|k| plan.name(k.label()))
            .collect::<Vec<_>>(),
        "full": name(plan, Run::Full),
        "drill": name(plan, Run::Drill),
        "files": name(plan, Run::Files),
        "schedules": {
            "full": b.schedules.full,
            "incremental": b.schedules.incremental,
            "drill": b.schedules.drill,
            "files": b.files.schedule,
            "time_zone": b.time_zone,
        },
        "rpo": b.objectives.rpo_seconds,
        "rto": b.objectives.rto_seconds,
        "continuous": b.archive.continuous,
        "config_dir": CONFIG_DIR,
        "server_config": pgbackrest::server_config_path(),
    }});
    templates::render("backup/restore-runbook.md.j2", &ctx)
}
