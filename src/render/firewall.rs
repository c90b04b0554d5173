//! The plaintext-secret firewall: the last stage before anything is
//! written. It scans every rendered artifact and fails the render if it
//! finds a secret value, whatever produced it.
//!
//! dify-gen never holds a secret (the topology has no field for one; every
//! credential is a `secretKeyRef`), so a finding here is a bug or a value
//! smuggled in through a plain field. Three rules:
//! 1. no `Secret` object carries `data` or `stringData`;
//! 2. no environment variable or ConfigMap key named like a secret
//!    (`*_PASSWORD`, `*_TOKEN`, `*_KEY`, ...) has a literal value
//!    (`$(VAR)` references to secret-backed variables are fine);
//! 3. no string holds a URL with credentials (`https://user:pw@host`;
//!    `$(VAR)` references are fine) or a high-entropy token: at least 20
//!    characters of a key alphabet, several character classes and more
//!    than 4 bits of entropy per character, which random keys have and
//!    names, URLs and hashes of configuration do not. Image digests are
//!    exempt, and so is what is public by construction: the topology's
//!    identifier fields (`topology::public`) and the names and label values
//!    dify-gen derived from them, masked out of a token before the rest of
//!    it is judged (`secret_scan::Public`).
//!
//! A finding names the file and the field, never the value.

use super::{Artifact, Content};
use crate::diagnostic::{codes, Diagnostic};
use crate::secret_scan::{
    is_literal, looks_secret, may_hold_secret, scan as judge, scan_lazily, FastSet, Public, Suspect,
};
use serde_json::Value;

/// Scans every artifact; `public` holds the topology's identifier values
/// (`topology::public::values`).
///
/// One walk over the artifacts, keeping no path ([`gather`]), finds
/// whether rules 1 and 2 find anything, the names dify-gen derived, and the
/// distinct strings rule 3 judges (names, labels, images and variables
/// repeat across objects; short strings without `@` or `:` cannot hold a
/// secret). Clean, that is the answer; a finding of any rule has the
/// artifacts scanned again in order, for the findings in the order of the
/// artifacts and their fields, with their paths.
pub fn scan(artifacts: &[Artifact], public: &[String]) -> Vec<Diagnostic> {
    let mut derived = Vec::new();
    // About six distinct strings to judge an artifact (758 in the `ha`
    // profile's 140 objects): sized once, not grown nine times.
    let mut strings = FastSet::with_capacity_and_hasher(artifacts.len() * 6, Default::default());
    let mut out = Vec::new();
    let mut named = false;
    for a in artifacts {
        match &a.content {
            Content::Object(doc) => {
                object_rules(&a.path, doc, &mut out);
                named |= gather(doc, "", "", &mut |k1, k2, s| {
                    if is_derived_by(k1, k2) {
                        derived.push(s);
                    }
                    if judged_by(k1, s) {
                        strings.insert(s);
                    }
                });
            }
            Content::Yaml(doc) | Content::Json(doc) => {
                named |= gather(doc, "", "", &mut |k1, _, s| {
                    if judged_by(k1, s) {
                        strings.insert(s);
                    }
                });
            }
            Content::Text(text) => strings.extend(text.lines().filter(|l| may_hold_secret(l))),
        }
    }
    // The public values are gathered into their set only if a token that
    // looks random is to be masked with them.
    let pending = std::cell::Cell::new(Some(derived));
    let set = std::cell::OnceCell::new();
    let public = || {
        set.get_or_init(|| {
            let mut values: Vec<&str> = public.iter().map(String::as_str).collect();
            values.extend(pending.take().unwrap_or_default());
            for constant in crate::dify::vector::constants() {
                values.push(constant);
            }
            Public::new(values)
        })
    };
    if out.is_empty() && !named && strings.iter().all(|s| scan_lazily(s, &public).is_none()) {
        return out;
    }
    in_order(artifacts, public())
}

/// The first walk of [`scan`]: every string of `value` to `f` with the
/// keys one and two steps up its path ([`key`]: `""` for an index), which
/// is all [`is_derived`] and [`judged`] read, so no path is kept. Whether
/// rule 2 finds a variable in it ([`document_rules`] says which).
fn gather<'a>(
    value: &'a Value,
    k1: &'a str,
    k2: &'a str,
    f: &mut impl FnMut(&'a str, &'a str, &'a str),
) -> bool {
    match value {
        Value::String(s) => {
            f(k1, k2, s);
            false
        }
        Value::Object(map) => {
            let mut found = false;
            for (k, v) in map {
                found |= gather(v, k, k1, f);
            }
            found
        }
        Value::Array(items) => {
            let mut found = k1 == "env" && items.iter().any(literal_secret_variable);
            for v in items {
                found |= gather(v, "", k1, f);
            }
            found
        }
        _ => false,
    }
}

/// Rule 2 on one item of an `env` list.
fn literal_secret_variable(item: &Value) -> bool {
    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
    item.get("value")
        .is_some_and(|v| looks_secret(name) && is_literal(v) && !sign_in_word(name, v))
}

/// The findings of every rule, artifact by artifact and field by field.
fn in_order(artifacts: &[Artifact], public: &Public) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in artifacts {
        let path = a.path.as_str();
        let mut strings = |at: &[Segment], s: &str, out: &mut Vec<Diagnostic>| {
            if let Some(found) = Some(s)
                .filter(|s| judged(at, s))
                .and_then(|s| judge(s, public))
            {
                let at = format!("#{}", pointer(at));
                out.push(high_entropy(path, &at, found, "value"));
            }
        };
        match &a.content {
            Content::Object(doc) => {
                object_rules(path, doc, &mut out);
                document_rules(path, doc, &mut out, &mut strings);
            }
            Content::Yaml(doc) | Content::Json(doc) => {
                document_rules(path, doc, &mut out, &mut strings);
            }
            Content::Text(text) => {
                for (i, line) in text.lines().enumerate() {
                    if let Some(found) = judge(line, public) {
                        out.push(high_entropy(path, &format!(":{}", i + 1), found, "line"));
                    }
                }
            }
        }
    }
    out
}

/// The key of the value `i` steps up the path (1: its own), if a key.
fn key<'a>(at: &[Segment<'a>], i: usize) -> &'a str {
    match at.len().checked_sub(i).map(|i| at[i]) {
        Some(Segment::Key(k)) => k,
        _ => "",
    }
}

/// The names and label values dify-gen gave its objects (the value's key
/// `k1`, its parent's `k2`): derived from the release name and image tags
/// by `crate::names`, public like them.
fn is_derived_by(k1: &str, k2: &str) -> bool {
    (k1 == "name" && k2 == "metadata") || k2 == "labels" || k2 == "matchLabels"
}

/// Whether rule 3 judges the string: an image reference is public by
/// nature (pinned tags such as `17.6-spock5.0.0-standard-12` have the
/// entropy of a key), and a string too short for a token without `@` or
/// `:` cannot hold a secret.
fn judged(at: &[Segment], s: &str) -> bool {
    judged_by(key(at, 1), s)
}

/// [`judged`] of a string whose key is `k1`.
fn judged_by(k1: &str, s: &str) -> bool {
    k1 != "image" && may_hold_secret(s)
}

/// Rules 1 and 2 for the kinds that carry data: Secrets and ConfigMaps.
fn object_rules(path: &str, doc: &Value, out: &mut Vec<Diagnostic>) {
    let kind = doc.get("kind").and_then(Value::as_str);
    if kind == Some("Secret") {
        for field in ["data", "stringData"] {
            if doc
                .get(field)
                .is_some_and(|d| d.as_object().is_some_and(|m| !m.is_empty()))
            {
                out.push(
                    Diagnostic::error(
                        codes::S_SECRET_OBJECT,
                        format!("`{path}` is a Secret with `{field}`: dify-gen must not write secret values"),
                    )
                    .path(format!("{path}#/{field}")),
                );
            }
        }
    }
    if kind == Some("ConfigMap") {
        if let Some(data) = doc.get("data").and_then(Value::as_object) {
            for (key, value) in data {
                if looks_secret(key) && is_literal(value) && !sign_in_word(key, value) {
                    out.push(named(
                        path,
                        &format!("/data/{key}"),
                        &format!("ConfigMap key `{key}`"),
                    ));
                }
            }
        }
    }
}

/// A fixed word that tells a store to sign in another way, in a variable
/// named like a key (`AZURE_BLOB_ACCOUNT_KEY=managedidentity`): dify-gen's
/// own constant from the catalogue, not a credential.
fn sign_in_word(name: &str, value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|v| crate::dify::storage::is_sign_in_word(name, v))
}

/// Rule 2 anywhere in a document (`env` lists), and every string with its
/// path to `strings` (rule 3).
fn document_rules<'a>(
    path: &str,
    doc: &'a Value,
    out: &mut Vec<Diagnostic>,
    strings: &mut impl FnMut(&[Segment<'a>], &'a str, &mut Vec<Diagnostic>),
) {
    walk(doc, &mut Vec::new(), &mut |at, value| match value {
        Value::Array(items) if key(at, 1) == "env" => {
            for (i, item) in items.iter().enumerate() {
                if literal_secret_variable(item) {
                    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                    out.push(named(
                        path,
                        &format!("{}/{i}/value", pointer(at)),
                        &format!("variable `{name}`"),
                    ));
                }
            }
        }
        Value::String(s) => strings(at, s, out),
        _ => {}
    });
}

/// `at` follows the path: `#/json/pointer` in a document, `:line` in text.
/// The message says where in the value the suspect is, never what it is.
fn high_entropy(path: &str, at: &str, found: Suspect, within: &str) -> Diagnostic {
    Diagnostic::error(
        codes::S_HIGH_ENTROPY,
        format!(
            "`{path}` contains {} (characters {}-{} of the {within}; not shown)",
            found.why.describe(),
            found.start + 1,
            found.start + found.len,
        ),
    )
    .path(format!("{path}{at}"))
    .help("reference the value from a Secret (`secretEnv`) instead of writing it")
}

fn named(path: &str, pointer: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        codes::S_PLAINTEXT_SECRET,
        format!("`{path}`: {what} carries a literal value"),
    )
    .path(format!("{path}#{pointer}"))
    .help("take it from a Secret with a `secretKeyRef`")
}

/// One step of the path to a value: a map key or a sequence index.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The JSON pointer of a path, built only for a finding.
fn pointer(at: &[Segment]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for segment in at {
        match segment {
            Segment::Key(k) if k.contains(['~', '/']) => {
                out.push('/');
                out.push_str(&k.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Key(k) => {
                out.push('/');
                out.push_str(k);
            }
            Segment::Index(i) => write!(out, "/{i}").expect("writing to a String"),
        }
    }
    out
}

/// Calls `f` with the path of every value in `value` (a render has tens of
/// thousands of values: one stack of segments, no string per value).
fn walk<'a>(
    value: &'a Value,
    at: &mut Vec<Segment<'a>>,
    f: &mut impl FnMut(&[Segment<'a>], &'a Value),
) {
    f(at, value);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(Segment::Key(k));
                walk(v, at, f);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Segment::Index(i));
                walk(v, at, f);
                at.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn artifact(doc: Value) -> Artifact {
        Artifact {
            family: "kubernetes",
            path: "kubernetes/x.yaml".into(),
            content: Content::Object(doc),
        }
    }

    #[test]
    fn literal_secret_env_is_refused() {
        let doc = json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
            {"name": "api", "env": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "r", "key": "p"}}},
                {"name": "CELERY_SENTINEL_PASSWORD", "value": "$(REDIS_PASSWORD)"}
            ]}
        ]}}}});
        let found = scan(&[artifact(doc)], &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, codes::S_PLAINTEXT_SECRET);
        assert!(found[0].message.contains("DB_PASSWORD"));
    }

    #[test]
    fn image_references_are_public() {
        let doc = json!({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [
            {"name": "postgres", "image": "ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-12"}
        ]}}}});
        assert!(scan(&[artifact(doc)], &[]).is_empty());
    }

    /// Strings are judged once each, but every place a secret sits is
    /// reported, in the order of the artifacts and their fields; short
    /// strings with `@` or `:` are still judged.
    #[test]
    fn every_occurrence_is_reported_in_order() {
        let key = "Xy7kQ2mP9vL4tR8wZ3nBqT";
        let doc = |n: &str| {
            json!({"kind": "Deployment", "metadata": {"name": n, "labels": {"app": "dify"}},
            "spec": {"args": [key, "u:p@db"], "template": {"spec": {"containers": [
                {"name": "api", "image": key, "env": [{"name": "DB_PASSWORD", "value": "x"}]}
            ]}}}})
        };
        let found = scan(&[artifact(doc("a")), artifact(doc("b"))], &[]);
        let at: Vec<(&str, String)> = found
            .iter()
            .map(|d| (d.code, d.path.clone().unwrap_or_default()))
            .collect();
        let x = "kubernetes/x.yaml#";
        let one = [
            (codes::S_HIGH_ENTROPY, format!("{x}/spec/args/0")),
            (codes::S_HIGH_ENTROPY, format!("{x}/spec/args/1")),
            (
                codes::S_PLAINTEXT_SECRET,
                format!("{x}/spec/template/spec/containers/0/env/0/value"),
            ),
        ];
        assert_eq!(at, [one.clone(), one].concat());
    }

    /// What [`gather`] gives (each string with its two keys, in order, and
    /// whether rule 2 finds a variable) is what the walk with the path
    /// gives, on the full render of the profiles and examples and on
    /// documents with literal, referenced and sign-in-word variables.
    #[test]
    fn gather_agrees_with_the_walk_by_path() {
        let mut docs = vec![
            json!({"env": [{"name": "DB_PASSWORD", "value": "x"}]}),
            json!({"a": {"env": [{"name": "DB_PASSWORD", "value": "$(X)"}, {"name": "A", "value": "b"}]}}),
            json!({"env": [{"name": "AZURE_BLOB_ACCOUNT_KEY", "value": "managedidentity"}]}),
            json!([{"env": [{"name": "API_KEY", "value": 1}]}, {"labels": {"a": "b"}}]),
            json!({"env": {"name": "DB_PASSWORD", "value": "x"}}),
            json!("top"),
        ];
        for dir in ["profiles", "examples"] {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path().display().to_string();
                if !path.ends_with(".yaml") {
                    continue;
                }
                let mut sources = crate::source::Sources::default();
                let Ok(loaded) = crate::pipeline::checked(&[path], &[], &mut sources) else {
                    continue;
                };
                let plan = crate::plan::Plan::new(&loaded.topology);
                for a in crate::render::render_with(&plan, crate::render::FAMILIES) {
                    if let Content::Object(v) | Content::Yaml(v) | Content::Json(v) = a.content {
                        docs.push(v);
                    }
                }
            }
        }
        assert!(docs.len() > 200, "{}", docs.len());
        for doc in &docs {
            let mut fast = Vec::new();
            let found = gather(doc, "", "", &mut |k1, k2, s| fast.push((k1, k2, s)));
            let (mut slow, mut out) = (Vec::new(), Vec::new());
            document_rules("x", doc, &mut out, &mut |at, s, _| {
                slow.push((key(at, 1), key(at, 2), s));
            });
            assert_eq!(fast, slow);
            assert_eq!(found, !out.is_empty(), "{doc}");
        }
    }

    #[test]
    fn secret_objects_and_config_maps() {
        let secret = json!({"kind": "Secret", "stringData": {"a": "b"}});
        let cm = json!({"kind": "ConfigMap", "data": {"SMTP_PASSWORD": "x", "LOG_LEVEL": "INFO"}});
        let found = scan(&[artifact(secret), artifact(cm)], &[]);
        let codes: Vec<_> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::S_SECRET_OBJECT, codes::S_PLAINTEXT_SECRET]);
    }
}
