//! S3 bucket names, the region and the endpoint by the object store's
//! rules.
//!
//! Why: S3 refuses to create or address a bucket whose name breaks its
//! naming rules (`Dify_Files`, `a..b`), and a region that is not one
//! (`100Ei`) makes every signed request fail; both show only when Dify
//! first stores a file. Without `endpoint` the store is AWS S3, whose
//! regions look like `us-east-1`; other stores name their own (`auto`).
//! Fix: use the bucket's real name and the store's region code.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::names::{s3, url};

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let Some(s) = cx.t.storage.s3() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    out.extend(cx.name_rule("/storage/s3/bucket", "bucket name", &s.bucket, s3::bucket));
    out.extend(cx.name_rule(
        "/storage/s3/pluginBucket",
        "bucket name",
        &s.plugin_bucket,
        s3::bucket,
    ));
    match &s.endpoint {
        None => out.extend(cx.name_rule(
            "/storage/s3/region",
            "AWS region",
            &s.region,
            s3::aws_region,
        )),
        Some(endpoint) => {
            out.extend(cx.name_rule("/storage/s3/endpoint", "S3 endpoint", endpoint, url::http));
            out.extend(cx.name_rule("/storage/s3/region", "region", &s.region, s3::region_name));
        }
    }
    out
}
