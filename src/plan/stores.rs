//! The variables of Dify's object storage and of its vector store, resolved from the
//! topology through their rows in `dify::storage` and `dify::vector`: plain
//! values for the ConfigMap, Secret references for `secretKeyRef`.

use super::{graph, Plan};
use crate::dify::{storage, vector};
use crate::topology::{S3AddressStyle, SecretRef, StoreSettings, Topology};

/// A variable's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Plain(String),
    Secret(&'a SecretRef),
    /// A Secret that holds base64 of the value (decoded in the pod).
    Base64Secret(&'a SecretRef),
}

/// Which side of the store a set of variables is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// api, worker, beat and the websocket server.
    Backend,
    PluginDaemon,
    /// rclone, copying the buckets into the backup repositories.
    Rclone,
}

/// The object store's variables on one side (the store's type first).
pub fn storage_vars(t: &Topology, side: Side) -> Vec<(&'static str, Value<'_>)> {
    let Some((b, o)) = t.storage.settings() else {
        return Vec::new();
    };
    let (kind_var, kind, rows) = match side {
        Side::Backend => ("STORAGE_TYPE", b.storage_type, b.api),
        Side::PluginDaemon => ("PLUGIN_STORAGE_TYPE", b.plugin_storage_type, b.plugin),
        Side::Rclone => ("type", b.rclone.backend, b.rclone.options),
    };
    let mut out = vec![(kind_var, Value::Plain(kind.to_string()))];
    out.extend(resolve(b, o, side, rows));
    out
}

/// The rows' values from the store's settings; a row whose field is unset
/// (or replaced by the pods' identity) has none.
fn resolve<'t>(
    b: &storage::Backend,
    o: StoreSettings<'t>,
    side: Side,
    rows: &[(&'static str, storage::Source)],
) -> Vec<(&'static str, Value<'t>)> {
    use storage::{Field, Source};
    let identity = b.identity.filter(|_| o.uses_identity());
    let plain = |v: &str| Some(Value::Plain(v.to_string()));
    let mut out = Vec::new();
    for (name, source) in rows {
        let value = match *source {
            Source::Const(v) => plain(v),
            Source::UsesIdentity => plain(&o.uses_identity().to_string()),
            Source::NoEndpoint => plain(&o.text(Field::Endpoint).is_none().to_string()),
            Source::AddressStyle => plain(o.address_style().as_str()),
            Source::PathStyle => plain(&(o.address_style() == S3AddressStyle::Path).to_string()),
            Source::AwsProvider => plain(match o.text(Field::Endpoint) {
                None => "AWS",
                Some(_) => "Other",
            }),
            Source::WhenIdentity(v) => identity.and_then(|_| plain(v)),
            Source::RegionUrl(prefix, suffix) => o
                .text(Field::Region)
                .and_then(|r| plain(&format!("{prefix}{r}{suffix}"))),
            Source::EndpointRegion => o
                .text(Field::Endpoint)
                .map(|e| graph::store_host_port(e, 443).0)
                .and_then(|host| host.split('.').nth(1).map(str::to_string))
                .map(Value::Plain),
            Source::Base64(f) if identity.is_some_and(|i| i.replaces.contains(&f)) => None,
            Source::Base64(f) => o.secret(f).map(Value::Base64Secret),
            Source::Field(f) if identity.is_some_and(|i| i.replaces.contains(&f)) => identity
                .and_then(|i| i.api.iter().find(|(n, _)| n == name))
                .filter(|_| side == Side::Backend)
                .map(|(_, v)| Value::Plain((*v).to_string())),
            Source::Field(f) if f.is_secret() => o.secret(f).map(Value::Secret),
            Source::Field(f) => o.text(f).map(|v| Value::Plain(v.to_string())),
        };
        out.extend(value.map(|v| (*name, v)));
    }
    out
}

/// The vector store's variables (`VECTOR_STORE` first).
pub fn vector_vars<'t>(plan: &Plan<'t>) -> Vec<(&'static str, Value<'t>)> {
    let t = plan.t;
    let vs = &t.vector_store;
    let store = vs.kind.store();
    let on_patroni = vs.on_patroni();
    // On the Patroni cluster: through the leader Service, as Dify's own
    // database, with Dify's user.
    let (scheme, host, port) = match &vs.endpoint {
        Some(e) => {
            let (host, port) = graph::store_host_port(e, store.default_port);
            (e.split_once("://").map_or("", |(s, _)| s), host, port)
        }
        None => ("postgresql", plan.db_host.clone(), plan.db_port as u16),
    };
    let mut out = vec![("VECTOR_STORE", Value::Plain(store.name.to_string()))];
    for (name, source) in store.vars {
        let value = match *source {
            vector::Source::Url => vs.endpoint.clone().map(Value::Plain),
            vector::Source::Host => Some(Value::Plain(host.clone())),
            vector::Source::SchemeHost => Some(Value::Plain(format!("{scheme}://{host}"))),
            vector::Source::Port => Some(Value::Plain(port.to_string())),
            vector::Source::Secure => Some(Value::Plain((scheme == "https").to_string())),
            vector::Source::Const(v) => Some(Value::Plain(v.to_string())),
            vector::Source::WithApiKey(v) => {
                vs.api_key.as_ref().map(|_| Value::Plain(v.to_string()))
            }
            vector::Source::Field(vector::Field::Username) if on_patroni => {
                Some(Value::Plain(t.postgres.username.clone()))
            }
            vector::Source::Field(vector::Field::Password) if on_patroni => {
                Some(Value::Secret(&t.postgres.password))
            }
            vector::Source::Field(f) if f.is_secret() => vs.secret(f).map(Value::Secret),
            vector::Source::Field(f) => vs.text(f).map(|v| Value::Plain(v.to_string())),
        };
        out.extend(value.map(|v| (*name, v)));
    }
    out
}

/// The pod labels a workload identity webhook selects pods by, for the
/// components that reach the object store.
pub fn identity_pod_labels(t: &Topology) -> Vec<(&'static str, &'static str)> {
    let s = &t.storage;
    match (s.kind.backend(), s.object_store()) {
        (Some(b), Some(o)) if o.use_workload_identity => {
            b.identity.and_then(|i| i.pod_label).into_iter().collect()
        }
        _ => Vec::new(),
    }
}
