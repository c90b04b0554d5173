//! The field reference (`docs/reference.md`), generated from the topology's
//! JSON Schema so it lists every field and cannot fall behind the model.

use super::schema::topology_schema;
use serde_json::Value;
use std::fmt::Write as _;

pub fn markdown() -> String {
    let root = topology_schema();
    let mut out = String::from(
        "# Topology field reference\n\n\
         Generated from the topology's JSON Schema by `dify-gen schema --format markdown`; \
         a test fails when this file and the schema disagree. Every field below is \
         required unless marked optional. A file that says `profile: ha` (or `dev`) \
         only needs the fields it changes: the profile supplies the rest.\n\n\
         | Field | Type | Description |\n|---|---|---|\n",
    );
    walk(root, root, "", &mut out, &mut Vec::new());
    out
}

fn resolve<'a>(root: &'a Value, mut s: &'a Value) -> &'a Value {
    while let Some(r) = s.get("$ref").and_then(Value::as_str) {
        match root.pointer(r.trim_start_matches('#')) {
            Some(next) => s = next,
            None => break,
        }
    }
    s
}

/// `seen` holds each `$ref` expanded so far with its first path, so a type
/// used in several places (every component) is listed once and referred to.
fn walk(
    root: &Value,
    schema: &Value,
    prefix: &str,
    out: &mut String,
    seen: &mut Vec<(String, String)>,
) {
    let schema = resolve(root, schema);
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let resolved = resolve(root, prop);
        let description = prop
            .get("description")
            .or_else(|| resolved.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace('\n', " ");
        let mut notes = Vec::new();
        if !required.contains(&name.as_str()) {
            notes.push("optional".to_string());
        }
        let sources: &[&Value] = if std::ptr::eq(prop, resolved) {
            &[prop]
        } else {
            &[prop, resolved]
        };
        for s in sources {
            if let Some(c) = s.get("const") {
                notes.push(format!("always `{}`", c.as_str().unwrap_or_default()));
            }
            if let Some(e) = s.get("enum").and_then(Value::as_array) {
                let vals: Vec<String> = e
                    .iter()
                    .map(|v| format!("`{}`", v.as_str().unwrap_or_default()))
                    .collect();
                notes.push(format!("one of {}", vals.join(", ")));
            }
            for (key, label) in [
                ("minimum", "min"),
                ("maximum", "max"),
                ("maxLength", "max length"),
                ("minItems", "min items"),
            ] {
                if let Some(v) = s.get(key) {
                    notes.push(format!("{label} {v}"));
                }
            }
        }
        notes.dedup();
        let reference = prop.get("$ref").and_then(Value::as_str).map(str::to_string);
        let earlier = reference
            .as_ref()
            .and_then(|r| seen.iter().find(|(s, _)| s == r).map(|(_, p)| p.clone()));
        if let Some(earlier) = &earlier {
            notes.push(format!("fields as in `{earlier}`"));
        } else if let Some(r) = reference.filter(|_| resolved.get("properties").is_some()) {
            seen.push((r, path.clone()));
        }
        let mut cell = description;
        if !notes.is_empty() {
            let _ = write!(
                cell,
                "{}({})",
                if cell.is_empty() { "" } else { " " },
                notes.join("; ")
            );
        }
        let _ = writeln!(
            out,
            "| `{path}` | {} | {} |",
            type_of(root, prop),
            cell.replace('|', "\\|")
        );
        if earlier.is_some() {
            continue;
        }
        // Kubernetes' own types (the escape hatches) are Kubernetes' API
        // reference, not dify-gen's: listed by their type, not expanded.
        if kubernetes_type(prop).is_some() {
            continue;
        }
        if resolved.get("properties").is_some() {
            walk(root, resolved, &path, out, seen);
        } else if let Some(items) = resolved.get("items") {
            if resolve(root, items).get("properties").is_some() {
                walk(root, items, &format!("{path}[]"), out, seen);
            }
        } else if let Some(extra) = resolved
            .get("additionalProperties")
            .filter(|v| v.is_object())
        {
            if resolve(root, extra).get("properties").is_some() {
                walk(root, extra, &format!("{path}.<name>"), out, seen);
            }
        }
    }
}

/// The Kubernetes type a property holds, or a list of (`Container` of
/// `io.k8s.api.core.v1.Container`).
fn kubernetes_type(prop: &Value) -> Option<&str> {
    let r = prop
        .get("$ref")
        .or_else(|| prop.get("items").and_then(|i| i.get("$ref")))
        .and_then(Value::as_str)?;
    let name = r.rsplit('/').next()?;
    name.starts_with("io.k8s.")
        .then(|| name.rsplit('.').next())
        .flatten()
}

fn type_of(root: &Value, prop: &Value) -> String {
    if let Some(name) = kubernetes_type(prop).filter(|_| prop.get("$ref").is_some()) {
        return format!("Kubernetes `{name}`");
    }
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let target = resolve(root, prop);
        return match target.get("type").and_then(Value::as_str) {
            Some("object") if target.get("properties").is_some() => "mapping".into(),
            _ if name == "Quantity" => "quantity".into(),
            Some(t) => t.to_string(),
            None => match target.get("anyOf").and_then(Value::as_array) {
                // `NAME: value` or `NAME: {value: ..., override: true}`.
                Some(alternatives) => alternatives
                    .iter()
                    .map(|a| type_of(root, a))
                    .collect::<Vec<_>>()
                    .join(" or "),
                None => name.to_string(),
            },
        };
    }
    match prop.get("type") {
        Some(Value::String(t)) if t == "array" => {
            let item = prop
                .get("items")
                .map_or_else(|| "any".to_string(), |i| type_of(root, i));
            format!("list of {item}")
        }
        Some(Value::String(t)) if t == "object" => {
            let value = prop
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .map_or_else(|| "any".into(), |v| type_of(root, v));
            format!("map of {value}")
        }
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ if prop.get("anyOf").is_some() => "string, number or boolean".into(),
        _ => "any".into(),
    }
}
