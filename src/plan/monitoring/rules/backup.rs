//! The backups: for each backup CronJob (full, incremental, bucket copy,
//! drill), an alert when it has not succeeded for longer than its schedule
//! allows (stale), when its last run ended without success (failed), and
//! when a run that was due never started (missed). From kube-state-metrics'
//! `kube_cronjob_*`, with the thresholds the CronJobs are rendered with
//! (`plan::backup::deadlines`). The drill's own figures (RPO, RTO) go to
//! the Pushgateway and are in its log; a drill that missed them fails, which
//! the failed-drill alert sees.

use super::{constant, expr, group as named, sel, select, tested, Spec};
use crate::plan::backup::{deadlines, name, Run};
use crate::plan::monitoring::{Facts, Group};
use crate::plan::{graph, Plan};
use crate::topology::Severity;

pub fn group(plan: &Plan, f: &Facts) -> Option<Group> {
    let b = plan.t.backup.as_ref().filter(|_| graph::backups(plan.t))?;
    let job = f.ksm_job();
    let mut rules = Vec::new();
    for run in Run::ALL {
        let cronjob = name(plan, run);
        let d = deadlines(b, run);
        let labels = [
            ("job", job),
            ("namespace", f.namespace),
            ("cronjob", cronjob.as_str()),
        ];
        let metric = |m: &str| sel(m, &labels);
        let (what, title) = match run {
            Run::Full => ("full backup", "Full"),
            Run::Incremental => ("incremental backup", "Incremental"),
            Run::Files => ("bucket copy", "Files"),
            Run::Drill => ("restore drill", "Drill"),
        };
        let severity = if run == Run::Incremental {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let component = run.component();
        let success = select("kube_cronjob_status_last_successful_time", &labels);
        let scheduled = select("kube_cronjob_status_last_schedule_time", &labels);
        let next = select("kube_cronjob_next_schedule_time", &labels);
        // promtool evaluates at a few minutes after time 0, so a timestamp
        // far enough in the past is a negative one.
        let ago = |seconds: i64| -seconds;
        let stale = d.gap + d.active;
        let stale_alert = format!("DifyBackup{title}Stale");
        let spec = Spec {
            alert: &stale_alert,
            expr: expr!("time() - {success} > {stale}", success),
            for_seconds: 600,
            severity,
            component,
            summary: format!("backups: no successful {what} for too long"),
            description: format!(
                "`{cronjob}` last succeeded longer ago than its schedule's longest gap ({}s) plus its active deadline ({}s).",
                d.gap, d.active
            ),
        };
        rules.push(tested(f, spec.rule(f), &labels, |n| {
            (
                vec![constant(
                    metric("kube_cronjob_status_last_successful_time"),
                    ago(stale + 3600),
                    n,
                )],
                vec![constant(
                    metric("kube_cronjob_status_last_successful_time"),
                    ago(60),
                    n,
                )],
            )
        }));
        let failed_alert = format!("DifyBackup{title}Failed");
        let active = d.active;
        let spec = Spec {
            alert: &failed_alert,
            expr: expr!(
                "({success} < on (job, namespace, cronjob) {scheduled}) and on (job, namespace, cronjob) (time() - {scheduled} > {active})",
                success,
                scheduled,
            ),
            for_seconds: 60,
            severity,
            component,
            summary: format!("backups: the last {what} did not succeed"),
            description: format!(
                "The run of `{cronjob}` scheduled last ended, or passed its active deadline ({}s), without success: `kubectl -n {} logs` of its newest Job says why.",
                d.active, f.namespace
            ),
        };
        rules.push(tested(f, spec.rule(f), &labels, |n| {
            let at = |s: i64, l: i64| {
                vec![
                    constant(
                        metric("kube_cronjob_status_last_successful_time"),
                        ago(s),
                        n,
                    ),
                    constant(metric("kube_cronjob_status_last_schedule_time"), ago(l), n),
                ]
            };
            // Failing: scheduled after the last success, and over its deadline.
            (
                at(d.active + 7200, d.active + 600),
                at(d.active + 600, d.active + 600),
            )
        }));
        let missed_alert = format!("DifyBackup{title}Missed");
        let late = d.starting + 300;
        let spec = Spec {
            alert: &missed_alert,
            expr: expr!("time() - {next} > {late}", next),
            for_seconds: 60,
            severity,
            component,
            summary: format!("backups: a {what} was due and did not start"),
            description: format!(
                "`{cronjob}`'s next run is more than its starting deadline ({}s) overdue: the CronJob is suspended, or the controller could not start it.",
                d.starting
            ),
        };
        rules.push(tested(f, spec.rule(f), &labels, |n| {
            (
                vec![constant(
                    metric("kube_cronjob_next_schedule_time"),
                    ago(late + 3600),
                    n,
                )],
                vec![constant(metric("kube_cronjob_next_schedule_time"), 3600, n)],
            )
        }));
    }
    named(f, "backup", rules)
}
