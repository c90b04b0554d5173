//! Container image references, by the grammar registries and the kubelet
//! read (github.com/distribution/reference): `[registry[:port]/]path[:tag][@digest]`.

use super::dns;

/// `ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1`,
/// `redis:8.2`, `localhost:5000/dify/api@sha256:<64 hex>`: lowercase path
/// components of letters and digits joined by `.`, `_`, `__` or `-`, a tag of
/// at most 128 letters, digits, `_`, `.` and `-` (not starting with `.` or
/// `-`), a digest of `algorithm:hex`; 255 characters in all.
pub fn reference(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 255 {
        return Err("must be 1 to 255 characters".into());
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let Some((algorithm, hex)) = d.split_once(':') else {
            return Err("must have a digest `sha256:<hex>` after `@`".into());
        };
        let hex_ok = hex.len() >= 32
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if algorithm.is_empty()
            || !algorithm
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            || !hex_ok
        {
            return Err("must have a digest `sha256:<hex>` after `@`".into());
        }
    }
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].find(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(tag) = tag {
        tag_rule(tag)?;
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        let registry = parts.remove(0);
        let host = match registry.rsplit_once(':') {
            Some((host, port)) => {
                dns::port_number(port).map_err(|why| format!("registry `{registry}` {why}"))?;
                host
            }
            None => registry,
        };
        dns::hostname(host).map_err(|why| format!("registry `{host}` {why}"))?;
    }
    for part in parts {
        component(part)?;
    }
    Ok(())
}

/// The registry an image is pulled from and its path there, as the
/// kubelet resolves a reference: the first part names a registry when it
/// holds a `.` or a `:` or is `localhost`, else the image is on Docker Hub
/// (`docker.io`), whose one-part names live under `library/`.
pub fn registry_and_path(image: &str) -> (&str, String) {
    match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (first, rest.to_string())
        }
        Some(_) => ("docker.io", image.to_string()),
        None => ("docker.io", format!("library/{image}")),
    }
}

/// The prefix images are rewritten onto (`harbor.example.com/proxy`,
/// `registry.internal:5000`): a registry host with an optional port, then
/// path parts as in a reference; no tag, no digest.
pub fn mirror_prefix(s: &str) -> Result<(), String> {
    let s = s.trim_end_matches('/');
    let (registry, path) = s.split_once('/').unwrap_or((s, ""));
    match registry.rsplit_once(':') {
        Some((host, port)) => {
            dns::hostname(host).map_err(|why| format!("registry `{host}` {why}"))?;
            dns::port_number(port).map_err(|why| format!("registry `{registry}` {why}"))?;
        }
        None => dns::hostname(registry).map_err(|why| format!("registry `{registry}` {why}"))?,
    }
    if path.contains([':', '@']) {
        return Err("must be a registry and a path, without a tag or digest".into());
    }
    if path.is_empty() {
        return Ok(());
    }
    path.split('/').try_for_each(component)
}

/// A tag: 1 to 128 letters, digits, `_`, `.`, `-`, starting with a letter,
/// digit or `_`.
pub fn tag_rule(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err("must have a tag of at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`".into())
    }
}

fn component(part: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes: Vec<char> = part.chars().collect();
    let ok = !bytes.is_empty()
        && bytes
            .iter()
            .all(|c| alnum(*c) || matches!(c, '.' | '_' | '-'))
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && !part.contains("..")
        && !part.contains("___")
        && !part.contains("._")
        && !part.contains("_.")
        && !part.contains(".-")
        && !part.contains("-.")
        && !part.contains("_-")
        && !part.contains("-_");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must have lowercase path parts of letters and digits joined by `.`, `_`, `__` or `-` (`{part}` is not one)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_prefixes() {
        for ok in [
            "registry.internal:5000",
            "harbor.example.com/proxy/dockerhub",
            "localhost:5000/",
        ] {
            assert!(mirror_prefix(ok).is_ok(), "{ok}: {:?}", mirror_prefix(ok));
        }
        for bad in ["harbor.example.com/proxy:1.0", "reg:0/x", "a/B", "r.io//x"] {
            assert!(mirror_prefix(bad).is_err(), "{bad}");
        }
        assert_eq!(
            registry_and_path("redis:8"),
            ("docker.io", "library/redis:8".into())
        );
        assert_eq!(
            registry_and_path("localhost:5000/a:1"),
            ("localhost:5000", "a:1".into())
        );
    }

    #[test]
    fn references() {
        for ok in [
            "redis:8.10.2",
            "langgenius/dify-api:1.13.3",
            "ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1",
            "localhost:5000/dify/api:1.0",
            "gcr.io/etcd-development/etcd:v3.6.14",
            "ubuntu/squid:6.6-24.04_beta",
            "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(reference(ok).is_ok(), "{ok}: {:?}", reference(ok));
        }
        for bad in [
            "",
            "Redis:8",
            "redis:8 ",
            "redis:.8",
            "redis:",
            "a//b:1",
            "redis@sha256:xyz",
            "reg:99999/a:1",
            &format!("redis:{}", "1".repeat(129)),
        ] {
            assert!(reference(bad).is_err(), "{bad}");
        }
    }
}
