//! The plugin daemon in production (issue 18, item 7): an init as PID 1,
//! a bounded working directory rebuilt from plugin storage, a PyPI mirror
//! behind a named egress destination, and the opt-in remote-debug port.

use crate::cluster::{objects, render_strict, validate_text};
use serde_json::Value;

fn find<'a>(objects: &[&'a Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects
        .iter()
        .copied()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn config(objects: &[&Value], name: &str) -> serde_json::Map<String, Value> {
    find(objects, "ConfigMap", name).unwrap_or_else(|| panic!("no ConfigMap {name}"))["data"]
        .as_object()
        .unwrap()
        .clone()
}

/// The NetworkPolicy of a component, by its component label.
fn policy<'a>(objects: &[&'a Value], component: &str) -> &'a Value {
    objects
        .iter()
        .copied()
        .find(|o| {
            o["kind"] == "NetworkPolicy"
                && o["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                    == component
        })
        .unwrap_or_else(|| panic!("{component} has a policy"))
}

fn rules<'a>(policy: &'a Value, dir: &str) -> Vec<&'a Value> {
    policy["spec"][dir]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn has_port(rule: &Value, port: u64) -> bool {
    rule["ports"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["port"] == port))
}

#[test]
fn an_image_without_init_gets_a_shared_process_namespace_and_the_mirror_its_edge() {
    let artifacts = render_strict("tests/fixtures/cluster/plugins-airgapped.yaml");
    let objects = objects(&artifacts);
    let daemon = find(&objects, "Deployment", "dify-plugin-daemon").unwrap();
    let pod = &daemon["spec"]["template"]["spec"];
    assert_eq!(pod["shareProcessNamespace"], true);
    // Only the daemon's pod: every other keeps its processes to itself.
    for o in objects.iter().filter(|o| o["kind"] == "Deployment") {
        if o["metadata"]["name"] != "dify-plugin-daemon" {
            assert!(
                o["spec"]["template"]["spec"]["shareProcessNamespace"].is_null(),
                "{}",
                o["metadata"]["name"]
            );
        }
    }
    let storage = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "storage")
        .unwrap();
    assert_eq!(storage["emptyDir"]["sizeLimit"], "30Gi");
    let env = config(&objects, "dify-plugin-daemon");
    assert_eq!(
        env["PIP_MIRROR_URL"],
        "https://pypi.internal.example:8443/simple"
    );
    assert_eq!(env["PIP_MIRROR_AUTO_DETECT"], "false");
    assert_eq!(env["PLUGIN_WORKING_PATH"], "/app/storage/cwd");
    // The daemon refuses to start with remote installing on and no host.
    assert_eq!(env["PLUGIN_REMOTE_INSTALLING_ENABLED"], "false");
    // One rule to the mirror's range, on the URL's port, from the daemon only.
    let to_mirror = |r: &&Value| r["to"][0]["ipBlock"]["cidr"] == "10.40.0.0/24";
    let mirror: Vec<_> = rules(policy(&objects, "plugin-daemon"), "egress")
        .into_iter()
        .filter(to_mirror)
        .collect();
    assert_eq!(mirror.len(), 1, "{mirror:?}");
    assert_eq!(
        mirror[0]["ports"],
        serde_json::json!([{"protocol": "TCP", "port": 8443}])
    );
    for c in ["api", "worker", "web", "sandbox"] {
        assert!(
            !rules(policy(&objects, c), "egress").iter().any(to_mirror),
            "{c}"
        );
    }
    // Remote debugging stays closed: no Service, no port, no ingress edge.
    assert!(find(&objects, "Service", "dify-plugin-debug").is_none());
    assert!(!rules(policy(&objects, "plugin-daemon"), "ingress")
        .iter()
        .any(|r| has_port(r, 5003)));
}

#[test]
fn the_releases_own_tini_is_kept_and_a_shared_namespace_can_be_forced() {
    // ha runs 1.16.1, whose daemon image (0.6.3) starts under tini.
    let artifacts = render_strict("profiles/ha.yaml");
    let objects = objects(&artifacts);
    let daemon = find(&objects, "Deployment", "dify-plugin-daemon").unwrap();
    assert!(daemon["spec"]["template"]["spec"]["shareProcessNamespace"].is_null());
    // An overridden image: dify-gen cannot know it has an init.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(
        &file,
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nimages:\n  pluginDaemon: registry.example.com/dify/plugin-daemon:0.6.3-local\n",
    )
    .unwrap();
    let artifacts = render_strict(file.to_str().unwrap());
    let overridden = crate::cluster::objects(&artifacts);
    let daemon = find(&overridden, "Deployment", "dify-plugin-daemon").unwrap();
    assert_eq!(
        daemon["spec"]["template"]["spec"]["shareProcessNamespace"],
        true
    );
}

#[test]
fn remote_debugging_is_a_load_balancer_for_the_allowed_ranges_only() {
    let artifacts = render_strict("tests/fixtures/cluster/plugins-debug.yaml");
    let objects = objects(&artifacts);
    let svc = find(&objects, "Service", "dify-plugin-debug").expect("the debug Service");
    assert_eq!(svc["spec"]["type"], "LoadBalancer");
    assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
    assert_eq!(
        svc["spec"]["loadBalancerSourceRanges"],
        serde_json::json!(["10.8.0.0/16"])
    );
    assert_eq!(svc["spec"]["ports"][0]["port"], 5003);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], "debug");
    assert_eq!(
        svc["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-internal"],
        "true"
    );
    let daemon = find(&objects, "Deployment", "dify-plugin-daemon").unwrap();
    let ports = &daemon["spec"]["template"]["spec"]["containers"][0]["ports"];
    assert!(ports
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "debug" && p["containerPort"] == 5003));
    let env = config(&objects, "dify-plugin-daemon");
    assert_eq!(env["PLUGIN_REMOTE_INSTALLING_ENABLED"], "true");
    assert_eq!(env["PLUGIN_REMOTE_INSTALLING_HOST"], "0.0.0.0");
    assert_eq!(env["PLUGIN_REMOTE_INSTALLING_PORT"], "5003");
    let api = config(&objects, "dify-backend");
    assert_eq!(
        api["PLUGIN_REMOTE_INSTALL_HOST"],
        "plugins-debug.dev.example.com"
    );
    assert_eq!(api["PLUGIN_REMOTE_INSTALL_PORT"], "5003");
    // The policy's one way in on 5003: from the allowed range.
    let debug: Vec<_> = rules(policy(&objects, "plugin-daemon"), "ingress")
        .into_iter()
        .filter(|r| has_port(r, 5003))
        .collect();
    assert_eq!(debug.len(), 1, "{debug:?}");
    assert_eq!(
        debug[0]["from"],
        serde_json::json!([{"ipBlock": {"cidr": "10.8.0.0/16"}}])
    );
}

#[test]
fn a_mirror_outside_its_egress_and_an_init_the_image_lacks_are_refused_at_their_lines() {
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ndify:\n  version: 1.13.3\n  collaboration: false\n  agentRuntime: false\nplugins:\n  init: image\n  pipMirror:\n    url: https://pypi.internal.example/simple\n    egress: pypi-mirror\nnetwork:\n  egress:\n    - {name: pypi-mirror, from: [pluginDaemon], cidrs: [10.40.0.0/24], ports: [8443]}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "t.yaml:9:9",
        "T171",
        "the plugin daemon image of Dify 1.13.3 has no init",
        "t.yaml:11:10",
        "T170",
        "the mirror's port 443 is not among the ports of egress destination `pypi-mirror`",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nplugins:\n  pipMirror: {url: \"https://pypi.internal.example/simple\", egress: nowhere}\n  remoteDebug: {advertisedHost: debug.example.com, allowFrom: [10.8.0.1/16]}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "no `network.egress` destination is named `nowhere`",
        "T172",
        "remote debugging with 2 plugin daemon replicas",
        "is not the first address of its range",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
}
