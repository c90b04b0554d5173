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
//! [`graph`] (who talks to whom, for NetworkPolicies) and [`probes`]
//! (probe timings shared by the renderer and the checks); [`report`]
//! prints them for `dify-gen plan`, and [`checks`] judges them, at the
//! topology lines they come from.

pub mod backup;
pub mod capacity;
pub mod checks;
pub mod connections;
pub mod graph;
pub mod monitoring;
pub mod probes;
pub mod quorum;
pub mod report;

use crate::dify::{data_layer, Kind};
use crate::topology::{
    Component, DisruptionBudget, PostgresMode, RedisMode, SecretRef, Spread, Topology,
    UpdateStrategy,
};
use std::collections::{BTreeMap, BTreeSet};

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
            _ => (spec.replicas >= 2 && kind != Kind::Beat).then_some(Budget::MaxUnavailable(1)),
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

pub struct Workload<'a> {
    pub kind: Kind,
    pub name: String,
    pub spec: &'a Component,
    /// Replicas the Deployment declares; `None` when an HPA owns the count.
    pub replicas: Option<u32>,
    pub min_replicas: u32,
    pub budget: Option<Budget>,
    /// `Recreate` instead of a rolling update (beat, unless told otherwise).
    pub recreate: bool,
}

pub struct RedisWiring {
    /// `host:port` of each Sentinel, when Dify discovers the master through Sentinel.
    pub sentinels: Vec<String>,
    pub master_set: Option<String>,
    pub host: String,
    pub port: u32,
    pub use_ssl: bool,
}

pub struct Plan<'a> {
    pub t: &'a Topology,
    pub release: &'a str,
    pub namespace: &'a str,
    /// Dify's version, from the api image tag: the `app.kubernetes.io/version`.
    pub app_version: String,
    pub public_url: String,
    pub workloads: Vec<Workload<'a>>,
    pub db_host: String,
    pub db_port: u32,
    pub redis: RedisWiring,
}

impl<'a> Plan<'a> {
    pub fn new(t: &'a Topology) -> Plan<'a> {
        let release = t.metadata.name.as_str();
        let scheme = if t.ingress.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let app_version = image_tag(&t.images.api).to_string();
        let workloads = Kind::DEPLOYMENTS
            .into_iter()
            .map(|kind| {
                let spec = t.components.get(kind);
                let min_replicas = spec.replicas;
                let replicas = spec.autoscaling.is_none().then_some(spec.replicas);
                let budget = Budget::of(kind, spec);
                let recreate = match spec.update_strategy {
                    Some(s) => s == UpdateStrategy::Recreate,
                    None => kind == Kind::Beat,
                };
                Workload {
                    kind,
                    name: format!("{release}-{}", kind.label()),
                    spec,
                    replicas,
                    min_replicas,
                    budget,
                    recreate,
                }
            })
            .collect();
        let (db_host, db_port) = match (&t.postgres.mode, &t.postgres.external) {
            (PostgresMode::External, Some(ext)) => (ext.host.clone(), ext.port),
            _ => (format!("{release}-postgres"), 5432),
        };
        Plan {
            t,
            release,
            namespace: &t.metadata.namespace,
            app_version,
            public_url: format!("{scheme}://{}", t.ingress.host),
            workloads,
            db_host,
            db_port,
            redis: redis_wiring(t),
        }
    }

    /// `<release>-<suffix>`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.release)
    }

    /// In-cluster URL of a component's Service.
    pub fn url(&self, kind: Kind, port: u16) -> String {
        format!("http://{}:{port}", self.name(kind.label()))
    }

    pub fn workload(&self, kind: Kind) -> &Workload<'a> {
        self.workloads
            .iter()
            .find(|w| w.kind == kind)
            .expect("the plan holds one workload per Deployment kind")
    }

    /// Every Secret the rendered objects read, with the keys read from it
    /// and the component that reads it first (for its labels).
    pub fn secrets(&self) -> BTreeMap<String, (&'static str, BTreeSet<String>)> {
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
        refs.extend(t.storage.s3.access_key.iter().map(|r| ("api", r)));
        refs.extend(t.storage.s3.secret_key.iter().map(|r| ("api", r)));
        refs.extend(t.vector_store.api_key.iter().map(|r| ("api", r)));
        if let (PostgresMode::Patroni, Some(p)) = (t.postgres.mode, &t.postgres.patroni) {
            refs.push((data_layer::POSTGRES, &p.superuser_password));
            refs.push((data_layer::POSTGRES, &p.replication_password));
        }
        for w in &self.workloads {
            refs.extend(w.spec.secret_env.values().map(|r| (w.kind.label(), r)));
        }
        let mut out: BTreeMap<String, (&'static str, BTreeSet<String>)> = BTreeMap::new();
        for (component, r) in refs {
            out.entry(r.name.clone())
                .or_insert_with(|| (component, BTreeSet::new()))
                .1
                .insert(r.key.clone());
        }
        out
    }

    /// Seconds a component's process gets to finish in-flight work after
    /// SIGTERM: the topology's value, else gunicorn's request timeout for
    /// api, the longest workflow run for workers (Celery's warm shutdown
    /// waits for running tasks), two minutes for the plugin daemon's
    /// plugin processes, 30 seconds for the rest.
    pub fn grace_seconds(&self, kind: Kind) -> u32 {
        let spec = self.t.components.get(kind);
        spec.termination_grace_period_seconds.unwrap_or(match kind {
            Kind::Api => self.t.dify.api_timeout_seconds.saturating_add(30),
            Kind::Worker => self.t.dify.max_execution_seconds.saturating_add(30),
            Kind::PluginDaemon => 120,
            _ => 30,
        })
    }

    /// Zone spread is only meaningful with more than one zone.
    pub fn effective_spread(&self, spec: &Component) -> Spread {
        match spec.spread {
            Spread::Zone if self.t.zones.len() < 2 => Spread::Host,
            other => other,
        }
    }
}

fn redis_wiring(t: &Topology) -> RedisWiring {
    let release = &t.metadata.name;
    let ns = &t.metadata.namespace;
    match (&t.redis.mode, &t.redis.sentinel, &t.redis.external) {
        (RedisMode::Sentinel, Some(s), _) => RedisWiring {
            sentinels: (0..s.sentinels)
                .map(|i| format!("{release}-sentinel-{i}.{release}-sentinel-headless.{ns}.svc.cluster.local:26379"))
                .collect(),
            master_set: Some(s.master_set.clone()),
            host: format!("{release}-redis"),
            port: 6379,
            use_ssl: false,
        },
        (_, _, Some(ext)) => RedisWiring {
            sentinels: ext.sentinels.clone(),
            master_set: ext.master_set.clone(),
            host: ext.host.clone(),
            port: ext.port,
            use_ssl: ext.use_ssl,
        },
        _ => RedisWiring { sentinels: Vec::new(), master_set: None, host: format!("{release}-redis"), port: 6379, use_ssl: false },
    }
}

/// The tag of a pinned image (`1.13.3` of `langgenius/dify-api:1.13.3`);
/// for a digest, the short digest.
pub fn image_tag(image: &str) -> &str {
    if let Some((_, digest)) = image.split_once("@sha256:") {
        return &digest[..digest.len().min(12)];
    }
    crate::topology::tag(image).unwrap_or("unknown")
}
