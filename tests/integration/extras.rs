//! Escape hatches (issue 18, item 9): Kubernetes' own volumes, mounts,
//! init containers, sidecars and host aliases per component, checked by
//! the strict schemas and dify-gen's security rules at the topology's
//! lines, and rendered into the pods.

use crate::cluster::{objects, pod_specs, render_strict, validate_text};
use serde_json::{json, Value};

const FILE: &str = "tests/fixtures/cluster/extras.yaml";

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[test]
fn extras_reach_the_pods_with_the_restricted_context_filled_in() {
    let artifacts = render_strict(FILE);
    let objects = objects(&artifacts);
    let specs = pod_specs(&objects);
    let api = specs.iter().find(|(n, _)| n == "dify-api").unwrap().1;
    let sidecar = named(&api["containers"], "audit-shipper");
    assert_eq!(
        sidecar["securityContext"],
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
               "readOnlyRootFilesystem": true, "runAsNonRoot": true})
    );
    assert_eq!(
        api["containers"][0]["name"], "api",
        "dify-gen's container first"
    );
    let main_mounts = &api["containers"][0]["volumeMounts"];
    assert_eq!(
        named(main_mounts, "corporate-ca")["mountPath"],
        "/etc/ssl/corporate"
    );
    // dify-gen's schema wait runs first, the topology's init container after.
    let inits: Vec<&str> = api["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(inits, ["wait-for-schema", "check-ca"]);
    assert_eq!(
        named(&api["initContainers"], "check-ca")["securityContext"]["readOnlyRootFilesystem"],
        true
    );
    assert_eq!(
        named(&api["volumes"], "corporate-ca")["configMap"]["defaultMode"],
        0o444
    );
    assert_eq!(
        api["hostAliases"],
        json!([{"ip": "10.30.0.7", "hostnames": ["llm-gateway.corp.internal"]}])
    );
    // The migration Job runs with api's settings, but no sidecar: it would
    // keep the Job from ever completing.
    let migration = specs
        .iter()
        .find(|(n, _)| n.starts_with("dify-migration"))
        .expect("the migration Job")
        .1;
    assert_eq!(migration["containers"].as_array().unwrap().len(), 1);
    named(&migration["volumes"], "corporate-ca");
    // Nothing else changed for other components.
    let worker = specs.iter().find(|(n, _)| n == "dify-worker").unwrap().1;
    assert_eq!(worker["containers"].as_array().unwrap().len(), 1);
    assert!(worker["hostAliases"].is_null());
}

#[test]
fn a_sidecar_that_asks_for_root_or_a_mount_of_nothing_is_refused_at_its_line() {
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1
kind: Topology
profile: ha
components:
  worker:
    extras:
      volumeMounts:
        - {name: missing, mountPath: /data}
        - {name: tmp, mountPath: /tmp}
      sidecars:
        - name: worker
          image: busybox:1.37.0
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
          securityContext:
            runAsUser: 0
            privileged: true
            readOnlyRootFilesystem: false
            capabilities: {add: [NET_ADMIN]}
        - name: no-image
          ports: [{containerPort: 9000}]
      hostAliases:
        - {ip: 10.30.0.300, hostnames: [gw]}
",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T174]: the mount names no volume `missing` of this pod",
        "t.yaml:8:18",
        "error[T174]: dify-gen already mounts `/tmp` in this container",
        "t.yaml:9:34",
        "error[T175]: container name `worker` is taken in this pod",
        "t.yaml:11:17",
        "error[T173]: container `worker` runs as root",
        "t.yaml:15:24",
        "error[T173]: container `worker` runs privileged",
        "t.yaml:16:25",
        "error[T173]: container `worker` writes its root file system",
        "t.yaml:17:37",
        "error[T173]: container `worker` adds capabilities",
        "t.yaml:18:33",
        "container `no-image` has no image",
        "container `no-image` needs CPU and memory requests and a memory limit",
        "no NetworkPolicy admits traffic to port 9000 of sidecar `no-image`",
        "invalid IP address `10.30.0.300`",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
    // Kubernetes' own schema, closed: a misspelt field is unknown at its line.
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ncomponents:\n  api:\n    extras:\n      volumeMounts:\n        - {name: tmp, mountPth: /x}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("t.yaml:8:23"), "{stderr}");
    assert!(stderr.contains("unknown field `mountPth`"), "{stderr}");
    assert!(stderr.contains("missing field `mountPath`"), "{stderr}");
}

/// `plan` counts the sidecar's requests and limits in the api's pods, as
/// kube-scheduler does; the init container, smaller and run first, adds
/// nothing.
#[test]
fn plan_counts_the_extra_containers_in_the_pods_requests() {
    let out = crate::support::run(&["plan", "-f", FILE, "-o", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let api = report["capacity"]["groups"]
        .as_array()
        .and_then(|a| a.iter().find(|g| g["component"] == "api"))
        .expect("the api's group");
    let gi = 1024.0 * 1024.0 * 1024.0;
    let mi = 1024.0 * 1024.0;
    assert!(
        (api["cpu"].as_f64().unwrap() - 0.52).abs() < 1e-9,
        "{api:#}"
    );
    assert_eq!(
        api["memory"].as_f64().unwrap(),
        2.0 * gi + 32.0 * mi,
        "{api:#}"
    );
    assert_eq!(
        api["memoryLimit"].as_f64().unwrap(),
        2.0 * gi + 64.0 * mi,
        "{api:#}"
    );
}
