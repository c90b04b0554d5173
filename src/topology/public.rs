//! The topology's identifier fields: names, hosts, buckets, images, Secret
//! references. They are public by nature (anyone who can list the objects
//! sees them), so the secret rules do not judge them by entropy: a bucket
//! called `dify-files-production-us-east-1-2025` is not a key. Every other
//! string (an `env` value, a PostgreSQL parameter, a probe command, and any
//! field added later until it is listed here) is judged.
//!
//! The topology check (`checks::inline_secrets`) skips these fields; the
//! output firewall masks their values (and the names dify-gen derives from
//! them) out of what it scans. URL credentials are refused in every field,
//! listed or not.

use crate::load::Node;
use crate::source::pointer_segments;

/// Identifier fields, as JSON pointers; `*` matches one segment.
const FIELDS: &[&str] = &[
    "/apiVersion",
    "/kind",
    "/profile",
    "/metadata/*",
    "/zones/*",
    "/images/*",
    "/ingress/host",
    "/ingress/className",
    "/ingress/tls/secretName",
    "/ingress/gateway/*",
    "/storage/s3/endpoint",
    "/storage/s3/region",
    "/storage/s3/bucket",
    "/storage/s3/pluginBucket",
    "/storage/s3/*/name",
    "/storage/s3/*/key",
    "/storage/*/endpoint",
    "/storage/*/region",
    "/storage/*/bucket",
    "/storage/*/pluginBucket",
    "/storage/*/accountName",
    "/storage/*/path",
    "/backup/repositories/*/endpoint",
    "/backup/repositories/*/region",
    "/backup/repositories/*/bucket",
    "/backup/repositories/*/path",
    "/backup/repositories/*/account",
    "/backup/repositories/*/*/name",
    "/backup/repositories/*/*/key",
    "/vectorStore/endpoint",
    "/vectorStore/grpcEndpoint",
    "/vectorStore/apiKey/*",
    "/postgres/database",
    "/postgres/pluginDatabase",
    "/postgres/username",
    "/postgres/password/*",
    "/postgres/external/host",
    "/postgres/external/sslMode",
    "/postgres/patroni/*/name",
    "/postgres/patroni/*/key",
    "/postgres/patroni/storage/className",
    "/etcd/storage/className",
    "/redis/password/*",
    "/redis/sentinel/masterSet",
    "/redis/sentinel/storage/className",
    "/redis/external/host",
    "/redis/external/sentinels/*",
    "/redis/external/masterSet",
    "/secrets/*/name",
    "/secrets/*/key",
    "/secrets/externalSecrets/storeName",
    "/secrets/externalSecrets/remoteKeyPrefix",
    "/dify/workerQueues/*",
    "/components/*/secretEnv/*/name",
    "/components/*/secretEnv/*/key",
    "/components/*/nodeSelector/*",
    "/nodes/*/name",
    "/nodes/*/zone",
    "/hosts/*/name",
    "/hosts/*/address",
    "/hosts/*/zone",
    "/hostSetup/timeSources/*",
    "/hostSetup/sshAllowUsers/*",
    "/hostSetup/ansibleUser",
    "/swarm/edgeImage",
    "/swarm/postgresProxyImage",
    "/consul/tags/*",
];

/// Whether the string at `pointer` is an identifier field.
pub fn is_public(pointer: &str) -> bool {
    // The pointer decoded once, not once per pattern.
    let have: Vec<String> = pointer_segments(pointer).collect();
    FIELDS.iter().any(|pattern| fits(pattern, &have))
}

/// Whether decoded segments match `pattern` (`*` is one segment).
fn fits(pattern: &str, have: &[String]) -> bool {
    let mut want = pattern.split('/').skip(1);
    let mut have = have.iter();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w == "*" || w == h => {}
            _ => return false,
        }
    }
}

/// Whether `pointer` matches `pattern` (`*` is one segment).
pub fn matches(pattern: &str, pointer: &str) -> bool {
    fits(pattern, &pointer_segments(pointer).collect::<Vec<_>>())
}

/// Every string of the document, with its pointer, in document order.
pub fn strings(doc: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    walk(doc, String::new(), &mut out);
    out
}

fn walk<'a>(node: &'a Node, pointer: String, out: &mut Vec<(String, &'a Node)>) {
    use crate::load::Value;
    match &node.value {
        Value::Str(_) => out.push((pointer, node)),
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.name.replace('~', "~0").replace('/', "~1");
                walk(v, format!("{pointer}/{key}"), out);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The values of the identifier fields: what the firewall may see in the
/// output without it being a secret. The strings whose pointer
/// [`is_public`], found by matching the path of keys as the walk goes
/// rather than by writing and decoding a pointer for every string.
pub fn values(doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    public_strings(doc, &mut Vec::new(), &mut out);
    out
}

/// `at`: the keys down to `node`, `None` for a sequence index (no field
/// pattern names an index).
fn public_strings<'a>(node: &'a Node, at: &mut Vec<Option<&'a str>>, out: &mut Vec<String>) {
    use crate::load::Value;
    match &node.value {
        Value::Str(s) if FIELDS.iter().any(|pattern| fits_keys(pattern, at)) => {
            out.push(s.clone());
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                at.push(Some(&k.name));
                public_strings(v, at, out);
                at.pop();
            }
        }
        Value::Seq(items) => {
            for v in items {
                at.push(None);
                public_strings(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// [`fits`] for a path of keys.
fn fits_keys(pattern: &str, at: &[Option<&str>]) -> bool {
    let mut want = pattern.split('/').skip(1);
    let mut have = at.iter();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some("*"), Some(_)) => {}
            (Some(w), Some(Some(h))) if w == *h => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_strings_at_public_pointers() {
        for profile in ["ha", "dev"] {
            let mut sources = crate::source::Sources::default();
            let text = std::fs::read_to_string(format!("profiles/{profile}.yaml")).unwrap();
            let file = sources.add_profile(profile, text);
            let doc = crate::load::parse_one(&sources, file, "profile").unwrap();
            let want: Vec<String> = strings(&doc)
                .into_iter()
                .filter(|(p, _)| is_public(p))
                .filter_map(|(_, n)| n.as_str().map(str::to_string))
                .collect();
            assert!(want.len() > 10, "{profile}");
            assert_eq!(values(&doc), want, "{profile}");
        }
    }

    #[test]
    fn patterns() {
        assert!(is_public("/storage/s3/bucket"));
        assert!(is_public("/components/api/secretEnv/OPENAI_API_KEY/name"));
        assert!(is_public("/images/api"));
        assert!(!is_public("/components/api/env/OPENAI_API_KEY"));
        assert!(!is_public("/postgres/patroni/parameters/shared_buffers"));
        assert!(!is_public("/storage/s3"));
    }
}
