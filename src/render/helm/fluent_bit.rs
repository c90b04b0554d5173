//! Values for the `fluent/fluent-bit` Helm chart (0.58.1, Fluent Bit 5.1),
//! with `logging.collector.mode: helm` or `both`: the same agent as the
//! DaemonSet of the `fluent-bit` family, from the same pipeline and the
//! same pieces (configuration, volumes, security contexts, probes,
//! environment), so the two cannot drift apart.
//!
//! What the chart is told, and why:
//! - the YAML configuration goes in as an extra file of the chart's
//!   ConfigMap (`config.extraFiles`) and `args` point the agent at it; the
//!   chart's classic sections are emptied, so the ConfigMap holds no
//!   second, unused pipeline. The chart runs `tpl` over those files, so a
//!   `{{` in the configuration is written as a template that prints it;
//! - `nameOverride: dify` and `podLabels` give the pods the labels
//!   dify-gen's NetworkPolicy selects (name, component; the instance label
//!   is the Helm release, so the chart is installed as the release named
//!   like the topology's); `fullnameOverride` names the cluster-scoped
//!   ClusterRole and binding per release and namespace, as the DaemonSet's;
//! - the chart's own test pod (`busybox:latest`, not pinned) is off; the
//!   PriorityClass and the namespace come from the `fluent-bit` family.

use crate::plan::Plan;
use crate::render::fluent_bit::objects::{
    self, cluster_name, GRACE_SECONDS, LIVENESS_PATH, READINESS_PATH,
};
use crate::render::fluent_bit::{config_text, COMPONENT, CONFIG_FILE};
use crate::render::kubernetes::labels::{selector_labels, PART_OF};
use crate::render::kubernetes::pods::pull_secrets;
use crate::render::kubernetes::resources;
use crate::topology::Logging;
use serde::Serialize;
use serde_json::{json, Value};

/// The values file, in `helm/`.
pub const FILE: &str = "fluent-bit-0.58.1.values.yaml";
/// Where the chart mounts its ConfigMap.
const CHART_CONFIG_DIR: &str = "/fluent-bit/etc/conf";

fn value(o: &impl Serialize) -> Value {
    serde_json::to_value(o).expect("Kubernetes types serialise to JSON")
}

/// Text the chart passes through `tpl`, written so that `tpl` gives it
/// back unchanged.
fn untemplated(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// An image as the chart's `image` values.
fn image(reference: &str) -> Value {
    let (repository, tag, digest) = super::split_image(reference);
    json!({
        "repository": repository,
        // `-`: no tag, where the reference has only a digest.
        "tag": tag.unwrap_or("-"),
        "digest": digest,
        "pullPolicy": "IfNotPresent",
    })
}

pub fn values(plan: &Plan, l: &Logging) -> Value {
    let c = &l.collector;
    let (volumes, mounts) = objects::volumes(l);
    let mut pod_labels = selector_labels(plan, COMPONENT);
    // The chart sets these two itself (`nameOverride`, the release).
    pod_labels.remove("app.kubernetes.io/name");
    pod_labels.remove("app.kubernetes.io/instance");
    pod_labels.insert("app.kubernetes.io/part-of".into(), PART_OF.into());
    let env = objects::secret_env(l);
    json!({
        "kind": "DaemonSet",
        "image": image(&plan.pull(&c.image)),
        "imagePullSecrets": value(&pull_secrets(plan, None).unwrap_or_default()),
        "nameOverride": PART_OF,
        "fullnameOverride": cluster_name(plan),
        "testFramework": {"enabled": false},
        "serviceAccount": {"create": true, "automountServiceAccountToken": true},
        "rbac": {"create": true, "nodeAccess": false, "eventsAccess": false},
        "podLabels": pod_labels,
        "priorityClassName": cluster_name(plan),
        "podSecurityContext": value(&objects::pod_security()),
        "securityContext": value(&objects::container_security()),
        "resources": value(&resources(&c.resources)),
        "tolerations": value(&objects::tolerations(l).unwrap_or_default()),
        "nodeSelector": c.node_selector,
        "terminationGracePeriodSeconds": GRACE_SECONDS,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        "livenessProbe": value(&objects::probe(LIVENESS_PATH)),
        "readinessProbe": value(&objects::probe(READINESS_PATH)),
        "env": value(&env),
        "metricsPort": c.http_port,
        "service": {"type": "ClusterIP", "port": c.http_port},
        "extraPorts": [{
            "name": "metrics",
            "port": c.metrics_port,
            "containerPort": c.metrics_port,
            "protocol": "TCP",
        }],
        "daemonSetVolumes": value(&volumes),
        "daemonSetVolumeMounts": value(&mounts),
        "command": ["/fluent-bit/bin/fluent-bit"],
        "args": [format!("--config={CHART_CONFIG_DIR}/{CONFIG_FILE}")],
        "config": {
            "service": "",
            "inputs": "",
            "filters": "",
            "outputs": "",
            "customParsers": "",
            "extraFiles": {CONFIG_FILE: untemplated(&config_text(plan, l))},
        },
        "networkPolicy": {"enabled": false},
        "hotReload": {"enabled": false},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_as_the_chart_joins_them() {
        let i = image("cr.fluentbit.io/fluent/fluent-bit:5.1.1");
        assert_eq!(i["repository"], "cr.fluentbit.io/fluent/fluent-bit");
        assert_eq!(i["tag"], "5.1.1");
        assert_eq!(i["digest"], Value::Null);
        let i = image("registry:5000/fluent-bit@sha256:abc");
        assert_eq!(i["repository"], "registry:5000/fluent-bit");
        assert_eq!(i["tag"], "-");
        assert_eq!(i["digest"], "sha256:abc");
    }

    #[test]
    fn templates_in_the_configuration_survive_tpl() {
        assert_eq!(untemplated("a {{b}} c"), "a {{ \"{{\" }}b}} c");
    }
}
