//! `dify-gen plan`: the report, and the zone-loss analysis on topologies
//! with 2, 3 and 5 zones (`tests/fixtures/plan/zones-N.yaml`). The text
//! reports are insta snapshots: review changes with `cargo insta review`.

use crate::support::dify_gen;
use serde_json::Value;

fn plan(file: &str, format: &str) -> String {
    plan_with(file, &["-o", format])
}

fn plan_with(file: &str, extra: &[&str]) -> String {
    let out = dify_gen()
        .args(["plan", "-f", file])
        .args(extra)
        .output()
        .expect("dify-gen runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the report is UTF-8")
}

fn json(file: &str) -> Value {
    serde_json::from_str(&plan(file, "json")).expect("plan -o json prints JSON")
}

#[test]
fn ha_profile_survives_any_zone() {
    let text = plan("profiles/ha.yaml", "text");
    assert!(
        text.contains(
            "verdict: survives the loss of any one zone, with room for every evicted pod"
        ),
        "{text}"
    );
    assert!(text.contains("every pod schedules"), "{text}");
    // The objectives, against what the schedules and the archive achieve.
    assert!(
        text.contains("RPO 60s (continuous WAL archiving (`archive.timeoutSeconds`)) against an objective of 5m: met"),
        "{text}"
    );
    assert!(
        text.contains("at most 24.0h between full backups, 60m between backups of any kind"),
        "{text}"
    );
    let report = json("profiles/ha.yaml");
    assert_eq!(report["survivesZoneLoss"], true);
    assert_eq!(report["backup"]["rtoObjectiveSeconds"], 3600);
    assert_eq!(
        report["backup"]["repositories"].as_array().unwrap().len(),
        2
    );
    let none = plan_with("profiles/ha.yaml", &["--set", "backup=null"]);
    assert!(none.contains("backups\n  not configured"), "{none}");
}

#[test]
fn two_zones_lose_quorum_with_the_fuller_zone() {
    let report = json("tests/fixtures/plan/zones-2.yaml");
    assert_eq!(report["survivesZoneLoss"], false);
    let losses = report["capacity"]["zoneLosses"].as_array().unwrap();
    assert_eq!(losses.len(), 2);
    // Capacity is ample: what fails is etcd's and Sentinel's majority in
    // the zone that holds two of three members.
    let mut failing: Vec<&str> = losses
        .iter()
        .filter(|l| l["survives"] == false)
        .flat_map(|l| l["outcomes"].as_array().unwrap())
        .filter(|o| o["verdict"] == "fails")
        .map(|o| o["component"].as_str().unwrap())
        .collect();
    failing.sort_unstable();
    assert_eq!(failing, ["etcd", "sentinel"]);
    assert!(losses
        .iter()
        .all(|l| l["unscheduled"].as_array().unwrap().is_empty()));
    insta::assert_snapshot!(
        "plan_zones_2",
        plan("tests/fixtures/plan/zones-2.yaml", "text")
    );
}

#[test]
fn three_zones_survive_with_headroom() {
    let report = json("tests/fixtures/plan/zones-3.yaml");
    assert_eq!(report["survivesZoneLoss"], true);
    assert_eq!(report["backup"]["rpoSeconds"], 60);
    insta::assert_snapshot!(
        "plan_zones_3",
        plan("tests/fixtures/plan/zones-3.yaml", "text")
    );
}

#[test]
fn five_zones_survive_with_headroom() {
    let report = json("tests/fixtures/plan/zones-5.yaml");
    assert_eq!(report["survivesZoneLoss"], true);
    assert_eq!(
        report["capacity"]["zoneLosses"].as_array().unwrap().len(),
        5
    );
    assert_eq!(report["backup"]["rpoSeconds"], 6 * 3600);
    insta::assert_snapshot!(
        "plan_zones_5",
        plan("tests/fixtures/plan/zones-5.yaml", "text")
    );
}

#[test]
fn tight_nodes_name_the_pods_left_unscheduled() {
    let report = json("tests/fixtures/checks/capacity_unschedulable.yaml");
    assert_eq!(report["survivesZoneLoss"], false);
    assert!(!report["capacity"]["unscheduled"]
        .as_array()
        .unwrap()
        .is_empty());
    let text = plan("tests/fixtures/checks/capacity_unschedulable.yaml", "text");
    assert!(text.contains("unscheduled: "), "{text}");
}

#[test]
fn connection_budget_and_quorums_are_reported() {
    let report = json("profiles/ha.yaml");
    assert_eq!(report["connections"]["total"], 630);
    assert_eq!(report["connections"]["maxConnections"], 800);
    let quorums: Vec<(&str, u64)> = report["quorums"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["component"].as_str().unwrap(),
                q["needed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        quorums,
        [("etcd", 2), ("postgres", 1), ("sentinel", 2), ("redis", 1)]
    );
}

/// A component with 0 replicas serves nothing: `plan` says the release
/// does not survive, instead of leaving the component out of the scenarios
/// (with a warning over `dev`; over `ha` it is an error, T130).
#[test]
fn zero_replicas_is_never_a_surviving_release() {
    let out = dify_gen()
        .args([
            "plan",
            "-f",
            "profiles/ha.yaml",
            "--set",
            "components.web.replicas=0",
            "-o",
            "json",
        ])
        .output()
        .expect("dify-gen runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`web` has 0 replicas"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("plan -o json prints JSON");
    assert_eq!(report["survivesZoneLoss"], false, "{report:#}");
    let losses = report["capacity"]["zoneLosses"].as_array().unwrap();
    assert_eq!(losses.len(), 3);
    for loss in losses {
        assert_eq!(loss["survives"], false, "{loss:#}");
        assert!(
            loss["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["component"] == "web" && o["verdict"] == "fails"),
            "{loss:#}"
        );
    }
}
