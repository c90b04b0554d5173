//! Stage 4, `render`: a [`Plan`] in, artifacts out, one module per output
//! family (`kubernetes`, `helm`, ...), all listed in [`FAMILIES`].
//!
//! An [`Artifact`] is a file of the output tree with its format
//! ([`Content`]): a Kubernetes object, another YAML document, a JSON
//! document or text. Emit, the secret firewall and validation act on the
//! format, never on which family produced the file, so a new family is a
//! folder with a `render` function and one line in [`FAMILIES`]. Renderers
//! never fail on a bad name or quantity: the topology and plan stages have
//! already refused those.

pub mod alertmanager;
pub mod backup;
pub mod consul;
pub mod firewall;
pub mod fluent_bit;
pub mod gitops;
pub mod grafana;
pub mod helm;
pub mod hosts;
pub mod kubernetes;
pub mod prometheus;
pub mod provenance;
pub mod swarm;
pub mod templates;

use crate::plan::Plan;
use serde_json::Value;

/// An output family: a renderer and the folder its files go to.
#[derive(Clone, Copy)]
pub struct Family {
    /// Its name, which is also its folder under `--output-dir`.
    pub name: &'static str,
    pub render: fn(&Plan) -> Vec<Artifact>,
}

/// Every output family, in render order. The one list: `render`, emit,
/// the firewall and validation all take their artifacts from it.
pub const FAMILIES: &[Family] = &[
    kubernetes::FAMILY,
    helm::FAMILY,
    prometheus::FAMILY,
    alertmanager::FAMILY,
    grafana::FAMILY,
    hosts::FAMILY,
    swarm::FAMILY,
    consul::FAMILY,
    backup::FAMILY,
    fluent_bit::FAMILY,
];

/// The folder that holds the Kubernetes objects of every family, so that
/// `kubectl apply -k kubernetes/` and the stdout stream see all of them.
pub const OBJECTS_DIR: &str = "kubernetes";

/// What an artifact holds, and so how it is written and checked.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// A Kubernetes object: written under [`OBJECTS_DIR`], part of the
    /// stdout stream and the kustomization, validated against the API's
    /// strict schemas.
    Object(Value),
    /// Any other YAML document (Helm values, Prometheus rule files).
    Yaml(Value),
    /// A JSON document (a Grafana dashboard).
    Json(Value),
    /// Text in a format of its own (a classic config, a script, a runbook).
    Text(String),
}

/// The format of a file, which decides how it is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Object,
    Yaml,
    Json,
    Text,
}

impl Content {
    pub fn format(&self) -> Format {
        match self {
            Content::Object(_) => Format::Object,
            Content::Yaml(_) => Format::Yaml,
            Content::Json(_) => Format::Json,
            Content::Text(_) => Format::Text,
        }
    }
}

/// A file of the output tree as it will be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Relative path in the tree.
    pub path: String,
    pub text: String,
    pub format: Format,
}

#[derive(Clone, Debug)]
pub struct Artifact {
    /// The family that rendered it.
    pub family: &'static str,
    /// Its path in the output tree (`kubernetes/deployment-dify-api.yaml`).
    pub path: String,
    pub content: Content,
}

impl Artifact {
    /// A Kubernetes object, named after its kind and name.
    pub fn object(family: &'static str, doc: Value) -> Artifact {
        Artifact {
            family,
            path: kubernetes::file_path(OBJECTS_DIR, &doc),
            content: Content::Object(doc),
        }
    }

    /// A file in the family's own folder.
    pub fn file(family: &'static str, file: &str, content: Content) -> Artifact {
        Artifact {
            family,
            path: format!("{family}/{file}"),
            content,
        }
    }

    /// The document, for the formats that are one.
    pub fn doc(&self) -> Option<&Value> {
        match &self.content {
            Content::Object(v) | Content::Yaml(v) | Content::Json(v) => Some(v),
            Content::Text(_) => None,
        }
    }

    pub fn doc_mut(&mut self) -> Option<&mut Value> {
        match &mut self.content {
            Content::Object(v) | Content::Yaml(v) | Content::Json(v) => Some(v),
            Content::Text(_) => None,
        }
    }

    /// The Kubernetes object, if this is one.
    pub fn object_doc(&self) -> Option<&Value> {
        match &self.content {
            Content::Object(v) => Some(v),
            _ => None,
        }
    }
}

/// Every artifact of every family, in a stable order.
pub fn render(plan: &Plan) -> Vec<Artifact> {
    render_with(plan, FAMILIES)
}

/// The artifacts of the given families: Kubernetes objects first, from
/// every family together, in install order, each with its provenance
/// annotations ([`provenance`]); then the other files, family by family,
/// unless the plan is for the objects alone ([`Plan::objects_only`]).
pub fn render_with(plan: &Plan, families: &[Family]) -> Vec<Artifact> {
    let (objects, files): (Vec<Artifact>, Vec<Artifact>) = families
        .iter()
        .flat_map(|f| (f.render)(plan))
        .partition(|a| matches!(a.content, Content::Object(_)));
    // Stable, each key computed once (it reads the object's kind and name)
    // and borrowed, not copied: the objects are sorted by index.
    let order: Vec<usize> = {
        let mut keys: Vec<_> = objects
            .iter()
            .enumerate()
            .map(|(i, a)| (install_order(a), i))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|(_, i)| i).collect()
    };
    let mut slots: Vec<Option<Artifact>> = objects.into_iter().map(Some).collect();
    let mut objects: Vec<Artifact> = order
        .into_iter()
        .map(|i| slots[i].take().expect("each index once"))
        .collect();
    provenance::stamp(&mut objects, plan.t);
    if plan.writes_files() {
        objects.extend(files);
    }
    objects
}

fn install_order(a: &Artifact) -> Option<(usize, &str)> {
    a.object_doc().map(kubernetes::install_order)
}
