//! The bad-topology corpus: each file under `tests/fixtures/err/` must fail
//! with exit 1 and exactly the snapshotted message and location. A file
//! whose findings are warnings starts with `# dify-gen: --strict`.

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
            let text = std::fs::read_to_string(path).unwrap();
            let mut args = vec!["validate", "-f", &rel];
            if text.starts_with("# dify-gen: --strict") {
                args.push("--strict");
            }
            let r = run(&args);
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

/// `--set` values point at the `--set`: a bad value, and an empty one that
/// removes a required field or a section the chosen mode needs; removing
/// what the modes do not use is accepted.
#[test]
fn set_values_are_reported_at_the_set() {
    let cases: &[&[&str]] = &[
        &["--set", "metadata.name="],
        &["--set", "etcd=null"],
        &["--set", "components.api.replicas=[3]"],
    ];
    let mut shown = String::new();
    for extra in cases {
        let mut args = vec!["validate", "-f", "profiles/ha.yaml"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 1, "{extra:?}: {}", r.stderr);
        shown.push_str(&format!("$ dify-gen {}\n{}", args.join(" "), r.stderr));
    }
    insta::assert_snapshot!(shown);
    let external = run(&[
        "validate",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "postgres.mode=external",
        "--set",
        "postgres.patroni=null",
        "--set",
        "postgres.external={host: db.internal, port: 5432, sslMode: require, maxConnections: 800}",
        "--set",
        "etcd=",
        // pgBackRest backs up the Patroni cluster only (T212).
        "--set",
        "backup=null",
    ]);
    assert_eq!(external.code, 0, "{}", external.stderr);
}
