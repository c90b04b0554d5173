//! Image references by the grammar the kubelet and registries read.
//!
//! Why: a reference with a space, an uppercase path or a tag of 129
//! characters is accepted by the API server and then fails every pull
//! (`InvalidImageName`). Fix: use the image's real reference. (`dify.version`
//! becomes the `app.kubernetes.io/version` label and part of the migration
//! Job's name, made a label value and shortened with a hash where it would
//! be too long: `crate::names::derived`; no tag or digest names an object.)

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::image;
use crate::topology::tag;

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let i = &cx.t.images;
    i.all()
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
        .collect()
}
