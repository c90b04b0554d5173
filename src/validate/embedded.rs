//! Configuration files carried inside ConfigMaps (`data`) and Secrets
//! (`stringData`): a key named like a Prometheus rule file
//! (`*.rules.yaml`), an Alertmanager configuration (`alertmanager.yml`) or a
//! Fluent Bit YAML configuration (`fluent-bit.yaml`) is parsed and validated
//! against its bundled schema like a file of its own.
//!
//! Findings point into the manifest: for a literal block scalar (`|`) the
//! embedded line and column are shifted onto the manifest's lines; for any
//! other scalar style the finding marks the value as a whole.

use super::schemas::{Found, Schemas};
use super::{block_yaml, config_format_by_name, errors, fluent_bit, Doc, Mark};
use crate::diagnostic::Diagnostic;
use crate::load::{self, Limits, Value};
use crate::source::{FileId, Sources, Span};
use crate::validate::pointer::At;
use serde_json::Value as Json;

pub(super) fn check(doc: &Doc, json: &Json, schemas: &Schemas<'_>, out: &mut Vec<Diagnostic>) {
    let pointer = match json.get("kind").and_then(Json::as_str) {
        Some("ConfigMap") => "/data",
        Some("Secret") => "/stringData",
        _ => return,
    };
    let Some(data) = json.at(pointer).and_then(Json::as_object) else {
        return;
    };
    for (key, value) in data {
        let (Some(format), Some(text)) = (config_format_by_name(key), value.as_str()) else {
            continue;
        };
        let Some(schema) = schemas.find(format) else {
            continue;
        };
        if is_clean(text, format, schema) {
            continue;
        }
        let escaped = key.replace('~', "~0").replace('/', "~1");
        let value_pointer = format!("{pointer}/{escaped}");
        let outer = format!("{}[\"{key}\"]", &pointer[1..]);
        let mut local = Sources::default();
        let file = local.add(key.clone(), text.to_string());
        let found = match load::parse(&local, file, Limits::default()) {
            Ok(docs) => {
                let mut found = Vec::new();
                for node in docs.iter().filter(|n| n.value != Value::Null) {
                    let inner = Doc::parsed(node, &local);
                    found.extend(if format == fluent_bit::FORMAT {
                        errors::fluent_bit_errors(&inner, &node.to_json(), schema)
                    } else {
                        errors::schema_errors(&inner, &node.to_json(), schema)
                    });
                }
                found
            }
            Err(diags) => diags,
        };
        if found.is_empty() {
            continue;
        }
        // Only a finding needs the manifest's lines (parsing its text).
        let value_span = doc.span(&value_pointer, Mark::Value);
        let literal = is_literal_block(doc, &value_pointer, value_span);
        let shift = |span: Option<Span>| -> Option<Span> {
            let inner = span?;
            Some(if literal {
                Span {
                    file: value_span.file,
                    line: value_span.line + inner.line.saturating_sub(1),
                    col: value_span.col + inner.col.saturating_sub(1),
                    len: inner.len,
                }
            } else {
                value_span
            })
        };
        for mut d in found {
            d.span = shift(d.span);
            d.path = Some(match d.path.take() {
                Some(inner) => format!("{outer}.{inner}"),
                None => outer.clone(),
            });
            out.push(d);
        }
    }
}

/// Whether an embedded file parses and meets its schema: its documents are
/// checked as JSON with their trees dropped first, since only findings need
/// the trees (the file is parsed again for them). Most of the heap
/// validation holds at its peak was a configuration's tree.
///
/// A file in plain block YAML (what dify-gen writes) is read straight to
/// its JSON ([`block_yaml`]); any other text is parsed.
fn is_clean(text: &str, format: &str, schema: Found) -> bool {
    let jsons = match block_yaml::documents(text) {
        Some(jsons) => jsons,
        None => {
            let Ok(docs) = load::parse_text(text, FileId::default(), Limits::default()) else {
                return false;
            };
            docs.iter()
                .filter(|n| n.value != Value::Null)
                .map(load::Node::to_json)
                .collect()
        }
    };
    jsons
        .into_iter()
        .all(|json| errors::is_valid(&json, format == fluent_bit::FORMAT, schema))
}

/// Whether the value at `pointer` is written as a literal block scalar (`|`),
/// whose lines map one to one onto the embedded text.
fn is_literal_block(doc: &Doc, pointer: &str, value: Span) -> bool {
    let Some(slash) = pointer.rfind('/') else {
        return false;
    };
    let key = crate::source::pointer_segments(&pointer[slash..])
        .next()
        .unwrap_or_default();
    let Some(key_span) = doc.node().key_span(&pointer[..slash], &key) else {
        return false;
    };
    if value.line <= key_span.line {
        return false;
    }
    let line = doc.line(key_span.file, key_span.line).unwrap_or_default();
    let after_key = line
        .chars()
        .skip((key_span.col.saturating_sub(1) + key_span.len) as usize)
        .collect::<String>();
    let indicator = after_key.trim_start().trim_start_matches(':').trim_start();
    indicator.starts_with('|')
}
