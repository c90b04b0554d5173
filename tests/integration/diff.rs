//! `dify-gen diff OLD NEW`: the listing of what changes, and one test per
//! hazard (D001-D018) with a small OLD/NEW pair proving it is flagged, that
//! the exit is 1 for it, and that `--allow` clears it. Most pairs are
//! manifest streams (fast); the release steps, quorums, no-op and
//! two-trees cases render topologies through the whole pipeline.

use crate::support::run;
use std::path::Path;

const HAZARD_CODES: &[&str] = &[
    "D001", "D002", "D003", "D004", "D005", "D006", "D007", "D008", "D009", "D010", "D011", "D012",
    "D013", "D014", "D015", "D016", "D017", "D018",
];

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// The codes flagged in a text report.
fn flagged(stdout: &str) -> Vec<String> {
    let mut codes: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix("hazard[")
                .or_else(|| l.strip_prefix("allowed["))
        })
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect();
    codes.dedup();
    codes
}

/// Runs `diff` on the two inputs (plus `extra` arguments) and proves
/// `code` is flagged with exit 1, that allowing every flagged code but
/// `code` still exits 1, and that allowing them all exits 0 with `code`
/// shown as allowed. Returns the first report.
fn flags(old: &str, new: &str, extra: &[&str], code: &str) -> String {
    let mut args = vec!["diff", old, new];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 1, "{code}: {}\n{}", r.stdout, r.stderr);
    let codes = flagged(&r.stdout);
    assert!(
        codes.iter().any(|c| c == code),
        "{code} not in {codes:?}:\n{}",
        r.stdout
    );
    let mut others = args.clone();
    for c in codes.iter().filter(|c| *c != code) {
        others.extend(["--allow", c.as_str()]);
    }
    let partly = run(&others);
    assert_eq!(
        partly.code, 1,
        "{code} alone still fails: {}",
        partly.stdout
    );
    let mut all = others.clone();
    all.extend(["--allow", code]);
    let allowed = run(&all);
    assert_eq!(allowed.code, 0, "{}\n{}", allowed.stdout, allowed.stderr);
    assert!(
        allowed.stdout.contains(&format!("allowed[{code}]")),
        "{}",
        allowed.stdout
    );
    r.stdout
}

/// `diff` of the `ha` profile against itself with `extra` layers (each
/// side renders through the whole pipeline, so this runs it twice):
/// `codes` are flagged with exit 1, and allowing every flagged code exits
/// 0. (That allowing only some still fails is proven on streams.)
fn topology_flags(extra: &[&str], codes: &[&str]) -> String {
    let mut args = vec!["diff", "profiles/ha.yaml", "profiles/ha.yaml"];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 1, "{codes:?}: {}\n{}", r.stdout, r.stderr);
    let found = flagged(&r.stdout);
    for code in codes {
        assert!(
            found.iter().any(|c| c == code),
            "{code} not in {found:?}:\n{}",
            r.stdout
        );
    }
    for c in &found {
        args.extend(["--allow", c.as_str()]);
    }
    let allowed = run(&args);
    assert_eq!(allowed.code, 0, "{}\n{}", allowed.stdout, allowed.stderr);
    r.stdout
}

/// A pair of streams: `old` and `new` as given.
fn pair(old: &str, new: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let o = write(dir.path(), "old.yaml", old);
    let n = write(dir.path(), "new.yaml", new);
    (dir, o, n)
}

/// `flags` on a pair of streams.
fn stream_flags(old: &str, new: &str, code: &str) -> String {
    let (_dir, o, n) = pair(old, new);
    flags(&o, &n, &[], code)
}

/// Runs `diff` on a pair of streams and expects no hazard.
fn clean(old: &str, new: &str) -> String {
    let (_dir, o, n) = pair(old, new);
    let r = run(&["diff", &o, &n]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(flagged(&r.stdout).is_empty(), "{}", r.stdout);
    r.stdout
}

fn deployment(replicas: u32, strategy: &str, selector: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: app\n\
         spec:\n  replicas: {replicas}\n  strategy:\n{strategy}\n  selector:\n    matchLabels:\n      app: {selector}\n\
         \x20 template:\n    metadata:\n      labels:\n        app: {selector}\n\
         \x20   spec:\n      containers:\n      - name: web\n        image: {image}\n"
    )
}

const ROLLING: &str = "    type: RollingUpdate";

fn statefulset(
    name: &str,
    replicas: u32,
    extra: &str,
    claim: &str,
    size: &str,
    image: &str,
) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: app\n  labels:\n    app.kubernetes.io/component: {name}\n\
         spec:\n  replicas: {replicas}\n  serviceName: {name}-headless\n{extra}  selector:\n    matchLabels:\n      app: {name}\n\
         \x20 template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: db\n        image: {image}\n\
         \x20 volumeClaimTemplates:\n  - metadata:\n      name: {claim}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: {size}\n"
    )
}

fn claim(class: &str, size: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: files\n  namespace: app\n\
         spec:\n  storageClassName: {class}\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: {size}\n"
    )
}

#[test]
fn d001_a_selector_change_is_rejected_by_apply() {
    let out = stream_flags(
        &deployment(3, ROLLING, "web", "nginx:1.27"),
        &deployment(3, ROLLING, "frontend", "nginx:1.27"),
        "D001",
    );
    assert!(out.contains("~ Deployment app/web\n"), "{out}");
    assert!(
        out.contains("    spec.selector.matchLabels.app: \"web\" -> \"frontend\"\n"),
        "{out}"
    );
}

#[test]
fn d002_a_statefulset_service_name_change_is_rejected() {
    let old = statefulset("db", 3, "", "data", "10Gi", "postgres:17");
    let new = old.replace("serviceName: db-headless", "serviceName: db");
    stream_flags(&old, &new, "D002");
}

#[test]
fn d003_a_claim_template_change_is_rejected() {
    let old = statefulset("db", 3, "", "data", "10Gi", "postgres:17");
    let new = old.replace(
        "accessModes: [ReadWriteOnce]",
        "accessModes: [ReadWriteOncePod]",
    );
    stream_flags(&old, &new, "D003");
}

#[test]
fn d004_a_pod_management_policy_change_is_rejected() {
    let old = statefulset("db", 3, "", "data", "10Gi", "postgres:17");
    let new = statefulset(
        "db",
        3,
        "  podManagementPolicy: Parallel\n",
        "data",
        "10Gi",
        "postgres:17",
    );
    stream_flags(&old, &new, "D004");
}

#[test]
fn d005_a_job_template_change_is_rejected() {
    let job = |image: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: app\n\
             spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: {image}\n"
        )
    };
    stream_flags(&job("api:1"), &job("api:2"), "D005");
}

#[test]
fn d006_a_cluster_ip_change_is_rejected() {
    let svc = |ip: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n  namespace: app\n\
             spec:\n{ip}  selector:\n    app: db\n  ports:\n  - port: 5432\n"
        )
    };
    stream_flags(&svc("  clusterIP: None\n"), &svc(""), "D006");
    // A port change is not.
    clean(
        &svc("  clusterIP: None\n"),
        &svc("  clusterIP: None\n").replace("5432", "5433"),
    );
}

#[test]
fn d007_a_claim_class_change_is_rejected_but_growth_is_not() {
    stream_flags(&claim("standard", "10Gi"), &claim("fast", "10Gi"), "D007");
    clean(&claim("standard", "10Gi"), &claim("standard", "20Gi"));
}

#[test]
fn d008_a_volume_shrink_is_flagged_for_claims_and_claim_templates() {
    let out = stream_flags(
        &claim("standard", "10Gi"),
        &claim("standard", "5Gi"),
        "D008",
    );
    assert!(out.contains("from 10Gi to 5Gi"), "{out}");
    stream_flags(
        &statefulset("db", 3, "", "data", "10Gi", "postgres:17"),
        &statefulset("db", 3, "", "data", "5000Mi", "postgres:17"),
        "D008",
    );
}

#[test]
fn d009_a_renamed_statefulset_or_claim_template_orphans_its_claims() {
    let out = stream_flags(
        &statefulset("db", 2, "", "data", "10Gi", "postgres:17"),
        &statefulset("database", 2, "", "data", "10Gi", "postgres:17"),
        "D009",
    );
    assert!(out.contains("`data-db-0`, `data-db-1`"), "{out}");
    assert!(
        out.contains("- StatefulSet app/db\n+ StatefulSet app/database\n")
            || out.contains("+ StatefulSet app/database\n- StatefulSet app/db\n"),
        "{out}"
    );
    let out = stream_flags(
        &statefulset("db", 2, "", "data", "10Gi", "postgres:17"),
        &statefulset("db", 2, "", "pgdata", "10Gi", "postgres:17"),
        "D009",
    );
    assert!(out.contains("`data-db-0`"), "{out}");
}

#[test]
fn d010_a_claim_no_longer_rendered_is_pruned() {
    let other =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: app\ndata:\n  a: b\n";
    let out = stream_flags(
        &format!("{}---\n{other}", claim("standard", "10Gi")),
        other,
        "D010",
    );
    assert!(out.contains("- PersistentVolumeClaim app/files\n"), "{out}");
}

#[test]
fn d011_a_rollout_that_stops_every_pod_at_once_is_flagged() {
    // Recreate, whatever the replicas.
    stream_flags(
        &deployment(3, "    type: Recreate", "web", "nginx:1.27"),
        &deployment(3, "    type: Recreate", "web", "nginx:1.28"),
        "D011",
    );
    // maxUnavailable equal to the replicas.
    let all = "    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 100%\n      maxSurge: 0";
    stream_flags(
        &deployment(2, all, "web", "nginx:1.27"),
        &deployment(2, all, "web", "nginx:1.28"),
        "D011",
    );
    // One StatefulSet pod is deleted before its replacement starts.
    stream_flags(
        &statefulset("db", 1, "", "data", "10Gi", "postgres:17.1"),
        &statefulset("db", 1, "", "data", "10Gi", "postgres:17.2"),
        "D011",
    );
    // A default rolling update surges first, even for one replica; OnDelete
    // replaces nothing by itself.
    clean(
        &deployment(1, ROLLING, "web", "nginx:1.27"),
        &deployment(1, ROLLING, "web", "nginx:1.28"),
    );
    let on_delete = "  updateStrategy:\n    type: OnDelete\n";
    clean(
        &statefulset("db", 1, on_delete, "data", "10Gi", "postgres:17.1"),
        &statefulset("db", 1, on_delete, "data", "10Gi", "postgres:17.2"),
    );
}

#[test]
fn d012_replicas_below_a_disruption_budget_are_flagged() {
    let pdb = "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: app\n\
               spec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: web\n";
    let out = stream_flags(
        &format!("{}{pdb}", deployment(3, ROLLING, "web", "nginx:1.27")),
        &format!("{}{pdb}", deployment(1, ROLLING, "web", "nginx:1.27")),
        "D012",
    );
    assert!(out.contains("`minAvailable: 2`"), "{out}");
    clean(
        &format!("{}{pdb}", deployment(3, ROLLING, "web", "nginx:1.27")),
        &format!("{}{pdb}", deployment(2, ROLLING, "web", "nginx:1.27")),
    );
}

#[test]
fn d013_a_scale_down_below_quorum_is_flagged_in_trees_and_topologies() {
    stream_flags(
        &statefulset("etcd", 3, "", "data", "1Gi", "etcd:3.6"),
        &statefulset("etcd", 1, "", "data", "1Gi", "etcd:3.6"),
        "D013",
    );
    // 5 to 3 keeps a majority of the 5 the cluster knows.
    clean(
        &statefulset("etcd", 5, "", "data", "1Gi", "etcd:3.6"),
        &statefulset("etcd", 3, "", "data", "1Gi", "etcd:3.6"),
    );
    let dir = tempfile::tempdir().unwrap();
    let one = write(dir.path(), "one.yaml", "etcd:\n  members: 1\n");
    let out = topology_flags(&["--new-layer", &one], &["D013"]);
    assert!(
        out.contains("StatefulSet dify/dify-etcd: etcd scales from 3 to 1"),
        "{out}"
    );
}

fn api_image(tag: &str) -> String {
    deployment(3, ROLLING, "api", &format!("langgenius/dify-api:{tag}"))
}

#[test]
fn d014_a_step_over_a_release_with_its_own_migration_is_flagged() {
    let out = stream_flags(&api_image("0.15.3"), &api_image("1.16.1"), "D014");
    assert!(
        out.contains("hazard[D014]: Dify 0.15.3 -> 1.16.1: the step skips 1.0.0"),
        "{out}"
    );
    // Landing on the stop is the way through.
    clean(&api_image("0.15.3"), &api_image("1.0.0"));
}

#[test]
fn d015_and_d017_a_downgrade_is_flagged_with_the_components_it_removes() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", "dify:\n  version: \"1.13.3\"\n");
    let out = topology_flags(&["--new-layer", &old], &["D015", "D017"]);
    assert!(out.contains("hazard[D015]: Dify 1.16.1 -> 1.13.3"), "{out}");
    assert!(
        out.contains("1.13.3 no longer runs `api-websocket`, `agent-backend`"),
        "{out}"
    );
    assert!(
        out.contains("- Deployment dify/dify-agent-backend\n"),
        "{out}"
    );
}

#[test]
fn d016_an_upgrade_that_adds_components_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", "dify:\n  version: \"1.13.3\"\n");
    let out = topology_flags(&["--old-layer", &old], &["D016"]);
    assert!(
        out.contains("1.16.1 runs components 1.13.3 does not: `api-websocket`"),
        "{out}"
    );
    assert!(
        out.contains("+ Deployment dify/dify-api-websocket\n"),
        "{out}"
    );
    assert!(out.contains("+ Job dify/dify-migration-1-16-1\n"), "{out}");
    assert!(out.contains("- Job dify/dify-migration-1-13-3\n"), "{out}");
    assert!(!out.contains("D014") && !out.contains("D015"), "{out}");
}

#[test]
fn d018_immutable_config_data_changes_are_rejected() {
    let cm = |v: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: app\nimmutable: true\ndata:\n  a: {v}\n")
    };
    stream_flags(&cm("one"), &cm("two"), "D018");
    clean(
        &cm("one").replace("immutable: true\n", ""),
        &cm("two").replace("immutable: true\n", ""),
    );
}

#[test]
fn secret_values_never_show_in_the_listing_or_the_patch() {
    let secret = |v: &str| {
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: app\nimmutable: true\ndata:\n  password: {v}\n")
    };
    let (_dir, o, n) = pair(&secret("b2xkLXZhbHVl"), &secret("bmV3LXZhbHVl"));
    let r = run(&["diff", &o, &n, "--patch", "--allow", "D018"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("data.password: \"(redacted)\" -> \"(redacted)\""),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("b2xkLXZhbHVl") && !r.stdout.contains("bmV3LXZhbHVl"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_same_topology_twice_lists_nothing() {
    let r = run(&["diff", "profiles/ha.yaml", "profiles/ha.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "0 added, 0 removed, 0 changed\n");
}

#[test]
fn two_rendered_trees_compare_without_provenance_and_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let layer = write(
        dir.path(),
        "web.yaml",
        "components:\n  web:\n    replicas: 4\n",
    );
    let r = run(&[
        "render",
        "-f",
        "profiles/dev.yaml",
        "--output-dir",
        a.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "render",
        "-f",
        "profiles/dev.yaml",
        "-f",
        &layer,
        "--output-dir",
        b.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let same = run(&["diff", a, a]);
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, "0 added, 0 removed, 0 changed\n")
    );
    let r = run(&["diff", a, b]);
    // The topology hash differs on every object; only what the layer
    // changes is listed.
    let listed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with(['+', '-', '~']))
        .collect();
    assert!(
        listed.contains(&"~ Deployment dify/dify-web"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("topology-sha256"), "{}", r.stdout);
    assert!(r.stdout.contains("    spec.replicas: "), "{}", r.stdout);
    let json = run(&["diff", a, b, "--format", "json", "--patch"]);
    let again = run(&["diff", a, b, "--format", "json", "--patch"]);
    assert_eq!(json.stdout, again.stdout);
    assert_eq!(json.code, r.code);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let changed = doc["changed"].as_array().unwrap();
    assert!(changed
        .iter()
        .any(|c| c["kind"] == "Deployment" && c["name"] == "dify-web"));
    assert!(doc["patch"]
        .as_str()
        .unwrap()
        .contains("+++ new/Deployment/dify/dify-web\n"));
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&[
        "diff",
        "profiles/ha.yaml",
        "profiles/ha.yaml",
        "--allow",
        "D999",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("D001"), "{}", r.stderr);
    let r = run(&["diff", "no/such/file.yaml", "profiles/ha.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&["diff", "-", "-"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn every_hazard_code_is_registered_and_documented() {
    assert_eq!(dify_gen::diagnostic::codes::DIFF, HAZARD_CODES);
    let doc = std::fs::read_to_string("docs/upgrades.md").unwrap();
    for code in HAZARD_CODES {
        assert!(
            doc.contains(&format!("| `{code}` |")),
            "{code} in docs/upgrades.md"
        );
    }
}

#[test]
fn new_may_come_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", &claim("standard", "10Gi"));
    let new = claim("standard", "20Gi");
    let r = crate::support::run_with_stdin(&["diff", &old, "-"], Some(new.as_bytes()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("~ PersistentVolumeClaim app/files\n    spec.resources.requests.storage: \"10Gi\" -> \"20Gi\"\n"),
        "{}",
        r.stdout
    );
}
