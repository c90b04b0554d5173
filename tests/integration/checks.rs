//! Semantic checks, each with a topology that trips it and its fixed twin.
//!
//! Fixtures live in `tests/fixtures/checks/<name>.yaml` (trips the check)
//! and `<name>.ok.yaml` (the same topology, fixed: no finding at all). Each
//! layers over the `ha` profile. Add a row to `CASES` for a new check.

use crate::support::dify_gen;

/// Fixture name, the code it must trip, and whether that is an error
/// (exit 1) or a warning (exit 0, exit 1 with `--strict`).
const CASES: &[(&str, &str, bool)] = &[
    ("budget_min_available", "T201", true),
    ("budget_max_unavailable_zero", "T201", true),
    ("quorum_etcd_two", "T202", true),
    ("quorum_sentinel", "T202", true),
    ("quorum_sentinel_minority", "T202", false),
    ("quorum_sync_standbys", "T202", true),
    ("zones_for_quorum", "T203", false),
    ("zones_for_quorum_one_zone", "T203", false),
    ("spread_one_zone", "T108", false),
    ("singleton_replicas", "T103", true),
    ("singleton_rolling", "T103", true),
    ("requests_above_limits", "T104", true),
    ("probe_kills_start", "T204", true),
    ("entry_timeout", "T110", true),
    ("entry_timeout_plugin", "T110", true),
    ("mail_section", "T177", true),
    ("mail_starttls", "T178", true),
    ("grace_api", "T205", true),
    ("grace_worker", "T205", false),
    ("connection_budget", "T206", true),
    ("capacity_unschedulable", "T207", false),
    ("capacity_zone_loss", "T207", false),
    ("node_pool_zone", "T208", true),
    ("inline_secret", "T102", true),
    ("url_credentials", "T102", true),
    ("env_secret_value", "T102", true),
    ("zero_replicas", "T130", true),
    ("zero_replicas_dev", "T130", false),
    ("zero_replicas_autoscaled", "T130", true),
    ("autoscaling_no_cpu", "T131", true),
    ("managed_env", "T132", true),
    ("managed_secret_env", "T132", true),
    ("probe_path", "T133", false),
    ("zone_name", "T143", true),
    ("node_selector", "T143", true),
    ("quorum_etcd_even", "T202", true),
    ("log_output_endpoint", "T003", true),
    ("log_endpoint_credentials", "T102", true),
    ("log_collector_namespace", "T121", true),
    ("log_levels_unknown", "T122", true),
    ("alert_promql", "T111", true),
    ("alert_component", "T112", true),
    ("alert_selector", "T112", true),
    ("alert_for", "T113", true),
    ("alert_url_secret", "T102", true),
    ("alert_credential_version", "T114", true),
    ("release_unknown", "T117", true),
    ("release_unverified", "T118", false),
    ("image_contradicts_release", "T119", true),
    ("worker_queues", "T120", true),
    ("agent_runtime_section", "T003", true),
    ("singleton_local_sandbox", "T103", true),
    ("pg_unknown_parameter", "T140", true),
    ("pg_parameter_value", "T141", true),
    ("pg_managed_parameter", "T142", true),
    ("pg_no_catalogue", "T147", false),
    ("pg_database_name", "T143", true),
    ("pg_role_name", "T143", true),
    ("secret_name", "T143", true),
    ("s3_region", "T143", true),
    ("s3_bucket", "T143", true),
    ("vector_store_url", "T143", true),
    ("stores", "T222", true),
    ("volume_zero", "T144", true),
    ("volume_tiny", "T145", false),
    ("memory_limit_zero", "T144", true),
    ("sentinel_down_after", "T146", true),
    ("redis_version", "T146", true),
    ("patroni_timing", "T148", true),
    ("etcd_election", "T148", true),
    ("etcd_lease", "T148", true),
    ("patroni_retry_election", "T220", true),
    ("sentinel_failover_timeout", "T220", true),
    ("failover_objective", "T220", true),
    ("failover_objective_redis", "T220", true),
    ("failover_objective_dev", "T220", false),
    ("outage_spread", "T221", false),
    ("capacity_objective", "T214", true),
    ("host_zone", "T401", true),
    ("host_duplicate", "T402", true),
    ("host_no_manager", "T403", true),
    ("backup_cron", "T124", true),
    ("backup_three_two_one", "T209", true),
    ("backup_one_place", "T209", false),
    ("backup_rpo", "T210", true),
    ("backup_rpo_schedule", "T210", true),
    ("backup_retention", "T211", true),
    ("backup_retention_days", "T211", true),
    ("backup_needs_patroni", "T212", true),
    ("backup_rto", "T213", false),
    ("backup_repository_fields", "T150", true),
    ("backup_azure_endpoint", "T151", true),
];

fn validate(file: &str, strict: bool) -> (i32, String) {
    let mut cmd = dify_gen();
    cmd.args(["validate", "-f", file]);
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd.output().expect("dify-gen runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_check_trips_on_its_fixture() {
    for (name, code, error) in CASES {
        let file = format!("tests/fixtures/checks/{name}.yaml");
        let (status, stderr) = validate(&file, false);
        let level = if *error { "error" } else { "warning" };
        assert!(
            stderr.contains(&format!("{level}[{code}]")),
            "{name}: expected {level}[{code}], got:\n{stderr}"
        );
        // The finding points into the fixture, at the offending line.
        assert!(
            stderr.contains(&format!("--> {file}:")),
            "{name}: no location in the fixture:\n{stderr}"
        );
        assert_eq!(status, if *error { 1 } else { 0 }, "{name}:\n{stderr}");
        if !error {
            let (strict, stderr) = validate(&file, true);
            assert_eq!(
                strict, 1,
                "{name}: --strict must turn the warning into an error:\n{stderr}"
            );
            assert!(
                stderr.contains(&format!("error[{code}]")),
                "{name}:\n{stderr}"
            );
        }
    }
}

#[test]
fn every_fixed_twin_passes_clean() {
    for (name, _, _) in CASES {
        let file = format!("tests/fixtures/checks/{name}.ok.yaml");
        let (status, stderr) = validate(&file, true);
        assert_eq!(status, 0, "{name}.ok:\n{stderr}");
        assert_eq!(
            stderr.trim(),
            "topology is valid",
            "{name}.ok must have no findings"
        );
    }
}

#[test]
fn profiles_have_no_findings() {
    for profile in ["profiles/ha.yaml", "profiles/dev.yaml"] {
        let (status, stderr) = validate(profile, true);
        assert_eq!(status, 0, "{profile}:\n{stderr}");
        assert_eq!(stderr.trim(), "topology is valid", "{profile}");
    }
}

/// `render` refuses what `validate` refuses, with the same finding, and
/// writes nothing.
#[test]
fn render_refuses_every_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, code, _) in CASES.iter().filter(|(_, _, error)| *error) {
        let file = format!("tests/fixtures/checks/{name}.yaml");
        let out = dir.path().join(name);
        let run = dify_gen()
            .args(["render", "-f", &file, "--output-dir"])
            .arg(&out)
            .output()
            .expect("dify-gen runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{name}:\n{stderr}");
        assert!(
            stderr.contains(&format!("error[{code}]")) && stderr.contains(&format!("--> {file}:")),
            "{name}: render does not report {code} in the fixture:\n{stderr}"
        );
        assert!(!out.exists(), "{name}: render wrote {}", out.display());
    }
}
