//! `dify-gen diff OLD NEW`: what applying NEW over a running OLD changes,
//! and what of that hurts the running deployment.
//!
//! OLD and NEW are each a topology (rendered in memory through the whole
//! pipeline) or a rendered tree (a directory written by `render
//! --output-dir`, or a manifest stream). Both become a [`Side`]: the
//! Kubernetes objects by kind, namespace and name, with the provenance
//! annotations removed (a new dify-gen or topology hash is no change to a
//! cluster), plus the facts the hazards need that objects do not carry
//! alone (the Dify release, the quorum sizes). [`Diff::new`] lists what was
//! added, removed and changed, field by field, and [`hazards`] flags what
//! `kubectl apply` rejects or what takes service or data away.

pub mod fields;
pub mod hazards;

use crate::render::provenance;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// An object's identity in a cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub kind: String,
    /// Empty for cluster-scoped objects and objects that leave it to
    /// `kubectl -n`.
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// A consensus system's size on one side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Members {
    /// The `app.kubernetes.io/component` label of the members.
    pub component: String,
    pub members: u32,
    /// Members that must be up for it to serve and elect.
    pub needed: u32,
}

/// One side of the diff.
#[derive(Debug, Default)]
pub struct Side {
    pub objects: BTreeMap<Key, Value>,
    /// The Dify release it deploys, if known.
    pub dify: Option<String>,
    pub quorums: Vec<Members>,
}

impl Side {
    /// A side from objects alone (a rendered tree): the Dify release is
    /// read from the api image's tag (or the `app.kubernetes.io/version`
    /// label of Dify's objects), the quorums from the etcd and Sentinel
    /// StatefulSets (a majority of their replicas).
    pub fn from_objects(docs: impl IntoIterator<Item = Value>) -> Side {
        let mut side = Side::default();
        for doc in docs {
            side.insert(doc);
        }
        side.dify = side.dify_from_objects();
        side.quorums = side
            .objects
            .iter()
            .filter(|(k, _)| k.kind == "StatefulSet")
            .filter_map(|(_, o)| {
                let component = component(o)?;
                let consensus = [
                    crate::dify::data_layer::ETCD,
                    crate::dify::data_layer::SENTINEL,
                ];
                consensus.contains(&component).then(|| {
                    let members = replicas(o).unwrap_or(1);
                    Members {
                        component: component.to_string(),
                        members,
                        needed: crate::plan::quorum::majority(members),
                    }
                })
            })
            .collect();
        side
    }

    /// Adds an object (the items of a `List` one by one); documents that
    /// are not objects (values files, kustomizations) are skipped.
    pub fn insert(&mut self, doc: Value) {
        if doc["kind"].as_str().is_some_and(|k| k.ends_with("List")) && doc["items"].is_array() {
            if let Value::Array(items) = doc["items"].clone() {
                for item in items {
                    self.insert(item);
                }
            }
            return;
        }
        let (Some(kind), Some(name)) = (doc["kind"].as_str(), doc["metadata"]["name"].as_str())
        else {
            return;
        };
        if doc["apiVersion"].as_str().is_none() {
            return;
        }
        let key = Key {
            kind: kind.to_string(),
            namespace: doc["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            name: name.to_string(),
        };
        self.objects.insert(key, without_provenance(doc));
    }

    fn dify_from_objects(&self) -> Option<String> {
        let images = self.objects.values().flat_map(|o| {
            let spec = &o["spec"]["template"]["spec"];
            spec["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["image"].as_str())
                .collect::<Vec<_>>()
        });
        for image in images {
            let image = image.split('@').next().unwrap_or(image);
            if let Some((repo, tag)) = image.rsplit_once(':') {
                if repo.ends_with("dify-api") && !tag.contains('/') {
                    return Some(tag.to_string());
                }
            }
        }
        self.objects
            .values()
            .filter(|o| o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "dify")
            .find_map(|o| o["metadata"]["labels"]["app.kubernetes.io/version"].as_str())
            .map(str::to_string)
    }
}

/// The object without dify-gen's provenance annotations (and without an
/// `annotations` map they leave empty).
pub fn without_provenance(mut doc: Value) -> Value {
    if let Some(metadata) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(Value::Object(a)) = metadata.get_mut("annotations") {
            for k in provenance::ANNOTATIONS {
                a.remove(*k);
            }
            if a.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    doc
}

/// The `app.kubernetes.io/component` label of an object.
pub fn component(o: &Value) -> Option<&str> {
    o["metadata"]["labels"]["app.kubernetes.io/component"].as_str()
}

/// `spec.replicas` (`None` when the object leaves it out).
pub fn replicas(o: &Value) -> Option<u32> {
    o["spec"]["replicas"].as_u64().map(|n| n as u32)
}

/// An object present on both sides whose content differs.
#[derive(Debug)]
pub struct Changed {
    pub key: Key,
    pub fields: Vec<fields::Field>,
}

/// What NEW adds, removes and changes.
#[derive(Debug, Default)]
pub struct Diff {
    pub added: Vec<Key>,
    pub removed: Vec<Key>,
    pub changed: Vec<Changed>,
}

impl Diff {
    pub fn new(old: &Side, new: &Side) -> Diff {
        let mut d = Diff::default();
        for (key, o) in &old.objects {
            match new.objects.get(key) {
                None => d.removed.push(key.clone()),
                Some(n) if n != o => d.changed.push(Changed {
                    key: key.clone(),
                    fields: fields::between(o, n, key.kind == "Secret"),
                }),
                Some(_) => {}
            }
        }
        d.added = new
            .objects
            .keys()
            .filter(|k| !old.objects.contains_key(*k))
            .cloned()
            .collect();
        d
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The full report: the diff, the hazards, and which of them `--allow`
/// accepted.
pub struct Report<'a> {
    pub diff: &'a Diff,
    pub hazards: &'a [hazards::Hazard],
    pub allowed: &'a [String],
    /// With `--patch`: the unified diff of each changed, added or removed
    /// object's YAML.
    pub patch: Option<String>,
}

impl Report<'_> {
    pub fn is_allowed(&self, h: &hazards::Hazard) -> bool {
        self.allowed.iter().any(|a| a == h.code)
    }

    /// Hazards `--allow` does not name.
    pub fn blocking(&self) -> usize {
        self.hazards.iter().filter(|h| !self.is_allowed(h)).count()
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for k in &self.diff.added {
            out.push_str(&format!("+ {k}\n"));
        }
        for k in &self.diff.removed {
            out.push_str(&format!("- {k}\n"));
        }
        for c in &self.diff.changed {
            out.push_str(&format!("~ {}\n", c.key));
            for f in &c.fields {
                out.push_str(&format!("    {}\n", f.summary()));
            }
        }
        out.push_str(&format!(
            "{} added, {} removed, {} changed\n",
            self.diff.added.len(),
            self.diff.removed.len(),
            self.diff.changed.len()
        ));
        if let Some(patch) = &self.patch {
            out.push_str(patch);
        }
        for h in self.hazards {
            let word = if self.is_allowed(h) {
                "allowed"
            } else {
                "hazard"
            };
            out.push_str(&format!(
                "{word}[{}]: {}: {}\n  = help: {}\n",
                h.code, h.subject, h.message, h.help
            ));
        }
        if !self.hazards.is_empty() {
            out.push_str(&format!(
                "{} hazard(s), {} allowed\n",
                self.hazards.len(),
                self.hazards.len() - self.blocking()
            ));
        }
        out
    }

    pub fn json(&self) -> String {
        let key = |k: &Key| json!({"kind": k.kind, "namespace": k.namespace, "name": k.name});
        let doc = json!({
            "added": self.diff.added.iter().map(key).collect::<Vec<_>>(),
            "removed": self.diff.removed.iter().map(key).collect::<Vec<_>>(),
            "changed": self.diff.changed.iter().map(|c| {
                let mut v = key(&c.key);
                v["fields"] = c.fields.iter().map(fields::Field::to_json).collect();
                v
            }).collect::<Vec<_>>(),
            "hazards": self.hazards.iter().map(|h| json!({
                "code": h.code,
                "subject": h.subject,
                "message": h.message,
                "help": h.help,
                "allowed": self.is_allowed(h),
            })).collect::<Vec<_>>(),
            "patch": self.patch,
        });
        serde_json::to_string_pretty(&doc).expect("the report serialises") + "\n"
    }
}

/// `--patch`: one unified diff per object that differs, in key order.
pub fn patch(old: &Side, new: &Side, diff: &Diff) -> String {
    let show = |side: &Side, k: &Key| {
        side.objects
            .get(k)
            .map(|o| crate::emit::yaml::to_string(&fields::redacted(o, k.kind == "Secret")))
    };
    let mut keys: Vec<&Key> = diff
        .added
        .iter()
        .chain(&diff.removed)
        .chain(diff.changed.iter().map(|c| &c.key))
        .collect();
    keys.sort();
    keys.iter()
        .map(|k| {
            let name = k.to_string().replace(' ', "/");
            let (o, n) = (show(old, k), show(new, k));
            crate::emit::check::unified_text(
                &o.as_ref()
                    .map_or("/dev/null".into(), |_| format!("old/{name}")),
                &n.as_ref()
                    .map_or("/dev/null".into(), |_| format!("new/{name}")),
                o.as_deref(),
                n.as_deref(),
            )
        })
        .collect()
}
