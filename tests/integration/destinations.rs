//! Mail and OpenTelemetry at named egress destinations (issue 18, items 2
//! and 3): `mail.egress` and `monitoring.otlp` make the NetworkPolicy edge
//! exactly that destination on the service's port (checked against the
//! component graph), the OTLP API key reaches Dify only as a
//! `secretKeyRef`, and a destination that does not fit is refused at its
//! line.

use crate::cluster::validate_text;
use crate::mail::{entry, environment};
use crate::security::policies_match_the_graph;

const FIXTURE: &str = "tests/fixtures/cluster/destinations.yaml";

#[test]
fn the_backend_exports_to_the_named_endpoint_with_its_key_by_reference() {
    for deployment in ["dify-api", "dify-worker", "dify-beat"] {
        let (data, env) = environment(FIXTURE, deployment);
        assert_eq!(data["ENABLE_OTEL"], "true", "{deployment}");
        assert_eq!(data["OTEL_EXPORTER_OTLP_PROTOCOL"], "http");
        assert_eq!(
            data["OTLP_BASE_ENDPOINT"],
            "http://otel-collector.observability.svc:4318"
        );
        assert!(
            data.get("OTLP_API_KEY").is_none(),
            "{deployment}: never in a ConfigMap"
        );
        let key = entry(&env, "OTLP_API_KEY").unwrap_or_else(|| panic!("{deployment}"));
        let r = &key["valueFrom"]["secretKeyRef"];
        assert_eq!(
            (&r["name"], &r["key"]),
            (&"dify-otlp".into(), &"api-key".into())
        );
        assert!(key.get("value").is_none());
    }
    // The External Secrets Operator creates that Secret too.
    let r = crate::support::run(&[
        "render",
        "-f",
        FIXTURE,
        "--strict",
        "--set",
        "secrets.externalSecrets={storeKind: ClusterSecretStore, storeName: vault, remoteKeyPrefix: dify/prod/, refreshInterval: 1h}",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(crate::support::parse_stream(&r.stdout)
        .iter()
        .any(|o| o["kind"] == "ExternalSecret" && o["metadata"]["name"] == "dify-otlp"));
}

#[test]
fn mail_and_otlp_edges_go_to_their_destinations_only() {
    let (egress, _) = policies_match_the_graph(FIXTURE);
    let to = |port: u64| -> Vec<(&str, &str)> {
        egress
            .iter()
            .filter(|k| k.3 == port)
            .map(|k| (k.0.as_str(), k.1.as_str()))
            .collect()
    };
    assert_eq!(
        to(587),
        [
            ("component:api", "egress:mail-relay"),
            ("component:worker", "egress:mail-relay"),
        ],
        "the mail server by its range, not by its name's `any`"
    );
    let otlp = to(4318);
    for from in ["api", "api-websocket", "worker", "beat"] {
        assert!(
            otlp.contains(&(&*format!("component:{from}"), "egress:otlp")),
            "{from}: {otlp:?}"
        );
    }
    assert!(otlp.iter().all(|(_, t)| *t == "egress:otlp"), "{otlp:?}");
    assert!(!egress.iter().any(|k| k.1 == "component:otel-collector"));
}

const HEAD: &str = "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n";

#[test]
fn a_destination_that_does_not_fit_is_refused_at_its_line() {
    let (code, stderr) = validate_text(&format!(
        "{HEAD}network:\n  egress:\n    - {{name: otlp, from: [api], cidrs: [10.50.0.0/24], ports: [4317]}}\nmail:\n  type: smtp\n  defaultSendFrom: dify@example.com\n  smtp: {{server: smtp.example.com, port: 25}}\n  egress: relay\nmonitoring:\n  otlp:\n    url: https://otlp.example.com:4318\n    egress: otlp\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T229]: no `network.egress` destination is named `relay`",
        "t.yaml:11:11",
        "add the mail server to `network.egress`",
        "error[T229]: Dify exports OTLP to one target: `otlp` beside `otelCollector`",
        "t.yaml:14:5",
        "error[T229]: the OTLP endpoint's port 4318 is not among the ports of egress destination `otlp`",
        "t.yaml:14:10",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
    // An inline key is no Secret reference.
    let (code, stderr) = validate_text(&format!(
        "{HEAD}monitoring:\n  otelCollector: null\n  otlp:\n    url: https://otlp.example.com\n    egress: otlp\n    apiKey: s3cr3t-value\nnetwork:\n  egress:\n    - {{name: otlp, from: [api], cidrs: [10.50.0.0/24], ports: [443]}}\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("monitoring.otlp.apiKey"), "{stderr}");
    assert!(!stderr.contains("s3cr3t-value"), "never echoed:\n{stderr}");
}
