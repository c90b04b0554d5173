//! No secret values in the topology, and no overriding of variables that
//! dify-gen owns.
//!
//! Why: the topology is committed to Git and rendered into plain manifests;
//! a password in `env`, or inside an endpoint URL, would end up in both.
//! The rules are the output firewall's (`crate::secret_scan`): an `env`
//! entry named like a secret, a URL with credentials in any field, and a
//! random-looking token in any field that is not an identifier
//! (`topology::public`), so `dify-gen validate -f` refuses at the
//! topology's line what `render` would refuse in its output. The excerpt
//! of a `T102` finding shows `*` where the suspect is: no message prints it.
//! `MODE` and `MIGRATION_ENABLED` decide which process a pod runs and
//! whether it migrates the schema, so a stray override would start a second
//! migrator or the wrong process.
//! Fix: move the value into a Secret and reference it under `secretEnv`
//! (or the section's Secret reference fields).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::load::Node;
use crate::secret_scan::{looks_secret, random_token, url_credentials, Public, Suspect, Why};
use crate::source::{dotted, Span};
use crate::topology::public;

/// Variables dify-gen sets itself and will not let a layer override.
/// (Other variables it sets may be replaced with `override: true`:
/// `managed_env`.)
pub const RESERVED: &[&str] = &["MODE", "MIGRATION_ENABLED"];

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (key, component) in cx.t.components.all() {
        for name in component.env.keys() {
            let pointer = format!("/components/{key}/env/{name}");
            if looks_secret(name) {
                out.push(
                    cx.error(codes::T_INLINE_SECRET, &pointer, format!("`{name}` looks like a secret and must not be written in the topology"))
                        .help(format!("store it in a Secret and reference it: `secretEnv: {{{name}: {{name: <secret>, key: <key>}}}}`")),
                );
            }
            if RESERVED.contains(&name.as_str()) {
                out.push(cx.error(
                    codes::T_RESERVED_ENV,
                    &pointer,
                    format!("`{name}` is set by dify-gen and cannot be overridden"),
                ));
            }
        }
        for name in component.secret_env.keys() {
            if RESERVED.contains(&name.as_str()) {
                let pointer = format!("/components/{key}/secretEnv/{name}");
                out.push(cx.error(
                    codes::T_RESERVED_ENV,
                    &pointer,
                    format!("`{name}` is set by dify-gen and cannot be overridden"),
                ));
            }
        }
    }
    let none = Public::default();
    public::each_string(cx.doc, |pointer, segments, node| {
        let Some(text) = node.as_str() else { return };
        // `/components/<c>/env/<NAME>` or `.../<NAME>/value`: reported by
        // its name above.
        let named_secret = segments.len() >= 4
            && segments[0] == "components"
            && segments[2] == "env"
            && looks_secret(&segments[3]);
        if named_secret {
            return;
        }
        let found = url_credentials(text).or_else(|| {
            (!public::is_public_at(segments))
                .then(|| random_token(text, &none))
                .flatten()
        });
        if let Some(found) = found {
            out.push(suspect(pointer, node, text, found));
        }
    });
    out
}

/// Fields with their own way to give a URL from a Secret.
const URL_FROM_SECRET: &[(&str, &str)] = &[(
    "/monitoring/alertmanager/*/webhookConfigs/*/url",
    "move the URL into a Secret and reference it with `urlSecret: {secret: {name, key}}`",
)];

fn suspect(pointer: &str, node: &Node, text: &str, found: Suspect) -> Diagnostic {
    let field = dotted(pointer);
    let url_help = URL_FROM_SECRET
        .iter()
        .find(|(pattern, _)| public::matches(pattern, pointer))
        .map_or(
            "remove the credentials from the URL; dify-gen reads them from Secrets (`secretEnv`, or the section's Secret references)",
            |(_, help)| help,
        );
    let (message, help) = match found.why {
        Why::UrlPassword | Why::UrlToken => (
            format!("`{field}` holds {}", found.why.describe()),
            url_help,
        ),
        Why::Random => (
            format!(
                "`{field}` holds {}, which must not be written in the topology",
                found.why.describe()
            ),
            "store it in a Secret and reference it (`secretEnv` for a variable)",
        ),
    };
    Diagnostic::error(codes::T_INLINE_SECRET, message)
        .at(Some(within(node.span, text, found)))
        .path(field)
        .help(help)
}

/// The span of the suspect inside a one-line scalar: exact for a plain
/// scalar (the span is as long as the text) or a quoted one without
/// escapes (two longer); the whole value otherwise.
fn within(span: Span, text: &str, found: Suspect) -> Span {
    let chars = text.chars().count() as u32;
    let quote = match span.len {
        n if n == chars => 0,
        n if n == chars + 2 => 1,
        _ => return span,
    };
    let before = text[..found.start].chars().count() as u32;
    let len = text[found.start..found.start + found.len].chars().count() as u32;
    Span {
        col: span.col + quote + before,
        len: len.max(1),
        ..span
    }
}
