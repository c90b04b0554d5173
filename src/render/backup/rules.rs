//! Alerting rules for the backups (`backup.rules.yaml`, a Prometheus rule
//! file): a backup or copy that is stale, failed or missed, and a drill
//! that failed or missed its objectives. Job state comes from
//! kube-state-metrics (`kube_cronjob_*`); the drill's measured RPO and RTO
//! from the Pushgateway, when one is configured. Thresholds come from the
//! schedules and deadlines the CronJobs are rendered with.

use super::jobs::{self, deadlines, Run};
use crate::plan::Plan;
use crate::topology::Backup;
use serde_json::{json, Value};

fn rule(
    alert: &str,
    expr: String,
    wait: &str,
    severity: &str,
    summary: String,
    description: String,
) -> Value {
    json!({
        "alert": alert,
        "expr": expr,
        "for": wait,
        "labels": { "severity": severity },
        "annotations": { "summary": summary, "description": description },
    })
}

pub fn rules(plan: &Plan, b: &Backup) -> Value {
    let ns = plan.namespace;
    let metric =
        |name: &str, cronjob: &str| format!("{name}{{namespace=\"{ns}\", cronjob=\"{cronjob}\"}}");
    let mut out = Vec::new();
    for run in [Run::Full, Run::Incremental, Run::Files, Run::Drill] {
        let cronjob = jobs::name(plan, run);
        let d = deadlines(b, run);
        let what = match run {
            Run::Full => "full backup",
            Run::Incremental => "incremental backup",
            Run::Files => "bucket copy",
            Run::Drill => "restore drill",
        };
        let title = match run {
            Run::Full => "Full",
            Run::Incremental => "Incremental",
            Run::Files => "Files",
            Run::Drill => "Drill",
        };
        let last_success = metric("kube_cronjob_status_last_successful_time", &cronjob);
        let last_schedule = metric("kube_cronjob_status_last_schedule_time", &cronjob);
        let severity = if run == Run::Incremental {
            "warning"
        } else {
            "critical"
        };
        out.push(rule(
            &format!("DifyBackup{title}Stale"),
            format!("time() - {last_success} > {}", d.gap + d.active),
            "10m",
            severity,
            format!("no successful {what} of `{cronjob}` for longer than its schedule allows"),
            format!(
                "The last {what} that succeeded is older than the longest gap of `{}` ({}s) plus its active deadline ({}s). See backup/restore-runbook.md.",
                run.schedule(b), d.gap, d.active
            ),
        ));
        out.push(rule(
            &if run == Run::Drill { "DifyBackupDrillFailed".to_string() } else { format!("DifyBackup{title}Failed") },
            format!(
                "({last_success} < on (namespace, cronjob) {last_schedule}) and on (namespace, cronjob) (time() - {last_schedule} > {})",
                d.active
            ),
            "0m",
            severity,
            format!("the last {what} of `{cronjob}` did not succeed"),
            format!(
                "The run scheduled last ended (or passed its active deadline of {}s) without success. `kubectl -n {ns} logs job/<the newest {cronjob} Job>` shows why.",
                d.active
            ),
        ));
        out.push(rule(
            &format!("DifyBackup{title}Missed"),
            format!(
                "time() - {} > {}",
                metric("kube_cronjob_next_schedule_time", &cronjob),
                d.starting + 300
            ),
            "0m",
            severity,
            format!("a {what} of `{cronjob}` was due and did not start"),
            format!(
                "The CronJob's next run is more than its starting deadline ({}s) overdue: suspended, or the controller could not start it.",
                d.starting
            ),
        ));
    }
    if b.pushgateway.is_some() {
        let job = jobs::name(plan, Run::Drill);
        let gauge = |name: &str| format!("{name}{{job=\"{job}\"}}");
        out.push(rule(
            "DifyBackupDrillCheckFailed",
            format!("{} == 0", gauge("dify_backup_drill_success")),
            "0m",
            "critical",
            "the restore drill failed for repository {{ $labels.repo }}".into(),
            "The newest backup of this repository could not be restored, recovered or checked, or it took longer than the RTO objective.".into(),
        ));
        out.push(rule(
            "DifyBackupDrillRtoAboveObjective",
            format!(
                "{} > {}",
                gauge("dify_backup_drill_rto_seconds"),
                gauge("dify_backup_drill_rto_objective_seconds")
            ),
            "0m",
            "critical",
            "restoring repository {{ $labels.repo }} took longer than the RTO objective".into(),
            "The drill measured {{ $value }}s from the start of the restore to a checked instance."
                .into(),
        ));
        out.push(rule(
            "DifyBackupDrillRpoAboveObjective",
            format!(
                "{} > {}",
                gauge("dify_backup_drill_rpo_seconds"),
                gauge("dify_backup_drill_rpo_objective_seconds")
            ),
            "0m",
            "warning",
            "the newest transaction restored from repository {{ $labels.repo }} was older than the RPO objective".into(),
            "Either WAL is not being archived in time (check `pg_stat_archiver` on the leader), or the database was idle and had nothing newer to lose.".into(),
        ));
    }
    json!({ "groups": [{ "name": format!("{}-backup", plan.release), "rules": out }] })
}
