//! kubeconform's acceptance suite (`acceptance.bats` and its fixtures),
//! rewritten as behaviour `dify-gen validate` meets in strict mode: valid
//! and invalid streams, blank and comment-only files, missing `kind` or
//! `apiVersion`, lists, duplicate and extra properties, stdin, custom
//! resources with and without a schema (`--crd`, `--schema-location` in
//! kubeconform's layouts). Fixtures are under `tests/fixtures/acceptance/`.
//!
//! Where dify-gen differs on purpose, the case says so: it is always strict
//! (kubeconform needs `-strict` to refuse unknown and duplicate fields) and
//! an unreadable path is a usage error (exit 2, kubeconform exits 1).

use crate::support::{run_in, Run};
use serde_json::Value;
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/acceptance");

fn validate(args: &[&str]) -> Run {
    validate_stdin(args, None)
}

fn validate_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut all = vec!["validate"];
    all.extend(args);
    run_in(Some(Path::new(DIR)), &all, stdin.map(str::as_bytes))
}

/// Asserts the exit code and the summary line (`N files, M documents: ...`).
fn expect(run: &Run, code: i32, summary: &str) {
    assert_eq!(run.code, code, "{}{}", run.stdout, run.stderr);
    let last = run.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, summary, "{}", run.stdout);
}

fn findings(run: &Run) -> Vec<(String, String, u64)> {
    let report: Value = serde_json::from_str(&run.stdout).expect("-o json prints JSON");
    report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn valid_files_folders_and_streams_pass() {
    for (args, summary) in [
        (
            &["valid.yaml"][..],
            "1 file, 1 document: 0 errors, 0 warnings",
        ),
        (&["valid.json"], "1 file, 1 document: 0 errors, 0 warnings"),
        (&["folder"], "2 files, 4 documents: 0 errors, 0 warnings"),
        (
            &["int-or-string.yaml"],
            "1 file, 1 document: 0 errors, 0 warnings",
        ),
        (
            &["null-fields.yaml"],
            "1 file, 1 document: 0 errors, 0 warnings",
        ),
        (
            &["generate-name.yaml"],
            "1 file, 1 document: 0 errors, 0 warnings",
        ),
        (
            &["quantities.yaml"],
            "1 file, 1 document: 0 errors, 0 warnings",
        ),
        (
            &["multi-valid.yaml"],
            "1 file, 3 documents: 0 errors, 0 warnings",
        ),
        (&["blank.yaml"], "1 file, 0 documents: 0 errors, 0 warnings"),
        (
            &["comment.yaml"],
            "1 file, 0 documents: 0 errors, 0 warnings",
        ),
    ] {
        expect(&validate(args), 0, summary);
    }
}

#[test]
fn invalid_resources_fail_at_their_line() {
    let run = validate(&["-o", "json", "multi-invalid.yaml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        findings(&run),
        [(
            "V002".into(),
            "expected integer, found string `\"80\"`".into(),
            15
        )]
    );
    // Strict always: unknown and duplicate fields are findings.
    let run = validate(&["-o", "json", "extra-property.yaml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        findings(&run),
        [("V001".into(), "unknown field `owner`".into(), 5)]
    );
    let run = validate(&["-o", "json", "duplicate-property.yaml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        findings(&run),
        [("L002".into(), "duplicate key `data`".into(), 7)]
    );
}

#[test]
fn missing_kind_or_api_version() {
    for (text, message) in [
        ("key: value\n", "document has no `apiVersion` and `kind`"),
        ("kind:\n", "document has no `apiVersion` and `kind`"),
        ("apiVersion: v1\nkind:\n", "document has no `kind`"),
        (
            "kind: ConfigMap\nmetadata: {name: a}\n",
            "document has no `apiVersion`",
        ),
    ] {
        let run = validate_stdin(&["-o", "json", "-"], Some(text));
        assert_eq!(run.code, 1, "{text}");
        let found = findings(&run);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(
            (found[0].0.as_str(), found[0].1.as_str()),
            ("V007", message)
        );
    }
}

#[test]
fn lists_are_validated_item_by_item() {
    expect(
        &validate(&["list-valid.yaml"]),
        0,
        "1 file, 2 documents: 0 errors, 0 warnings",
    );
    expect(
        &validate(&["list-empty.yaml"]),
        0,
        "1 file, 0 documents: 0 errors, 0 warnings",
    );
    expect(
        &validate(&["multi-with-list.yaml"]),
        0,
        "1 file, 2 documents: 0 errors, 0 warnings",
    );
    let text = std::fs::read_to_string(format!("{DIR}/list-invalid.yaml")).unwrap();
    for run in [
        validate(&["-o", "json", "list-invalid.yaml"]),
        validate_stdin(&["-o", "json", "-"], Some(&text)),
    ] {
        assert_eq!(run.code, 1);
        assert_eq!(
            findings(&run),
            [(
                "V002".into(),
                "expected integer, found string `\"one\"`".into(),
                18
            )]
        );
    }
    let run = validate_stdin(&["-"], Some(&text));
    assert!(run.stdout.contains("--> <stdin>:18:17"), "{}", run.stdout);
}

#[test]
fn stdin_and_unreadable_paths() {
    let text = std::fs::read_to_string(format!("{DIR}/valid.yaml")).unwrap();
    expect(
        &validate_stdin(&["-"], Some(&text)),
        0,
        "1 file, 1 document: 0 errors, 0 warnings",
    );
    let run = validate(&["not-here.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not-here.yaml"), "{}", run.stderr);
    // A long stream from stdin: every document is counted and checked.
    let doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: n\ndata:\n  k: v\n";
    let stream: String = (0..3000)
        .map(|i| doc.replace("{i}", &i.to_string()))
        .collect();
    expect(
        &validate_stdin(&["-"], Some(&stream)),
        0,
        "1 file, 3000 documents: 0 errors, 0 warnings",
    );
}

#[test]
fn custom_resources_need_a_schema() {
    let run = validate(&["crd/unknown-kind.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("error[V006]: no schema for kind `Restore`"),
        "{}",
        run.stdout
    );
    expect(
        &validate(&["--ignore-missing-schemas", "crd/unknown-kind.yaml"]),
        0,
        "1 file, 1 document: 0 errors, 0 warnings",
    );
}

/// `--crd`: the CRD's schema, strict, with its defaults, CEL rules,
/// `messageExpression` and `fieldPath`.
#[test]
fn crd_files_validate_their_custom_resources() {
    expect(
        &validate(&["--crd", "crd/backup-crd.yaml", "crd/backup.yaml"]),
        0,
        "1 file, 1 document: 0 errors, 0 warnings",
    );
    let run = validate(&[
        "-o",
        "json",
        "--crd",
        "crd/backup-crd.yaml",
        "crd/backup-invalid.yaml",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        findings(&run),
        [
            ("V010".into(), "retention must be 1 to 90 days".into(), 6),
            (
                "V010".into(),
                "a suspended backup of dify needs a reason".into(),
                9
            ),
            ("V001".into(), "unknown field `tables`".into(), 12),
        ]
    );
    // A version that is not served has no schema.
    let run = validate_stdin(
        &["--crd", "crd/backup-crd.yaml", "-"],
        Some("apiVersion: example.com/v0\nkind: Backup\nmetadata: {name: a}\n"),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let run = validate(&["--crd", "valid.yaml", "crd/backup.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("holds no CustomResourceDefinition"),
        "{}",
        run.stderr
    );
}

/// `--schema-location` in kubeconform's layouts: a directory (the
/// CRDs-catalog `{group}/{kind}_{version}.json`), a template, several
/// locations searched in order, a single file; `$ref`s to files next to
/// the schema.
#[test]
fn schema_locations_in_kubeconform_layouts() {
    let ok = "1 file, 1 document: 0 errors, 0 warnings";
    for location in [
        "registry",
        "registry/{{ .ResourceKind }}{{ .KindSuffix }}.json",
        "registry/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
        "registry/backup-example-v1.json",
    ] {
        expect(
            &validate(&["--schema-location", location, "crd/backup.yaml"]),
            0,
            ok,
        );
        let run = validate(&[
            "-o",
            "json",
            "--schema-location",
            location,
            "crd/backup-invalid.yaml",
        ]);
        assert_eq!(run.code, 1, "{location}");
        assert_eq!(
            findings(&run),
            [
                (
                    "V004".into(),
                    "`365` is greater than the maximum of 90".into(),
                    8
                ),
                ("V001".into(), "unknown field `tables`".into(), 12),
            ],
            "{location}"
        );
    }
    // Several locations: the first that has the file wins.
    let run = validate(&[
        "--schema-location",
        "nowhere/{{ .ResourceKind }}.json",
        "--schema-location",
        "registry",
        "crd/backup.yaml",
    ]);
    expect(&run, 0, ok);
    // Built-in kinds still use the bundled schemas.
    expect(
        &validate(&["--schema-location", "registry", "valid.yaml"]),
        0,
        ok,
    );
    let run = validate(&[
        "--schema-location",
        "registry/{{ .Kind }}.json",
        "valid.yaml",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown variable `Kind`"),
        "{}",
        run.stderr
    );
    // A schema file that cannot be used is a finding on the document.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("backup-example-v1.json"), "{not json").unwrap();
    let location = format!(
        "{}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        dir.path().display()
    );
    let run = validate(&["--schema-location", &location, "crd/backup.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("error[V009]: the schema for `example.com/v1/Backup` cannot be used"),
        "{}",
        run.stdout
    );
}
