//! Deployments for the Dify processes and the one-off migration Job.

use super::labels::{meta, selector};
use super::pods;
use crate::dify::Kind;
use crate::plan::{Plan, Workload};
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub fn deployment(plan: &Plan, w: &Workload, config_hash: &str) -> Deployment {
    // Beat must never run twice, not even for the seconds a rolling update
    // overlaps old and new pods: replace it with `Recreate` (the plan says so).
    let strategy = if w.recreate {
        DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        }
    } else {
        DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(IntOrString::Int(1)),
                max_unavailable: Some(IntOrString::Int(0)),
            }),
        }
    };
    Deployment {
        metadata: meta(plan, w.name.clone(), w.kind.label()),
        spec: Some(DeploymentSpec {
            replicas: w.replicas.map(|r| r as i32),
            revision_history_limit: Some(5),
            selector: selector(plan, w.kind.label()),
            strategy: Some(strategy),
            template: pods::template(plan, w.kind, config_hash),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Longest the migration Job may run; the backend pods' schema wait gives
/// up (and retries) after as long.
pub const MIGRATION_DEADLINE_SECONDS: u32 = 1800;

/// Runs `flask upgrade-db` once per release (`MODE=migration` with
/// `MIGRATION_ENABLED=true`); every other pod has migrations off, so no two
/// replicas race on the schema. The name carries the version, so an
/// upgrade creates a new Job instead of patching an immutable one. The new
/// api, websocket, worker and beat pods wait in an init container until
/// the schema it produces is there (`pods::schema_wait`).
pub fn migration_job(plan: &Plan, config_hash: &str) -> Job {
    let mut metadata = meta(plan, plan.migration_job(), Kind::Migration.label());
    metadata.annotations = Some(
        [("argocd.argoproj.io/sync-wave".to_string(), "-1".to_string())]
            .into_iter()
            .collect(),
    );
    Job {
        metadata,
        spec: Some(JobSpec {
            backoff_limit: Some(3),
            active_deadline_seconds: Some(i64::from(MIGRATION_DEADLINE_SECONDS)),
            ttl_seconds_after_finished: None,
            template: pods::template(plan, Kind::Migration, config_hash),
            ..Default::default()
        }),
        ..Default::default()
    }
}
