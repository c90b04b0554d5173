//! The bad-topology corpus: each file under `tests/fixtures/err/` must fail
//! with exit 1 and exactly the snapshotted message and location.

use crate::support::run;

#[test]
fn every_bad_topology_reports_its_location() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/err"),
        "*.yaml",
        |path| {
            let rel = format!(
                "tests/fixtures/err/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            let r = run(&["validate", "-f", &rel]);
            assert_eq!(r.code, 1, "{rel}: {}", r.stderr);
            assert!(r.stdout.is_empty());
            insta::assert_snapshot!(r.stderr);
        }
    );
}

#[test]
fn non_utf8_bytes_are_reported_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.yaml");
    std::fs::write(
        &file,
        b"apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    let r = run(&["validate", "-f", file.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    let stderr = r.stderr.replace(file.to_str().unwrap(), "[FILE]");
    insta::assert_snapshot!(stderr);
}
