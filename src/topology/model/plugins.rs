//! The plugin daemon in production: what runs as PID 1 in its pod, where
//! its working state lives, the package index it installs plugin
//! dependencies from, and the opt-in remote-debug port.

use crate::topology::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the plugin daemon runs; omit for the defaults (`init: auto`, no
/// size limit on the working directory, the public PyPI, no remote debugging).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plugins {
    /// What reaps the daemon's processes and keeps it from being PID 1:
    /// each Python plugin exits when its parent is PID 1 (its SDK takes
    /// that for an orphaned process). `image`: the image's own init (tini,
    /// in plugin daemon images 0.6.0 and later); `sharedProcessNamespace`:
    /// the pod's pause container is PID 1 (and reaps zombies), at the cost
    /// of the pod's containers seeing each other's processes; `auto`:
    /// `image` when the release's own daemon image has tini,
    /// `sharedProcessNamespace` for older images and for an
    /// `images.pluginDaemon` override (dify-gen cannot know what it holds).
    #[serde(default)]
    pub init: PluginInit,
    /// Largest size of the daemon's working directory (`/app/storage`, an
    /// `emptyDir` per pod where plugins are unpacked and their Python
    /// environments built, rebuilt from plugin storage after a restart);
    /// omit for no limit. A pod that outgrows it is evicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory_limit: Option<Quantity>,
    /// A PyPI mirror for plugin dependencies (air-gapped clusters); omit
    /// for the public index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_mirror: Option<PipMirror>,
    /// The remote-debug port (5003), through which a developer's machine
    /// runs a plugin against this Dify; omit to keep it closed (the daemon
    /// then does not listen on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_debug: Option<RemoteDebug>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PluginInit {
    #[default]
    Auto,
    Image,
    SharedProcessNamespace,
}

/// A package index the daemon installs plugin dependencies from.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipMirror {
    /// The index URL (`PIP_MIRROR_URL`), a PEP 503 simple index such as
    /// `https://pypi.internal.example/simple`.
    pub url: String,
    /// The `network.egress` destination the mirror is at: the daemon's
    /// policy allows it on the URL's port.
    pub egress: String,
}

/// The opt-in remote-debug endpoint: a Service on port 5003 and a
/// NetworkPolicy edge from the given address ranges.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteDebug {
    /// Host name developers connect to, shown in Dify's console
    /// (`PLUGIN_REMOTE_INSTALL_HOST` of api): the load balancer's name, or
    /// `localhost` with `kubectl port-forward`.
    pub advertised_host: String,
    /// Port developers connect to (`PLUGIN_REMOTE_INSTALL_PORT`).
    #[serde(default = "debug_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub advertised_port: u16,
    /// `ClusterIP` (reach it with `kubectl port-forward`) or
    /// `LoadBalancer` (which keeps the client's address, so that
    /// `allowFrom` applies).
    #[serde(default)]
    pub service_type: DebugServiceType,
    /// Address ranges (`10.8.0.0/16`, a VPN's) allowed to connect; the
    /// policy's ingress edge and the load balancer's source ranges.
    #[schemars(length(min = 1))]
    pub allow_from: Vec<String>,
    /// Annotations of the Service (a cloud's internal load balancer).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

fn debug_port() -> u16 {
    crate::dify::ports::PLUGIN_DEBUG
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum DebugServiceType {
    #[default]
    ClusterIP,
    LoadBalancer,
}
