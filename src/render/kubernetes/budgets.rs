//! PodDisruptionBudgets and HorizontalPodAutoscalers, from the plan's
//! per-workload budget and replica range.

use super::labels::{meta, selector};
use crate::plan::{Budget, Plan, Workload};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub fn pdb(plan: &Plan, w: &Workload) -> Option<PodDisruptionBudget> {
    let budget = w.budget?;
    Some(PodDisruptionBudget {
        metadata: meta(plan, w.name.clone(), w.kind.label()),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: match budget {
                Budget::MaxUnavailable(n) => Some(IntOrString::Int(n as i32)),
                Budget::MinAvailable(_) => None,
            },
            min_available: match budget {
                Budget::MinAvailable(n) => Some(IntOrString::Int(n as i32)),
                Budget::MaxUnavailable(_) => None,
            },
            selector: Some(selector(plan, w.kind.label())),
            // Evict pods that never became ready, so a broken rollout cannot block a drain.
            unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
        }),
        ..Default::default()
    })
}

pub fn hpa(plan: &Plan, w: &Workload) -> Option<HorizontalPodAutoscaler> {
    let a = w.spec.autoscaling.as_ref()?;
    Some(HorizontalPodAutoscaler {
        metadata: meta(plan, w.name.clone(), w.kind.label()),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".into()),
                kind: "Deployment".into(),
                name: w.name.clone(),
            },
            min_replicas: Some(w.min_replicas.max(1) as i32),
            max_replicas: a.max_replicas as i32,
            metrics: Some(vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(a.target_cpu_percent as i32),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}
