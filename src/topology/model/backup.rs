//! The backup section.

use crate::topology::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// PostgreSQL backups: base backups on a schedule, optionally with
/// continuous WAL archiving between them.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backup {
    /// Hours between two base (full or incremental) backups.
    #[schemars(range(min = 1, max = 744))]
    pub base_backup_interval_hours: u32,
    /// With continuous WAL archiving, the longest a WAL segment waits
    /// before it is archived (PostgreSQL's `archive_timeout`), in seconds.
    /// Omit when only base backups are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub wal_archive_seconds: Option<u32>,
    /// Throughput a restore reaches (download and unpack), in megabytes
    /// per second, to estimate the recovery time from the data size.
    #[schemars(range(min = 1))]
    pub restore_megabytes_per_second: u32,
    /// Size of the database to restore; omit to assume the whole
    /// `postgres.patroni.storage.size` volume is data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_size: Option<Quantity>,
}
