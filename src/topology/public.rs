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
use std::borrow::Cow;

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

/// [`FIELDS`] split into their segments, once.
fn patterns() -> &'static [Vec<&'static str>] {
    static SPLIT: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| {
        FIELDS
            .iter()
            .map(|p| p.split('/').skip(1).collect())
            .collect()
    })
}

/// Whether the string at `pointer` is an identifier field.
pub fn is_public(pointer: &str) -> bool {
    // The pointer decoded once, not once per pattern.
    let have: Vec<String> = pointer_segments(pointer).collect();
    is_public_at(&have)
}

/// [`is_public`] of a pointer's decoded segments.
pub fn is_public_at<S: AsRef<str>>(have: &[S]) -> bool {
    patterns().iter().any(|pattern| fits(pattern, have))
}

/// Whether decoded segments match a split pattern (`*` is one segment).
fn fits<S: AsRef<str>>(want: &[&str], have: &[S]) -> bool {
    want.len() == have.len()
        && want
            .iter()
            .zip(have)
            .all(|(w, h)| *w == "*" || *w == h.as_ref())
}

/// Whether `pointer` matches `pattern` (`*` is one segment).
pub fn matches(pattern: &str, pointer: &str) -> bool {
    let want: Vec<&str> = pattern.split('/').skip(1).collect();
    fits(&want, &pointer_segments(pointer).collect::<Vec<_>>())
}

/// Every string of the document, with its pointer, in document order.
pub fn strings(doc: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    each_string(doc, |pointer, _, node| {
        out.push((pointer.to_string(), node))
    });
    out
}

/// Calls `f` with every string of the document in document order: its
/// pointer, the pointer's decoded segments, and the node. One buffer is
/// kept for each, so no pointer is built or decoded twice.
pub fn each_string<'a>(doc: &'a Node, mut f: impl FnMut(&str, &[Cow<'a, str>], &'a Node)) {
    let mut pointer = String::new();
    let mut segments = Vec::new();
    walk(doc, &mut pointer, &mut segments, &mut f);
}

fn walk<'a>(
    node: &'a Node,
    pointer: &mut String,
    segments: &mut Vec<Cow<'a, str>>,
    f: &mut impl FnMut(&str, &[Cow<'a, str>], &'a Node),
) {
    use crate::load::Value;
    let len = pointer.len();
    match &node.value {
        Value::Str(_) => f(pointer, segments, node),
        Value::Map(entries) => {
            for (k, v) in entries {
                pointer.push('/');
                if k.name.contains(['~', '/']) {
                    pointer.push_str(&k.name.replace('~', "~0").replace('/', "~1"));
                } else {
                    pointer.push_str(&k.name);
                }
                segments.push(Cow::Borrowed(k.name.as_str()));
                walk(v, pointer, segments, f);
                segments.pop();
                pointer.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                let index = i.to_string();
                pointer.push('/');
                pointer.push_str(&index);
                segments.push(Cow::Owned(index));
                walk(v, pointer, segments, f);
                segments.pop();
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The values of the identifier fields: what the firewall may see in the
/// output without it being a secret: the strings whose pointer
/// [`is_public`], matched on the walk's decoded segments.
pub fn values(doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    each_string(doc, |_, segments, node| {
        if is_public_at(segments) {
            out.extend(node.as_str().map(str::to_string));
        }
    });
    out
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

    /// The pointers and segments of the walk are the ones the document's
    /// keys and indices spell, `~` and `/` escaped in the pointer only.
    #[test]
    fn strings_carry_their_pointers() {
        let mut sources = crate::source::Sources::default();
        let file = sources.add(
            "t.yaml",
            "a: x\nb: [y, {c/d: z, e~f: w}]\nn: 3\nstorage: {s3: {bucket: q}}\n",
        );
        let doc = crate::load::parse_one(&sources, file, "topology").unwrap();
        let mut seen = Vec::new();
        each_string(&doc, |pointer, segments, node| {
            let decoded: Vec<String> = pointer_segments(pointer).collect();
            assert_eq!(
                decoded,
                segments.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            );
            seen.push((pointer.to_string(), node.as_str().unwrap().to_string()));
        });
        let want = [
            ("/a", "x"),
            ("/b/0", "y"),
            ("/b/1/c~1d", "z"),
            ("/b/1/e~0f", "w"),
            ("/storage/s3/bucket", "q"),
        ];
        assert_eq!(
            seen,
            want.map(|(p, v)| (p.to_string(), v.to_string())).to_vec()
        );
        assert_eq!(values(&doc), ["q"]);
    }
}
