//! pgBackRest as both sides see it: the members (archive_command,
//! restore_command, replicas from the repository, `pgbackrest server`) and
//! the backup and drill Jobs. One place for the stanza, the repositories
//! and the Secrets, so the two configurations cannot disagree.

use crate::dify::ports;
use crate::plan::Plan;
use crate::render::kubernetes::config::{plain, secret_var};
use crate::render::kubernetes::postgres::{
    self, DATA_DIR_ROOT, SCRIPTS_DIR, SOCKET_DIR, SUPERUSER,
};
use crate::render::kubernetes::stateful::member_hosts;
use crate::render::templates;
use crate::topology::{Backup, Repository, RepositoryKind, UriStyle};
use k8s_openapi::api::core::v1::{EnvVar, KeyToPath, SecretVolumeSource, Volume, VolumeMount};
use serde::Serialize;

/// The members' configuration, a key of the Patroni ConfigMap.
pub const SERVER_CONFIG_KEY: &str = "pgbackrest.conf";
/// Where the members' TLS Secret is mounted in the `pgbackrest` container.
pub const SERVER_TLS_DIR: &str = "/etc/dify-gen/pgbackrest-tls";
/// Where the Jobs' client TLS Secret is mounted.
pub const CLIENT_TLS_DIR: &str = "/etc/dify-gen/backup-tls";
/// Where GCS repositories' keys are mounted, one directory each.
const KEYS_DIR: &str = "/etc/dify-gen/backup-keys";
/// pgBackRest's lock directory, in the pods' `/tmp` emptyDir.
const LOCK_PATH: &str = "/tmp/pgbackrest";

/// Which side a configuration is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The members: local data directory, TLS server, asynchronous archiving.
    Server,
    /// The Jobs: every member as a TLS host.
    Client,
}

#[derive(Serialize)]
struct Repo {
    n: usize,
    /// pgBackRest's `repo-type`: `s3`, `azure` or `gcs`.
    kind: &'static str,
    path: String,
    bucket: String,
    host: String,
    port: u16,
    region: String,
    uri_style: &'static str,
    /// Azure's storage account.
    account: String,
    /// GCS: the mounted service-account key.
    key_file: String,
    retention_type: &'static str,
    retention_full: u32,
}

#[derive(Serialize)]
struct Member {
    n: usize,
    host: String,
}

#[derive(Serialize)]
struct Context {
    role: &'static str,
    stanza: String,
    repos: Vec<Repo>,
    members: Vec<Member>,
    process_max: u32,
    lock_path: &'static str,
    spool_path: String,
    tls_port: u16,
    tls_dir: &'static str,
    client_cn: String,
    data_dir: String,
    pg_port: u16,
    socket_path: &'static str,
    superuser: &'static str,
}

/// The stanza: the Patroni scope, so one name identifies the cluster everywhere.
pub fn stanza(plan: &Plan) -> String {
    plan.name(postgres::COMPONENT)
}

/// `/dify` stays `/dify`; `/` and `/dify/` lose the trailing slash (the
/// bucket copy appends `/files/...`).
pub fn repo_path(path: &str) -> String {
    path.trim_end_matches('/').to_string()
}

/// The `pgbackrest.conf` of one side.
pub fn config(plan: &Plan, b: &Backup, side: Side) -> String {
    let members = plan.t.postgres.patroni.as_ref().map_or(0, |p| p.members);
    let ctx = Context {
        role: match side {
            Side::Server => "server",
            Side::Client => "client",
        },
        stanza: stanza(plan),
        repos: b
            .repositories
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (host, port) = r.host_port();
                let (retention_type, retention_full) =
                    match (r.retention.full_backups, r.retention.days) {
                        (Some(n), _) => ("count", n),
                        (None, d) => ("time", d.unwrap_or(1)),
                    };
                let n = i + 1;
                Repo {
                    n,
                    kind: r.kind.as_str(),
                    host: pgbackrest_host(r, host),
                    account: r.account.clone().unwrap_or_default(),
                    key_file: gcs_key_file(n),
                    path: match repo_path(&r.path) {
                        p if p.is_empty() => "/".into(),
                        p => p,
                    },
                    bucket: r.bucket.clone(),
                    port,
                    region: r.region.clone(),
                    uri_style: match r.uri_style() {
                        UriStyle::Host => "host",
                        UriStyle::Path => "path",
                    },
                    retention_type,
                    retention_full,
                }
            })
            .collect(),
        members: member_hosts(plan, &plan.name(postgres::COMPONENT), members)
            .into_iter()
            .enumerate()
            .map(|(i, host)| Member { n: i + 1, host })
            .collect(),
        process_max: 2,
        lock_path: LOCK_PATH,
        spool_path: format!("{DATA_DIR_ROOT}/pgbackrest-spool"),
        tls_port: ports::PGBACKREST,
        tls_dir: match side {
            Side::Server => SERVER_TLS_DIR,
            Side::Client => CLIENT_TLS_DIR,
        },
        client_cn: b.tls.client_common_name.clone(),
        data_dir: postgres::data_dir(plan),
        pg_port: ports::POSTGRES,
        socket_path: SOCKET_DIR,
        superuser: SUPERUSER,
    };
    templates::render(
        "backup/pgbackrest.conf.j2",
        serde_json::json!({ "pg": ctx }),
    )
}

/// The host pgBackRest is given as the endpoint: Azure's virtual-hosted
/// style puts the account in front of it itself, so an account URL
/// (`<account>.blob.core.windows.net`) loses its first label.
fn pgbackrest_host(r: &Repository, host: String) -> String {
    match (&r.kind, r.uri_style(), &r.account) {
        (RepositoryKind::Azure, UriStyle::Host, Some(account)) => host
            .strip_prefix(&format!("{account}."))
            .map_or(host.clone(), str::to_string),
        _ => host,
    }
}

/// Where a GCS repository's service-account key is mounted, in every pod
/// that runs pgBackRest or the bucket copy.
pub fn gcs_key_file(n: usize) -> String {
    format!("{}/key.json", gcs_key_dir(n))
}

fn gcs_key_dir(n: usize) -> String {
    format!("{KEYS_DIR}/repo{n}")
}

/// The Secret volumes that hold the GCS repositories' keys, with their
/// mounts: pgBackRest reads a key from a file, not from the environment.
pub fn key_volumes(b: &Backup) -> Vec<(Volume, VolumeMount)> {
    b.repositories
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let key = r.service_account_key.as_ref()?;
            let n = i + 1;
            let name = format!("repo{n}-gcs-key");
            Some((
                Volume {
                    name: name.clone(),
                    secret: Some(SecretVolumeSource {
                        secret_name: Some(key.name.clone()),
                        items: Some(vec![KeyToPath {
                            key: key.key.clone(),
                            path: "key.json".into(),
                            mode: None,
                        }]),
                        default_mode: Some(0o440),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                VolumeMount {
                    name,
                    mount_path: gcs_key_dir(n),
                    read_only: Some(true),
                    ..Default::default()
                },
            ))
        })
        .collect()
}

/// The environment every pgBackRest process gets: where its configuration
/// is, and each repository's keys and the cipher passphrase, from Secrets.
pub fn env(b: &Backup, config_path: &str) -> Vec<EnvVar> {
    let mut out = vec![plain("PGBACKREST_CONFIG", config_path)];
    for (i, r) in b.repositories.iter().enumerate() {
        let n = i + 1;
        let keys = [
            (&r.access_key, "S3_KEY"),
            (&r.secret_key, "S3_KEY_SECRET"),
            (&r.account_key, "AZURE_KEY"),
        ];
        for (secret, option) in keys {
            if let Some(secret) = secret {
                out.push(secret_var(&format!("PGBACKREST_REPO{n}_{option}"), secret));
            }
        }
        out.push(secret_var(
            &format!("PGBACKREST_REPO{n}_CIPHER_PASS"),
            &b.encryption.key,
        ));
    }
    out
}

/// Where the members read their configuration.
pub fn server_config_path() -> String {
    format!("{SCRIPTS_DIR}/{SERVER_CONFIG_KEY}")
}

/// What `patroni.yml` gets when backups are on: archiving, fetching WAL
/// for replicas, and building replicas from the repository.
#[derive(Serialize)]
pub struct PatroniArchive {
    pub archive_command: String,
    pub restore_command: String,
    /// `archive_timeout`, with continuous archiving only.
    pub timeout_seconds: Option<u32>,
    /// The `pgbackrest` replica method, when replicas come from the repository.
    pub replica_command: Option<String>,
}

pub fn patroni_archive(plan: &Plan, b: &Backup) -> PatroniArchive {
    let s = stanza(plan);
    PatroniArchive {
        archive_command: format!("pgbackrest --stanza={s} archive-push %p"),
        restore_command: format!("pgbackrest --stanza={s} archive-get %f \"%p\""),
        timeout_seconds: b.archive.continuous.then_some(b.archive.timeout_seconds),
        replica_command: b
            .archive
            .replicas_from_repository
            .then(|| format!("pgbackrest --stanza={s} --delta restore")),
    }
}
