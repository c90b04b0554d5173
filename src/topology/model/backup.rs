//! The backup section: pgBackRest backups of PostgreSQL into two or more
//! object-store repositories, continuous WAL archiving, a copy of Dify's
//! buckets, and the restore drill that proves the recovery objectives.

use super::resources::Resources;
use super::secrets::SecretRef;
use crate::topology::cron::{self, Cron};
use crate::topology::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Backups of Dify's databases (with pgBackRest, which the Patroni image
/// carries) and of its object storage, under the 3-2-1 rule: the live data
/// plus a copy in each repository, one of them off site. Needs
/// `postgres.mode: patroni`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backup {
    /// When the database backups and the restore drill run.
    pub schedules: Schedules,
    /// IANA time zone the schedules are read in (the CronJobs'
    /// `timeZone`), so that `0 2 * * *` means 02:00 there and not in the
    /// controller's local time.
    #[schemars(regex(pattern = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"))]
    pub time_zone: String,
    pub archive: Archive,
    /// Where backups go, in order (`repo1`, `repo2`, ...): the first is the
    /// primary object store, another must be off site. Every backup goes
    /// to every repository, and WAL is archived to all of them.
    #[schemars(length(min = 1, max = 4))]
    pub repositories: Vec<Repository>,
    pub encryption: Encryption,
    pub tls: BackupTls,
    pub files: FilesCopy,
    pub objectives: RecoveryObjectives,
    /// Throughput a restore reaches (download and unpack), in megabytes
    /// per second, to estimate the recovery time from the data size.
    #[schemars(range(min = 1))]
    pub restore_megabytes_per_second: u32,
    /// Size of the database to restore; omit to assume the whole
    /// `postgres.patroni.storage.size` volume is data. Also the size of the
    /// drill's scratch volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_size: Option<Quantity>,
    /// Whether breaking the 3-2-1 rule (fewer than two repositories, or
    /// all of them in one place) is an error (`true`, production) or a
    /// warning (`false`, development).
    pub enforce_three_two_one: bool,
    /// Requests and limits of every backup, copy and drill pod.
    pub resources: Resources,
    /// Requests and limits of the pgBackRest server beside each PostgreSQL
    /// member, which reads and compresses the files of every backup.
    pub server_resources: Resources,
    /// Prometheus Pushgateway the drill pushes its measured RPO and RTO to
    /// (`http://pushgateway.monitoring.svc:9091`); omit to report them in
    /// the drill's log only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub pushgateway: Option<String>,
}

/// Cron schedules (five fields, or `@daily`-style macros), in `timeZone`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedules {
    /// Full backups (`0 2 * * *`: every day at 02:00).
    pub full: String,
    /// Incremental backups, each holding the changes since the previous
    /// backup of any kind (`0 * * * *`: every hour).
    pub incremental: String,
    /// The restore drill (`0 4 1 */3 *`: quarterly): restores the newest
    /// backup of each repository into a scratch instance, checks it and
    /// reports the RPO and RTO it achieved.
    pub drill: String,
}

/// Continuous WAL archiving between base backups.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Archive {
    /// `true`: every WAL segment is archived within `timeoutSeconds`, so a
    /// restore reaches any point in time and loses at most that much.
    /// `false`: only the WAL each backup needs is kept consistent (pgBackRest
    /// always archives); the RPO is the gap between backups.
    pub continuous: bool,
    /// PostgreSQL's `archive_timeout`: the longest a written WAL segment
    /// waits before it is switched and archived, in seconds.
    #[schemars(range(min = 1, max = 86400))]
    pub timeout_seconds: u32,
    /// Build new replicas from the repository (`pgbackrest restore`, then
    /// WAL from the archive) before falling back to `pg_basebackup` from
    /// the leader: faster for large databases, and no load on the leader.
    pub replicas_from_repository: bool,
}

/// An object-store bucket pgBackRest writes to over HTTPS: S3 (or any
/// S3-compatible store), Azure Blob storage or Google Cloud Storage, by
/// `type`. Which fields a type reads is in `docs/backup.md`; a field the
/// type does not read is refused at its line (T150).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// `s3` (the default: AWS S3 or an S3-compatible store), `azure`
    /// (Azure Blob storage) or `gcs` (Google Cloud Storage): pgBackRest's
    /// `repo-type`.
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "RepositoryKind::is_default"
    )]
    pub kind: RepositoryKind,
    /// HTTPS endpoint, with a port when not 443: S3's
    /// (`https://s3.eu-central-1.amazonaws.com`, `https://minio.example:9000`),
    /// Azure's account URL (`https://<account>.blob.core.windows.net`; with
    /// `uriStyle: path`, the service URL without the account), or
    /// `https://storage.googleapis.com`.
    #[schemars(regex(pattern = r"^https://[^/:]+(:[0-9]+)?/?$"))]
    pub endpoint: String,
    /// The region the bucket is in: S3 signs requests with it; for every
    /// type it places the repository for the 3-2-1 rule.
    pub region: String,
    /// Bucket (Azure: container); pgBackRest does not create it.
    pub bucket: String,
    /// Prefix in the bucket (`/dify`); the database backups go under it,
    /// the bucket copy under `<path>/files/`.
    #[schemars(regex(pattern = r"^/[-._a-zA-Z0-9/]*$"))]
    pub path: String,
    /// `host` (virtual-hosted: AWS, Azure) or `path` addressing (most
    /// S3-compatible stores, Azurite); S3 needs it, Azure defaults to
    /// `host`, GCS has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_style: Option<UriStyle>,
    /// S3: access key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<SecretRef>,
    /// S3: secret access key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
    /// Azure: the storage account name (`repo-azure-account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z0-9]{3,24}$"))]
    pub account: Option<String>,
    /// Azure: the storage account's shared key (`repo-azure-key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<SecretRef>,
    /// GCS: a service account's JSON key (the file Google Cloud gives, not
    /// base64), mounted as a file for pgBackRest (`repo-gcs-key`) and the
    /// bucket copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_key: Option<SecretRef>,
    pub retention: Retention,
}

/// The kind of object store a repository is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RepositoryKind {
    #[default]
    S3,
    Azure,
    Gcs,
}

impl RepositoryKind {
    pub fn is_default(&self) -> bool {
        *self == RepositoryKind::S3
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RepositoryKind::S3 => "s3",
            RepositoryKind::Azure => "azure",
            RepositoryKind::Gcs => "gcs",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UriStyle {
    Host,
    Path,
}

/// How long a repository keeps full backups (with their incrementals and
/// WAL): by count or by age, one of the two.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retention {
    /// Full backups kept (pgBackRest `retention-full`, type `count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9999))]
    pub full_backups: Option<u32>,
    /// Days a full backup is kept (pgBackRest `retention-full`, type
    /// `time`; the newest full older than that stays, so a restore always
    /// reaches back this far).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9999))]
    pub days: Option<u32>,
}

/// Client-side encryption of every repository (pgBackRest
/// `aes-256-cbc`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Encryption {
    /// The passphrase. Lose it and every backup is unreadable: keep a copy
    /// outside the cluster.
    pub key: SecretRef,
}

/// TLS between the backup Jobs and pgBackRest's server beside each
/// PostgreSQL member (port 8432): Secrets of type `kubernetes.io/tls` with
/// `tls.crt`, `tls.key` and `ca.crt` (as cert-manager writes them).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupTls {
    /// The members' certificate: its DNS names must cover
    /// `*.<release>-postgres-headless.<namespace>.svc.cluster.local`.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub server_secret: String,
    /// The backup Jobs' client certificate, signed by the CA in the
    /// server Secret's `ca.crt`.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub client_secret: String,
    /// The client certificate's common name, the only one the members'
    /// servers accept.
    #[schemars(regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub client_common_name: String,
}

/// The copy of Dify's buckets (`storage.s3.bucket` and `pluginBucket`,
/// which hold the per-tenant keys a database restore needs) into every
/// repository, with rclone. The copy never deletes: an object deleted or
/// overwritten in the live bucket stays in the copy.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilesCopy {
    /// When the copy runs (cron).
    pub schedule: String,
    /// rclone image, pinned (`rclone/rclone:1.71.2`).
    pub image: String,
}

/// What a restore must achieve.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryObjectives {
    /// Recovery point objective: the most committed data, in seconds of
    /// writes, a restore may lose.
    #[schemars(range(min = 1))]
    pub rpo_seconds: u32,
    /// Recovery time objective: the longest a restore may take, in seconds.
    #[schemars(range(min = 1))]
    pub rto_seconds: u32,
}

impl Backup {
    /// The longest time without a database backup of either kind; `None`
    /// when a schedule does not parse or neither fires.
    pub fn backup_gap_seconds(&self) -> Option<u64> {
        let full = Cron::parse(&self.schedules.full).ok()?;
        let incremental = Cron::parse(&self.schedules.incremental).ok()?;
        cron::max_gap_seconds(&[&full, &incremental])
    }

    /// The RPO the configuration achieves at worst, and what it rests on.
    pub fn achieved_rpo(&self) -> (Option<u64>, String) {
        if self.archive.continuous {
            (
                Some(u64::from(self.archive.timeout_seconds)),
                "continuous WAL archiving (`archive.timeoutSeconds`)".to_string(),
            )
        } else {
            (
                self.backup_gap_seconds(),
                "no continuous archiving: the longest gap between two backups".to_string(),
            )
        }
    }
}

impl Repository {
    /// Where the repository is, for the 3-2-1 rule: its endpoint's host and
    /// its region (two buckets of one store in one region burn together).
    pub fn place(&self) -> (String, String) {
        let host = self
            .endpoint
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        (host, self.region.to_ascii_lowercase())
    }

    /// The URI style pgBackRest uses: as set, else `host` (Azure's default).
    pub fn uri_style(&self) -> UriStyle {
        self.uri_style.unwrap_or(UriStyle::Host)
    }

    /// Fields of the repository that its `type` reads, by key, and whether
    /// each is set: the checks refuse a set field of another type and ask
    /// for a missing one of this type.
    pub fn fields(&self) -> [(&'static str, bool, &'static [RepositoryKind], bool); 6] {
        use RepositoryKind::*;
        [
            // key, set, types that read it, required by those types
            (
                "uriStyle",
                self.uri_style.is_some(),
                &[S3, Azure],
                self.kind == S3,
            ),
            ("accessKey", self.access_key.is_some(), &[S3], true),
            ("secretKey", self.secret_key.is_some(), &[S3], true),
            ("account", self.account.is_some(), &[Azure], true),
            ("accountKey", self.account_key.is_some(), &[Azure], true),
            (
                "serviceAccountKey",
                self.service_account_key.is_some(),
                &[Gcs],
                true,
            ),
        ]
    }

    /// The repository's Secret references, by field key, in a fixed order.
    pub fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        [
            ("accessKey", &self.access_key),
            ("secretKey", &self.secret_key),
            ("accountKey", &self.account_key),
            ("serviceAccountKey", &self.service_account_key),
        ]
        .into_iter()
        .filter_map(|(k, r)| r.as_ref().map(|r| (k, r)))
        .collect()
    }

    /// The endpoint's host and port (443 unless given).
    pub fn host_port(&self) -> (String, u16) {
        let authority = self
            .endpoint
            .trim_start_matches("https://")
            .trim_end_matches('/');
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().unwrap_or(443)),
            None => (authority.to_string(), 443),
        }
    }
}
