//! Image references by the grammar the kubelet and registries read, and
//! `dify.version` by what dify-gen makes of it.
//!
//! Why: a reference with a space, an uppercase path or a tag of 129
//! characters is accepted by the API server and then fails every pull
//! (`InvalidImageName`). `dify.version` also becomes the
//! `app.kubernetes.io/version` label of every object and part of the
//! migration Job's name, which the Job controller puts into a label of the
//! Job's pods: both take at most 63 characters, starting and ending with a
//! letter or digit. Fix: use the image's real reference, and a shorter
//! release name (`metadata.name`).

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::{image, kubernetes};
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
            for (pointer, reference) in super::images_pinned::every_image(cx.t) {
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
    // `dify.version` is the version label and names the migration Job.
    {
        let version = cx.t.dify.version.as_str();
        let job = format!(
            "{}-migration-{}",
            cx.t.metadata.name,
            version.replace(['.', '_', '+'], "-").to_ascii_lowercase()
        );
        out.extend(cx.name_rule("/dify/version", "Dify version", version, |v| {
            kubernetes::label_value(v).map_err(|why| {
                format!("becomes the `app.kubernetes.io/version` label, and a label value {why}")
            })?;
            if job.len() > 63 {
                return Err(format!(
                    "names the migration Job `{job}` ({} characters): a Job's name becomes a label of its pods, at most 63 characters",
                    job.len()
                ));
            }
            Ok(())
        }));
    }
    out
}
