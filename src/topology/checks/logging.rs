//! The logging section must say where logs go and keep its secrets out.
//!
//! Why: an output without an endpoint cannot be rendered (dify-gen would
//! have to invent a host); credentials in an endpoint URL (`user:pass@`,
//! `?token=`) end up in a ConfigMap, in Git and in every log line that
//! prints the URL; the agent reads node logs through `hostPath` volumes,
//! which the release namespace's Pod Security `baseline` refuses; an
//! unpinned agent image changes what is collected from one day to the
//! next; `whenFull: dropOldest` drops chunks from the disk buffer, so it
//! needs one. Fix: give `endpoint`, move credentials into a Secret and
//! reference it under `credentials` or `bearerToken`, run the agent in a
//! namespace of its own, pin the image, add `buffering.filesystem`.

use super::images_pinned::pin_problem;
use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::secret_scan::looks_secret;
use crate::topology::{LogOutputKind, WhenFull};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(l) = &cx.t.logging else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, o) in l.outputs.iter().enumerate() {
        let at = format!("/logging/outputs/{i}");
        match (&o.endpoint, o.kind) {
            (None, LogOutputKind::Stdout) => {}
            (None, _) => out.push(
                cx.error(
                    codes::T_MISSING_FIELD,
                    &format!("{at}/type"),
                    format!("missing field `endpoint` for output `{i}`"),
                )
                .path(format!("logging.outputs.{i}.endpoint"))
                .help("add `endpoint: https://<host>[:<port>]` to the output"),
            ),
            (Some(endpoint), _) => {
                if let Some(what) = credentials_in(endpoint) {
                    out.push(
                        cx.error(
                            codes::T_INLINE_SECRET,
                            &format!("{at}/endpoint"),
                            format!("the endpoint of output `{i}` carries {what}"),
                        )
                        .help("remove it from the URL; reference a Secret under `credentials: {username: {name, key}, password: {name, key}}` or `bearerToken: {name, key}`"),
                    );
                }
            }
        }
    }
    let c = &l.collector;
    if c.namespace == cx.t.metadata.namespace {
        out.push(
            cx.error(
                codes::T_COLLECTOR_NAMESPACE,
                "/logging/collector/namespace",
                format!("the log agent cannot run in the release's namespace `{}`", c.namespace),
            )
            .help("it reads node logs through hostPath volumes, which the release namespace's Pod Security `baseline` forbids: give it a namespace of its own (`dify-logging`)"),
        );
    }
    if let Some(problem) = pin_problem(&c.image) {
        out.push(
            cx.error(
                codes::T_IMAGE_NOT_PINNED,
                "/logging/collector/image",
                format!("image `{}` {problem}", c.image),
            )
            .help("pin a version tag such as `:5.1.1` or a digest `@sha256:...`"),
        );
    }
    if l.buffering.when_full == WhenFull::DropOldest && l.buffering.filesystem.is_none() {
        out.push(
            cx.error(
                codes::T_MISSING_FIELD,
                "/logging/buffering/whenFull",
                "missing field `filesystem` for `whenFull: dropOldest`",
            )
            .path("logging.buffering.filesystem")
            .help("add `filesystem: {limitPerOutput: 2Gi}` under `logging.buffering`, or use `whenFull: pause`"),
        );
    }
    out
}

/// What an endpoint URL must not hold: a user or password before the
/// host, or a query parameter named like a secret.
fn credentials_in(endpoint: &str) -> Option<&'static str> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if authority.contains('@') {
        return Some("credentials (`user:password@`)");
    }
    let query = rest.split_once('?').map(|(_, q)| q)?;
    query
        .split('&')
        .any(|kv| looks_secret(kv.split('=').next().unwrap_or(kv)))
        .then_some("a secret in its query string")
}

#[cfg(test)]
mod tests {
    use super::credentials_in;

    #[test]
    fn endpoints_with_credentials() {
        assert!(credentials_in("https://user:pw@loki.example.com").is_some());
        assert!(credentials_in("https://es:9200/x?api_key=abc").is_some());
        assert!(credentials_in("https://loki.example.com/loki/api/v1/push").is_none());
        assert!(credentials_in("http://loki:3100/a@b").is_none());
    }
}
