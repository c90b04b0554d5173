//! The bundled schemas: embedded at build time, parsed on first use, and
//! compiled once per kind on first use.
//!
//! A bundle (see `docs/schemas.md`) maps `apiVersion/Kind` keys to a
//! definition in its `$defs`. Parsing a bundle costs a few milliseconds and
//! compiling one kind a few more, so both happen lazily behind a `OnceLock`:
//! validating a tree of Deployments and Services never compiles a CRD.

use super::quantity;
use jsonschema::{Draft, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The Kubernetes minor versions with a bundled schema, oldest first.
pub const KUBE_VERSIONS: &[&str] = &["1.33", "1.34", "1.35", "1.36", "1.37"];

/// The version used without `--kube-version`.
pub const DEFAULT_KUBE_VERSION: &str = "1.37";

const BASE_URI: &str = "https://dify-gen.invalid/schema.json";

static KUBERNETES: [(&str, &str); 5] = [
    ("1.33", include_str!("../../schemas/kubernetes/v1.33.json")),
    ("1.34", include_str!("../../schemas/kubernetes/v1.34.json")),
    ("1.35", include_str!("../../schemas/kubernetes/v1.35.json")),
    ("1.36", include_str!("../../schemas/kubernetes/v1.36.json")),
    ("1.37", include_str!("../../schemas/kubernetes/v1.37.json")),
];
static CRDS: &str = include_str!("../../schemas/crds.json");
/// The configuration-file bundles: one per [`CONFIG_FORMATS`] entry, in
/// its order, then the kustomization bundle ([`KUSTOMIZE`]).
static CONFIGS: [&str; 7] = [
    include_str!("../../schemas/config/prometheus-rules.json"),
    include_str!("../../schemas/config/alertmanager.json"),
    include_str!("../../schemas/config/fluent-bit.json"),
    include_str!("../../schemas/config/compose.json"),
    include_str!("../../schemas/config/consul-services.json"),
    include_str!("../../schemas/config/helm-fluent-bit.json"),
    include_str!("../../schemas/config/kustomization.json"),
];

/// The index of the kustomization bundle in [`CONFIGS`].
const KUSTOMIZE: usize = CONFIGS.len() - 1;

/// One parsed bundle: its definitions and a lazily compiled validator per kind.
pub struct Bundle {
    defs: Value,
    kinds: HashMap<String, Kind>,
}

struct Kind {
    def: String,
    validator: OnceLock<Result<Validator, String>>,
}

impl Bundle {
    fn parse(text: &str) -> Bundle {
        let mut doc: Value = serde_json::from_str(text)
            .expect("bundled schemas are valid JSON (checked by gen-schemas.py and tests)");
        let defs = doc["$defs"].take();
        let kinds = doc["kinds"]
            .as_object()
            .expect("a bundle has a `kinds` object")
            .iter()
            .map(|(key, def)| {
                let def = def
                    .as_str()
                    .expect("`kinds` values are definition names")
                    .to_string();
                (
                    key.clone(),
                    Kind {
                        def,
                        validator: OnceLock::new(),
                    },
                )
            })
            .collect();
        Bundle { defs, kinds }
    }

    /// Every `apiVersion/Kind` key this bundle knows.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.kinds.keys().map(String::as_str)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.kinds.contains_key(key)
    }

    /// The compiled validator for a kind, compiling it on first use.
    /// `None` if the bundle does not know the kind; `Some(Err)` if the bundled
    /// schema does not compile (a bug in the bundle, reported, never a panic).
    pub fn validator(&self, key: &str) -> Option<Result<&Validator, &str>> {
        let kind = self.kinds.get(key)?;
        let compiled = kind.validator.get_or_init(|| self.compile(&kind.def));
        Some(compiled.as_ref().map_err(String::as_str))
    }

    /// The subschema at a JSON pointer inside this bundle's document
    /// (`/$defs/io.k8s.api.apps.v1.DeploymentSpec`), for "did you mean".
    pub fn subschema(&self, pointer: &str) -> Option<&Value> {
        let rest = pointer.strip_prefix("/$defs")?;
        self.defs.pointer(rest)
    }

    fn compile(&self, def: &str) -> Result<Validator, String> {
        let root = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/$defs/{}", def.replace('~', "~0").replace('/', "~1")),
            "$defs": self.defs,
        });
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_base_uri(BASE_URI)
            .should_validate_formats(true)
            .with_format("quantity", quantity::is_valid)
            .build(&root)
            .map_err(|e| format!("bundled schema for `{def}` does not compile: {e}"))
    }
}

/// All bundles for one Kubernetes version: the built-in kinds of that
/// version, then custom resources, then configuration-file formats.
pub struct Schemas {
    kubernetes: &'static Bundle,
}

fn kubernetes_bundle(index: usize) -> &'static Bundle {
    static CELLS: [OnceLock<Bundle>; 5] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    CELLS[index].get_or_init(|| Bundle::parse(KUBERNETES[index].1))
}

fn crd_bundle() -> &'static Bundle {
    static CELL: OnceLock<Bundle> = OnceLock::new();
    CELL.get_or_init(|| Bundle::parse(CRDS))
}

fn config_bundle(index: usize) -> &'static Bundle {
    static CELLS: [OnceLock<Bundle>; CONFIGS.len()] = [const { OnceLock::new() }; CONFIGS.len()];
    CELLS[index].get_or_init(|| Bundle::parse(CONFIGS[index]))
}

/// Configuration-file formats with a bundled schema, by their `config/…` key.
pub const CONFIG_FORMATS: &[&str] = &[
    "config/prometheus-rules",
    "config/alertmanager",
    "config/fluent-bit",
    "config/compose",
    "config/consul-services",
    "config/helm-fluent-bit",
];

/// Files with `apiVersion`/`kind` that are read by tools, not the API server
/// (kustomize): schema-checked, but not subject to the API's semantic checks.
pub fn is_local_config(key: &str) -> bool {
    key.starts_with("config/") || key.starts_with("kustomize.config.k8s.io/")
}

impl Schemas {
    /// The schemas for a Kubernetes minor version (`1.37`, `v1.37` or `1.37.2`).
    pub fn for_version(version: &str) -> Option<Schemas> {
        let version = version.strip_prefix('v').unwrap_or(version);
        let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
        let index = KUBERNETES.iter().position(|(v, _)| *v == minor)?;
        Some(Schemas {
            kubernetes: kubernetes_bundle(index),
        })
    }

    /// The bundle that knows a key (`apps/v1/Deployment`,
    /// `monitoring.coreos.com/v1/ServiceMonitor`, `config/alertmanager`).
    pub fn bundle_for(&self, key: &str) -> Option<&'static Bundle> {
        if let Some(i) = CONFIG_FORMATS.iter().position(|k| *k == key) {
            return Some(config_bundle(i));
        }
        let kustomize = config_bundle(KUSTOMIZE);
        if kustomize.contains(key) {
            return Some(kustomize);
        }
        if self.kubernetes.contains(key) {
            return Some(self.kubernetes);
        }
        let crds = crd_bundle();
        crds.contains(key).then_some(crds)
    }

    /// Every known `apiVersion/Kind` key, for "did you mean".
    pub fn all_keys(&self) -> Vec<&'static str> {
        let mut keys: Vec<&str> = self
            .kubernetes
            .keys()
            .chain(crd_bundle().keys())
            .chain(config_bundle(KUSTOMIZE).keys())
            .collect();
        keys.sort_unstable();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind in every bundle compiles: a regenerated bundle with a
    /// pattern the regex engine rejects fails here, not in a user's run.
    #[test]
    fn every_bundled_kind_compiles() {
        for version in KUBE_VERSIONS {
            let schemas = Schemas::for_version(version).unwrap();
            for key in schemas.kubernetes.keys() {
                schemas.kubernetes.validator(key).unwrap().unwrap();
            }
        }
        for key in crd_bundle().keys() {
            if let Err(e) = crd_bundle().validator(key).unwrap() {
                panic!("{key}: {e}");
            }
        }
        for (i, key) in CONFIG_FORMATS.iter().enumerate() {
            config_bundle(i).validator(key).unwrap().unwrap();
        }
        for key in config_bundle(KUSTOMIZE).keys() {
            config_bundle(KUSTOMIZE).validator(key).unwrap().unwrap();
        }
    }

    #[test]
    fn versions_resolve() {
        assert!(Schemas::for_version("v1.33").is_some());
        assert!(Schemas::for_version("1.37.2").is_some());
        assert!(Schemas::for_version("1.20").is_none());
        assert_eq!(KUBE_VERSIONS.last(), Some(&DEFAULT_KUBE_VERSION));
    }
}
