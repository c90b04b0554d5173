//! Names dify-gen derives (`<release>-<component>`, the migration Job's
//! `<release>-migration-<version>`, the version label), built to stay
//! within their limits ([`super::kubernetes::max_len`]): a name that would
//! be too long keeps its beginning and ends in `-` and a hash of the whole
//! name, so it is the same on every render and distinct for distinct
//! inputs. `plan` builds every object name and label value through here.

use super::kubernetes::{max_len, DNS_LABEL_MAX, PORT_NAME_MAX};
use sha2::{Digest, Sha256};

/// Hex digits of the hash suffix a shortened name ends with.
const HASH_DIGITS: usize = 8;

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
    hex(&Sha256::digest(name.as_bytes())[..HASH_DIGITS / 2])
}

/// Lower-case hexadecimal of `bytes` (digests in names and annotations).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// An object name `<release>-<parts...>` for `kind`, within its limit.
pub fn object(kind: &str, release: &str, parts: &[&str]) -> String {
    let parts = || parts.iter().filter(|p| !p.is_empty());
    let mut name =
        String::with_capacity(release.len() + parts().map(|p| p.len() + 1).sum::<usize>());
    name.push_str(release);
    for part in parts() {
        name.push('-');
        name.push_str(part);
    }
    let max = max_len(kind).min(DNS_LABEL_MAX);
    if name.len() <= max {
        return name;
    }
    shorten(&name, max)
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
pub fn to_label_value(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::dns;
    use crate::names::kubernetes::{label_value, port_name, CONTROLLER_NAME_MAX};

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let formatted: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&bytes), formatted);
        assert_eq!(hex(&[]), "");
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
        assert!(dns::label(&a).is_ok(), "{a}");
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
        assert_eq!(to_label_value("_1.13.3-"), "1.13.3");
        let long = format!("1.13.3-{}", "x".repeat(100));
        let v = to_label_value(&long);
        assert_eq!(v.len(), 63);
        assert!(label_value(&v).is_ok());
        assert_ne!(v, to_label_value(&format!("1.13.3-{}y", "x".repeat(99))));
        assert_eq!(port("metrics"), "metrics");
        assert!(port_name(&port("postgres-exporter-metrics")).is_ok());
    }
}
