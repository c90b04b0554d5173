//! Layering: profile, then each `-f` file in order, then each `--set`.
//!
//! Mappings merge key by key, lists and scalars replace, and `null` in a
//! later layer removes the key. Every node keeps the span of the layer it
//! came from, so an error in a value set on the command line points at the
//! `--set`, and one inherited from a profile points into the profile.

use crate::diagnostic::{codes, suggest, Diagnostic};
use crate::load::{self, Key, Node, Value};
use crate::source::{Sources, Span};

/// The bundled profiles, embedded so a fresh binary needs no files.
pub const PROFILES: &[(&str, &str)] = &[
    ("dev", include_str!("../../profiles/dev.yaml")),
    ("ha", include_str!("../../profiles/ha.yaml")),
];

pub fn profile_text(name: &str) -> Option<&'static str> {
    PROFILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Applies `over` on top of `base`.
pub fn merge(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(over_entries)) => {
            for (key, value) in over_entries {
                let pos = entries.iter().position(|(k, _)| k.name == key.name);
                match (pos, &value.value) {
                    (Some(i), Value::Null) => {
                        entries.remove(i);
                    }
                    (None, Value::Null) => {}
                    (Some(i), _) => {
                        let (_, old) = entries.remove(i);
                        entries.insert(i, (key, merge(old, value)));
                    }
                    (None, _) => entries.push((key, value)),
                }
            }
            Node {
                value: Value::Map(entries),
                span: base.span,
            }
        }
        (_, value) => Node {
            value,
            span: over.span,
        },
    }
}

/// Parses `path=value` and returns the overlay it stands for. The value is
/// YAML (`3`, `true`, `[a, b]`), so it gets the same types as in a file.
pub fn set_overlay(arg: &str, sources: &mut Sources) -> Result<Node, Vec<Diagnostic>> {
    let Some((path, value)) = arg.split_once('=') else {
        return Err(vec![Diagnostic::error(
            codes::T_BAD_SET,
            format!("`--set {arg}` has no `=`"),
        )
        .help(
            "write `--set path.to.field=value`, e.g. `--set components.api.replicas=5`",
        )]);
    };
    let file = sources.add(format!("--set {path}"), value);
    // An empty value (`--set ingress.tls=`) is null, which removes the field.
    let null = Node {
        value: Value::Null,
        span: Span {
            file,
            line: 1,
            col: 1,
            len: 1,
        },
    };
    let value_node = if value.trim().is_empty() {
        null
    } else {
        load::parse(sources, file, load::Limits::default())?
            .pop()
            .unwrap_or(null)
    };
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(vec![Diagnostic::error(
            codes::T_BAD_SET,
            format!("`--set {arg}` has an empty path segment"),
        )
        .help("write `--set path.to.field=value`")]);
    }
    let span = value_node.span;
    Ok(keys.iter().rev().fold(value_node, |inner, key| Node {
        value: Value::Map(vec![(
            Key {
                name: (*key).to_string(),
                span,
            },
            inner,
        )]),
        span,
    }))
}

/// Puts the profile named in the layers (if any) underneath them.
pub fn with_profile(user: Node, sources: &mut Sources) -> Result<Node, Vec<Diagnostic>> {
    let Some(profile) = user.get("profile") else {
        return Ok(user);
    };
    let Some(name) = profile.as_str() else {
        return Err(vec![Diagnostic::error(
            codes::T_WRONG_TYPE,
            "expected a profile name",
        )
        .at(Some(profile.span))
        .path("profile")]);
    };
    let Some(text) = profile_text(name) else {
        let names = PROFILES.iter().map(|(n, _)| *n);
        return Err(vec![Diagnostic::error(
            codes::T_UNKNOWN_PROFILE,
            format!("unknown profile `{name}`"),
        )
        .at(Some(profile.span))
        .path("profile")
        .help(
            suggest(name, names).unwrap_or_else(|| "expected `dev` or `ha`".into()),
        )]);
    };
    let file = sources.add(format!("profiles/{name}.yaml"), text);
    let base = load::parse_one(sources, file, "profile")?;
    Ok(merge(base, user))
}
