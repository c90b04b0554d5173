//! E-mail addresses as mail servers take them in `RCPT TO` (RFC 5321):
//! a local part of at most 64 octets (dot-atoms, no quoting), `@`, and a
//! host name with at least two labels.

use super::dns;

/// `local@example.com`: the local part of letters, digits and
/// ``!#$%&'*+/=?^_`{|}~-``, in `.`-separated parts (none empty), at most 64
/// octets; the domain a host name of two labels or more; 254 octets in all.
pub fn address(s: &str) -> Result<(), String> {
    if s.len() > 254 {
        return Err("must be at most 254 characters".into());
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err("must be `name@domain`".into());
    };
    if local.is_empty() || local.len() > 64 {
        return Err("must have a part before `@` of 1 to 64 characters".into());
    }
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local
        .split('.')
        .any(|p| p.is_empty() || !p.chars().all(atom))
    {
        return Err(
            "must have a part before `@` of letters, digits and ``!#$%&'*+/=?^_`{|}~-``, dots only between them"
                .into(),
        );
    }
    dns::hostname(domain).map_err(|why| format!("domain after `@` {why}"))?;
    if !domain.trim_end_matches('.').contains('.') {
        return Err("must have a domain with a dot after `@` (`example.com`)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(address("oncall@example.com").is_ok());
        assert!(address("first.last+dify@mail.example.co").is_ok());
        assert!(address("oncall").is_err());
        assert!(address("@example.com").is_err());
        assert!(address("a..b@example.com").is_err());
        assert!(address("a b@example.com").is_err());
        assert!(address("oncall@localhost").is_err());
        assert!(address("oncall@-x.com").is_err());
        assert!(address(&format!("{}@example.com", "a".repeat(65))).is_err());
    }
}
