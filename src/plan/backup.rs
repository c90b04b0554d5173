//! Recovery objectives of the PostgreSQL backups, from `backup`.
//!
//! RPO (how much committed data a restore can lose): with continuous WAL
//! archiving, the archive timeout (a segment waits at most that long); with
//! base backups alone, the whole interval between two of them. RTO (how
//! long a restore takes) is estimated from the data size and the stated
//! restore throughput; replaying the WAL written since the last base backup
//! comes on top and depends on the write rate, so it is named, not guessed.

use crate::topology::Topology;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Objectives {
    pub rpo_seconds: u64,
    /// What the RPO rests on.
    pub rpo_basis: String,
    /// Time to fetch and unpack the base backup; WAL replay comes on top.
    pub rto_seconds: u64,
    pub restored_bytes: u64,
}

/// `None` when the topology configures no backups.
pub fn objectives(t: &Topology) -> Option<Objectives> {
    let b = t.backup.as_ref()?;
    let (rpo_seconds, rpo_basis) = match b.wal_archive_seconds {
        Some(s) => (
            u64::from(s),
            "continuous WAL archiving (`walArchiveSeconds`)".to_string(),
        ),
        None => (
            u64::from(b.base_backup_interval_hours) * 3600,
            "base backups only: everything since the last one".to_string(),
        ),
    };
    let restored_bytes = b
        .database_size
        .as_ref()
        .or(t.postgres.patroni.as_ref().map(|p| &p.storage.size))
        .map_or(0, |q| q.value() as u64);
    let rate = u64::from(b.restore_megabytes_per_second) * 1_000_000;
    Some(Objectives {
        rpo_seconds,
        rpo_basis,
        rto_seconds: restored_bytes.div_ceil(rate),
        restored_bytes,
    })
}
