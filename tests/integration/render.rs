//! What the rendered objects must hold: whole-stream snapshots of both
//! profiles, and properties every object or workload must have.

use crate::support::{parse_stream, run};
use serde_json::Value;

fn stream(profile: &str) -> Vec<Value> {
    let r = run(&["render", "-f", &format!("profiles/{profile}.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    parse_stream(&r.stdout)
}

#[test]
fn ha_profile_snapshot() {
    let r = run(&["render", "-f", "profiles/ha.yaml"]);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn dev_profile_snapshot() {
    let r = run(&["render", "-f", "profiles/dev.yaml"]);
    insta::assert_snapshot!(r.stdout);
}

const COMPONENTS: &[&str] = &[
    "api",
    "api-websocket",
    "worker",
    "beat",
    "web",
    "sandbox",
    "plugin-daemon",
    "ssrf-proxy",
    "agent-backend",
    "local-sandbox",
    "agent-ssrf-proxy",
    "migration",
    // The data layer adds its own.
    "postgres",
    "etcd",
    "redis",
    "sentinel",
    "redis-proxy",
    "postgres-check",
    // The log collector's agent.
    "fluent-bit",
    // Monitoring objects (rules, scrape targets, routing, dashboards) and
    // the OpenTelemetry Collector.
    "monitoring",
    "otel-collector",
    // The backup Jobs (src/render/backup).
    "backup",
    "backup-files",
    "backup-drill",
];

#[test]
fn every_object_carries_the_recommended_labels() {
    for profile in ["ha", "dev"] {
        for o in stream(profile) {
            let labels = &o["metadata"]["labels"];
            for key in [
                "name",
                "instance",
                "component",
                "part-of",
                "managed-by",
                "version",
            ] {
                assert!(
                    labels[format!("app.kubernetes.io/{key}")].is_string(),
                    "{key} missing on {}",
                    o["metadata"]["name"]
                );
            }
            assert_eq!(labels["app.kubernetes.io/managed-by"], "dify-gen");
            let component = labels["app.kubernetes.io/component"].as_str().unwrap();
            // The namespace and its default-deny policy belong to no one component.
            let shared = o["kind"] == "Namespace"
                || (o["kind"] == "NetworkPolicy" && component == "network");
            if !shared {
                assert!(
                    COMPONENTS.contains(&component),
                    "{component} on {}",
                    o["metadata"]["name"]
                );
            }
        }
    }
}

/// Every object names the dify-gen that rendered it and the hash of its
/// effective topology: equal for inputs that mean the same, different for
/// a one-field change, and never on a pod template (it would restart
/// every pod on any topology change).
#[test]
fn every_object_carries_its_provenance() {
    let hashes = |objects: &[Value]| -> std::collections::BTreeSet<String> {
        objects
            .iter()
            .map(|o| {
                let a = &o["metadata"]["annotations"];
                assert_eq!(
                    a["dify-gen.io/generated-by"],
                    format!("dify-gen {}", env!("CARGO_PKG_VERSION")),
                    "{}",
                    o["metadata"]["name"]
                );
                let template = &o["spec"]["template"]["metadata"]["annotations"];
                assert!(template["dify-gen.io/topology-sha256"].is_null());
                let h = a["dify-gen.io/topology-sha256"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                h
            })
            .collect()
    };
    let ha = hashes(&stream("ha"));
    assert_eq!(ha.len(), 1, "one topology, one hash");
    assert_ne!(ha, hashes(&stream("dev")));
    // The same meaning through another layer and a comment: the same hash.
    let dir = tempfile::tempdir().unwrap();
    let layer = dir.path().join("t.yaml");
    std::fs::write(
        &layer,
        "# only a comment, and a value equal to the profile's\nzones: [zone-a, zone-b, zone-c]\n",
    )
    .unwrap();
    let same = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "-f",
        layer.to_str().unwrap(),
    ]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert_eq!(hashes(&parse_stream(&same.stdout)), ha);
    let changed = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "components.web.replicas=4",
    ]);
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    let changed = hashes(&parse_stream(&changed.stdout));
    assert_eq!(changed.len(), 1);
    assert_ne!(changed, ha);
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name}"))
}

fn env(container: &Value, name: &str) -> Option<String> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str().map(str::to_string))
}

#[test]
fn every_dify_component_is_rendered_as_real_dify_needs_it() {
    let objects = stream("ha");
    // The Deployments: every Dify component but the migration Job.
    for c in COMPONENTS.iter().take_while(|c| **c != "migration") {
        find(&objects, "Deployment", &format!("dify-{c}"));
    }
    for singleton in ["dify-beat", "dify-local-sandbox"] {
        let d = find(&objects, "Deployment", singleton);
        assert_eq!(d["spec"]["replicas"], 1, "{singleton}");
        assert_eq!(d["spec"]["strategy"]["type"], "Recreate", "{singleton}");
    }
    let job = objects.iter().find(|o| o["kind"] == "Job").unwrap();
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env(c, "MODE").as_deref(), Some("migration"));
    assert_eq!(env(c, "MIGRATION_ENABLED").as_deref(), Some("true"));
    let backend = find(&objects, "ConfigMap", "dify-backend");
    assert_eq!(backend["data"]["MIGRATION_ENABLED"], "false");
    assert_eq!(backend["data"]["LOG_OUTPUT_FORMAT"], "json");
    assert_eq!(backend["data"]["STORAGE_TYPE"], "s3");
    assert_eq!(backend["data"]["DB_HOST"], "dify-postgres");
    assert_eq!(backend["data"]["REDIS_USE_SENTINEL"], "true");
    // Probes use the endpoints Dify has.
    let probe_path = |name: &str| {
        find(&objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
            ["readinessProbe"]["httpGet"]["path"]
            .clone()
    };
    assert_eq!(probe_path("dify-api"), "/health");
    assert_eq!(probe_path("dify-api-websocket"), "/health");
    assert_eq!(probe_path("dify-sandbox"), "/health");
    assert_eq!(probe_path("dify-plugin-daemon"), "/health/check");
    // The agent's local sandbox serves `/healthz` (its compose check).
    assert_eq!(probe_path("dify-local-sandbox"), "/healthz");
    // Dify has no `/healthz` or `/readyz` otherwise (etcd's `/readyz` is real).
    for o in objects.iter().filter(|o| o["kind"] == "Deployment") {
        let text = o.to_string();
        if o["metadata"]["name"] == "dify-local-sandbox" {
            continue;
        }
        assert!(
            !text.contains("/healthz") && !text.contains("/readyz"),
            "{}",
            o["metadata"]["name"]
        );
    }
    let text = run(&["render", "-f", "profiles/ha.yaml"]).stdout;
    assert!(!text.contains(":latest"));
}

#[test]
fn spread_follows_the_design_table() {
    let objects = stream("ha");
    let keys = |name: &str| -> Vec<(String, String)> {
        find(&objects, "Deployment", name)["spec"]["template"]["spec"]["topologySpreadConstraints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["topologyKey"].as_str().unwrap().to_string(),
                    c["whenUnsatisfiable"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // `ha`: soft zone and host spread, so that a dark zone's pods come back
    // (docs/zone-outages.md).
    let soft = vec![
        (
            "topology.kubernetes.io/zone".to_string(),
            "ScheduleAnyway".to_string(),
        ),
        (
            "kubernetes.io/hostname".to_string(),
            "ScheduleAnyway".to_string(),
        ),
    ];
    assert_eq!(keys("dify-api"), soft);
    assert_eq!(keys("dify-worker"), soft);
    // The data layer keeps its hard zone spread; the Redis master proxy,
    // a Deployment, a soft one.
    let zone_rule = |kind: &str, name: &str| {
        find(&objects, kind, name)["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
            ["whenUnsatisfiable"]
            .clone()
    };
    assert_eq!(zone_rule("StatefulSet", "dify-postgres"), "DoNotSchedule");
    assert_eq!(
        zone_rule("Deployment", "dify-redis-proxy"),
        "ScheduleAnyway"
    );
    // `spread: zone` is the hard rule, `host` the hard host rule.
    let r = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "components.api.spread=zone",
        "--set",
        "components.worker.spread=host",
    ]);
    let objects = parse_stream(&r.stdout);
    let first = |name: &str| {
        let c = &find(&objects, "Deployment", name)["spec"]["template"]["spec"]
            ["topologySpreadConstraints"][0];
        (
            c["topologyKey"].as_str().unwrap().to_string(),
            c["whenUnsatisfiable"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        first("dify-api"),
        ("topology.kubernetes.io/zone".into(), "DoNotSchedule".into())
    );
    assert_eq!(
        first("dify-worker"),
        ("kubernetes.io/hostname".into(), "DoNotSchedule".into())
    );
}

/// `eviction.tolerationSeconds` renders the two failed-node tolerations;
/// a component without it gets none (Kubernetes adds its 300 s default).
#[test]
fn eviction_timing_renders_the_failed_node_tolerations() {
    let objects = stream("ha");
    let tolerations = |objects: &[Value], name: &str| -> Vec<(String, String, i64)> {
        find(objects, "Deployment", name)["spec"]["template"]["spec"]["tolerations"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|t| {
                        (
                            t["key"].as_str().unwrap().to_string(),
                            t["effect"].as_str().unwrap().to_string(),
                            t["tolerationSeconds"].as_i64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let expect = |seconds: i64| {
        vec![
            (
                "node.kubernetes.io/not-ready".to_string(),
                "NoExecute".to_string(),
                seconds,
            ),
            (
                "node.kubernetes.io/unreachable".to_string(),
                "NoExecute".to_string(),
                seconds,
            ),
        ]
    };
    assert_eq!(tolerations(&objects, "dify-api"), expect(30));
    assert_eq!(tolerations(&objects, "dify-worker"), expect(60));
    assert!(tolerations(&objects, "dify-beat").is_empty());
    let r = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "components.beat.eviction={tolerationSeconds: 120}",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        tolerations(&parse_stream(&r.stdout), "dify-beat"),
        expect(120)
    );
}

#[test]
fn entry_reproduces_difys_nginx_routing() {
    let objects = stream("ha");
    let ing = find(&objects, "Ingress", "dify");
    let ann = &ing["metadata"]["annotations"];
    assert_eq!(ann["nginx.org/proxy-read-timeout"], "3600s");
    assert_eq!(ann["nginx.org/proxy-buffering"], "False");
    // F5 NGINX passes the WebSocket upgrade only for the listed Services.
    assert_eq!(ann["nginx.org/websocket-services"], "dify-api-websocket");
    let paths: Vec<(String, String)> = ing["spec"]["rules"][0]["http"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().into(),
                p["backend"]["service"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (path, svc) in [
        ("/console/api", "dify-api"),
        ("/v1", "dify-api"),
        ("/openapi", "dify-api"),
        ("/socket.io/", "dify-api-websocket"),
        ("/e/", "dify-plugin-daemon"),
        ("/", "dify-web"),
    ] {
        assert!(
            paths.contains(&(path.to_string(), svc.to_string())),
            "{path} -> {svc}"
        );
    }
    let gw = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "ingress.controller=gateway-api",
        "--set",
        "ingress.gateway={name: public, namespace: gateway, implementation: nginx-gateway-fabric}",
    ]);
    assert_eq!(gw.code, 0, "{}", gw.stderr);
    let gw = parse_stream(&gw.stdout);
    let route = find(&gw, "HTTPRoute", "dify");
    assert_eq!(route["spec"]["parentRefs"][0]["name"], "public");
    assert!(
        route["spec"]["rules"][0].get("timeouts").is_none(),
        "NGF ignores HTTPRoute timeouts"
    );
    let policy = find(&gw, "ProxySettingsPolicy", "dify");
    assert_eq!(policy["spec"]["timeout"]["read"], "3600s");
    assert_eq!(policy["spec"]["buffering"]["disable"], true);
}

#[test]
fn no_secret_value_is_ever_rendered() {
    let text = run(&["render", "-f", "profiles/ha.yaml"]).stdout;
    assert!(
        !text.contains("kind: Secret\n"),
        "dify-gen references Secrets, it never writes one"
    );
    for o in stream("ha") {
        if o["kind"] == "ConfigMap" {
            for key in o["data"].as_object().unwrap().keys() {
                assert!(
                    !key.contains("PASSWORD") && !key.contains("SECRET"),
                    "{key} in a ConfigMap"
                );
            }
        }
    }
}

#[test]
fn external_secrets_create_every_referenced_secret() {
    let r = run(&[
        "render", "-f", "profiles/ha.yaml", "--set",
        "secrets.externalSecrets={storeKind: ClusterSecretStore, storeName: vault, remoteKeyPrefix: dify/prod/, refreshInterval: 1h}",
        "--set",
        "logging.outputs=[{type: elasticsearch, endpoint: 'https://es.logging.svc:9200', credentials: {username: {name: es-auth, key: user}, password: {name: es-auth, key: password}}, ca: {name: es-ca, key: ca.crt}}, {type: loki, endpoint: 'http://loki.loki.svc:3100', bearerToken: {name: loki-token, key: token}}]",
        "--set",
        "mail={type: smtp, defaultSendFrom: dify@example.com, smtp: {server: smtp.example.com, port: 465, username: dify, password: {name: dify-mail, key: smtp-password}, useTls: true}}",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let objects = parse_stream(&r.stdout);
    // Every secretKeyRef and secret volume in every pod resolves to an
    // ExternalSecret key in the pod's namespace.
    let mut refs = std::collections::BTreeSet::new();
    // Secrets mounted whole (no `items`): every key the ExternalSecret
    // provides lands in the volume, so the Secret itself must be provided.
    let mut whole = std::collections::BTreeSet::new();
    for o in &objects {
        let Some(spec) = o
            .pointer("/spec/template/spec")
            .or_else(|| o.pointer("/spec/jobTemplate/spec/template/spec"))
        else {
            continue;
        };
        let namespace = o["metadata"]["namespace"].as_str().unwrap().to_string();
        for c in spec["containers"].as_array().unwrap() {
            for e in c["env"].as_array().into_iter().flatten() {
                if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
                    refs.insert((
                        namespace.clone(),
                        r["name"].as_str().unwrap().to_string(),
                        r["key"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        for v in spec["volumes"].as_array().into_iter().flatten() {
            if let Some(secret) = v.get("secret") {
                let name = secret["secretName"].as_str().unwrap().to_string();
                let Some(items) = secret["items"].as_array() else {
                    whole.insert((namespace.clone(), name));
                    continue;
                };
                for item in items {
                    refs.insert((
                        namespace.clone(),
                        secret["secretName"].as_str().unwrap().to_string(),
                        item["key"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    let mut provided = std::collections::BTreeSet::new();
    for es in objects.iter().filter(|o| o["kind"] == "ExternalSecret") {
        assert_eq!(es["spec"]["secretStoreRef"]["name"], "vault");
        for d in es["spec"]["data"].as_array().unwrap() {
            provided.insert((
                es["metadata"]["namespace"].as_str().unwrap().to_string(),
                es["spec"]["target"]["name"].as_str().unwrap().to_string(),
                d["secretKey"].as_str().unwrap().to_string(),
            ));
            assert!(d["remoteRef"]["key"]
                .as_str()
                .unwrap()
                .starts_with("dify/prod/"));
        }
    }
    // The log agent's Secrets are among them, in its namespace.
    for (name, key) in [
        ("es-auth", "user"),
        ("es-auth", "password"),
        ("es-ca", "ca.crt"),
        ("loki-token", "token"),
    ] {
        let want = (
            "dify-logging".to_string(),
            name.to_string(),
            key.to_string(),
        );
        assert!(refs.contains(&want) && provided.contains(&want), "{want:?}");
    }
    for (namespace, name) in &whole {
        assert!(
            provided.iter().any(|(n, s, _)| n == namespace && s == name),
            "the Secret `{name}` mounted in `{namespace}` has no ExternalSecret"
        );
    }
    assert!(
        refs.is_subset(&provided),
        "missing: {:?}",
        refs.difference(&provided).collect::<Vec<_>>()
    );
}

/// Every object of every variant passes strict validation for every
/// Kubernetes version dify-gen supports, both inside `render` and when the
/// written tree is checked again with `dify-gen validate`.
#[test]
fn output_passes_strict_schemas_for_every_supported_kubernetes_version() {
    let variants: &[&[&str]] = &[
        &["-f", "profiles/ha.yaml"],
        &["-f", "profiles/dev.yaml"],
        &[
            "-f", "profiles/ha.yaml", "--set", "ingress.controller=gateway-api", "--set",
            "ingress.gateway={name: public, namespace: gateway, implementation: standard}",
        ],
        &[
            "-f", "profiles/ha.yaml", "--set",
            "secrets.externalSecrets={storeKind: SecretStore, storeName: vault, refreshInterval: 1h}",
            "--set", "logging.collector.mode=both",
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    for version in ["1.33", "1.34", "1.35", "1.36", "1.37"] {
        for (i, variant) in variants.iter().enumerate() {
            let out = dir.path().join(format!("{version}-{i}"));
            let out_s = out.to_str().unwrap();
            let mut args = vec!["render", "--kube-version", version, "--output-dir", out_s];
            args.extend_from_slice(variant);
            let r = run(&args);
            assert_eq!(r.code, 0, "{version} {variant:?}: {}", r.stderr);
            let v = run(&["validate", "--kube-version", version, out_s]);
            assert_eq!(v.code, 0, "{version} {variant:?}: {}{}", v.stdout, v.stderr);
        }
    }
    assert_eq!(
        run(&["render", "-f", "profiles/ha.yaml", "--kube-version", "1.20"]).code,
        2
    );
}
