//! The CronJobs: full and incremental backups, the bucket copy and the
//! drill. Each forbids overlapping runs, skips a run it could not start
//! within its starting deadline (the missed-backup alert sees it), stops a
//! run at its active deadline, keeps a short history, and runs under the
//! restricted security profile with no API token.

use super::pgbackrest::{self, CLIENT_TLS_DIR};
use super::{config_map_name, CONFIG_DIR, SCRATCH_DIR};
use crate::dify::data_layer;
use crate::plan::backup::{deadlines, name, Run};
use crate::plan::Plan;
use crate::render::kubernetes::config::{plain, secret_var};
use crate::render::kubernetes::labels::{labels, meta};
use crate::render::kubernetes::pods::resources;
use crate::render::kubernetes::stateful::{
    config_volume, container_security, empty_dir, pod_security,
};
use crate::topology::Backup;
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvVar, EphemeralVolumeSource, LocalObjectReference,
    PersistentVolumeClaimSpec, PersistentVolumeClaimTemplate, PodSpec, PodTemplateSpec,
    SecretVolumeSource, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// `postgres` in the pgEdge image, which carries pgBackRest.
const POSTGRES_UID: i64 = 26;
/// `nobody`: rclone needs no user of its own.
const RCLONE_UID: i64 = 65534;

pub fn cron_jobs(plan: &Plan, b: &Backup) -> Vec<CronJob> {
    Run::ALL.iter().map(|run| cron_job(plan, b, *run)).collect()
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..Default::default()
    }
}

fn cron_job(plan: &Plan, b: &Backup, run: Run) -> CronJob {
    let t = plan.t;
    let name = name(plan, run);
    let d = deadlines(b, run);
    let script = |file: &str| format!("{CONFIG_DIR}/{file}");
    let pgbackrest_config = script("pgbackrest.conf");
    let mut volumes = vec![
        config_volume("config", config_map_name(plan), 0o555),
        empty_dir("tmp"),
    ];
    let mut mounts = vec![
        mount("config", CONFIG_DIR, true),
        mount("tmp", "/tmp", false),
    ];
    let (image, uid, command, env): (String, i64, Vec<String>, Vec<EnvVar>) = match run {
        Run::Full | Run::Incremental => {
            volumes.push(Volume {
                name: "tls".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(b.tls.client_secret.clone()),
                    default_mode: Some(0o440),
                    ..Default::default()
                }),
                ..Default::default()
            });
            mounts.push(mount("tls", CLIENT_TLS_DIR, true));
            let kind = if run == Run::Full { "full" } else { "incr" };
            (
                t.images.postgres.clone(),
                POSTGRES_UID,
                vec!["sh".into(), script("backup.sh"), kind.into()],
                pgbackrest::env(b, &pgbackrest_config),
            )
        }
        Run::Drill => {
            let size = b
                .database_size
                .as_ref()
                .or(t.postgres.patroni.as_ref().map(|p| &p.storage.size))
                .map_or("10Gi".to_string(), |q| q.as_str().to_string());
            volumes.push(Volume {
                name: "scratch".into(),
                ephemeral: Some(EphemeralVolumeSource {
                    volume_claim_template: Some(PersistentVolumeClaimTemplate {
                        metadata: None,
                        spec: PersistentVolumeClaimSpec {
                            access_modes: Some(vec!["ReadWriteOnce".into()]),
                            storage_class_name: t
                                .postgres
                                .patroni
                                .as_ref()
                                .and_then(|p| p.storage.class_name.clone()),
                            resources: Some(VolumeResourceRequirements {
                                requests: Some(BTreeMap::from([(
                                    "storage".to_string(),
                                    Quantity(size),
                                )])),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    }),
                }),
                ..Default::default()
            });
            volumes.push(Volume {
                name: "shm".into(),
                empty_dir: Some(EmptyDirVolumeSource {
                    medium: Some("Memory".into()),
                    size_limit: Some(Quantity("256Mi".into())),
                }),
                ..Default::default()
            });
            mounts.push(mount("scratch", SCRATCH_DIR, false));
            mounts.push(mount("shm", "/dev/shm", false));
            (
                t.images.postgres.clone(),
                POSTGRES_UID,
                vec!["sh".into(), script("drill.sh")],
                pgbackrest::env(b, &pgbackrest_config),
            )
        }
        Run::Files => {
            let mut env = vec![
                plain("RCLONE_CONFIG", script("rclone.conf")),
                plain("XDG_CACHE_HOME", "/tmp"),
                plain("HOME", "/tmp"),
            ];
            for remote in super::remotes(plan, b) {
                for (name, secret) in &remote.env {
                    env.push(secret_var(name, secret));
                }
            }
            (
                b.files.image.clone(),
                RCLONE_UID,
                vec!["sh".into(), script("files-copy.sh")],
                env,
            )
        }
    };
    // GCS repositories' keys: pgBackRest and rclone read them from files.
    for (volume, key_mount) in pgbackrest::key_volumes(b) {
        volumes.push(volume);
        mounts.push(key_mount);
    }
    let container = Container {
        name: run.suffix().into(),
        image: Some(plan.pull(&image)),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(command),
        env: Some(env),
        resources: Some(resources(&b.resources)),
        security_context: Some(container_security()),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    let component = run.component();
    CronJob {
        metadata: meta(plan, name.clone(), component),
        spec: Some(CronJobSpec {
            schedule: run.schedule(b).trim().to_string(),
            time_zone: Some(b.time_zone.clone()),
            concurrency_policy: Some("Forbid".into()),
            starting_deadline_seconds: Some(d.starting),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(3),
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(plan, component)),
                    ..Default::default()
                }),
                spec: Some(JobSpec {
                    active_deadline_seconds: Some(d.active),
                    // A drill is not retried: a second attempt would hide a
                    // first that failed.
                    backoff_limit: Some(if run == Run::Drill { 0 } else { 1 }),
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(labels(plan, component)),
                            ..Default::default()
                        }),
                        spec: Some(PodSpec {
                            service_account_name: Some(plan.name(data_layer::BACKUP)),
                            automount_service_account_token: Some(false),
                            enable_service_links: Some(false),
                            restart_policy: Some("Never".into()),
                            security_context: Some(pod_security(uid)),
                            containers: vec![container],
                            volumes: Some(volumes),
                            // `images.pullSecrets`, like every pod dify-gen writes.
                            image_pull_secrets: {
                                let secrets: Vec<LocalObjectReference> = plan
                                    .pull_secrets(None)
                                    .into_iter()
                                    .map(|name| LocalObjectReference { name })
                                    .collect();
                                (!secrets.is_empty()).then_some(secrets)
                            },
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}
