//! The PostgreSQL connection budget: the most connections every client of
//! the primary can open at once, against its `max_connections`.
//!
//! Each Dify process holds one SQLAlchemy pool, up to `pool.size +
//! pool.maxOverflow` connections: gunicorn runs `apiWorkers` processes per
//! api pod and one per websocket pod, Celery's gevent pool one per worker
//! or beat pod. The plugin
//! daemon opens up to `pluginDaemonMaxConnections` per pod. Autoscaled
//! components count at their `maxReplicas`, and the migration Job counts
//! too, because it runs while the old pods still serve.

use crate::dify::Kind;
use crate::topology::{PostgresMode, Topology};
use serde::Serialize;

/// PostgreSQL's own default, when the topology does not set it.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 100;
/// PostgreSQL's default `superuser_reserved_connections`.
pub const DEFAULT_RESERVED: u32 = 3;
/// Patroni's own connections to the primary it runs beside.
pub const PATRONI_CONNECTIONS: u32 = 2;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    pub component: &'static str,
    pub pods: u32,
    pub per_pod: u32,
    pub total: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionBudget {
    pub clients: Vec<Client>,
    /// Connections PostgreSQL keeps for superusers and Patroni.
    pub reserved: u32,
    pub total: u32,
    pub max_connections: u32,
}

impl ConnectionBudget {
    /// Connections left for clients once the reserve is taken.
    pub fn available(&self) -> u32 {
        self.max_connections.saturating_sub(self.reserved)
    }

    pub fn fits(&self) -> bool {
        self.total <= self.available()
    }
}

pub fn budget(t: &Topology) -> ConnectionBudget {
    // Saturating: the schema bounds each field by u32 only, and a sum past
    // it is as far over any max_connections as u32::MAX is.
    let pool = t
        .postgres
        .pool
        .size
        .saturating_add(t.postgres.pool.max_overflow);
    let running = super::deployments(t);
    let pools = super::workers::pools(t);
    let pods = |kind: Kind| {
        if kind == Kind::Worker && !pools.is_empty() {
            // Every pool at its most: KEDA's maximum, else its replicas.
            return pools
                .iter()
                .map(|p| p.max_replicas)
                .fold(0u32, u32::saturating_add);
        }
        t.components.get(kind).map_or(0, |c| {
            c.autoscaling
                .as_ref()
                .map_or(c.replicas, |a| a.max_replicas.max(c.replicas))
        })
    };
    let client = |kind: Kind, pods: u32, per_pod: u32| Client {
        component: kind.label(),
        pods,
        per_pod,
        total: pods.saturating_mul(per_pod),
    };
    let mut clients = vec![
        client(
            Kind::Api,
            pods(Kind::Api),
            t.dify.api_workers.saturating_mul(pool),
        ),
        client(Kind::Worker, pods(Kind::Worker), pool),
        client(Kind::Beat, pods(Kind::Beat), pool),
        client(Kind::Migration, 1, pool),
        client(
            Kind::PluginDaemon,
            pods(Kind::PluginDaemon),
            t.postgres.plugin_daemon_max_connections,
        ),
    ];
    if running.contains(&Kind::ApiWebsocket) {
        clients.insert(
            1,
            client(
                Kind::ApiWebsocket,
                pods(Kind::ApiWebsocket),
                super::WEBSOCKET_WORKERS.saturating_mul(pool),
            ),
        );
    }
    let (max_connections, reserved) =
        match (t.postgres.mode, &t.postgres.patroni, &t.postgres.external) {
            (PostgresMode::Patroni, Some(p), _) => {
                let major = t.images.postgres_major();
                let int = |name: &str| parameter(&p.parameters, major, name);
                (
                    int("max_connections").unwrap_or(DEFAULT_MAX_CONNECTIONS),
                    int("superuser_reserved_connections")
                        .unwrap_or(DEFAULT_RESERVED)
                        .saturating_add(int("reserved_connections").unwrap_or(0))
                        .saturating_add(PATRONI_CONNECTIONS),
                )
            }
            (_, _, Some(ext)) => (ext.max_connections, DEFAULT_RESERVED),
            _ => (DEFAULT_MAX_CONNECTIONS, DEFAULT_RESERVED),
        };
    ConnectionBudget {
        total: clients
            .iter()
            .fold(0u32, |sum, c| sum.saturating_add(c.total)),
        clients,
        reserved,
        max_connections,
    }
}

/// An integer PostgreSQL parameter as the server reads it (`1e3`, `0x400`
/// and any case of the name included), when the catalogue of `major` has it
/// and the value is valid (the topology's checks report it otherwise).
fn parameter(
    params: &indexmap::IndexMap<String, serde_json::Value>,
    major: u32,
    name: &str,
) -> Option<u32> {
    let (_, raw) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))?;
    let text = crate::postgres::parameter_text(raw)?;
    // Without a catalogue for the image's major, the default major's reads
    // these integers the same way.
    let catalogue = crate::postgres::Catalogue::of(major)
        .or_else(|| crate::postgres::Catalogue::of(crate::topology::DEFAULT_POSTGRES_MAJOR))?;
    let setting = catalogue.get(name)?;
    let value = crate::postgres::value::parse(setting, &text).ok()?;
    u32::try_from(value.as_integer()?).ok()
}
