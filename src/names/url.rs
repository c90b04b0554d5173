//! URLs dify-gen hands to programs (Dify's endpoints, S3 endpoints, web
//! hooks): a scheme, a host ([`super::dns::host`]), an optional port, an
//! optional path. No user or password in the URL: a credential there would
//! be written in plain text into rendered ConfigMaps.

use super::dns;

/// The parts of a URL that [`http`] accepted.
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<u16>,
    /// Everything from the first `/` after the host (may be empty).
    pub path: &'a str,
}

/// An `http://` or `https://` URL without credentials, with a valid host
/// and port, and no spaces or control characters.
pub fn http(s: &str) -> Result<(), String> {
    parse_http(s).map(|_| ())
}

/// As [`http`], and with nothing after the host and port but an optional
/// `/` (an endpoint, not a page).
pub fn http_origin(s: &str) -> Result<(), String> {
    let url = parse_http(s)?;
    if !url.path.is_empty() && url.path != "/" {
        return Err("must have no path, query or fragment after the host and port".into());
    }
    Ok(())
}

pub fn parse_http(s: &str) -> Result<Url<'_>, String> {
    parse(s, &["http", "https"])
}

/// A URL whose scheme is one of `schemes` (`postgresql://db:5432`), with
/// the same rules as [`http`] for the rest.
pub fn parse<'a>(s: &'a str, schemes: &[&str]) -> Result<Url<'a>, String> {
    let expected = || {
        let list: Vec<String> = schemes.iter().map(|s| format!("`{s}://`")).collect();
        format!("must start with {}", list.join(" or "))
    };
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "must not contain spaces or control characters (found {})",
            c.escape_default()
        ));
    }
    let (scheme, rest) = s.split_once("://").ok_or_else(expected)?;
    if !schemes.contains(&scheme) {
        return Err(expected());
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.contains('@') {
        return Err(
            "must not hold a user or password (`user:pass@`): reference a Secret instead".into(),
        );
    }
    let (host, port) = split_port(authority)?;
    dns::host(host).map_err(|why| format!("host `{host}` {why}"))?;
    Ok(Url {
        scheme,
        host,
        port,
        path,
    })
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let port_at = if authority.starts_with('[') {
        authority
            .find(']')
            .map(|i| i + 1)
            .filter(|i| authority[*i..].starts_with(':'))
    } else {
        authority.rfind(':')
    };
    match port_at {
        Some(i) => {
            let port = &authority[i + 1..];
            dns::port_number(port)?;
            Ok((&authority[..i], Some(port.parse().expect("checked port"))))
        }
        None => Ok((authority, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(http("http://weaviate.weaviate.svc.cluster.local:8080").is_ok());
        assert!(http("https://s3.example.com/path").is_ok());
        assert!(http("https://[fd00::5]:9000").is_ok());
        assert!(http("ftp://x.example.com").is_err());
        assert!(http("http://").is_err());
        assert!(http("http://user:pw@x.example.com").is_err());
        assert!(http("http://x.example.com:0").is_err());
        assert!(http("http://x.example.com:99999").is_err());
        assert!(http("http://x y.com").is_err());
        assert!(http("http:///path").is_err());
        assert!(http_origin("https://s3.example.com/").is_ok());
        assert!(http_origin("https://s3.example.com/bucket").is_err());
        assert_eq!(
            parse_http("http://a.b:81/x").unwrap(),
            Url {
                scheme: "http",
                host: "a.b",
                port: Some(81),
                path: "/x"
            }
        );
    }
}
