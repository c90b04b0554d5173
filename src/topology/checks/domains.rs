//! `ingress.domains` and `ingress.extraHosts`: every name once (`T227`),
//! and the console, web apps and API on hosts that share a parent domain
//! (`T228`).
//!
//! Why: Dify's api signs the console and the web apps in with cookies,
//! and the web reads the CSRF cookie the api set (`csrf_token`, sent back
//! as `X-CSRF-Token`). With the console's pages and the API on two hosts,
//! that works only when the cookie belongs to a domain both are under
//! (`COOKIE_DOMAIN`, which dify-gen sets to the hosts' shared parent);
//! hosts under no common parent (`console.example.com` beside
//! `api.example.org`) cannot share a cookie, and the cookies are
//! `SameSite=Lax`, so the browser would not send them across sites
//! anyway: nobody could sign in. Files are signed URLs and need no cookie.
//! Example: `domains: {console: dify.example.com, api: api.example.net}`.
//! Fix: put them under one parent (`api.example.com`).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::shared_parent;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let i = &cx.t.ingress;
    let d = &i.domains;
    let mut out = Vec::new();
    let mut seen: Vec<&str> = std::iter::once(i.host.as_str())
        .chain(
            [&d.console, &d.app, &d.api, &d.files]
                .into_iter()
                .flatten()
                .map(String::as_str),
        )
        .collect();
    for (n, host) in i.extra_hosts.iter().enumerate() {
        if seen.contains(&host.as_str()) {
            out.push(
                cx.error(
                    codes::T_ENTRY_HOSTS,
                    &format!("/ingress/extraHosts/{n}"),
                    format!("host `{host}` is already a host of the entry"),
                )
                .help("list each name once: `host`, `domains` and `extraHosts` all serve the whole entry"),
            );
        }
        seen.push(host);
    }
    // The console and web apps against the API's host; the API against
    // `host` when it alone moved.
    let api = i.api_host();
    let parts = [
        ("console", d.console.as_deref(), i.console_host()),
        ("app", d.app.as_deref(), i.app_host()),
    ];
    for (field, set, host) in parts {
        if set.is_some() && shared_parent(host, api).is_none() {
            out.push(no_parent(cx, field, host, api));
        }
    }
    if d.api.is_some() {
        for (_, set, host) in parts {
            if set.is_none() && shared_parent(host, api).is_none() {
                out.push(no_parent(cx, "api", api, host));
                break;
            }
        }
    }
    out
}

fn no_parent(cx: &Cx, field: &str, host: &str, other: &str) -> Diagnostic {
    cx.error(
        codes::T_ENTRY_DOMAINS,
        &format!("/ingress/domains/{field}"),
        format!(
            "`{host}` and `{other}` share no parent domain, so Dify's sign-in cookie cannot reach both"
        ),
    )
    .help("put the console, the web apps and the API under one domain (`console.example.com`, `api.example.com`); only `files` may be elsewhere")
}
