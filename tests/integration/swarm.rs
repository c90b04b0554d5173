//! The Swarm, Consul and host targets, rendered from the three-host
//! fixture (`tests/fixtures/swarm/three-hosts.yaml`) and checked with the
//! real consumers: `docker-compose config` on the stack (no Docker engine
//! needed), `haproxy -c` on the PostgreSQL leader proxy, `chronyd -p`,
//! `sshd -t`/`sshd -T` and `ansible-inventory` on the host files. `scripts/install-hosts.sh` installs them.

use crate::realprograms::harness::{require_program, run_bounded};
use crate::support::{read_tree, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const FIXTURE: &str = "tests/fixtures/swarm/three-hosts.yaml";

/// Renders the fixture into a fresh directory; returns it and stderr.
fn rendered(extra: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "render",
        "-f",
        FIXTURE,
        "--output-dir",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir, r.stderr)
}

fn out(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("out")
}

fn yaml(path: &Path) -> Value {
    crate::support::parse_stream(&std::fs::read_to_string(path).unwrap())
        .into_iter()
        .next()
        .unwrap()
}

#[test]
fn three_host_stack_passes_docker_compose_config() {
    let compose = require_program("docker-compose");
    let (dir, _) = rendered(&[]);
    let swarm = out(&dir).join("swarm");
    let mut cmd = Command::new(compose);
    cmd.current_dir(&swarm)
        .args(["-f", "stack.yaml", "config", "--quiet"]);
    let (ok, output) = run_bounded(cmd, Duration::from_secs(60));
    assert!(ok, "docker-compose config refused the stack:\n{output}");
    // Every config file the stack names was rendered beside it.
    let stack = yaml(&swarm.join("stack.yaml"));
    for (key, config) in stack["configs"].as_object().unwrap() {
        let file = config["file"].as_str().unwrap();
        assert!(swarm.join(file).is_file(), "config `{key}`: {file} missing");
    }
}

/// The whole Swarm, Consul and hosts output of the fixture, file by file.
#[test]
fn three_host_snapshot() {
    let (dir, _) = rendered(&[]);
    let mut text = String::new();
    for (path, bytes) in read_tree(&out(&dir)) {
        if ["swarm/", "consul/", "hosts/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            text.push_str(&format!(
                "=== {path}\n{}\n",
                String::from_utf8(bytes).unwrap()
            ));
        }
    }
    insta::assert_snapshot!(text);
}

#[test]
fn stack_runs_every_component_of_the_plan() {
    let (dir, _) = rendered(&[]);
    let stack = yaml(&out(&dir).join("swarm/stack.yaml"));
    let services = stack["services"].as_object().unwrap();
    let mut sources = dify_gen::source::Sources::default();
    let loaded = dify_gen::pipeline::checked(&[FIXTURE.to_string()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let plan = dify_gen::plan::Plan::new(&loaded.topology);
    for w in &plan.workloads {
        let s = &services[&plan.name(w.kind.label())];
        assert_eq!(s["image"], w.image, "{}", w.name);
        assert_eq!(s["deploy"]["replicas"], w.min_replicas, "{}", w.name);
        assert_eq!(s["deploy"]["update_config"]["failure_action"], "rollback");
        assert!(s["deploy"]["rollback_config"].is_object());
        assert!(s["deploy"]["resources"]["reservations"]["memory"].is_string());
        // Health checks on the real endpoints, where the component has one.
        match plan.dify.probe(w.kind, true) {
            Some(dify_gen::dify::health::Check::Http { path, .. }) => {
                let test = s["healthcheck"]["test"].to_string();
                assert!(test.contains(path), "{}: {test}", w.name);
                assert_eq!(s["healthcheck"]["interval"], "10s");
            }
            Some(_) => assert!(s["healthcheck"].is_object(), "{}", w.name),
            None => assert!(s.get("healthcheck").is_none(), "{}", w.name),
        }
    }
    // Beat is a singleton that never overlaps itself.
    assert_eq!(
        services["dify-beat"]["deploy"]["update_config"]["order"],
        "stop-first"
    );
    // Worker spreads over hosts: never two on a node.
    assert_eq!(
        services["dify-worker"]["deploy"]["placement"]["max_replicas_per_node"],
        1
    );
    assert_eq!(
        services["dify-api"]["deploy"]["placement"]["preferences"][0]["spread"],
        "node.labels.zone"
    );
    // The data layer: one pinned service per member, and the leader proxy.
    for (name, host) in [
        ("dify-postgres-0", "node-1"),
        ("dify-postgres-1", "node-2"),
        ("dify-postgres-2", "node-3"),
        ("dify-etcd-2", "node-3"),
        ("dify-redis-1", "node-2"),
        ("dify-sentinel-0", "node-1"),
    ] {
        assert_eq!(
            services[name]["deploy"]["placement"]["constraints"][0],
            format!("node.hostname == {host}"),
            "{name}"
        );
    }
    assert!(services["dify-postgres"]["image"]
        .as_str()
        .unwrap()
        .starts_with("haproxy:"));
    // Dify reaches the Sentinels by their service names.
    let env = &services["dify-api"]["environment"];
    assert_eq!(
        env["REDIS_SENTINELS"],
        "dify-sentinel-0:26379,dify-sentinel-1:26379,dify-sentinel-2:26379"
    );
    assert_eq!(env["DB_HOST"], "dify-postgres");
}

#[test]
fn networks_keep_the_edge_away_from_the_data_layer() {
    let (dir, _) = rendered(&[]);
    let stack = yaml(&out(&dir).join("swarm/stack.yaml"));
    let services = stack["services"].as_object().unwrap();
    let nets = |name: &str| -> Vec<String> {
        services[name]["networks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(nets("dify-edge"), ["edge"]);
    assert_eq!(nets("dify-sandbox"), ["backend"]);
    assert_eq!(nets("dify-postgres-0"), ["data"]);
    for (name, s) in services {
        let n = nets(name);
        assert!(
            !(n.contains(&"edge".to_string()) && name.contains("postgres")),
            "{name}"
        );
        assert!(
            s["ports"].is_null() || name == "dify-edge",
            "only the edge publishes: {name}"
        );
    }
    assert_eq!(stack["networks"]["data"]["internal"], true);
    assert_eq!(stack["networks"]["backend"]["internal"], true);
}

#[test]
fn secrets_are_external_and_never_in_the_files() {
    let (dir, _) = rendered(&[]);
    let tree = read_tree(&out(&dir).join("swarm"));
    let stack = yaml(&out(&dir).join("swarm/stack.yaml"));
    for (name, secret) in stack["secrets"].as_object().unwrap() {
        assert_eq!(secret, &serde_json::json!({"external": true}), "{name}");
    }
    assert!(stack["secrets"].get("dify-core.secret-key").is_some());
    assert!(stack["secrets"].get("dify-tls.tls.crt").is_some());
    let start = String::from_utf8(tree["config/backend-start.sh"].clone()).unwrap();
    assert!(start.contains("SECRET_KEY=\"$(cat /run/secrets/dify-core.secret-key)\""));
    assert!(start.contains("exec \"$@\""));
    // The start script runs under sh as written (syntax only: no secrets here).
    let (ok, output) = run_bounded(
        {
            let mut c = Command::new("sh");
            c.arg("-n")
                .arg(out(&dir).join("swarm/config/backend-start.sh"));
            c
        },
        Duration::from_secs(10),
    );
    assert!(ok, "{output}");
}

#[test]
fn features_without_a_swarm_form_are_warnings() {
    let (_, stderr) = rendered(&[]);
    for needle in [
        "warning[T405]: NetworkPolicies have no Swarm form",
        "warning[T405]: disruption budgets (api, apiWebsocket, worker, web, sandbox, pluginDaemon, ssrfProxy, agentBackend, agentSsrfProxy) have no Swarm form",
        "warning[T405]: `api` autoscales to 9 replicas on Kubernetes; Swarm has no autoscaler and runs 3",
        "warning[T405]: the zone spread of api, apiWebsocket, web, sandbox, pluginDaemon, ssrfProxy, agentBackend, agentSsrfProxy is a hard rule",
        "warning[T403]: the Swarm has 1 manager(s)",
    ] {
        assert!(stderr.contains(needle), "missing `{needle}` in:\n{stderr}");
    }
    // --strict turns them into errors and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let r = run(&[
        "render",
        "-f",
        FIXTURE,
        "--strict",
        "--output-dir",
        target.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert!(!target.exists());
}

#[test]
fn swarm_without_hosts_for_its_data_layer_is_refused() {
    let r = run(&["render", "-f", FIXTURE, "--set", "hosts=[]"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error[T404]: the Swarm stack pins each data-layer member to a host"),
        "{}",
        r.stderr
    );
}

#[test]
fn host_spread_beyond_the_hosts_is_refused() {
    let r = run(&[
        "render",
        "-f",
        FIXTURE,
        "--set",
        "components.worker.replicas=4",
        "--set",
        "components.worker.autoscaling.maxReplicas=6",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "error[T406]: `worker` runs 4 replicas at most one per node, but `hosts` lists 3"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn consul_definitions_check_the_real_endpoints() {
    let (dir, _) = rendered(&[]);
    let text = std::fs::read_to_string(out(&dir).join("consul/services.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let services = doc["services"].as_array().unwrap();
    let by_name = |n: &str| services.iter().find(|s| s["name"] == n).unwrap();
    for (name, url) in [
        ("dify-api", "http://dify-api:5001/health"),
        ("dify-sandbox", "http://dify-sandbox:8194/health"),
        (
            "dify-plugin-daemon",
            "http://dify-plugin-daemon:5002/health/check",
        ),
        ("dify-web", "http://dify-web:3000/apps"),
    ] {
        let check = &by_name(name)["checks"][0];
        assert_eq!(check["http"], url);
        assert_eq!(check["interval"], "10s");
        assert_eq!(check["timeout"], "3s");
        assert_eq!(check["deregister_critical_service_after"], "10m");
    }
    assert_eq!(
        by_name("dify-ssrf-proxy")["checks"][0]["tcp"],
        "dify-ssrf-proxy:3128"
    );
    // Worker and beat serve nothing: nothing to register.
    assert!(services.iter().all(|s| s["name"] != "dify-worker"));
    // The bundled schema is strict: a misspelt field fails validation.
    let bad = dir.path().join("consul");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("services.json"),
        text.replace("\"interval\"", "\"intervall\""),
    )
    .unwrap();
    let r = run(&["validate", bad.join("services.json").to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("unknown field `intervall`"),
        "{}",
        r.stdout
    );
    // Kubernetes Services carry the catalog-sync annotations.
    let svc = yaml(&out(&dir).join("kubernetes/service-dify-api.yaml"));
    assert_eq!(
        svc["metadata"]["annotations"]["consul.hashicorp.com/service-sync"],
        "true"
    );
    assert_eq!(
        svc["metadata"]["annotations"]["consul.hashicorp.com/service-tags"],
        "dify,production,api"
    );
}

#[test]
fn compose_schema_is_strict() {
    let (dir, _) = rendered(&[]);
    let stack = std::fs::read_to_string(out(&dir).join("swarm/stack.yaml")).unwrap();
    let bad = dir.path().join("stack.yaml");
    std::fs::write(
        &bad,
        stack.replacen("    stop_grace_period:", "    stop_grace_perid:", 1),
    )
    .unwrap();
    let r = run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("unknown field `stop_grace_perid`"),
        "{}",
        r.stdout
    );
}

#[test]
fn haproxy_accepts_the_postgres_leader_proxy() {
    let haproxy = require_program("haproxy");
    let (dir, _) = rendered(&[]);
    // The PostgreSQL leader proxy, and the Redis master proxy (which reads
    // the password from its environment).
    for file in ["haproxy.cfg", "redis-proxy.cfg"] {
        let mut cmd = Command::new(&haproxy);
        cmd.arg("-c")
            .arg("-f")
            .arg(out(&dir).join("swarm/config").join(file))
            .env("REDIS_PASSWORD", "test-password");
        let (ok, output) = run_bounded(cmd, Duration::from_secs(20));
        // The members' names resolve only on the stack's network; HAProxy
        // starts without them (`init-addr none`) and resolves them later.
        assert!(
            ok && output.contains("Configuration file is valid"),
            "{file}: {output}"
        );
    }
}

/// `nginx -t` on the edge's nginx.conf. Two things only the stack has are
/// stood in for, in a copy: the services' names (they resolve on the
/// stack's overlay network only, and nginx resolves upstreams when it
/// reads its configuration) become 127.0.0.1 on the same ports, and the
/// TLS pair (a Swarm secret) becomes a throwaway self-signed one.
/// Everything else is the file as rendered, with the separate domains and
/// alias of `tests/fixtures/cluster/domains.yaml` layered on: every server
/// answers to all of the entry's names.
#[test]
fn nginx_accepts_the_edge_configuration() {
    let nginx = require_program("nginx");
    let openssl = require_program("openssl");
    let (dir, _) = rendered(&["-f", "tests/fixtures/cluster/domains.yaml"]);
    let conf = std::fs::read_to_string(out(&dir).join("swarm/config/nginx.conf")).unwrap();
    let names: Vec<&str> = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("server_name "))
        .collect();
    assert_eq!(
        names,
        ["dify.example.com console.example.com apps.example.com api.example.com files.example-cdn.net dify-old.example.com;"; 2],
        "the redirecting and the serving server:\n{conf}"
    );
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    let mut req = Command::new(openssl);
    req.args([
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
    ])
    .args(["-subj", "/CN=dify.example.com", "-keyout"])
    .arg(&key)
    .arg("-out")
    .arg(&cert);
    let (ok, output) = run_bounded(req, Duration::from_secs(60));
    assert!(ok, "openssl: {output}");
    let mut upstreams = 0;
    let mut certificates = 0;
    let local: Vec<String> = conf
        .lines()
        .map(|line| {
            let t = line.trim_start();
            let indent = &line[..line.len() - t.len()];
            if let Some(address) = t.strip_prefix("server ").filter(|a| a.contains(':')) {
                upstreams += 1;
                let port = address.rsplit(':').next().unwrap();
                format!("{indent}server 127.0.0.1:{port}")
            } else if t.starts_with("ssl_certificate_key ") {
                certificates += 1;
                format!("{indent}ssl_certificate_key {};", key.display())
            } else if t.starts_with("ssl_certificate ") {
                certificates += 1;
                format!("{indent}ssl_certificate {};", cert.display())
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(
        upstreams >= 4,
        "api, websocket, plugin daemon, web:\n{conf}"
    );
    assert_eq!(certificates, 2, "{conf}");
    let copy = dir.path().join("nginx.conf");
    std::fs::write(&copy, local.join("\n") + "\n").unwrap();
    let mut cmd = Command::new(nginx);
    cmd.arg("-t")
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg("stderr")
        .arg("-c")
        .arg(&copy);
    let (ok, output) = run_bounded(cmd, Duration::from_secs(20));
    assert!(
        ok && output.contains("test is successful"),
        "nginx -t refused the edge configuration:\n{output}"
    );
}

#[test]
fn chrony_accepts_every_host_file() {
    let chronyd = require_program("chronyd");
    let (dir, _) = rendered(&[]);
    for host in ["node-1", "node-2", "node-3"] {
        let file = out(&dir).join(format!("hosts/chrony/{host}.conf"));
        let mut cmd = Command::new(&chronyd);
        cmd.arg("-p").arg("-f").arg(&file);
        let (ok, output) = run_bounded(cmd, Duration::from_secs(20));
        assert!(ok, "chronyd -p refused {host}.conf:\n{output}");
        if host == "node-1" {
            assert!(
                output.contains("server 0.debian.pool.ntp.org iburst"),
                "{output}"
            );
            assert!(output.contains("allow 192.168.10.12"), "{output}");
            assert!(output.contains("local stratum 10 orphan"), "{output}");
        } else {
            // Workers follow the manager only.
            assert!(output.contains("server 192.168.10.11 iburst"), "{output}");
            assert!(!output.contains("pool.ntp.org"), "{output}");
        }
    }
}

#[test]
fn sshd_accepts_the_drop_in_and_allows_keys_only() {
    let sshd = require_program("/usr/sbin/sshd");
    let keygen = require_program("ssh-keygen");
    let (dir, _) = rendered(&[]);
    let key = dir.path().join("host_ed25519");
    let (ok, output) = run_bounded(
        {
            let mut c = Command::new(keygen);
            c.args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key);
            c
        },
        Duration::from_secs(20),
    );
    assert!(ok, "{output}");
    // The drop-in first (sshd keeps the first value it reads), then what
    // a test needs: a throwaway host key and a PID file of its own.
    let drop_in =
        std::fs::read_to_string(out(&dir).join("hosts/sshd_config.d/dify-gen.conf")).unwrap();
    let config = dir.path().join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "{drop_in}\nHostKey {}\nPidFile {}\n",
            key.display(),
            dir.path().join("sshd.pid").display()
        ),
    )
    .unwrap();
    for flag in ["-t", "-T"] {
        let mut cmd = Command::new(&sshd);
        cmd.arg(flag).arg("-f").arg(&config);
        let (ok, output) = run_bounded(cmd, Duration::from_secs(20));
        assert!(ok, "sshd {flag} refused the drop-in:\n{output}");
        if flag == "-T" {
            for line in [
                "passwordauthentication no",
                "kbdinteractiveauthentication no",
                "permitrootlogin without-password",
                "authenticationmethods publickey",
                "pubkeyauthentication yes",
                "allowusers deploy",
            ] {
                assert!(
                    output.lines().any(|l| l == line),
                    "missing `{line}` in:\n{output}"
                );
            }
        }
    }
}

#[test]
fn ansible_reads_the_inventory_by_role_and_zone() {
    let inventory = require_program("ansible-inventory");
    let (dir, _) = rendered(&[]);
    let mut cmd = Command::new(inventory);
    cmd.arg("-i")
        .arg(out(&dir).join("hosts/inventory.ini"))
        .arg("--list")
        .env("ANSIBLE_LOCAL_TEMP", dir.path())
        .env("ANSIBLE_HOME", dir.path());
    let (ok, output) = run_bounded(cmd, Duration::from_secs(60));
    assert!(ok, "{output}");
    let json_start = output.find('{').unwrap_or_else(|| panic!("{output}"));
    let doc: Value = serde_json::from_str(&output[json_start..]).unwrap();
    assert_eq!(doc["managers"]["hosts"], serde_json::json!(["node-1"]));
    assert_eq!(
        doc["workers"]["hosts"],
        serde_json::json!(["node-2", "node-3"])
    );
    assert_eq!(doc["zone_b"]["hosts"], serde_json::json!(["node-2"]));
    let vars = &doc["_meta"]["hostvars"]["node-3"];
    assert_eq!(vars["ansible_host"], "192.168.10.13");
    assert_eq!(vars["zone"], "zone-c");
    assert_eq!(vars["ansible_user"], "deploy");
}
