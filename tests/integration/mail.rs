//! Mail (issue 18, item 6): SMTP or Resend as Dify's variables on api and
//! worker, the password or key only as a `secretKeyRef`, and exactly one
//! NetworkPolicy edge to the mail server.

use crate::cluster::{objects, pod_specs, render_strict, validate_text};
use crate::security::policies_match_the_graph;
use serde_json::{json, Value};

/// The settings a Deployment's Dify container reads: its ConfigMap's data
/// (through `envFrom`) and its own `env` entries, by name.
pub(crate) fn environment(
    file: &str,
    deployment: &str,
) -> (serde_json::Map<String, Value>, Vec<Value>) {
    let artifacts = render_strict(file);
    let objects = objects(&artifacts);
    let (_, spec) = pod_specs(&objects)
        .into_iter()
        .find(|(name, _)| name == deployment)
        .unwrap_or_else(|| panic!("no {deployment}"));
    let container = &spec["containers"][0];
    let mut data = serde_json::Map::new();
    for from in container["envFrom"].as_array().into_iter().flatten() {
        let Some(name) = from["configMapRef"]["name"].as_str() else {
            continue;
        };
        let map = objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == name)
            .expect("the ConfigMap envFrom names");
        data.extend(map["data"].as_object().cloned().unwrap_or_default());
    }
    let env = container["env"].as_array().cloned().unwrap_or_default();
    (data, env)
}

pub(crate) fn entry<'a>(env: &'a [Value], name: &str) -> Option<&'a Value> {
    env.iter().find(|e| e["name"] == name)
}

#[test]
fn smtp_settings_reach_api_and_worker_and_the_password_only_by_reference() {
    let file = "tests/fixtures/cluster/mail-smtp.yaml";
    for deployment in ["dify-api", "dify-worker"] {
        let (data, env) = environment(file, deployment);
        for (name, value) in [
            ("MAIL_TYPE", "smtp"),
            ("MAIL_DEFAULT_SEND_FROM", "Dify <no-reply@example.com>"),
            ("SMTP_SERVER", "relay.mail.svc.cluster.local"),
            ("SMTP_PORT", "587"),
            ("SMTP_USERNAME", "dify"),
            ("SMTP_USE_TLS", "true"),
            ("SMTP_OPPORTUNISTIC_TLS", "true"),
        ] {
            assert_eq!(data.get(name), Some(&json!(value)), "{deployment} {name}");
        }
        assert!(!data.contains_key("SMTP_PASSWORD"), "{deployment}");
        assert!(!data.contains_key("RESEND_API_KEY"), "{deployment}");
        let password = entry(&env, "SMTP_PASSWORD").expect("SMTP_PASSWORD");
        assert_eq!(
            password["valueFrom"]["secretKeyRef"],
            json!({"name": "dify-mail", "key": "smtp-password", "optional": false}),
            "{deployment}"
        );
        assert!(password.get("value").is_none());
    }
}

#[test]
fn resend_key_comes_from_its_secret() {
    let (data, env) = environment("tests/fixtures/cluster/mail-resend.yaml", "dify-worker");
    assert_eq!(data["MAIL_TYPE"], "resend");
    assert_eq!(data["MAIL_DEFAULT_SEND_FROM"], "no-reply@example.com");
    assert!(!data.keys().any(|k| k.starts_with("SMTP_")), "{data:?}");
    let key = entry(&env, "RESEND_API_KEY").expect("RESEND_API_KEY");
    assert_eq!(
        key["valueFrom"]["secretKeyRef"],
        json!({"name": "dify-mail", "key": "resend-api-key", "optional": false})
    );
}

#[test]
fn without_mail_nothing_is_set() {
    let (data, env) = environment("profiles/ha.yaml", "dify-worker");
    assert!(!data
        .keys()
        .any(|k| k.starts_with("MAIL_") || k.starts_with("SMTP_")));
    assert!(entry(&env, "SMTP_PASSWORD").is_none());
}

#[test]
fn api_and_worker_reach_the_smtp_server_on_its_port_only() {
    let (egress, _) = policies_match_the_graph("tests/fixtures/cluster/mail-smtp.yaml");
    let to_relay: Vec<(&str, u64)> = egress
        .iter()
        .filter(|k| k.1 == "namespace:mail")
        .map(|k| (k.0.as_str(), k.3))
        .collect();
    assert_eq!(
        to_relay,
        [("component:api", 587), ("component:worker", 587)],
        "{egress:?}"
    );
    let (without, _) = policies_match_the_graph("profiles/ha.yaml");
    assert!(!without
        .iter()
        .any(|k| k.1 == "namespace:mail" || k.3 == 587));
}

#[test]
fn resend_opens_public_443_for_api_and_worker() {
    let (egress, _) = policies_match_the_graph("tests/fixtures/cluster/mail-resend.yaml");
    for from in ["component:api", "component:worker"] {
        assert!(
            egress
                .iter()
                .any(|k| k.0 == from && k.1 == "public" && k.3 == 443),
            "{from}: {egress:?}"
        );
    }
}

const HEAD: &str = "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n";

#[test]
fn starttls_without_tls_is_refused_at_its_line() {
    let (code, stderr) = validate_text(&format!(
        "{HEAD}mail:\n  type: smtp\n  defaultSendFrom: dify@example.com\n  smtp:\n    server: smtp.example.com\n    port: 587\n    opportunisticTls: true\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T178]: `opportunisticTls` without `useTls`",
        "t.yaml:10:23",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
}

#[test]
fn a_missing_section_a_half_login_and_a_bad_sender_are_refused_at_their_lines() {
    let (code, stderr) = validate_text(&format!(
        "{HEAD}mail:\n  type: resend\n  defaultSendFrom: Dify <nobody>\n  smtp:\n    server: smtp.example.com\n    port: 465\n    username: dify\n    useTls: true\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T177]: `mail.type: resend` needs `mail.resend`",
        "t.yaml:5:9",
        "error[T177]: `mail.smtp` is not used with `mail.type: resend`",
        "t.yaml:8:5",
        "error[T177]: an SMTP `username` without a `password`",
        "t.yaml:10:15",
        "error[T143]: invalid e-mail address `nobody`",
        "t.yaml:6:20",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
}

#[test]
fn a_missing_required_field_and_an_inline_password_are_refused() {
    let (code, stderr) = validate_text(&format!(
        "{HEAD}mail:\n  type: smtp\n  defaultSendFrom: dify@example.com\n  smtp:\n    server: smtp.example.com\n    password: hunter2\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("port"), "{stderr}");
    assert!(stderr.contains("t.yaml:9:"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the value is never echoed:\n{stderr}"
    );
}

// OpenTelemetry as fields (issue 18, item 6): the SDK's sampling and batch
// settings are typed fields of `monitoring.otelCollector.export`.

#[test]
fn otel_export_settings_reach_the_backend_as_difys_variables() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(
        &file,
        format!("{HEAD}monitoring:\n  otelCollector:\n    export:\n      samplingRate: 0.25\n      batchDelayMs: 2000\n      batchTimeoutMs: 8000\n      maxQueueSize: 4096\n      maxExportBatchSize: 1024\n      metricIntervalMs: 30000\n      metricTimeoutMs: 20000\n"),
    )
    .unwrap();
    for deployment in ["dify-api", "dify-worker", "dify-beat"] {
        let (data, _) = environment(file.to_str().unwrap(), deployment);
        for (name, value) in [
            ("ENABLE_OTEL", "true"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http"),
            ("OTEL_SAMPLING_RATE", "0.25"),
            ("OTEL_BATCH_EXPORT_SCHEDULE_DELAY", "2000"),
            ("OTEL_BATCH_EXPORT_TIMEOUT", "8000"),
            ("OTEL_MAX_QUEUE_SIZE", "4096"),
            ("OTEL_MAX_EXPORT_BATCH_SIZE", "1024"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "30000"),
            ("OTEL_METRIC_EXPORT_TIMEOUT", "20000"),
        ] {
            assert_eq!(data.get(name), Some(&json!(value)), "{deployment} {name}");
        }
    }
    // The ha profile writes Dify's own defaults out.
    let (data, _) = environment("profiles/ha.yaml", "dify-api");
    assert_eq!(data["OTEL_SAMPLING_RATE"], "0.1");
    assert_eq!(data["OTEL_MAX_EXPORT_BATCH_SIZE"], "512");
}

#[test]
fn otel_settings_as_raw_env_or_contradicting_are_refused_at_their_lines() {
    let (code, stderr) = validate_text(&format!(
        "{HEAD}monitoring:\n  otelCollector:\n    export:\n      maxQueueSize: 256\n      metricTimeoutMs: 60000\ncomponents:\n  api:\n    env:\n      OTEL_SAMPLING_RATE: \"1.0\"\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T179]: a span batch of 512 is larger than the queue of 256",
        "error[T179]: a metric export may take 60000 ms",
        "t.yaml:8:24",
        "error[T132]: `OTEL_SAMPLING_RATE` is set by dify-gen for `api`",
        "t.yaml:12:27",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
}
