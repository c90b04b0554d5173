//! The public entry.

use super::{Eviction, Spread};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The public entry: routes Dify's paths to api, web and plugin daemon the
/// way Dify's own nginx does, with timeouts and buffering safe for SSE.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    /// Public host name (`dify.example.com`).
    #[schemars(regex(
        pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$"
    ))]
    pub host: String,
    /// TLS: the Secret holding the certificate. Without it the entry is plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Which entry to render: `f5-nginx` (an Ingress for the F5 NGINX Ingress
    /// Controller), `gateway-api` (an HTTPRoute), or `ingress-nginx` (legacy:
    /// the community controller, retired in March 2026).
    pub controller: IngressController,
    /// IngressClass name, for the Ingress controllers.
    pub class_name: String,
    /// The Gateway the HTTPRoute attaches to, for `gateway-api`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRef>,
    /// Proxy read and send timeout, in seconds (Dify's nginx uses 3600).
    #[schemars(range(min = 1))]
    pub timeout_seconds: u32,
    /// Largest request body, in megabytes (Dify's nginx allows 100).
    #[schemars(range(min = 1))]
    pub max_body_megabytes: u32,
    /// Replicas of the NGINX controller (written to the controller's Helm values).
    #[schemars(range(min = 1))]
    pub controller_replicas: u32,
    /// How the controller's replicas spread, as a component's `spread`:
    /// `zone` (evenly over zones, hard), `zone-preferred`, `host` (never two
    /// on a node) or `none`. With one zone, `zone` spreads over hosts.
    #[serde(default = "controller_spread")]
    pub controller_spread: Spread,
    /// How long the controller's pods stay on a node that stopped
    /// answering before they are evicted and replaced, as a component's
    /// `eviction`; omit for Kubernetes' default, 300 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_eviction: Option<Eviction>,
    /// Annotations of the Ingress or HTTPRoute, beside dify-gen's:
    /// cert-manager's (`cert-manager.io/cluster-issuer`), a cloud load
    /// balancer's, external-dns'. One that dify-gen sets itself for the
    /// controller (timeouts, buffering, body size) is refused.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Labels of the Ingress or HTTPRoute (a Gateway's route selector);
    /// `app.kubernetes.io/*` are dify-gen's and refused here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn controller_spread() -> Spread {
    Spread::Zone
}

/// The annotations dify-gen's entry sets for a controller: the SSE-safe
/// timeouts, buffering and body size Dify needs.
pub fn managed_annotations(controller: IngressController) -> &'static [&'static str] {
    match controller {
        IngressController::F5Nginx => &[
            "nginx.org/proxy-read-timeout",
            "nginx.org/proxy-send-timeout",
            "nginx.org/proxy-buffering",
            "nginx.org/client-max-body-size",
            "nginx.org/websocket-services",
        ],
        IngressController::IngressNginx => &[
            "nginx.ingress.kubernetes.io/proxy-read-timeout",
            "nginx.ingress.kubernetes.io/proxy-send-timeout",
            "nginx.ingress.kubernetes.io/proxy-buffering",
            "nginx.ingress.kubernetes.io/proxy-body-size",
        ],
        IngressController::GatewayApi => &[],
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// Name of an existing `kubernetes.io/tls` Secret.
    pub secret_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IngressController {
    F5Nginx,
    GatewayApi,
    IngressNginx,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRef {
    /// Gateway name.
    pub name: String,
    /// Gateway namespace.
    pub namespace: String,
    /// Listener to attach to; omit to attach to all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
    /// `nginx-gateway-fabric` ignores HTTPRoute timeouts, so its own
    /// ProxySettingsPolicy carries them; `standard` uses HTTPRoute timeouts.
    pub implementation: GatewayImplementation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayImplementation {
    NginxGatewayFabric,
    Standard,
}
