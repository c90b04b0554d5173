//! The public entry: Dify's own nginx routing, as an Ingress (F5 NGINX
//! Ingress Controller, or the legacy community ingress-nginx) or as a
//! Gateway API HTTPRoute.
//!
//! Routing follows the release's nginx (`plan.dify.routes`): `/console/api`,
//! `/api`, `/v1`, `/files`, `/mcp`, `/triggers` (and from 1.16 `/openapi`)
//! to api; `/socket.io/` to the websocket server, as a WebSocket; `/e/` to
//! the plugin daemon; everything else to web. Routes to a component the
//! topology turned off are left out. Buffering is off and timeouts are long,
//! because chat and workflow answers stream as server-sent events and
//! collaboration holds a WebSocket open.
//!
//! Every host of the entry (`ingress.host`, the `ingress.domains` of the
//! console, web apps, API and files, `ingress.extraHosts`) routes every
//! path: one Ingress rule per host, or one HTTPRoute with all of them as
//! `hostnames`, and one TLS Secret for all names. Dify's own nginx does the
//! same (`server_name _`, every location on every name); its plugin
//! endpoints (`/e/`) and the paths no URL variable names (`/mcp`,
//! `/openapi`, `/socket.io/`) answer on whatever host the caller used
//! (`Dify-Hook-Url` is built from `$host`), and the console and the web
//! apps are the same Next.js server. A host cut down to the paths of its
//! URL variable would break those; the api authenticates each path
//! itself, whatever the host.
//!
//! Dify's nginx also sets `Dify-Hook-Url: $scheme://$host$request_uri` on
//! `/e/`. None of the entries rendered here can set a header from request
//! variables on one path: F5 NGINX's `nginx.org/proxy-set-headers` refuses
//! `$` in values, a Gateway API header filter takes literal values, and
//! ingress-nginx sets it controller-wide (the Helm family's values). The
//! plugin daemon then builds the URL itself from `Host` and
//! `X-Forwarded-Proto`, without the query string (docs/guide.md).

use super::labels::meta;
use crate::dify::Kind;
use crate::plan::Plan;
use crate::topology::{GatewayImplementation, IngressController};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The entry objects, as JSON (Gateway API kinds are not in k8s-openapi).
pub fn objects(plan: &Plan) -> Vec<Value> {
    match plan.t.ingress.controller {
        IngressController::F5Nginx | IngressController::IngressNginx => vec![ingress(plan).json()],
        IngressController::GatewayApi => gateway_objects(plan),
    }
}

trait ToJson {
    fn json(&self) -> Value;
}

impl<T: Serialize> ToJson for T {
    fn json(&self) -> Value {
        serde_json::to_value(self).expect("Kubernetes objects serialise to JSON")
    }
}

fn annotations(plan: &Plan) -> BTreeMap<String, String> {
    let i = &plan.t.ingress;
    let timeout = i.timeout_seconds;
    let body = format!("{}m", i.max_body_megabytes);
    let mut websockets: Vec<String> = plan
        .routes()
        .filter(|r| r.websocket)
        .map(|r| plan.name(r.to.label()))
        .collect();
    websockets.dedup();
    let pairs: Vec<(&str, String)> = match i.controller {
        IngressController::F5Nginx => {
            let mut pairs = vec![
                ("nginx.org/proxy-read-timeout", format!("{timeout}s")),
                ("nginx.org/proxy-send-timeout", format!("{timeout}s")),
                ("nginx.org/proxy-buffering", "False".into()),
                ("nginx.org/client-max-body-size", body),
            ];
            // F5 NGINX adds the Upgrade headers only for the listed Services.
            if !websockets.is_empty() {
                pairs.push(("nginx.org/websocket-services", websockets.join(",")));
            }
            pairs
        }
        IngressController::IngressNginx => vec![
            (
                "nginx.ingress.kubernetes.io/proxy-read-timeout",
                timeout.to_string(),
            ),
            (
                "nginx.ingress.kubernetes.io/proxy-send-timeout",
                timeout.to_string(),
            ),
            ("nginx.ingress.kubernetes.io/proxy-buffering", "off".into()),
            ("nginx.ingress.kubernetes.io/proxy-body-size", body),
        ],
        IngressController::GatewayApi => vec![],
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The topology's labels of the entry, beside dify-gen's.
fn add_labels(metadata: &mut ObjectMeta, plan: &Plan) {
    let own = &plan.t.ingress.labels;
    if !own.is_empty() {
        metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .extend(own.clone());
    }
}

pub fn ingress(plan: &Plan) -> Ingress {
    let i = &plan.t.ingress;
    let mut metadata = meta(plan, plan.release, Kind::Web.label());
    let mut all = annotations(plan);
    // The topology's own (cert-manager, a cloud's); the `entry` check has
    // refused any of dify-gen's keys.
    all.extend(i.annotations.clone());
    metadata.annotations = Some(all);
    add_labels(&mut metadata, plan);
    let paths: Vec<HTTPIngressPath> = plan
        .routes()
        .map(|r| HTTPIngressPath {
            path: Some(r.path.to_string()),
            path_type: "Prefix".into(),
            backend: IngressBackend {
                service: Some(IngressServiceBackend {
                    name: plan.name(r.to.label()),
                    port: Some(ServiceBackendPort {
                        number: Some(i32::from(r.to.port())),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            },
        })
        .collect();
    let hosts = i.hosts();
    Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: Some(i.class_name.clone()),
            // One certificate for every name.
            tls: i.tls.as_ref().map(|tls| {
                vec![IngressTLS {
                    hosts: Some(hosts.clone()),
                    secret_name: Some(tls.secret_name.clone()),
                }]
            }),
            // One rule per host, each with every route (module docs).
            rules: Some(
                hosts
                    .iter()
                    .map(|host| IngressRule {
                        host: Some(host.clone()),
                        http: Some(HTTPIngressRuleValue {
                            paths: paths.clone(),
                        }),
                    })
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpRoute {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: HttpRouteSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpRouteSpec {
    parent_refs: Vec<ParentRef>,
    hostnames: Vec<String>,
    rules: Vec<RouteRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParentRef {
    name: String,
    namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    section_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteRule {
    matches: Vec<RouteMatch>,
    backend_refs: Vec<BackendRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeouts: Option<RouteTimeouts>,
}

#[derive(Serialize)]
struct RouteMatch {
    path: PathMatch,
}

#[derive(Serialize)]
struct PathMatch {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

#[derive(Serialize)]
struct BackendRef {
    name: String,
    port: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteTimeouts {
    request: String,
    backend_request: String,
}

/// NGINX Gateway Fabric's policies carry what its HTTPRoutes ignore.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Policy<S: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: S,
}

fn gateway_objects(plan: &Plan) -> Vec<Value> {
    let i = &plan.t.ingress;
    let gw = i
        .gateway
        .as_ref()
        .expect("checked: gateway-api has a gateway");
    let standard = gw.implementation == GatewayImplementation::Standard;
    let timeout = format!("{}s", i.timeout_seconds);
    // One rule per path prefix; Gateway API picks the longest match.
    let rules = plan
        .routes()
        .map(|r| RouteRule {
            matches: vec![RouteMatch {
                path: PathMatch {
                    kind: "PathPrefix",
                    value: prefix(r.path),
                },
            }],
            backend_refs: vec![BackendRef {
                name: plan.name(r.to.label()),
                port: r.to.port(),
            }],
            timeouts: standard.then(|| RouteTimeouts {
                request: timeout.clone(),
                backend_request: timeout.clone(),
            }),
        })
        .collect();
    let name = plan.release.to_string();
    let route = HttpRoute {
        api_version: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
            let mut m = meta(plan, name.clone(), Kind::Web.label());
            if !plan.t.ingress.annotations.is_empty() {
                m.annotations = Some(plan.t.ingress.annotations.clone());
            }
            add_labels(&mut m, plan);
            m
        },
        spec: HttpRouteSpec {
            parent_refs: vec![ParentRef {
                name: gw.name.clone(),
                namespace: gw.namespace.clone(),
                section_name: gw.section_name.clone(),
            }],
            hostnames: i.hosts(),
            rules,
        },
    };
    let mut out = vec![route.json()];
    if !standard {
        let target = serde_json::json!({"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": name});
        out.push(
            Policy {
                api_version: "gateway.nginx.org/v1alpha1",
                kind: "ProxySettingsPolicy",
                metadata: meta(plan, name.clone(), Kind::Web.label()),
                spec: serde_json::json!({
                    "targetRefs": [target.clone()],
                    "timeout": {"read": timeout, "send": timeout},
                    "buffering": {"disable": true},
                }),
            }
            .json(),
        );
        out.push(
            Policy {
                api_version: "gateway.nginx.org/v1alpha1",
                kind: "ClientSettingsPolicy",
                metadata: meta(plan, name, Kind::Web.label()),
                spec: serde_json::json!({
                    "targetRef": target,
                    "body": {"maxSize": format!("{}m", i.max_body_megabytes)},
                }),
            }
            .json(),
        );
    }
    out
}

/// `/e/` becomes `/e`: Gateway API prefixes already match whole segments.
fn prefix(path: &str) -> String {
    match path.trim_end_matches('/') {
        "" => "/".into(),
        p => p.into(),
    }
}
