//! DNS names: RFC 1123 labels and subdomains as Kubernetes validates object
//! names, RFC 1035 labels (Service names), and host names as resolvers take
//! them (RFC 1123 section 2.1: letters, digits and `-`, any case, labels of
//! at most 63 and names of at most 253 characters).

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: at most 63 characters, lowercase letters, digits and
/// `-`, starting and ending with a letter or digit.
pub fn label(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err("must be 1 to 63 characters".into());
    }
    if !s.chars().all(|c| lower_alnum(c) || c == '-') {
        return Err("must contain only lowercase letters, digits and `-`".into());
    }
    if !s.starts_with(lower_alnum) || !s.ends_with(lower_alnum) {
        return Err("must start and end with a lowercase letter or digit".into());
    }
    Ok(())
}

/// RFC 1035 label: an RFC 1123 label that starts with a letter.
pub fn label_1035(s: &str) -> Result<(), String> {
    label(s)?;
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a lowercase letter".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn subdomain(s: &str) -> Result<(), String> {
    // Every label key's prefix comes here: one pass over the bytes says
    // yes; only a name it refuses takes the slower path, which says why.
    if is_subdomain(s.as_bytes()) {
        return Ok(());
    }
    subdomain_parts(s)
}

/// [`subdomain`] part by part, with the reason for a refusal.
fn subdomain_parts(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if !s.chars().all(|c| lower_alnum(c) || c == '-' || c == '.') {
        return Err("must contain only lowercase letters, digits, `-` and `.`".into());
    }
    for part in s.split('.') {
        if part.is_empty() || !part.starts_with(lower_alnum) || !part.ends_with(lower_alnum) {
            return Err(
                "each `.`-separated part must start and end with a lowercase letter or digit"
                    .into(),
            );
        }
        if part.len() > 63 {
            return Err("each `.`-separated part must be at most 63 characters".into());
        }
    }
    Ok(())
}

/// Whether [`subdomain`] accepts `s`, in one pass over its bytes.
fn is_subdomain(s: &[u8]) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    // The length of the current `.`-separated part, and the byte before.
    let (mut part, mut prev) = (0usize, b'.');
    for &b in s {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => part += 1,
            b'-' if part > 0 => part += 1,
            b'.' if part > 0 && prev != b'-' => part = 0,
            _ => return false,
        }
        if part > 63 {
            return false;
        }
        prev = b;
    }
    part > 0 && prev != b'-'
}

/// A host name a resolver takes: labels of letters, digits and `-` (any
/// case, never at a label's start or end), each at most 63 characters, at
/// most 253 in all, one trailing dot allowed. A name of digits and dots
/// only is not a host name (it would be read as an IPv4 address).
pub fn hostname(s: &str) -> Result<(), String> {
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    for part in name.split('.') {
        if part.is_empty() {
            return Err("must not have an empty `.`-separated part".into());
        }
        if part.len() > 63 {
            return Err("each `.`-separated part must be at most 63 characters".into());
        }
        if !part.chars().all(|c| alnum(c) || c == '-') {
            return Err("must contain only letters, digits, `-` and `.`".into());
        }
        if !part.starts_with(alnum) || !part.ends_with(alnum) {
            return Err("each `.`-separated part must start and end with a letter or digit".into());
        }
    }
    if name.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err("must not be all digits (that is an IPv4 address, and not a valid one)".into());
    }
    Ok(())
}

/// A dotted-quad IPv4 address (`10.0.0.5`).
/// An IPv4 range in CIDR notation (`10.20.0.0/16`), its address the
/// range's first (the API server refuses `10.20.0.1/16`).
pub fn ipv4_cidr(s: &str) -> Result<(), String> {
    let (addr, bits) = s
        .split_once('/')
        .ok_or_else(|| "must be an address and a prefix length (`10.20.0.0/16`)".to_string())?;
    ipv4(addr)?;
    let bits: u32 = bits
        .parse()
        .ok()
        .filter(|b| *b <= 32)
        .ok_or_else(|| format!("has prefix length `{bits}`, not 0 to 32"))?;
    let ip: u32 = addr
        .parse::<std::net::Ipv4Addr>()
        .map_err(|e| e.to_string())?
        .into();
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    if ip & !mask != 0 {
        return Err(format!(
            "is not the first address of its range (`{}/{bits}`)",
            std::net::Ipv4Addr::from(ip & mask)
        ));
    }
    Ok(())
}

pub fn ipv4(s: &str) -> Result<(), String> {
    s.parse::<std::net::Ipv4Addr>()
        .map(|_| ())
        .map_err(|_| "must be an IPv4 address such as `10.0.0.5`".into())
}

/// A host a client connects to: a host name, an IPv4 address, or an IPv6
/// address in brackets (`[fd00::5]`) or bare.
pub fn host(s: &str) -> Result<(), String> {
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| "must be an IPv6 address inside `[...]`".into());
    }
    if s.contains(':') {
        return s.parse::<std::net::Ipv6Addr>().map(|_| ()).map_err(|_| {
            "must be a host name or an IP address (`:` only in IPv6 addresses)".into()
        });
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return ipv4(s);
    }
    hostname(s)
}

/// `host:port` with a [`host`] and a port from 1 to 65535 (IPv6 hosts in
/// brackets: `[fd00::5]:6379`).
pub fn host_port(s: &str) -> Result<(), String> {
    let Some((host_part, port)) = s.rsplit_once(':') else {
        return Err("must be `host:port`".into());
    };
    if host_part.contains(':') && !host_part.starts_with('[') {
        return Err("must put an IPv6 address in brackets: `[fd00::5]:port`".into());
    }
    host(host_part)?;
    port_number(port)
}

/// A TCP port number, 1 to 65535, in decimal.
pub fn port_number(s: &str) -> Result<(), String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 && s.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        _ => Err("must have a port from 1 to 65535".into()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// Every string of up to `len` bytes over `alphabet`.
    pub(crate) fn strings(alphabet: &[u8], len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|s| {
                    alphabet
                        .iter()
                        .map(move |&b| format!("{s}{}", char::from(b)))
                })
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    /// The one-pass check says yes exactly where the part-by-part one does.
    #[test]
    fn fast_subdomain_agrees_with_the_reasons() {
        let long_part = "a".repeat(64);
        let edges = [
            "a".repeat(63),
            long_part.clone(),
            format!("x.{long_part}"),
            format!("{}.a", "a".repeat(63)),
            ["abc"; 64].join("."),
            ["abc"; 63].join("."),
            "app.kubernetes.io".to_string(),
        ];
        for s in strings(b"a0-.A_", 6).into_iter().chain(edges) {
            assert_eq!(
                super::is_subdomain(s.as_bytes()),
                super::subdomain_parts(&s).is_ok(),
                "{s:?}"
            );
        }
    }

    use super::*;

    #[test]
    fn cidrs() {
        assert!(ipv4_cidr("10.20.0.0/16").is_ok());
        assert!(ipv4_cidr("169.254.20.10/32").is_ok());
        assert!(ipv4_cidr("10.20.0.1/16").is_err());
        assert!(ipv4_cidr("10.20.0.0/33").is_err());
        assert!(ipv4_cidr("10.20.0.0").is_err());
    }

    #[test]
    fn labels_and_subdomains() {
        assert!(label("dify-api").is_ok());
        assert!(label("Dify").is_err());
        assert!(label(&"a".repeat(64)).is_err());
        assert!(label_1035("1api").is_err());
        assert!(subdomain("dify.api-1").is_ok());
        assert!(subdomain("dify..api").is_err());
        assert!(subdomain("/").is_err());
        assert!(subdomain(&format!("{}.a", "b".repeat(64))).is_err());
    }

    #[test]
    fn hosts() {
        assert!(hostname("db.Example.com").is_ok());
        assert!(hostname("db.example.com.").is_ok());
        assert!(hostname("-db.example.com").is_err());
        assert!(hostname("db..example.com").is_err());
        assert!(hostname("db_1.example.com").is_err());
        assert!(hostname("1.2.3").is_err());
        assert!(host("10.0.0.5").is_ok());
        assert!(host("10.0.0.256").is_err());
        assert!(host("[fd00::5]").is_ok());
        assert!(host("fd00::5").is_ok());
        assert!(host("").is_err());
        assert!(host_port("redis-0.redis:26379").is_ok());
        assert!(host_port("[fd00::5]:26379").is_ok());
        assert!(host_port("fd00::5:26379").is_err());
        assert!(host_port("redis:0").is_err());
        assert!(host_port("redis:65536").is_err());
        assert!(host_port("redis:+1").is_err());
        assert!(host_port("redis").is_err());
    }
}
