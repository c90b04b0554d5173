//! `mail`: the section its `type` needs is there and the other type's is
//! not, an SMTP login has both its name and its password (`T177`); STARTTLS
//! is asked for only on top of TLS (`T178`: Dify reads
//! `SMTP_OPPORTUNISTIC_TLS` only with `SMTP_USE_TLS`, so alone it would
//! send in plain text while the topology says otherwise); the sender, the
//! server and the API URL are spelled as mail servers and HTTP clients take
//! them (`T143`).
//!
//! Why: Dify reads these at its first mail, not at start, so a mistake
//! shows as an invitation that never arrives.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::names::{dns, email, url};
use crate::topology::MailKind;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(m) = &cx.t.mail else {
        return out;
    };
    // `Name <address>` or the bare address.
    let from = m.default_send_from.trim();
    let address = match (from.rfind('<'), from.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        _ => from,
    };
    out.extend(cx.name_rule(
        "/mail/defaultSendFrom",
        "e-mail address",
        address,
        email::address,
    ));
    let (wanted, unused) = match m.kind {
        MailKind::Smtp => (("smtp", m.smtp.is_some()), ("resend", m.resend.is_some())),
        MailKind::Resend => (("resend", m.resend.is_some()), ("smtp", m.smtp.is_some())),
    };
    if !wanted.1 {
        out.push(
            cx.error(
                codes::T_MAIL_SECTION,
                "/mail/type",
                format!("`mail.type: {}` needs `mail.{}`", m.kind.as_str(), wanted.0),
            )
            .help(match m.kind {
                MailKind::Smtp => "add `mail.smtp` with its `server` and `port`",
                MailKind::Resend => "add `mail.resend` with its `apiKey`",
            }),
        );
    }
    if unused.1 {
        out.push(
            cx.error(
                codes::T_MAIL_SECTION,
                &format!("/mail/{}", unused.0),
                format!(
                    "`mail.{}` is not used with `mail.type: {}`",
                    unused.0,
                    m.kind.as_str()
                ),
            )
            .help("remove it, or change `mail.type`"),
        );
    }
    if let Some(s) = &m.smtp {
        out.extend(cx.name_rule("/mail/smtp/server", "host", &s.server, dns::host));
        match (&s.username, &s.password) {
            (Some(_), None) => out.push(
                cx.error(
                    codes::T_MAIL_SECTION,
                    "/mail/smtp/username",
                    "an SMTP `username` without a `password`: Dify logs in only with both",
                )
                .help("add `password` (a Secret reference), or remove `username` for a relay without login"),
            ),
            (None, Some(_)) => out.push(
                cx.error(
                    codes::T_MAIL_SECTION,
                    "/mail/smtp/password",
                    "an SMTP `password` without a `username`: Dify logs in only with both",
                )
                .help("add `username`, or remove `password` for a relay without login"),
            ),
            _ => {}
        }
        if s.opportunistic_tls && !s.use_tls {
            out.push(
                cx.error(
                    codes::T_MAIL_TLS,
                    "/mail/smtp/opportunisticTls",
                    "`opportunisticTls` without `useTls`: Dify ignores it and sends in plain text",
                )
                .help("set `useTls: true` for STARTTLS (usually port 587), or remove `opportunisticTls`"),
            );
        }
    }
    if let Some(api_url) = m.resend.as_ref().and_then(|r| r.api_url.as_ref()) {
        out.extend(cx.name_rule("/mail/resend/apiUrl", "URL", api_url, url::http));
    }
    out
}
