//! Field-level differences between two versions of an object, for the
//! compact summary (`spec.replicas: 3 -> 2`) and for the hazards, which ask
//! whether a path changed.
//!
//! Lists of objects that all carry a `name` (containers, env, ports,
//! volumes, claim templates) are matched by name, so a container added in
//! front does not show every later one as changed; other lists by index.

use serde_json::{json, Value};

/// One changed leaf (or a subtree present on one side only).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// `spec.template.spec.containers[api].image`.
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

const SHOWN: usize = 60;
const REDACTED: &str = "(redacted)";

impl Field {
    /// `path: old -> new`, values as JSON, long ones cut.
    pub fn summary(&self) -> String {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_string(),
            Some(v) => {
                let s = v.to_string();
                if s.chars().count() > SHOWN {
                    let cut: String = s.chars().take(SHOWN).collect();
                    format!("{cut}...")
                } else {
                    s
                }
            }
        };
        format!("{}: {} -> {}", self.path, show(&self.old), show(&self.new))
    }

    pub fn to_json(&self) -> Value {
        json!({"path": self.path, "old": self.old, "new": self.new})
    }

    /// Whether the field lies under `prefix` (a path or its parent).
    pub fn under(&self, prefix: &str) -> bool {
        self.path == prefix
            || self.path.starts_with(&format!("{prefix}."))
            || self.path.starts_with(&format!("{prefix}["))
    }
}

/// Every difference between `old` and `new`; `secret`: the values under
/// `data` and `stringData` are never shown.
pub fn between(old: &Value, new: &Value, secret: bool) -> Vec<Field> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    if secret {
        for f in &mut out {
            if f.under("data") || f.under("stringData") {
                f.old = f.old.as_ref().map(|_| REDACTED.into());
                f.new = f.new.as_ref().map(|_| REDACTED.into());
            }
        }
    }
    out
}

/// The object as `--patch` shows it: a Secret's values replaced.
pub fn redacted(o: &Value, secret: bool) -> Value {
    let mut o = o.clone();
    if secret {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(m)) = o.get_mut(field) {
                for v in m.values_mut() {
                    *v = REDACTED.into();
                }
            }
        }
    }
    o
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn named(items: &[Value]) -> Option<Vec<&str>> {
    let names: Option<Vec<&str>> = items.iter().map(|i| i["name"].as_str()).collect();
    let names = names?;
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    (unique.len() == names.len()).then_some(names)
}

/// A child present on both sides is walked into; one present on one side
/// only is a field of its own.
fn either(path: String, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<Field>) {
    match (old, new) {
        (Some(a), Some(b)) => walk(&path, a, b, out),
        (a, b) => out.push(Field {
            path,
            old: a.cloned(),
            new: b.cloned(),
        }),
    }
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Field>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = join(path, k);
                either(p, o.get(k), n.get(k), out)
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            if let (Some(on), Some(nn)) = (named(o), named(n)) {
                let mut names: Vec<&str> = on.iter().chain(&nn).copied().collect();
                names.sort_unstable();
                names.dedup();
                for name in names {
                    let p = format!("{path}[{name}]");
                    let a = on.iter().position(|x| *x == name).map(|i| &o[i]);
                    let b = nn.iter().position(|x| *x == name).map(|i| &n[i]);
                    either(p, a, b, out)
                }
            } else {
                for i in 0..o.len().max(n.len()) {
                    let p = format!("{path}[{i}]");
                    either(p, o.get(i), n.get(i), out)
                }
            }
        }
        _ => out.push(Field {
            path: path.to_string(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_lists_match_by_name_and_secrets_stay_hidden() {
        let old = json!({"spec": {"containers": [{"name": "a", "image": "x:1"}]}, "data": {"k": "c2VjcmV0"}});
        let new = json!({"spec": {"containers": [{"name": "b", "image": "y"}, {"name": "a", "image": "x:2"}]}, "data": {"k": "b3RoZXI="}});
        let f = between(&old, &new, true);
        let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["data.k", "spec.containers[a].image", "spec.containers[b]"]
        );
        assert_eq!(
            f[1].summary(),
            r#"spec.containers[a].image: "x:1" -> "x:2""#
        );
        assert!(!f[0].summary().contains("c2VjcmV0"), "{}", f[0].summary());
        assert!(f[1].under("spec.containers"));
        assert!(!f[1].under("spec.contain"));
    }
}
