//! The user's own schemas, offline: `--crd FILE` (CustomResourceDefinition
//! YAML, each served version's `openAPIV3Schema` made strict like the
//! bundled CRDs, CEL rules included) and `--schema-location DIR|TEMPLATE`
//! (JSON Schema files in kubeconform's layouts). Both are searched before
//! the bundled schemas, `--crd` first, then the locations in order.
//!
//! A location is a kubeconform template (`{{ .ResourceKind }}`,
//! `{{ .ResourceAPIVersion }}`, `{{ .Group }}`, `{{ .KindSuffix }}`,
//! `{{ .NormalizedKubernetesVersion }}`, `{{ .StrictSuffix }}`), a single
//! `.json` file used for every kind, or a directory searched as
//! `{group}/{kind}_{version}.json` (the CRDs-catalog layout),
//! `{version}-standalone-strict/{kind}{suffix}.json` and
//! `{kind}{suffix}.json` (kubernetes-json-schema's). Schema files are
//! compiled once, on first use, and may `$ref` files next to them.

use super::schemas::Found;
use crate::load::{self, Limits};
use crate::schema::compile::Compiler;
use crate::schema::Store;
use crate::source::Sources;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct UserSchemas {
    crds: Option<&'static Store>,
    locations: Vec<String>,
    kube_version: String,
    /// Compiled schema files by path (`None`: the file does not exist).
    files: Mutex<HashMap<PathBuf, Option<Result<Found, String>>>>,
}

/// What a location search found for one key.
pub enum Lookup {
    Found(Found),
    /// A schema file exists but cannot be used.
    Broken(String),
    Missing,
}

const VARIABLES: &[&str] = &[
    "NormalizedKubernetesVersion",
    "StrictSuffix",
    "ResourceKind",
    "ResourceAPIVersion",
    "Group",
    "KindSuffix",
];

impl UserSchemas {
    /// Reads every `--crd` file and checks every location. An unreadable
    /// file, a CRD without a schema or a template with an unknown variable
    /// is a usage error.
    pub fn new(
        crd_files: &[String],
        locations: &[String],
        kube_version: &str,
    ) -> Result<UserSchemas, String> {
        for location in locations {
            template_check(location)?;
        }
        let crds = match crd_files.is_empty() {
            true => None,
            false => Some(&*Box::leak(Box::new(crd_store(crd_files)?))),
        };
        Ok(UserSchemas {
            crds,
            locations: locations.to_vec(),
            kube_version: kube_version.to_string(),
            files: Mutex::new(HashMap::new()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.crds.is_none() && self.locations.is_empty()
    }

    /// The keys of the `--crd` kinds.
    pub fn keys(&self) -> Vec<&'static str> {
        self.crds.map(|s| s.keys().collect()).unwrap_or_default()
    }

    /// The user's schema for a key, if any.
    pub fn find(&self, key: &str) -> Option<Found> {
        match self.lookup(key) {
            Lookup::Found(f) => Some(f),
            _ => None,
        }
    }

    /// The user's schema for a key, or why a file that should hold it
    /// cannot be used.
    pub fn lookup(&self, key: &str) -> Lookup {
        if let Some(store) = self.crds {
            if let Some(root) = store.kind(key) {
                return Lookup::Found(Found { store, root });
            }
        }
        let Some((api_version, kind)) = key.rsplit_once('/') else {
            return Lookup::Missing;
        };
        for location in &self.locations {
            for path in candidates(location, api_version, kind, &self.kube_version) {
                match self.file(&path, key) {
                    Some(Ok(found)) => return Lookup::Found(found),
                    Some(Err(e)) => return Lookup::Broken(e),
                    None => {}
                }
            }
        }
        Lookup::Missing
    }

    fn file(&self, path: &Path, key: &str) -> Option<Result<Found, String>> {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                if !path.is_file() {
                    return None;
                }
                Some(compile_file(path, key).map_err(|e| format!("`{}`: {e}", path.display())))
            })
            .clone()
    }
}

fn template_check(location: &str) -> Result<(), String> {
    let mut rest = location;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..]
            .find("}}")
            .ok_or_else(|| format!("--schema-location `{location}`: unclosed `{{{{`"))?;
        let name = rest[start + 2..start + end].trim().trim_start_matches('.');
        if !VARIABLES.contains(&name) {
            return Err(format!(
                "--schema-location `{location}`: unknown variable `{name}` (known: {})",
                VARIABLES.join(", ")
            ));
        }
        rest = &rest[start + end + 2..];
    }
    Ok(())
}

/// The files that may hold the schema of `api_version`/`kind`, in order.
fn candidates(location: &str, api_version: &str, kind: &str, kube: &str) -> Vec<PathBuf> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind_lower = kind.to_ascii_lowercase();
    let group_head = if group.is_empty() { version } else { group };
    let mut suffix = format!(
        "-{}",
        group_head
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    );
    if !group.is_empty() {
        suffix.push('-');
        suffix.push_str(&version.to_ascii_lowercase());
    }
    let minor = kube.strip_prefix('v').unwrap_or(kube);
    let normalized = match minor.matches('.').count() {
        1 => format!("v{minor}.0"),
        _ => format!("v{minor}"),
    };
    let vars = [
        ("NormalizedKubernetesVersion", normalized.as_str()),
        ("StrictSuffix", "-strict"),
        ("ResourceKind", kind_lower.as_str()),
        ("ResourceAPIVersion", version),
        ("Group", if group.is_empty() { version } else { group }),
        ("KindSuffix", suffix.as_str()),
    ];
    if location.contains("{{") {
        return vec![PathBuf::from(fill(location, &vars))];
    }
    if location.ends_with(".json") {
        return vec![PathBuf::from(location)];
    }
    let dir = Path::new(location);
    let mut out = Vec::new();
    if !group.is_empty() {
        out.push(dir.join(group).join(format!("{kind_lower}_{version}.json")));
    }
    out.push(
        dir.join(format!("{normalized}-standalone-strict"))
            .join(format!("{kind_lower}{suffix}.json")),
    );
    out.push(dir.join(format!("{kind_lower}{suffix}.json")));
    out
}

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + end].trim().trim_start_matches('.');
        out.push_str(vars.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn read_json(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("`{path}` is not JSON: {e}"))
}

/// Compiles one schema file as the schema of `key`.
fn compile_file(path: &Path, key: &str) -> Result<Found, String> {
    let name = path.to_string_lossy().into_owned();
    let doc = read_json(&name)?;
    let mut c = Compiler::new(Some(Box::new(|p: &str| read_json(p))));
    let d = c.add_document(&name, doc);
    let root = c.kind(key, d, "")?;
    let store: &'static Store = Box::leak(Box::new(Store::from_compiled(&c.finish())));
    // Every pattern must compile before the schema is trusted.
    for id in 0..store.pattern_count() as u32 {
        store.pattern(id).map_err(str::to_string)?;
    }
    Ok(Found { store, root })
}

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Reads the CustomResourceDefinitions in `files` and compiles every served
/// version of each into one store.
fn crd_store(files: &[String]) -> Result<Store, String> {
    let meta: Value =
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/object_meta.json")))
            .expect("build.rs writes ObjectMeta's definitions as JSON");
    let mut defs: Map<String, Value> = meta["$defs"].as_object().cloned().unwrap_or_default();
    let mut kinds = Vec::new();
    for file in files {
        let mut sources = Sources::default();
        let id = load::read(file, &mut sources).map_err(|d| d.message)?;
        let docs = load::parse(&sources, id, Limits::default()).map_err(|d| {
            d.first()
                .map(|d| d.render(&sources))
                .unwrap_or_else(|| format!("`{file}` is not YAML"))
        })?;
        let mut found = 0;
        for doc in docs {
            let json = doc.to_json();
            for item in super::list::items(&json) {
                if item.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                    continue;
                }
                for (key, name, schema) in
                    crd_versions(item).map_err(|e| format!("`{file}`: {e}"))?
                {
                    defs.insert(name.clone(), schema);
                    kinds.push((key, name));
                    found += 1;
                }
            }
        }
        if found == 0 {
            return Err(format!(
                "`{file}` holds no CustomResourceDefinition with a schema"
            ));
        }
    }
    let mut c = Compiler::default();
    let d = c.add_document("crds", json!({ "$defs": defs }));
    for (key, name) in kinds {
        c.kind(
            &key,
            d,
            &format!("/$defs/{}", name.replace('~', "~0").replace('/', "~1")),
        )
        .map_err(|e| format!("{key}: {e}"))?;
    }
    Ok(Store::from_compiled(&c.finish()))
}

/// `(apiVersion/Kind, definition name, strict schema)` for every served
/// version of a CRD.
fn crd_versions(crd: &Value) -> Result<Vec<(String, String, Value)>, String> {
    let spec = crd
        .get("spec")
        .ok_or("a CustomResourceDefinition without `spec`")?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or("no `spec.group`")?;
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .ok_or("no `spec.names.kind`")?;
    let mut out = Vec::new();
    for version in spec
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if version.get("served") == Some(&Value::Bool(false)) {
            continue;
        }
        let Some(name) = version.get("name").and_then(Value::as_str) else {
            continue;
        };
        let schema = version
            .pointer("/schema/openAPIV3Schema")
            .or_else(|| spec.pointer("/validation/openAPIV3Schema"));
        let Some(schema) = schema else {
            continue;
        };
        let api_version = format!("{group}/{name}");
        out.push((
            format!("{api_version}/{kind}"),
            format!("{group}.{name}.{kind}"),
            crd_kind_schema(schema, &api_version, kind),
        ));
    }
    Ok(out)
}

/// A CRD's `openAPIV3Schema` made strict, as `scripts/gen-schemas.py`
/// does for the bundled CRDs: unknown fields are refused unless the schema
/// preserves them, `apiVersion` and `kind` are required and fixed, and
/// `metadata` is Kubernetes' `ObjectMeta`.
pub fn crd_kind_schema(schema: &Value, api_version: &str, kind: &str) -> Value {
    let mut s = strict_openapi(schema);
    let map = s
        .as_object_mut()
        .expect("strict_openapi keeps an object an object");
    let props = map
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut props = props;
    props.insert(
        "apiVersion".into(),
        json!({"type": "string", "enum": [api_version]}),
    );
    props.insert("kind".into(), json!({"type": "string", "enum": [kind]}));
    props.insert(
        "metadata".into(),
        json!({"$ref": format!("#/$defs/{OBJECT_META}")}),
    );
    map.insert("properties".into(), Value::Object(props));
    map.insert("type".into(), json!("object"));
    map.insert("additionalProperties".into(), json!(false));
    let mut required: Vec<Value> = vec![json!("apiVersion"), json!("kind")];
    if let Some(Value::Array(r)) = map.get("required") {
        required.extend(
            r.iter()
                .filter(|v| *v != "apiVersion" && *v != "kind")
                .cloned(),
        );
    }
    map.insert("required".into(), Value::Array(required));
    s
}

fn strict_openapi(node: &Value) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), strict_openapi(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => strict_openapi(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .map(|a| a.iter().map(strict_openapi).collect())
                    .unwrap_or_default(),
            ),
            "description" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.contains_key("properties")
        && !map.contains_key("additionalProperties")
        && map.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true))
    {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}
