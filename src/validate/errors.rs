//! JSON Schema errors as diagnostics: the instance path becomes a span in
//! the document (the key for unknown and missing fields, the value for wrong
//! types and values) and the message is rewritten in dify-gen's style.

use super::schemas::Bundle;
use super::{quantity, Doc, Mark};
use crate::diagnostic::{self, codes, Diagnostic};
use jsonschema::error::{TypeKind, ValidationErrorKind as K};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

pub(super) fn schema_errors(
    doc: &Doc,
    json: &Value,
    validator: &Validator,
    bundle: &Bundle,
) -> Vec<Diagnostic> {
    if validator.is_valid(json) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(json) {
        convert(doc, &error, bundle, &mut out);
    }
    out
}

fn convert(doc: &Doc, error: &ValidationError, bundle: &Bundle, out: &mut Vec<Diagnostic>) {
    let pointer = error.instance_path().as_str();
    let instance = error.instance();
    let d = match error.kind() {
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            let known = known_properties(error, bundle);
            for key in unexpected {
                let mut d = doc.diag(
                    codes::V_UNKNOWN_FIELD,
                    format!("unknown field `{key}`"),
                    pointer,
                    Mark::Key(key),
                );
                d.help = known
                    .as_ref()
                    .and_then(|k| diagnostic::suggest(key, k.iter().map(String::as_str)));
                out.push(d);
            }
            return;
        }
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            doc.diag(
                codes::V_MISSING_FIELD,
                format!("missing required field `{name}`"),
                pointer,
                Mark::Entry,
            )
        }
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => {
                    let names: Vec<String> = set
                        .iter()
                        .map(|t| t.to_string())
                        .filter(|t| t != "null")
                        .collect();
                    names.join(" or ")
                }
            };
            doc.diag(
                codes::V_WRONG_TYPE,
                format!("expected {expected}, found {}", describe(instance)),
                pointer,
                Mark::Value,
            )
        }
        K::OneOfNotValid { context } | K::AnyOf { context } if all_type_errors(context) => {
            let mut names: Vec<String> = Vec::new();
            for branch in context {
                for e in branch {
                    if let K::Type { kind } = e.kind() {
                        let list: Vec<String> = match kind {
                            TypeKind::Single(t) => vec![t.to_string()],
                            TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
                        };
                        for n in list {
                            if n != "null" && !names.contains(&n) {
                                names.push(n);
                            }
                        }
                    }
                }
            }
            doc.diag(
                codes::V_WRONG_TYPE,
                format!(
                    "expected {}, found {}",
                    names.join(" or "),
                    describe(instance)
                ),
                pointer,
                Mark::Value,
            )
        }
        K::FalseSchema if !pointer.is_empty() => {
            // A property the schema forbids in this context (`for` on a
            // recording rule): mark the key, like an unknown field.
            let slash = pointer.rfind('/').unwrap_or(0);
            let key = crate::source::pointer_segments(&pointer[slash..])
                .next()
                .unwrap_or_default();
            doc.diag(
                codes::V_UNKNOWN_FIELD,
                format!("field `{key}` is not allowed here"),
                &pointer[..slash],
                Mark::Key(&key),
            )
        }
        K::Enum { options } => {
            let all: Vec<String> = options
                .as_array()
                .map(|a| a.iter().filter(|v| !v.is_null()).map(plain).collect())
                .unwrap_or_default();
            // A long list is named by the schema's description (`an output
            // plugin of Fluent Bit 5.1`) rather than cut at ten.
            let message = match description(error, bundle) {
                Some(what) if all.len() > 10 => format!("{} is not {what}", quoted(instance)),
                _ => {
                    let list: Vec<String> = all.iter().take(10).map(|v| format!("`{v}`")).collect();
                    format!("{} is not one of {}", quoted(instance), list.join(", "))
                }
            };
            let mut d = doc.diag(codes::V_BAD_VALUE, message, pointer, Mark::Value);
            d.help = instance
                .as_str()
                .and_then(|wrong| diagnostic::suggest(wrong, all.iter().map(String::as_str)));
            d
        }
        K::Format { format } if format == "quantity" => doc
            .diag(
                codes::V_BAD_QUANTITY,
                format!("{} is not a valid quantity", quoted(instance)),
                pointer,
                Mark::Value,
            )
            .help(quantity::HELP),
        K::Pattern { pattern } => {
            // A described pattern (`on, off, true, false, yes or no`) reads
            // better than the regex.
            let message = match description(error, bundle) {
                Some(what) => format!("expected {what}, found {}", quoted(instance)),
                None => format!("{} does not match `{pattern}`", quoted(instance)),
            };
            doc.diag(codes::V_BAD_VALUE, message, pointer, Mark::Value)
        }
        _ => {
            let mut text = error.to_string();
            if text.len() > 200 {
                let cut = (0..=200)
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                text.truncate(cut);
                text.push('…');
            }
            let text = text.replace('"', "`");
            doc.diag(codes::V_BAD_VALUE, text, pointer, Mark::Value)
        }
    };
    out.push(d);
}

fn all_type_errors(context: &[Vec<ValidationError<'static>>]) -> bool {
    !context.is_empty()
        && context.iter().all(|branch| {
            !branch.is_empty() && branch.iter().all(|e| matches!(e.kind(), K::Type { .. }))
        })
}

/// The property names the failing schema allows, for "did you mean".
fn known_properties(error: &ValidationError, bundle: &Bundle) -> Option<Vec<String>> {
    let location = error.absolute_keyword_location()?;
    let fragment = location.fragment()?.as_str();
    let parent = &fragment[..fragment.rfind('/')?];
    let schema = bundle.subschema(parent)?;
    let props = schema.get("properties")?.as_object()?;
    Some(props.keys().cloned().collect())
}

/// The `description` of the schema whose keyword failed.
fn description(error: &ValidationError, bundle: &Bundle) -> Option<String> {
    let location = error.absolute_keyword_location()?;
    let fragment = location.fragment()?.as_str();
    let parent = &fragment[..fragment.rfind('/')?];
    let text = bundle.subschema(parent)?.get("description")?.as_str()?;
    Some(text.to_string())
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn quoted(v: &Value) -> String {
    match v {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "a list".into(),
        other => {
            let mut s = plain(other);
            if s.len() > 60 {
                let cut = (0..=60).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                s.truncate(cut);
                s.push('…');
            }
            format!("`{s}`")
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => format!("boolean {}", quoted(v)),
        Value::Number(_) => format!("number {}", quoted(v)),
        Value::String(s) if s.len() <= 60 => format!("string `\"{s}\"`"),
        Value::String(_) => format!("string {}", quoted(v)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}
