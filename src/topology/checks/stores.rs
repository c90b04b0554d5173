//! Object storage and the vector store, by their rows in the catalogue
//! (`dify::storage::BACKENDS`, `dify::vector::STORES`): each field a store
//! needs is set, no field it does not read is (T222, T223), workload
//! identity is asked of a store that has one, and its ServiceAccounts name
//! it (T224); the bucket copy of `backup` needs keys (T225); pgvector
//! on the Patroni cluster needs an image that carries the `vector`
//! extension (T226).
//!
//! Why: Dify starts with a store's variables missing and fails at the
//! first upload or the first knowledge-base query; a field the store does
//! not read (a Weaviate key left by the profile under `type: pgvector`)
//! looks configured and is not. `CREATE EXTENSION vector` fails on an
//! image without pgvector, and the cluster's bootstrap with it.
//! Fix: set what the message names, or remove the field with `null`.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::{storage, vector, Kind};
use crate::names::{postgres, url};
use crate::topology::{PostgresMode, IDENTITY_ANNOTATIONS};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = object_store(cx);
    out.extend(vector_store(cx));
    out.extend(backup(cx));
    out
}

const STORAGE_FIELDS: [storage::Field; 11] = [
    storage::Field::Bucket,
    storage::Field::PluginBucket,
    storage::Field::Endpoint,
    storage::Field::Region,
    storage::Field::AccountName,
    storage::Field::Path,
    storage::Field::AccessKey,
    storage::Field::SecretKey,
    storage::Field::AccountKey,
    storage::Field::CredentialsJson,
    storage::Field::PluginConnectionString,
];

fn object_store(cx: &Cx) -> Vec<Diagnostic> {
    let s = &cx.t.storage;
    let (Some(b), Some(o)) = (s.kind.backend(), s.object_store()) else {
        return Vec::new();
    };
    let base = s.pointer();
    let kind = s.kind.as_str();
    let mut out = Vec::new();
    let identity = b.identity.filter(|_| o.use_workload_identity);
    for f in STORAGE_FIELDS {
        let replaced = identity.is_some_and(|i| i.replaces.contains(&f));
        if o.has(f) && (!b.reads(f) || replaced) {
            let why = if replaced {
                "is not read with `useWorkloadIdentity: true`"
            } else {
                "is not read by this store"
            };
            out.push(unread(
                cx,
                codes::T_STORAGE_FIELDS,
                &base,
                f.key(),
                why,
                kind,
            ));
        } else if !o.has(f) && b.required.contains(&f) && !replaced {
            let unless = if b.identity.is_some_and(|i| i.replaces.contains(&f)) {
                " unless `useWorkloadIdentity: true`"
            } else {
                ""
            };
            out.push(missing(cx, "/storage", &base, f.key(), kind, unless));
        }
    }
    if let Some(endpoint) = &o.endpoint {
        out.extend(cx.name_rule(&format!("{base}/endpoint"), "URL", endpoint, url::http));
    }
    if o.use_workload_identity {
        match identity {
            None => out.push(
                cx.error(
                    codes::T_STORE_IDENTITY,
                    &format!("{base}/useWorkloadIdentity"),
                    format!(
                        "`{kind}` takes keys only: Dify has no workload identity sign-in for it"
                    ),
                )
                .help("set `useWorkloadIdentity: false` and reference the keys"),
            ),
            Some(i) => out.extend(bare_accounts(cx, &base, i)),
        }
    }
    out
}

/// The components that reach the store and carry no identity annotation.
fn bare_accounts(cx: &Cx, base: &str, i: storage::Identity) -> Option<Diagnostic> {
    let mut kinds = vec![Kind::Api, Kind::Worker];
    if i.plugin_daemon {
        kinds.push(Kind::PluginDaemon);
    }
    let bare: Vec<&str> = kinds
        .into_iter()
        .filter(|&k| {
            !cx.t
                .components
                .get(k)
                .and_then(|c| c.service_account.as_ref())
                .is_some_and(|s| s.annotations.contains_key(i.annotation))
        })
        .map(|k| k.key())
        .collect();
    (!bare.is_empty()).then(|| {
        cx.warning(
            codes::T_STORE_IDENTITY,
            &format!("{base}/useWorkloadIdentity"),
            format!(
                "`useWorkloadIdentity: true`, but the ServiceAccount of {} has no `{}` annotation",
                bare.join(", "),
                i.annotation
            ),
        )
        .help(format!(
            "annotate `components.<name>.serviceAccount.annotations` with `{}` (one of {})",
            i.annotation,
            IDENTITY_ANNOTATIONS.join(", ")
        ))
    })
}

fn vector_store(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let vs = &t.vector_store;
    let store = vs.kind.store();
    let kind = store.name;
    let mut out = Vec::new();
    let on_patroni = vs.on_patroni();
    for f in vector::Field::ALL {
        let patroni_own =
            on_patroni && matches!(f, vector::Field::Username | vector::Field::Password);
        if vs.has(f) && (!store.reads(f) || patroni_own) {
            let why = if patroni_own {
                "is Dify's database user's on the Patroni cluster (`postgres.username`, `postgres.password`)"
            } else {
                "is not read by this store"
            };
            out.push(unread(
                cx,
                codes::T_VECTOR_FIELDS,
                "/vectorStore",
                f.key(),
                why,
                kind,
            ));
        } else if !vs.has(f) && store.required.contains(&f) && !patroni_own {
            out.push(missing(
                cx,
                "/vectorStore",
                "/vectorStore",
                f.key(),
                kind,
                "",
            ));
        }
    }
    match (&vs.endpoint, on_patroni) {
        (Some(endpoint), _) => out.extend(cx.name_rule(
            "/vectorStore/endpoint",
            "URL",
            endpoint,
            |e| url::parse(e, store.schemes).map(|_| ()),
        )),
        (None, true) if t.postgres.mode != PostgresMode::Patroni => out.push(
            cx.error(
                codes::T_VECTOR_FIELDS,
                "/vectorStore/type",
                "pgvector without an `endpoint` runs on the release's Patroni cluster, and `postgres.mode` is not `patroni`",
            )
            .help("give the pgvector server's `endpoint` (`postgresql://pgvector.db.svc:5432`)"),
        ),
        (None, true) => out.extend(pgvector_image(cx)),
        (None, false) => out.push(missing(cx, "/vectorStore", "/vectorStore", "endpoint", kind, "")),
    }
    if let Some(db) = &vs.database {
        if matches!(vs.kind, crate::topology::VectorStoreKind::Pgvector) {
            out.extend(cx.name_rule("/vectorStore/database", "database name", db, postgres::name));
        }
    }
    if let Some(grpc) = &vs.grpc_endpoint {
        out.extend(cx.name_rule(
            "/vectorStore/grpcEndpoint",
            "gRPC address",
            grpc,
            crate::names::dns::host_port,
        ));
    }
    out
}

/// A field set that the store does not read, at the field.
fn unread(cx: &Cx, code: &'static str, base: &str, key: &str, why: &str, kind: &str) -> Diagnostic {
    cx.error(
        code,
        &format!("{base}/{key}"),
        format!("`{key}` {why} (`type: {kind}`)"),
    )
    .help(format!("remove it (`{key}: null`)"))
}

/// A field the store needs, reported at the `type` under `parent` that
/// asks for it, since the field itself is not there.
fn missing(cx: &Cx, parent: &str, base: &str, key: &str, kind: &str, unless: &str) -> Diagnostic {
    let section = crate::source::dotted(base);
    cx.error(
        codes::T_MISSING_FIELD,
        &format!("{parent}/type"),
        format!("missing field `{key}` for `type: {kind}`{unless}"),
    )
    .path(format!("{section}.{key}"))
    .help(format!("add `{key}:` under `{section}`"))
}

/// The pgEdge images carry pgvector in their `standard` flavour only.
fn pgvector_image(cx: &Cx) -> Option<Diagnostic> {
    let image = &cx.t.images.postgres;
    let tag = image.rsplit_once(':').map_or("", |(_, t)| t);
    if !image.contains("pgedge") {
        return Some(
            cx.warning(
                codes::T_PGVECTOR_IMAGE,
                "/images/postgres",
                format!("dify-gen cannot tell whether `{image}` carries the pgvector extension the vector store needs"),
            )
            .help("use an image with pgvector (`ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1`)"),
        );
    }
    (!tag.contains("standard")).then(|| {
        cx.error(
            codes::T_PGVECTOR_IMAGE,
            "/images/postgres",
            format!("`{image}` has no pgvector: pgEdge ships it in the `standard` images only"),
        )
        .help("use the image's `-standard` tag")
    })
}

/// The bucket copy reads the live buckets with rclone, in the backup
/// pods, whose ServiceAccount carries no cloud identity: a store reached by
/// workload identity alone cannot be copied.
fn backup(cx: &Cx) -> Option<Diagnostic> {
    let t = cx.t;
    let o = t.storage.object_store()?;
    (t.backup.is_some() && o.use_workload_identity).then(|| {
        cx.error(
            codes::T_BACKUP_STORAGE,
            &format!("{}/useWorkloadIdentity", t.storage.pointer()),
            format!(
                "`backup` copies Dify's buckets from the backup pods, which have no cloud identity, and `type: {}` signs in with workload identity only",
                t.storage.kind.as_str()
            ),
        )
        .help("reference the store's keys (`useWorkloadIdentity: false`), or remove `backup` and replicate the buckets with the cloud's own tools")
    })
}
