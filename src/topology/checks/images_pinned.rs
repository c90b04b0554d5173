//! Images must be pinned.
//!
//! Why: `latest` (or no tag) makes the same topology deploy different code
//! on different days, and a rollback cannot go back. Fix: give a version tag
//! (`langgenius/dify-api:1.13.3`) or a digest (`...@sha256:...`).

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::Topology;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    every_image(cx.t)
        .into_iter()
        .filter_map(|(pointer, image)| {
            let problem = pin_problem(image)?;
            Some(
                cx.error(
                    codes::T_IMAGE_NOT_PINNED,
                    &pointer,
                    format!("image `{image}` {problem}"),
                )
                .help("pin a version tag such as `:1.13.3` or a digest `@sha256:...`"),
            )
        })
        .collect()
}

/// Every image the topology names, with its pointer: `images`, the Swarm
/// stack's, monitoring's and the backup's.
pub(super) fn every_image(t: &Topology) -> Vec<(String, &str)> {
    let swarm = t.swarm.iter().flat_map(|s| {
        [
            ("/swarm/edgeImage", &s.edge_image),
            ("/swarm/postgresProxyImage", &s.postgres_proxy_image),
        ]
    });
    let monitoring = t.monitoring.iter().flat_map(|m| {
        std::iter::once((
            "/monitoring/exporters/redisExporterImage".to_string(),
            m.exporters.redis_exporter_image.as_str(),
        ))
        .chain(m.otel_collector.iter().map(|o| {
            (
                "/monitoring/otelCollector/image".to_string(),
                o.image.as_str(),
            )
        }))
    });
    t.images
        .all()
        .into_iter()
        .map(|(key, image)| (format!("/images/{key}"), image))
        .chain(swarm.map(|(pointer, image)| (pointer.to_string(), image.as_str())))
        .chain(monitoring)
        .chain(
            t.backup
                .iter()
                .map(|b| ("/backup/files/image".to_string(), b.files.image.as_str())),
        )
        .collect()
}

pub(super) fn pin_problem(image: &str) -> Option<&'static str> {
    if image.contains("@sha256:") {
        return None;
    }
    // The tag follows the last `:` after the last `/` (a registry may carry a port).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag"),
        Some((_, "")) => Some("has an empty tag"),
        Some((_, "latest")) => Some("uses the moving tag `latest`"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pins() {
        assert!(super::pin_problem("a/b:1.2").is_none());
        assert!(super::pin_problem("reg:5000/a/b").is_some());
        assert!(super::pin_problem("a/b:latest").is_some());
        assert!(super::pin_problem("a/b@sha256:abc").is_none());
    }
}
