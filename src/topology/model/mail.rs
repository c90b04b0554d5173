//! Mail: how Dify sends invitations, password resets and notifications
//! (the worker sends them from its `mail` queue, api sends some itself),
//! through an SMTP server or Resend's HTTP API, with credentials as Secret
//! references.

use super::secrets::SecretRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Dify's mail delivery (`MAIL_TYPE`); omit for none (Dify then shows
/// invitation links instead of mailing them).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mail {
    /// `smtp` (needs `mail.smtp`) or `resend` (needs `mail.resend`).
    #[serde(rename = "type")]
    pub kind: MailKind,
    /// The sender of every mail (`MAIL_DEFAULT_SEND_FROM`), an address or
    /// `Name <address>`.
    #[schemars(length(min = 3))]
    pub default_send_from: String,
    /// The SMTP server, for `type: smtp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
    /// Resend's API, for `type: resend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend: Option<Resend>,
    /// The `network.egress` destination the mail server (or Resend's API)
    /// is at: api and worker then reach exactly that destination on the
    /// mail port. Omit to open the port by the server's name (its
    /// namespace for an in-cluster `name.namespace.svc`, any address
    /// otherwise; public addresses for Resend's own API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<String>,
}

impl Mail {
    /// The Secret the chosen type reads (`SMTP_PASSWORD` or
    /// `RESEND_API_KEY`), by variable.
    pub fn secret_ref(&self) -> Option<(&'static str, &SecretRef)> {
        match self.kind {
            MailKind::Smtp => self
                .smtp
                .as_ref()
                .and_then(|s| s.password.as_ref())
                .map(|r| ("SMTP_PASSWORD", r)),
            MailKind::Resend => self.resend.as_ref().map(|r| ("RESEND_API_KEY", &r.api_key)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MailKind {
    Smtp,
    Resend,
}

impl MailKind {
    /// The value of `MAIL_TYPE`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Smtp => "smtp",
            MailKind::Resend => "resend",
        }
    }
}

/// An SMTP server. Dify connects in one of three ways: implicit TLS
/// (`useTls: true`, usually port 465), STARTTLS (`useTls: true` and
/// `opportunisticTls: true`, usually 587), or plain text (both off).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Smtp {
    /// Host name or address of the server (`SMTP_SERVER`), without a
    /// scheme or port; an in-cluster name (`relay.mail.svc`) opens the
    /// NetworkPolicy to that namespace only.
    #[schemars(length(min = 1))]
    pub server: String,
    /// Its port (`SMTP_PORT`); api and worker may open exactly this one.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Login name (`SMTP_USERNAME`); with `password`, or omit both for a
    /// relay that takes mail without a login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Login password (`SMTP_PASSWORD`), from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// TLS (`SMTP_USE_TLS`): implicit TLS from the first byte, or STARTTLS
    /// with `opportunisticTls`.
    #[serde(default)]
    pub use_tls: bool,
    /// Upgrade a plain connection with STARTTLS (`SMTP_OPPORTUNISTIC_TLS`);
    /// only with `useTls: true` (Dify ignores it otherwise and sends in
    /// plain text).
    #[serde(default)]
    pub opportunistic_tls: bool,
}

/// Resend's HTTP API.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resend {
    /// The API's base URL (`RESEND_API_URL`); omit for Resend's own,
    /// `https://api.resend.com`, reached on 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The API key (`RESEND_API_KEY`), from a Secret.
    pub api_key: SecretRef,
}
