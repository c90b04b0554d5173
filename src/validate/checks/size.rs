//! An object must stay under 1 MiB: the API server refuses larger
//! ConfigMaps and Secrets, and etcd refuses larger requests of any kind.

use crate::diagnostic::{codes, Diagnostic};
use crate::validate::{Doc, Mark};
use serde_json::Value;

pub const LIMIT: usize = 1024 * 1024;

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    // Only an object that might be over the limit is serialised to be
    // measured: most are a few kilobytes.
    if upper_bound(json, &|s| 2 + 6 * s.len()) <= LIMIT || upper_bound(json, &escaped_len) <= LIMIT
    {
        return;
    }
    let size = serde_json::to_vec(json).map_or(0, |v| v.len());
    if size > LIMIT {
        out.push(
            doc.diag(
                codes::V_TOO_LARGE,
                format!("object is {size} bytes, over the 1 MiB ({LIMIT} bytes) limit"),
                "",
                Mark::Entry,
            )
            .help("split the data over several objects or mount it from a volume"),
        );
    }
}

/// At least the length of `json` serialised compactly, without writing
/// it: strings and keys as `string` bounds them, numbers as the longest a
/// number can be written (`-9223372036854775808`, or a float's shortest
/// form: at most 24 characters).
fn upper_bound(json: &Value, string: &impl Fn(&str) -> usize) -> usize {
    const NUMBER: usize = 24;
    match json {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => NUMBER,
        Value::String(s) => string(s),
        Value::Array(items) => {
            2 + items.len() + items.iter().map(|v| upper_bound(v, string)).sum::<usize>()
        }
        Value::Object(map) => {
            2 + map.len() * 2
                + map
                    .iter()
                    .map(|(k, v)| string(k) + upper_bound(v, string))
                    .sum::<usize>()
        }
    }
}

/// The length of a string as serde_json writes it: quoted, with `"`, `\\`
/// and control characters escaped (`\n`, or `\u0001`).
fn escaped_len(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::{escaped_len, upper_bound};
    use serde_json::json;

    /// The bound is never below the serialised length, and close to it
    /// when there are few numbers: the check serialises only what could be
    /// over the limit.
    #[test]
    fn bound_is_at_least_the_serialised_length() {
        let values = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-9223372036854775808i64),
            json!(18446744073709551615u64),
            json!(-1.2345678901234567e-300),
            json!(f64::MAX),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ newline \n tab \t cr \r bell \u{7} nul \u{0} del \u{7f} é ✓ \u{8} \u{c}"),
            json!([]),
            json!({}),
            json!([1, "two", [3.5, null], {"k\"ey": {"nested": [true]}}]),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "x".repeat(5000)}}),
        ];
        for v in values {
            let exact = serde_json::to_vec(&v).unwrap().len();
            let crude = upper_bound(&v, &|s| 2 + 6 * s.len());
            assert!(crude >= exact, "{v}: bound {crude} < {exact}");
            let bound = upper_bound(&v, &escaped_len);
            assert!(bound >= exact, "{v}: bound {bound} < {exact}");
            if !v.to_string().contains(|c: char| c.is_ascii_digit()) {
                assert!(bound <= exact + 3, "{v}: bound {bound}, exact {exact}");
            }
        }
    }
}
