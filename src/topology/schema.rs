//! The topology's JSON Schema: generated from the typed model, used to check
//! a loaded document before it is deserialised, so that every structural
//! problem is reported at once, each at its own line.

use super::model::Topology;
use super::quantity;
use crate::diagnostic::{codes, suggest, Diagnostic};
use crate::load::Node;
use crate::schema::eval::{self, Kind};
use crate::schema::ir::Bound;
use crate::source::dotted;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The schema as printed by `dify-gen schema` and kept in `schemas/`.
pub fn topology_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::generate::SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<Topology>();
        let mut value = schema.to_value();
        drop_null_alternatives(&mut value);
        bound_integers(&mut value);
        strict_kubernetes(&mut value);
        value
    })
}

/// Kubernetes' types (the components' `extras`) come from k8s-openapi
/// without `additionalProperties`: closed here, as the strict schemas
/// `validate` uses close them, so a misspelt field (`mountPth`) is an
/// unknown field at its line, not silently dropped.
fn strict_kubernetes(value: &mut Value) {
    fn close(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                map.values_mut().for_each(close);
            }
            Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    if let Some(Value::Object(defs)) = value.get_mut("$defs") {
        for (name, def) in defs.iter_mut() {
            if name.starts_with("io.k8s.") {
                close(def);
            }
        }
    }
}

/// Integer fields get the upper bound of their Rust type, which the
/// generated schema leaves out: `replicas: 4294967296` is then reported at
/// its line, instead of failing deserialisation with no line at all.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let max = match map.get("format").and_then(Value::as_str) {
                Some("uint8") => Some(u64::from(u8::MAX)),
                Some("uint16") => Some(u64::from(u16::MAX)),
                Some("uint32") => Some(u64::from(u32::MAX)),
                Some("uint64") => Some(u64::MAX),
                _ => None,
            };
            if let Some(max) = max {
                map.entry("maximum").or_insert_with(|| json!(max));
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// Optional fields become "may be absent", not "may be null": `anyOf [X,
/// null]` turns into X, so errors inside X are reported directly instead of
/// as "not valid under any of the schemas".
fn drop_null_alternatives(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(alts)) = map.get("anyOf") {
                let non_null: Vec<Value> = alts
                    .iter()
                    .filter(|a| a.get("type") != Some(&json!("null")))
                    .cloned()
                    .collect();
                if non_null.len() == 1 && alts.len() == 2 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = &non_null[0] {
                        for (k, v) in inner {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    map.insert("type".into(), only);
                }
            }
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            for v in map.values_mut() {
                drop_null_alternatives(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_alternatives),
        _ => {}
    }
}

/// Checks a merged topology document; one diagnostic per problem.
///
/// The schema is `schemas/topology.schema.json` compiled at build time (a
/// test keeps the file equal to [`topology_schema`]), so checking costs no
/// schema generation or compilation; the generated schema is built only to
/// explain a finding.
pub fn check(doc: &Node) -> Vec<Diagnostic> {
    check_json(doc, &doc.to_json())
}

/// [`check`] of a document already converted to JSON (`instance`), for a
/// caller that goes on to deserialise it.
pub fn check_json(doc: &Node, instance: &Value) -> Vec<Diagnostic> {
    let store =
        crate::schema::bundle("topology").expect("build.rs compiles schemas/topology.schema.json");
    let root = store
        .kind("topology")
        .expect("the topology bundle has one kind");
    let mut diags = Vec::new();
    for error in eval::errors(store, root, instance) {
        let value = instance.pointer(&error.pointer).unwrap_or(&Value::Null);
        diags.extend(describe(doc, &error.pointer, &error.kind, value));
    }
    diags
}

/// The hint for a missing field: layering over a profile fills it, unless
/// the file already layers over one.
fn missing_hint(doc: &Node, name: &str) -> String {
    if doc.get("profile").is_some() {
        format!("add `{name}:` here")
    } else {
        format!("add `{name}:` here, or layer this file over a profile with `profile: ha`")
    }
}

fn describe(doc: &Node, pointer: &str, kind: &Kind, instance: &Value) -> Vec<Diagnostic> {
    let span = Some(doc.span_of(pointer));
    let path = dotted(pointer);
    // A value under a secret's name (`password: hunter2`), or one that looks
    // like a secret, is never printed, not even in the excerpt.
    let secret = crate::source::pointer_segments(pointer)
        .last()
        .is_some_and(|field| crate::secret_scan::looks_secret(&field))
        || instance.as_str().is_some_and(|s| {
            crate::secret_scan::scan(s, &crate::secret_scan::Public::default()).is_some()
        });
    if secret {
        // Whatever else is wrong with it, a secret written out is the
        // problem to report (as `T102`, whose excerpt hides the value).
        let field = crate::source::pointer_segments(pointer)
            .last()
            .unwrap_or_default();
        let (message, help) = if crate::secret_scan::looks_secret(&field) {
            (
                format!("`{path}` holds a value where a Secret reference belongs"),
                format!("reference a Secret instead: `{field}: {{name: <secret>, key: <key>}}`"),
            )
        } else {
            (
                format!("`{path}` holds a value that looks like a secret"),
                "store it in a Secret and reference it".to_string(),
            )
        };
        return vec![Diagnostic::error(codes::T_INLINE_SECRET, message)
            .at(span)
            .path(path)
            .help(help)];
    }
    let shown = show(instance);
    let one = |d: Diagnostic| vec![d.at(span).path(path.clone())];
    match kind {
        Kind::Unknown { key: name, .. } => {
            let allowed = allowed_fields(pointer);
            let mut d =
                Diagnostic::error(codes::T_UNKNOWN_FIELD, format!("unknown field `{name}`"))
                    .at(doc.key_span(pointer, name).or(span))
                    .path(join(&path, name));
            d.help = suggest(name, allowed.iter().map(String::as_str)).or_else(|| {
                (!allowed.is_empty()).then(|| format!("expected one of {}", list(&allowed)))
            });
            vec![d]
        }
        Kind::Required(name) => {
            vec![
                Diagnostic::error(codes::T_MISSING_FIELD, format!("missing field `{name}`"))
                    .at(span)
                    .path(join(&path, name))
                    .help(missing_hint(doc, name)),
            ]
        }
        Kind::Type { .. } => {
            let expected = schema_at(pointer)
                .and_then(|s| s.get("type"))
                .map(|t| match t {
                    Value::Array(ts) => ts
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" or "),
                    other => other.as_str().unwrap_or("another type").to_string(),
                })
                .unwrap_or_else(|| "another type".into());
            let expected = expected
                .replace("object", "a mapping")
                .replace("array", "a list");
            one(Diagnostic::error(
                codes::T_WRONG_TYPE,
                format!("expected {expected}, found {}", type_name(instance)),
            ))
        }
        Kind::Enum { .. } => {
            let opts: Vec<String> = schema_at(pointer)
                .and_then(|s| s.get("enum"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let help = instance
                .as_str()
                .and_then(|s| suggest(s, opts.iter().map(String::as_str)))
                .unwrap_or_else(|| format!("expected one of {}", list(&opts)));
            one(Diagnostic::error(
                codes::T_BAD_VALUE,
                format!("{shown} is not an allowed value"),
            )
            .help(help))
        }
        Kind::Const => {
            let expected = schema_at(pointer)
                .and_then(|s| s.get("const"))
                .map_or_else(String::new, show);
            one(Diagnostic::error(
                codes::T_BAD_VALUE,
                format!("expected {expected}, found {shown}"),
            ))
        }
        Kind::Bound {
            bound: Bound::Minimum | Bound::ExclusiveMinimum,
            limit,
        } => {
            if schema_at(pointer)
                .and_then(|s| s.get("pattern"))
                .and_then(Value::as_str)
                == Some(quantity::PATTERN)
            {
                return one(bad_quantity(&shown));
            }
            one(Diagnostic::error(
                codes::T_OUT_OF_RANGE,
                format!("{shown} is below the minimum {}", number(*limit)),
            ))
        }
        Kind::Bound {
            bound: Bound::Maximum | Bound::ExclusiveMaximum,
            limit,
        } => one(Diagnostic::error(
            codes::T_OUT_OF_RANGE,
            format!("{shown} is above the maximum {}", number(*limit)),
        )),
        Kind::Bound {
            bound: Bound::MinItems,
            limit,
        } => one(Diagnostic::error(
            codes::T_OUT_OF_RANGE,
            format!("needs at least {} item(s)", number(*limit)),
        )),
        Kind::Bound {
            bound: Bound::MaxLength,
            limit,
        } => one(Diagnostic::error(
            codes::T_OUT_OF_RANGE,
            format!("{shown} is longer than {} characters", number(*limit)),
        )),
        Kind::Pattern { pattern, .. } if *pattern == quantity::PATTERN => one(bad_quantity(&shown)),
        Kind::Pattern { pattern, .. } => one(Diagnostic::error(
            codes::T_BAD_FORMAT,
            format!("{shown} is not in the expected form"),
        )
        .help(pattern_hint(pattern))),
        _ => one(Diagnostic::error(
            codes::T_BAD_VALUE,
            format!("{shown} is not valid here"),
        )),
    }
}

/// A schema limit as the schema writes it (`3`, not `3.0`).
fn number(limit: f64) -> String {
    if limit.fract() == 0.0 {
        format!("{}", limit as i64)
    } else {
        limit.to_string()
    }
}

fn bad_quantity(shown: &str) -> Diagnostic {
    Diagnostic::error(
        codes::T_BAD_QUANTITY,
        format!("{shown} is not a valid quantity"),
    )
    .help("write a Kubernetes quantity such as `500m` or `1` (CPU), `512Mi` or `2Gi` (memory)")
}

fn pattern_hint(pattern: &str) -> String {
    match pattern {
        r"^[a-z]([-a-z0-9]*[a-z0-9])?$" | r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" => {
            "use lowercase letters, digits and `-`, starting and ending with a letter or digit"
                .into()
        }
        r"^https?://" => "write a URL starting with `http://` or `https://`".into(),
        r"^/" => "write a path starting with `/`".into(),
        p if p.contains(r"(\.") => "write a DNS name such as `dify.example.com`".into(),
        p => format!("expected a value matching `{p}`"),
    }
}

/// The sub-schema describing the value at an instance pointer, following
/// `$ref`s, `properties`, `items` and `additionalProperties`.
fn schema_at(pointer: &str) -> Option<&'static Value> {
    let root = topology_schema();
    let resolve = |mut s: &'static Value| {
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = root.pointer(r.trim_start_matches('#'))?;
        }
        Some(s)
    };
    let mut schema = resolve(root)?;
    for seg in crate::source::pointer_segments(pointer) {
        schema = if let Some(p) = schema.get("properties").and_then(|p| p.get(&seg)) {
            resolve(p)?
        } else if let Some(items) = schema.get("items") {
            resolve(items)?
        } else if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            resolve(extra)?
        } else {
            return None;
        };
    }
    Some(schema)
}

fn allowed_fields(pointer: &str) -> Vec<String> {
    schema_at(pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        Value::Object(_) => "a mapping".into(),
        Value::Array(_) => "a list".into(),
        other => format!("`{other}`"),
    }
}

fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("a boolean `{b}`"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("an integer `{n}`"),
        Value::Number(n) => format!("a number `{n}`"),
        Value::String(s) => format!("a string `{s}`"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}
