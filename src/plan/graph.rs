//! The component graph: every connection a pod of the release opens, as
//! edges with a port. NetworkPolicies are rendered from exactly these edges
//! (`render/kubernetes/network.rs`), and a test reads the policies back
//! and compares them with this list, so the two cannot drift.
//!
//! Data-layer members (`postgres`, `etcd`, `redis`, `sentinel`) are part
//! of the graph whenever the topology runs them in this release, so their
//! StatefulSets are covered by the same policies once they are rendered.
//! So is the log collector's agent (`fluent-bit`) when logging is on; it
//! lives in its own namespace ([`namespace_of`]).

use super::monitoring;
use crate::dify::{data_layer, ports, Kind, LOG_COLLECTOR};
use crate::topology::{Logging, MailKind, PostgresMode, RedisMode, Topology};
use serde::Serialize;

/// One end of an edge.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Peer {
    /// Pods of this release with this `app.kubernetes.io/component`.
    Component(&'static str),
    /// The pods of the ingress controller or gateway that serve the entry.
    Entry,
    /// The cluster's DNS (`k8s-app: kube-dns` in `kube-system`).
    Dns,
    /// The Kubernetes API server (its address is not known at render time).
    KubeApi,
    /// Public addresses only: private, loopback and link-local ranges excluded.
    Internet,
    /// Every pod of another namespace (an in-cluster service outside the release).
    Namespace(String),
    /// Any address: an external service whose address dify-gen cannot know.
    Anywhere,
    /// The Prometheus pods of `monitoring.prometheus`, which scrape metrics ports.
    Prometheus,
    /// The blackbox exporter's pods, which probe health endpoints.
    Prober,
    /// A destination of `network.egress`, by name.
    Egress(String),
    /// The KEDA operator (`workers.kedaOperator`), which reads the queue
    /// lengths of the pools it scales.
    Keda,
    /// Developers' machines running a plugin against the daemon's
    /// remote-debug port (`plugins.remoteDebug.allowFrom`).
    PluginDebug,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub from: Peer,
    pub to: Peer,
    pub protocol: Protocol,
    pub port: u16,
    /// Last port of a range (`port`..=`endPort`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_port: Option<u16>,
}

/// The release's own pod groups, by component label: the Dify workloads
/// the topology runs, the migration Job and the data-layer members.
pub fn components(t: &Topology) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = super::deployments(t).iter().map(|k| k.label()).collect();
    out.push(Kind::Migration.label());
    if t.postgres.mode == PostgresMode::Patroni && t.postgres.patroni.is_some() {
        out.extend([
            data_layer::POSTGRES,
            data_layer::POSTGRES_CHECK,
            data_layer::ETCD,
        ]);
    }
    if t.redis.mode == RedisMode::Sentinel && t.redis.sentinel.is_some() {
        out.extend([
            data_layer::REDIS,
            data_layer::SENTINEL,
            data_layer::REDIS_PROXY,
        ]);
    }
    if backups(t) {
        out.extend([
            data_layer::BACKUP,
            data_layer::BACKUP_DRILL,
            data_layer::BACKUP_FILES,
        ]);
    }
    if log_collector(t).is_some() {
        out.push(LOG_COLLECTOR);
    }
    if monitoring::otel_collector(t).is_some() {
        out.push(monitoring::OTEL_COLLECTOR);
    }
    out.sort_unstable();
    out
}

/// Whether the backup Jobs run: a `backup` section for the Patroni cluster.
pub fn backups(t: &Topology) -> bool {
    t.backup.is_some() && t.postgres.mode == PostgresMode::Patroni && t.postgres.patroni.is_some()
}

/// The logging section, when logging is on: the agent runs in every
/// collector mode (a DaemonSet of dify-gen's or of the Helm chart, whose
/// pods carry the same labels).
fn log_collector(t: &Topology) -> Option<&Logging> {
    t.logging.as_ref().filter(|l| l.enabled)
}

/// The namespace a component's pods run in: the release's, but the log
/// collector's own for its agent.
pub fn namespace_of<'a>(t: &'a Topology, component: &str) -> &'a str {
    match log_collector(t) {
        Some(l) if component == LOG_COLLECTOR => &l.collector.namespace,
        _ => &t.metadata.namespace,
    }
}

/// `host` and `port` of an endpoint (`http://h:8080/x`, `h:50051`).
pub fn host_port(endpoint: &str) -> (String, u16) {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("", endpoint));
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let default = if scheme == "https" { 443 } else { 80 };
    match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(default)),
        None => (authority.to_string(), default),
    }
}

/// Where Dify's object storage is: the endpoint's host and port, or the
/// cloud's public endpoint (AWS S3, Google Cloud Storage, Tencent COS by
/// region) on 443.
pub fn storage_peer(t: &Topology) -> (Peer, u16) {
    let storage = &t.storage;
    let endpoint = match (storage.s3(), storage.object_store()) {
        (Some(s3), _) => s3.endpoint.as_deref(),
        (None, Some(o)) => o.endpoint.as_deref(),
        (None, None) => None,
    };
    match endpoint {
        Some(endpoint) => {
            let (host, port) = host_port(endpoint);
            (peer_of_host(&host), port)
        }
        None => (Peer::Internet, 443),
    }
}

/// Where the vector store is, each port a client opens: the Patroni
/// cluster's members for pgvector without an endpoint (the leader Service
/// selects them), else the endpoint's host on the store's ports.
pub fn vector_peers(t: &Topology) -> Vec<(Peer, u16)> {
    let vs = &t.vector_store;
    let store = vs.kind.store();
    let Some(endpoint) = &vs.endpoint else {
        return if vs.on_patroni() && t.postgres.mode == PostgresMode::Patroni {
            vec![(Peer::Component(data_layer::POSTGRES), ports::POSTGRES)]
        } else {
            Vec::new()
        };
    };
    let (host, port) = store_host_port(endpoint, store.default_port);
    let mut out = vec![(peer_of_host(&host), port)];
    out.extend(store.extra_ports.iter().map(|p| (peer_of_host(&host), *p)));
    if let Some(grpc) = &vs.grpc_endpoint {
        let (host, port) = host_port(grpc);
        out.push((peer_of_host(&host), port));
    }
    out
}

/// Where Dify's mail goes, if anywhere: the SMTP server on its port, or
/// Resend's API URL (Resend itself on 443 when no URL is given).
/// With `mail.egress`, the peer is that named destination, on the same port.
pub fn mail_peer(t: &Topology) -> Option<(Peer, u16)> {
    let m = t.mail.as_ref()?;
    let (peer, port) = match m.kind {
        MailKind::Smtp => m.smtp.as_ref().map(|s| (peer_of_host(&s.server), s.port)),
        MailKind::Resend => m.resend.as_ref().map(|r| match &r.api_url {
            Some(url) => {
                let (host, port) = host_port(url);
                (peer_of_host(&host), port)
            }
            None => (Peer::Internet, 443),
        }),
    }?;
    match &m.egress {
        Some(name) => Some((Peer::Egress(name.clone()), port)),
        None => Some((peer, port)),
    }
}

/// Where Dify's backend pushes OTLP: the release's collector, or the named
/// destination of `monitoring.otlp` on its URL's port.
pub fn otlp_peer(t: &Topology) -> Option<(Peer, u16)> {
    if monitoring::otel_collector(t).is_some() {
        return Some((
            Peer::Component(monitoring::OTEL_COLLECTOR),
            ports::OTLP_HTTP,
        ));
    }
    let o = t.monitoring.as_ref()?.otlp.as_ref()?;
    Some((Peer::Egress(o.egress.clone()), host_port(&o.url).1))
}

/// `host` and `port` of a store's URL, with the store's port when the URL
/// gives none and its scheme is not HTTP's.
pub fn store_host_port(endpoint: &str, default_port: u16) -> (String, u16) {
    let scheme = endpoint.split_once("://").map_or("", |(s, _)| s);
    let (host, port) = host_port(endpoint);
    let authority = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or(authority);
    let explicit = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
    match (explicit, scheme) {
        (true, _) | (false, "http" | "https") => (host, port),
        (false, _) => (host, default_port),
    }
}

/// Where a host name points: another namespace for `svc.ns.svc[.cluster.local]`,
/// anywhere otherwise.
fn peer_of_host(host: &str) -> Peer {
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [_, ns, "svc", ..] => Peer::Namespace((*ns).to_string()),
        _ => Peer::Anywhere,
    }
}

/// Where the clients that take a Redis URL connect (the event bus, the
/// agent backend): the master proxy in `sentinel` mode, the external
/// `masterEndpoint` with external Sentinels, else the external server.
fn url_redis(t: &Topology) -> Option<(Peer, u16)> {
    match (t.redis.mode, &t.redis.sentinel, &t.redis.external) {
        (RedisMode::Sentinel, Some(_), _) => {
            Some((Peer::Component(data_layer::REDIS_PROXY), ports::REDIS))
        }
        (RedisMode::External, _, Some(ext)) if ext.sentinels.is_empty() => {
            Some((peer_of_host(&ext.host), ext.port as u16))
        }
        (RedisMode::External, _, Some(ext)) => ext
            .master_endpoint
            .as_ref()
            .map(|e| (peer_of_host(&e.host), e.port as u16)),
        _ => None,
    }
}

/// A proxy's way out: public addresses only, on the ports squid allows
/// (`Safe_ports`: 80, 443, 1025-65535).
fn public_web(out: &mut Vec<Edge>, proxy: &Peer) {
    out.push(tcp_edge(proxy, &Peer::Internet, 80));
    out.push(tcp_edge(proxy, &Peer::Internet, 443));
    out.push(Edge {
        end_port: Some(65535),
        ..tcp_edge(proxy, &Peer::Internet, 1025)
    });
}

/// A TCP edge to one port.
fn tcp_edge(from: &Peer, to: &Peer, port: u16) -> Edge {
    Edge {
        from: from.clone(),
        to: to.clone(),
        protocol: Protocol::Tcp,
        port,
        end_port: None,
    }
}

/// Calls to the Kubernetes API server: 443, the `kubernetes` Service's
/// port, and 6443, where the API server itself listens. Most CNIs apply
/// NetworkPolicies after the Service's address translation, so they see
/// the endpoint's port, not the Service's; both are allowed.
fn kube_api(from: &Peer) -> [Edge; 2] {
    [443, 6443].map(|port| tcp_edge(from, &Peer::KubeApi, port))
}

/// Every edge of the release, sorted, without repeats.
pub fn edges(t: &Topology) -> Vec<Edge> {
    let mut out = Vec::new();
    let mut tcp = |from: &Peer, to: Peer, port: u16| {
        out.push(Edge {
            from: from.clone(),
            to,
            protocol: Protocol::Tcp,
            port,
            end_port: None,
        })
    };
    let c = |kind: Kind| Peer::Component(kind.label());
    let patroni = t.postgres.mode == PostgresMode::Patroni && t.postgres.patroni.is_some();
    let sentinel = t.redis.mode == RedisMode::Sentinel && t.redis.sentinel.is_some();
    let release = super::release(t);
    let running = super::deployments(t);
    let runs = |kind: Kind| kind == Kind::Migration || running.contains(&kind);
    // The SSRF proxies, which reach public addresses.
    let mut proxies = Vec::new();

    // The entry: the release's routes, as the ingress controller serves them.
    for route in release.routes.iter().filter(|r| runs(r.to)) {
        tcp(&Peer::Entry, c(route.to), route.to.port());
    }

    // Databases, for every process that opens them.
    let database_clients = [
        Kind::Api,
        Kind::ApiWebsocket,
        Kind::Worker,
        Kind::Beat,
        Kind::Migration,
        Kind::PluginDaemon,
    ];
    for kind in database_clients.into_iter().filter(|k| runs(*k)) {
        let from = c(kind);
        match (&t.postgres.external, patroni) {
            (_, true) => tcp(
                &from,
                Peer::Component(data_layer::POSTGRES),
                ports::POSTGRES,
            ),
            (Some(ext), false) => tcp(&from, peer_of_host(&ext.host), ext.port as u16),
            (None, false) => {}
        }
        if sentinel {
            tcp(&from, Peer::Component(data_layer::REDIS), ports::REDIS);
            tcp(
                &from,
                Peer::Component(data_layer::SENTINEL),
                ports::SENTINEL,
            );
        } else if let Some(ext) = &t.redis.external {
            if ext.sentinels.is_empty() {
                tcp(&from, peer_of_host(&ext.host), ext.port as u16);
            } else {
                for s in &ext.sentinels {
                    let (host, port) = host_port(s);
                    tcp(&from, peer_of_host(&host), port);
                }
                // Sentinel hands out the master's address: any data node.
                tcp(&from, Peer::Anywhere, ports::REDIS);
            }
        }
    }
    // KEDA reads the queue lengths of the pools it scales, through
    // Sentinel when the release runs it.
    let scaled = t
        .workers
        .as_ref()
        .is_some_and(|w| w.pools.iter().any(|p| p.keda.is_some()));
    // (An external Redis is outside the release's policies.)
    if scaled && runs(Kind::Worker) && sentinel {
        tcp(
            &Peer::Keda,
            Peer::Component(data_layer::REDIS),
            ports::REDIS,
        );
        tcp(
            &Peer::Keda,
            Peer::Component(data_layer::SENTINEL),
            ports::SENTINEL,
        );
    }
    // The event bus and the agent backend take a Redis URL and cannot ask
    // Sentinel: they go through the address that follows the master (the
    // plugin daemon never does).
    if let Some((to, port)) = url_redis(t) {
        let url_clients = database_clients
            .into_iter()
            .filter(|k| k.is_backend())
            .chain([Kind::AgentBackend]);
        for kind in url_clients.filter(|k| runs(*k)) {
            tcp(&c(kind), to.clone(), port);
        }
    }

    // What api, the websocket server (the same app) and worker call: the
    // code sandbox, the plugin daemon, the SSRF proxy for user-defined
    // HTTP, the vector store, object storage, and the agent backend.
    let storage = storage_peer(t);
    let vector = vector_peers(t);
    for kind in [Kind::Api, Kind::ApiWebsocket, Kind::Worker]
        .into_iter()
        .filter(|k| runs(*k))
    {
        let from = c(kind);
        tcp(&from, c(Kind::Sandbox), ports::SANDBOX);
        tcp(&from, c(Kind::PluginDaemon), ports::PLUGIN_DAEMON);
        tcp(&from, c(Kind::SsrfProxy), ports::SSRF_PROXY);
        for (peer, port) in &vector {
            tcp(&from, peer.clone(), *port);
        }
        tcp(&from, storage.0.clone(), storage.1);
        if runs(Kind::AgentBackend) && kind != Kind::ApiWebsocket {
            tcp(&from, c(Kind::AgentBackend), ports::AGENT_BACKEND);
        }
    }

    // Mail: the worker sends from its `mail` queue, api some mails itself.
    if let Some((peer, port)) = mail_peer(t) {
        for kind in [Kind::Api, Kind::Worker].into_iter().filter(|k| runs(*k)) {
            tcp(&c(kind), peer.clone(), port);
        }
    }

    // Next.js renders pages that ask the api server-side (1.16 on).
    if release.env.server_console_api_url.is_some() {
        tcp(&c(Kind::Web), c(Kind::Api), ports::API);
    }

    // The plugin daemon calls back into api, and out to plugin storage,
    // the marketplace, model providers and PyPI (plugin installs).
    let daemon = c(Kind::PluginDaemon);
    tcp(&daemon, c(Kind::Api), ports::API);
    tcp(&daemon, storage.0.clone(), storage.1);
    tcp(&daemon, Peer::Internet, 443);
    // Plugin dependencies from the PyPI mirror, on its URL's port.
    if let Some((mirror, port)) = super::plugins::pip_mirror(t) {
        tcp(&daemon, Peer::Egress(mirror.egress.clone()), port);
    }
    // Remote debugging, only when the topology opens it.
    if super::plugins::remote_debug(t).is_some() {
        tcp(&Peer::PluginDebug, daemon.clone(), ports::PLUGIN_DEBUG);
    }

    // The log agent ships to its outputs only, reads pod metadata from
    // the API server, and is scraped by Prometheus.
    if let Some(l) = log_collector(t) {
        let agent = Peer::Component(LOG_COLLECTOR);
        for o in &l.outputs {
            if let Some(endpoint) = &o.endpoint {
                let (host, port) = host_port(endpoint);
                tcp(&agent, peer_of_host(&host), port);
            }
        }
        for edge in kube_api(&agent) {
            tcp(&edge.from, edge.to, edge.port);
        }
        let prometheus = Peer::Namespace(l.collector.prometheus_namespace.clone());
        tcp(&prometheus, agent.clone(), l.collector.http_port);
        tcp(&prometheus, agent, l.collector.metrics_port);
    }

    // The agent runtime, as Dify's compose file isolates it: the agent
    // backend calls models and tools through the plugin daemon, Dify's
    // inner API and its sandbox; the sandbox reaches nothing but its own
    // proxy, which reaches the agent backend's stub API, api's files and
    // public addresses (the ACL in `squid-agent.conf` narrows the paths).
    if runs(Kind::AgentBackend) {
        let agent = c(Kind::AgentBackend);
        tcp(&agent, c(Kind::PluginDaemon), ports::PLUGIN_DAEMON);
        tcp(&agent, c(Kind::Api), ports::API);
        tcp(&agent, c(Kind::LocalSandbox), ports::LOCAL_SANDBOX);
        tcp(
            &c(Kind::LocalSandbox),
            c(Kind::AgentSsrfProxy),
            ports::SSRF_PROXY,
        );
        let proxy = c(Kind::AgentSsrfProxy);
        tcp(&proxy, agent, ports::AGENT_BACKEND);
        tcp(&proxy, c(Kind::Api), ports::API);
        proxies.push(proxy);
    }

    // Untrusted code reaches the network only through the SSRF proxy,
    // which reaches only public addresses, on the ports squid allows.
    tcp(&c(Kind::Sandbox), c(Kind::SsrfProxy), ports::SSRF_PROXY);
    proxies.push(c(Kind::SsrfProxy));
    for proxy in &proxies {
        public_web(&mut out, proxy);
    }

    // The data layer among itself.
    if patroni {
        let pg = Peer::Component(data_layer::POSTGRES);
        let etcd = Peer::Component(data_layer::ETCD);
        out.extend(
            [
                (&pg, &pg, ports::POSTGRES),
                (&pg, &pg, ports::PATRONI),
                // The replication-check Job asks the leader.
                (
                    &Peer::Component(data_layer::POSTGRES_CHECK),
                    &pg,
                    ports::POSTGRES,
                ),
                (&pg, &etcd, ports::ETCD_CLIENT),
                (&etcd, &etcd, ports::ETCD_CLIENT),
                (&etcd, &etcd, ports::ETCD_PEER),
            ]
            .map(|(from, to, port)| tcp_edge(from, to, port)),
        );
        // Patroni's role callback labels its pod through the API.
        out.extend(kube_api(&pg));
    }
    if sentinel {
        let redis = Peer::Component(data_layer::REDIS);
        let sen = Peer::Component(data_layer::SENTINEL);
        let proxy = Peer::Component(data_layer::REDIS_PROXY);
        out.extend(
            [
                (&redis, &redis, ports::REDIS),
                (&redis, &sen, ports::SENTINEL),
                (&sen, &redis, ports::REDIS),
                (&sen, &sen, ports::SENTINEL),
                // The master proxy checks every data node's role.
                (&proxy, &redis, ports::REDIS),
            ]
            .map(|(from, to, port)| tcp_edge(from, to, port)),
        );
    }

    // Backups: the Jobs reach pgBackRest's server beside each member; the
    // members (archive-push, archive-get, replicas from the repository),
    // the Jobs and the drill reach every repository; the bucket copy reads
    // Dify's storage; the drill pushes its figures.
    if let (true, Some(b)) = (backups(t), &t.backup) {
        let pg = Peer::Component(data_layer::POSTGRES);
        let job = Peer::Component(data_layer::BACKUP);
        let drill = Peer::Component(data_layer::BACKUP_DRILL);
        let files = Peer::Component(data_layer::BACKUP_FILES);
        out.push(tcp_edge(&job, &pg, ports::PGBACKREST));
        for r in &b.repositories {
            let (host, port) = r.host_port();
            for from in [&pg, &job, &drill, &files] {
                out.push(tcp_edge(from, &peer_of_host(&host), port));
            }
        }
        out.push(tcp_edge(&files, &storage.0, storage.1));
        if let Some(url) = &b.pushgateway {
            let (host, port) = host_port(url);
            out.push(tcp_edge(&drill, &peer_of_host(&host), port));
        }
    }

    // Prometheus scrapes the metrics ports, the blackbox exporter probes
    // the health endpoints (both only with a `monitoring` section).
    for scrape in monitoring::pod_scrapes(t) {
        out.push(tcp_edge(
            &Peer::Prometheus,
            &Peer::Component(scrape.component),
            scrape.port_number,
        ));
    }
    for (kind, _, port) in monitoring::probed(t) {
        out.push(tcp_edge(&Peer::Prober, &c(kind), port));
    }
    // Dify's backend pushes OTLP to the collector or the named endpoint.
    if let Some((peer, port)) = otlp_peer(t) {
        // Every backend pod reads the shared settings, the websocket server too.
        for kind in database_clients
            .into_iter()
            .filter(|k| k.is_backend() && runs(*k))
        {
            out.push(tcp_edge(&c(kind), &peer, port));
        }
    }

    // Named destinations: one edge per component, destination and port.
    for d in t.network.iter().flat_map(|n| &n.egress) {
        for kind in Kind::ALL
            .into_iter()
            .filter(|k| runs(*k) && d.from.iter().any(|f| f == k.key()))
        {
            for &port in &d.ports {
                out.push(tcp_edge(&c(kind), &Peer::Egress(d.name.clone()), port));
            }
        }
    }

    // Every pod resolves names.
    for component in components(t) {
        for protocol in [Protocol::Udp, Protocol::Tcp] {
            out.push(Edge {
                from: Peer::Component(component),
                to: Peer::Dns,
                protocol,
                port: ports::DNS,
                end_port: None,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            host_port("http://weaviate.weaviate.svc.cluster.local:8080"),
            ("weaviate.weaviate.svc.cluster.local".into(), 8080)
        );
        assert_eq!(
            host_port("https://s3.amazonaws.com"),
            ("s3.amazonaws.com".into(), 443)
        );
        assert_eq!(
            host_port("grpc.vs.svc:50051"),
            ("grpc.vs.svc".into(), 50051)
        );
        assert_eq!(
            peer_of_host("weaviate.weaviate.svc.cluster.local"),
            Peer::Namespace("weaviate".into())
        );
        assert_eq!(peer_of_host("db.example.com"), Peer::Anywhere);
    }
}
