//! What looks like a secret, wherever dify-gen looks: variable names that
//! hold secrets in Dify and its dependencies, values written out rather
//! than referenced, and high-entropy tokens.
//!
//! One module for both ends of the pipeline: the topology check refuses a
//! secret-looking `env` entry at its line, and the output firewall
//! (`render::firewall`) refuses any rendered artifact that carries one, by
//! the same rules.

use serde_json::Value;

/// Substrings of variable names that hold secrets in Dify and its deps.
const SECRET_MARKERS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "DSN",
];

pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_MARKERS.iter().any(|m| upper.contains(m)) || upper.ends_with("_KEY")
}

/// Shortest token the entropy rule looks at.
pub const MIN_TOKEN: usize = 20;
/// Shannon entropy per character above which a token counts as random.
pub const MIN_ENTROPY: f64 = 4.0;

/// A value written out, not composed from `$(VAR)` references alone.
pub fn is_literal(value: &Value) -> bool {
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
    if is_host_name(token)
        || is_generated_name(token)
        || is_address_setting(token)
        || is_camel_case_words(token)
        || is_word_list(token)
    {
        return false;
    }
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

/// A DNS name with at least three labels, as after `http:` in a URL
/// (`//dify-etcd-0.dify-etcd-headless.dify.svc.cluster.local`). Random keys
/// have no dots, and generated names are lowercase.
fn is_host_name(token: &str) -> bool {
    // `//` after `http:`, `-` after a shell default (`${VAR:-host:port}`).
    let name = token.trim_start_matches(['/', '-']);
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 3
        && labels.iter().all(|l| {
            // A label may start with a digit (a namespace `0dify`).
            l.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Words joined in CamelCase (`DifyPostgresReplicationLag`,
/// `DifyEtcdQuorumAtRisk`): letters only, a capital first, and lowercase
/// runs of three letters on average. Alert and type names look like this;
/// random letters change case every two letters on average.
fn is_camel_case_words(token: &str) -> bool {
    let bytes = token.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase)
        || !bytes.iter().all(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let runs: Vec<usize> = token
        .split(|c: char| c.is_ascii_uppercase())
        .map(str::len)
        .filter(|n| *n > 0)
        .collect();
    !runs.is_empty() && runs.iter().sum::<usize>() >= 3 * runs.len()
}

/// Words (all lowercase or all capitals) joined by `_`, `-`, `=`, `.` or `/`, with at most
/// short (three-character) tokens between them: `db1=triggered_workflow_dispatcher`,
/// `kube_pod_container_status_restarts_total`. Random keys have long
/// mixed segments.
fn is_word_list(token: &str) -> bool {
    token.split(['_', '-', '=', '.', '/']).all(|w| {
        w.len() <= 3
            || w.bytes().all(|b| b.is_ascii_lowercase())
            || w.bytes().all(|b| b.is_ascii_uppercase())
    })
}

/// A name with a short content digest, the way generated objects are named
/// (`dify-backend-start-1a2b3c4d`): lowercase words and at most one run of
/// up to 12 hex digits, joined by `-`.
fn is_generated_name(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    let word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let digest = |p: &str| {
        (1..=12).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    parts.len() >= 2
        && parts.iter().filter(|p| !word(p)).count() <= 1
        && parts.iter().all(|p| word(p) || digest(p))
}

/// `key=address` (an Ansible host variable): an identifier set to an IP
/// address or a host name.
fn is_address_setting(token: &str) -> bool {
    let Some((key, value)) = token.split_once('=') else {
        return false;
    };
    let identifier = !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    identifier && (value.parse::<std::net::IpAddr>().is_ok() || is_host_name(value))
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

    #[test]
    fn random_keys_are_caught_and_names_are_not() {
        assert!(random_token("sk-9fQ2xLm7RtZ4vBn8KpW3cYh6").is_some());
        assert!(random_token("password=Xy7kQ2mP9vL4tR8wZ3n").is_some());
        assert!(random_token("QmXpLzRtVbNcKwYhGfDs").is_some());
        assert!(random_token("sk_live_4eC39HqLyjWDarjtT1zdp7dc").is_some());
        assert!(random_token("ansible_password=Xy7kQ2mP9vL4tR8wZ3nQ").is_some());
        assert!(random_token("a9f3k2m8q7w1z5x4c6v0-b8n2").is_some());
        for clean in [
            "dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379",
            "http://weaviate.weaviate.svc.cluster.local:8080",
            "topology.kubernetes.io/zone",
            "langgenius/dify-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1",
            "sentinel://:$(REDIS_PASSWORD)@dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379/1",
            "DifyPostgresReplicationLag",
            "DifyContainerOOMKilled",
            "DifyEtcdQuorumAtRisk",
            "db1=triggered_workflow_dispatcher,db1=workflow_based_app_execution",
            "/etc/alertmanager/secrets/dify-alerting/SMTP-PASSWORD",
            "--initial-cluster=dify-etcd-0=http://dify-etcd-0.dify-etcd-headless.dify.svc.cluster.local:2380",
            "SENTINELS=\"${SENTINEL_ADDRESSES:-dify-sentinel-0.dify-sentinel-headless.dify2.svc.cluster.local:26379}\"",
            "dify-sentinel-0.dify-sentinel-headless.0dify.svc.cluster.local:26379",
            "dify-backend-start-1a2b3c4d",
            "node-1 ansible_host=192.168.10.11 zone=zone-a",
        ] {
            assert_eq!(random_token(clean), None, "{clean}");
        }
    }
}
