//! Schema errors as diagnostics: the instance path becomes a span in the
//! document (the key for unknown and missing fields, the value for wrong
//! types and values) and the message is written in dify-gen's style.

use super::schemas::Found;
use super::{fluent_bit, Doc, Located, Mark};
use crate::diagnostic::{self, codes, Diagnostic};
use crate::schema::eval::{self, Error, Kind};
use crate::schema::ir::{Bound, Literal, TYPE_NAMES};
use crate::schema::quantity;
use crate::validate::pointer::At;
use serde_json::Value;

pub(super) fn schema_errors(doc: &Doc, json: &Value, schema: Found) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for error in eval::errors(schema.store, schema.root, json) {
        convert(doc, json, &error, schema, &mut out);
    }
    out
}

/// [`schema_errors`] of a Fluent Bit configuration, whose names are folded
/// the way Fluent Bit reads them before the schema sees them
/// ([`fluent_bit`]): its folded JSON is checked first, and the folded tree
/// (for the findings' spans) is built only when it has findings.
pub(super) fn fluent_bit_errors(doc: &Doc, json: &Value, schema: Found) -> Vec<Diagnostic> {
    if is_valid(json, true, schema) {
        return Vec::new();
    }
    let folded = fluent_bit::fold(doc.node());
    let view = Doc {
        located: Located::Node(&folded),
        ..*doc
    };
    schema_errors(&view, &folded.to_json(), schema)
}

/// Whether a document meets its schema; `fluent_bit`: after its names are
/// folded (see [`fluent_bit_errors`]).
pub(super) fn is_valid(json: &Value, fluent_bit: bool, schema: Found) -> bool {
    match fluent_bit {
        true if fluent_bit::is_folded(json) => eval::is_valid(schema.store, schema.root, json),
        true => eval::is_valid(schema.store, schema.root, &fluent_bit::fold_json(json)),
        false => eval::is_valid(schema.store, schema.root, json),
    }
}

/// `integer or string` from a type mask (`null` left out: it is the
/// absence of a value, not a type users write).
fn type_names(mask: u8) -> Vec<&'static str> {
    (0..7)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| TYPE_NAMES[i])
        .filter(|t| *t != "null")
        .collect()
}

fn bound_message(bound: Bound, limit: f64, instance: &Value) -> String {
    let n = if limit.fract() == 0.0 {
        format!("{}", limit as i64)
    } else {
        limit.to_string()
    };
    let what = quoted(instance);
    match bound {
        Bound::MinLength => format!("{what} is shorter than {n} characters"),
        Bound::MaxLength => format!("{what} is longer than {n} characters"),
        Bound::MinItems => format!("the list has fewer than {n} items"),
        Bound::MaxItems => format!("the list has more than {n} items"),
        Bound::MinProperties => format!("the object has fewer than {n} fields"),
        Bound::MaxProperties => format!("the object has more than {n} fields"),
        Bound::Minimum => format!("{what} is less than the minimum of {n}"),
        Bound::Maximum => format!("{what} is greater than the maximum of {n}"),
        Bound::ExclusiveMinimum => format!("{what} must be greater than {n}"),
        Bound::ExclusiveMaximum => format!("{what} must be less than {n}"),
        Bound::MultipleOf => format!("{what} is not a multiple of {n}"),
    }
}

fn convert(doc: &Doc, json: &Value, error: &Error, schema: Found, out: &mut Vec<Diagnostic>) {
    let pointer = error.pointer.as_str();
    let instance = json.at(pointer).unwrap_or(&Value::Null);
    let d = match &error.kind {
        Kind::Unknown { key, node } => {
            let known = schema.store.property_names(*node);
            let mut d = doc.diag(
                codes::V_UNKNOWN_FIELD,
                format!("unknown field `{key}`"),
                pointer,
                Mark::Key(key),
            );
            d.help = diagnostic::suggest(key, known.iter().copied());
            d
        }
        Kind::Required(name) => doc.diag(
            codes::V_MISSING_FIELD,
            format!("missing required field `{name}`"),
            pointer,
            Mark::Entry,
        ),
        Kind::Dependent { name, needs } => doc.diag(
            codes::V_MISSING_FIELD,
            format!("missing field `{needs}`, required with `{name}`"),
            pointer,
            Mark::Entry,
        ),
        Kind::Type { expected } => doc.diag(
            codes::V_WRONG_TYPE,
            format!(
                "expected {}, found {}",
                type_names(*expected).join(" or "),
                describe(instance)
            ),
            pointer,
            Mark::Value,
        ),
        Kind::AnyOf { branches } | Kind::OneOf { branches, .. } if all_type_errors(branches) => {
            let mut names: Vec<&str> = Vec::new();
            for e in branches.iter().flatten() {
                if let Kind::Type { expected } = e.kind {
                    for n in type_names(expected) {
                        if !names.contains(&n) {
                            names.push(n);
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
        Kind::AnyOf { .. } => doc.diag(
            codes::V_BAD_VALUE,
            format!("{} matches none of the allowed forms", quoted(instance)),
            pointer,
            Mark::Value,
        ),
        Kind::OneOf { matched, .. } => doc.diag(
            codes::V_BAD_VALUE,
            match matched {
                0 => format!("{} matches none of the allowed forms", quoted(instance)),
                n => format!(
                    "{} matches {n} of the forms, where exactly one is allowed",
                    quoted(instance)
                ),
            },
            pointer,
            Mark::Value,
        ),
        Kind::Never if !pointer.is_empty() => {
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
        Kind::Never => doc.diag(
            codes::V_BAD_VALUE,
            "no value is allowed here",
            pointer,
            Mark::Value,
        ),
        Kind::Enum { node } => {
            let node = schema.store.node(*node);
            let all: Vec<&str> = node
                .enumeration
                .as_deref()
                .unwrap_or_default()
                .iter()
                .filter(|l| !matches!(l, Literal::Json("null")))
                .map(|l| match l {
                    Literal::Str(s) | Literal::Json(s) => *s,
                })
                .collect();
            // A long list is named by the schema's description (`an output
            // plugin of Fluent Bit 5.1`) rather than cut at ten.
            let message = match node.description {
                Some(what) if all.len() > 10 => format!("{} is not {what}", quoted(instance)),
                _ => {
                    let list: Vec<String> = all.iter().take(10).map(|v| format!("`{v}`")).collect();
                    format!("{} is not one of {}", quoted(instance), list.join(", "))
                }
            };
            let mut d = doc.diag(codes::V_BAD_VALUE, message, pointer, Mark::Value);
            d.help = instance
                .as_str()
                .and_then(|wrong| diagnostic::suggest(wrong, all.iter().copied()));
            d
        }
        Kind::Const => doc.diag(
            codes::V_BAD_VALUE,
            format!("{} is not the only allowed value", quoted(instance)),
            pointer,
            Mark::Value,
        ),
        Kind::Format("quantity") => doc
            .diag(
                codes::V_BAD_QUANTITY,
                format!("{} is not a valid quantity", quoted(instance)),
                pointer,
                Mark::Value,
            )
            .help(quantity::HELP),
        Kind::Format(f) => doc.diag(
            codes::V_BAD_VALUE,
            format!("{} is not a valid `{f}`", quoted(instance)),
            pointer,
            Mark::Value,
        ),
        Kind::Pattern { pattern, node } => {
            // A described pattern (`on, off, true, false, yes or no`) reads
            // better than the regex.
            let message = match schema.store.node(*node).description {
                Some(what) => format!("expected {what}, found {}", quoted(instance)),
                None => format!("{} does not match `{pattern}`", quoted(instance)),
            };
            doc.diag(codes::V_BAD_VALUE, message, pointer, Mark::Value)
        }
        Kind::Bound { bound, limit } => doc.diag(
            codes::V_BAD_VALUE,
            bound_message(*bound, *limit, instance),
            pointer,
            Mark::Value,
        ),
        Kind::Unique => doc.diag(
            codes::V_BAD_VALUE,
            "the list has duplicate items",
            pointer,
            Mark::Value,
        ),
        Kind::Contains => doc.diag(
            codes::V_BAD_VALUE,
            "no item of the list has the required form",
            pointer,
            Mark::Value,
        ),
        Kind::Not => doc.diag(
            codes::V_BAD_VALUE,
            format!("{} has a form that is not allowed", quoted(instance)),
            pointer,
            Mark::Value,
        ),
        Kind::Rule { message, rule } => doc
            .diag(
                codes::V_CEL_RULE,
                message.clone(),
                pointer,
                container_mark(instance),
            )
            .help(format!("CEL rule: {rule}")),
        Kind::RuleError { error, rule } => doc
            .diag(
                codes::V_CEL_RULE,
                format!("CEL rule cannot be evaluated: {error}"),
                pointer,
                container_mark(instance),
            )
            .help(format!("CEL rule: {rule}")),
        Kind::Schema(e) => doc.diag(codes::V_SCHEMA_BUG, e.clone(), pointer, Mark::Value),
    };
    out.push(d);
}

/// A rule on a mapping or list marks its key; one on a scalar, the value.
fn container_mark(instance: &Value) -> Mark<'static> {
    match instance {
        Value::Object(_) | Value::Array(_) => Mark::Entry,
        _ => Mark::Value,
    }
}

fn all_type_errors(branches: &[Vec<Error>]) -> bool {
    !branches.is_empty()
        && branches.iter().all(|branch| {
            !branch.is_empty() && branch.iter().all(|e| matches!(e.kind, Kind::Type { .. }))
        })
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
