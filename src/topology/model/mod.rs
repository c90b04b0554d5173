//! The topology as the user writes it: typed, strict, no I/O.
//!
//! Every struct denies unknown fields, and the topology's JSON Schema is
//! generated from these types (`dify-gen schema`), so the schema, the docs
//! and the loader can never disagree. Doc comments become the schema's
//! descriptions and the field reference in `docs/reference.md`.
//!
//! Defaults live in the profiles (`profiles/*.yaml`), not here: a profile is
//! a complete topology, and a user's file layers over it.
//!
//! One file per topology section; this file holds the root and lists them.

mod availability;
mod backup;
mod components;
mod consul;
mod dify;
mod etcd;
mod fleet;
mod hosts;
mod images;
mod ingress;
mod logging;
mod mail;
mod metadata;
mod monitoring;
mod network;
mod nodes;
mod plugins;
mod postgres;
mod recovery;
mod redis;
mod resources;
mod scheduling;
mod secrets;
mod storage;
mod swarm;
mod vector_store;
mod workers;

pub use availability::*;
pub use backup::*;
pub use components::*;
pub use consul::*;
pub use dify::*;
pub use etcd::*;
pub use fleet::*;
pub use hosts::*;
pub use images::*;
pub use ingress::*;
pub use logging::*;
pub use mail::*;
pub use metadata::*;
pub use monitoring::*;
pub use network::*;
pub use nodes::*;
pub use plugins::*;
pub use postgres::*;
pub use recovery::*;
pub use redis::*;
pub use resources::*;
pub use scheduling::*;
pub use secrets::*;
pub use storage::*;
pub use swarm::*;
pub use vector_store::*;
pub use workers::*;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "dify-gen.io/v1alpha1";

pub const KIND: &str = "Topology";

impl Topology {
    /// `availability: ha` (set by the `ha` profile, so also for a file
    /// layered over it or rendered as `-f profiles/ha.yaml`) promises that
    /// every component keeps serving through the loss of a node or a
    /// zone: what breaks that promise is an error here, a warning
    /// elsewhere.
    pub fn promises_ha(&self) -> bool {
        self.availability == Availability::Ha
    }
}

/// A highly-available Dify deployment, described once.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "dify-gen topology", extend("$id" = "https://dify-gen.io/schemas/topology.schema.json"))]
pub struct Topology {
    /// Version of this file format: `dify-gen.io/v1alpha1`.
    #[schemars(extend("const" = API_VERSION))]
    pub api_version: String,
    /// Always `Topology`.
    #[schemars(extend("const" = KIND))]
    pub kind: String,
    /// A bundled profile (`dev` or `ha`) this file layers over; fields set
    /// here override the profile's, maps merge key by key, lists replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default)]
    pub availability: Availability,
    pub metadata: Metadata,
    /// Availability zones the cluster's nodes carry in
    /// `topology.kubernetes.io/zone`. Zone spread needs at least two.
    #[schemars(length(min = 1))]
    pub zones: Vec<Name>,
    pub images: Images,
    pub dify: DifySettings,
    pub ingress: Ingress,
    pub components: Components,
    /// The plugin daemon in production: its init, working directory, PyPI
    /// mirror and remote-debug port; omit for the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Plugins>,
    pub storage: Storage,
    pub vector_store: VectorStore,
    pub postgres: Postgres,
    /// The etcd cluster Patroni keeps its leader lock in, for
    /// `postgres.mode: patroni`; with an external PostgreSQL it is unused
    /// and may be removed (`etcd: null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd: Option<Etcd>,
    pub redis: Redis,
    pub secrets: Secrets,
    /// The cluster's worker nodes, as pools per zone. Optional: with them,
    /// `dify-gen plan` checks that every pod schedules under its spread
    /// rules and still does after the loss of any one zone (N-1 headroom).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodePool>,
    /// How fast the Deployments must be back at their replica count after
    /// a zone outage; omit for no objective (`plan` still prints the times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
    /// Mail through SMTP or Resend; omit for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<Mail>,
    /// NetworkPolicies: on or off, DNS, and named egress destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// Worker pools per group of Celery queues, optionally scaled by KEDA;
    /// omit for one worker Deployment consuming every queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Workers>,
    /// Backups of the databases and the buckets, and the restore drill:
    /// rendered as CronJobs, the archive settings of Patroni and a restore
    /// runbook; `dify-gen plan` holds them against the RPO and RTO
    /// objectives. Omit to render no backups (the report then says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<Backup>,
    /// Central log collection with Fluent Bit; omit for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Prometheus rules and scrape targets, Alertmanager routing and
    /// Grafana dashboards for the release; omit to render no monitoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// The machines of a Swarm or host deployment (three VMs, say):
    /// rendered into an Ansible inventory, chrony and sshd configuration
    /// (`hosts/`), and the Swarm stack's placement. Optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    /// How `hosts` are prepared (time sources, SSH); needs `hosts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_setup: Option<HostSetup>,
    /// A Docker Swarm stack beside the Kubernetes objects. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swarm: Option<Swarm>,
    /// Consul service registration. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consul: Option<Consul>,
    /// Environments and clusters as overlays of this file: `render
    /// --output-dir` then writes one complete, validated tree per
    /// environment and cluster, and optionally the Argo CD or Flux objects
    /// that apply them (`docs/fleet.md`). Omit for one tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<Fleet>,
}
