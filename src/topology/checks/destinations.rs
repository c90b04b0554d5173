//! Services Dify reaches at a named `network.egress` destination: the
//! mail server (`mail.egress`) and an OTLP endpoint (`monitoring.otlp`)
//! name a destination that exists and whose ports include the service's
//! (`T229`), and Dify exports to one OTLP target only (`T229`); the PyPI
//! mirror's are `T170` (`plugins`).
//!
//! Why: the NetworkPolicy edge goes to exactly that destination on exactly
//! that port, so a missing destination or port means api and worker
//! cannot reach the server at all; and Dify has one OTLP exporter, so
//! `monitoring.otelCollector` beside `monitoring.otlp` would leave one of
//! them silently unused. Example: `mail: {egress: relay}` with no `relay`
//! in `network.egress`. Fix: add the destination (its `cidrs` or
//! `namespace`, and the port), or correct the name.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::url;
use crate::topology::MailKind;

/// The port of an `http(s)` URL, its scheme's when it names none.
pub(super) fn url_port(u: &str) -> Option<u16> {
    url::parse_http(u)
        .ok()
        .map(|u| u.port.unwrap_or(if u.scheme == "https" { 443 } else { 80 }))
}

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    if let Some((m, name)) = t.mail.as_ref().and_then(|m| Some((m, m.egress.as_ref()?))) {
        let (port_at, port) = match (m.kind, &m.smtp, &m.resend) {
            (MailKind::Smtp, Some(s), _) => ("/mail/smtp/port", Some(s.port)),
            (MailKind::Resend, _, Some(r)) => match &r.api_url {
                Some(u) => ("/mail/resend/apiUrl", url_port(u)),
                None => ("/mail/resend", Some(443)),
            },
            // The section is missing: `mail` reports it (T177).
            _ => ("/mail", None),
        };
        out.extend(at_destination(
            cx,
            codes::T_DESTINATION,
            ("/mail/egress", port_at),
            "mail server",
            name,
            port,
            "set the server's port, or add it to the destination's `ports`",
        ));
    }
    let Some(m) = &t.monitoring else {
        return out;
    };
    if let Some(o) = &m.otlp {
        if m.otel_collector.is_some() {
            out.push(
                cx.error(
                    codes::T_DESTINATION,
                    "/monitoring/otlp",
                    "Dify exports OTLP to one target: `otlp` beside `otelCollector`",
                )
                .help("drop one: `otelCollector` runs a collector in the release, `otlp` pushes to one outside it"),
            );
        }
        out.extend(at_destination(
            cx,
            codes::T_DESTINATION,
            ("/monitoring/otlp/egress", "/monitoring/otlp/url"),
            "OTLP endpoint",
            &o.egress,
            url_port(&o.url),
            "write the port the endpoint listens on into the URL, or add it to the destination's `ports`",
        ));
    }
    out
}

/// A service at the `network.egress` destination `name`, listening on
/// `port`: no destination of that name is an error at `at.0`, a
/// destination without the port one at `at.1`.
pub(super) fn at_destination(
    cx: &Cx,
    code: &'static str,
    at: (&str, &str),
    what: &str,
    name: &str,
    port: Option<u16>,
    fix: &str,
) -> Option<Diagnostic> {
    let destination =
        cx.t.network
            .iter()
            .flat_map(|n| &n.egress)
            .find(|d| d.name == name);
    match (destination, port) {
        (None, _) => Some(
            cx.error(
                code,
                at.0,
                format!("no `network.egress` destination is named `{name}`"),
            )
            .help(format!(
                "add the {what} to `network.egress` (its `cidrs` or `namespace`, and its port) and name it here"
            )),
        ),
        (Some(d), Some(port)) if !d.ports.contains(&port) => Some(
            cx.error(
                code,
                at.1,
                format!(
                    "the {what}'s port {port} is not among the ports of egress destination `{name}`"
                ),
            )
            .help(format!("{fix} (`{name}`)")),
        ),
        _ => None,
    }
}
