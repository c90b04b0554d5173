//! The public entry.

use super::{Eviction, Spread};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A public host name, as the schema checks it.
const HOST: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$";

/// The public entry: routes Dify's paths to api, web and plugin daemon the
/// way Dify's own nginx does, with timeouts and buffering safe for SSE.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    /// Public host name (`dify.example.com`).
    #[schemars(regex(pattern = HOST))]
    pub host: String,
    /// Separate public domains for Dify's parts, as Dify's URL variables
    /// allow (`CONSOLE_WEB_URL`, `APP_WEB_URL`, `CONSOLE_API_URL`, ...);
    /// each omitted one is `host`. Every host serves every route of the
    /// entry, as Dify's own nginx does.
    #[serde(default, skip_serializing_if = "Domains::is_empty")]
    pub domains: Domains,
    /// Further names the whole entry answers to, as `host` does (an old
    /// name kept during a move): API clients, webhooks, plugin endpoints
    /// and file links keep working on them. Dify's URLs do not use them,
    /// and the console's pages belong on the console's host (the api's
    /// CORS admits that origin only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = HOST)))]
    pub extra_hosts: Vec<String>,
    /// TLS: the Secret holding the certificate, for every host of the
    /// entry (`host`, `domains`, `extraHosts`: one certificate with all
    /// their names). Without it the entry is plain HTTP.
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

/// Hosts of Dify's parts. Console and web apps sign in with cookies the
/// api sets, so when the console, the web apps and the API are not all on
/// one host they must share a parent domain, which becomes Dify's
/// `COOKIE_DOMAIN`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Domains {
    /// The console's pages (`CONSOLE_WEB_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HOST))]
    pub console: Option<String>,
    /// The published web apps (`APP_WEB_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HOST))]
    pub app: Option<String>,
    /// The API: the console's and the web apps' backends
    /// (`CONSOLE_API_URL`, `APP_API_URL`), the service API
    /// (`SERVICE_API_URL`), triggers (`TRIGGER_URL`) and collaboration's
    /// WebSocket (`NEXT_PUBLIC_SOCKET_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HOST))]
    pub api: Option<String>,
    /// Signed file previews and downloads (`FILES_URL`); it needs no
    /// cookie, so any domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HOST))]
    pub files: Option<String>,
}

impl Domains {
    pub fn is_empty(&self) -> bool {
        self.console.is_none() && self.app.is_none() && self.api.is_none() && self.files.is_none()
    }
}

impl Ingress {
    /// Every host name of the entry, once each: `host`, the domains, the
    /// extra hosts, in that order.
    pub fn hosts(&self) -> Vec<String> {
        let d = &self.domains;
        let mut out: Vec<String> = Vec::new();
        let all = std::iter::once(&self.host)
            .chain([&d.console, &d.app, &d.api, &d.files].into_iter().flatten())
            .chain(&self.extra_hosts);
        for h in all {
            if !out.contains(h) {
                out.push(h.clone());
            }
        }
        out
    }

    /// The host of a part: its domain, else `host`.
    pub fn console_host(&self) -> &str {
        self.domains.console.as_deref().unwrap_or(&self.host)
    }
    pub fn app_host(&self) -> &str {
        self.domains.app.as_deref().unwrap_or(&self.host)
    }
    pub fn api_host(&self) -> &str {
        self.domains.api.as_deref().unwrap_or(&self.host)
    }
    pub fn files_host(&self) -> &str {
        self.domains.files.as_deref().unwrap_or(&self.host)
    }

    /// The parent domain the console, web apps and API share when they
    /// are not all on one host (Dify's `COOKIE_DOMAIN`); `None` when they
    /// are on one host, or share no parent of two labels or more (the
    /// `entry` check refuses that).
    pub fn cookie_domain(&self) -> Option<String> {
        let (c, a, api) = (self.console_host(), self.app_host(), self.api_host());
        if c == api && a == api {
            return None;
        }
        let parent = shared_parent(&shared_parent(c, api)?, a)?;
        Some(parent)
    }
}

/// The longest parent domain two hosts share, of two labels or more.
pub fn shared_parent(a: &str, b: &str) -> Option<String> {
    let mut common: Vec<&str> = a
        .rsplit('.')
        .zip(b.rsplit('.'))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect();
    if common.len() < 2 {
        return None;
    }
    common.reverse();
    Some(common.join("."))
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

#[cfg(test)]
mod tests {
    use super::shared_parent;

    #[test]
    fn a_parent_domain_has_two_labels_or_more() {
        assert_eq!(
            shared_parent("console.example.com", "api.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            shared_parent("a.eu.example.com", "b.eu.example.com").as_deref(),
            Some("eu.example.com")
        );
        assert_eq!(
            shared_parent("example.com", "api.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(shared_parent("a.com", "b.com"), None);
        assert_eq!(shared_parent("a.example.com", "a.example.org"), None);
    }
}
