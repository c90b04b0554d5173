//! JSON pointer lookups in the checks without allocating:
//! `serde_json::Value::pointer` builds two new strings per segment to
//! unescape it (`~1`, `~0`), which the checks paid on every field they
//! read. [`At::at`] answers exactly what `Value::pointer` answers.

use serde_json::Value;
use std::borrow::Cow;

pub trait At {
    /// The value at a JSON pointer (RFC 6901), as `Value::pointer`.
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl At for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |target, token| {
            let token = unescape(token);
            match target {
                Value::Object(map) => map.get(token.as_ref()),
                Value::Array(list) => index(&token).and_then(|i| list.get(i)),
                _ => None,
            }
        })
    }
}

/// `~1` is `/` and `~0` is `~`, in that order (as serde_json decodes them).
fn unescape(token: &str) -> Cow<'_, str> {
    match token.contains('~') {
        true => Cow::Owned(token.replace("~1", "/").replace("~0", "~")),
        false => Cow::Borrowed(token),
    }
}

/// An array index as RFC 6901 writes it: no sign, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::At;
    use serde_json::json;

    /// Every pointer resolves to what `Value::pointer` resolves it to,
    /// including the ones that resolve to nothing.
    #[test]
    fn agrees_with_serde_json() {
        let v = json!({
            "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]},
            "a/b": {"c~d": 1, "~1": 2, "": {"": 3}},
            "list": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            "n": null,
        });
        let pointers = [
            "",
            "/",
            "//",
            "spec",
            "/spec",
            "/spec/",
            "/spec/containers/0/name",
            "/spec/containers/0/ports/0/containerPort",
            "/spec/containers/1",
            "/spec/containers/00",
            "/spec/containers/+0",
            "/spec/containers/-0",
            "/spec/containers/-",
            "/spec/containers/ 0",
            "/list/10",
            "/list/010",
            "/list/18446744073709551616",
            "/a~1b/c~0d",
            "/a~1b/~01",
            "/a~1b/~1",
            "/a~1b/c~d",
            "/a~1b//",
            "/a~1b/~",
            "/a/b",
            "/n",
            "/n/x",
            "/spec/containers/0/name/x",
            "/missing/0",
        ];
        for p in pointers {
            assert_eq!(v.at(p), v.pointer(p), "{p:?}");
        }
    }
}
