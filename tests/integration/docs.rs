//! Generated files must match what the binary generates today, and the
//! release page must list what the catalogue holds.

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

#[test]
fn release_page_lists_every_catalogue_entry() {
    let page = std::fs::read_to_string("docs/releases.md").unwrap();
    for release in dify_gen::dify::releases::RELEASES {
        assert!(
            page.contains(&format!("| {} |", release.version)),
            "{}",
            release.version
        );
        for kind in release.components {
            let image = release.image(*kind).unwrap();
            assert!(
                page.contains(&format!("`{image}`")),
                "{image} is not in docs/releases.md"
            );
        }
        for queue in release.queues {
            assert!(
                page.contains(&format!("`{queue}`")),
                "queue {queue} is not in docs/releases.md"
            );
        }
        for route in release.routes {
            assert!(
                page.contains(&format!("`{}`", route.path)),
                "route {}",
                route.path
            );
        }
    }
}

/// The README's Mermaid block is what `dify-gen graph` prints for `ha`.
#[test]
fn readme_picture_matches_the_graph_command() {
    let printed = run(&["graph", "-f", "profiles/ha.yaml"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let readme = std::fs::read_to_string("README.md").unwrap();
    let begin = "<!-- dify-gen graph -f profiles/ha.yaml: begin -->\n```mermaid\n";
    let end = "```\n<!-- dify-gen graph -f profiles/ha.yaml: end -->";
    let start = readme.find(begin).expect("README has the picture") + begin.len();
    let stop = readme[start..].find(end).expect("the picture ends") + start;
    assert!(
        readme[start..stop] == printed.stdout,
        "README.md's picture is stale: paste `dify-gen graph -f profiles/ha.yaml` between its markers"
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
