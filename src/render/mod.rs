//! Stage 4, `render`: a [`Plan`] in, artifacts out, one module per output
//! family (`kubernetes`, `helm`, ...).
//!
//! Each family returns [`Artifact`]s: a file name inside the family's folder
//! and a JSON value (emitted as YAML). Renderers never fail on a bad name or
//! quantity: the topology stage has already refused those.

pub mod firewall;
pub mod helm;
pub mod kubernetes;
pub mod templates;

use crate::plan::Plan;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Kubernetes,
    Helm,
}

impl Family {
    /// Folder of this family under `--output-dir`.
    pub fn dir(self) -> &'static str {
        match self {
            Family::Kubernetes => "kubernetes",
            Family::Helm => "helm",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Artifact {
    pub family: Family,
    /// File name inside the family's folder.
    pub file: String,
    pub doc: Value,
}

impl Artifact {
    pub fn path(&self) -> String {
        format!("{}/{}", self.family.dir(), self.file)
    }
}

/// Every artifact of every family, in a stable order.
pub fn render(plan: &Plan) -> Vec<Artifact> {
    let mut out = kubernetes::render(plan);
    out.extend(helm::render(plan));
    out
}
