//! Host names, `host:port` pairs and URLs the topology hands to Dify, the
//! entry and the clients, each by the rule of what it names.
//!
//! Why: a host name with an empty label, a label over 63 characters, a
//! space or a port above 65535 passes a pattern but no resolver or client
//! takes it, and the failure shows only when the pods first connect. A URL
//! with `user:password@` would put a credential in a ConfigMap.
//! Fix: write the address as the server's DNS name or IP address.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::dns;

/// `sslmode` values libpq and pgx read.
const SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    // The entry's names: `host`, the domains of Dify's parts, the aliases.
    let i = &t.ingress;
    let d = &i.domains;
    let names = std::iter::once(("/ingress/host".to_string(), &i.host))
        .chain(
            [
                ("console", &d.console),
                ("app", &d.app),
                ("api", &d.api),
                ("files", &d.files),
            ]
            .into_iter()
            .filter_map(|(k, v)| Some((format!("/ingress/domains/{k}"), v.as_ref()?))),
        )
        .chain(
            i.extra_hosts
                .iter()
                .enumerate()
                .map(|(n, h)| (format!("/ingress/extraHosts/{n}"), h)),
        );
    for (at, name) in names {
        out.extend(cx.name_rule(&at, "host name", name, |h| {
            dns::subdomain(h)?;
            if dns::ipv4(h).is_ok() {
                return Err("must be a DNS name, not an IP address".into());
            }
            Ok(())
        }));
    }
    if let Some(ext) = &t.postgres.external {
        out.extend(cx.name_rule("/postgres/external/host", "host", &ext.host, dns::host));
        out.extend(cx.name_rule(
            "/postgres/external/sslMode",
            "SSL mode",
            &ext.ssl_mode,
            |m| {
                if SSL_MODES.contains(&m) {
                    Ok(())
                } else {
                    Err(format!("must be one of {}", SSL_MODES.join(", ")))
                }
            },
        ));
    }
    if let Some(ext) = &t.redis.external {
        out.extend(cx.name_rule("/redis/external/host", "host", &ext.host, dns::host));
        for (i, sentinel) in ext.sentinels.iter().enumerate() {
            out.extend(cx.name_rule(
                &format!("/redis/external/sentinels/{i}"),
                "Sentinel address",
                sentinel,
                dns::host_port,
            ));
        }
    }
    out
}
