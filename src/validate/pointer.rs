//! JSON pointer lookups in the checks without allocating:
//! `serde_json::Value::pointer` builds two new strings per segment to
//! unescape it (`~1`, `~0`), which the checks paid on every field they
//! read. [`At::at`] answers exactly what `Value::pointer` answers.

use serde_json::Value;
use std::borrow::Cow;

pub trait At {
    /// The value at a JSON pointer (RFC 6901), as `Value::pointer`.
    fn at(&self, pointer: &str) -> Option<&Value>;

    /// The value at a path of keys, each a field of an object (`None` past
    /// anything else): `at` of the pointer the keys spell, with nothing
    /// to parse or unescape, for the checks that write their pointer only
    /// for a finding.
    fn path(&self, keys: &[&str]) -> Option<&Value>;
}

impl At for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        // Looked for once, and the pointer split at bytes: most pointers
        // have no escape, and their segments are a few bytes long.
        let escaped = rest.as_bytes().contains(&b'~');
        rest.as_bytes()
            .split(|&b| b == b'/')
            .try_fold(self, |target, raw| {
                // Split at an ASCII byte, so every piece is UTF-8 too.
                let raw = std::str::from_utf8(raw).expect("a pointer split at `/` stays UTF-8");
                let token = match escaped {
                    true => unescape(raw),
                    false => Cow::Borrowed(raw),
                };
                match target {
                    Value::Object(map) => field(map, &token),
                    Value::Array(list) => index(&token).and_then(|i| list.get(i)),
                    _ => None,
                }
            })
    }

    fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |target, key| match target {
            Value::Object(map) => field(map, key),
            _ => None,
        })
    }
}

/// The value of a key. The maps of Kubernetes objects are small, and
/// comparing a few keys costs less than hashing one with the map's SipHash;
/// a large map (a ConfigMap's data) is looked up by hash.
fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= SCANNED {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// The most keys [`field`] compares one by one.
const SCANNED: usize = 16;

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

    /// A path of keys finds what the pointer it spells finds.
    #[test]
    fn paths_are_pointers() {
        let v = json!({"spec": {"a/b": {"": [1]}, "x": [{"y": 1}]}, "n": null});
        for keys in [
            &[][..],
            &["spec"],
            &["spec", "a/b"],
            &["spec", "a/b", ""],
            &["spec", "x", "y"],
            &["spec", "missing"],
            &["n", "x"],
        ] {
            let pointer: String = keys
                .iter()
                .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                .collect();
            assert_eq!(v.path(keys), v.at(&pointer), "{pointer}");
        }
    }

    /// Maps of every size around the one where keys stop being compared one
    /// by one and are hashed instead: every key found, a missing one not.
    #[test]
    fn small_and_large_maps_agree() {
        for size in [
            0,
            1,
            super::SCANNED - 1,
            super::SCANNED,
            super::SCANNED + 1,
            40,
        ] {
            let map: serde_json::Map<String, serde_json::Value> =
                (0..size).map(|i| (format!("k{i}"), json!(i))).collect();
            let v = json!({ "m": map });
            for i in 0..=size {
                let p = format!("/m/k{i}");
                assert_eq!(v.at(&p), v.pointer(&p), "{p} in a map of {size}");
            }
        }
    }
}
