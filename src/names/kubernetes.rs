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
    // One pass over the bytes says yes; only a refused value takes the
    // slower path, which says why.
    if is_label_value(s.as_bytes()) {
        return Ok(());
    }
    label_value_reasons(s)
}

/// Whether [`label_value`] accepts `s`, in one pass over its bytes.
fn is_label_value(s: &[u8]) -> bool {
    let (Some(first), Some(last)) = (s.first(), s.last()) else {
        return true;
    };
    s.len() <= 63
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && s.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// [`label_value`] check by check, with the reason for a refusal.
fn label_value_reasons(s: &str) -> Result<(), String> {
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
    // The first `/`, as `split_once` finds it, without its char searcher.
    let (prefix, name) = match s.bytes().position(|b| b == b'/') {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
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

    /// The one-pass check says yes exactly where the check-by-check one does.
    #[test]
    fn fast_label_value_agrees_with_the_reasons() {
        let edges = [
            "a".repeat(63),
            "a".repeat(64),
            format!("a{}a", "-".repeat(61)),
        ];
        for s in crate::names::dns::tests::strings(b"aZ0-_./", 5)
            .into_iter()
            .chain(edges)
        {
            assert_eq!(
                is_label_value(s.as_bytes()),
                label_value_reasons(&s).is_ok(),
                "{s:?}"
            );
        }
    }
}
