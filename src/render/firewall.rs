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
//! 3. no string contains a high-entropy token: at least 20 characters of
//!    a key alphabet, several character classes and more than 4 bits of
//!    entropy per character, which random keys have and names, URLs and
//!    hashes of configuration do not. Image digests are exempt.

use super::Artifact;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::checks::inline_secrets::looks_secret;
use serde_json::Value;

/// Shortest token the entropy rule looks at.
pub const MIN_TOKEN: usize = 20;
/// Shannon entropy per character above which a token counts as random.
pub const MIN_ENTROPY: f64 = 4.0;

pub fn scan(artifacts: &[Artifact]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in artifacts {
        let path = a.path();
        if a.doc.get("kind").and_then(Value::as_str) == Some("Secret") {
            for field in ["data", "stringData"] {
                if a.doc
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
        if a.doc.get("kind").and_then(Value::as_str) == Some("ConfigMap") {
            if let Some(data) = a.doc.get("data").and_then(Value::as_object) {
                for (key, value) in data {
                    if looks_secret(key) && is_literal(value) {
                        out.push(named(
                            &path,
                            &format!("/data/{key}"),
                            &format!("ConfigMap key `{key}`"),
                        ));
                    }
                }
            }
        }
        walk(&a.doc, String::new(), &mut |pointer, value| {
            if let Value::Array(items) = value {
                if pointer.ends_with("/env") {
                    for (i, item) in items.iter().enumerate() {
                        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                        if let Some(v) = item.get("value") {
                            if looks_secret(name) && is_literal(v) {
                                out.push(named(
                                    &path,
                                    &format!("{pointer}/{i}/value"),
                                    &format!("variable `{name}`"),
                                ));
                            }
                        }
                    }
                }
            }
            if let Value::String(s) = value {
                if let Some(token) = random_token(s) {
                    out.push(
                        Diagnostic::error(
                            codes::S_HIGH_ENTROPY,
                            format!(
                                "`{path}` contains a string that looks like a key or password (`{}...`)",
                                &token[..6.min(token.len())]
                            ),
                        )
                        .path(format!("{path}#{pointer}"))
                        .help("reference the value from a Secret (`secretEnv`) instead of writing it"),
                    );
                }
            }
        });
    }
    out
}

fn named(path: &str, pointer: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        codes::S_PLAINTEXT_SECRET,
        format!("`{path}`: {what} carries a literal value"),
    )
    .path(format!("{path}#{pointer}"))
    .help("take it from a Secret with a `secretKeyRef`")
}

/// A value written out, not composed from `$(VAR)` references alone.
fn is_literal(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return !value.is_null();
    };
    let mut rest = s.trim();
    while let Some(start) = rest.find("$(") {
        let Some(end) = rest[start..].find(')') else {
            break;
        };
        if !rest[..start].trim().is_empty() {
            return true;
        }
        rest = rest[start + end + 1..].trim_start();
    }
    !rest.trim().is_empty()
}

fn walk(value: &Value, pointer: String, f: &mut impl FnMut(&str, &Value)) {
    f(&pointer, value);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                walk(v, format!("{pointer}/{key}"), f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
}

/// The first token of `s` that looks random, if any.
pub fn random_token(s: &str) -> Option<&str> {
    s.split(|c: char| c.is_whitespace() || ",;\"'()@:`<>[]{}|\\".contains(c))
        .filter(|t| t.len() >= MIN_TOKEN)
        .filter(|t| !is_digest(s, t))
        .find(|t| looks_random(t))
}

/// Hex after `sha256:` is an image or content digest, public by nature.
fn is_digest(s: &str, token: &str) -> bool {
    token.len() == 64
        && token.bytes().all(|b| b.is_ascii_hexdigit())
        && s.contains(&format!("sha256:{token}"))
}

fn looks_random(token: &str) -> bool {
    let alphabet = |c: char| c.is_ascii_alphanumeric() || "+/=_-.~".contains(c);
    if !token.chars().all(alphabet) {
        return false;
    }
    let classes = [
        token.chars().any(|c| c.is_ascii_lowercase()),
        token.chars().any(|c| c.is_ascii_uppercase()),
        token.chars().any(|c| c.is_ascii_digit()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    classes >= 2 && entropy(token) > MIN_ENTROPY
}

/// Shannon entropy of the characters of `s`, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Artifact, Family};
    use serde_json::json;

    fn artifact(doc: Value) -> Artifact {
        Artifact {
            family: Family::Kubernetes,
            file: "x.yaml".into(),
            doc,
        }
    }

    #[test]
    fn random_keys_are_caught_and_names_are_not() {
        assert!(random_token("sk-9fQ2xLm7RtZ4vBn8KpW3cYh6").is_some());
        assert!(random_token("password=Xy7kQ2mP9vL4tR8wZ3n").is_some());
        for clean in [
            "dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379",
            "http://weaviate.weaviate.svc.cluster.local:8080",
            "topology.kubernetes.io/zone",
            "langgenius/dify-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1",
            "sentinel://:$(REDIS_PASSWORD)@dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379/1",
        ] {
            assert_eq!(random_token(clean), None, "{clean}");
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
        let found = scan(&[artifact(doc)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, codes::S_PLAINTEXT_SECRET);
        assert!(found[0].message.contains("DB_PASSWORD"));
    }

    #[test]
    fn secret_objects_and_config_maps() {
        let secret = json!({"kind": "Secret", "stringData": {"a": "b"}});
        let cm = json!({"kind": "ConfigMap", "data": {"SMTP_PASSWORD": "x", "LOG_LEVEL": "INFO"}});
        let found = scan(&[artifact(secret), artifact(cm)]);
        let codes: Vec<_> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::S_SECRET_OBJECT, codes::S_PLAINTEXT_SECRET]);
    }
}
