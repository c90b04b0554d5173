//! The chart values of the `helm` family, run through the real `helm`
//! (`scripts/install-helm.sh`): `helm lint` and `helm template` with each
//! rendered values file, on a chart the test builds from
//! `tests/fixtures/charts/<chart>/` whose `values.schema.json` is the
//! schema dify-gen bundles for that chart version, and whose templates read
//! the keys the real chart reads. What `helm template` prints must pass
//! dify-gen's strict validation and carry the plan's facts.

use crate::realprograms::harness::{require_program, run_bounded};
use crate::support::{parse_stream, run};
use dify_gen::pipeline::{self, Refused};
use dify_gen::plan::Plan;
use dify_gen::render::{self, Artifact, Content, Family};
use dify_gen::source::Sources;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Renders a profile (with `--set`s) into a fresh directory.
fn rendered(profile: &str, sets: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mut args = vec!["render", "--strict", "-f", profile, "--output-dir", out];
    for s in sets {
        args.extend(["--set", s]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

/// The test chart `name`, in `dir`, with the bundled schema `bundle` as its
/// `values.schema.json` (the bundle's one kind at the root).
fn chart(dir: &Path, name: &str, bundle: &str) -> PathBuf {
    let from = Path::new("tests/fixtures/charts").join(name);
    let to = dir.join(name);
    for entry in walk(&from) {
        let target = to.join(entry.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    let text = std::fs::read_to_string(format!("schemas/config/{bundle}.json")).unwrap();
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let kinds = bundle["kinds"].as_object().unwrap();
    assert_eq!(kinds.len(), 1, "one chart per bundle");
    let root = kinds.values().next().unwrap().as_str().unwrap();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{root}"),
        "$defs": bundle["$defs"],
    });
    std::fs::write(to.join("values.schema.json"), schema.to_string()).unwrap();
    to
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Runs `helm` with its state kept in `dir`; returns (success, output).
fn helm(dir: &Path, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(require_program("helm"));
    for (var, sub) in [
        ("HELM_CACHE_HOME", "cache"),
        ("HELM_CONFIG_HOME", "config"),
        ("HELM_DATA_HOME", "data"),
    ] {
        command.env(var, dir.join(sub));
    }
    command.args(args);
    run_bounded(command, Duration::from_secs(60))
}

/// `helm lint` and `helm template` of `values` on `chart`: the objects
/// printed, after they have passed `dify-gen validate`.
fn template(dir: &Path, chart: &Path, namespace: &str, values: &Path) -> Vec<Value> {
    template_checked(dir, chart, namespace, values, &[])
}

/// `template`, with more `dify-gen validate` options.
fn template_checked(
    dir: &Path,
    chart: &Path,
    namespace: &str,
    values: &Path,
    options: &[&str],
) -> Vec<Value> {
    let (chart, values) = (chart.to_str().unwrap(), values.to_str().unwrap());
    let (ok, out) = helm(
        dir,
        &["lint", chart, "--namespace", namespace, "-f", values],
    );
    assert!(ok, "helm lint: {out}");
    let printed = dir.join("printed");
    // A file of an earlier run is no object of this one.
    let _ = std::fs::remove_dir_all(&printed);
    let (ok, out) = helm(
        dir,
        &[
            "template",
            "dify",
            chart,
            "--namespace",
            namespace,
            "-f",
            values,
            "--output-dir",
            printed.to_str().unwrap(),
        ],
    );
    assert!(ok, "helm template: {out}");
    let files = walk(&printed);
    assert!(!files.is_empty(), "helm template printed nothing");
    let mut args = vec!["validate".to_string()];
    args.extend(options.iter().map(|o| o.to_string()));
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&args);
    assert_eq!(
        r.code, 0,
        "what the chart prints is valid: {}{}",
        r.stdout, r.stderr
    );
    files
        .iter()
        .flat_map(|f| parse_stream(&std::fs::read_to_string(f).unwrap()))
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name} is printed"))
}

fn manifests(tree: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(tree.join("kubernetes/kustomization.yaml")).unwrap();
    let list: Value = first_document(&text);
    list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let path = tree.join("kubernetes").join(f.as_str().unwrap());
            parse_stream(&std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

fn first_document(text: &str) -> Value {
    parse_stream(text).into_iter().next().unwrap()
}

fn env_of(container: &Value) -> Vec<(String, Value)> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// The Dify chart runs the pods of the raw manifests: per component the
/// replicas, resources, probes, tolerations and update strategy of
/// dify-gen's Deployment, every variable of its ConfigMap and Secret
/// references (no credential in the chart's own values), spread as
/// anti-affinity on the chart's labels, the HPAs, external PostgreSQL at the
/// Patroni leader Service, Redis through the Sentinels, S3, and the bundled
/// subcharts off.
#[test]
fn the_dify_chart_runs_what_the_raw_manifests_run() {
    let tree = rendered("profiles/ha.yaml", &[]);
    let values_path = tree.path().join("helm/dify-0.38.0-rc2.values.yaml");
    let values = first_document(&std::fs::read_to_string(&values_path).unwrap());
    for off in [
        "postgresql",
        "redis",
        "weaviate",
        "proxy",
        "ingress",
        "httproute",
    ] {
        assert_eq!(values[off], json!({"enabled": false}), "{off}");
    }
    let work = tempfile::tempdir().unwrap();
    let chart = chart(work.path(), "dify", "helm-dify-0.38.0-rc2");
    let printed = template(work.path(), &chart, "dify", &values_path);
    let raw = manifests(tree.path());

    for (deployment, hpa) in [
        ("dify-api", true),
        ("dify-worker", true),
        ("dify-web", false),
        ("dify-sandbox", false),
        ("dify-plugin-daemon", false),
        ("dify-api-websocket", false),
        ("dify-agent-backend", false),
        ("dify-beat", false),
    ] {
        let chart_pod = &find(&printed, "Deployment", deployment)["spec"];
        let raw_pod = &find(&raw, "Deployment", deployment)["spec"];
        let (c, r) = (
            &chart_pod["template"]["spec"]["containers"][0],
            &raw_pod["template"]["spec"]["containers"][0],
        );
        assert_eq!(c["image"], r["image"], "{deployment}");
        assert_eq!(c["resources"], r["resources"], "{deployment}");
        assert_eq!(chart_pod["strategy"], raw_pod["strategy"], "{deployment}");
        assert_eq!(
            chart_pod["template"]["spec"]["tolerations"],
            raw_pod["template"]["spec"]["tolerations"],
            "{deployment}"
        );
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            // Ports by number: the chart names its ports after components.
            let mut want = r[probe].clone();
            for at in ["/httpGet/port", "/tcpSocket/port"] {
                if let Some(port) = want.pointer_mut(at).filter(|p| p.is_string()) {
                    *port = json!(r["ports"][0]["containerPort"]);
                }
            }
            assert_eq!(c[probe], want, "{deployment} {probe}");
        }
        if hpa {
            let (h, w) = (
                &find(&printed, "HorizontalPodAutoscaler", deployment)["spec"],
                &find(&raw, "HorizontalPodAutoscaler", deployment)["spec"],
            );
            assert_eq!(h["minReplicas"], w["minReplicas"], "{deployment}");
            assert_eq!(h["maxReplicas"], w["maxReplicas"], "{deployment}");
            assert_eq!(h["metrics"], w["metrics"], "{deployment}");
        } else {
            assert_eq!(chart_pod["replicas"], raw_pod["replicas"], "{deployment}");
        }
        // Every variable dify-gen gives the component, by value or by
        // Secret reference, reaches the chart's container.
        let env = env_of(c);
        let config = raw_pod["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]
            ["name"]
            .as_str()
            .unwrap();
        let data = find(&raw, "ConfigMap", config)["data"].as_object().unwrap();
        let chart_sets = [
            "LOG_LEVEL",
            "MODE",
            "MIGRATION_ENABLED",
            "SERVER_WORKER_AMOUNT",
            "SERVER_WORKER_CLASS",
        ];
        for (name, value) in data {
            if chart_sets.contains(&name.as_str()) {
                continue;
            }
            let got = env.iter().find(|(n, _)| n == name);
            assert_eq!(
                got.map(|(_, e)| &e["value"]),
                Some(value),
                "{deployment} {name}"
            );
        }
        for var in env_of(r) {
            if chart_sets.contains(&var.0.as_str()) {
                continue;
            }
            assert!(env.contains(&var), "{deployment} {}", var.0);
        }
        let names: Vec<&String> = env.iter().map(|(n, _)| n).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{deployment}: a variable twice");
    }
    // Beat: one replica, replaced rather than rolled.
    let beat = &find(&printed, "Deployment", "dify-beat")["spec"];
    assert_eq!(beat["replicas"], 1);
    assert_eq!(beat["strategy"]["type"], "Recreate");

    // Spread across zones, on the labels the chart gives its pods.
    let api = &find(&printed, "Deployment", "dify-api")["spec"]["template"];
    let terms = &api["spec"]["affinity"]["podAntiAffinity"]
        ["preferredDuringSchedulingIgnoredDuringExecution"];
    assert_eq!(
        terms[0]["podAffinityTerm"]["topologyKey"],
        "topology.kubernetes.io/zone"
    );
    let selector = terms[0]["podAffinityTerm"]["labelSelector"]["matchLabels"]
        .as_object()
        .unwrap();
    for (k, v) in selector {
        assert_eq!(&api["metadata"]["labels"][k], v, "the pods carry {k}");
    }

    // The data layer dify-gen renders, named by the chart's values.
    let data = &find(&printed, "ConfigMap", "dify-api")["data"];
    let raw_backend = raw
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["data"]["DB_HOST"].is_string())
        .expect("a backend ConfigMap");
    assert_eq!(data["DB_HOST"], raw_backend["data"]["DB_HOST"]);
    assert_eq!(data["DB_HOST"], "dify-postgres");
    assert!(find(&raw, "Service", "dify-postgres").is_object());
    assert_eq!(data["REDIS_USE_SENTINEL"], "true");
    assert_eq!(
        data["REDIS_SENTINELS"],
        raw_backend["data"]["REDIS_SENTINELS"]
    );
    assert_eq!(
        data["REDIS_SENTINEL_SERVICE_NAME"],
        raw_backend["data"]["REDIS_SENTINEL_SERVICE_NAME"]
    );
    assert_eq!(data["STORAGE_TYPE"], "s3");
    assert_eq!(data["S3_BUCKET_NAME"], "dify-files");
    assert_eq!(data["MIGRATION_ENABLED"], "true");
    // No credential in the chart's values: every one is a reference.
    for key in [
        "/global/appSecretKey",
        "/externalPostgres/password",
        "/externalRedis/password",
        "/externalRedis/sentinel/password",
        "/externalS3/accessKey",
        "/externalS3/secretKey",
        "/sandbox/auth/apiKey",
        "/pluginDaemon/auth/serverKey",
    ] {
        assert_eq!(values.pointer(key), Some(&json!("")), "{key}");
    }
    let api_env = env_of(&api["spec"]["containers"][0]);
    let secret_key = &api_env.iter().find(|(n, _)| n == "SECRET_KEY").unwrap().1;
    assert_eq!(
        secret_key["valueFrom"]["secretKeyRef"],
        json!({"name": "dify-core", "key": "secret-key", "optional": false})
    );
}

/// A topology on another Dify release than the chart's gets no values for
/// it (the chart's templates are that release's); nothing else changes.
#[test]
fn the_dify_chart_values_are_for_its_release_only() {
    let tree = rendered("tests/fixtures/releases/dify-1.13.3.yaml", &[]);
    assert!(!tree
        .path()
        .join("helm/dify-0.38.0-rc2.values.yaml")
        .exists());
    assert!(tree.path().join("helm").is_dir());
}

/// The `helm` family with the key `from` of the object at `parent` (a JSON
/// pointer) in the values file `file` spelt `to`.
fn respelt(plan: &Plan, file: &str, parent: &str, from: &str, to: &str) -> Vec<Artifact> {
    let mut out = (render::FAMILIES
        .iter()
        .find(|f| f.name == "helm")
        .expect("the helm family is registered")
        .render)(plan);
    for a in &mut out {
        if let Content::Yaml(doc) = &mut a.content {
            if a.path.ends_with(file) {
                let map = doc.pointer_mut(parent).unwrap().as_object_mut().unwrap();
                let value = map.remove(from).unwrap();
                map.insert(to.into(), value);
            }
        }
    }
    out
}

/// Rendering the ha profile with the `helm` family `misspelt` is refused
/// with one error, for `field`, at the line `line` of the values `file`.
fn refused_at(misspelt: fn(&Plan) -> Vec<Artifact>, file: &str, field: &str, line: &str) {
    let mut sources = Sources::default();
    let loaded = pipeline::checked(&["profiles/ha.yaml".into()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("the ha profile loads: {d:?}"));
    let families: Vec<Family> = render::FAMILIES
        .iter()
        .map(|f| {
            if f.name == "helm" {
                Family {
                    name: "helm",
                    render: misspelt,
                }
            } else {
                *f
            }
        })
        .collect();
    match pipeline::rendered(&loaded, &families, &mut sources, "1.37") {
        Err(Refused::Invalid(findings)) => {
            let errors: Vec<_> = findings.iter().filter(|d| d.is_error()).collect();
            assert_eq!(errors.len(), 1, "{findings:?}");
            assert_eq!(errors[0].path.as_deref(), Some(field), "{findings:?}");
            let key = field.rsplit('.').next().unwrap();
            assert_eq!(errors[0].message, format!("unknown field `{key}`"));
            // At the key's line in the rendered file.
            let span = errors[0].span.expect("a schema finding has a location");
            assert!(
                sources.name(span.file).ends_with(file),
                "{}",
                sources.name(span.file)
            );
            let at = sources.line(span.file, span.line).unwrap();
            assert_eq!(at.trim_start(), line, "{at}");
        }
        Err(Refused::Leaks(d)) => panic!("refused as a leak: {d:?}"),
        Ok(_) => panic!("a misspelt chart value must be refused"),
    }
}

/// A wrong key in a values file fails `render`, at the file and field.
#[test]
fn a_wrong_key_in_the_dify_values_fails_render() {
    fn misspelt(plan: &Plan) -> Vec<Artifact> {
        respelt(plan, DIFY_VALUES, "/api", "replicas", "replica")
    }
    refused_at(misspelt, DIFY_VALUES, "api.replica", "replica: 3");
}

const DIFY_VALUES: &str = "helm/dify-0.38.0-rc2.values.yaml";

/// The spread constraints of a printed Deployment: (key, when unsatisfiable).
fn spread_of(deployment: &Value) -> Vec<(String, String)> {
    deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["topologyKey"].as_str().unwrap().to_string(),
                c["whenUnsatisfiable"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn toleration_seconds(deployment: &Value) -> Vec<(String, u64)> {
    deployment["spec"]["template"]["spec"]["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_string(),
                t["tolerationSeconds"].as_u64().unwrap(),
            )
        })
        .collect()
}

const ZONE: &str = "topology.kubernetes.io/zone";
const HOST: &str = "kubernetes.io/hostname";
const HARD: &str = "DoNotSchedule";
const SOFT: &str = "ScheduleAnyway";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The F5 NGINX Ingress Controller: the ha profile's three replicas behind
/// a LoadBalancer with `externalTrafficPolicy: Local`, a budget of one pod,
/// a hard zone spread and eviction after 30 s; the dev profile's single
/// replica without a budget; another spread mode where the topology says.
#[test]
fn the_nginx_ingress_chart_runs_a_multi_replica_entry() {
    let work = tempfile::tempdir().unwrap();
    let chart = chart(work.path(), "nginx-ingress", "helm-nginx-ingress-2.6.4");
    let file = "helm/nginx-ingress-2.6.4.values.yaml";
    let name = "dify-nginx-ingress-controller";

    let ha = rendered("profiles/ha.yaml", &[]);
    let printed = template(work.path(), &chart, "nginx", &ha.path().join(file));
    let deployment = find(&printed, "Deployment", name);
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(spread_of(deployment), pairs(&[(ZONE, HARD), (HOST, SOFT)]));
    let evicted = [
        ("node.kubernetes.io/not-ready".to_string(), 30),
        ("node.kubernetes.io/unreachable".to_string(), 30),
    ];
    assert_eq!(toleration_seconds(deployment), evicted);
    let service = &find(&printed, "Service", name)["spec"];
    assert_eq!(service["type"], "LoadBalancer");
    assert_eq!(service["externalTrafficPolicy"], "Local");
    assert_eq!(
        find(&printed, "PodDisruptionBudget", name)["spec"]["maxUnavailable"],
        1
    );
    let config = &find(&printed, "ConfigMap", "dify-nginx-ingress")["data"];
    assert_eq!(config["proxy-read-timeout"], "3600s");
    assert_eq!(config["proxy-buffering"], "False");

    let dev = rendered("profiles/dev.yaml", &[]);
    let printed = template(work.path(), &chart, "nginx", &dev.path().join(file));
    let deployment = find(&printed, "Deployment", name);
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert!(toleration_seconds(deployment).is_empty());
    assert!(!printed.iter().any(|o| o["kind"] == "PodDisruptionBudget"));

    let host = rendered(
        "profiles/ha.yaml",
        &[
            "ingress.controllerSpread=host",
            "ingress.controllerEviction={tolerationSeconds: 10}",
        ],
    );
    let printed = template(work.path(), &chart, "nginx", &host.path().join(file));
    let deployment = find(&printed, "Deployment", name);
    assert_eq!(spread_of(deployment), pairs(&[(HOST, HARD), (ZONE, SOFT)]));
    assert_eq!(toleration_seconds(deployment)[0].1, 10);
}

/// NGINX Gateway Fabric: the data plane's replicas, LoadBalancer, spread
/// and eviction from the values, and the PodDisruptionBudget dify-gen
/// renders for it (the chart has no value for one) selecting the pods NGF
/// gives the Gateway, in the Gateway's namespace.
#[test]
fn the_nginx_gateway_fabric_chart_runs_a_multi_replica_entry() {
    let gateway =
        "ingress.gateway={name: public, namespace: gateway, implementation: nginx-gateway-fabric}";
    let tree = rendered(
        "profiles/ha.yaml",
        &[
            "ingress.controller=gateway-api",
            gateway,
            "ingress.controllerSpread=zone-preferred",
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let chart = chart(
        work.path(),
        "nginx-gateway-fabric",
        "helm-nginx-gateway-fabric-2.6.7",
    );
    let values = tree
        .path()
        .join("helm/nginx-gateway-fabric-2.6.7.values.yaml");
    let printed = template(work.path(), &chart, "gateway", &values);
    let deployment = find(&printed, "Deployment", "dify-nginx");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(spread_of(deployment), pairs(&[(ZONE, SOFT), (HOST, SOFT)]));
    assert_eq!(toleration_seconds(deployment)[0].1, 30);
    let service = &find(&printed, "Service", "dify-nginx")["spec"];
    assert_eq!(service["type"], "LoadBalancer");
    assert_eq!(service["externalTrafficPolicy"], "Local");

    let raw = manifests(tree.path());
    let pdb = find(&raw, "PodDisruptionBudget", "dify-gateway");
    assert_eq!(pdb["metadata"]["namespace"], "gateway");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    let selector = pdb["spec"]["selector"]["matchLabels"].as_object().unwrap();
    assert_eq!(
        selector,
        &serde_json::Map::from_iter([(
            "gateway.networking.k8s.io/gateway-name".to_string(),
            json!("public")
        )])
    );
    for (k, v) in selector {
        assert_eq!(&labels[k], v, "the budget selects the data plane by {k}");
    }

    // One replica: no budget (it would block every drain).
    let single = rendered(
        "profiles/ha.yaml",
        &[
            "ingress.controller=gateway-api",
            gateway,
            "ingress.controllerReplicas=1",
        ],
    );
    assert!(!manifests(single.path())
        .iter()
        .any(|o| o["metadata"]["name"] == "dify-gateway"));
}

const KPS_VALUES: &str = "helm/kube-prometheus-stack-88.5.3.values.yaml";

/// Every label of `selector`'s `matchLabels` is on `object`.
fn selects(selector: &Value, object: &Value) -> bool {
    let labels = &object["metadata"]["labels"];
    selector["matchLabels"]
        .as_object()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| &labels[k] == v))
}

/// The namespaces a `kubernetes.io/metadata.name In (...)` selector takes.
fn selected_namespaces(selector: &Value) -> Vec<String> {
    let e = &selector["matchExpressions"][0];
    assert_eq!(e["key"], "kubernetes.io/metadata.name");
    assert_eq!(e["operator"], "In");
    e["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// kube-prometheus-stack: the Prometheus and Alertmanager the chart prints
/// select the PrometheusRule, PodMonitors, Probes and AlertmanagerConfig
/// dify-gen renders, by their labels and in their namespace; Grafana's
/// sidecar watches a label every dashboard ConfigMap carries, in their
/// namespace; the exporters the rules read are on; the ha profile's two
/// replicas of each on different nodes, spread over zones, under a
/// budget. One zone (dev, with the operator): one replica, no budget.
#[test]
fn the_kube_prometheus_stack_chart_picks_up_the_monitoring_objects() {
    let work = tempfile::tempdir().unwrap();
    let chart = chart(
        work.path(),
        "kube-prometheus-stack",
        "helm-kube-prometheus-stack-88.5.3",
    );
    // The Prometheus and Alertmanager kinds have no bundled schema; the
    // budgets, ConfigMap and Services are validated.
    let print = |tree: &tempfile::TempDir| {
        let values = tree.path().join(KPS_VALUES);
        let options = ["--ignore-missing-schemas"];
        template_checked(work.path(), &chart, "monitoring", &values, &options)
    };
    let ha = rendered("profiles/ha.yaml", &[]);
    let printed = print(&ha);
    let raw = manifests(ha.path());
    let of_kind =
        |kind: &str| -> Vec<&Value> { raw.iter().filter(|o| o["kind"] == kind).collect() };

    let prometheus = &find(&printed, "Prometheus", "dify-prometheus")["spec"];
    for (kind, field) in [
        ("PrometheusRule", "rule"),
        ("PodMonitor", "podMonitor"),
        ("Probe", "probe"),
        ("ServiceMonitor", "serviceMonitor"),
    ] {
        let selector = &prometheus[format!("{field}Selector")];
        let namespaces = selected_namespaces(&prometheus[format!("{field}NamespaceSelector")]);
        assert!(
            namespaces.contains(&"monitoring".to_string()),
            "{namespaces:?}"
        );
        for object in of_kind(kind) {
            assert!(selects(selector, object), "{kind} {object} by {selector}");
            let ns = object["metadata"]["namespace"].as_str().unwrap();
            assert!(namespaces.iter().any(|n| n == ns), "{kind} in {ns}");
        }
    }
    assert!(!of_kind("PrometheusRule").is_empty() && !of_kind("PodMonitor").is_empty());
    assert!(!of_kind("Probe").is_empty());

    let alertmanager = &find(&printed, "Alertmanager", "dify-alertmanager")["spec"];
    let configs = of_kind("AlertmanagerConfig");
    assert_eq!(configs.len(), 1);
    assert!(selects(
        &alertmanager["alertmanagerConfigSelector"],
        configs[0]
    ));
    let namespaces = selected_namespaces(&alertmanager["alertmanagerConfigNamespaceSelector"]);
    assert!(namespaces
        .iter()
        .any(|n| configs[0]["metadata"]["namespace"] == *n.as_str()));
    assert_eq!(
        alertmanager["alertmanagerConfigMatcherStrategy"]["type"],
        "OnNamespace"
    );

    let sidecar = &find(&printed, "ConfigMap", "dify-grafana-sc-dashboard")["data"];
    let watched: Vec<&str> = sidecar["NAMESPACE"].as_str().unwrap().split(',').collect();
    let dashboards: Vec<&Value> = of_kind("ConfigMap")
        .into_iter()
        .filter(|c| {
            c["metadata"]["name"]
                .as_str()
                .unwrap()
                .contains("dashboard")
        })
        .collect();
    assert!(!dashboards.is_empty());
    for d in dashboards {
        let label = sidecar["LABEL"].as_str().unwrap();
        assert_eq!(
            d["metadata"]["labels"][label], sidecar["LABEL_VALUE"],
            "{d}"
        );
        assert!(watched.contains(&d["metadata"]["namespace"].as_str().unwrap()));
    }
    for exporter in ["kube-state-metrics", "prometheus-node-exporter"] {
        find(&printed, "Service", &format!("dify-{exporter}"));
    }

    for (spec, name) in [(prometheus, "prometheus"), (alertmanager, "alertmanager")] {
        assert_eq!(spec["replicas"], 2);
        let anti = &spec["affinity"]["podAntiAffinity"]
            ["requiredDuringSchedulingIgnoredDuringExecution"][0];
        assert_eq!(anti["topologyKey"], HOST);
        assert_eq!(spec["topologySpreadConstraints"][0]["topologyKey"], ZONE);
        let pdb = find(&printed, "PodDisruptionBudget", &format!("dify-{name}"));
        assert_eq!(pdb["spec"]["minAvailable"], 1);
    }

    // No operator labels: every object, not the chart's release only.
    let unlabelled = rendered("profiles/ha.yaml", &["monitoring.operatorLabels=null"]);
    let printed = print(&unlabelled);
    let prometheus = &find(&printed, "Prometheus", "dify-prometheus")["spec"];
    for field in ["rule", "serviceMonitor", "podMonitor", "probe"] {
        assert_eq!(prometheus[format!("{field}Selector")], json!({}), "{field}");
    }
    let alertmanager = &find(&printed, "Alertmanager", "dify-alertmanager")["spec"];
    assert_eq!(alertmanager["alertmanagerConfigSelector"], json!({}));

    let one_zone = rendered("profiles/dev.yaml", &["monitoring.flavour=operator"]);
    let printed = print(&one_zone);
    assert_eq!(
        find(&printed, "Prometheus", "dify-prometheus")["spec"]["replicas"],
        1
    );
    assert!(!printed.iter().any(|o| o["kind"] == "PodDisruptionBudget"));
}

/// Plain rule files (the dev profile): no kube-prometheus-stack values.
#[test]
fn the_kube_prometheus_stack_values_are_for_the_operator_only() {
    let dev = rendered("profiles/dev.yaml", &[]);
    assert!(!dev.path().join(KPS_VALUES).exists());
}

/// A misspelt kube-prometheus-stack key fails `render`.
#[test]
fn a_wrong_key_in_the_kube_prometheus_stack_values_fails_render() {
    fn misspelt(plan: &Plan) -> Vec<Artifact> {
        let spec = "/prometheus/prometheusSpec";
        respelt(plan, KPS_VALUES, spec, "ruleSelector", "rulesSelector")
    }
    refused_at(
        misspelt,
        KPS_VALUES,
        "prometheus.prometheusSpec.rulesSelector",
        "rulesSelector:",
    );
}
