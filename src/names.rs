//! Kubernetes' rules for names, in one place: the formats the API server
//! checks, the length limits that controllers add on top of them, and the
//! deterministic shortening dify-gen applies to every name it derives.
//!
//! Shared by `topology` (names the user writes, checked at their line),
//! `plan` (every object name and label value a renderer uses is built here)
//! and `validate` (`dify-gen validate` reports an over-long name in any
//! manifest by the same limits), so the three can never disagree.
//!
//! Why limits beyond the formats: a StatefulSet's pods carry the label
//! `controller-revision-hash: <name>-<10 characters>`, so a StatefulSet
//! named longer than 52 characters is accepted but can never create a pod;
//! a Job's pods carry `job-name: <name>` (63); a CronJob's Jobs are named
//! `<name>-<11 digits>` (52, enforced by the API server).

use sha2::{Digest, Sha256};

/// An RFC 1123 label (Namespace, Service, container and volume names) and a
/// label value.
pub const DNS_LABEL_MAX: usize = 63;
/// An RFC 1123 subdomain (most object names).
pub const DNS_SUBDOMAIN_MAX: usize = 253;
/// StatefulSets and CronJobs: see the module comment.
pub const CONTROLLER_NAME_MAX: usize = 52;
/// An IANA service name: container and Service port names.
pub const PORT_NAME_MAX: usize = 15;
/// Hex digits of the hash suffix a shortened name ends with.
const HASH_DIGITS: usize = 8;

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

/// `name` if it fits in `max` characters; otherwise its first characters
/// and `-` and a hash of the whole name, `max` long. The same input always
/// gives the same name, and two names that differ anywhere stay apart.
/// The result keeps `name`'s alphabet (lowercase letters, digits, `-`).
pub fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = hash(name);
    let keep = max.saturating_sub(HASH_DIGITS + 1);
    // Names are ASCII (they have passed a DNS or label format); cut on a
    // character boundary anyway, and never leave `-`, `.` or `_` before the
    // separator.
    let mut end = keep.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let head = name[..end].trim_end_matches(['-', '.', '_']);
    if head.is_empty() {
        return hash[..max.min(hash.len())].to_string();
    }
    format!("{head}-{hash}")
}

fn hash(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    digest
        .iter()
        .take(HASH_DIGITS / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An object name `<release>-<parts...>` for `kind`, within its limit.
pub fn object(kind: &str, release: &str, parts: &[&str]) -> String {
    let mut name = release.to_string();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        name.push('-');
        name.push_str(part);
    }
    shorten(&name, max_len(kind).min(DNS_LABEL_MAX))
}

/// Any text (an image tag: `1.13.3`, `v2_RC+build.7`) as a DNS label
/// fragment: lowercase, every character outside `[a-z0-9-]` turned into
/// `-`, runs of `-` folded, no `-` at either end. Empty for text with no
/// letter or digit.
pub fn dns_fragment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Any text as a label value: characters outside `[A-Za-z0-9-_.]` become
/// `-`, it starts and ends with a letter or digit, and it is at most 63
/// characters (shortened with a hash suffix).
pub fn label_value(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.len() <= DNS_LABEL_MAX {
        return trimmed.to_string();
    }
    // Hash the original, so that two long values differing only in
    // characters that were replaced still get different labels.
    let head_len = DNS_LABEL_MAX - HASH_DIGITS - 1;
    let head = trimmed[..head_len].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    format!("{head}-{}", hash(text))
}

/// A port name within the IANA limit of 15 characters.
pub fn port(name: &str) -> String {
    shorten(name, PORT_NAME_MAX)
}

fn alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: at most 63 characters, lowercase letters, digits and
/// `-`, starting and ending with a letter or digit.
pub fn dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > DNS_LABEL_MAX {
        return Err("must be 1 to 63 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-') {
        return Err("must contain only lowercase letters, digits and `-`".into());
    }
    if !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Err("must start and end with a lowercase letter or digit".into());
    }
    Ok(())
}

/// RFC 1035 label: an RFC 1123 label that starts with a letter.
pub fn dns_1035_label(s: &str) -> Result<(), String> {
    dns_label(s)?;
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a lowercase letter".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > DNS_SUBDOMAIN_MAX {
        return Err("must be 1 to 253 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-' || c == '.') {
        return Err("must contain only lowercase letters, digits, `-` and `.`".into());
    }
    if s.split('.')
        .any(|l| l.is_empty() || !l.starts_with(alnum) || !l.ends_with(alnum))
    {
        return Err(
            "each `.`-separated part must start and end with a lowercase letter or digit".into(),
        );
    }
    Ok(())
}

/// IANA service name: at most 15 characters, lowercase letters, digits and
/// `-`, at least one letter, no leading, trailing or double `-`.
pub fn port_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > PORT_NAME_MAX {
        return Err("must be 1 to 15 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || c == '-') {
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
pub fn label_value_format(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if s.len() > DNS_LABEL_MAX {
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

/// A label or annotation key: an optional DNS-subdomain prefix and `/`,
/// then a name of at most 63 letters, digits, `-`, `_` and `.`, starting
/// and ending with a letter or digit.
pub fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        dns_subdomain(p).map_err(|why| format!("prefix `{p}` {why}"))?;
    }
    if name.is_empty() {
        return Err("the name part must not be empty".into());
    }
    label_value_format(name).map_err(|why| why.replace("must", "the name part must"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(dns_label("dify-api").is_ok());
        assert!(dns_label("Dify").is_err());
        assert!(dns_label(&"a".repeat(64)).is_err());
        assert!(dns_1035_label("1api").is_err());
        assert!(dns_subdomain("dify.api-1").is_ok());
        assert!(dns_subdomain("dify..api").is_err());
        assert!(port_name("http").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("http-metrics-port").is_err());
        assert!(label_value_format("v1.2_3").is_ok());
        assert!(label_value_format("-x").is_err());
        assert!(qualified_name("app.kubernetes.io/name").is_ok());
        assert!(qualified_name("app.kubernetes.io/").is_err());
        assert!(qualified_name(&format!("x/{}", "a".repeat(64))).is_err());
        assert!(qualified_name("Bad_Prefix/x").is_err());
    }

    #[test]
    fn shortening_is_stable_bounded_and_distinct() {
        let release = "abcdefghij-abcdefghij-abcdefghij-abcdefg";
        let a = object("Job", release, &["migration", "1-13-3-fips-2025-01-07"]);
        let b = object("Job", release, &["migration", "1-13-3-fips-2025-01-08"]);
        assert_eq!(a.len(), 63, "{a}");
        assert_ne!(a, b);
        assert_eq!(
            a,
            object("Job", release, &["migration", "1-13-3-fips-2025-01-07"])
        );
        assert!(dns_label(&a).is_ok(), "{a}");
        assert_eq!(object("Deployment", "dify", &["api"]), "dify-api");
        let set = object("StatefulSet", &"x".repeat(50), &["postgres"]);
        assert_eq!(set.len(), CONTROLLER_NAME_MAX);
        // A cut that would end in `-` drops it.
        assert!(!shorten(&format!("{}-{}", "a".repeat(53), "b".repeat(20)), 63).contains("--"));
    }

    #[test]
    fn fragments_and_label_values() {
        assert_eq!(dns_fragment("1.13.3"), "1-13-3");
        assert_eq!(dns_fragment("V2_RC+build..7-"), "v2-rc-build-7");
        assert_eq!(label_value("_1.13.3-"), "1.13.3");
        let long = format!("1.13.3-{}", "x".repeat(100));
        let v = label_value(&long);
        assert_eq!(v.len(), 63);
        assert!(label_value_format(&v).is_ok());
        assert_ne!(v, label_value(&format!("1.13.3-{}y", "x".repeat(99))));
        assert_eq!(port("metrics"), "metrics");
        assert!(port_name(&port("postgres-exporter-metrics")).is_ok());
    }
}
