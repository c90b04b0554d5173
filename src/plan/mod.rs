//! Stage 3, `plan`: derived facts every renderer needs, computed once.
//!
//! Input: a checked [`Topology`]. Output: a [`Plan`] holding object names,
//! the Dify version, the public URL, the wiring between components (which
//! Service `DB_HOST` names, which Sentinels Dify asks) and, per workload,
//! its replica range and disruption budget. Renderers read the plan and
//! never re-derive these, so two output families cannot disagree.
//!
//! The HA analysis lives in submodules, each a pure function of the
//! topology: [`capacity`] (placement and zone-loss simulation), [`quorum`],
//! [`connections`] (the PostgreSQL connection budget), [`backup`],
//! [`failover`] (worst-case failover times of the data layer),
//! [`graph`] (who talks to whom, for NetworkPolicies) and [`probes`]
//! (probe timings shared by the renderer and the checks); [`report`]
//! prints them for `dify-gen plan`, and [`checks`] judges them, at the
//! topology lines they come from.

pub mod backup;
pub mod capacity;
pub mod checks;
pub mod connections;
pub mod failover;
pub mod graph;
pub mod logging;
pub mod monitoring;
pub mod picture;
pub mod plugins;
pub mod probes;
pub mod quorum;
pub mod recovery;
pub mod report;
pub mod scheduling;
pub mod stores;
pub mod workers;

use crate::dify::releases::{self, Release, Route};
use crate::dify::{data_layer, Kind, LOG_COLLECTOR};
use crate::names::derived as names;
use crate::topology::{
    Component, DisruptionBudget, PostgresMode, RedisMode, SecretRef, Spread, Topology,
    UpdateStrategy,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How a workload may be disrupted voluntarily (drains, upgrades).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    MaxUnavailable(u32),
    MinAvailable(u32),
}

impl Budget {
    /// The budget a topology asks for, or dify-gen's default: one pod at a
    /// time, only where another still serves (never `minAvailable:
    /// replicas`, which blocks every drain).
    pub fn of(kind: Kind, spec: &Component) -> Option<Budget> {
        match spec.disruption_budget {
            Some(DisruptionBudget {
                min_available: Some(n),
                ..
            }) => Some(Budget::MinAvailable(n)),
            Some(DisruptionBudget {
                max_unavailable: Some(n),
                ..
            }) => Some(Budget::MaxUnavailable(n)),
            _ => (spec.replicas >= 2 && !kind.is_singleton()).then_some(Budget::MaxUnavailable(1)),
        }
    }

    /// Pods a drain may take at once out of `replicas`.
    pub fn allowed_disruptions(self, replicas: u32) -> u32 {
        match self {
            Budget::MaxUnavailable(n) => n.min(replicas),
            Budget::MinAvailable(n) => replicas.saturating_sub(n),
        }
    }
}

/// The disruption budget of a data-layer group: its quorum's
/// ([`quorum::Quorum::budget`]), or for the stateless Redis master proxy one
/// pod at a time where another still serves.
pub fn data_layer_budget(t: &Topology, component: &str) -> Option<Budget> {
    if component == data_layer::REDIS_PROXY {
        let replicas = t.redis.sentinel.as_ref()?.master_proxy.replicas;
        return (replicas >= 2).then_some(Budget::MaxUnavailable(1));
    }
    quorum::quorums(t)
        .into_iter()
        .find(|q| q.component == component)?
        .budget()
        .map(Budget::MaxUnavailable)
}

/// Seconds the agent backend lets running agents finish after SIGTERM
/// (`DIFY_AGENT_SHUTDOWN_GRACE_SECONDS`).
pub const AGENT_SHUTDOWN_SECONDS: u32 = 30;

/// Gunicorn processes per websocket pod (Dify's compose file runs one; its
/// WebSocket worker holds up to 1000 connections).
pub const WEBSOCKET_WORKERS: u32 = 1;

/// The catalogue entry `dify.version` names. An unknown version is reported
/// by the `release` check; the plan still needs an entry to run the other
/// checks, and takes the newest verified one.
pub fn release(t: &Topology) -> &'static Release {
    releases::of_version(&t.dify.version)
}

/// The queues the workers consume: the topology's list, else the
/// release's default.
pub fn worker_queues(t: &Topology) -> Vec<String> {
    t.dify
        .worker_queues
        .clone()
        .unwrap_or_else(|| release(t).queues.iter().map(|q| (*q).to_string()).collect())
}

/// A workload's image: the topology's override, else its release's.
pub fn image(t: &Topology, kind: Kind) -> String {
    image_of(t, release(t), kind)
}

/// Whether the switch a component depends on is on.
pub fn feature_on(t: &Topology, kind: Kind) -> bool {
    kind.feature().is_none_or(|f| t.dify.enabled(f))
}

/// The Dify Deployments a topology runs, in render order: its release's
/// components, less those its switches turn off and those it gives no
/// settings for (reported by the `release` check). Every stage that needs
/// the component set (the plan's workloads, the graph, capacity, the
/// connection budget) takes it from here.
pub fn deployments(t: &Topology) -> Vec<Kind> {
    let release = release(t);
    Kind::ALL
        .into_iter()
        .filter(|kind| release.has(*kind) && feature_on(t, *kind))
        .filter(|kind| t.components.get(*kind).is_some())
        .collect()
}

/// One Dify Deployment of the plan.
pub struct Workload<'a> {
    pub kind: Kind,
    pub name: String,
    pub spec: &'a Component,
    /// Replicas the Deployment declares; `None` when an HPA owns the count.
    pub replicas: Option<u32>,
    pub min_replicas: u32,
    pub budget: Option<Budget>,
    /// `Recreate` instead of a rolling update (beat and the local sandbox,
    /// unless told otherwise).
    pub recreate: bool,
    /// The image: the release's, or the topology's override.
    pub image: String,
}

pub struct RedisWiring {
    /// `host:port` of each Sentinel, when Dify discovers the master through Sentinel.
    pub sentinels: Vec<String>,
    pub master_set: Option<String>,
    pub host: String,
    pub port: u32,
    pub use_ssl: bool,
    /// `host:port` that always reaches the current master, for the
    /// clients that take a URL and cannot ask Sentinel (Dify's event bus,
    /// the agent backend): the master proxy in `sentinel` mode, the
    /// external `masterEndpoint` with external Sentinels, else the server.
    pub master: Option<(String, u32)>,
}

pub struct Plan<'a> {
    pub t: &'a Topology,
    /// The release name (`metadata.name`).
    pub release: &'a str,
    pub namespace: &'a str,
    /// The Dify release deployed, from the catalogue (`dify.version`).
    pub dify: &'static Release,
    /// Dify's version (`dify.version`): the `app.kubernetes.io/version`.
    pub app_version: String,
    /// The Dify Deployments this topology runs (see [`deployments`]): the
    /// component set every renderer iterates.
    pub workloads: Vec<Workload<'a>>,
    pub db_host: String,
    pub db_port: u32,
    pub redis: RedisWiring,
    /// The monitoring facts, computed on first use ([`Plan::monitoring`]):
    /// the checks and three renderers read them, and building the rules
    /// with their test cases is the largest part of a render.
    monitoring: std::sync::OnceLock<Option<monitoring::Facts<'a>>>,
    /// Built-in rule groups another objects-only plan of the same topology
    /// built ([`Plan::objects_only_reusing`]), for [`Plan::monitoring`] to
    /// take instead of building them again.
    reused_groups: Option<Arc<Vec<monitoring::Group>>>,
    /// Whether the files besides the Kubernetes objects are rendered
    /// ([`Plan::objects_only`]).
    files: bool,
}

impl<'a> Plan<'a> {
    pub fn new(t: &'a Topology) -> Plan<'a> {
        let release = t.metadata.name.as_str();
        let dify = self::release(t);
        let workloads = deployments(t)
            .into_iter()
            .filter_map(|kind| {
                let spec = t.components.get(kind)?;
                let min_replicas = spec.replicas;
                let replicas = spec.autoscaling.is_none().then_some(spec.replicas);
                let budget = Budget::of(kind, spec);
                let recreate = match spec.update_strategy {
                    Some(s) => s == UpdateStrategy::Recreate,
                    None => kind.is_singleton(),
                };
                Some(Workload {
                    kind,
                    name: names::object("Deployment", release, &[kind.label()]),
                    spec,
                    replicas,
                    min_replicas,
                    budget,
                    recreate,
                    image: pulled(t, &image_of(t, dify, kind)),
                })
            })
            .collect();
        let (db_host, db_port) = match (&t.postgres.mode, &t.postgres.external) {
            (PostgresMode::External, Some(ext)) => (ext.host.clone(), ext.port),
            _ => (member_set(release, data_layer::POSTGRES), 5432),
        };
        Plan {
            t,
            release,
            namespace: &t.metadata.namespace,
            dify,
            app_version: names::to_label_value(&t.dify.version),
            workloads,
            db_host,
            db_port,
            redis: redis_wiring(t),
            monitoring: std::sync::OnceLock::new(),
            reused_groups: None,
            files: true,
        }
    }

    /// A plan for what needs only the Kubernetes objects: the checks, a
    /// render to stdout, a diff. Its renders leave out the other files
    /// (`render::render_with`), and what only they need is not computed
    /// (the rules' promtool test cases).
    pub fn objects_only(t: &'a Topology) -> Plan<'a> {
        Plan {
            files: false,
            ..Plan::new(t)
        }
    }

    /// [`Plan::objects_only`] with the built-in rule groups that another
    /// objects-only plan of the same, unchanged topology built
    /// ([`Plan::built_in_groups`]): the render to stdout takes the checks'
    /// instead of building the same rules a second time.
    pub fn objects_only_reusing(t: &'a Topology, groups: Arc<Vec<monitoring::Group>>) -> Plan<'a> {
        Plan {
            reused_groups: Some(groups),
            ..Plan::objects_only(t)
        }
    }

    /// The built-in rule groups of this plan's monitoring facts, if they
    /// have been built, for [`Plan::objects_only_reusing`].
    pub fn built_in_groups(&self) -> Option<Arc<Vec<monitoring::Group>>> {
        Some(self.monitoring.get()?.as_ref()?.groups.clone())
    }

    /// The groups given to [`Plan::objects_only_reusing`].
    pub(crate) fn reused_groups(&self) -> Option<Arc<Vec<monitoring::Group>>> {
        self.reused_groups.clone()
    }

    /// Whether renders of this plan write the files besides the objects.
    pub fn writes_files(&self) -> bool {
        self.files
    }

    /// The monitoring facts, when the topology asks for monitoring,
    /// computed once per plan.
    pub fn monitoring(&self) -> Option<&monitoring::Facts<'a>> {
        self.monitoring
            .get_or_init(|| monitoring::Facts::of(self))
            .as_ref()
    }

    /// `<release>-<suffix>`, the name of most objects: at most 63
    /// characters (shortened with a hash suffix, `crate::names`), so it is
    /// valid for every kind, Services and Jobs included.
    pub fn name(&self, suffix: &str) -> String {
        names::object("Deployment", self.release, &[suffix])
    }

    /// The name of a data-layer StatefulSet (`<release>-etcd`), at most 52
    /// characters: its pods, its headless Service and its members' host
    /// names are all named after it.
    pub fn member_set(&self, component: &str) -> String {
        member_set(self.release, component)
    }

    /// The migration Job's name: it carries the version, so that an upgrade
    /// creates a new Job instead of patching an immutable one.
    pub fn migration_job(&self) -> String {
        names::object(
            "Job",
            self.release,
            &["migration", &names::dns_fragment(&self.t.dify.version)],
        )
    }

    /// The WebSocket origin browsers connect Socket.IO to (`wss://` behind TLS).
    /// Collaboration's WebSocket, on the API's host.
    pub fn public_socket_url(&self) -> String {
        let scheme = if self.t.ingress.tls.is_some() {
            "wss"
        } else {
            "ws"
        };
        format!("{scheme}://{}", self.t.ingress.api_host())
    }

    /// Dify's public URL variables, each from its part's host
    /// (`ingress.domains`, else `ingress.host`), in the order
    /// [`crate::dify::env::PUBLIC_URLS`] lists them.
    pub fn public_urls(&self) -> [(&'static str, String); 7] {
        let i = &self.t.ingress;
        let url = |host: &str| match i.tls {
            Some(_) => format!("https://{host}"),
            None => format!("http://{host}"),
        };
        [
            ("CONSOLE_API_URL", url(i.api_host())),
            ("CONSOLE_WEB_URL", url(i.console_host())),
            ("SERVICE_API_URL", url(i.api_host())),
            ("APP_API_URL", url(i.api_host())),
            ("APP_WEB_URL", url(i.app_host())),
            ("FILES_URL", url(i.files_host())),
            ("TRIGGER_URL", url(i.api_host())),
        ]
    }

    /// One of Dify's public URL variables ([`Plan::public_urls`]).
    pub fn public_url_for(&self, name: &str) -> String {
        self.public_urls()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .expect("a public URL variable of dify::env::PUBLIC_URLS")
    }

    /// In-cluster URL of a component's Service.
    pub fn url(&self, kind: Kind, port: u16) -> String {
        format!("http://{}:{port}", self.name(kind.label()))
    }

    /// The workload of a component the plan runs (the migration Job runs
    /// with the api's).
    pub fn workload(&self, kind: Kind) -> &Workload<'a> {
        let kind = kind.settings_of();
        self.workloads
            .iter()
            .find(|w| w.kind == kind)
            .expect("only components the plan runs are asked for")
    }

    /// Whether the plan runs a component (the migration Job always runs).
    pub fn runs(&self, kind: Kind) -> bool {
        kind == Kind::Migration || self.workloads.iter().any(|w| w.kind == kind)
    }

    /// The release's entry routes to components the plan runs (a route to
    /// a component the topology turned off is left out).
    pub fn routes(&self) -> impl Iterator<Item = &'static Route> + use<'_, 'a> {
        self.dify.routes.iter().filter(|r| self.runs(r.to))
    }

    /// The queues the workers consume ([`worker_queues`]).
    pub fn worker_queues(&self) -> Vec<String> {
        worker_queues(self.t)
    }

    /// The image a workload (or the migration Job) runs, through the
    /// registry mirror when there is one.
    pub fn image(&self, kind: Kind) -> String {
        self.pull(&image_of(self.t, self.dify, kind))
    }

    /// Any image dify-gen writes, as the cluster pulls it: rewritten onto
    /// `images.registryMirror` when the topology has one. Every renderer
    /// passes every image through here.
    pub fn pull(&self, image: &str) -> String {
        pulled(self.t, image)
    }

    /// The pull secrets of a component's pods: `images.pullSecrets`, then
    /// the component's own (`None` for the data layer and other pods
    /// dify-gen adds), without repeats.
    pub fn pull_secrets(&self, kind: Option<Kind>) -> Vec<String> {
        let own = kind
            .and_then(|k| self.t.components.get(k))
            .map(|c| c.image_pull_secrets.as_slice())
            .unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        for name in self.t.images.pull_secrets.iter().chain(own) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    /// The pull policy of a component's image (`IfNotPresent` unless the
    /// topology says otherwise).
    pub fn pull_policy(&self, kind: Option<Kind>) -> &'static str {
        kind.and_then(|k| self.t.components.get(k))
            .and_then(|c| c.image_pull_policy)
            .unwrap_or(crate::topology::PullPolicy::IfNotPresent)
            .as_str()
    }

    /// Every Secret the rendered objects read, by namespace and name, with
    /// the keys read from it and the component that reads it first (for
    /// its labels). The release's Secrets are in its namespace; the log
    /// outputs' credentials, CA bundles and tokens in the log collector's
    /// (a pod reads Secrets of its own namespace only).
    pub fn secrets(&self) -> BTreeMap<(String, String), (&'static str, BTreeSet<String>)> {
        let t = self.t;
        let s = &t.secrets;
        let mut refs: Vec<(&'static str, &SecretRef)> = vec![
            ("api", &s.secret_key),
            ("api", &s.sandbox_api_key),
            ("api", &s.plugin_daemon_key),
            ("api", &s.plugin_inner_api_key),
            ("api", &t.postgres.password),
            ("api", &t.redis.password),
        ];
        refs.extend(s.init_password.iter().map(|r| ("api", r)));
        refs.extend(
            t.mail
                .iter()
                .filter_map(|m| m.secret_ref())
                .map(|(_, r)| ("api", r)),
        );
        refs.extend(monitoring::otlp_api_key(t).map(|r| ("api", r)));
        refs.extend(t.storage.secret_refs().into_iter().map(|(_, r)| ("api", r)));
        refs.extend(
            t.vector_store
                .secret_refs()
                .into_iter()
                .map(|(_, r)| ("api", r)),
        );
        if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
            refs.push((data_layer::POSTGRES, &p.superuser_password));
            refs.push((data_layer::POSTGRES, &p.replication_password));
        }
        if self.runs(Kind::AgentBackend) {
            let agent = Kind::AgentBackend.label();
            refs.extend(s.agent_server_secret_key.iter().map(|r| (agent, r)));
            refs.extend(s.agent_api_token.iter().map(|r| (agent, r)));
            refs.extend(s.local_sandbox_token.iter().map(|r| (agent, r)));
        }
        let backup = t.backup.as_ref().filter(|_| graph::backups(t));
        let tls: Vec<SecretRef> = backup
            .iter()
            .flat_map(|b| [&b.tls.server_secret, &b.tls.client_secret])
            .flat_map(|name| {
                ["tls.crt", "tls.key", "ca.crt"].map(|key| SecretRef {
                    name: name.clone(),
                    key: key.into(),
                })
            })
            .collect();
        if let Some(b) = backup {
            refs.push((data_layer::BACKUP, &b.encryption.key));
            for r in &b.repositories {
                refs.extend(
                    r.secret_refs()
                        .into_iter()
                        .map(|(_, s)| (data_layer::BACKUP, s)),
                );
            }
        }
        refs.extend(tls.iter().map(|r| (data_layer::BACKUP, r)));
        let mut refs: Vec<(&str, &'static str, &SecretRef)> = refs
            .into_iter()
            .map(|(component, r)| (self.namespace, component, r))
            .collect();
        if let Some(l) = t.logging.as_ref().filter(|l| l.enabled) {
            let namespace = graph::namespace_of(t, LOG_COLLECTOR);
            for o in &l.outputs {
                let credentials = o
                    .credentials
                    .iter()
                    .flat_map(|c| [&c.username, &c.password]);
                for r in credentials.chain(&o.ca).chain(&o.bearer_token) {
                    refs.push((namespace, LOG_COLLECTOR, r));
                }
            }
        }
        let user: Vec<(&str, &'static str, &str, &str)> = self
            .workloads
            .iter()
            .flat_map(|w| {
                w.spec.secret_env.values().map(|r| {
                    (
                        self.namespace,
                        w.kind.label(),
                        r.name.as_str(),
                        r.key.as_str(),
                    )
                })
            })
            .collect();
        let mut out: BTreeMap<(String, String), (&'static str, BTreeSet<String>)> = BTreeMap::new();
        let fixed = refs
            .into_iter()
            .map(|(ns, c, r)| (ns, c, r.name.as_str(), r.key.as_str()));
        for (namespace, component, name, key) in fixed.chain(user) {
            out.entry((namespace.to_string(), name.to_string()))
                .or_insert_with(|| (component, BTreeSet::new()))
                .1
                .insert(key.to_string());
        }
        out
    }

    /// Seconds a component's process gets to finish in-flight work after
    /// SIGTERM: the topology's value, else gunicorn's request timeout for
    /// api, the longest workflow run for workers (Celery's warm shutdown
    /// waits for running tasks), two minutes for the plugin daemon's
    /// plugin processes, the agent backend's shutdown grace and ten
    /// seconds, 30 seconds for the rest.
    pub fn grace_seconds(&self, kind: Kind) -> u32 {
        let spec = self.workload(kind).spec;
        spec.termination_grace_period_seconds.unwrap_or(match kind {
            Kind::Api => self.t.dify.api_timeout_seconds.saturating_add(30),
            Kind::Worker => self.t.dify.max_execution_seconds.saturating_add(30),
            Kind::PluginDaemon => 120,
            // The agent backend lets running agents finish for this long.
            Kind::AgentBackend => AGENT_SHUTDOWN_SECONDS + 10,
            _ => 30,
        })
    }

    /// Zone spread is only meaningful with more than one zone.
    pub fn effective_spread(&self, spec: &Component) -> Spread {
        self.effective(spec.spread)
    }

    /// A spread mode as it applies to this topology's zones.
    pub fn effective(&self, spread: Spread) -> Spread {
        match spread {
            Spread::Zone if self.t.zones.len() < 2 => Spread::Host,
            other => other,
        }
    }
}

fn member_set(release: &str, component: &str) -> String {
    names::object("StatefulSet", release, &[component])
}

fn redis_wiring(t: &Topology) -> RedisWiring {
    let release = &t.metadata.name;
    let ns = &t.metadata.namespace;
    match (&t.redis.mode, &t.redis.sentinel, &t.redis.external) {
        (RedisMode::Sentinel, Some(s), _) => RedisWiring {
            sentinels: {
                let set = member_set(release, data_layer::SENTINEL);
                (0..s.sentinels)
                    .map(|i| {
                        format!(
                            "{set}-{i}.{set}-headless.{ns}.svc.cluster.local:{}",
                            crate::dify::ports::SENTINEL
                        )
                    })
                    .collect()
            },
            master_set: Some(s.master_set.clone()),
            host: names::object("Service", release, &[data_layer::REDIS]),
            port: 6379,
            use_ssl: false,
            master: Some((
                names::object("Service", release, &[data_layer::REDIS_PROXY]),
                6379,
            )),
        },
        (_, _, Some(ext)) => RedisWiring {
            sentinels: ext.sentinels.clone(),
            master_set: ext.master_set.clone(),
            host: ext.host.clone(),
            port: ext.port,
            use_ssl: ext.use_ssl,
            master: if ext.sentinels.is_empty() {
                Some((ext.host.clone(), ext.port))
            } else {
                ext.master_endpoint
                    .as_ref()
                    .map(|e| (e.host.clone(), e.port))
            },
        },
        _ => RedisWiring {
            sentinels: Vec::new(),
            master_set: None,
            host: format!("{release}-redis"),
            port: 6379,
            use_ssl: false,
            master: None,
        },
    }
}

/// An image as the cluster pulls it: through `images.registryMirror`.
fn pulled(t: &Topology, image: &str) -> String {
    match &t.images.registry_mirror {
        Some(mirror) => mirror.rewrite(image),
        None => image.to_string(),
    }
}

/// A workload's image: the topology's override, else the release's.
fn image_of(t: &Topology, release: &Release, kind: Kind) -> String {
    t.images
        .override_of(kind)
        .map(|(_, image)| image.to_string())
        .or_else(|| release.image(kind).map(str::to_string))
        .unwrap_or_default()
}

/// The tag of a pinned image (`1.13.3` of `langgenius/dify-api:1.13.3`);
/// for a digest, the short digest.
pub fn image_tag(image: &str) -> &str {
    if let Some((_, digest)) = image.split_once("@sha256:") {
        return &digest[..digest.len().min(12)];
    }
    crate::topology::tag(image).unwrap_or("unknown")
}
