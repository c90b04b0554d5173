//! NetworkPolicies: whether to render them, how pods reach DNS, and the
//! named destinations outside the release that components may call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the release's NetworkPolicies fit the cluster; omit for dify-gen's
/// defaults (policies on, DNS at `k8s-app: kube-dns` in `kube-system`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Network {
    /// Render NetworkPolicies (a default deny and one policy per
    /// component). `false` renders none, for clusters whose CNI does not
    /// enforce them: then nothing limits the pods' traffic.
    #[serde(default = "yes")]
    pub policies: bool,
    /// Where pods resolve names.
    #[serde(default)]
    pub dns: Dns,
    /// Destinations outside the release (in-cluster model servers, package
    /// mirrors, model gateways), each allowed to the components it names
    /// and to no others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<EgressDestination>,
}

fn yes() -> bool {
    true
}

/// The cluster's DNS: pods by labels in a namespace (kube-dns and CoreDNS
/// both carry `k8s-app: kube-dns`), and NodeLocal DNSCache's link-local
/// address when the cluster runs it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dns {
    /// Namespace of the DNS pods.
    #[serde(default = "kube_system")]
    pub namespace: String,
    /// Labels of the DNS pods.
    #[serde(default = "kube_dns")]
    pub pod_labels: BTreeMap<String, String>,
    /// NodeLocal DNSCache's address on every node (`169.254.20.10`): pods
    /// that query it reach no pod, so the policy allows the address itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_local_address: Option<String>,
}

fn kube_system() -> String {
    "kube-system".into()
}

fn kube_dns() -> BTreeMap<String, String> {
    BTreeMap::from([("k8s-app".to_string(), "kube-dns".to_string())])
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            namespace: kube_system(),
            pod_labels: kube_dns(),
            node_local_address: None,
        }
    }
}

/// One named destination: pods of another namespace (by labels) or
/// address ranges, on some TCP ports; set `namespace` or `cidrs`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EgressDestination {
    /// Name, for the report and the messages (`ollama`, `pypi-mirror`).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// Components that call it, by their key in `components` (`api`,
    /// `worker`, `pluginDaemon`).
    #[schemars(length(min = 1))]
    pub from: Vec<String>,
    /// Namespace of the destination's pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels of the destination's pods in `namespace`; omit for every pod
    /// of the namespace.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_labels: BTreeMap<String, String>,
    /// Address ranges (`10.20.0.0/16`), for destinations outside the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cidrs: Vec<String>,
    /// TCP ports.
    #[schemars(length(min = 1))]
    pub ports: Vec<u16>,
}
