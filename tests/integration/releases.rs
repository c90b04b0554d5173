//! The release catalogue as rendered: each supported Dify release deploys
//! its own components, images, queues, routes and variables, the switches
//! turn collaboration and the agent runtime off, and the agent runtime is
//! wired as Dify's compose file wires it.

use crate::support::{parse_stream, run};
use dify_gen::dify::releases::{self, RELEASES};
use dify_gen::dify::Kind;
use serde_json::Value;
use std::collections::BTreeSet;

fn render(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["render", "--strict"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    parse_stream(&r.stdout)
}

fn names(objects: &[Value], kind: &str) -> BTreeSet<String> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name}"))
}

fn data<'a>(objects: &'a [Value], config_map: &str) -> &'a Value {
    &find(objects, "ConfigMap", config_map)["data"]
}

fn image(objects: &[Value], deployment: &str) -> String {
    find(objects, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

fn paths(objects: &[Value]) -> Vec<(String, String)> {
    find(objects, "Ingress", "dify")["spec"]["rules"][0]["http"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["backend"]["service"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn pinned(version: &str) -> Vec<Value> {
    let file = format!("tests/fixtures/releases/dify-{version}.yaml");
    if releases::find(version).is_some_and(|r| r.is_verified()) {
        render(&["-f", &file])
    } else {
        // An unverified entry warns (T118); without --strict it renders.
        let r = run(&["render", "-f", &file]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("warning[T118]"), "{}", r.stderr);
        parse_stream(&r.stdout)
    }
}

#[test]
fn each_release_renders_its_own_components_images_and_queues() {
    for release in RELEASES {
        let objects = pinned(release.version);
        let want: BTreeSet<String> = release
            .components
            .iter()
            .map(|k| format!("dify-{}", k.label()))
            .collect();
        // The Dify Deployments: those labelled with a Dify component.
        let dify: BTreeSet<String> = objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .filter(|o| {
                let c = &o["metadata"]["labels"]["app.kubernetes.io/component"];
                Kind::ALL.iter().any(|k| *c == k.label())
            })
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(dify, want, "Dify {}", release.version);
        for kind in release.components {
            assert_eq!(
                image(&objects, &format!("dify-{}", kind.label())),
                release.image(*kind).unwrap(),
                "Dify {} {kind:?}",
                release.version
            );
        }
        let backend = data(&objects, "dify-backend");
        assert_eq!(
            backend["CELERY_QUEUES"].as_str().unwrap(),
            release.queues.join(","),
            "Dify {}",
            release.version
        );
        let job = format!("dify-migration-{}", release.version.replace('.', "-"));
        assert!(names(&objects, "Job").contains(&job), "{job}");
        let routes: Vec<String> = paths(&objects).into_iter().map(|(p, _)| p).collect();
        let want: Vec<&str> = release.routes.iter().map(|r| r.path).collect();
        assert_eq!(routes, want, "Dify {}", release.version);
    }
}

#[test]
fn dify_1_13_3_keeps_its_own_shape() {
    let objects = pinned("1.13.3");
    assert_eq!(
        image(&objects, "dify-plugin-daemon"),
        "langgenius/dify-plugin-daemon:0.5.3-local"
    );
    assert_eq!(
        image(&objects, "dify-sandbox"),
        "langgenius/dify-sandbox:0.2.14"
    );
    let queues = data(&objects, "dify-backend")["CELERY_QUEUES"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!queues.contains("app_rbac") && queues.contains("workflow_based_app_execution"));
    // No collaboration, no agent runtime, no /openapi, no /socket.io/.
    let backend = data(&objects, "dify-backend");
    for var in ["ENABLE_COLLABORATION_MODE", "AGENT_BACKEND_BASE_URL"] {
        assert!(backend.get(var).is_none(), "{var}");
    }
    let web = data(&objects, "dify-web");
    assert!(web.get("NEXT_PUBLIC_SOCKET_URL").is_none());
    assert!(!paths(&objects)
        .iter()
        .any(|(p, _)| p == "/openapi" || p == "/socket.io/"));
    // Next.js' cache where the 1.13 image keeps its app.
    let mounts = find(&objects, "Deployment", "dify-web")["spec"]["template"]["spec"]["containers"]
        [0]["volumeMounts"]
        .to_string();
    assert!(mounts.contains("/app/web/.next/cache"), "{mounts}");
    let policies = names(&objects, "NetworkPolicy");
    assert!(
        !policies.iter().any(|p| p.contains("agent")),
        "{policies:?}"
    );
}

#[test]
fn dify_1_16_1_runs_collaboration_and_the_agent_runtime() {
    let objects = pinned("1.16.1");
    let backend = data(&objects, "dify-backend");
    assert_eq!(backend["ENABLE_COLLABORATION_MODE"], "true");
    assert_eq!(
        backend["AGENT_BACKEND_BASE_URL"],
        "http://dify-agent-backend:5050"
    );
    let web = data(&objects, "dify-web");
    assert_eq!(web["NEXT_PUBLIC_SOCKET_URL"], "wss://dify.example.com");
    assert_eq!(web["SERVER_CONSOLE_API_URL"], "http://dify-api:5001");
    assert_eq!(web["NEXT_PUBLIC_ENABLE_AGENT_V2"], "true");
    let websocket = &find(&objects, "Deployment", "dify-api-websocket")["spec"]["template"]["spec"]
        ["containers"][0];
    let env: Vec<(String, String)> = websocket["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?.into(), e["value"].as_str()?.into())))
        .collect();
    for pair in [
        ("MODE", "api"),
        (
            "SERVER_WORKER_CLASS",
            "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
        ),
    ] {
        assert!(
            env.contains(&(pair.0.to_string(), pair.1.to_string())),
            "{pair:?}"
        );
    }
    assert!(paths(&objects).contains(&("/socket.io/".into(), "dify-api-websocket".into())));
    assert!(paths(&objects).contains(&("/openapi".into(), "dify-api".into())));
    // The agent backend: its Redis database by URL through the master
    // proxy, its endpoints, its keys from Secrets.
    let agent = data(&objects, "dify-agent-backend");
    assert_eq!(
        agent["DIFY_AGENT_SHELLCTL_ENTRYPOINT"],
        "http://dify-local-sandbox:5004"
    );
    assert_eq!(
        agent["DIFY_AGENT_PLUGIN_DAEMON_URL"],
        "http://dify-plugin-daemon:5002"
    );
    let agent_pod = find(&objects, "Deployment", "dify-agent-backend");
    let env = agent_pod["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
    assert!(env.contains("redis://:$(REDIS_PASSWORD)@dify-redis-proxy:6379/2"));
    for secret in [
        "DIFY_AGENT_SERVER_SECRET_KEY",
        "DIFY_AGENT_API_TOKEN",
        "DIFY_AGENT_SHELLCTL_AUTH_TOKEN",
        "DIFY_AGENT_INNER_API_KEY",
    ] {
        assert!(env.contains(secret), "{secret}");
    }
    let sandbox = data(&objects, "dify-local-sandbox");
    assert_eq!(sandbox["HTTP_PROXY"], "http://dify-agent-ssrf-proxy:3128");
    let squid = data(&objects, "dify-agent-ssrf-proxy")["squid.conf"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(squid.contains("http_access allow agent_backend agent_stub"));
    assert!(squid.contains("http_access allow dify_api dify_files"));
}

#[test]
fn dify_1_17_1_uses_the_renamed_sandbox_settings() {
    let objects = pinned("1.17.1");
    let agent = data(&objects, "dify-agent-backend");
    assert_eq!(
        agent["DIFY_AGENT_LOCAL_SANDBOX_ENDPOINT"],
        "http://dify-local-sandbox:5004"
    );
    assert!(agent.get("DIFY_AGENT_SHELLCTL_ENTRYPOINT").is_none());
    assert_eq!(
        image(&objects, "dify-plugin-daemon"),
        "langgenius/dify-plugin-daemon:0.6.10-local"
    );
}

#[test]
fn switches_turn_collaboration_and_the_agent_runtime_off() {
    let objects = render(&[
        "-f",
        "profiles/ha.yaml",
        "--set",
        "dify.collaboration=false",
        "--set",
        "dify.agentRuntime=false",
    ]);
    let deployments = names(&objects, "Deployment");
    for gone in [
        "dify-api-websocket",
        "dify-agent-backend",
        "dify-local-sandbox",
        "dify-agent-ssrf-proxy",
    ] {
        assert!(!deployments.contains(gone), "{gone}");
        for kind in [
            "Service",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "ServiceAccount",
        ] {
            assert!(!names(&objects, kind).contains(gone), "{kind}/{gone}");
        }
    }
    let backend = data(&objects, "dify-backend");
    assert_eq!(backend["ENABLE_COLLABORATION_MODE"], "false");
    assert!(backend.get("AGENT_BACKEND_BASE_URL").is_none());
    assert_eq!(
        data(&objects, "dify-web")["NEXT_PUBLIC_ENABLE_AGENT_V2"],
        "false"
    );
    assert!(!paths(&objects).iter().any(|(p, _)| p == "/socket.io/"));
    let api = find(&objects, "Deployment", "dify-api").to_string();
    assert!(!api.contains("AGENT_BACKEND_API_TOKEN"));
}

#[test]
fn image_overrides_replace_one_image() {
    let objects = render(&[
        "-f",
        "profiles/ha.yaml",
        "--set",
        "images.pluginDaemon=registry.example.com/dify-plugin-daemon:0.6.10-local",
    ]);
    assert_eq!(
        image(&objects, "dify-plugin-daemon"),
        "registry.example.com/dify-plugin-daemon:0.6.10-local"
    );
    assert_eq!(image(&objects, "dify-api"), "langgenius/dify-api:1.16.1");
}

#[test]
fn every_entry_controller_routes_the_websocket_with_long_timeouts() {
    // Gateway API: the route carries the WebSocket path; timeouts come
    // from the route (standard) or NGF's ProxySettingsPolicy.
    for implementation in ["standard", "nginx-gateway-fabric"] {
        let objects = render(&[
            "-f",
            "profiles/ha.yaml",
            "--set",
            "ingress.controller=gateway-api",
            "--set",
            &format!("ingress.gateway={{name: public, namespace: gateway, implementation: {implementation}}}"),
        ]);
        let route = find(&objects, "HTTPRoute", "dify");
        let rule = route["spec"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["matches"][0]["path"]["value"] == "/socket.io")
            .expect("a /socket.io rule");
        assert_eq!(rule["backendRefs"][0]["name"], "dify-api-websocket");
        match implementation {
            "standard" => assert_eq!(rule["timeouts"]["request"], "3600s"),
            _ => assert_eq!(
                find(&objects, "ProxySettingsPolicy", "dify")["spec"]["timeout"]["read"],
                "3600s"
            ),
        }
    }
    // ingress-nginx passes upgrades on every path; the hook header is set
    // controller-wide in its Helm values.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = run(&[
        "render",
        "-f",
        "profiles/ha.yaml",
        "--set",
        "ingress.controller=ingress-nginx",
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let values = std::fs::read_to_string(out.join("helm/ingress-nginx.values.yaml")).unwrap();
    assert!(
        values.contains("Dify-Hook-Url: $scheme://$host$request_uri"),
        "{values}"
    );
    let ingress = std::fs::read_to_string(out.join("kubernetes/ingress-dify.yaml")).unwrap();
    assert!(ingress.contains("nginx.ingress.kubernetes.io/proxy-read-timeout: \"3600\""));
}
