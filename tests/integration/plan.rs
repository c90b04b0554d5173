//! `dify-gen plan`: the report, and the zone-loss analysis on topologies
//! with 2, 3 and 5 zones (`tests/fixtures/plan/zones-N.yaml`). The text
//! reports are insta snapshots: review changes with `cargo insta review`.

use crate::support::{dify_gen, run};
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

/// The worst-case failover times, step by step, as `plan -o json` prints
/// them for the `ha` profile.
#[test]
fn failover_times_come_from_the_settings() {
    let report = json("profiles/ha.yaml");
    let failover = &report["failover"];
    insta::assert_snapshot!(
        "plan_failover_ha",
        serde_json::to_string_pretty(failover).expect("JSON")
    );
    let worst = |report: &Value, service: &str| -> u64 {
        report["failover"]
            .as_array()
            .expect("failover list")
            .iter()
            .find(|f| f["service"] == service)
            .and_then(|f| f["worstCaseMilliseconds"].as_u64())
            .unwrap_or_else(|| panic!("no {service} estimate"))
    };
    // Each setting moves the worst case by exactly its own share.
    let slower = json("tests/fixtures/checks/failover_objective.ok.yaml");
    assert_eq!(
        worst(&slower, "postgres"),
        worst(&report, "postgres") + 10_000
    );
    let redis = json("tests/fixtures/checks/failover_objective_redis.ok.yaml");
    assert_eq!(worst(&redis, "redis"), worst(&report, "redis") + 3_000);
    let text = plan("tests/fixtures/checks/failover_objective.ok.yaml", "text");
    assert!(
        text.contains("postgres  at most 38.5s (objective 40s): meets it"),
        "{text}"
    );
    // One member, no replica: no failover at all, and the report says why.
    let dev = plan("profiles/dev.yaml", "text");
    assert!(
        dev.contains("postgres  no failover: one member: a crash is a restart, not a failover"),
        "{dev}"
    );
    assert!(
        dev.contains("redis     no failover: no replica to promote"),
        "{dev}"
    );
}

/// A component with 0 replicas serves nothing: `plan` says the release
/// does not survive, instead of leaving the component out of the scenarios
/// (a warning under `availability: basic`, as here; under `ha` it is an
/// error, T130, and `plan` prints no report).
#[test]
fn zero_replicas_is_never_a_surviving_release() {
    let out = dify_gen()
        .args([
            "plan",
            "-f",
            "profiles/ha.yaml",
            "--set",
            "components.web.replicas=0",
            "--set",
            "availability=basic",
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

/// The log agent runs on every node, so its requests come off every
/// node's allocatable: nodes sized to the release's pods without it
/// (plus half the agent) hold everything with logging off and leave pods
/// unscheduled with it on.
#[test]
fn the_log_agent_takes_its_requests_from_every_node() {
    let report = |sets: &[String]| -> Value {
        let mut cmd = dify_gen();
        cmd.args(["plan", "-f", "profiles/ha.yaml", "-o", "json"]);
        for s in sets {
            cmd.args(["--set", s]);
        }
        let out = cmd.output().expect("dify-gen runs");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let off = "logging.enabled=false".to_string();
    // One node per zone: the spread rules alone decide the placement, so
    // it is the same whatever room the nodes have.
    let nodes = |memory: &str| {
        format!(
            "nodes=[{{name: a, zone: zone-a, count: 1, allocatable: {{cpu: '64', memory: '{memory}'}}}}, {{name: b, zone: zone-b, count: 1, allocatable: {{cpu: '64', memory: '{memory}'}}}}, {{name: c, zone: zone-c, count: 1, allocatable: {{cpu: '64', memory: '{memory}'}}}}]"
        )
    };
    let roomy = report(&[off.clone(), nodes("1000Gi")]);
    let need = roomy["capacity"]["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["memory"].as_f64().unwrap())
        .fold(0.0, f64::max);
    let agent = 128.0 * 1024.0 * 1024.0;
    let nodes = nodes(&((need + agent / 2.0) as u64).to_string());
    let without = report(&[off, nodes.clone()]);
    assert_eq!(without["capacity"]["unscheduled"], serde_json::json!([]));
    assert_eq!(without["capacity"]["perNode"], serde_json::json!([]));
    let with = report(&[nodes]);
    assert_eq!(
        with["capacity"]["perNode"],
        serde_json::json!([{"component": "fluent-bit", "cpu": 0.1, "memory": agent}])
    );
    assert!(
        !with["capacity"]["unscheduled"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        with["capacity"]
    );
    // The zone's requests include the agent on its node.
    let zone_a = |r: &Value| r["capacity"]["zones"][0]["memory"].as_f64().unwrap();
    assert!(zone_a(&with) < zone_a(&without) + agent + 1.0);
}

/// A zone going dark with its nodes present and tainted: every Deployment
/// of `ha` (soft zone and host spread) is back at its replicas; the old
/// hard zone spread keeps the evicted pod Pending, with the reason.
#[test]
fn zone_outage_with_nodes_present_restores_every_deployment() {
    let report = json("profiles/ha.yaml");
    let outages = report["capacity"]["zoneOutages"].as_array().unwrap();
    assert_eq!(outages.len(), 3);
    for outage in outages {
        assert_eq!(outage["scenario"], "nodes-unreachable");
        assert_eq!(outage["survives"], true, "{outage:#}");
        for o in outage["outcomes"].as_array().unwrap() {
            if o["pendingReason"] == "zonal-volume" {
                // StatefulSet members wait for their node and volume.
                assert!(o["capacityBackSeconds"].is_null(), "{o:#}");
                continue;
            }
            assert_eq!(o["after"], o["replicas"], "{o:#}");
            assert!(o["capacityBackSeconds"].is_u64(), "{o:#}");
        }
    }
    // The api: 50 s detection + 30 s toleration + 10 s start + 300 s startup window.
    let api = outcome(&outages[0], "api");
    assert_eq!(api["capacityBackSeconds"], 390, "{api:#}");
    assert_eq!(api["hpaCanAdd"], api["hpaWants"], "{api:#}");

    let (hard, text) = hard_zone_spread_report();
    assert_eq!(hard["survivesZoneLoss"], false);
    for outage in hard["capacity"]["zoneOutages"].as_array().unwrap() {
        assert_eq!(outage["survives"], false, "{outage:#}");
        let api = outcome(outage, "api");
        assert_eq!(api["after"], 2, "{api:#}");
        assert_eq!(api["pending"], 1, "{api:#}");
        assert_eq!(api["pendingReason"], "zone-spread", "{api:#}");
        assert_eq!(api["hpaCanAdd"], 0, "{api:#}");
        assert!(api["capacityBackSeconds"].is_null(), "{api:#}");
    }
    // With the nodes deleted the same spread places it: the old model.
    for loss in hard["capacity"]["zoneLosses"].as_array().unwrap() {
        assert_eq!(loss["scenario"], "nodes-deleted");
        assert_eq!(loss["survives"], true, "{loss:#}");
    }
    assert!(text.contains("zone-spread"), "{text}");
}

/// `plan -o json` of `ha` with the api's old hard zone spread, parsed and
/// as text.
fn hard_zone_spread_report() -> (Value, String) {
    let out = run(&[
        "plan",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "components.api.spread=zone",
        "-o",
        "json",
    ]);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    (report, out.stdout)
}

/// Time to full capacity beside the objective: the worst zone's sum per
/// Deployment, with its parts; StatefulSets left to their failover.
#[test]
fn time_to_full_capacity_is_reported_beside_its_objective() {
    let report = json("profiles/ha.yaml");
    let r = &report["capacityRecovery"];
    assert_eq!(r["objectiveSeconds"], 600, "{r:#}");
    let components = r["components"].as_array().unwrap();
    assert!(
        components.iter().all(|c| c["meetsObjective"] == true),
        "{r:#}"
    );
    let api = components.iter().find(|c| c["component"] == "api").unwrap();
    assert_eq!(api["seconds"], 390, "{api:#}");
    let parts: u64 = [
        "detectionSeconds",
        "evictionSeconds",
        "startSeconds",
        "startupSeconds",
    ]
    .iter()
    .map(|k| api[k].as_u64().unwrap())
    .sum();
    assert_eq!(parts, 390, "{api:#}");
    assert!(
        !components.iter().any(|c| c["component"] == "postgres"),
        "{r:#}"
    );

    // The text prints it right after the failover objectives.
    let text = run(&["plan", "-f", "profiles/ha.yaml"]).stdout;
    let failover = text.find("\nfailover").unwrap();
    let capacity = text.find("\nfull capacity after a zone outage").unwrap();
    let outage = text.find("\nzone loss").unwrap();
    assert!(failover < capacity && capacity < outage, "{text}");
    assert!(
        text.contains("  objective 600s (recovery.capacityObjectiveSeconds)\n"),
        "{text}"
    );
    assert!(text.contains("api               390s after zone `zone-a` goes dark = 50s detection + 30s eviction + 10s scheduling + 300s startup: meets it"), "{text}");

    // A hard zone spread leaves the api Pending: not timed, and T221's.
    let (hard, _) = hard_zone_spread_report();
    let api = hard["capacityRecovery"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "api")
        .unwrap()
        .clone();
    assert!(api["seconds"].is_null(), "{api:#}");
    assert_eq!(api["pendingReason"], "zone-spread", "{api:#}");
    assert_eq!(api["meetsObjective"], false, "{api:#}");
}

/// The outcome of one component in one zone-loss scenario.
fn outcome<'a>(loss: &'a Value, component: &str) -> &'a Value {
    loss["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["component"] == component)
        .unwrap_or_else(|| panic!("no outcome for {component}"))
}

/// `dify-gen graph`: both languages show every pod group the topology runs
/// with its replicas, and exactly the connections of the component graph
/// (merged per pair, DNS and monitoring left out).
#[test]
fn graph_draws_the_components_and_their_connections() {
    let mermaid = run(&["graph", "-f", "profiles/ha.yaml"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    let m = &mermaid.stdout;
    assert!(m.contains("flowchart LR\n"));
    assert!(m.contains("zones: zone-a, zone-b, zone-c"));
    assert!(
        m.contains("api[\"api<br/>3-9 replicas (HPA), spread by zone-preferred\"]"),
        "{m}"
    );
    assert!(m.contains("postgres[\"postgres<br/>3 members\"]"), "{m}");
    assert!(m.contains("  api -->|\"5432\"| postgres\n"), "{m}");
    assert!(m.contains("  entry -->|\"3000\"| web\n"), "{m}");
    assert!(!m.contains("dns") && !m.contains("prometheus"), "{m}");
    let dot = run(&["graph", "-f", "profiles/ha.yaml", "--format", "dot"]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    let d = &dot.stdout;
    assert!(d.starts_with("digraph dify {\n") && d.ends_with("}\n"));
    assert!(d.contains("  api -> postgres [label=\"5432\"];\n"), "{d}");
    assert!(
        d.contains("api [label=\"api\\n3-9 replicas (HPA), spread by zone-preferred\"];"),
        "{d}"
    );
    // The same edges in both.
    let m_edges = m.lines().filter(|l| l.contains(" -->|")).count();
    let d_edges = d.lines().filter(|l| l.contains(" -> ")).count();
    assert_eq!(m_edges, d_edges);
    // Another topology, another picture.
    let dev = run(&["graph", "-f", "profiles/dev.yaml"]);
    assert_eq!(dev.code, 0, "{}", dev.stderr);
    assert_ne!(dev.stdout, *m);
}

/// Graphviz itself reads the DOT picture: `dot` lays it out as SVG, with a
/// node for every pod group and an edge for every connection it printed.
#[test]
fn graphviz_draws_the_dot_picture() {
    use std::io::Write;
    let dot = crate::realprograms::harness::require_program("dot");
    let picture = run(&["graph", "-f", "profiles/ha.yaml", "--format", "dot"]);
    assert_eq!(picture.code, 0, "{}", picture.stderr);
    let mut child = std::process::Command::new(dot)
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dot starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(picture.stdout.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "dot: {stderr}");
    let svg = String::from_utf8_lossy(&out.stdout);
    let edges = picture
        .stdout
        .lines()
        .filter(|l| l.contains(" -> "))
        .count();
    assert!(edges > 20, "{}", picture.stdout);
    assert_eq!(svg.matches("class=\"edge\"").count(), edges, "{svg}");
    assert!(svg.contains(">api</text>"), "{svg}");
}
