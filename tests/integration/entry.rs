//! The entry's own metadata (issue 18, item 6, first part): annotations
//! and labels of the Ingress or HTTPRoute beside dify-gen's.

use crate::cluster::{objects, render_strict, validate_text};

#[test]
fn entry_annotations_and_labels_join_dify_gens() {
    let artifacts = render_strict("tests/fixtures/cluster/entry-metadata.yaml");
    let objects = objects(&artifacts);
    let ingress = objects
        .iter()
        .find(|o| o["kind"] == "Ingress")
        .expect("the Ingress");
    let a = &ingress["metadata"]["annotations"];
    assert_eq!(a["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
    assert_eq!(
        a["external-dns.alpha.kubernetes.io/hostname"],
        "dify.example.com"
    );
    // dify-gen's own stay: the SSE-safe timeout.
    assert_eq!(a["nginx.org/proxy-read-timeout"], "3600s");
    let l = &ingress["metadata"]["labels"];
    assert_eq!(l["team.example.com/owner"], "platform");
    assert_eq!(l["app.kubernetes.io/managed-by"], "dify-gen");
}

#[test]
fn an_annotation_dify_gen_sets_or_its_label_is_refused_at_its_line() {
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ningress:\n  annotations:\n    nginx.org/proxy-read-timeout: 60s\n  labels:\n    app.kubernetes.io/name: other\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T176]: annotation `nginx.org/proxy-read-timeout` is one dify-gen sets for this controller",
        "t.yaml:6:35",
        "error[T176]: label `app.kubernetes.io/name` is one dify-gen sets on every object",
        "t.yaml:8:29",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
}
