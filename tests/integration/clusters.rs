//! Many environments and clusters (`fleet`): one validated tree per
//! environment and cluster, the Argo CD or Flux objects beside them, all or
//! nothing, byte for byte the same on every run.

use crate::support::{parse_stream, read_tree, run, run_in};
use std::collections::BTreeSet;
use std::path::Path;

const FLEET: &str = "tests/fixtures/fleet/two-by-two.yaml";
const TREES: [&str; 4] = [
    "production/eu-west",
    "production/us-east",
    "staging/eu-west",
    "staging/us-east",
];

fn render_fleet(out: &Path, extra: &[&str]) -> crate::support::Run {
    let out = out.to_str().unwrap();
    let mut args = vec!["render", "-f", FLEET, "--strict", "--output-dir", out];
    args.extend_from_slice(extra);
    run(&args)
}

/// The folders directly holding a `kubernetes/` folder, and `gitops/`'s files.
fn layout(tree: &std::collections::BTreeMap<String, Vec<u8>>) -> (BTreeSet<String>, Vec<String>) {
    let folders = tree
        .keys()
        .filter_map(|p| p.split_once("/kubernetes/").map(|(t, _)| t.to_string()))
        .collect();
    let gitops = tree
        .keys()
        .filter(|p| p.starts_with("gitops/"))
        .cloned()
        .collect();
    (folders, gitops)
}

fn yaml(bytes: &[u8]) -> serde_json::Value {
    parse_stream(std::str::from_utf8(bytes).unwrap()).remove(0)
}

#[test]
fn two_environments_in_two_clusters_render_into_their_folders_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let r = render_fleet(&a, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = render_fleet(&b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = read_tree(&a);
    assert_eq!(first, read_tree(&b), "two renders differ");

    let (folders, gitops) = layout(&first);
    assert_eq!(folders, TREES.iter().map(|t| t.to_string()).collect());
    assert_eq!(gitops, ["gitops/applicationset-dify.yaml"]);
    // One ownership manifest for the whole tree.
    assert!(first.contains_key(".dify-gen"));
    assert!(!first.keys().any(|p| p.ends_with("/.dify-gen")));

    // Each tree is its own topology: its overlays, nothing of the others'.
    let ingress = |tree: &str| {
        String::from_utf8(first[&format!("{tree}/kubernetes/ingress-dify.yaml")].clone()).unwrap()
    };
    assert!(ingress("production/us-east").contains("host: us.example.com"));
    assert!(ingress("staging/eu-west").contains("host: staging.eu.example.com"));
    let min = |tree: &str| {
        yaml(&first[&format!("{tree}/kubernetes/horizontalpodautoscaler-dify-api.yaml")])["spec"]
            ["minReplicas"]
            .clone()
    };
    assert_eq!(
        (min("staging/eu-west"), min("production/eu-west")),
        (2.into(), 3.into())
    );

    // The ApplicationSet names every folder, at the repository's path.
    let set = yaml(&first["gitops/applicationset-dify.yaml"]);
    let elements = set["spec"]["generators"][0]["list"]["elements"]
        .as_array()
        .unwrap();
    let paths: Vec<&str> = elements
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = TREES
        .iter()
        .map(|t| format!("clusters/dify/{t}/kubernetes"))
        .collect();
    assert_eq!(paths, expected);
    let destinations: Vec<&str> = elements
        .iter()
        .map(|e| e["destination"].as_str().unwrap())
        .collect();
    assert_eq!(
        destinations,
        ["eu-west", "in-cluster", "eu-west", "in-cluster"]
    );
    assert_eq!(
        set["spec"]["template"]["spec"]["source"]["repoURL"],
        "https://github.com/acme/dify-deploy.git"
    );

    // Strict-valid: every tree's objects (each tree is its own cluster, so
    // each is validated on its own) and the ApplicationSet.
    for t in TREES
        .iter()
        .map(|t| format!("{t}/kubernetes"))
        .chain(["gitops".into()])
    {
        let r = run(&["validate", "--strict", a.join(&t).to_str().unwrap()]);
        assert_eq!(r.code, 0, "{t}: {}{}", r.stdout, r.stderr);
    }

    // `--check` on the whole tree: clean, then one cluster's change is a
    // diff of that cluster's files only, and nothing is written.
    let r = render_fleet(&a, &["--check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let bump = [
        "--set",
        "fleet.clusters.us-east.overlay.components.web.replicas=5",
    ];
    let r = render_fleet(&a, &[&["--check"], &bump[..]].concat());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("+  replicas: 5"), "{}", r.stdout);
    let changed: BTreeSet<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("+++ "))
        // The ownership manifest lists every tree's hashes.
        .filter(|p| !p.ends_with("/.dify-gen"))
        .collect();
    assert!(!changed.is_empty());
    assert!(
        changed.iter().all(|p| p.contains("/us-east/")),
        "a change to us-east touches another tree"
    );
    assert_eq!(read_tree(&a), first, "--check wrote something");

    // Written for real, the other clusters' files stay byte for byte the
    // same (their provenance hash included).
    let r = render_fleet(&a, &bump);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = read_tree(&a);
    for (path, bytes) in &first {
        if path.starts_with("production/eu-west/") || path.starts_with("staging/eu-west/") {
            assert_eq!(after.get(path), Some(bytes), "{path} changed");
        }
    }
    assert_ne!(
        after["production/us-east/kubernetes/deployment-dify-web.yaml"],
        first["production/us-east/kubernetes/deployment-dify-web.yaml"]
    );
}

#[test]
fn an_error_in_one_clusters_overlay_is_reported_at_its_line_and_leaves_every_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = render_fleet(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = read_tree(&out);

    // production/us-east's overlay (line 29 of the copy) asks for -1 replicas.
    let text = std::fs::read_to_string(FLEET).unwrap();
    let bad = text.replace(
        "            host: us.example.com\n",
        "            host: us.example.com\n          components:\n            api:\n              replicas: -1\n",
    );
    assert_ne!(bad, text);
    std::fs::write(dir.path().join("fleet.yaml"), bad).unwrap();
    let r = run_in(
        Some(dir.path()),
        &["render", "-f", "fleet.yaml", "--output-dir", "out"],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--> fleet.yaml:32:25"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(in cluster production/us-east)"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("error[").count(), 1, "{}", r.stderr);
    assert_eq!(read_tree(&out), before, "a refused render changed the tree");

    // The fleet's own rules: a cluster an environment lists but nobody
    // declares is reported at its key, with the declared one suggested.
    let typo = text.replace(
        "        us-east:\n          ingress:\n            host: us.",
        "        us-easy:\n          ingress:\n            host: us.",
    );
    std::fs::write(dir.path().join("typo.yaml"), typo).unwrap();
    let r = run_in(
        Some(dir.path()),
        &["render", "-f", "typo.yaml", "--output-dir", "out"],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[T160]"), "{}", r.stderr);
    assert!(r.stderr.contains("--> typo.yaml:27:9"), "{}", r.stderr);
    assert!(r.stderr.contains("us-east"), "{}", r.stderr);
    assert_eq!(read_tree(&out), before);

    // An overlay may not carry a fleet of its own.
    let nested = text.replace(
        "        nodes: null\n    us-east:",
        "        nodes: null\n        fleet: {}\n    us-east:",
    );
    std::fs::write(dir.path().join("nested.yaml"), nested).unwrap();
    let r = run_in(Some(dir.path()), &["validate", "-f", "nested.yaml"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error[T161]: an overlay may not set `fleet`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--> nested.yaml:35:9"), "{}", r.stderr);
}

#[test]
fn flux_kustomizations_validate_and_reach_remote_clusters_by_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = render_fleet(
        &out,
        &[
            "--set",
            "fleet.gitops={kind: Kustomization, path: clusters/dify, namespace: flux-system, interval: 5m}",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tree = read_tree(&out);
    let (_, gitops) = layout(&tree);
    let expected: Vec<String> = TREES
        .iter()
        .map(|t| format!("gitops/kustomization-dify-{}.yaml", t.replace('/', "-")))
        .collect();
    assert_eq!(gitops, expected);
    let us = yaml(&tree["gitops/kustomization-dify-production-us-east.yaml"]);
    assert_eq!(us["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
    assert_eq!(
        us["spec"]["path"],
        "./clusters/dify/production/us-east/kubernetes"
    );
    assert_eq!(us["spec"]["interval"], "5m");
    assert_eq!(
        us["spec"]["kubeConfig"]["secretRef"]["name"],
        "us-east-kubeconfig"
    );
    let eu = yaml(&tree["gitops/kustomization-dify-production-eu-west.yaml"]);
    assert!(eu["spec"].get("kubeConfig").is_none());
    let r = run(&["validate", "--strict", out.join("gitops").to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // The bundled schema holds Flux's own CEL rule: a kubeConfig names a
    // Secret or a ConfigMap.
    let broken =
        String::from_utf8(tree["gitops/kustomization-dify-production-us-east.yaml"].clone())
            .unwrap()
            .replace(
                "    secretRef:\n      name: us-east-kubeconfig\n",
                "    {}\n",
            );
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, broken).unwrap();
    let r = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("configMapRef or spec.kubeConfig.secretRef")
            || r.stderr
                .contains("configMapRef or spec.kubeConfig.secretRef"),
        "{}{}",
        r.stdout,
        r.stderr
    );

    // Argo CD kinds need the repository.
    let r = render_fleet(&out, &["--set", "fleet.gitops.repoUrl="]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[T165]"), "{}", r.stderr);
}

#[test]
fn one_tree_is_chosen_with_cluster_and_a_fleet_needs_a_directory() {
    let r = run(&["render", "-f", FLEET]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--output-dir DIR"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    let r = run(&["render", "-f", FLEET, "--cluster", "staging/us-east"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("host: staging.us.example.com"));
    assert!(!r.stdout.contains("host: us.example.com"));

    let r = run(&["plan", "-f", FLEET, "--cluster", "production/us-eats"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("production/us-east"), "{}", r.stderr);

    let r = run(&["plan", "-f", FLEET]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for t in TREES {
        assert!(
            r.stdout.contains(&format!("# cluster {t}\n")),
            "{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("us-east-1a"));

    let r = run(&["plan", "-f", FLEET, "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&String> = json["trees"].as_object().unwrap().keys().collect();
    assert_eq!(names, TREES);

    let r = run(&["validate", "-f", FLEET, "--strict"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("4 clusters: production/eu-west"),
        "{}",
        r.stderr
    );

    // A finding of the base is one message, in every cluster.
    let r = run(&[
        "validate",
        "-f",
        FLEET,
        "--set",
        "components.web.replicas=-1",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.matches("error[").count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("(in every cluster)"), "{}", r.stderr);
}

#[test]
fn the_example_fleet_renders_clean() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&[
        "render",
        "-f",
        "examples/fleet.yaml",
        "--strict",
        "--output-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (folders, gitops) = layout(&read_tree(dir.path()));
    assert_eq!(
        folders,
        [
            "production/eu-west",
            "production/us-east",
            "staging/eu-west"
        ]
        .iter()
        .map(|t| t.to_string())
        .collect()
    );
    assert_eq!(gitops, ["gitops/applicationset-dify.yaml"]);
}
