//! `dify-gen validate`: the invalid-manifest corpus (each fault a test, each
//! with a valid twin that must pass), output formats, exit codes, and a
//! bounded property test over the loader and the validator.
//!
//! A new fault: add `tests/fixtures/manifests/{invalid,valid}/NN-name.yaml`
//! and one `fault!` line with the expected code, `line:col` and message.

use dify_gen::load::{self, Limits, Node, Value as Y};
use dify_gen::source::Sources;
use dify_gen::validate::{validate_documents, ValidateOptions};
use serde_json::Value;
use std::io::Write as _;
use std::process::{Command, Stdio};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/manifests");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn dify_gen(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dify-gen"))
        .args(args)
        .current_dir(FIXTURES)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dify-gen binary runs");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        // A run that never reads stdin may exit first: a broken pipe then
        // is its answer, not a failure of the test.
        match pipe.write_all(text.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.expect("stdin accepts the input"),
        }
    }
    drop(pipe);
    let out = child.wait_with_output().expect("dify-gen exits");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Validates `invalid/<file>` expecting a finding with `code` at `at`
/// (`line:col`) whose message contains `message`, and `valid/<file>`
/// expecting no finding at all.
fn check_fault(file: &str, code: &str, at: &str, message: &str) {
    let run = dify_gen(
        &["validate", "-o", "json", &format!("invalid/{file}")],
        None,
    );
    assert_eq!(
        run.code, 1,
        "invalid/{file} must fail\n{}{}",
        run.stdout, run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("-o json prints JSON");
    let diags = report["diagnostics"]
        .as_array()
        .expect("diagnostics is a list");
    let found = diags.iter().any(|d| {
        d["code"] == code
            && format!("{}:{}", d["line"], d["column"]) == at
            && d["message"].as_str().is_some_and(|m| m.contains(message))
    });
    assert!(
        found,
        "invalid/{file}: expected {code} at {at} `{message}`, got:\n{:#}",
        report["diagnostics"]
    );
    assert_eq!(
        diags.len(),
        1,
        "invalid/{file}: one fault, one finding:\n{:#}",
        report["diagnostics"]
    );

    let run = dify_gen(&["validate", &format!("valid/{file}")], None);
    assert_eq!(
        run.code, 0,
        "valid/{file} must pass\n{}{}",
        run.stdout, run.stderr
    );
}

macro_rules! fault {
    ($name:ident, $file:literal, $code:literal, $at:literal, $message:literal) => {
        #[test]
        fn $name() {
            check_fault($file, $code, $at, $message);
        }
    };
}

fault!(
    f01_unknown_container_field,
    "01-unknown-container-field.yaml",
    "V001",
    "21:11",
    "unknown field `imagePullPolcy`"
);
fault!(
    f02_unknown_top_level_field,
    "02-unknown-top-level-field.yaml",
    "V001",
    "8:1",
    "unknown field `specDOESNOTEXIST`"
);
fault!(
    f03_unknown_metadata_field,
    "03-unknown-metadata-field.yaml",
    "V001",
    "6:3",
    "unknown field `lables`"
);
fault!(
    f04_replicas_as_string,
    "04-replicas-as-string.yaml",
    "V002",
    "9:13",
    "expected integer, found string `\"2\"`"
);
fault!(
    f05_container_port_as_string,
    "05-container-port-as-string.yaml",
    "V002",
    "24:30",
    "expected integer, found string"
);
fault!(
    f06_target_port_boolean,
    "06-target-port-boolean.yaml",
    "V002",
    "13:19",
    "expected string or integer, found boolean `true`"
);
fault!(
    f07_missing_container_name,
    "07-missing-container-name.yaml",
    "V003",
    "19:11",
    "missing required field `name`"
);
fault!(
    f08_missing_deployment_selector,
    "08-missing-deployment-selector.yaml",
    "V003",
    "8:1",
    "missing required field `selector`"
);
fault!(
    f09_missing_service_port,
    "09-missing-service-port.yaml",
    "V003",
    "11:7",
    "missing required field `port`"
);
fault!(
    f10_quantity_with_space,
    "10-quantity-with-space.yaml",
    "V005",
    "30:23",
    "`2 Gi` is not a valid quantity"
);
fault!(
    f11_quantity_with_bytes_unit,
    "11-quantity-with-bytes-unit.yaml",
    "V005",
    "28:23",
    "`1GB` is not a valid quantity"
);
fault!(
    f12_enum_image_pull_policy,
    "12-enum-image-pull-policy.yaml",
    "V004",
    "21:28",
    "`always` is not one of `Always`, `IfNotPresent`, `Never`"
);
fault!(
    f13_enum_service_type,
    "13-enum-service-type.yaml",
    "V004",
    "7:9",
    "`Loadbalancer` is not one of"
);
fault!(
    f14_duplicate_key,
    "14-duplicate-key.yaml",
    "L002",
    "10:3",
    "duplicate key `replicas`"
);
fault!(
    f15_selector_does_not_match_template,
    "15-selector-does-not-match-template.yaml",
    "V101",
    "10:3",
    "`spec.selector` does not match the labels of the pod template"
);
fault!(
    f16_target_port_name_unknown,
    "16-target-port-name-unknown.yaml",
    "V102",
    "44:19",
    "`targetPort` `htp` is not a container port of the selected pods"
);
fault!(
    f17_external_traffic_policy_on_clusterip,
    "17-external-traffic-policy-on-clusterip.yaml",
    "V103",
    "8:3",
    "`externalTrafficPolicy` is not allowed on a `ClusterIP` Service"
);
fault!(
    f18_pdb_selects_two_workloads,
    "18-pdb-selects-two-workloads.yaml",
    "V104",
    "70:3",
    "PodDisruptionBudget selects 2 workloads"
);
fault!(
    f19_pdb_selects_nothing,
    "19-pdb-selects-nothing.yaml",
    "V104",
    "39:3",
    "PodDisruptionBudget selects no workload"
);
fault!(
    f20_uppercase_object_name,
    "20-uppercase-object-name.yaml",
    "V105",
    "4:9",
    "invalid name `Dify-Env`"
);
fault!(
    f21_service_name_starts_with_digit,
    "21-service-name-starts-with-digit.yaml",
    "V105",
    "4:9",
    "invalid name `1dify-api`: must start with a lowercase letter"
);
fault!(
    f22_container_name_underscore,
    "22-container-name-underscore.yaml",
    "V105",
    "19:17",
    "invalid container name `dify_api`"
);
fault!(
    f23_port_name_too_long,
    "23-port-name-too-long.yaml",
    "V105",
    "23:21",
    "invalid port name `http-metrics-port`"
);
fault!(
    f24_label_value_invalid,
    "24-label-value-invalid.yaml",
    "V105",
    "7:11",
    "invalid label value `-backend`"
);
fault!(
    f25_duplicate_object,
    "25-duplicate-object.yaml",
    "V107",
    "12:3",
    "duplicate ConfigMap `dify-env`"
);
fault!(
    f26_unknown_kind,
    "26-unknown-kind.yaml",
    "V006",
    "2:1",
    "no schema for kind `ConfigMapp` in `v1`"
);
fault!(
    f27_missing_api_version,
    "27-missing-api-version.yaml",
    "V007",
    "1:1",
    "document has no `apiVersion`"
);
fault!(
    f28_servicemonitor_unknown_field,
    "28-servicemonitor-unknown-field.yaml",
    "V001",
    "13:7",
    "unknown field `intervall`"
);
fault!(
    f29_externalsecret_wrong_type,
    "29-externalsecret-wrong-type.yaml",
    "V002",
    "16:14",
    "expected string, found a list"
);
fault!(
    f30_httproute_unknown_field,
    "30-httproute-unknown-field.yaml",
    "V001",
    "16:7",
    "unknown field `backendRef`"
);
fault!(
    f31_argocd_application_unknown_field,
    "31-argocd-application-unknown-field.yaml",
    "V001",
    "18:7",
    "unknown field `selfHealing`"
);
fault!(
    f32_networkpolicy_wrong_type,
    "32-networkpolicy-wrong-type.yaml",
    "V002",
    "10:16",
    "expected array, found string"
);
fault!(
    f33_prometheus_rule_unknown_field,
    "33-prometheus-rule-unknown-field.rules.yaml",
    "V001",
    "6:9",
    "unknown field `fro`"
);
fault!(
    f34_prometheus_rule_bad_duration,
    "34-prometheus-rule-bad-duration.rules.yaml",
    "V004",
    "6:14",
    "`5 minutes` does not match"
);
fault!(
    f35_alertmanager_unknown_route_field,
    "35-alertmanager-unknown-route-field.alertmanager.yml",
    "V001",
    "4:3",
    "unknown field `group_wiat`"
);
fault!(
    f36_fluent_bit_unknown_service_key,
    "36-fluent-bit-unknown-service-key.fluent-bit.yaml",
    "V001",
    "3:3",
    "unknown field `loglevel`"
);
fault!(
    f37_yaml_syntax_error,
    "37-yaml-syntax-error.yaml",
    "L001",
    "8:1",
    "invalid YAML"
);
fault!(
    f38_configmap_embedded_alertmanager,
    "38-configmap-embedded-alertmanager.yaml",
    "V001",
    "11:7",
    "unknown field `group_wiat`"
);
fault!(
    f39_configmap_embedded_rules,
    "39-configmap-embedded-rules.yaml",
    "V001",
    "12:13",
    "field `for` is not allowed here"
);

fault!(
    f40_negative_replicas,
    "40-negative-replicas.yaml",
    "V108",
    "7:13",
    "`replicas` is -1: must be 0 or more"
);
fault!(
    f41_job_negative_backoff_limit,
    "41-job-negative-backoff-limit.yaml",
    "V108",
    "7:17",
    "`backoffLimit` is -4: must be 0 or more"
);
fault!(
    f42_probe_period_zero,
    "42-probe-period-zero.yaml",
    "V108",
    "23:28",
    "`periodSeconds` is 0: must be 1 or more"
);
fault!(
    f43_liveness_success_threshold,
    "43-liveness-success-threshold.yaml",
    "V108",
    "22:31",
    "`successThreshold` of a `livenessProbe` must be 1"
);
fault!(
    f44_hpa_min_above_max,
    "44-hpa-min-above-max.yaml",
    "V108",
    "12:16",
    "`maxReplicas` is 6: must be at least `minReplicas` (8)"
);
fault!(
    f45_container_port_zero,
    "45-container-port-zero.yaml",
    "V109",
    "21:30",
    "port 0 is out of range: must be 1 to 65535"
);
fault!(
    f46_service_port_too_large,
    "46-service-port-too-large.yaml",
    "V109",
    "11:13",
    "port 70000 is out of range: must be 1 to 65535"
);
fault!(
    f47_target_port_bad_name,
    "47-target-port-bad-name.yaml",
    "V109",
    "12:19",
    "invalid port name `http_api`: must contain only lowercase letters, digits and `-"
);
fault!(
    f48_networkpolicy_end_port_below_port,
    "48-networkpolicy-end-port-below-port.yaml",
    "V109",
    "18:22",
    "`endPort` 8000 is below `port` 9000"
);
fault!(
    f49_volume_two_sources,
    "49-volume-two-sources.yaml",
    "V110",
    "20:11",
    "the volume sets `configMap`, `emptyDir`: exactly one is allowed"
);
fault!(
    f50_probe_two_handlers,
    "50-probe-two-handlers.yaml",
    "V110",
    "23:13",
    "`livenessProbe` sets `httpGet`, `tcpSocket`: exactly one is allowed"
);
fault!(
    f51_env_value_and_value_from,
    "51-env-value-and-value-from.yaml",
    "V110",
    "22:15",
    "env sets both `value` and `valueFrom`: exactly one is allowed"
);
fault!(
    f52_ingress_port_name_and_number,
    "52-ingress-port-name-and-number.yaml",
    "V110",
    "18:19",
    "the backend port sets `name`, `number`: exactly one is allowed"
);
fault!(
    f53_cronjob_bad_schedule,
    "53-cronjob-bad-schedule.yaml",
    "V111",
    "7:13",
    "invalid schedule `0 3 * *`: has 4 fields: expected 5 (minute hour day-of-month m"
);
fault!(
    f54_cronjob_tz_in_schedule,
    "54-cronjob-tz-in-schedule.yaml",
    "V111",
    "7:13",
    "invalid schedule `CRON_TZ=Europe/Berlin 0 3 * * *`: `TZ=` and `CRON_TZ=` are not"
);
fault!(
    f55_cronjob_unknown_time_zone,
    "55-cronjob-unknown-time-zone.yaml",
    "V111",
    "8:13",
    "unknown time zone `Europe/Bonn`"
);
fault!(
    f56_label_key_invalid,
    "56-label-key-invalid.yaml",
    "V112",
    "7:5",
    "invalid label key `app.kubernetes.io/part of`: must contain only letters, digits"
);
fault!(
    f57_annotation_key_invalid,
    "57-annotation-key-invalid.yaml",
    "V112",
    "7:5",
    "invalid annotation key `example.com/owner/team`: must contain only letters, digits, `-`, `_` and `.`"
);
fault!(
    f58_configmap_key_invalid,
    "58-configmap-key-invalid.yaml",
    "V113",
    "8:3",
    "invalid key `config/app.yaml`: must contain only letters, digits, `-`, `_` and `"
);
fault!(
    f59_configmap_key_in_data_and_binary_data,
    "59-configmap-key-in-data-and-binary-data.yaml",
    "V113",
    "9:3",
    "key `LOG_LEVEL` is in both `data` and `binaryData`"
);
fault!(
    f60_request_above_limit,
    "60-request-above-limit.yaml",
    "V114",
    "21:23",
    "`memory` request `3Gi` is above its limit `2Gi`"
);
fault!(
    f61_volume_mount_unknown_volume,
    "61-volume-mount-unknown-volume.yaml",
    "V115",
    "23:21",
    "`volumeMounts` names volume `configs`, which the pod does not define"
);
fault!(
    f62_duplicate_container_name,
    "62-duplicate-container-name.yaml",
    "V115",
    "19:17",
    "duplicate container name `api`"
);
fault!(
    f63_duplicate_mount_path,
    "63-duplicate-mount-path.yaml",
    "V115",
    "28:26",
    "duplicate mountPath `/app/config`"
);
fault!(
    f64_service_ports_unnamed,
    "64-service-ports-unnamed.yaml",
    "V116",
    "13:7",
    "a Service with several ports must name every port"
);
fault!(
    f65_service_duplicate_port,
    "65-service-duplicate-port.yaml",
    "V116",
    "13:13",
    "duplicate port 80/TCP"
);
fault!(
    f66_external_name_missing,
    "66-external-name-missing.yaml",
    "V116",
    "7:3",
    "an `ExternalName` Service needs `externalName`"
);
fault!(
    f67_ingress_relative_path,
    "67-ingress-relative-path.yaml",
    "V117",
    "12:19",
    "invalid path `api`: must be an absolute path (start with `/`)"
);
fault!(
    f68_ingress_wildcard_host,
    "68-ingress-wildcard-host.yaml",
    "V117",
    "9:13",
    "invalid host `dify.*.example.com`: a wildcard is allowed only as the first label"
);
fault!(
    f69_networkpolicy_bad_cidr,
    "69-networkpolicy-bad-cidr.yaml",
    "V118",
    "14:19",
    "invalid `cidr` `10.0.0.0/33`: prefix length 33 is over 32"
);
fault!(
    f70_networkpolicy_except_outside,
    "70-networkpolicy-except-outside.yaml",
    "V118",
    "15:22",
    "`except` `192.168.0.0/16` is not inside `cidr` `10.0.0.0/8`"
);
fault!(
    f71_role_without_verbs,
    "71-role-without-verbs.yaml",
    "V119",
    "7:7",
    "the rule names no verbs"
);
fault!(
    f72_role_non_resource_urls,
    "72-role-non-resource-urls.yaml",
    "V119",
    "7:7",
    "a namespaced Role cannot grant `nonResourceURLs`; use a ClusterRole"
);
fault!(
    f73_clusterrolebinding_to_role,
    "73-clusterrolebinding-to-role.yaml",
    "V119",
    "7:9",
    "a ClusterRoleBinding cannot refer to a `Role`: use `ClusterRole`"
);
fault!(
    f74_clusterrolebinding_subject_without_namespace,
    "74-clusterrolebinding-subject-without-namespace.yaml",
    "V119",
    "10:5",
    "a ServiceAccount subject of a ClusterRoleBinding needs `namespace`"
);
fault!(
    f75_pvc_without_access_modes,
    "75-pvc-without-access-modes.yaml",
    "V120",
    "6:1",
    "the claim lists no `accessModes`"
);
fault!(
    f76_pvc_without_storage,
    "76-pvc-without-storage.yaml",
    "V120",
    "6:1",
    "the claim requests no `storage`"
);
fault!(
    f77_deployment_restart_never,
    "77-deployment-restart-never.yaml",
    "V121",
    "16:22",
    "`restartPolicy: Never` is not allowed in a Deployment: its pods always restart"
);
fault!(
    f78_job_without_restart_policy,
    "78-job-without-restart-policy.yaml",
    "V121",
    "8:5",
    "a Job's pod template needs `restartPolicy: OnFailure` or `Never`"
);
fault!(
    f79_pdb_min_and_max,
    "79-pdb-min-and-max.yaml",
    "V122",
    "8:3",
    "`minAvailable` and `maxUnavailable` cannot both be set"
);
fault!(
    f80_pdb_percent_over_100,
    "80-pdb-percent-over-100.yaml",
    "V122",
    "7:19",
    "invalid `maxUnavailable`: `125%` must be between 0% and 100%"
);
fault!(
    f81_rolling_update_both_zero,
    "81-rolling-update-both-zero.yaml",
    "V122",
    "12:23",
    "`maxUnavailable` and `maxSurge` are both 0: the rollout could never proceed"
);
fault!(
    f82_httproute_cel_encoded_slash,
    "82-httproute-cel-encoded-slash.yaml",
    "V010",
    "12:11",
    "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"
);
fault!(
    f83_httproute_cel_repeated_filter,
    "83-httproute-cel-repeated-filter.yaml",
    "V010",
    "10:7",
    "RequestHeaderModifier filter cannot be repeated"
);
fault!(
    f84_gateway_cel_tls_without_certificates,
    "84-gateway-cel-tls-without-certificates.yaml",
    "V010",
    "13:7",
    "certificateRefs or options must be specified when mode is Terminate"
);
fault!(
    f85_list_invalid_item,
    "85-list-invalid-item.yaml",
    "V002",
    "21:18",
    "expected string, found a list"
);
fault!(
    f86_list_unknown_field,
    "86-list-unknown-field.yaml",
    "V001",
    "3:1",
    "unknown field `metdata`"
);
fault!(
    f87_missing_kind,
    "87-missing-kind.yaml",
    "V007",
    "1:1",
    "document has no `kind`"
);
fault!(
    f88_missing_kind_value,
    "88-missing-kind-value.yaml",
    "V007",
    "1:1",
    "document has no `kind`"
);
fault!(
    f89_duplicate_property_in_pod_spec,
    "89-duplicate-property-in-pod-spec.yaml",
    "L002",
    "18:7",
    "duplicate key `containers`"
);
fault!(
    f90_statefulset_name_too_long,
    "90-statefulset-name-too-long.yaml",
    "V105",
    "6:9",
    "StatefulSet name `dify-postgres-for-the-production-tenant-europe-west1x` is 53 characters, more than 52"
);
fault!(
    f91_job_name_too_long,
    "91-job-name-too-long.yaml",
    "V105",
    "6:9",
    "is 64 characters, more than 63: its pods carry it in the `job-name` label"
);
fault!(
    f92_keda_min_above_max,
    "92-keda-min-above-max.yaml",
    "V010",
    "8:1",
    "minReplicaCount must be less than or equal to maxReplicaCount"
);

#[test]
fn corpus_has_a_valid_twin_for_every_fault() {
    let names = |dir: &str| {
        let mut v: Vec<_> = std::fs::read_dir(format!("{FIXTURES}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("invalid"), names("valid"));
    assert!(names("invalid").len() >= 80);
}

#[test]
fn object_over_one_mebibyte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(1024 * 1024);
    let path = dir.path().join("big.yaml");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: {big}\n"),
    )
    .unwrap();
    let run = dify_gen(&["validate", path.to_str().unwrap()], None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("error[V106]: object is"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("big.yaml:2:1"), "{}", run.stdout);
}

#[test]
fn kube_version_chooses_the_schemas() {
    // `hostnameOverride` is in PodSpec from Kubernetes 1.34 on.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostnameOverride: h\n  containers:\n    - name: c\n      image: i\n";
    let new = dify_gen(&["validate", "--kube-version", "1.37", "-"], Some(pod));
    assert_eq!(new.code, 0, "{}", new.stdout);
    let old = dify_gen(&["validate", "--kube-version", "1.33", "-"], Some(pod));
    assert_eq!(old.code, 1, "{}", old.stdout);
    assert!(
        old.stdout.contains("unknown field `hostnameOverride`"),
        "{}",
        old.stdout
    );
    assert!(old.stdout.contains("--> <stdin>:6:3"), "{}", old.stdout);
    let bad = dify_gen(&["validate", "--kube-version", "1.20", "-"], Some(pod));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("no bundled schemas for Kubernetes `1.20`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn exit_codes_and_missing_schemas() {
    assert_eq!(dify_gen(&["validate", "does-not-exist.yaml"], None).code, 2);
    assert_eq!(dify_gen(&["validate"], None).code, 2);
    let run = dify_gen(
        &[
            "validate",
            "--ignore-missing-schemas",
            "invalid/26-unknown-kind.yaml",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let run = dify_gen(&["validate", "valid"], None);
    // The valid twins are independent examples; validated together they
    // repeat names, which the duplicate-object check rightly reports.
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("92 files"), "{}", run.stdout);
}

#[test]
fn output_formats() {
    let file = "invalid/01-unknown-container-field.yaml";
    let sarif: Value =
        serde_json::from_str(&dify_gen(&["validate", "-o", "sarif", file], None).stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "V001");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        21
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        file
    );

    let junit = dify_gen(&["validate", "-o", "junit", file], None);
    assert_eq!(junit.code, 1);
    assert!(
        junit
            .stdout
            .contains("<testsuite name=\"dify-gen validate\" tests=\"1\" failures=\"1\""),
        "{}",
        junit.stdout
    );
    assert!(
        junit
            .stdout
            .contains("<failure type=\"V001\" message=\"unknown field `imagePullPolcy`\">"),
        "{}",
        junit.stdout
    );

    let text = dify_gen(&["validate", file], None);
    assert!(text.stdout.starts_with("error[V001]: unknown field `imagePullPolcy`\n  --> invalid/01-unknown-container-field.yaml:21:11\n"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("= help: did you mean `imagePullPolicy`?"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .ends_with("1 file, 1 document: 1 error, 0 warnings\n"),
        "{}",
        text.stdout
    );
}

fn validate_text(name: &str, text: &str) -> (Sources, Vec<dify_gen::diagnostic::Diagnostic>) {
    let mut sources = Sources::default();
    let file = sources.add(name, text);
    let diags = match load::parse(&sources, file, Limits::default()) {
        Ok(docs) => validate_documents(&docs, &sources, &ValidateOptions::default()),
        Err(diags) => diags,
    };
    (sources, diags)
}

/// Every mapping key of a document, with its JSON pointer.
fn keys(node: &Node, pointer: &str, out: &mut Vec<(String, String, u32, u32)>) {
    match &node.value {
        Y::Map(entries) => {
            for (k, v) in entries {
                out.push((pointer.to_string(), k.name.clone(), k.span.line, k.span.col));
                keys(v, &format!("{pointer}/{}", k.name), out);
            }
        }
        Y::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                keys(v, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A typo in any field of any valid fixture is reported at that field's
/// line, except inside maps whose keys are free-form (labels, data, …).
#[test]
fn a_typo_anywhere_is_reported_at_its_line() {
    const FREE_FORM: &[&str] = &[
        "labels",
        "annotations",
        "matchLabels",
        "data",
        "binaryData",
        "selector",
        "env",
        "inputs",
        "outputs",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(format!("{FIXTURES}/valid")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = Sources::default();
        let file = sources.add(name.as_str(), text.as_str());
        let docs = load::parse(&sources, file, Limits::default()).unwrap();
        let mut all = Vec::new();
        for doc in &docs {
            keys(doc, "", &mut all);
        }
        for (pointer, key, line, col) in all {
            if FREE_FORM
                .iter()
                .any(|f| pointer.split('/').any(|s| s == *f))
                || key == "apiVersion"
                || key == "kind"
                // A KEDA trigger's `metadata` is a free-form string map (its
                // keys depend on the scaler), unlike an object's `metadata`.
                || (pointer.contains("/triggers/") && pointer.ends_with("/metadata"))
            {
                continue;
            }
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let l = (line - 1) as usize;
            let c = (col - 1) as usize;
            let mut edited = lines
                .clone()
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>();
            let row = &lines[l];
            if !row[c..].starts_with(&key) {
                continue; // a flow-style key the simple edit cannot reach
            }
            edited[l] = format!("{}{}x{}", &row[..c], key, &row[c + key.len()..]);
            let (_, diags) = validate_text(&name, &edited.concat());
            assert!(
                diags.iter().any(|d| d.span.is_some_and(|s| s.line == line)
                    && d.message.contains(&format!("`{key}x`"))),
                "{name}: typo `{key}x` at line {line} not reported at that line: {:?}",
                diags
                    .iter()
                    .map(|d| (&d.message, d.span.map(|s| s.line)))
                    .collect::<Vec<_>>()
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} keys checked");
}

/// Property test with a fixed budget (20,000 inputs or 20 s; a local run of
/// 900,000 found nothing): random mutations of the corpus and
/// random byte soup, alias bombs and deep nesting never panic, never hang
/// and stay within bounded memory (the loader's limits).
#[test]
fn loader_and_validator_survive_any_input() {
    let mut seeds: Vec<String> = Vec::new();
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(format!("{FIXTURES}/{dir}")).unwrap() {
            seeds.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    seeds.sort();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    seeds.push(bomb);
    seeds.push("[".repeat(100_000));
    seeds.push("a:\n b:\n".to_string() + &"- ".repeat(5_000) + "x\n");
    seeds.push(format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {}}}\n",
        "{a: ".repeat(500)
    ));
    seeds.push("apiVersion: apps/v1\nkind: Deployment\nspec: &s {template: *s}\n".to_string());

    // xorshift: deterministic, no dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const TOKENS: &[&str] = &[
        "\n",
        " ",
        "  ",
        "- ",
        ": ",
        "---\n",
        "&a ",
        "*a",
        "!!str ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "\"",
        "'",
        "|\n",
        ">-\n",
        "? ",
        "#",
        "\t",
        "~",
        "null",
        "1e9",
        "0x",
        "apiVersion: v1\n",
        "kind: Pod\n",
        "spec:\n",
        "\u{feff}",
        "\\u0000",
    ];
    let budget = std::time::Instant::now();
    let mut cases = 0;
    // DIFY_GEN_FUZZ_CASES / DIFY_GEN_FUZZ_SECONDS raise the budget for a
    // longer local run; CI keeps the default.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (max_cases, seconds) = (
        env("DIFY_GEN_FUZZ_CASES", 20_000),
        env("DIFY_GEN_FUZZ_SECONDS", 20),
    );
    while cases < max_cases && budget.elapsed() < std::time::Duration::from_secs(seconds) {
        let seed = &seeds[(rand() as usize) % seeds.len()];
        let mut text: Vec<u8> = seed.as_bytes().to_vec();
        for _ in 0..(1 + rand() % 8) {
            let at = if text.is_empty() {
                0
            } else {
                (rand() as usize) % text.len()
            };
            match rand() % 4 {
                0 => {
                    let tok = TOKENS[(rand() as usize) % TOKENS.len()];
                    text.splice(at..at, tok.bytes());
                }
                1 if !text.is_empty() => {
                    let end = (at + (rand() as usize) % 16).min(text.len());
                    text.drain(at..end);
                }
                2 if !text.is_empty() => text[at] = (rand() % 256) as u8,
                _ => {
                    let end = (at + (rand() as usize) % 64).min(text.len());
                    let chunk = text[at..end].to_vec();
                    text.splice(at..at, chunk);
                }
            }
        }
        let text = String::from_utf8_lossy(&text);
        let started = std::time::Instant::now();
        let (_, diags) = validate_text("fuzz.yaml", &text);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "slow input: {text:?}"
        );
        for d in diags {
            assert!(!d.message.is_empty());
        }
        cases += 1;
    }
    eprintln!("loader and validator survived {cases} mutated inputs");
    assert!(cases >= 200, "only {cases} cases within the budget");
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The rendered `ha` tree passes `dify-gen validate` as a whole, and a typo
/// in any of its files fails at that file and line.
#[test]
fn rendered_ha_tree_validates_and_typos_fail_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let profile = format!("{ROOT}/profiles/ha.yaml");
    let run = dify_gen(
        &[
            "render",
            "-f",
            &profile,
            "--output-dir",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = dify_gen(&["validate", out.to_str().unwrap()], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains(" 0 errors"), "{}", run.stdout);

    let deployment = out.join("kubernetes/deployment-dify-api.yaml");
    let text = std::fs::read_to_string(&deployment).unwrap();
    let (line, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| {
            l.trim_start().starts_with("terminationGracePeriodSeconds:")
                || l.trim_start().starts_with("serviceAccountName:")
        })
        .expect("the api Deployment sets a pod-level field");
    let typo = row.replacen(':', "x:", 1);
    std::fs::write(&deployment, text.replacen(row, &typo, 1)).unwrap();
    let run = dify_gen(&["validate", "-o", "json", out.to_str().unwrap()], None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "V001");
    assert_eq!(d["line"], line + 1);
    assert!(d["file"]
        .as_str()
        .unwrap()
        .ends_with("kubernetes/deployment-dify-api.yaml"));
}

/// `render` validates its own output with the same engine; a finding on a
/// field that came from the topology points at the topology's line.
#[test]
fn render_validation_points_at_the_topology() {
    use dify_gen::{emit, plan::Plan, render};
    let mut sources = Sources::default();
    let profile = format!("{ROOT}/profiles/ha.yaml");
    let loaded = dify_gen::pipeline::checked(std::slice::from_ref(&profile), &[], &mut sources)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let plan = Plan::new(&loaded.topology);
    let mut artifacts = render::render(&plan);
    let clean = emit::tree(&artifacts);
    assert!(dify_gen::validate::validate_rendered(
        &artifacts,
        &clean,
        &mut sources,
        "1.37",
        Some(&loaded.doc)
    )
    .is_empty());

    let api = artifacts
        .iter_mut()
        .filter_map(|a| a.doc_mut())
        .find(|doc| doc["kind"] == "Deployment" && doc["metadata"]["name"] == "dify-api")
        .expect("the ha profile renders the api Deployment");
    api["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] =
        "2 Gi".into();
    api["spec"]["replicas"] = "3".into();
    let broken = emit::tree(&artifacts);
    let diags = dify_gen::validate::validate_rendered(
        &artifacts,
        &broken,
        &mut sources,
        "1.37",
        Some(&loaded.doc),
    );
    assert_eq!(diags.len(), 2, "{diags:?}");
    let profile_text = std::fs::read_to_string(&profile).unwrap();
    let line_of = |needle: &str, after: &str| {
        let start = profile_text.find(after).unwrap();
        profile_text[..start + profile_text[start..].find(needle).unwrap()]
            .matches('\n')
            .count() as u32
            + 1
    };
    for d in &diags {
        let span = d.span.expect("findings carry a span");
        assert!(
            sources.name(span.file).ends_with("profiles/ha.yaml"),
            "{}",
            d.render(&sources)
        );
        assert!(
            d.path
                .as_deref()
                .unwrap_or_default()
                .contains("(rendered into `kubernetes/deployment-dify-api.yaml:"),
            "{:?}",
            d.path
        );
        match d.code {
            "V005" => assert_eq!(span.line, line_of("limits:", "  api:")),
            "V002" => assert_eq!(span.line, line_of("replicas:", "  api:")),
            other => panic!("unexpected {other}: {}", d.render(&sources)),
        }
    }
    let shown: String = diags.iter().map(|d| d.render(&sources)).collect();
    assert!(
        shown.contains(
            "= field: spec.replicas (rendered into `kubernetes/deployment-dify-api.yaml:"
        ),
        "{shown}"
    );
}
