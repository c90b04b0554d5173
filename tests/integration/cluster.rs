//! What production clusters need on day one (issue 18): private
//! registries and mirrors, scheduling, workload identities, object storage
//! and vector stores, egress, entry and mail, the plugin daemon, queue
//! pools and escape hatches. Each topology in `tests/fixtures/cluster/`
//! renders strict-valid; the tests then read what it rendered.

use crate::support::dify_gen;
use dify_gen::plan::Plan;
use dify_gen::render::Artifact;
use dify_gen::source::Sources;
use serde_json::Value;

/// Renders a fixture with `--strict` into a temporary tree (schemas,
/// manifest checks and the secret firewall all pass), then returns every
/// artifact as the library renders it.
pub fn render_strict(file: &str) -> Vec<Artifact> {
    let dir = tempfile::tempdir().unwrap();
    let out = dify_gen()
        .args(["render", "-f", file, "--strict", "--output-dir"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "{file}: no findings"
    );
    let mut sources = Sources::default();
    let loaded = dify_gen::pipeline::checked(&[file.to_string()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("{file} loads: {d:?}"));
    dify_gen::render::render(&Plan::new(&loaded.topology))
}

/// The Kubernetes objects among the artifacts.
pub fn objects(artifacts: &[Artifact]) -> Vec<&Value> {
    artifacts.iter().filter_map(Artifact::object_doc).collect()
}

/// Every pod spec of the objects (Deployments, StatefulSets, Jobs), with
/// the object's name.
pub fn pod_specs<'a>(objects: &[&'a Value]) -> Vec<(String, &'a Value)> {
    objects
        .iter()
        .filter_map(|o| {
            let spec = o.pointer("/spec/template/spec")?;
            Some((o["metadata"]["name"].as_str()?.to_string(), spec))
        })
        .collect()
}

/// Every value of an `image` key anywhere in a document.
fn images(doc: &Value, out: &mut Vec<String>) {
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("image", Value::String(s)) => out.push(s.clone()),
                    _ => images(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| images(v, out)),
        _ => {}
    }
}

#[test]
fn every_image_comes_through_the_mirror_with_its_pull_secrets() {
    let artifacts = render_strict("tests/fixtures/cluster/private-registry.yaml");
    let mut all = Vec::new();
    for a in &artifacts {
        if let Some(doc) = a.doc() {
            images(doc, &mut all);
        }
    }
    assert!(all.len() > 20, "{all:?}");
    for image in &all {
        assert!(
            image.starts_with("harbor.example.com/proxy/"),
            "{image} bypasses the mirror"
        );
    }
    // Docker Hub's one-part names live under `library/`, tags are kept.
    assert!(all.contains(&"harbor.example.com/proxy/docker.io/library/redis:8.10.2".to_string()));
    assert!(
        all.contains(&"harbor.example.com/proxy/docker.io/langgenius/dify-api:1.16.1".to_string())
    );
    assert!(all.contains(
        &"harbor.example.com/proxy/ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1"
            .to_string()
    ));

    let objects = objects(&artifacts);
    let pods = pod_specs(&objects);
    assert!(pods.len() >= 15, "{}", pods.len());
    for (name, pod) in &pods {
        let secrets: Vec<&str> = pod["imagePullSecrets"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no imagePullSecrets"))
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let want: &[&str] = if name == "dify-api" || name.starts_with("dify-migration-") {
            &["registry-pull", "api-pull"]
        } else {
            &["registry-pull"]
        };
        assert_eq!(secrets, want, "{name}");
        let policy = if want.len() == 2 {
            "Always"
        } else {
            "IfNotPresent"
        };
        for c in pod["containers"].as_array().unwrap() {
            if name.starts_with("dify-")
                && !name.contains("postgres")
                && !name.contains("redis")
                && !name.contains("etcd")
                && !name.contains("sentinel")
            {
                assert_eq!(c["imagePullPolicy"], policy, "{name}");
            }
        }
    }
}

#[test]
fn the_swarm_stack_pulls_through_the_mirror_too() {
    let mut sources = Sources::default();
    let files = [
        "tests/fixtures/swarm/three-hosts.yaml".to_string(),
        "tests/fixtures/cluster/mirror-only.yaml".to_string(),
    ];
    let loaded = dify_gen::pipeline::checked(&files, &[], &mut sources).unwrap();
    let artifacts = dify_gen::render::render(&Plan::new(&loaded.topology));
    let stack = artifacts
        .iter()
        .find(|a| a.path == "swarm/stack.yaml")
        .expect("a Swarm stack");
    let mut all = Vec::new();
    images(stack.doc().unwrap(), &mut all);
    assert!(all.len() > 10);
    assert!(
        all.iter().all(|i| i.starts_with("registry.internal:5000/")),
        "{all:?}"
    );
    assert!(all.contains(&"registry.internal:5000/library/nginx:1.29.1-alpine".to_string()));
}

#[test]
fn a_mirror_that_breaks_the_references_is_refused_at_its_line() {
    let (status, stderr) = validate_yaml(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nimages:\n  pullSecrets: [Registry_Pull]\n  registryMirror:\n    prefix: harbor.example.com/proxy:1.0\n    keepRegistry: false\n",
        false,
    );
    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains("invalid registry mirror prefix `harbor.example.com/proxy:1.0`"),
        "{stderr}"
    );
    assert!(stderr.contains("t.yaml:7:13"), "{stderr}");
    assert!(
        stderr.contains("invalid Secret name `Registry_Pull`"),
        "{stderr}"
    );
}

pub fn plan_of(file: &str, format: &str) -> String {
    let out = dify_gen()
        .args(["plan", "-f", file, "-o", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scheduling_constraints_reach_the_pods() {
    let artifacts = render_strict("tests/fixtures/cluster/scheduling.yaml");
    let objects = objects(&artifacts);
    let pods = pod_specs(&objects);
    let pod = |name: &str| pods.iter().find(|(n, _)| n == name).unwrap().1;
    let api = pod("dify-api");
    assert_eq!(api["nodeSelector"]["dify.example.com/pool"], "api");
    assert_eq!(api["priorityClassName"], "dify-api");
    let terms = &api["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"];
    assert_eq!(terms[0]["matchExpressions"][0]["operator"], "In");
    assert_eq!(terms[0]["matchExpressions"][0]["values"][1], "m7i.xlarge");
    // dify-gen's own anti-affinity is kept beside the node affinity.
    assert!(api["affinity"]["podAntiAffinity"].is_object(), "{api}");
    assert_eq!(api["tolerations"][0]["key"], "dedicated");
    assert_eq!(api["tolerations"][1]["key"], "node.kubernetes.io/not-ready");
    assert_eq!(api["tolerations"][1]["tolerationSeconds"], 60);
    let web = pod("dify-web");
    let preferred =
        &web["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
    assert_eq!(preferred[0]["weight"], 50);
    // web has no tolerations of its own: only the profile's eviction's.
    let keys: Vec<&str> = web["tolerations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable"
        ]
    );
}

#[test]
fn plan_places_a_pinned_component_on_its_pools_and_zones() {
    let file = "tests/fixtures/cluster/scheduling.yaml";
    let report: Value = serde_json::from_str(&plan_of(file, "json")).unwrap();
    let groups = report["capacity"]["groups"].as_array().unwrap();
    let group = |c: &str| groups.iter().find(|g| g["component"] == c).unwrap();
    assert_eq!(
        group("api")["pinned"],
        serde_json::json!({"pools": ["api-a", "api-b"], "zones": ["zone-a", "zone-b"]})
    );
    // The tainted pools keep everything else off: those components are
    // pinned to the general pools, in all three zones.
    assert_eq!(group("web")["pinned"]["pools"].as_array().unwrap().len(), 3);
    assert_eq!(group("web")["pinned"]["zones"].as_array().unwrap().len(), 3);
    assert!(report["capacity"]["unscheduled"]
        .as_array()
        .unwrap()
        .is_empty());
    // Three api pods on two nodes: losing zone-a leaves one at once; the
    // evicted ones find room on api-b.
    let losses = report["capacity"]["zoneLosses"].as_array().unwrap();
    let api_in = |zone: &str| {
        let loss = losses.iter().find(|l| l["zone"] == zone).unwrap();
        loss["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["component"] == "api")
            .unwrap()
            .clone()
    };
    let a = api_in("zone-a");
    assert_eq!(
        (a["immediate"].as_u64(), a["after"].as_u64()),
        (Some(1), Some(3)),
        "{a}"
    );
    let c = api_in("zone-c");
    assert_eq!(
        (c["immediate"].as_u64(), c["after"].as_u64()),
        (Some(3), Some(3)),
        "{c}"
    );
    let text = plan_of(file, "text");
    assert!(
        text.contains(
            "api runs only on node pool(s) api-a, api-b: 2 of 3 zone(s) (zone-a, zone-b)"
        ),
        "{text}"
    );
}

#[test]
fn a_selector_no_pool_matches_leaves_the_pods_unscheduled() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(
        &file,
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ncomponents:\n  web:\n    nodeSelector: {pool: gpu}\n",
    )
    .unwrap();
    let report: Value = serde_json::from_str(&plan_of(file.to_str().unwrap(), "json")).unwrap();
    let unscheduled = report["capacity"]["unscheduled"].as_array().unwrap();
    assert_eq!(unscheduled.len(), 3, "{unscheduled:?}");
    assert!(unscheduled.iter().all(|c| c == "web"), "{unscheduled:?}");
    assert_eq!(report["survivesZoneLoss"], false);
}

#[test]
fn tolerations_and_affinity_the_api_server_refuses_are_findings() {
    let (status, stderr) = validate_yaml(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ncomponents:\n  web:\n    tolerations:\n      - {operator: Equal, value: x}\n      - {key: a, operator: Exists, tolerationSeconds: 5}\n      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}\n    nodeAffinity:\n      required:\n        - matchExpressions:\n            - {key: cores, operator: Gt, values: [many]}\n            - {key: pool, operator: Exists, values: [a]}\n",
        false,
    );
    assert_eq!(status, Some(1), "{stderr}");
    for want in [
        "a toleration without a `key` must have `operator: Exists`",
        "`tolerationSeconds` applies only to `effect: NoExecute`",
        "`Gt` compares integers; `many` is not one",
        "`Exists` takes no values, not 1",
        // The ha profile gives web an `eviction`, which sets this one.
        "`eviction.tolerationSeconds` of `web` already sets the `NoExecute` toleration of `node.kubernetes.io/unreachable`",
        "t.yaml:7:",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    assert_eq!(stderr.matches("T125").count(), 5, "{stderr}");
}

pub fn validate_text(yaml: &str) -> (Option<i32>, String) {
    validate_yaml(yaml, true)
}

/// `dify-gen validate [--strict] -f` of a topology written to a temporary file.
fn validate_yaml(yaml: &str, strict: bool) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, yaml).unwrap();
    let mut cmd = dify_gen();
    cmd.arg("validate");
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd.arg("-f").arg(&file).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn workload_identity_annotates_the_service_accounts_that_use_the_bucket() {
    let artifacts = render_strict("tests/fixtures/cluster/identity.yaml");
    let objects = objects(&artifacts);
    let account = |name: &str| {
        *objects
            .iter()
            .find(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let api = account("dify-api");
    assert_eq!(
        api["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/dify-api"
    );
    assert_eq!(
        api["metadata"]["labels"]["team.example.com/owner"],
        "platform"
    );
    assert_eq!(
        api["metadata"]["labels"]["app.kubernetes.io/component"],
        "api"
    );
    // web's account carries dify-gen's provenance, no identity.
    let web = account("dify-web")["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(web.keys().all(|k| k.starts_with("dify-gen.io/")), "{web:?}");
    // The api's pods run as that account, and Dify is told to use it.
    let pods = pod_specs(&objects);
    let (_, spec) = pods.iter().find(|(n, _)| n == "dify-api").unwrap();
    assert_eq!(spec["serviceAccountName"], "dify-api");
    let config = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["data"]["S3_USE_AWS_MANAGED_IAM"] == "true")
        .expect("the api's configuration uses the IAM role");
    assert!(config["data"].get("S3_ACCESS_KEY").is_none());
}

#[test]
fn an_iam_role_without_an_identity_is_a_warning_and_our_labels_are_ours() {
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nstorage:\n  s3:\n    useIamRole: true\ncomponents:\n  api:\n    serviceAccount:\n      labels: {app.kubernetes.io/name: x}\n      annotations: {eks.amazonaws.com/role-arn: arn}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("label `app.kubernetes.io/name` is one dify-gen sets"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the ServiceAccount of worker, pluginDaemon carries no workload identity"),
        "{stderr}"
    );
    assert!(stderr.contains("t.yaml:6:17"), "{stderr}");
}

/// The egress rules of a component's NetworkPolicy.
fn egress_of<'a>(objects: &[&'a Value], component: &str) -> Vec<&'a Value> {
    objects
        .iter()
        .find(|o| {
            o["kind"] == "NetworkPolicy"
                && o["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                    == component
        })
        .unwrap_or_else(|| panic!("{component} has a policy"))["spec"]["egress"]
        .as_array()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn each_named_destination_is_one_edge_on_the_components_that_call_it() {
    let file = "tests/fixtures/cluster/egress.yaml";
    let artifacts = render_strict(file);
    let objects = objects(&artifacts);
    let ollama = |rule: &&Value| {
        rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "ollama"
    };
    for component in ["api", "worker"] {
        let rules: Vec<_> = egress_of(&objects, component)
            .into_iter()
            .filter(ollama)
            .collect();
        assert_eq!(rules.len(), 1, "{component}: {rules:?}");
        assert_eq!(rules[0]["to"].as_array().unwrap().len(), 1);
        assert_eq!(
            rules[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "ollama"
        );
        assert_eq!(
            rules[0]["ports"],
            serde_json::json!([{"protocol": "TCP", "port": 11434}])
        );
    }
    for component in ["web", "beat", "sandbox", "plugin-daemon"] {
        assert!(
            !egress_of(&objects, component).iter().any(ollama),
            "{component} may not reach ollama"
        );
    }
    let mirror: Vec<_> = egress_of(&objects, "plugin-daemon")
        .into_iter()
        .filter(|r| r["to"][0]["ipBlock"]["cidr"] == "10.40.0.0/24")
        .collect();
    assert_eq!(mirror.len(), 1, "{mirror:?}");
    assert_eq!(mirror[0]["ports"].as_array().unwrap().len(), 2);
    // DNS: the pods by their labels, and the node-local cache's address.
    let dns: Vec<_> = egress_of(&objects, "api")
        .into_iter()
        .filter(|r| r["ports"][0]["port"] == 53)
        .collect();
    assert_eq!(dns.len(), 1);
    assert_eq!(
        dns[0]["to"],
        serde_json::json!([
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
             "podSelector": {"matchLabels": {"app.kubernetes.io/name": "coredns"}}},
            {"ipBlock": {"cidr": "169.254.20.10/32"}}
        ])
    );
    // The graph has the same edges, one per component, destination and port.
    let mut sources = Sources::default();
    let t = dify_gen::pipeline::checked(&[file.to_string()], &[], &mut sources)
        .unwrap()
        .topology;
    let named: Vec<_> = dify_gen::plan::graph::edges(&t)
        .into_iter()
        .filter(|e| matches!(e.to, dify_gen::plan::graph::Peer::Egress(_)))
        .map(|e| (format!("{:?}", e.from), format!("{:?}", e.to), e.port))
        .collect();
    assert_eq!(named.len(), 4, "{named:?}");
}

#[test]
fn policies_can_be_switched_off_and_bad_destinations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("off.yaml");
    std::fs::write(
        &file,
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nnetwork:\n  policies: false\n",
    )
    .unwrap();
    let artifacts = render_strict(file.to_str().unwrap());
    assert!(!objects(&artifacts)
        .iter()
        .any(|o| o["kind"] == "NetworkPolicy"));
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nnetwork:\n  egress:\n    - {name: vllm, from: [api, gpu], namespace: vllm, cidrs: [10.0.0.1/8], ports: [8000]}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "no component `gpu` in this topology",
        "needs exactly one of `namespace` and `cidrs`",
        "is not the first address of its range",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
}

const POOLS: &str = "tests/fixtures/cluster/worker-pools.yaml";

fn named<'a>(objects: &[&'a Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .copied()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn container_env(deployment: &Value, name: &str) -> Option<String> {
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .map(str::to_string)
}

#[test]
fn each_worker_pool_is_a_deployment_with_its_queues_and_keda_scales_two() {
    let artifacts = render_strict(POOLS);
    let objects = objects(&artifacts);
    let deployments: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .filter(|n| n.starts_with("dify-worker"))
        .collect();
    assert_eq!(
        deployments,
        [
            "dify-worker-general",
            "dify-worker-indexing",
            "dify-worker-workflows"
        ]
    );
    let mut sources = Sources::default();
    let t = dify_gen::pipeline::checked(&[POOLS.to_string()], &[], &mut sources)
        .unwrap()
        .topology;
    let pools = &t.workers.as_ref().unwrap().pools;
    for pool in pools {
        let name = format!("dify-worker-{}", pool.name);
        let d = named(&objects, "Deployment", &name);
        assert_eq!(
            container_env(d, "CELERY_QUEUES").unwrap(),
            pool.queues.join(","),
            "{name}"
        );
        // The selector, the pod labels and the spread selectors all carry the pool.
        let select = &d["spec"]["selector"]["matchLabels"];
        assert_eq!(select["dify-gen.io/worker-pool"], pool.name.as_str());
        assert_eq!(select["app.kubernetes.io/component"], "worker");
        let pod = &d["spec"]["template"];
        assert_eq!(
            pod["metadata"]["labels"]["dify-gen.io/worker-pool"],
            pool.name.as_str()
        );
        for c in pod["spec"]["topologySpreadConstraints"].as_array().unwrap() {
            assert_eq!(c["labelSelector"]["matchLabels"], *select, "{name}");
        }
        let pdb = named(&objects, "PodDisruptionBudget", &name);
        assert_eq!(pdb["spec"]["selector"]["matchLabels"], *select);
        match &pool.keda {
            Some(k) => {
                // KEDA owns the count, as an HPA would.
                assert!(d["spec"].get("replicas").is_none(), "{name}");
                let so = named(&objects, "ScaledObject", &name);
                assert_eq!(so["spec"]["scaleTargetRef"]["name"], name.as_str());
                assert_eq!(so["spec"]["minReplicaCount"], k.min_replicas);
                assert_eq!(so["spec"]["maxReplicaCount"], k.max_replicas);
                let triggers = so["spec"]["triggers"].as_array().unwrap();
                let lists: Vec<&str> = triggers
                    .iter()
                    .map(|t| t["metadata"]["listName"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    lists,
                    pool.queues.iter().map(String::as_str).collect::<Vec<_>>()
                );
                for trigger in triggers {
                    assert_eq!(trigger["type"], "redis-sentinel");
                    let m = &trigger["metadata"];
                    assert_eq!(m["sentinelMaster"], "dify-master");
                    assert_eq!(m["databaseIndex"], "1");
                    assert_eq!(m["listLength"], k.list_length.to_string());
                    assert!(m["addresses"].as_str().unwrap().contains(":26379"), "{m}");
                    assert_eq!(trigger["authenticationRef"]["name"], name.as_str());
                }
                let auth = named(&objects, "TriggerAuthentication", &name);
                let targets = auth["spec"]["secretTargetRef"].as_array().unwrap();
                let params: Vec<&str> = targets
                    .iter()
                    .map(|t| t["parameter"].as_str().unwrap())
                    .collect();
                assert_eq!(params, ["password", "sentinelPassword"]);
                for target in targets {
                    assert_eq!(target["name"], t.redis.password.name.as_str());
                    assert_eq!(target["key"], t.redis.password.key.as_str());
                }
            }
            None => {
                assert_eq!(d["spec"]["replicas"], pool.replicas);
                assert!(objects
                    .iter()
                    .all(|o| !(o["kind"] == "ScaledObject"
                        && o["metadata"]["name"] == name.as_str())));
            }
        }
    }
    // No single worker Deployment, and no HPA on workers.
    assert!(objects
        .iter()
        .all(|o| !(o["kind"] == "Deployment" && o["metadata"]["name"] == "dify-worker")));
    assert!(objects
        .iter()
        .all(|o| !(o["kind"] == "HorizontalPodAutoscaler"
            && o["metadata"]["name"].as_str().unwrap().contains("worker"))));
}

#[test]
fn a_scaled_object_outside_the_keda_schema_is_a_finding() {
    let artifacts = render_strict(POOLS);
    let objects = objects(&artifacts);
    let mut so = named(&objects, "ScaledObject", "dify-worker-indexing").clone();
    so["spec"]["triggers"][0]["authRef"] = serde_json::json!({"name": "x"});
    so["spec"]["maxReplicaCount"] = serde_json::json!("many");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scaledobject.json");
    std::fs::write(&file, serde_json::to_string_pretty(&so).unwrap()).unwrap();
    let out = dify_gen().arg("validate").arg(&file).output().unwrap();
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("V001") && stderr.contains("authRef"),
        "{stderr}"
    );
    assert!(
        stderr.contains("V002") && stderr.contains("maxReplicaCount"),
        "{stderr}"
    );
}

#[test]
fn plan_reports_each_pool_and_counts_its_most_against_the_connections() {
    let text = plan_of(POOLS, "text");
    for row in [
        "worker-indexing       2-4",
        "worker-workflows      2-5",
        "worker-general          2 ",
    ] {
        assert!(text.contains(row), "{row}:\n{text}");
    }
    assert!(
        text.contains("worker            11 pod(s) x  30 =   330"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&plan_of(POOLS, "json")).unwrap();
    let groups = json
        .pointer("/capacity/groups")
        .unwrap()
        .as_array()
        .unwrap();
    let names: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["component"].as_str())
        .filter(|c| c.starts_with("worker"))
        .collect();
    assert_eq!(
        names,
        ["worker-indexing", "worker-workflows", "worker-general"]
    );
}

#[test]
fn a_queue_no_pool_consumes_and_conflicting_lists_are_findings() {
    let yaml = "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n\
workers:\n  pools:\n    - {name: all, replicas: 2, queues: [dataset, mail, datasets]}\n    \
- {name: all, replicas: 2, queues: [workflow], keda: {minReplicas: 3, maxReplicas: 2, listLength: 5}}\n\
dify:\n  workerQueues: [dataset]\n";
    let (status, stderr) = validate_text(yaml);
    assert_eq!(status, Some(1), "{stderr}");
    // Every default queue no pool consumes, by name, at the pools.
    assert!(
        stderr.contains("no worker pool consumes queue `api_token`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no worker pool consumes queue `workflow_based_app_execution`"),
        "{stderr}"
    );
    assert!(!stderr.contains("consumes queue `dataset`,"), "{stderr}");
    assert!(
        stderr.contains("routes no task to queue `datasets`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("field: workers.pools[0].queues[2]"),
        "{stderr}"
    );
    for what in [
        "is named twice",
        "`maxReplicas` 2 is below `minReplicas` 3",
        "`dify.workerQueues` and `workers.pools` both say",
        "one HPA cannot scale them",
    ] {
        assert!(stderr.contains(what), "{what}:\n{stderr}");
    }
    assert_eq!(stderr.matches("error[T128]").count(), 4, "{stderr}");
}
