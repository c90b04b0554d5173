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
