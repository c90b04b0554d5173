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
use crate::secret_scan::{is_literal, looks_secret, scan as suspect, Public, Suspect};
use serde_json::Value;

/// Scans every artifact; `public` holds the topology's identifier values
/// (`topology::public::values`).
pub fn scan(artifacts: &[Artifact], public: &[String]) -> Vec<Diagnostic> {
    let derived = derived(artifacts);
    let mut values: Vec<&str> = public.iter().map(String::as_str).collect();
    values.extend(derived.iter().map(String::as_str));
    for constant in crate::dify::vector::constants() {
        values.push(constant);
    }
    let public = Public::new(values);
    let mut out = Vec::new();
    for a in artifacts {
        let path = a.path.as_str();
        match &a.content {
            Content::Object(doc) => {
                object_rules(path, doc, &mut out);
                document_rules(path, doc, &public, &mut out);
            }
            Content::Yaml(doc) | Content::Json(doc) => document_rules(path, doc, &public, &mut out),
            Content::Text(text) => {
                for (i, line) in text.lines().enumerate() {
                    if let Some(found) = suspect(line, &public) {
                        out.push(high_entropy(path, &format!(":{}", i + 1), found, "line"));
                    }
                }
            }
        }
    }
    out
}

/// The names and label values dify-gen gave its objects: derived from the
/// release name and image tags by `crate::names`, public like them.
fn derived(artifacts: &[Artifact]) -> Vec<String> {
    let mut out = Vec::new();
    for doc in artifacts.iter().filter_map(Artifact::object_doc) {
        walk(doc, &mut String::new(), &mut |pointer, value| {
            let Value::String(s) = value else { return };
            let field = pointer.rsplit('/').next().unwrap_or_default();
            let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
            if (field == "name" && parent.ends_with("/metadata") || pointer == "/metadata/name")
                || parent.ends_with("/labels")
                || parent.ends_with("/matchLabels")
            {
                out.push(s.clone());
            }
        });
    }
    out.sort();
    out.dedup();
    out
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

/// Rules 2 and 3 anywhere in a document: `env` lists and every string.
fn document_rules(path: &str, doc: &Value, public: &Public, out: &mut Vec<Diagnostic>) {
    walk(doc, &mut String::new(), &mut |pointer, value| {
        if let Value::Array(items) = value {
            if pointer.ends_with("/env") {
                for (i, item) in items.iter().enumerate() {
                    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                    if let Some(v) = item.get("value") {
                        if looks_secret(name) && is_literal(v) && !sign_in_word(name, v) {
                            out.push(named(
                                path,
                                &format!("{pointer}/{i}/value"),
                                &format!("variable `{name}`"),
                            ));
                        }
                    }
                }
            }
        }
        // An image reference is public by nature (pinned tags such as
        // `17.6-spock5.0.0-standard-12` have the entropy of a key).
        if pointer.ends_with("/image") {
            return;
        }
        if let Value::String(s) = value {
            if let Some(found) = suspect(s, public) {
                out.push(high_entropy(path, &format!("#{pointer}"), found, "value"));
            }
        }
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

/// Calls `f` with the JSON pointer of every value in `value`, built in one
/// buffer (a render has tens of thousands of values).
fn walk(value: &Value, pointer: &mut String, f: &mut impl FnMut(&str, &Value)) {
    use std::fmt::Write as _;
    f(pointer, value);
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointer.push('/');
                if k.contains(['~', '/']) {
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                } else {
                    pointer.push_str(k);
                }
                walk(v, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                write!(pointer, "/{i}").expect("writing to a String");
                walk(v, pointer, f);
                pointer.truncate(len);
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

    #[test]
    fn secret_objects_and_config_maps() {
        let secret = json!({"kind": "Secret", "stringData": {"a": "b"}});
        let cm = json!({"kind": "ConfigMap", "data": {"SMTP_PASSWORD": "x", "LOG_LEVEL": "INFO"}});
        let found = scan(&[artifact(secret), artifact(cm)], &[]);
        let codes: Vec<_> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::S_SECRET_OBJECT, codes::S_PLAINTEXT_SECRET]);
    }
}
