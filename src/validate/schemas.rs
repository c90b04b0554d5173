//! The bundled schemas, compiled at build time (`build.rs`, with
//! [`crate::schema::compile`]) and embedded in the binary in the engine's
//! byte form. Opening a bundle costs nothing: each schema node is decoded,
//! and each pattern and CEL rule compiled, the first time validation
//! reaches it, so a render that emits Deployments and Services touches only
//! the nodes those kinds use and never a CRD.
//!
//! A bundle (see `docs/schemas.md`) maps `apiVersion/Kind` keys to a
//! definition in its `$defs`.

use super::user::UserSchemas;
use crate::schema::{bundle, Store};

/// The Kubernetes minor versions with a bundled schema, oldest first.
pub const KUBE_VERSIONS: &[&str] = &["1.33", "1.34", "1.35", "1.36", "1.37"];

/// The version used without `--kube-version`.
pub const DEFAULT_KUBE_VERSION: &str = "1.37";

/// Configuration-file formats with a bundled schema, by their `config/…` key.
pub const CONFIG_FORMATS: &[&str] = &[
    "config/prometheus-rules",
    "config/alertmanager",
    "config/fluent-bit",
    "config/compose",
    "config/consul-services",
    "config/helm-fluent-bit-0.58.1",
    "config/helm-dify-0.38.0-rc2",
    "config/helm-nginx-ingress-2.6.4",
    "config/helm-nginx-gateway-fabric-2.6.7",
    "config/helm-kube-prometheus-stack-88.5.3",
];

fn required(name: &str) -> &'static Store {
    bundle(name)
        .unwrap_or_else(|| panic!("schemas/{name}.json is bundled (build.rs embeds every bundle)"))
}

/// Files with `apiVersion`/`kind` that are read by tools, not the API server
/// (kustomize): schema-checked, but not subject to the API's semantic checks.
pub fn is_local_config(key: &str) -> bool {
    key.starts_with("config/") || key.starts_with("kustomize.config.k8s.io/")
}

/// A kind's schema: the store that holds it and its root node.
#[derive(Clone, Copy)]
pub struct Found {
    pub store: &'static Store,
    pub root: u32,
}

/// Every schema one run may use: the user's (`--crd`, `--schema-location`)
/// first, then the built-in kinds of one Kubernetes version, the bundled
/// custom resources and the configuration-file formats.
#[derive(Clone, Copy)]
pub struct Schemas<'a> {
    kubernetes: &'static Store,
    user: Option<&'a UserSchemas>,
}

impl<'a> Schemas<'a> {
    /// The schemas for a Kubernetes minor version (`1.37`, `v1.37` or `1.37.2`).
    pub fn for_version(version: &str) -> Option<Schemas<'a>> {
        let version = version.strip_prefix('v').unwrap_or(version);
        let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
        if !KUBE_VERSIONS.contains(&minor.as_str()) {
            return None;
        }
        Some(Schemas {
            kubernetes: required(&format!("kubernetes/v{minor}")),
            user: None,
        })
    }

    /// The same, with the user's schemas in front.
    pub fn with_user(self, user: Option<&'a UserSchemas>) -> Schemas<'a> {
        Schemas { user, ..self }
    }

    fn bundled(&self) -> impl Iterator<Item = &'static Store> + '_ {
        [self.kubernetes, required("crds")]
            .into_iter()
            .chain(bundle("config/kustomization"))
    }

    /// The schema of a key (`apps/v1/Deployment`,
    /// `monitoring.coreos.com/v1/ServiceMonitor`, `config/alertmanager`).
    pub fn find(&self, key: &str) -> Option<Found> {
        if let Some(format) = key.strip_prefix("config/") {
            let store = bundle(&format!("config/{format}"))?;
            return store.kind(key).map(|root| Found { store, root });
        }
        if let Some(found) = self.user.and_then(|u| u.find(key)) {
            return Some(found);
        }
        self.bundled()
            .find_map(|store| store.kind(key).map(|root| Found { store, root }))
    }

    /// Every known `apiVersion/Kind` key, for "did you mean".
    pub fn all_keys(&self) -> Vec<&'static str> {
        let mut keys: Vec<&str> = self.bundled().flat_map(Store::keys).collect();
        if let Some(user) = self.user {
            keys.extend(user.keys());
        }
        keys.sort_unstable();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::cel;

    /// Every pattern of every bundle compiles: a regenerated bundle with a
    /// pattern neither regex engine accepts fails here, not in a user's run.
    #[test]
    fn every_bundled_pattern_compiles() {
        let mut patterns = 0;
        for name in crate::schema::bundle_names() {
            let store = required(name);
            for id in 0..store.pattern_count() as u32 {
                if let Err(e) = store.pattern(id) {
                    panic!("{name}: {e}");
                }
                patterns += 1;
            }
        }
        assert!(patterns > 30, "{patterns}");
    }

    /// The CEL rules of the bundle: how many are evaluated, and why the
    /// others are not. `docs/validate.md` quotes these numbers.
    #[test]
    fn bundled_cel_rules() {
        let crds = required("crds");
        let mut transition = Vec::new();
        let mut unsupported = Vec::new();
        for id in 0..crds.rule_count() as u32 {
            match cel::skipped(crds, id) {
                None => {}
                Some(cel::Skip::Transition) => transition.push(crds.rule(id).rule),
                Some(cel::Skip::Unsupported(f)) => unsupported.push((crds.rule(id).rule, f)),
                Some(cel::Skip::Syntax(e)) => {
                    panic!("rule does not parse: {}: {e}", crds.rule(id).rule)
                }
            }
        }
        let total = crds.rule_count();
        let evaluated = total - transition.len() - unsupported.len();
        assert_eq!(
            (total, evaluated, transition.len(), unsupported.len()),
            (DOCUMENTED.0, DOCUMENTED.1, DOCUMENTED.2, DOCUMENTED.3),
            "update docs/validate.md (CEL rules) and DOCUMENTED; unsupported: {unsupported:?}"
        );
    }

    /// (rules, evaluated, transition rules, rules with unsupported functions)
    const DOCUMENTED: (usize, usize, usize, usize) = (189, 188, 1, 0);

    #[test]
    fn versions_resolve() {
        assert!(Schemas::for_version("v1.33").is_some());
        assert!(Schemas::for_version("1.37.2").is_some());
        assert!(Schemas::for_version("1.20").is_none());
        assert_eq!(KUBE_VERSIONS.last(), Some(&DEFAULT_KUBE_VERSION));
        for v in KUBE_VERSIONS {
            let s = Schemas::for_version(v).unwrap();
            assert!(s.find("apps/v1/Deployment").is_some(), "{v}");
        }
        let s = Schemas::for_version("1.37").unwrap();
        for key in CONFIG_FORMATS {
            assert!(s.find(key).is_some(), "{key}");
        }
        assert!(s.find("gateway.networking.k8s.io/v1/HTTPRoute").is_some());
    }
}
