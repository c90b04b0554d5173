//! Layering: profile, then each `-f` file in order, then each `--set`.
//!
//! Mappings merge key by key, lists and scalars replace, and `null` in a
//! later layer removes the key. Every node keeps the span of the layer it
//! came from, so an error in a value set on the command line points at the
//! `--set`. Two corrections make every finding point where the user can
//! act ([`Removals::relocate`], [`relocate`]): a required field that a
//! `null` removed is reported at that `null` (or `--set path=`), and a value
//! inherited from a bundled profile is reported at the file's `profile:`
//! line, saying which profile set it and what to override.

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
                    // Kept, so that it still removes the key from a layer
                    // merged underneath later (the profile); `drop_nulls`
                    // clears what is left once every layer is in.
                    (None, Value::Null) => entries.push((key, value)),
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

/// Removes the mapping entries that are still `null` once every layer is
/// merged: they removed a key no layer set, which leaves it absent.
pub fn drop_nulls(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|(_, v)| !matches!(v.value, Value::Null));
            for (_, v) in entries.iter_mut() {
                drop_nulls(v);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
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
    let file = sources
        .profile_file(name)
        .unwrap_or_else(|| sources.add_profile(name, text));
    let base = load::parse_one(sources, file, "profile")?;
    Ok(merge(base, user))
}

/// The `null`s of the layers: where each removed a field.
#[derive(Clone, Debug, Default)]
pub struct Removals {
    /// Dotted field path and the span of the `null` (the last layer's wins).
    at: Vec<(String, Span)>,
}

impl Removals {
    /// Records the `null`s of a layer before it is merged.
    pub fn record(&mut self, layer: &Node) {
        // One buffer for the dotted path, copied only at a `null`.
        fn walk(node: &Node, path: &mut String, out: &mut Vec<(String, Span)>) {
            match &node.value {
                Value::Null if !path.is_empty() => out.push((path.clone(), node.span)),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        let len = path.len();
                        if len > 0 {
                            path.push('.');
                        }
                        path.push_str(&k.name);
                        walk(v, path, out);
                        path.truncate(len);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(layer, &mut String::new(), &mut found);
        for (path, span) in found {
            self.at.retain(|(p, _)| *p != path);
            self.at.push((path, span));
        }
    }

    /// A missing required field that a `null` removed is reported at that
    /// `null`: "`etcd` is removed here, but it is required for
    /// `postgres.mode: patroni`".
    pub fn relocate(&self, diags: &mut [Diagnostic], sources: &Sources) {
        for d in diags
            .iter_mut()
            .filter(|d| d.code == codes::T_MISSING_FIELD)
        {
            let Some(path) = d.path.clone() else { continue };
            let Some((_, span)) = self.at.iter().find(|(p, _)| *p == path) else {
                continue;
            };
            let why = d
                .message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map_or("", |(_, why)| why);
            d.message = format!("`{path}` is removed here, but it is required{why}");
            d.span = Some(*span);
            let from_set = sources.name(span.file).starts_with("--set ");
            d.help = Some(if from_set {
                format!("drop this `--set` (an empty value or `null` removes `{path}`)")
            } else {
                "delete this `null`, or choose a mode that does not need the field".to_string()
            });
        }
    }
}

/// A finding at a line of a bundled profile (which the user never wrote)
/// moves to the `profile:` line of the user's file, and says which profile
/// set the value and what to override instead.
pub fn relocate(diags: &mut [Diagnostic], doc: &Node, sources: &Sources) {
    let Some(profile_line) = doc.get("profile").map(|p| p.span) else {
        return;
    };
    for d in diags.iter_mut() {
        let Some(span) = d.span else { continue };
        let Some(profile) = sources.profile(span.file) else {
            continue;
        };
        let origin = format!(
            "set by profile `{profile}` at profiles/{profile}.yaml:{}",
            span.line
        );
        d.path = Some(match &d.path {
            // A finding on rendered output: its path is the rendered field's.
            Some(path) if path.ends_with(')') => {
                format!(
                    "{}; the value is {origin}: override it in your file)",
                    &path[..path.len() - 1]
                )
            }
            Some(path) => format!("{path} ({origin}; override it in your file)"),
            None => format!("({origin}; override it in your file)"),
        });
        d.span = Some(profile_line);
    }
}
