//! Values for the community Dify chart (BorisPolonsky/dify-helm, chart
//! 0.38.0-rc2, appVersion 1.16.1), from the same plan as the raw
//! manifests: the chart runs the pods dify-gen would run, with the
//! settings dify-gen derives.
//!
//! What the chart is told, and why:
//! - `fullnameOverride` is the topology's name, so the chart's Services are
//!   `<name>-api`, `<name>-web`, ... on the ports Dify serves: the names
//!   and ports dify-gen's own entry (Ingress or HTTPRoute) routes to. The
//!   chart's bundled nginx (`proxy`), Ingress and HTTPRoute are off;
//! - per component, the replicas (the HPA's minimum when autoscaled), the
//!   resources, tolerations (eviction timing included), node selector,
//!   priority class, probes (as the chart's `custom*Probe`, which it
//!   renders whole), update strategy and security contexts of the
//!   Deployment dify-gen renders, with its scratch `emptyDir`s as
//!   `extraVolumes`; spread becomes pod anti-affinity on the chart's labels
//!   (the chart has no `topologySpreadConstraints`);
//! - every setting of dify-gen's ConfigMap for the component and every
//!   Secret-backed variable goes in as `extraEnv`: the container's `env`
//!   overrides the chart's own ConfigMap and Secret (`envFrom`), so the
//!   database is the Patroni leader Service, Redis is asked through the
//!   Sentinels, storage is S3, and every credential comes from the
//!   topology's existing Secrets. The chart's own credential values are
//!   emptied, so its Secrets hold no well-known default key;
//! - the bundled PostgreSQL, Redis and Weaviate subcharts are off: dify-gen
//!   renders the data layer (or the topology names external services).
//!
//! The file is written for the Dify release the chart targets only (see
//! `docs/helm.md`): its templates hard-code that release's components and
//! variables.

use super::split_image;
use crate::dify::Kind;
use crate::plan::{Plan, Workload};
use crate::render::kubernetes::config;
use crate::render::kubernetes::pods::{HOST_KEY, ZONE_KEY};
use crate::render::kubernetes::workloads;
use crate::topology::{S3AddressStyle, Spread, StorageKind, VectorStore, VectorStoreKind};
use k8s_openapi::api::core::v1::{Container, PodSpec, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The Dify release the chart's templates are written for.
pub const APP_VERSION: &str = "1.16.1";
/// The values file, in `helm/`, named after the chart version it targets.
pub const FILE: &str = "dify-0.38.0-rc2.values.yaml";

/// Variables the chart's templates set themselves in the container's `env`
/// (from `logLevel`, or fixed): never repeated in `extraEnv`, where a second
/// entry of one name would make `kubectl apply` merge them unpredictably.
const CHART_ENV: &[&str] = &[
    "LOG_LEVEL",
    "MODE",
    "MIGRATION_ENABLED",
    "SERVER_WORKER_AMOUNT",
    "SERVER_WORKER_CLASS",
];

/// The chart's key for a component, and its image key. The agent's SSRF
/// proxy has no place in the chart.
fn chart_keys(kind: Kind) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        Kind::Api => ("api", "api"),
        Kind::ApiWebsocket => ("apiWebsocket", "api"),
        Kind::Worker => ("worker", "api"),
        Kind::Beat => ("beat", "api"),
        Kind::Web => ("web", "web"),
        Kind::Sandbox => ("sandbox", "sandbox"),
        Kind::PluginDaemon => ("pluginDaemon", "pluginDaemon"),
        Kind::SsrfProxy => ("ssrfProxy", "ssrfProxy"),
        Kind::AgentBackend => ("agentBackend", "agentBackend"),
        Kind::LocalSandbox => ("localSandbox", "localSandbox"),
        Kind::AgentSsrfProxy | Kind::Migration => return None,
    })
}

/// Components the chart knows, in its order.
const CHART_COMPONENTS: [Kind; 10] = [
    Kind::Api,
    Kind::ApiWebsocket,
    Kind::Worker,
    Kind::Beat,
    Kind::Web,
    Kind::Sandbox,
    Kind::PluginDaemon,
    Kind::SsrfProxy,
    Kind::AgentBackend,
    Kind::LocalSandbox,
];

/// Charts' components whose security contexts carry an `enabled` switch.
fn switched_security(kind: Kind) -> bool {
    kind.is_backend()
}

/// Components whose HPA the chart can render.
fn chart_autoscales(kind: Kind) -> bool {
    matches!(kind, Kind::Api | Kind::Worker | Kind::Web | Kind::Sandbox)
}

fn value(o: &impl Serialize) -> Value {
    serde_json::to_value(o).expect("Kubernetes types serialise to JSON")
}

/// Whether the chart can run this topology: its templates are written for
/// one Dify release, and the values below fill the chart's own S3 and
/// Weaviate, Qdrant or Milvus sections (the chart configures its storage
/// and vector store from those sections; other backends would need keys
/// this file has no schema for).
pub fn applies(plan: &Plan) -> bool {
    let t = &plan.t;
    t.dify.version == APP_VERSION
        && t.storage.kind == StorageKind::S3
        && t.storage.s3.is_some()
        && vector_section(&t.vector_store).is_some()
}

/// The chart's own section for the vector store, if it has one and the
/// store is reached at an endpoint.
fn vector_section(v: &VectorStore) -> Option<(&'static str, Value)> {
    let endpoint = v.endpoint.as_ref()?;
    Some(match v.kind {
        VectorStoreKind::Weaviate => (
            "externalWeaviate",
            json!({
                "enabled": true,
                "endpoint": {"http": endpoint, "grpc": v.grpc_endpoint.clone().unwrap_or_default()},
                "apiKey": "",
            }),
        ),
        VectorStoreKind::Qdrant => (
            "externalQdrant",
            json!({"enabled": true, "endpoint": endpoint, "apiKey": ""}),
        ),
        VectorStoreKind::Milvus => (
            "externalMilvus",
            json!({"enabled": true, "uri": endpoint, "token": ""}),
        ),
        _ => return None,
    })
}

/// A probe with its named port replaced by the number: the chart names
/// its container ports after the component (`api`), dify-gen `http`.
fn numbered(probe: &Option<Probe>, kind: Kind) -> Value {
    let Some(mut p) = probe.clone() else {
        return json!({});
    };
    let number = |port: &mut IntOrString| {
        if let (IntOrString::String(name), Some((own, n))) = (&*port, kind.serves()) {
            if name == own {
                *port = IntOrString::Int(i32::from(n));
            }
        }
    };
    if let Some(h) = p.http_get.as_mut() {
        number(&mut h.port);
    }
    if let Some(t) = p.tcp_socket.as_mut() {
        number(&mut t.port);
    }
    value(&p)
}

/// Pod anti-affinity on the chart's pod labels, for the spread the
/// topology asks for: preferred across zones and hosts (the chart cannot
/// take a spread constraint, so a hard zone spread is not expressible).
fn anti_affinity(plan: &Plan, kind: Kind, spread: Spread) -> Value {
    let selector = json!({"matchLabels": {
        "app.kubernetes.io/name": "dify",
        "app.kubernetes.io/instance": plan.release,
        // The chart labels its pods with dify-gen's component names.
        "component": kind.label(),
    }});
    let term = |topology_key: &str, weight: u32| {
        json!({"weight": weight, "podAffinityTerm": {
            "topologyKey": topology_key,
            "labelSelector": selector,
        }})
    };
    let multi_zone = plan.t.zones.len() > 1;
    let terms = match spread {
        Spread::None => return json!({}),
        Spread::Zone | Spread::ZonePreferred if multi_zone => {
            vec![term(ZONE_KEY, 100), term(HOST_KEY, 50)]
        }
        Spread::Host if multi_zone => vec![term(HOST_KEY, 100), term(ZONE_KEY, 50)],
        _ => vec![term(HOST_KEY, 100)],
    };
    json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": terms}})
}

fn env(plan: &Plan, kind: Kind, container: &Container) -> Value {
    let mut out: Vec<Value> = config::settings(plan, kind)
        .into_iter()
        .filter(|(name, _)| !CHART_ENV.contains(&name.as_str()))
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    // The pod's own variables: Secret references, the URLs composed from
    // them (after them, for `$(VAR)`) and the topology's `env`.
    out.extend(
        container
            .env
            .iter()
            .flatten()
            .filter(|e| !CHART_ENV.contains(&e.name.as_str()))
            .map(value),
    );
    Value::Array(out)
}

fn component(plan: &Plan, w: &Workload) -> (Value, Value) {
    let kind = w.kind;
    let deployment = workloads::deployment(plan, w, "");
    let spec = deployment.spec.expect("a rendered Deployment has a spec");
    let pod: PodSpec = spec.template.spec.expect("a pod template has a spec");
    let container = &pod.containers[0];
    let scratch: Vec<_> = pod
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.empty_dir.is_some())
        .collect();
    let mounts: Vec<_> = container
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| scratch.iter().any(|v| v.name == m.name))
        .collect();
    let security = |s: Value| {
        if switched_security(kind) {
            let mut m = s.as_object().cloned().unwrap_or_default();
            m.insert("enabled".into(), json!(true));
            Value::Object(m)
        } else {
            s
        }
    };
    let mut c = Map::new();
    c.insert("enabled".into(), json!(true));
    if !kind.is_singleton() {
        c.insert("replicas".into(), json!(w.min_replicas));
    }
    c.insert("resources".into(), value(&container.resources));
    c.insert(
        "nodeSelector".into(),
        value(&pod.node_selector.clone().unwrap_or_default()),
    );
    let mut affinity = anti_affinity(plan, kind, plan.effective_spread(w.spec));
    if let Some(node) = pod.affinity.as_ref().and_then(|a| a.node_affinity.as_ref()) {
        affinity["nodeAffinity"] = value(node);
    }
    c.insert("affinity".into(), affinity);
    c.insert(
        "tolerations".into(),
        value(&pod.tolerations.clone().unwrap_or_default()),
    );
    c.insert(
        "priorityClassName".into(),
        json!(pod.priority_class_name.clone().unwrap_or_default()),
    );
    if chart_autoscales(kind) {
        c.insert(
            "autoscaling".into(),
            match &w.spec.autoscaling {
                Some(a) => json!({
                    "enabled": true,
                    "minReplicas": w.min_replicas.max(1),
                    "maxReplicas": a.max_replicas,
                    "targetCPUUtilizationPercentage": a.target_cpu_percent,
                }),
                None => json!({"enabled": false}),
            },
        );
    }
    let probes = [
        (
            "livenessProbe",
            "customLivenessProbe",
            &container.liveness_probe,
        ),
        (
            "readinessProbe",
            "customReadinessProbe",
            &container.readiness_probe,
        ),
        (
            "startupProbe",
            "customStartupProbe",
            &container.startup_probe,
        ),
    ];
    // The chart's fixed probes, on by default where it has them, are off:
    // only dify-gen's run.
    let fixed_probes = !matches!(
        kind,
        Kind::Worker | Kind::Beat | Kind::PluginDaemon | Kind::SsrfProxy
    );
    for (fixed, custom, probe) in probes {
        if fixed_probes {
            c.insert(fixed.into(), json!({"enabled": false}));
        }
        c.insert(custom.into(), numbered(probe, kind));
    }
    c.insert("updateStrategy".into(), value(&spec.strategy));
    // The chart's Squid starts through the image's entrypoint, as root, with
    // its own configuration: dify-gen's contexts and scratch directories
    // fit only its own Squid command (`docs/helm.md`).
    if kind != Kind::SsrfProxy {
        c.insert(
            "podSecurityContext".into(),
            security(value(&pod.security_context)),
        );
        c.insert(
            "containerSecurityContext".into(),
            security(value(&container.security_context)),
        );
        c.insert("extraVolumes".into(), value(&scratch));
        c.insert("extraVolumeMounts".into(), value(&mounts));
    }
    if kind.is_backend() {
        c.insert("logLevel".into(), json!(plan.t.dify.log_level));
    }
    c.insert("extraEnv".into(), env(plan, kind, container));
    match kind.serves() {
        Some((_, port)) if kind == Kind::PluginDaemon => {
            c.insert("service".into(), json!({"ports": {"daemon": port}}));
        }
        Some((_, port)) => {
            c.insert("service".into(), json!({"port": port}));
        }
        None => {}
    }
    let (repository, tag, digest) = split_image(&w.image);
    let tag = match (tag, digest) {
        (Some(t), Some(d)) => format!("{t}@{d}"),
        (Some(t), None) => t.to_string(),
        // The chart joins `repository:tag`: with only a digest, the tag
        // is a placeholder the runtime ignores in favour of the digest.
        (None, Some(d)) => format!("latest@{d}"),
        (None, None) => "latest".to_string(),
    };
    let mut image = json!({
        "repository": repository,
        "tag": tag,
        "pullPolicy": plan.pull_policy(Some(kind)),
    });
    let secrets = plan.pull_secrets(Some(kind));
    if !secrets.is_empty() {
        image["pullSecrets"] = json!(secrets);
    }
    (Value::Object(c), image)
}

pub fn values(plan: &Plan) -> Value {
    let t = plan.t;
    let mut doc = Map::new();
    doc.insert("fullnameOverride".into(), json!(plan.release));
    doc.insert(
        "global".into(),
        json!({
            "appSecretKey": "",
            "internalApiKey": "",
            "consoleApiDomain": plan.public_url_for("CONSOLE_API_URL"),
            "consoleWebDomain": plan.public_url_for("CONSOLE_WEB_URL"),
            "serviceApiDomain": plan.public_url_for("SERVICE_API_URL"),
            "appApiDomain": plan.public_url_for("APP_API_URL"),
            "appWebDomain": plan.public_url_for("APP_WEB_URL"),
            "filesDomain": plan.public_url_for("FILES_URL"),
            "triggerDomain": plan.public_url_for("TRIGGER_URL"),
        }),
    );
    let mut images = Map::new();
    for kind in CHART_COMPONENTS {
        let (key, image_key) = chart_keys(kind).expect("chart components have chart keys");
        let values = match plan.workloads.iter().find(|w| w.kind == kind) {
            Some(w) => {
                let (values, image) = component(plan, w);
                // The backend shares the api image: the api's entry names it.
                if !images.contains_key(image_key) || kind == Kind::Api {
                    images.insert(image_key.to_string(), image);
                }
                values
            }
            None => json!({"enabled": false}),
        };
        doc.insert(key.to_string(), values);
    }
    doc.insert("image".into(), Value::Object(images));
    if plan.runs(Kind::Api) {
        // No migration Job in the chart: the api pods run `flask
        // upgrade-db` under Dify's Redis lock, and the workers wait for the
        // api's health first (`docs/helm.md`).
        doc["api"]["migration"] = json!(true);
    }
    if plan.runs(Kind::Sandbox) {
        doc["sandbox"]["auth"] = json!({"apiKey": ""});
    }
    if plan.runs(Kind::PluginDaemon) {
        doc["pluginDaemon"]["auth"] = json!({"serverKey": ""});
    }
    if plan.runs(Kind::AgentBackend) {
        doc["agentBackend"]["auth"] =
            json!({"apiToken": "", "serverSecretKey": "", "shellctlAuthToken": ""});
    }
    if plan.runs(Kind::Api) {
        doc["api"]["auth"] = json!({"internalApiKey": ""});
        // The chart defaults to Resend with a dummy key: dify-gen sends no
        // mail unless the topology's `env` says how.
        doc["api"]["mail"] = json!({"type": "", "resend": {"apiKey": ""}});
    }
    doc.insert("proxy".into(), json!({"enabled": false}));
    doc.insert("ingress".into(), json!({"enabled": false}));
    doc.insert("httproute".into(), json!({"enabled": false}));
    doc.insert("postgresql".into(), json!({"enabled": false}));
    doc.insert("redis".into(), json!({"enabled": false}));
    doc.insert("weaviate".into(), json!({"enabled": false}));
    doc.insert(
        "externalPostgres".into(),
        json!({
            "enabled": true,
            // The Patroni leader Service (or the external server).
            "address": plan.db_host,
            "port": plan.db_port,
            "username": t.postgres.username,
            "password": "",
            "database": {"api": t.postgres.database, "pluginDaemon": t.postgres.plugin_database},
        }),
    );
    let r = &plan.redis;
    let sentinel = match (&r.master_set, r.sentinels.is_empty()) {
        (Some(set), false) => json!({
            "enabled": true,
            "masterSet": set,
            "sentinels": r.sentinels,
            "password": "",
        }),
        _ => json!({"enabled": false}),
    };
    doc.insert(
        "externalRedis".into(),
        json!({
            "enabled": true,
            "host": r.host,
            "port": r.port,
            "password": "",
            "useSSL": r.use_ssl,
            "sentinel": sentinel,
        }),
    );
    let s3 = t
        .storage
        .s3
        .as_ref()
        .expect("`applies` admits S3 storage only");
    let endpoint = s3
        .endpoint
        .clone()
        .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", s3.region));
    doc.insert(
        "externalS3".into(),
        json!({
            "enabled": true,
            "endpoint": endpoint,
            "pathStyle": s3.address_style == S3AddressStyle::Path,
            "accessKey": "",
            "secretKey": "",
            "bucketName": {"api": s3.bucket, "pluginDaemon": s3.plugin_bucket},
            "useIAM": s3.use_iam_role,
            "region": s3.region,
        }),
    );
    let (key, section) =
        vector_section(&t.vector_store).expect("`applies` admits only the chart's vector stores");
    doc.insert(key.into(), section);
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_component_the_chart_knows_has_its_keys() {
        for kind in CHART_COMPONENTS {
            assert!(chart_keys(kind).is_some(), "{kind:?}");
        }
    }
}
