//! Secure defaults of the rendered `ha` tree: NetworkPolicies that allow
//! exactly the component graph, the Pod Security Standards `restricted`
//! profile (or the documented exception), the plaintext-secret firewall,
//! and checkov with only the skips justified in `docs/security.md`.

use crate::support::dify_gen;
use dify_gen::plan::graph::{self, Peer};
use dify_gen::plan::Plan;
use dify_gen::source::Sources;
use dify_gen::topology::EgressDestination;
use serde_json::Value;
use std::collections::BTreeSet;

fn rendered(file: &str) -> Vec<Value> {
    let mut sources = Sources::default();
    let loaded = dify_gen::pipeline::checked(&[file.to_string()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("{file} loads: {d:?}"));
    let plan = Plan::new(&loaded.topology);
    dify_gen::render::render(&plan)
        .into_iter()
        .filter_map(|a| a.object_doc().cloned())
        .collect()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// A graph peer as a policy peer reads back, written out by hand so the
/// test does not reuse the renderer's own mapping.
fn expected_key(peer: &Peer) -> String {
    match peer {
        Peer::Component(c) => format!("component:{c}"),
        Peer::Entry => "entry".into(),
        Peer::Dns => "dns".into(),
        Peer::Internet => "public".into(),
        Peer::KubeApi | Peer::Anywhere => "any".into(),
        Peer::Namespace(ns) => format!("namespace:{ns}"),
        Peer::Prometheus => "prometheus".into(),
        Peer::Prober => "prober".into(),
        Peer::Egress(name) => format!("egress:{name}"),
        Peer::Keda => "keda".into(),
        Peer::PluginDebug => "plugin-debug".into(),
    }
}

/// What a rendered NetworkPolicyPeer allows, as a key; `destinations`
/// are the topology's `network.egress`.
fn read_peer(p: &Value, destinations: &[EgressDestination]) -> String {
    let labels = |v: &Value| v["matchLabels"].as_object().cloned().unwrap_or_default();
    for d in destinations {
        let cidr = p["ipBlock"]["cidr"].as_str();
        let ns = p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str();
        let pods: std::collections::BTreeMap<String, String> = labels(&p["podSelector"])
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap().to_string()))
            .collect();
        let at_pods = ns.is_some() && ns == d.namespace.as_deref() && pods == d.pod_labels;
        if cidr.is_some_and(|c| d.cidrs.iter().any(|x| x == c)) || at_pods {
            return format!("egress:{}", d.name);
        }
    }
    if let Some(block) = p.get("ipBlock") {
        // `plugins-debug.yaml`'s developers: the only other range these
        // tests' topologies allow.
        if block["cidr"] == "10.8.0.0/16" {
            return "plugin-debug".into();
        }
        assert_eq!(block["cidr"], "0.0.0.0/0");
        return if block.get("except").is_some() {
            "public"
        } else {
            "any"
        }
        .into();
    }
    let pods = labels(&p["podSelector"]);
    match p.get("namespaceSelector") {
        None => {
            assert_eq!(pods["app.kubernetes.io/instance"], "dify", "{p}");
            format!(
                "component:{}",
                pods["app.kubernetes.io/component"].as_str().unwrap()
            )
        }
        Some(ns) => {
            let ns = labels(ns);
            match (
                ns.get("kubernetes.io/metadata.name")
                    .and_then(Value::as_str),
                pods.is_empty(),
            ) {
                (Some("kube-system"), false) => {
                    assert_eq!(pods["k8s-app"], "kube-dns");
                    "dns".into()
                }
                (Some(name), true) => format!("namespace:{name}"),
                // The ha profile's Prometheus and blackbox exporter.
                (Some("monitoring"), false) => match pods["app.kubernetes.io/name"].as_str() {
                    Some("prometheus") => "prometheus".into(),
                    Some("prometheus-blackbox-exporter") => "prober".into(),
                    other => panic!("unexpected monitoring peer {other:?}: {p}"),
                },
                (Some("keda"), false) => {
                    assert_eq!(pods["app"], "keda-operator", "{p}");
                    "keda".into()
                }
                (None, false) => {
                    assert_eq!(pods["app.kubernetes.io/name"], "nginx-ingress");
                    "entry".into()
                }
                other => panic!("unexpected peer {other:?}: {p}"),
            }
        }
    }
}

pub(crate) type Key = (String, String, String, u64, Option<u64>);

/// Edges the policies allow: egress at the caller, ingress at the callee.
fn allowed(docs: &[Value], destinations: &[EgressDestination]) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let (mut egress, mut ingress) = (BTreeSet::new(), BTreeSet::new());
    for p in of_kind(docs, "NetworkPolicy") {
        let spec = &p["spec"];
        let Some(me) = spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"].as_str()
        else {
            // The default deny: selects every pod and allows nothing.
            assert_eq!(spec["podSelector"], serde_json::json!({}));
            assert!(spec.get("ingress").is_none() && spec.get("egress").is_none());
            continue;
        };
        let me = format!("component:{me}");
        for (dir, peers_key, set) in [
            ("egress", "to", &mut egress),
            ("ingress", "from", &mut ingress),
        ] {
            for rule in spec[dir].as_array().unwrap() {
                for peer in rule[peers_key].as_array().unwrap() {
                    let other = read_peer(peer, destinations);
                    for port in rule["ports"].as_array().unwrap() {
                        let (from, to) = if dir == "egress" {
                            (me.clone(), other.clone())
                        } else {
                            (other.clone(), me.clone())
                        };
                        set.insert((
                            from,
                            to,
                            port["protocol"].as_str().unwrap().to_string(),
                            port["port"].as_u64().unwrap(),
                            port.get("endPort").and_then(Value::as_u64),
                        ));
                    }
                }
            }
        }
    }
    (egress, ingress)
}

#[test]
fn network_policies_allow_exactly_the_component_graph() {
    policies_match_the_graph("profiles/ha.yaml");
}

/// Worker pools keep the worker's policies, and KEDA reaches Redis and
/// Sentinel (and nothing else) for the queue lengths.
#[test]
fn worker_pools_and_keda_policies_match_the_graph() {
    let file = "tests/fixtures/cluster/worker-pools.yaml";
    let (_, ingress) = policies_match_the_graph(file);
    let keda: Vec<&Key> = ingress.iter().filter(|k| k.0 == "keda").collect();
    let to: Vec<(&str, u64)> = keda.iter().map(|k| (k.1.as_str(), k.3)).collect();
    assert_eq!(
        to,
        [("component:redis", 6379), ("component:sentinel", 26379)]
    );
    let docs = rendered(file);
    let worker_policy = of_kind(&docs, "NetworkPolicy")
        .into_iter()
        .find(|p| p["metadata"]["name"] == "dify-worker")
        .expect("the pools share the worker's policy");
    assert!(worker_policy["spec"]["podSelector"]["matchLabels"]
        .get("dify-gen.io/worker-pool")
        .is_none());
}

/// The remote-debug port opens one ingress edge, from the developers'
/// range to the daemon, and nothing else.
#[test]
fn remote_debugging_policies_match_the_graph() {
    let (_, ingress) = policies_match_the_graph("tests/fixtures/cluster/plugins-debug.yaml");
    let debug: Vec<&Key> = ingress.iter().filter(|k| k.0 == "plugin-debug").collect();
    assert_eq!(debug.len(), 1, "{debug:?}");
    assert_eq!(
        (debug[0].1.as_str(), debug[0].3),
        ("component:plugin-daemon", 5003)
    );
    let (_, closed) = policies_match_the_graph("profiles/ha.yaml");
    assert!(!closed.iter().any(|k| k.3 == 5003), "closed by default");
}

/// Sidecars and init containers share their component's policy: the
/// escape hatches add no edge.
#[test]
fn extras_add_no_edge_to_the_policies() {
    let with = policies_match_the_graph("tests/fixtures/cluster/extras.yaml");
    let without = policies_match_the_graph("profiles/ha.yaml");
    assert_eq!(with, without);
}

/// The rendered policies of `file` allow exactly its graph's edges;
/// returns what they allow (egress, ingress).
pub(crate) fn policies_match_the_graph(file: &str) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let docs = rendered(file);
    let mut sources = Sources::default();
    let t = dify_gen::pipeline::checked(&[file.into()], &[], &mut sources)
        .unwrap()
        .topology;
    let destinations: Vec<EgressDestination> =
        t.network.iter().flat_map(|n| n.egress.clone()).collect();
    let (egress, ingress) = allowed(&docs, &destinations);
    let graph: BTreeSet<Key> = graph::edges(&t)
        .iter()
        .map(|e| {
            (
                expected_key(&e.from),
                expected_key(&e.to),
                e.protocol.as_str().to_string(),
                u64::from(e.port),
                e.end_port.map(u64::from),
            )
        })
        .collect();
    let is_pod = |k: &str| k.starts_with("component:");
    let want_egress: BTreeSet<Key> = graph.iter().filter(|e| is_pod(&e.0)).cloned().collect();
    let want_ingress: BTreeSet<Key> = graph.iter().filter(|e| is_pod(&e.1)).cloned().collect();
    assert_eq!(egress, want_egress, "egress differs from the graph");
    assert_eq!(ingress, want_ingress, "ingress differs from the graph");
    // A default deny covers every pod of the namespace.
    assert!(of_kind(&docs, "NetworkPolicy")
        .iter()
        .any(|p| p["metadata"]["name"] == "dify-default-deny"));
    // Every Dify pod group has its policy.
    for c in graph::components(&t) {
        assert!(
            egress.iter().any(|e| e.0 == format!("component:{c}")),
            "{c} has no egress policy"
        );
    }
    (egress, ingress)
}

#[test]
fn graph_has_the_edges_dify_uses() {
    let mut sources = Sources::default();
    let t = dify_gen::pipeline::checked(&["profiles/ha.yaml".into()], &[], &mut sources)
        .unwrap()
        .topology;
    let edges: BTreeSet<(String, String, u64)> = graph::edges(&t)
        .iter()
        .map(|e| {
            (
                expected_key(&e.from),
                expected_key(&e.to),
                u64::from(e.port),
            )
        })
        .collect();
    let has = |from: &str, to: &str, port: u64| edges.contains(&(from.into(), to.into(), port));
    for (to, port) in [("web", 3000), ("api", 5001), ("plugin-daemon", 5002)] {
        assert!(
            has("entry", &format!("component:{to}"), port),
            "entry -> {to}"
        );
    }
    for from in ["api", "worker"] {
        let from = format!("component:{from}");
        for (to, port) in [
            ("component:postgres", 5432),
            ("component:redis", 6379),
            ("component:sentinel", 26379),
            ("component:sandbox", 8194),
            ("component:plugin-daemon", 5002),
            ("component:ssrf-proxy", 3128),
            ("namespace:weaviate", 8080),
            ("namespace:weaviate", 50051),
        ] {
            assert!(has(&from, to, port), "{from} -> {to}:{port}");
        }
    }
    // The sandbox reaches nothing but the SSRF proxy and DNS.
    let sandbox: BTreeSet<&str> = graph::edges(&t)
        .iter()
        .filter(|e| e.from == Peer::Component("sandbox"))
        .map(|e| match &e.to {
            Peer::Component(c) => *c,
            Peer::Dns => "dns",
            other => panic!("sandbox may not reach {other:?}"),
        })
        .collect();
    assert_eq!(sandbox, BTreeSet::from(["dns", "ssrf-proxy"]));

    // The agent runtime, isolated as Dify's compose networks isolate it:
    // the local sandbox reaches only its proxy (and DNS), only the agent
    // backend reaches the sandbox, and the proxy only the stub API, api's
    // files and public addresses.
    let egress_of = |component: &'static str| -> BTreeSet<(String, u64)> {
        graph::edges(&t)
            .iter()
            .filter(|e| e.from == Peer::Component(component))
            .map(|e| (expected_key(&e.to), u64::from(e.port)))
            .collect()
    };
    assert_eq!(
        egress_of("local-sandbox"),
        BTreeSet::from([
            ("component:agent-ssrf-proxy".to_string(), 3128),
            ("dns".to_string(), 53)
        ])
    );
    assert_eq!(
        egress_of("agent-ssrf-proxy"),
        BTreeSet::from([
            ("component:agent-backend".to_string(), 5050),
            ("component:api".to_string(), 5001),
            ("dns".to_string(), 53),
            ("public".to_string(), 80),
            ("public".to_string(), 443),
            ("public".to_string(), 1025),
        ])
    );
    let into_sandbox: BTreeSet<String> = graph::edges(&t)
        .iter()
        .filter(|e| e.to == Peer::Component("local-sandbox"))
        .map(|e| expected_key(&e.from))
        .collect();
    assert_eq!(
        into_sandbox,
        BTreeSet::from(["component:agent-backend".to_string()])
    );
    assert!(has("entry", "component:api-websocket", 5001));
    for from in ["component:api", "component:worker"] {
        assert!(has(from, "component:agent-backend", 5050), "{from}");
    }
    for to in [
        ("component:plugin-daemon", 5002),
        ("component:api", 5001),
        ("component:redis-proxy", 6379),
    ] {
        assert!(
            has("component:agent-backend", to.0, to.1),
            "agent-backend -> {to:?}"
        );
    }
    // Next.js asks the api server-side from 1.16 on.
    assert!(has("component:web", "component:api", 5001));
}

/// The pods allowed outside `restricted`, as documented in docs/security.md.
const EXCEPTIONS: &[&str] = &["dify-sandbox", "dify-fluent-bit"];

#[test]
fn every_pod_meets_restricted_or_its_documented_exception() {
    let docs = rendered("profiles/ha.yaml");
    let doc = std::fs::read_to_string("docs/security.md").expect("docs/security.md exists");
    let mut seen = 0;
    for w in docs.iter().filter(|d| {
        d["kind"] == "Deployment"
            || d["kind"] == "Job"
            || d["kind"] == "CronJob"
            || d["kind"] == "DaemonSet"
    }) {
        let name = w["metadata"]["name"].as_str().unwrap();
        let pod = if w["kind"] == "CronJob" {
            &w["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        } else {
            &w["spec"]["template"]["spec"]
        };
        seen += 1;
        if !EXCEPTIONS.contains(&name) {
            assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
        }
        assert!(
            pod.get("hostNetwork").is_none() && pod.get("hostPID").is_none(),
            "{name}"
        );
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
            "{name}"
        );
        for v in pod["volumes"].as_array().into_iter().flatten() {
            assert!(
                v.get("hostPath").is_none() || EXCEPTIONS.contains(&name),
                "{name}: hostPath volume"
            );
        }
        for c in pod["containers"].as_array().unwrap() {
            let sc = &c["securityContext"];
            assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}");
            assert_eq!(
                sc["capabilities"]["drop"],
                serde_json::json!(["ALL"]),
                "{name}"
            );
            assert!(
                sc.get("privileged").is_none() || sc["privileged"] == false,
                "{name}"
            );
            if EXCEPTIONS.contains(&name) {
                assert!(
                    doc.contains(&format!("`{name}`")),
                    "{name}'s exception is not documented"
                );
                continue;
            }
            let non_root =
                sc["runAsNonRoot"] == true || pod["securityContext"]["runAsNonRoot"] == true;
            assert!(non_root, "{name}: runAsNonRoot");
            assert!(
                pod["securityContext"]["runAsUser"].as_i64().unwrap_or(0) > 0,
                "{name}: uid 0"
            );
            assert!(
                sc["capabilities"].get("add").is_none(),
                "{name}: added capabilities"
            );
            assert_eq!(sc["readOnlyRootFilesystem"], true, "{name}: read-only root");
        }
    }
    let mut sources = Sources::default();
    let t = dify_gen::pipeline::checked(&["profiles/ha.yaml".into()], &[], &mut sources)
        .unwrap()
        .topology;
    let dify = Plan::new(&t).workloads.len();
    assert_eq!(
        dify, 11,
        "the ha profile runs every component of its release"
    );
    assert_eq!(
        seen,
        dify + 9,
        "the Dify Deployments, the Redis master proxy, the migration Job, the replication check, the log agent, the OTel Collector and four backup CronJobs"
    );
}

#[test]
fn backup_cron_jobs_never_overlap_and_always_end() {
    let docs = rendered("profiles/ha.yaml");
    let jobs = of_kind(&docs, "CronJob");
    let names: BTreeSet<&str> = jobs
        .iter()
        .map(|j| j["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "dify-backup-drill",
            "dify-backup-files",
            "dify-backup-full",
            "dify-backup-incremental"
        ])
    );
    for j in jobs {
        let spec = &j["spec"];
        let name = &j["metadata"]["name"];
        assert_eq!(spec["concurrencyPolicy"], "Forbid", "{name}");
        assert!(
            spec["startingDeadlineSeconds"].as_i64().unwrap() > 0,
            "{name}"
        );
        assert!(
            spec["successfulJobsHistoryLimit"].as_i64().unwrap() > 0,
            "{name}"
        );
        assert!(
            spec["failedJobsHistoryLimit"].as_i64().unwrap() > 0,
            "{name}"
        );
        assert_eq!(spec["timeZone"], "Etc/UTC", "{name}");
        let job = &spec["jobTemplate"]["spec"];
        assert!(job["activeDeadlineSeconds"].as_i64().unwrap() > 0, "{name}");
        // The pods carry their component's labels, so the NetworkPolicies
        // of the graph select them.
        let component = job["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
            .as_str()
            .unwrap();
        assert!(
            of_kind(&docs, "NetworkPolicy")
                .iter()
                .any(
                    |p| p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                        == component
                ),
            "{name}: no NetworkPolicy selects `{component}`"
        );
    }
}

#[test]
fn ha_profile_renders_with_zero_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dify_gen()
        .args([
            "render",
            "-f",
            "profiles/ha.yaml",
            "--strict",
            "--output-dir",
        ])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "the ha profile renders without warnings"
    );
}

/// A random token under an innocent name is refused at the topology's line
/// by `validate -f` and by `render`, which writes nothing; the message and
/// the excerpt never show it.
#[test]
fn a_random_token_is_refused_at_the_topology_line() {
    let token = "hT7kP2qZ9xW4mB8vN3cR6yL1aQ";
    for command in ["validate", "render"] {
        let out = dify_gen()
            .args([command, "-f", "tests/fixtures/security/leak.yaml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("error[T102]"), "{stderr}");
        assert!(
            stderr.contains("--> tests/fixtures/security/leak.yaml:9:24"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(&token[..4]),
            "the token is shown:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing is written");
    }
    let ok = dify_gen()
        .args(["render", "-f", "tests/fixtures/security/leak.ok.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// The firewall is the last line: a token that reaches the output however
/// it got there stops the render, and the message says where, not what.
#[test]
fn secret_firewall_stops_a_token_in_the_output() {
    let mut docs = rendered("profiles/ha.yaml");
    let token = "hT7kP2qZ9xW4mB8vN3cR6yL1aQ";
    let map = docs
        .iter_mut()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "dify-backend")
        .expect("the ha profile renders the backend ConfigMap");
    map["data"]["UPSTREAM_ROUTE"] = format!("route={token}").into();
    let artifacts: Vec<dify_gen::render::Artifact> = docs
        .into_iter()
        .map(|doc| dify_gen::render::Artifact::object("kubernetes", doc))
        .collect();
    let found = dify_gen::render::firewall::scan(&artifacts, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "S002");
    assert_eq!(
        found[0].path.as_deref(),
        Some("kubernetes/configmap-dify-backend.yaml#/data/UPSTREAM_ROUTE")
    );
    assert!(
        found[0].message.contains("characters 1-32 of the value"),
        "{}",
        found[0].message
    );
    assert!(
        !found[0].message.contains(&token[..4]),
        "{}",
        found[0].message
    );
}

#[test]
fn rendered_ha_tree_holds_no_secret() {
    let docs = rendered("profiles/ha.yaml");
    assert!(of_kind(&docs, "Secret").is_empty());
    let artifacts: Vec<dify_gen::render::Artifact> = docs
        .into_iter()
        .map(|doc| dify_gen::render::Artifact::object("kubernetes", doc))
        .collect();
    assert!(dify_gen::render::firewall::scan(&artifacts, &[]).is_empty());
}

/// `(check, object name)` pairs from the skip table in docs/security.md:
/// rows like ``| `CKV_K8S_15` | `dify-api`, `dify-web` | why |``, where `*`
/// stands for every object and a trailing `-*` for any suffix (a name that
/// ends in a hash).
fn justified_skips() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string("docs/security.md").expect("docs/security.md exists");
    let mut out = Vec::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with("`CKV") {
            continue;
        }
        assert!(
            cells[3].len() > 20,
            "skip {} needs a justification",
            cells[1]
        );
        let check = cells[1].trim_matches('`').to_string();
        for object in cells[2].split(',') {
            out.push((check.clone(), object.trim().trim_matches('`').to_string()));
        }
    }
    out
}

fn checkov() -> std::path::PathBuf {
    let found = std::process::Command::new("checkov")
        .arg("--version")
        .output();
    if !matches!(found, Ok(ref o) if o.status.success()) {
        let pip = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "checkov"])
            .status()
            .expect("python3 runs");
        assert!(pip.success(), "pip install checkov failed");
    }
    "checkov".into()
}

/// checkov's JSON report on a folder of manifests (its `kubernetes` part).
fn checkov_report(checkov: &std::path::Path, dir: &std::path::Path, extra: &[&str]) -> Value {
    let out = std::process::Command::new(checkov)
        .args([
            "--framework",
            "kubernetes",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ])
        .args(extra)
        .arg("-d")
        .arg(dir)
        .output()
        .expect("checkov runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    match report {
        Value::Array(items) => items
            .into_iter()
            .find(|r| r["check_type"] == "kubernetes")
            .expect("checkov reports on kubernetes"),
        one => one,
    }
}

#[test]
fn checkov_finds_nothing_outside_the_justified_skips() {
    let checkov = checkov();
    // Not `.tmpXXXX`: checkov skips directories whose name starts with a dot.
    let dir = tempfile::Builder::new()
        .prefix("dify-gen-checkov-")
        .tempdir()
        .unwrap();
    let out_dir = dir.path().join("out");
    let status = dify_gen()
        .args(["render", "-f", "profiles/ha.yaml", "--output-dir"])
        .arg(&out_dir)
        .status()
        .unwrap();
    assert!(status.success());
    let report = checkov_report(&checkov, &out_dir.join("kubernetes"), &[]);
    assert_eq!(report["summary"]["parsing_errors"], 0);
    let skips = justified_skips();
    assert!(skips.len() >= 5, "the skip table was not found");
    let mut unjustified = Vec::new();
    let mut used = BTreeSet::new();
    for f in report["results"]["failed_checks"].as_array().unwrap() {
        let check = f["check_id"].as_str().unwrap().to_string();
        // `Deployment.dify.dify-api` (kind, namespace, name).
        let resource = f["resource"].as_str().unwrap();
        let name = resource.split('.').nth(2).unwrap_or(resource).to_string();
        match skips.iter().find(|(c, o)| {
            *c == check
                && (o == "*"
                    || *o == name
                    || o.strip_suffix('*')
                        .is_some_and(|p| p.ends_with('-') && name.starts_with(p)))
        }) {
            Some(skip) => {
                used.insert(skip.clone());
            }
            None => unjustified.push(format!("{check} on {resource}: {}", f["check_name"])),
        }
    }
    assert!(
        unjustified.is_empty(),
        "checkov failures without a justified skip:\n{}",
        unjustified.join("\n")
    );
    let stale: Vec<_> = skips.iter().filter(|s| !used.contains(*s)).collect();
    assert!(
        stale.is_empty(),
        "skips in docs/security.md that no longer fail: {stale:?}"
    );
}

/// Images pinned by digest (what checkov's CKV_K8S_43 asks for) and a long
/// release tag render with no false alarm from the firewall, with names
/// within their limits under the longest release name; checkov then finds
/// every image pinned.
#[test]
fn digest_pinned_images_and_long_tags_render_and_satisfy_checkov() {
    let digest = |repo: &str, fill: char| format!("{repo}@sha256:{}", fill.to_string().repeat(64));
    let topology = format!(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n\
         metadata: {{name: abcdefghij-abcdefghij-abcdefghij-abcdefg, namespace: dify}}\n\
         images:\n  api: langgenius/dify-api:1.16.1-20250101-ab12cd34ef56-release-candidate-build\n  \
         web: {}\n  sandbox: {}\n  pluginDaemon: {}\n  ssrfProxy: {}\n  agentBackend: {}\n  \
         localSandbox: {}\n  postgres: {}\n  etcd: {}\n  redis: {}\n  redisProxy: {}\n\
         monitoring:\n  otelCollector: {{image: {}}}\n  exporters: {{redisExporterImage: {}}}\n\
         backup:\n  files: {{image: {}}}\n\
         logging:\n  collector: {{image: {}}}\n",
        digest("langgenius/dify-web", 'a'),
        digest("langgenius/dify-sandbox", 'b'),
        digest("langgenius/dify-plugin-daemon", 'c'),
        digest("ubuntu/squid", 'd'),
        digest("langgenius/dify-agent-backend", '3'),
        digest("langgenius/dify-agent-local-sandbox", '4'),
        digest("ghcr.io/pgedge/pgedge-postgres", 'e'),
        digest("gcr.io/etcd-development/etcd", 'f'),
        digest("redis", '0'),
        digest("haproxy", '5'),
        digest("otel/opentelemetry-collector-contrib", '1'),
        digest("oliver006/redis_exporter", '2'),
        digest("rclone/rclone", '6'),
        digest("cr.fluentbit.io/fluent/fluent-bit", '7'),
    );
    let dir = tempfile::Builder::new()
        .prefix("dify-gen-digests-")
        .tempdir()
        .unwrap();
    let file = dir.path().join("topology.yaml");
    std::fs::write(&file, &topology).unwrap();
    let out_dir = dir.path().join("out");
    let out = dify_gen()
        .args(["render", "--strict", "-f"])
        .arg(&file)
        .arg("--output-dir")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job = std::fs::read_dir(out_dir.join("kubernetes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("job-") && n.contains("-migration-"))
        .expect("the migration Job is rendered");
    let name = job.trim_start_matches("job-").trim_end_matches(".yaml");
    // The Job is named after `dify.version`, not the api image's long tag.
    assert_eq!(
        name, "abcdefghij-abcdefghij-abcdefghij-abcdefg-migration-1-16-1",
        "{name}"
    );
    // The api's tag is not a digest, so only it may fail CKV_K8S_43.
    let report = checkov_report(
        &checkov(),
        &out_dir.join("kubernetes"),
        &["--check", "CKV_K8S_43"],
    );
    let failed: BTreeSet<String> = report["results"]["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap_or_default().to_string())
        .collect();
    let passed = report["summary"]["passed"].as_u64().unwrap_or(0);
    assert!(passed >= 8, "checkov passed only {passed}: {report:#}");
    assert!(
        failed.iter().any(|r| r.contains("-api")),
        "the api's tag is not a digest, so CKV_K8S_43 must flag it: {failed:?}"
    );
    for resource in &failed {
        assert!(
            ["api", "worker", "beat", "migration"]
                .iter()
                .any(|c| resource.contains(&format!("-{c}"))),
            "{resource} fails CKV_K8S_43 although its image is pinned by digest"
        );
    }
}
