//! The Dify workloads: replicas, resources, placement, probes and overrides.

use super::images::PullPolicy;
use super::resources::Resources;
use super::scheduling::{NodeAffinity, Toleration};
use super::secrets::SecretRef;
use crate::dify::Kind;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Dify workloads. The first seven run with every release; the others
/// only where the release has them and the topology keeps them on
/// (`dify.collaboration`, `dify.agentRuntime`), and then they are required.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Components {
    pub api: Component,
    pub worker: Component,
    /// Celery beat: exactly one replica, replaced with `Recreate`.
    pub beat: Component,
    pub web: Component,
    pub sandbox: Component,
    pub plugin_daemon: Component,
    pub ssrf_proxy: Component,
    /// The Socket.IO server of workflow collaboration (Dify 1.15 and later).
    /// Replicas share rooms through Redis; the browser connects with the
    /// WebSocket transport only, so no session affinity is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_websocket: Option<Component>,
    /// The agent run server of the agent v2 runtime (Dify 1.16 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_backend: Option<Component>,
    /// The shell sandbox agents run commands in: exactly one replica,
    /// replaced with `Recreate` (its jobs and workspaces live in the pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_sandbox: Option<Component>,
    /// The forward proxy the local sandbox's traffic must take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_ssrf_proxy: Option<Component>,
}

impl Components {
    /// Every component the topology gives settings for, with its key in
    /// the topology (`pluginDaemon`). Which of them run is `plan::deployments`.
    pub fn all(&self) -> Vec<(&'static str, &Component)> {
        Kind::ALL
            .into_iter()
            .filter_map(|kind| self.get(kind).map(|c| (kind.key(), c)))
            .collect()
    }

    /// The settings of a Dify workload (the migration Job runs with the
    /// api's); `None` for an optional component the topology leaves out.
    pub fn get(&self, kind: Kind) -> Option<&Component> {
        match kind.settings_of() {
            Kind::Api | Kind::Migration => Some(&self.api),
            Kind::Worker => Some(&self.worker),
            Kind::Beat => Some(&self.beat),
            Kind::Web => Some(&self.web),
            Kind::Sandbox => Some(&self.sandbox),
            Kind::PluginDaemon => Some(&self.plugin_daemon),
            Kind::SsrfProxy => Some(&self.ssrf_proxy),
            Kind::ApiWebsocket => self.api_websocket.as_ref(),
            Kind::AgentBackend => self.agent_backend.as_ref(),
            Kind::LocalSandbox => self.local_sandbox.as_ref(),
            Kind::AgentSsrfProxy => self.agent_ssrf_proxy.as_ref(),
        }
    }
}

/// One workload's size, placement and overrides.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    /// Pod count (the HPA's minimum when autoscaling is on).
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: u32,
    pub resources: Resources,
    /// How replicas spread: `zone` (evenly over zones, hard: a pod that
    /// would skew the zones stays Pending, also while a zone is down),
    /// `zone-preferred` (evenly over zones and nodes as a preference: pods
    /// evicted from a dark zone and the HPA's new ones run in the others),
    /// `host` (never two on a node), or `none`. See `docs/zone-outages.md`.
    pub spread: Spread,
    /// Horizontal autoscaling on CPU; omit for a fixed replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Probe overrides, field by field, over dify-gen's defaults.
    #[serde(default, skip_serializing_if = "Probes::is_empty")]
    pub probes: Probes,
    /// Extra plain environment variables: `NAME: value`, or `NAME: {value:
    /// ..., override: true}` to replace a variable dify-gen sets itself
    /// (`DB_HOST`, `REDIS_*`, ...), which is refused otherwise. Values that
    /// look like secrets are refused: use `secretEnv`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "BTreeMap<String, EnvValue>")]
    pub env: IndexMap<String, EnvValue>,
    /// Extra environment variables taken from existing Secrets; `override:
    /// true` replaces a variable dify-gen sets itself.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "BTreeMap<String, SecretEnv>")]
    pub secret_env: IndexMap<String, SecretEnv>,
    /// Node labels the pods must match.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Seconds a pod gets to finish in-flight work after SIGTERM; omit for
    /// dify-gen's per-component default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub termination_grace_period_seconds: Option<u32>,
    /// Voluntary disruption budget (drains, upgrades); omit for dify-gen's
    /// default, `maxUnavailable: 1` with two or more replicas. A budget
    /// that lets no pod go blocks every node drain and is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption_budget: Option<DisruptionBudget>,
    /// How the Deployment replaces pods: `rolling` (new pod first) or
    /// `recreate` (old pods gone first); omit for dify-gen's default,
    /// `recreate` for beat and the local sandbox, `rolling` for everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<UpdateStrategy>,
    /// Pull secrets this component's pods use besides `images.pullSecrets`
    /// (names of `kubernetes.io/dockerconfigjson` Secrets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// When the kubelet pulls this component's image; omit for
    /// `IfNotPresent`, right for pinned tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Node affinity, beside `nodeSelector`: `required` terms pin the pods
    /// to matching nodes (and `plan` places them only on matching
    /// `nodes` pools), `preferred` terms favour some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
    /// Taints the pods tolerate (a dedicated or spot pool); `plan` places
    /// them on tainted `nodes` pools only with a matching toleration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// A PriorityClass that exists in the cluster (`system-cluster-critical`
    /// is for the cluster's own add-ons); omit for the cluster's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Annotations and labels of the component's own ServiceAccount, for
    /// cloud workload identity: `eks.amazonaws.com/role-arn` (IRSA),
    /// `iam.gke.io/gcp-service-account` (GKE),
    /// `azure.workload.identity/client-id` (Azure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccountSettings>,
    /// How long the pods stay bound to a node the control plane lost
    /// contact with before they are evicted and replaced; omit for
    /// Kubernetes' default, 300 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eviction: Option<Eviction>,
    /// Escape hatches: Kubernetes' own pod fields, checked against the
    /// strict Kubernetes schemas and dify-gen's security rules, added to
    /// what dify-gen renders (`docs/escape-hatches.md`).
    #[serde(default, skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
}

/// Kubernetes pod fields added to a component's pods as written (the
/// migration Job takes the api's, but no sidecars: it would never end).
/// Containers get the `restricted` security context where they leave a
/// field unset; one that asks for root, privilege, a writable root file
/// system or an added capability is refused at its line.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Extras {
    /// Volumes beside dify-gen's own (a ConfigMap of CA certificates, a
    /// CSI secret store); a name dify-gen uses is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<k8s_openapi::api::core::v1::Volume>,
    /// Mounts into the component's own container, each naming a volume
    /// of `volumes` or one of dify-gen's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<k8s_openapi::api::core::v1::VolumeMount>,
    /// Init containers, run after dify-gen's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<k8s_openapi::api::core::v1::Container>,
    /// Containers beside the component's own (a log shipper, a proxy). They
    /// share the pod's NetworkPolicy: the component's edges, no more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<k8s_openapi::api::core::v1::Container>,
    /// Entries of the pods' `/etc/hosts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_aliases: Vec<k8s_openapi::api::core::v1::HostAlias>,
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        self.volumes.is_empty()
            && self.volume_mounts.is_empty()
            && self.init_containers.is_empty()
            && self.sidecars.is_empty()
            && self.host_aliases.is_empty()
    }
}

/// Eviction from a failed node: the pods tolerate the `NoExecute` taints
/// `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable` for
/// this long. Shorter brings capacity back sooner after a node or zone is
/// lost; too short evicts every pod of a node whose kubelet only missed a
/// few heartbeats (a flapping node), see `docs/zone-outages.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Eviction {
    /// Seconds a pod stays on a `not-ready` or `unreachable` node, counted
    /// from the taint (which the node lifecycle controller sets about 50 s
    /// after the node's last heartbeat).
    #[schemars(range(min = 0, max = 86400))]
    pub toleration_seconds: u32,
}

impl Eviction {
    /// Kubernetes' default (the `DefaultTolerationSeconds` admission plugin).
    pub const DEFAULT_SECONDS: u32 = 300;

    /// The seconds a component's pods tolerate a failed node.
    pub fn seconds(eviction: Option<&Eviction>) -> u32 {
        eviction.map_or(Self::DEFAULT_SECONDS, |e| e.toleration_seconds)
    }
}

/// What the component's ServiceAccount carries beside dify-gen's labels.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccountSettings {
    /// Annotations (keys as label keys, values free text without secrets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Labels; `app.kubernetes.io/*` are dify-gen's and refused here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// ServiceAccount annotations by which a cloud grants a pod an identity.
pub const IDENTITY_ANNOTATIONS: &[&str] = &[
    "eks.amazonaws.com/role-arn",
    "iam.gke.io/gcp-service-account",
    "azure.workload.identity/client-id",
];

/// The value of an `env` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    /// The value as text.
    Plain(String),
    /// The value, and whether it replaces a variable dify-gen sets.
    Entry(EnvEntry),
}

impl EnvValue {
    pub fn value(&self) -> &str {
        match self {
            EnvValue::Plain(v) => v,
            EnvValue::Entry(e) => &e.value,
        }
    }

    /// The entry says it replaces a variable dify-gen manages.
    pub fn overrides(&self) -> bool {
        matches!(
            self,
            EnvValue::Entry(EnvEntry {
                overrides: true,
                ..
            })
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvEntry {
    /// The variable's value.
    pub value: String,
    /// `true`: replace the value dify-gen sets for this variable.
    #[serde(
        default,
        rename = "override",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub overrides: bool,
}

/// A `secretEnv` entry: a key of an existing Secret.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretEnv {
    /// Secret name.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
    /// `true`: replace the value dify-gen sets for this variable.
    #[serde(
        default,
        rename = "override",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub overrides: bool,
}

impl SecretEnv {
    /// The Secret key it reads.
    pub fn secret(&self) -> SecretRef {
        SecretRef {
            name: self.name.clone(),
            key: self.key.clone(),
        }
    }
}

/// A PodDisruptionBudget: set exactly one of the two fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisruptionBudget {
    /// Pods that must stay available during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<u32>,
    /// Pods that may be unavailable at once during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpdateStrategy {
    Rolling,
    Recreate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    Zone,
    #[serde(rename = "zone-preferred")]
    ZonePreferred,
    Host,
    None,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    #[schemars(range(min = 1))]
    pub max_replicas: u32,
    /// Average CPU utilisation target, percent of requests.
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_percent: u32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Probes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<ProbeOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ProbeOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<ProbeOverride>,
}

impl Probes {
    pub fn is_empty(&self) -> bool {
        self.liveness.is_none() && self.readiness.is_none() && self.startup.is_none()
    }
}

/// Overrides for one probe; unset fields keep dify-gen's default.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProbeOverride {
    /// `false` removes the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// HTTP path (Dify has `/health`, not `/healthz` or `/readyz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^/"))]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u32>,
    /// Run a command instead of an HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 3600))]
    pub initial_delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3600))]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3600))]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub failure_threshold: Option<u32>,
}
