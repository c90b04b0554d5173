//! Stage 5, `validate`: Kubernetes manifests and configuration files in,
//! diagnostics out.
//!
//! Input: YAML documents already loaded into span-carrying [`Node`]s (by
//! `render` from its own output, or by `dify-gen validate` from any files).
//! Output: every problem found, each at `file:line:col` with the field path.
//!
//! Each document is matched to a bundled strict schema by `apiVersion/kind`
//! (or, for configuration files without them, by file name and content),
//! validated by JSON Schema, then by the per-document semantic checks in
//! [`checks`]; the cross-document checks (Service target ports, PDB
//! selectors, duplicate objects) run once all documents are in. Documents are
//! validated in parallel; schemas are compiled once per kind on first use.
//!
//! Invariants: no input makes this stage panic (the loader already bounds
//! depth and alias expansion); output order is deterministic (sorted by
//! location) whatever the thread count.

mod block_yaml;
pub mod checks;
pub mod cli;
mod embedded;
mod errors;
pub mod fluent_bit;
pub mod input;
pub mod list;
pub mod origin;
pub mod output;
mod pointer;
pub use crate::schema::quantity;
pub mod schemas;
pub mod user;

use crate::diagnostic::{self, codes, Diagnostic};
use crate::load::{Node, Value};
use crate::render::{Artifact, Content, File, Format};
use crate::source::{dotted, FileId, Sources, Span};
use schemas::Schemas;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Maps a finding in a rendered document back to the topology field that
/// produced it: `(index of the document in the slice, JSON pointer in it)`
/// → the span in the topology file.
pub type OriginFn<'a> = dyn Fn(usize, &str) -> Option<Span> + Sync + 'a;

pub struct ValidateOptions<'a> {
    /// Kubernetes minor version whose schemas apply (`1.37`).
    pub kube_version: String,
    /// Skip documents whose kind has no bundled schema instead of reporting them.
    pub ignore_missing_schemas: bool,
    /// Worker threads; `0` means one per available core.
    pub jobs: usize,
    /// Where rendered fields came from in the topology (used by `render`).
    pub origin: Option<&'a OriginFn<'a>>,
    /// The user's schemas (`--crd`, `--schema-location`), searched first.
    pub user: Option<&'a user::UserSchemas>,
}

impl Default for ValidateOptions<'_> {
    fn default() -> Self {
        ValidateOptions {
            kube_version: schemas::DEFAULT_KUBE_VERSION.to_string(),
            ignore_missing_schemas: false,
            jobs: 0,
            origin: None,
            user: None,
        }
    }
}

/// Validates documents loaded from `sources` (`dify-gen validate`: any
/// files). Returns every finding, sorted by location. An unknown
/// `kube_version` is reported as one diagnostic.
pub fn validate_documents(
    docs: &[Node],
    sources: &Sources,
    opts: &ValidateOptions,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    // A `List` stands for its items: each is validated where it is written.
    let mut targets: Vec<Target> = Vec::with_capacity(docs.len());
    for (index, node) in docs.iter().enumerate() {
        if list::is_list_node(node) {
            let doc = Doc {
                located: Located::Node(node),
                index,
                origin: opts.origin,
                sources,
            };
            for key in list::unknown_wrapper_fields(node) {
                diags.push(doc.diag(
                    codes::V_UNKNOWN_FIELD,
                    format!("unknown field `{}`", key.name),
                    "",
                    Mark::Key(&key.name),
                ));
            }
        }
        targets.extend(list::item_nodes(node).into_iter().map(|item| Target {
            located: Located::Node(item),
            index,
            json: None,
        }));
    }
    diags.extend(validate_targets(&targets, sources, opts));
    diagnostic::normalise(&mut diags);
    diags
}

/// One document to validate: where it is written, its index for
/// [`OriginFn`], and its JSON when the caller has it already.
struct Target<'a> {
    located: Located<'a>,
    index: usize,
    json: Option<&'a serde_json::Value>,
}

fn validate_targets<'a>(
    targets: &[Target<'a>],
    sources: &'a Sources,
    opts: &'a ValidateOptions<'a>,
) -> Vec<Diagnostic> {
    let Some(schemas) = Schemas::for_version(&opts.kube_version) else {
        return vec![Diagnostic::error(
            codes::V_UNKNOWN_KIND,
            format!("no bundled schemas for Kubernetes `{}`", opts.kube_version),
        )
        .help(format!("use one of {}", schemas::KUBE_VERSIONS.join(", ")))];
    };
    let schemas = schemas.with_user(opts.user);
    let doc = |t: &Target<'a>| -> Doc<'a> {
        Doc {
            located: t.located,
            index: t.index,
            origin: opts.origin,
            sources,
        }
    };
    let results = par_map(targets, opts.jobs, |_, t| {
        validate_one(&doc(t), t.json, &schemas, opts)
    });
    let mut diags = Vec::new();
    let mut objects = Vec::with_capacity(targets.len());
    for (target, (found, object)) in results.into_iter().enumerate() {
        diags.extend(found);
        if let Some(json) = object {
            objects.push((target, json));
        }
    }
    let view: Vec<checks::Object> = objects
        .iter()
        .map(|(target, json)| checks::Object {
            doc: doc(&targets[*target]),
            json: json.as_ref(),
        })
        .collect();
    diags.extend(checks::cross_document(&view));
    diags
}

/// Validates rendered files before they are written (`render` calls this
/// with its artifacts and the tree emitted from them): each file is added
/// to `sources`, the topology's, so findings on fields that came from the
/// `topology` (see [`origin`]) point at its lines and the others at the
/// rendered text. Kubernetes objects must all match a bundled schema; other
/// YAML and JSON documents are validated when their format has one
/// (Prometheus rules, Alertmanager, Fluent Bit, kustomizations) and skipped
/// otherwise (Helm values), as in `dify-gen validate`. Text files have
/// formats of their own.
///
/// The artifacts' own JSON is what gets validated (the emitter writes
/// exactly it; `tests/integration/cli.rs` parses the tree back to check),
/// and a file's text is parsed only when a finding needs its lines, so a
/// clean render never parses its own output.
pub fn validate_rendered(
    artifacts: &[Artifact],
    files: &[File],
    sources: &mut Sources,
    kube_version: &str,
    topology: Option<&Node>,
) -> Vec<Diagnostic> {
    // Each file is named in `sources` now and given its text only if a
    // finding points into it (below): a clean render copies no text.
    let added: Vec<(&File, FileId)> = files
        .iter()
        .filter(|f| f.format != Format::Text)
        .map(|f| (f, sources.add(f.path.clone(), String::new())))
        .collect();
    let (found, own_findings) = {
        let sources: &Sources = sources;
        rendered_findings(artifacts, &added, sources, kube_version, topology)
    };
    let mut diags = own_findings;
    diags.extend(found);
    for (f, file) in &added {
        if diags
            .iter()
            .any(|d| d.span.is_some_and(|s| s.file == *file))
        {
            sources.set_text(*file, f.text.as_str());
        }
    }
    diagnostic::normalise(&mut diags);
    diags
}

/// [`validate_rendered`] over files named in `sources` without their text:
/// the findings of parsing the files without artifact JSON, and the
/// validation's.
fn rendered_findings(
    artifacts: &[Artifact],
    added: &[(&File, FileId)],
    sources: &Sources,
    kube_version: &str,
    topology: Option<&Node>,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let values: HashMap<&str, &serde_json::Value> = artifacts
        .iter()
        .filter_map(|a| match &a.content {
            Content::Object(v) | Content::Yaml(v) | Content::Json(v) => Some((a.path.as_str(), v)),
            Content::Text(_) => None,
        })
        .collect();
    let parsed: Vec<OnceLock<Vec<Node>>> = added.iter().map(|_| OnceLock::new()).collect();
    // Files without artifact JSON (the kustomization `tree` writes) are
    // parsed now; their JSON lives here.
    let mut diags = Vec::new();
    let mut own: Vec<(usize, usize, serde_json::Value)> = Vec::new();
    for (i, (f, file)) in added.iter().enumerate() {
        if values.contains_key(f.path.as_str()) {
            continue;
        }
        match crate::load::parse_text(&f.text, *file, crate::load::Limits::default()) {
            Ok(docs) => {
                for (nth, d) in docs.iter().enumerate() {
                    own.push((i, nth, d.to_json()));
                }
                parsed[i].set(docs).expect("each file is parsed once");
            }
            Err(found) => diags.extend(found),
        }
    }
    let mut targets = Vec::new();
    for (i, (f, file)) in added.iter().enumerate() {
        let docs: Vec<(usize, &serde_json::Value)> = match values.get(f.path.as_str()) {
            Some(v) => vec![(0, *v)],
            None => own
                .iter()
                .filter(|o| o.0 == i)
                .map(|o| (o.1, &o.2))
                .collect(),
        };
        for (nth, json) in docs {
            if json.is_null() || (f.format != Format::Object && !has_schema(&f.path, json)) {
                continue;
            }
            targets.push(Target {
                located: Located::Text {
                    file: *file,
                    text: &f.text,
                    nth,
                    parsed: &parsed[i],
                },
                index: targets.len(),
                json: Some(json),
            });
        }
    }
    let jsons: Vec<&serde_json::Value> = targets.iter().filter_map(|t| t.json).collect();
    let origins = topology.map(|t| origin::Origins::new(t, &jsons));
    let lookup =
        |index: usize, pointer: &str| origins.as_ref().and_then(|o| o.origin(index, pointer));
    let opts = ValidateOptions {
        kube_version: kube_version.to_string(),
        origin: Some(&lookup),
        jobs: rendered_jobs(targets.len()),
        ..ValidateOptions::default()
    };
    (validate_targets(&targets, sources, &opts), diags)
}

/// Threads for validating a render of `documents` objects: one below
/// [`PARALLEL_FROM`]. A render of a cluster (about 150 objects, a few
/// milliseconds of work) costs more CPU time on two threads than on one:
/// starting them, and a second malloc arena whose pages are all touched for
/// the first time.
fn rendered_jobs(documents: usize) -> usize {
    match documents < PARALLEL_FROM {
        true => 1,
        false => 0,
    }
}

/// The number of rendered documents from which validation runs on every
/// core.
const PARALLEL_FROM: usize = 1000;

/// Where a document is written: parsed already (`dify-gen validate`), or
/// the `nth` document of a rendered file, parsed the first time a finding
/// needs its lines.
#[derive(Clone, Copy)]
enum Located<'a> {
    Node(&'a Node),
    Text {
        file: FileId,
        text: &'a str,
        nth: usize,
        parsed: &'a OnceLock<Vec<Node>>,
    },
}

/// One document being validated, with what is needed to point into it.
pub struct Doc<'a> {
    located: Located<'a>,
    pub index: usize,
    origin: Option<&'a OriginFn<'a>>,
    sources: &'a Sources,
}

/// Which part of a field a diagnostic marks.
#[derive(Clone, Copy)]
pub enum Mark<'k> {
    /// The value at the pointer (wrong type, bad value).
    Value,
    /// The key of the entry at the pointer (a missing child, a bad object).
    Entry,
    /// A key inside the object at the pointer (unknown field).
    Key(&'k str),
}

impl<'a> Doc<'a> {
    /// A document already parsed, on its own (no origin).
    pub fn parsed(node: &'a Node, sources: &'a Sources) -> Doc<'a> {
        Doc {
            located: Located::Node(node),
            index: 0,
            origin: None,
            sources,
        }
    }

    /// The document's span-carrying tree.
    pub fn node(&self) -> &Node {
        match self.located {
            Located::Node(node) => node,
            Located::Text {
                file,
                text,
                nth,
                parsed,
            } => {
                let docs = parsed.get_or_init(|| {
                    let mut docs =
                        crate::load::parse_text(text, file, crate::load::Limits::default())
                            .unwrap_or_default();
                    // An emitter bug would leave nothing to point into: point
                    // at the file's start rather than fail.
                    docs.push(Node {
                        value: Value::Null,
                        span: Span {
                            file,
                            line: 1,
                            col: 1,
                            len: 0,
                        },
                    });
                    docs
                });
                docs.get(nth).unwrap_or(&docs[docs.len() - 1])
            }
        }
    }

    pub fn file(&self) -> FileId {
        match self.located {
            Located::Node(node) => node.span.file,
            Located::Text { file, .. } => file,
        }
    }

    pub fn file_name(&self) -> &str {
        self.sources.name(self.file())
    }

    /// A 1-based line of a file this document's spans point into (a
    /// rendered file's text is not in `sources` while it is validated).
    pub fn line(&self, file: FileId, line: u32) -> Option<&str> {
        match self.located {
            Located::Text {
                file: own, text, ..
            } if own == file => crate::source::line_of(text, line),
            _ => self.sources.line(file, line),
        }
    }

    /// The span of a field, preferring the key that introduces it.
    pub fn span(&self, pointer: &str, mark: Mark) -> Span {
        match mark {
            Mark::Key(key) => self
                .node()
                .key_span(pointer, key)
                .unwrap_or_else(|| self.node().span_of(pointer)),
            Mark::Value => self.node().span_of(pointer),
            Mark::Entry => {
                let (parent, last) = match pointer.rfind('/') {
                    Some(i) => (
                        &pointer[..i],
                        crate::source::pointer_segments(&pointer[i..]).next(),
                    ),
                    None => ("", None),
                };
                let node = self.node();
                let key_span = last.and_then(|key| node.key_span(parent, &key));
                key_span.unwrap_or_else(|| match pointer {
                    "" => node.key_span("", "kind").unwrap_or(node.span),
                    _ => node.span_of(pointer),
                })
            }
        }
    }

    /// A diagnostic at a field of this document. When the document was
    /// rendered from a topology and the field's origin is known, the
    /// diagnostic points at the topology and its field path names the
    /// rendered file and position.
    pub fn diag(
        &self,
        code: &'static str,
        message: impl Into<String>,
        pointer: &str,
        mark: Mark,
    ) -> Diagnostic {
        let full = match mark {
            Mark::Key(key) => format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")),
            _ => pointer.to_string(),
        };
        let span = self.span(pointer, mark);
        let diag = Diagnostic::error(code, message).path(dotted(&full));
        let origin = self.origin.and_then(|origin| {
            let mut p = full.as_str();
            loop {
                if let Some(span) = origin(self.index, p) {
                    return Some(span);
                }
                p = &p[..p.rfind('/')?];
            }
        });
        match origin {
            Some(topology) => {
                let name = self.sources.name(span.file);
                let path = format!(
                    "{} (rendered into `{name}:{}:{}`)",
                    dotted(&full),
                    span.line,
                    span.col
                );
                diag.at(Some(topology)).path(path)
            }
            None => diag.at(Some(span)),
        }
    }
}

/// Schema and per-document checks for one document; also returns the JSON
/// form of Kubernetes objects for the cross-document checks.
fn validate_one<'j>(
    doc: &Doc,
    given: Option<&'j serde_json::Value>,
    schemas: &Schemas<'_>,
    opts: &ValidateOptions,
) -> (Vec<Diagnostic>, Option<Cow<'j, serde_json::Value>>) {
    let json: Cow<'j, serde_json::Value> = match given {
        Some(json) => Cow::Borrowed(json),
        None => Cow::Owned(doc.node().to_json()),
    };
    if json.is_null() {
        return (Vec::new(), None);
    }
    if !json.is_object() {
        let d = doc.diag(
            codes::V_NOT_AN_OBJECT,
            "document is not a mapping",
            "",
            Mark::Value,
        );
        return (vec![d], None);
    }
    let Some(key) = schema_key(doc, &json) else {
        if opts.ignore_missing_schemas
            || is_helm_input(doc.file_name())
            || is_monitoring_input(&json)
        {
            return (Vec::new(), None);
        }
        let has = |k: &str| {
            json.get(k)
                .and_then(serde_json::Value::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        let missing = match (has("apiVersion"), has("kind")) {
            (true, false) => "`kind`",
            (false, true) => "`apiVersion`",
            _ => "`apiVersion` and `kind`",
        };
        let d = doc
            .diag(codes::V_NO_KIND, format!("document has no {missing}"), "", Mark::Value)
            .help("add `apiVersion` and `kind`, or name Prometheus rule, Alertmanager and Fluent Bit files after their format");
        return (vec![d], None);
    };
    let mut diags = Vec::new();
    let is_object = !schemas::is_local_config(&key);
    let broken = opts.user.and_then(|u| match u.lookup(&key) {
        user::Lookup::Broken(e) => Some(e),
        _ => None,
    });
    match (schemas.find(&key), broken) {
        (_, Some(e)) => diags.push(doc.diag(
            codes::V_SCHEMA_BUG,
            format!("the schema for `{key}` cannot be used: {e}"),
            "",
            Mark::Entry,
        )),
        (Some(found), None) if key == fluent_bit::FORMAT => {
            // Fluent Bit reads names without regard to case: fold them the
            // way it does before the schema sees them.
            diags.extend(errors::fluent_bit_errors(doc, &json, found))
        }
        (Some(found), None) => diags.extend(errors::schema_errors(doc, &json, found)),
        (None, None) if opts.ignore_missing_schemas => {}
        (None, None) => {
            let (api_version, kind) = key.rsplit_once('/').unwrap_or(("", key.as_str()));
            let mut d = doc.diag(
                codes::V_UNKNOWN_KIND,
                format!(
                    "no schema for kind `{kind}` in `{api_version}` (Kubernetes {})",
                    opts.kube_version
                ),
                "",
                Mark::Entry,
            );
            let keys = schemas.all_keys();
            d.help = diagnostic::suggest(&key, keys.iter().copied()).or_else(|| {
                Some(
                    "pass `--crd FILE` or `--schema-location DIR` for it, or `--ignore-missing-schemas` to skip kinds without a schema".into(),
                )
            });
            diags.push(d);
        }
    }
    if !is_object {
        return (diags, None);
    }
    diags.extend(checks::per_document(doc, &json));
    embedded::check(doc, &json, schemas, &mut diags);
    (diags, Some(checks::keep_for_cross_checks(json)))
}

/// `apps/v1/Deployment` for a Kubernetes object, `config/<format>` for a
/// configuration file recognised by name or content, `None` otherwise.
fn schema_key(doc: &Doc, json: &serde_json::Value) -> Option<String> {
    let api_version = json.get("apiVersion").and_then(|v| v.as_str());
    let kind = json.get("kind").and_then(|v| v.as_str());
    if let (Some(api_version), Some(kind)) = (api_version, kind) {
        return Some(format!("{api_version}/{kind}"));
    }
    // Chart values may have a `kind` of their own (`kind: DaemonSet`).
    let helm_values =
        config_format_by_name(doc.file_name()).filter(|f| f.starts_with("config/helm-"));
    if let (None, Some(format)) = (api_version, helm_values) {
        return Some(format.to_string());
    }
    if api_version.is_some() || kind.is_some() {
        return None;
    }
    config_format(doc.file_name(), json).map(str::to_string)
}

/// Whether a document that is not a Kubernetes object has a schema to meet:
/// it names a kind, or its format is recognised.
fn has_schema(path: &str, json: &serde_json::Value) -> bool {
    json.get("apiVersion").is_some()
        || json.get("kind").is_some()
        || config_format(path, json).is_some()
}

/// Helm chart inputs (`values.yaml`, `*.values.yaml`, `values-*.yaml`,
/// `Chart.yaml`) sit in rendered trees but are not manifests: without
/// `apiVersion`/`kind` they are skipped rather than reported.
fn is_helm_input(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.trim_end_matches(".yaml").trim_end_matches(".yml");
    base != stem
        && (stem == "values"
            || stem.ends_with(".values")
            || stem.starts_with("values-")
            || stem == "Chart")
}

/// Monitoring files that sit in rendered trees but are read by their own
/// tools, not by the API server: Grafana dashboards (`panels`,
/// `schemaVersion`), promtool unit tests (`rule_files`, `tests`) and
/// Prometheus scrape configuration (`scrape_configs`). Skipped like Helm
/// values; `promtool` and Grafana check them.
fn is_monitoring_input(json: &serde_json::Value) -> bool {
    let has = |k: &str| json.get(k).is_some();
    (has("panels") && has("schemaVersion"))
        || (has("rule_files") && has("tests"))
        || has("scrape_configs")
}

/// Recognises configuration files: by file name first, then by their
/// characteristic top-level keys.
pub fn config_format(name: &str, json: &serde_json::Value) -> Option<&'static str> {
    let has = |k: &str| json.get(k).is_some();
    config_format_by_name(name).or(if has("route") && has("receivers") {
        Some("config/alertmanager")
    } else if has("pipeline") {
        Some("config/fluent-bit")
    } else if has("groups") {
        Some("config/prometheus-rules")
    } else {
        None
    })
}

/// Recognises a configuration file by its (file or ConfigMap key) name:
/// `*alertmanager*.y(a)ml`, `*fluent-bit*.y(a)ml`, `*.rules.y(a)ml`, a
/// Compose file (`stack.y(a)ml`, `compose.y(a)ml`, `docker-compose*.y(a)ml`),
/// values for a chart with a bundled schema (`<chart>-<version>.values.y(a)ml`,
/// `values-<chart>-<version>.y(a)ml`: `dify-0.38.0-rc2.values.yaml`) and Consul service definitions (`*.json` in
/// a `consul` folder).
pub fn config_format_by_name(name: &str) -> Option<&'static str> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let stem = base.trim_end_matches(".yaml").trim_end_matches(".yml");
    if base.ends_with(".json") {
        let folders = name.to_ascii_lowercase();
        folders
            .split(['/', '\\'])
            .rev()
            .skip(1)
            .any(|d| d == "consul")
            .then_some("config/consul-services")
    } else if !(base.ends_with(".yaml") || base.ends_with(".yml")) {
        None
    } else if stem == "stack" || stem == "compose" || stem.starts_with("docker-compose") {
        Some("config/compose")
    } else if let Some(format) = helm_values_format(stem) {
        Some(format)
    } else if base.contains("alertmanager") {
        Some("config/alertmanager")
    } else if base.contains("fluent-bit") || base.contains("fluentbit") {
        Some("config/fluent-bit")
    } else if base.ends_with(".rules.yaml") || base.ends_with(".rules.yml") {
        Some("config/prometheus-rules")
    } else {
        None
    }
}

/// The bundled chart-values schema a file is named after:
/// `<chart>-<version>.values` or `values-<chart>-<version>` for the bundle
/// `config/helm-<chart>-<version>`; without the version, the chart's one
/// bundled version (`fluent-bit.values`: `config/helm-fluent-bit-0.58.1`).
fn helm_values_format(stem: &str) -> Option<&'static str> {
    let name = stem
        .strip_suffix(".values")
        .or_else(|| stem.strip_prefix("values-"))?;
    let charts = || {
        schemas::CONFIG_FORMATS
            .iter()
            .copied()
            .filter_map(|f| Some((f, f.strip_prefix("config/helm-")?)))
    };
    if let Some((format, _)) = charts().find(|(_, chart)| *chart == name) {
        return Some(format);
    }
    // `<name>-<version>`, the version starting with a digit: `nginx` is not
    // `nginx-gateway-fabric-2.6.7`.
    let mut versions = charts().filter(|(_, chart)| {
        chart
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    });
    match (versions.next(), versions.next()) {
        (Some((format, _)), None) => Some(format),
        _ => None,
    }
}

/// Maps `f` over `items` on up to `jobs` threads (0: one per core), keeping
/// the input order in the output.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let jobs = match jobs {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(items.len().div_ceil(8).max(1));
    if jobs <= 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    const BLOCK: usize = 8;
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                        if start >= items.len() {
                            break out;
                        }
                        for (i, item) in items.iter().enumerate().skip(start).take(BLOCK) {
                            out.push((i, f(i, item)));
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in parts.iter_mut().flat_map(std::mem::take) {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("every index below len is claimed by exactly one block"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::config_format_by_name as by_name;

    #[test]
    fn chart_values_are_matched_by_chart_and_version() {
        let dify = Some("config/helm-dify-0.38.0-rc2");
        assert_eq!(by_name("helm/dify-0.38.0-rc2.values.yaml"), dify);
        assert_eq!(by_name("values-dify-0.38.0-rc2.yml"), dify);
        // Without a version: the chart's one bundled version.
        assert_eq!(by_name("dify.values.yaml"), dify);
        assert_eq!(
            by_name("fluent-bit.values.yaml"),
            Some("config/helm-fluent-bit-0.58.1")
        );
        assert_eq!(
            by_name("nginx-gateway-fabric-2.6.7.values.yaml"),
            Some("config/helm-nginx-gateway-fabric-2.6.7")
        );
        assert_eq!(
            by_name("helm/kube-prometheus-stack-88.5.3.values.yaml"),
            Some("config/helm-kube-prometheus-stack-88.5.3")
        );
        // A version dify-gen has no schema for, or a prefix of a chart's
        // name, is no chart's.
        assert_eq!(by_name("dify-0.37.0.values.yaml"), None);
        assert_eq!(by_name("nginx.values.yaml"), None);
        assert_eq!(by_name("values.yaml"), None);
    }
}
