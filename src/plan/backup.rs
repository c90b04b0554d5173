//! Recovery objectives of the backups, from `backup`: what the schedules and
//! the archive achieve, held against what the topology asks for.
//!
//! RPO (how much committed data a restore can lose): with continuous WAL
//! archiving, the archive timeout (a written segment waits at most that
//! long); without it, the longest gap between two backups of any kind,
//! computed from the cron schedules. RTO (how long a restore takes) is
//! estimated from the data size and the stated restore throughput;
//! replaying the WAL written since the last base backup comes on top and
//! depends on the write rate, so it is named, not guessed: the drill
//! measures it.

use crate::dify::data_layer;
use crate::plan::Plan;
use crate::topology::cron;
use crate::topology::{Backup, Topology};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Objectives {
    /// The RPO the configuration achieves at worst.
    pub rpo_seconds: u64,
    /// What that RPO rests on.
    pub rpo_basis: String,
    pub rpo_objective_seconds: u64,
    /// Time to fetch and unpack the newest base backup; WAL replay comes on top.
    pub rto_seconds: u64,
    pub rto_objective_seconds: u64,
    pub restored_bytes: u64,
    /// Longest gap between two full backups, between two backups of any
    /// kind, between two drills and between two bucket copies, in seconds
    /// (`None`: the schedule never fires or does not parse).
    pub full_gap_seconds: Option<u64>,
    pub backup_gap_seconds: Option<u64>,
    pub drill_gap_seconds: Option<u64>,
    pub files_gap_seconds: Option<u64>,
    pub repositories: Vec<RepositorySummary>,
}

impl Objectives {
    pub fn rpo_met(&self) -> bool {
        self.rpo_seconds <= self.rpo_objective_seconds
    }

    pub fn rto_met(&self) -> bool {
        self.rto_seconds <= self.rto_objective_seconds
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySummary {
    /// `repo1`, `repo2`, ... (pgBackRest's numbering).
    pub name: String,
    /// `<host> (<region>)`: two repositories in one place are one copy
    /// for the 3-2-1 rule.
    pub place: String,
    pub bucket: String,
    pub retention: String,
}

/// `None` when the topology configures no backups.
pub fn objectives(t: &Topology) -> Option<Objectives> {
    let b = t.backup.as_ref()?;
    let (rpo, rpo_basis) = b.achieved_rpo();
    let restored_bytes = b
        .database_size
        .as_ref()
        .or(t.postgres.patroni.as_ref().map(|p| &p.storage.size))
        .map_or(0, |q| q.value() as u64);
    let rate = u64::from(b.restore_megabytes_per_second) * 1_000_000;
    Some(Objectives {
        rpo_seconds: rpo.unwrap_or(u64::MAX),
        rpo_basis,
        rpo_objective_seconds: u64::from(b.objectives.rpo_seconds),
        rto_seconds: restored_bytes.div_ceil(rate),
        rto_objective_seconds: u64::from(b.objectives.rto_seconds),
        restored_bytes,
        full_gap_seconds: cron::gap(&b.schedules.full),
        backup_gap_seconds: b.backup_gap_seconds(),
        drill_gap_seconds: cron::gap(&b.schedules.drill),
        files_gap_seconds: cron::gap(&b.files.schedule),
        repositories: b
            .repositories
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (host, region) = r.place();
                RepositorySummary {
                    name: format!("repo{}", i + 1),
                    place: format!("{host} ({region})"),
                    bucket: r.bucket.clone(),
                    retention: match (r.retention.full_backups, r.retention.days) {
                        (Some(n), _) => format!("{n} full backups"),
                        (None, Some(d)) => format!("{d} days"),
                        (None, None) => "unset".into(),
                    },
                }
            })
            .collect(),
    })
}

/// The backup CronJobs, and what each's schedule and deadlines are; the
/// renderer and the alert rules read the same figures.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Full,
    Incremental,
    Files,
    Drill,
}

impl Run {
    pub const ALL: [Run; 4] = [Run::Full, Run::Incremental, Run::Files, Run::Drill];

    pub fn suffix(self) -> &'static str {
        match self {
            Run::Full => "backup-full",
            Run::Incremental => "backup-incremental",
            Run::Files => "backup-files",
            Run::Drill => "backup-drill",
        }
    }

    pub fn component(self) -> &'static str {
        match self {
            Run::Full | Run::Incremental => data_layer::BACKUP,
            Run::Files => data_layer::BACKUP_FILES,
            Run::Drill => data_layer::BACKUP_DRILL,
        }
    }

    pub fn schedule(self, b: &Backup) -> &str {
        match self {
            Run::Full => &b.schedules.full,
            Run::Incremental => &b.schedules.incremental,
            Run::Files => &b.files.schedule,
            Run::Drill => &b.schedules.drill,
        }
    }
}

/// The CronJob's name, within a CronJob's limit (its Jobs add 11
/// characters), shortened with a hash like every derived name.
pub fn name(plan: &Plan, run: Run) -> String {
    crate::names::derived::object("CronJob", plan.release, &[run.suffix()])
}

/// Deadlines of one CronJob, in seconds.
#[derive(Clone, Copy)]
pub struct Deadlines {
    /// A run not started this long after its time is skipped (and missed).
    pub starting: i64,
    /// A run still going this long after it started is stopped (and failed).
    pub active: i64,
    /// The longest gap between two runs.
    pub gap: i64,
}

/// A run may start late by a quarter of its interval (one minute to an
/// hour), and run until shortly before the next one would start; the drill
/// gets the RTO objective for each repository, plus half an hour.
pub fn deadlines(b: &Backup, run: Run) -> Deadlines {
    let gap = cron::gap(run.schedule(b)).map_or(86_400, |g| g as i64);
    let starting = (gap / 4).clamp(60, 3600);
    let active = match run {
        Run::Drill => i64::from(b.objectives.rto_seconds) * b.repositories.len() as i64 + 1800,
        _ => (gap - starting).clamp(600, 12 * 3600),
    };
    Deadlines {
        starting,
        active,
        gap,
    }
}
