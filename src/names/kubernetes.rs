//! Kubernetes names by what they name, as the API server validates them
//! (apimachinery `validation.go`): object names per kind, label keys and
//! values, port names, and the keys of a Secret or ConfigMap; and the
//! lengths beyond the formats that controllers need: a StatefulSet's pods
//! carry the label `controller-revision-hash: <name>-<10 characters>`, so a
//! StatefulSet named longer than 52 characters is accepted but can never
//! create a pod; a Job's pods carry `job-name: <name>` (63); a CronJob's
//! Jobs are named `<name>-<11 digits>` (52, enforced by the API server).

use super::dns;

/// An RFC 1123 label (Namespace, Service, container and volume names) and a
/// label value.
pub const DNS_LABEL_MAX: usize = 63;
/// An RFC 1123 subdomain (most object names).
pub const DNS_SUBDOMAIN_MAX: usize = 253;
/// StatefulSets and CronJobs: see the module comment.
pub const CONTROLLER_NAME_MAX: usize = 52;
/// An IANA service name: container and Service port names.
pub const PORT_NAME_MAX: usize = 15;

/// The longest name an object of `kind` may have and still work: the
/// API server's limit, or the lower one its controller needs.
pub fn max_len(kind: &str) -> usize {
    match kind {
        "StatefulSet" | "CronJob" => CONTROLLER_NAME_MAX,
        // Pods of a Job are labelled `job-name: <name>`; Services and
        // Namespaces are DNS labels.
        "Job" | "Service" | "Namespace" => DNS_LABEL_MAX,
        _ => DNS_SUBDOMAIN_MAX,
    }
}

/// Why the limit of [`max_len`] exists, for messages.
pub fn limit_reason(kind: &str) -> &'static str {
    match kind {
        "StatefulSet" => "its pods' `controller-revision-hash` label adds 11 characters to it",
        "CronJob" => "the Jobs it creates add 11 characters to it",
        "Job" => "its pods carry it in the `job-name` label",
        "Service" | "Namespace" => "it must be a DNS label",
        _ => "it must be a DNS subdomain",
    }
}

/// An object name for its kind: DNS labels for Namespaces, RFC 1035 labels
/// for Services, path segments for RBAC objects, DNS subdomains otherwise
/// (Secrets, ConfigMaps, StorageClasses, IngressClasses, Gateways, ...).
pub fn object_name(kind: &str, name: &str) -> Result<(), String> {
    match kind {
        "Namespace" => dns::label(name),
        "Service" => dns::label_1035(name),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => path_segment(name),
        _ => dns::subdomain(name),
    }
}

/// A path segment name (RBAC objects): no `/` or `%`, not `.` or `..`.
pub fn path_segment(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '%']) {
        Err("must be a path segment (no `/` or `%`, not `.` or `..`)".into())
    } else {
        Ok(())
    }
}

/// A key in a Secret's or ConfigMap's data: letters, digits, `-`, `_` and
/// `.`, at most 253 characters, not `.` or `..`.
pub fn data_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("must contain only letters, digits, `-`, `_` and `.`".into());
    }
    if key == "." || key == ".." {
        return Err("must not be `.` or `..`".into());
    }
    Ok(())
}

/// IANA service name (container and Service port names): at most 15
/// characters, lowercase letters, digits and `-`, at least one letter, no
/// leading, trailing or double `-`.
pub fn port_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 15 {
        return Err("must be 1 to 15 characters".into());
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("must contain only lowercase letters, digits and `-`".into());
    }
    if !s.chars().any(|c| c.is_ascii_lowercase()) {
        return Err("must contain at least one letter".into());
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err("must not start or end with `-` or contain `--`".into());
    }
    Ok(())
}

/// Label value: empty, or at most 63 characters of letters, digits, `-`,
/// `_` and `.`, starting and ending with a letter or digit.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if s.len() > 63 {
        return Err("must be at most 63 characters".into());
    }
    let an = |c: char| c.is_ascii_alphanumeric();
    if !s.chars().all(|c| an(c) || matches!(c, '-' | '_' | '.')) {
        return Err("must contain only letters, digits, `-`, `_` and `.`".into());
    }
    if !s.starts_with(an) || !s.ends_with(an) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// Label key (a qualified name): an optional DNS subdomain prefix and `/`,
/// then a name of at most 63 letters, digits, `-`, `_` and `.` that starts
/// and ends with a letter or digit.
pub fn label_key(s: &str) -> Result<(), String> {
    // Most keys are valid: one pass over the bytes says so; only a key it
    // refuses is checked again for the reason.
    if is_label_key(s.as_bytes()) {
        return Ok(());
    }
    label_key_why(s)
}

/// Whether [`label_key_why`] accepts a key, in one pass over its bytes.
fn is_label_key(s: &[u8]) -> bool {
    let lower_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (prefix, name) = match s.iter().position(|&b| b == b'/') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (&s[..0], s),
    };
    if prefix.len() > 253 || (prefix.is_empty() && name.len() < s.len()) {
        return false;
    }
    // Each `.`-separated part of the prefix: 1 to 63 bytes of lower case
    // letters, digits and `-`, with a letter or digit at both ends.
    let mut part = 0;
    for (i, &b) in prefix.iter().enumerate() {
        match b {
            b'.' => {
                if part == 0 || !lower_alnum(prefix[i - 1]) {
                    return false;
                }
                part = 0;
            }
            b'-' if part > 0 => part += 1,
            _ if lower_alnum(b) => part += 1,
            _ => return false,
        }
        if part > 63 {
            return false;
        }
    }
    if !prefix.is_empty() && (part == 0 || !lower_alnum(prefix[prefix.len() - 1])) {
        return false;
    }
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    !name.is_empty()
        && name.len() <= 63
        && name.first().is_some_and(alnum)
        && name.last().is_some_and(alnum)
        && name
            .iter()
            .all(|b| alnum(b) || matches!(b, b'-' | b'_' | b'.'))
}

/// [`label_key`] with the reason a key is refused.
fn label_key_why(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        dns::subdomain(prefix).map_err(|why| format!("prefix before `/` {why}"))?;
    }
    if name.is_empty() {
        return Err("must have a name (after any `prefix/`)".into());
    }
    label_value(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(port_name("http").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("http-metrics-port").is_err());
        assert!(label_value("v1.2_3").is_ok());
        assert!(label_value("-x").is_err());
        assert!(object_name("ClusterRole", "system:aggregate-to-view").is_ok());
        assert!(object_name("Secret", "/").is_err());
        assert!(object_name("Service", "1api").is_err());
        assert!(data_key("tls.crt").is_ok());
        assert!(data_key("..").is_err());
        assert!(data_key("a/b").is_err());
        assert!(label_key("topology.kubernetes.io/zone").is_ok());
        assert!(label_key("node-pool").is_ok());
        assert!(label_key("Example.com/pool").is_err());
        assert!(label_key("example.com/").is_err());
    }

    /// The one-pass check accepts exactly the keys the detailed one does.
    #[test]
    fn label_key_fast_path_agrees() {
        // Every string of up to four of these characters, and the limits.
        let alphabet = ["a", "Q", "0", "-", "_", ".", "/", "é", " "];
        let mut short = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = short
                .iter()
                .filter(|s| s.chars().count() == short.last().unwrap().chars().count())
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            short.extend(longer);
        }
        let mut keys: Vec<String> = vec![
            "app.kubernetes.io/name".into(),
            "a".into(),
            "/".into(),
            "/a".into(),
            "a/".into(),
            "a//b".into(),
            "a-.b/c".into(),
            "a.-b/c".into(),
            "-a/b".into(),
            "a-/b".into(),
            ".a/b".into(),
            "a./b".into(),
            format!("{}/a", "a".repeat(63)),
            format!("{}/a", "a".repeat(64)),
            format!(
                "{}/a",
                [
                    "a".repeat(63),
                    "b".repeat(63),
                    "c".repeat(63),
                    "d".repeat(61)
                ]
                .join(".")
            ),
            format!(
                "{}/a",
                [
                    "a".repeat(63),
                    "b".repeat(63),
                    "c".repeat(63),
                    "d".repeat(62)
                ]
                .join(".")
            ),
            "a".repeat(63),
            "a".repeat(64),
        ];
        keys.extend(short);
        for key in keys {
            assert_eq!(
                is_label_key(key.as_bytes()),
                label_key_why(&key).is_ok(),
                "{key:?}"
            );
        }
    }
}
