//! Generated files must match what the binary generates today.

use crate::support::run;

#[test]
fn bundled_topology_schema_matches_the_binary() {
    let printed = run(&["schema"]).stdout;
    let committed = std::fs::read_to_string("schemas/topology.schema.json").unwrap();
    assert!(printed == committed, "schemas/topology.schema.json is stale: run `dify-gen schema > schemas/topology.schema.json`");
}

#[test]
fn field_reference_matches_the_schema() {
    let printed = run(&["schema", "--format", "markdown"]).stdout;
    let committed = std::fs::read_to_string("docs/reference.md").unwrap();
    assert!(
        printed == committed,
        "docs/reference.md is stale: run `dify-gen schema --format markdown > docs/reference.md`"
    );
}

/// `docs/restore-runbook.md` is the runbook `render` writes for the `ha`
/// profile (`backup/restore-runbook.md`).
#[test]
fn restore_runbook_matches_the_ha_render() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::dify_gen()
        .args(["render", "-f", "profiles/ha.yaml", "--output-dir"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered =
        std::fs::read_to_string(dir.path().join("out/backup/restore-runbook.md")).unwrap();
    let committed = std::fs::read_to_string("docs/restore-runbook.md").unwrap();
    assert!(
        rendered == committed,
        "docs/restore-runbook.md is stale: copy `backup/restore-runbook.md` from `dify-gen render -f profiles/ha.yaml --output-dir <dir>`"
    );
}
