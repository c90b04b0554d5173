//! Semantic checks on the input alone: what the schema cannot say. One
//! module per check, each with a doc comment saying what it checks, why, and
//! how to fix it. Checks that need derived facts (quorums, budgets,
//! placement) are `plan::checks`; they run after these.
//! To add a check: write `checks/<name>.rs` with `pub(super) fn check`,
//! register it in [`CHECKS`], add a failing topology
//! `tests/fixtures/checks/<name>.yaml`, its fixed twin `<name>.ok.yaml`, and
//! a row in `tests/integration/checks.rs`.

mod addresses;
mod backup;
mod destinations;
mod disruption;
mod domains;
mod egress;
mod entry;
mod extras;
mod failover_timing;
mod grace;
mod hosts;
mod identity;
mod image_references;
mod images_pinned;
mod inline_secrets;
mod logging;
mod mail;
mod managed_env;
mod mode_sections;
mod monitoring;
mod object_store;
mod otel_export;
mod plugins;
mod postgres_names;
mod postgres_parameters;
mod probe_paths;
mod redis_directives;
mod references;
mod release;
mod replicas;
mod requests_limits;
mod scheduling;
mod singleton;
mod sizes;
mod spread_zones;
mod stores;
mod timeouts;
mod workers;

use super::Topology;
use crate::diagnostic::{codes, Diagnostic};
use crate::load::Node;
use crate::postgres::Catalogue;
use crate::source::Span;

/// What every check gets: the typed topology and the document for spans.
pub struct Cx<'a> {
    pub t: &'a Topology,
    pub doc: &'a Node,
}

impl Cx<'_> {
    pub fn span(&self, pointer: &str) -> Option<Span> {
        Some(self.doc.span_of(pointer))
    }

    /// An error at a JSON pointer of the topology, with its dotted path.
    pub fn error(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .at(self.span(pointer))
            .path(crate::source::dotted(pointer))
    }

    /// An error when `value` breaks `rule` (one of [`crate::names`]), at
    /// `pointer`: "invalid <what> `<value>`: <the rule>".
    pub fn name_rule(
        &self,
        pointer: &str,
        what: &str,
        value: &str,
        rule: impl FnOnce(&str) -> Result<(), String>,
    ) -> Option<Diagnostic> {
        // A value with credentials in it is `inline_secrets`' to report
        // (T102), without printing it; this message would print it.
        if crate::secret_scan::url_credentials(value).is_some() {
            return None;
        }
        rule(value).err().map(|why| {
            let d = self.error(
                codes::T_BAD_NAME,
                pointer,
                format!("invalid {what} `{}`: {why}", value.escape_debug()),
            );
            match EXAMPLES.iter().find(|(w, _)| *w == what) {
                Some((_, example)) => d.help(format!("a valid {what} looks like {example}")),
                None => d,
            }
        })
    }

    /// The parameter catalogue of the PostgreSQL the topology runs, if
    /// dify-gen has one for its major version.
    pub fn postgres_catalogue(&self) -> Option<&'static Catalogue> {
        Catalogue::of(self.t.images.postgres_major())
    }

    pub fn warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::warning(code, message)
            .at(self.span(pointer))
            .path(crate::source::dotted(pointer))
    }

    /// An error in a topology that promises `availability: ha`, whose
    /// promise it breaks ([`Topology::promises_ha`]); a warning elsewhere.
    pub fn ha_or_warning(
        &self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        if self.t.promises_ha() {
            self.error(code, pointer, message)
        } else {
            self.warning(code, pointer, message)
        }
    }
}

/// A valid value of each kind of name [`Cx::name_rule`] checks, for hints.
const EXAMPLES: &[(&str, &str)] = &[
    ("annotation key", "`eks.amazonaws.com/role-arn`"),
    ("AWS region", "`us-east-1` or `eu-central-1`"),
    ("Gateway name", "`public-gateway`"),
    ("IngressClass name", "`nginx`"),
    ("S3 endpoint", "`https://minio.storage.svc:9000`"),
    ("SSL mode", "`require` or `verify-full`"),
    ("Secret key", "`password` or `tls.crt`"),
    (
        "Secret name",
        "`dify-tls` (lowercase, as `kubectl get secrets` lists it)",
    ),
    ("Sentinel address", "`sentinel-0.sentinel.redis.svc:26379`"),
    ("StorageClass name", "`gp3` or `standard-rwo`"),
    ("URL", "`http://weaviate.weaviate.svc:8080`"),
    (
        "bucket name",
        "`dify-files` (3 to 63 lowercase letters, digits, `-`, `.`)",
    ),
    ("database name", "`dify` or `dify_plugin`"),
    ("gRPC address", "`weaviate-grpc.weaviate.svc:50051`"),
    ("host name", "`dify.example.com`"),
    (
        "e-mail address",
        "`dify@example.com` or `Dify <dify@example.com>`",
    ),
    (
        "image reference",
        "`ghcr.io/org/image:1.2.3` (lowercase path, a tag of letters, digits, `.`, `_`, `-`)",
    ),
    ("host", "`db.example.com` or `10.0.0.5`"),
    ("listener name", "`https`"),
    (
        "zone",
        "`eu-west-1a` (the nodes' `topology.kubernetes.io/zone` label)",
    ),
    ("master set name", "`dify-master`"),
    ("namespace", "`gateways`"),
    ("node label key", "`node.kubernetes.io/instance-type`"),
    ("node label value", "`m6i.xlarge`"),
    ("IPv4 range", "`10.20.0.0/16`"),
    ("IPv4 address", "`169.254.20.10`"),
    ("IP address", "`10.0.0.5` or `fd00::5`"),
    ("PriorityClass name", "`dify-data`"),
    ("region", "`auto` or `us-east-1`"),
    (
        "registry mirror prefix",
        "`harbor.example.com/dify` or `registry.internal:5000`",
    ),
    ("role name", "`dify`"),
    ("secret store name", "`vault-backend`"),
];

type Check = fn(&Cx) -> Vec<Diagnostic>;

/// Checks of what the user wrote, field by field.
const CHECKS: &[Check] = &[
    identity::check,
    stores::check,
    egress::check,
    plugins::check,
    entry::check,
    domains::check,
    destinations::check,
    mail::check,
    otel_export::check,
    extras::check,
    workers::check,
    images_pinned::check,
    inline_secrets::check,
    mode_sections::check,
    release::check,
    requests_limits::check,
    scheduling::check,
    singleton::check,
    spread_zones::check,
    timeouts::check,
    disruption::check,
    grace::check,
    replicas::check,
    managed_env::check,
    probe_paths::check,
    logging::check,
    monitoring::check,
    postgres_parameters::check,
    postgres_names::check,
    references::check,
    object_store::check,
    addresses::check,
    sizes::check,
    redis_directives::check,
    failover_timing::check,
    image_references::check,
    hosts::check,
    backup::check,
];

pub fn run(t: &Topology, doc: &Node) -> Vec<Diagnostic> {
    let cx = Cx { t, doc };
    CHECKS.iter().flat_map(|check| check(&cx)).collect()
}
