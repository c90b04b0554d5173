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
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(
        &file,
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nimages:\n  pullSecrets: [Registry_Pull]\n  registryMirror:\n    prefix: harbor.example.com/proxy:1.0\n    keepRegistry: false\n",
    )
    .unwrap();
    let out = dify_gen()
        .args(["validate", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
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

fn plan_of(file: &str, format: &str) -> String {
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
    assert_eq!(api["tolerations"][1]["tolerationSeconds"], 60);
    let web = pod("dify-web");
    let preferred =
        &web["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
    assert_eq!(preferred[0]["weight"], 50);
    assert!(web.get("tolerations").is_none());
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
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(
        &file,
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ncomponents:\n  web:\n    tolerations:\n      - {operator: Equal, value: x}\n      - {key: a, operator: Exists, tolerationSeconds: 5}\n    nodeAffinity:\n      required:\n        - matchExpressions:\n            - {key: cores, operator: Gt, values: [many]}\n            - {key: pool, operator: Exists, values: [a]}\n",
    )
    .unwrap();
    let out = dify_gen()
        .args(["validate", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for want in [
        "a toleration without a `key` must have `operator: Exists`",
        "`tolerationSeconds` applies only to `effect: NoExecute`",
        "`Gt` compares integers; `many` is not one",
        "`Exists` takes no values, not 1",
        "t.yaml:7:",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    assert_eq!(stderr.matches("T125").count(), 4, "{stderr}");
}

fn validate_text(yaml: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = dify_gen()
        .args(["validate", "--strict", "-f"])
        .arg(&file)
        .output()
        .unwrap();
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
    assert!(account("dify-web")["metadata"].get("annotations").is_none());
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
