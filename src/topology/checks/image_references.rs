//! Image references by the grammar the kubelet and registries read.
//!
//! Why: a reference with a space, an uppercase path or a tag of 129
//! characters is accepted by the API server and then fails every pull
//! (`InvalidImageName`); a registry mirror's prefix must keep every image a
//! reference. Fix: use the image's real reference. (`dify.version`
//! becomes the `app.kubernetes.io/version` label and part of the migration
//! Job's name, made a label value and shortened with a hash where it would
//! be too long: `crate::names::derived`; no tag or digest names an object.)

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::image;
use crate::topology::tag;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let i = &cx.t.images;
    let mut out: Vec<Diagnostic> = i
        .all()
        .into_iter()
        // An empty tag is `T101`'s (not pinned).
        .filter(|(_, reference)| tag(reference) != Some(""))
        .filter_map(|(key, reference)| {
            cx.name_rule(
                &format!("/images/{key}"),
                "image reference",
                reference,
                image::reference,
            )
        })
        .collect();
    if !out.is_empty() {
        return out;
    }
    // The mirror's prefix is a registry and a path; what it makes of the
    // images must still be references a registry serves.
    if let Some(mirror) = &i.registry_mirror {
        let prefix = mirror.prefix.trim_end_matches('/');
        out.extend(cx.name_rule(
            "/images/registryMirror/prefix",
            "registry mirror prefix",
            prefix,
            image::mirror_prefix,
        ));
        if out.is_empty() {
            // The log agent's image is pinned by the logging check, and
            // pulled through the mirror like every other.
            let agent = cx.t.logging.iter().map(|l| {
                (
                    "/logging/collector/image".to_string(),
                    l.collector.image.as_str(),
                )
            });
            for (pointer, reference) in super::images_pinned::every_image(cx.t)
                .into_iter()
                .chain(agent)
            {
                let rewritten = mirror.rewrite(reference);
                let key = crate::source::dotted(&pointer);
                out.extend(cx.name_rule(
                    "/images/registryMirror/prefix",
                    "image reference",
                    &rewritten,
                    |r| {
                        image::reference(r).map_err(|why| {
                            format!("is what the mirror makes of `{key}`, and {why}")
                        })
                    },
                ));
            }
        }
    }
    out
}
