//! Backups that can restore what they promise: valid schedules, the 3-2-1
//! rule, an RPO the schedules and the archive achieve, and retention that
//! holds a whole chain.
//!
//! Why: a schedule the CronJob controller refuses (or one that never fires,
//! `0 0 30 2 *`) takes no backup at all; two repositories in one place burn
//! together; an archive timeout or a gap between backups longer than the
//! RPO objective loses more than promised; a retention shorter than the
//! time between full backups, or of a single full backup, deletes the only
//! complete chain (a full backup, its incrementals and their WAL) as soon
//! as the next one is written, before any drill has proved it. pgBackRest
//! reads files, so it backs up only the Patroni cluster this release runs.
//! Fix: as each message's help says.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::{dns, s3, url};
use crate::topology::cron::{self, Cron};
use crate::topology::{Backup, PostgresMode, RepositoryKind, UriStyle};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(b) = &cx.t.backup else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if cx.t.postgres.mode != PostgresMode::Patroni {
        out.push(
            cx.error(
                codes::T_BACKUP_NEEDS_PATRONI,
                "/postgres/mode",
                "`backup` needs `postgres.mode: patroni`: pgBackRest backs up the cluster this release runs",
            )
            .help("a managed PostgreSQL service backs itself up: remove the `backup` section (`backup: null` over a profile)"),
        );
    }
    let schedules = [
        ("/backup/schedules/full", &b.schedules.full),
        ("/backup/schedules/incremental", &b.schedules.incremental),
        ("/backup/schedules/drill", &b.schedules.drill),
        ("/backup/files/schedule", &b.files.schedule),
    ];
    let mut all_valid = true;
    for (pointer, schedule) in schedules {
        let problem = match Cron::parse(schedule) {
            Err(e) => Some(e),
            // Through the remembered gaps: the plan asks for the same one.
            Ok(_) if cron::gap(schedule).is_none() => {
                Some(format!("`{schedule}` never fires: no such date"))
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            all_valid = false;
            out.push(
                cx.error(codes::T_CRON, pointer, format!("not a valid schedule: {problem}"))
                    .help("write five cron fields, minute hour day-of-month month day-of-week (`0 2 * * *`)"),
            );
        }
    }
    out.extend(names(cx, b));
    out.extend(repository_fields(cx, b));
    out.extend(three_two_one(cx, b));
    if all_valid {
        out.extend(rpo(cx, b));
        out.extend(retention(cx, b));
    }
    out
}

/// What pgBackRest, rclone and Kubernetes would refuse: bucket and Secret
/// names, regions, the Pushgateway's URL, and archive parameters that
/// `backup` sets itself.
fn names(cx: &Cx, b: &Backup) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, r) in b.repositories.iter().enumerate() {
        let at = |field: &str| format!("/backup/repositories/{i}/{field}");
        out.extend(cx.name_rule(&at("bucket"), "bucket name", &r.bucket, s3::bucket));
        out.extend(cx.name_rule(&at("region"), "region", &r.region, s3::region_name));
    }
    for (field, name) in [
        ("serverSecret", &b.tls.server_secret),
        ("clientSecret", &b.tls.client_secret),
    ] {
        out.extend(cx.name_rule(
            &format!("/backup/tls/{field}"),
            "Secret name",
            name,
            dns::subdomain,
        ));
    }
    if let Some(url) = &b.pushgateway {
        out.extend(cx.name_rule("/backup/pushgateway", "Pushgateway URL", url, url::http));
    }
    if let Some(p) = &cx.t.postgres.patroni {
        for name in p.parameters.keys() {
            let lower = name.to_ascii_lowercase();
            if [
                "archive_mode",
                "archive_command",
                "archive_timeout",
                "archive_library",
            ]
            .contains(&lower.as_str())
            {
                out.push(
                    cx.error(
                        codes::T_PG_MANAGED_PARAMETER,
                        &format!("/postgres/patroni/parameters/{name}"),
                        format!("`{name}` is set by `backup` (pgBackRest archives WAL); this value would be overridden"),
                    )
                    .help("remove it, and set `backup.archive` instead"),
                );
            }
        }
    }
    out
}

/// Each repository sets what its `type` reads and nothing else (T150,
/// T003); an Azure account URL names the account (T151).
fn repository_fields(cx: &Cx, b: &Backup) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, r) in b.repositories.iter().enumerate() {
        let base = format!("/backup/repositories/{i}");
        let kind = r.kind.as_str();
        for (key, set, read_by, required) in r.fields() {
            let reads = read_by.contains(&r.kind);
            if set && !reads {
                out.push(
                    cx.error(
                        codes::T_REPOSITORY_FIELDS,
                        &format!("{base}/{key}"),
                        format!("`{key}` is not read by a repository of `type: {kind}`"),
                    )
                    .help("remove it, or set the `type` that reads it"),
                );
            } else if !set && reads && required {
                let section = crate::source::dotted(&base);
                out.push(
                    cx.error(
                        codes::T_MISSING_FIELD,
                        &format!("{base}/type"),
                        format!("missing field `{key}` for a repository of `type: {kind}`"),
                    )
                    .path(format!("{section}.{key}"))
                    .help(format!("add `{key}:` under `{section}`")),
                );
            }
        }
        if let (RepositoryKind::Azure, UriStyle::Host, Some(account)) =
            (r.kind, r.uri_style(), &r.account)
        {
            let (host, _) = r.host_port();
            if !host.starts_with(&format!("{account}.")) {
                out.push(
                    cx.error(
                        codes::T_AZURE_ENDPOINT,
                        &format!("{base}/endpoint"),
                        format!("`{host}` is not the URL of account `{account}`: virtual-hosted addressing puts the account first"),
                    )
                    .help(format!("write `https://{account}.blob.core.windows.net`, or set `uriStyle: path` for an endpoint that takes the account in the path (Azurite)")),
                );
            }
        }
    }
    out
}

fn three_two_one(cx: &Cx, b: &Backup) -> Vec<Diagnostic> {
    let finding = |pointer: &str, message: String| {
        if b.enforce_three_two_one {
            cx.error(codes::T_THREE_TWO_ONE, pointer, message)
        } else {
            cx.warning(codes::T_THREE_TWO_ONE, pointer, message)
        }
    };
    let mut out = Vec::new();
    let repos = &b.repositories;
    if repos.len() < 2 {
        out.push(
            finding(
                "/backup/repositories",
                format!(
                    "3-2-1 needs two repositories, a primary object store and an off-site one; there is {}",
                    repos.len()
                ),
            )
            .help("add a repository in another region or with another provider"),
        );
    } else if repos.iter().all(|r| r.place() == repos[0].place()) {
        let (host, region) = repos[0].place();
        out.push(
            finding(
                "/backup/repositories/1/endpoint",
                format!("every repository is at `{host}` in `{region}`: one place, so one disaster takes every copy"),
            )
            .help("move one repository off site: another region, or another provider's endpoint"),
        );
    }
    let (files, plugins) = cx.t.storage.buckets().unwrap_or_default();
    for (i, r) in repos.iter().enumerate() {
        if r.bucket == files || r.bucket == plugins {
            out.push(
                cx.error(
                    codes::T_THREE_TWO_ONE,
                    &format!("/backup/repositories/{i}/bucket"),
                    format!(
                        "repository bucket `{}` is one of the buckets it backs up",
                        r.bucket
                    ),
                )
                .help("give backups a bucket of their own"),
            );
        }
    }
    out
}

fn rpo(cx: &Cx, b: &Backup) -> Vec<Diagnostic> {
    let objective = u64::from(b.objectives.rpo_seconds);
    let (achieved, _) = b.achieved_rpo();
    let Some(achieved) = achieved.filter(|a| *a > objective) else {
        return Vec::new();
    };
    let (pointer, message, help) = if b.archive.continuous {
        (
            "/backup/archive/timeoutSeconds",
            format!("archive timeout {achieved}s is longer than the RPO objective ({objective}s): a WAL segment may wait that long before it is archived"),
            format!("set `timeoutSeconds` to at most {objective}"),
        )
    } else {
        (
            "/backup/schedules/incremental",
            format!("backups are up to {achieved}s apart without continuous archiving, longer than the RPO objective ({objective}s)"),
            "turn on `archive.continuous`, or back up more often".to_string(),
        )
    };
    vec![cx.error(codes::T_BACKUP_RPO, pointer, message).help(help)]
}

fn retention(cx: &Cx, b: &Backup) -> Vec<Diagnostic> {
    let full_gap = cron::gap(&b.schedules.full).unwrap_or(0);
    let mut out = Vec::new();
    for (i, r) in b.repositories.iter().enumerate() {
        let at = format!("/backup/repositories/{i}/retention");
        match (r.retention.full_backups, r.retention.days) {
            (Some(_), Some(_)) | (None, None) => out.push(
                cx.error(
                    codes::T_BACKUP_RETENTION,
                    &at,
                    "retention is by count or by age: set one of `fullBackups` and `days`",
                )
                .help("`fullBackups: 7`, or `days: 30`"),
            ),
            (Some(1), None) => out.push(
                cx.error(
                    codes::T_BACKUP_RETENTION,
                    &format!("{at}/fullBackups"),
                    "one full backup cannot hold a complete chain beside the next: the only restorable chain is expired as soon as a new full backup finishes",
                )
                .help("keep at least `fullBackups: 2`"),
            ),
            (None, Some(days)) if u64::from(days) * 86_400 < full_gap => out.push(
                cx.error(
                    codes::T_BACKUP_RETENTION,
                    &format!("{at}/days"),
                    format!(
                        "{days} day(s) cannot hold one full chain: full backups are up to {:.1} days apart",
                        full_gap as f64 / 86_400.0
                    ),
                )
                .help(format!("keep at least {} days, or take full backups more often", full_gap.div_ceil(86_400))),
            ),
            _ => {}
        }
    }
    out
}
