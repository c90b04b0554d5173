//! The Dify release: `dify.version` must name an entry of the release
//! catalogue, the images must not contradict it, the components and
//! secrets it runs must be given, and a worker queue list must cover every
//! queue it routes tasks to.
//!
//! Why: the catalogue decides what is rendered. An unknown version has no
//! component set; `images.api: ...:1.17.1` under `version: 1.16.1` would run
//! one release's code with another's components and queues; a release that
//! runs the agent runtime cannot start it without its settings and keys;
//! and a task routed to a queue no worker consumes waits forever (a chat
//! stalls when `workflow_based_app_execution` is missing). Fix: pick a
//! listed version, drop or align the image override, add the section, or
//! add the queue.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::dify::releases::{self, Release, Verification};
use crate::dify::{Feature, Kind};
use crate::topology::{SecretRef, Topology};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let Some(release) = releases::find(&t.dify.version) else {
        return vec![cx
            .error(
                codes::T_UNKNOWN_RELEASE,
                "/dify/version",
                format!(
                    "Dify `{}` is not in dify-gen's release catalogue",
                    t.dify.version
                ),
            )
            .help(format!("supported: {}", releases::versions()))];
    };
    let mut out = Vec::new();
    if let Verification::Unverified { basis } = release.verification {
        out.push(
            cx.warning(
                codes::T_UNVERIFIED_RELEASE,
                "/dify/version",
                format!(
                    "the catalogue entry for Dify {} was not verified against its release files: {basis}",
                    release.version
                ),
            )
            .help(format!(
                "check the rendered components, images and queues against the release, or use {}",
                releases::newest_verified().version
            )),
        );
    }
    out.extend(images(cx, release));
    out.extend(sections(cx, release));
    out.extend(queues(cx, release));
    out
}

/// The `X.Y.Z` a tag starts with (`1.16.1` of `1.16.1-fix.1` or `v1.16.1`).
fn tag_version(image: &str) -> Option<&str> {
    if image.contains("@sha256:") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split_once(':')?.1;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let end = tag
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tag.len());
    let version = tag[..end].trim_end_matches('.');
    (version.split('.').count() == 3 && version.split('.').all(|n| !n.is_empty()))
        .then_some(version)
}

/// Overrides of the images that carry Dify's own version must carry the
/// one `dify.version` names.
fn images(cx: &Cx, release: &Release) -> Vec<Diagnostic> {
    [Kind::Api, Kind::Web, Kind::AgentBackend, Kind::LocalSandbox]
        .into_iter()
        .filter_map(|kind| {
            let (key, image) = cx.t.images.override_of(kind)?;
            let version = tag_version(image)?;
            (version != release.version).then(|| {
                cx.error(
                    codes::T_IMAGE_CONTRADICTS_RELEASE,
                    &format!("/images/{key}"),
                    format!(
                        "image `{image}` is Dify {version}, but `dify.version` is {}",
                        release.version
                    ),
                )
                .help(format!(
                    "set `dify.version: {version}` (each release has its own components and queues), or remove `images.{key}` for the release's image"
                ))
            })
        })
        .collect()
}

/// The switch that turns a feature on, as a pointer.
fn switch(feature: Feature) -> &'static str {
    match feature {
        Feature::Collaboration => "/dify/collaboration",
        Feature::AgentRuntime => "/dify/agentRuntime",
    }
}

/// What a feature the release runs needs from the topology: its
/// components' settings and its secrets.
fn sections(cx: &Cx, release: &Release) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    for kind in release.components.iter().copied() {
        let Some(feature) = kind.feature() else {
            continue;
        };
        if !t.dify.enabled(feature) || t.components.get(kind).is_some() {
            continue;
        }
        out.push(missing(
            cx,
            switch(feature),
            "/components",
            kind.key(),
            release,
        ));
    }
    let agents = release.components.contains(&Kind::AgentBackend) && t.dify.agent_runtime;
    if agents {
        for (key, present) in agent_secrets(t) {
            if !present {
                out.push(missing(
                    cx,
                    switch(Feature::AgentRuntime),
                    "/secrets",
                    key,
                    release,
                ));
            }
        }
    }
    out
}

fn agent_secrets(t: &Topology) -> [(&'static str, bool); 3] {
    let s = &t.secrets;
    let some = |r: &Option<SecretRef>| r.is_some();
    [
        ("agentServerSecretKey", some(&s.agent_server_secret_key)),
        ("agentApiToken", some(&s.agent_api_token)),
        ("localSandboxToken", some(&s.local_sandbox_token)),
    ]
}

fn missing(cx: &Cx, at: &str, parent: &str, field: &str, release: &Release) -> Diagnostic {
    let dotted = crate::source::dotted(parent);
    let switch = crate::source::dotted(at);
    cx.error(
        codes::T_MISSING_FIELD,
        at,
        format!(
            "missing field `{field}`: Dify {} runs it with `{switch}: true`",
            release.version
        ),
    )
    .path(format!("{dotted}.{field}"))
    .help(format!(
        "add `{field}:` under `{dotted}`, or set `{switch}: false`"
    ))
}

/// A custom queue list (`dify.workerQueues`, or `CELERY_QUEUES` /
/// `CELERY_WORKER_QUEUES` in the worker's `env`) must consume every queue
/// the release's default list has; a name outside it and outside the
/// queues Dify's code also routes to is likely a typo.
fn queues(cx: &Cx, release: &Release) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(q) = &t.dify.worker_queues {
        lists.push(("/dify/workerQueues".into(), q.clone()));
    }
    for var in ["CELERY_QUEUES", "CELERY_WORKER_QUEUES"] {
        if let Some(value) = t.components.worker.env.get(var) {
            lists.push((
                format!("/components/worker/env/{var}"),
                value
                    .value()
                    .split(',')
                    .map(|q| q.trim().to_string())
                    .collect(),
            ));
        }
    }
    let mut out = Vec::new();
    for (at, list) in lists {
        for queue in release.queues {
            if !list.iter().any(|q| q == queue) {
                out.push(
                    cx.error(
                        codes::T_WORKER_QUEUES,
                        &at,
                        format!(
                            "the workers never consume queue `{queue}`, which Dify {} routes tasks to",
                            release.version
                        ),
                    )
                    .help(format!("add `{queue}` to the list, or remove the list for the release's default")),
                );
            }
        }
        for queue in &list {
            let known = release.queues.contains(&queue.as_str())
                || release.extra_queues.contains(&queue.as_str());
            if !known {
                out.push(cx.warning(
                    codes::T_WORKER_QUEUES,
                    &at,
                    format!("Dify {} routes no task to queue `{queue}`", release.version),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tag_versions() {
        let v = super::tag_version;
        assert_eq!(v("langgenius/dify-api:1.16.1"), Some("1.16.1"));
        assert_eq!(v("reg:5000/dify-api:1.16.1-fix.1"), Some("1.16.1"));
        assert_eq!(v("dify-api:v1.13.3"), Some("1.13.3"));
        assert_eq!(v("dify-api:main"), None);
        assert_eq!(v("dify-api:1.16"), None);
        assert_eq!(v("dify-api@sha256:abc"), None);
    }
}
