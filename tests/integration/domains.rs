//! Separate domains for Dify's parts (issue 18, item 6): the console, the
//! web apps, the API and files each on its host (`ingress.domains`), alias
//! hosts (`ingress.extraHosts`), Dify's URL variables and shared cookie
//! domain from them, and every host in the entry (Ingress rules, HTTPRoute
//! hostnames, the TLS certificate's names, the Swarm edge's `server_name`:
//! `swarm::nginx_accepts_the_edge_configuration` runs `nginx -t` on it) and
//! in the Dify chart's values.

use crate::cluster::validate_text;
use crate::support::{parse_stream, run};
use serde_json::Value;

const DOMAINS: &str = "tests/fixtures/cluster/domains.yaml";

/// Every host of the fixture, in the order the entry lists them.
const HOSTS: [&str; 6] = [
    "dify.example.com",
    "console.example.com",
    "apps.example.com",
    "api.example.com",
    "files.example-cdn.net",
    "dify-old.example.com",
];

/// `render --strict` of the ha profile with the domains and `extra`
/// arguments (schemas, manifest checks and the secret firewall all pass);
/// its standard output.
fn render(extra: &[&str]) -> String {
    let mut args = vec![
        "render",
        "-f",
        "profiles/ha.yaml",
        "-f",
        DOMAINS,
        "--strict",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no findings");
    r.stdout
}

/// The objects of [`render`] with `--set`s.
fn rendered(sets: &[&str]) -> Vec<Value> {
    let args: Vec<&str> = sets.iter().flat_map(|s| ["--set", *s]).collect();
    parse_stream(&render(&args))
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn each_component_gets_the_url_of_its_part_and_the_shared_cookie_domain() {
    let objects = rendered(&[]);
    let backend = &find(&objects, "ConfigMap", "dify-backend")["data"];
    for (name, want) in [
        ("CONSOLE_API_URL", "https://api.example.com"),
        ("CONSOLE_WEB_URL", "https://console.example.com"),
        ("SERVICE_API_URL", "https://api.example.com"),
        ("APP_API_URL", "https://api.example.com"),
        ("APP_WEB_URL", "https://apps.example.com"),
        ("FILES_URL", "https://files.example-cdn.net"),
        ("TRIGGER_URL", "https://api.example.com"),
        ("COOKIE_DOMAIN", "example.com"),
    ] {
        assert_eq!(backend[name], want, "api/worker {name}");
    }
    let web = &find(&objects, "ConfigMap", "dify-web")["data"];
    for (name, want) in [
        ("CONSOLE_API_URL", "https://api.example.com"),
        ("APP_API_URL", "https://api.example.com"),
        ("NEXT_PUBLIC_COOKIE_DOMAIN", "example.com"),
        ("NEXT_PUBLIC_SOCKET_URL", "wss://api.example.com"),
    ] {
        assert_eq!(web[name], want, "web {name}");
    }
    assert!(web.get("COOKIE_DOMAIN").is_none(), "the api's variable");

    // One host: every URL is it, and no cookie domain (Dify's `__Host-`
    // cookies stay on the host).
    let r = run(&["render", "-f", "profiles/ha.yaml", "--strict"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let single = parse_stream(&r.stdout);
    let backend = &find(&single, "ConfigMap", "dify-backend")["data"];
    assert_eq!(backend["CONSOLE_WEB_URL"], "https://dify.example.com");
    assert_eq!(backend["FILES_URL"], "https://dify.example.com");
    assert!(backend.get("COOKIE_DOMAIN").is_none());
    assert!(find(&single, "ConfigMap", "dify-web")["data"]
        .get("NEXT_PUBLIC_COOKIE_DOMAIN")
        .is_none());
}

#[test]
fn every_host_routes_every_path_under_one_certificate() {
    for controller in ["f5-nginx", "ingress-nginx"] {
        let objects = rendered(&[&format!("ingress.controller={controller}")]);
        let spec = &find(&objects, "Ingress", "dify")["spec"];
        let rules = spec["rules"].as_array().unwrap();
        let hosts: Vec<&str> = rules.iter().map(|r| r["host"].as_str().unwrap()).collect();
        assert_eq!(hosts, HOSTS, "{controller}: one rule per host");
        let paths = |r: &Value| r["http"]["paths"].clone();
        for rule in rules {
            assert_eq!(
                paths(rule),
                paths(&rules[0]),
                "{controller}: the same routes"
            );
        }
        assert_eq!(paths(&rules[0]).as_array().unwrap().len(), 10);
        assert_eq!(spec["tls"].as_array().unwrap().len(), 1);
        assert_eq!(strings(&spec["tls"][0]["hosts"]), HOSTS);
        assert_eq!(spec["tls"][0]["secretName"], "dify-tls");
    }
    let objects = rendered(&[
        "ingress.controller=gateway-api",
        "ingress.gateway={name: public, namespace: gateway, implementation: standard}",
    ]);
    let route = find(&objects, "HTTPRoute", "dify");
    assert_eq!(strings(&route["spec"]["hostnames"]), HOSTS);
}

#[test]
fn the_dify_charts_values_carry_the_domains_and_the_cookie_domain() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    render(&["--output-dir", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(out.join("helm/dify-0.38.0-rc2.values.yaml")).unwrap();
    let values = &parse_stream(&text)[0];
    let g = &values["global"];
    assert_eq!(g["consoleWebDomain"], "https://console.example.com");
    assert_eq!(g["consoleApiDomain"], "https://api.example.com");
    assert_eq!(g["appWebDomain"], "https://apps.example.com");
    assert_eq!(g["appApiDomain"], "https://api.example.com");
    assert_eq!(g["serviceApiDomain"], "https://api.example.com");
    assert_eq!(g["filesDomain"], "https://files.example-cdn.net");
    assert_eq!(g["triggerDomain"], "https://api.example.com");
    // The chart has no cookie-domain value: the variables go in as env.
    let env = |component: &str, name: &str| {
        values[component]["extraEnv"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
    };
    assert_eq!(env("api", "COOKIE_DOMAIN"), Some("example.com".into()));
    assert_eq!(env("worker", "COOKIE_DOMAIN"), Some("example.com".into()));
    assert_eq!(
        env("web", "NEXT_PUBLIC_COOKIE_DOMAIN"),
        Some("example.com".into())
    );
}

#[test]
fn hosts_without_a_shared_parent_or_listed_twice_are_refused_at_their_line() {
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ningress:\n  domains:\n    console: console.example.com\n    app: apps.example.com\n    api: api.example.org\n    files: files.example.net\n  extraHosts: [old.example.com, console.example.com]\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    for want in [
        "error[T228]: `console.example.com` and `api.example.org` share no parent domain",
        "t.yaml:6:14",
        "error[T228]: `apps.example.com` and `api.example.org` share no parent domain",
        "t.yaml:7:10",
        "only `files` may be elsewhere",
        "error[T227]: host `console.example.com` is already a host of the entry",
        "t.yaml:10:33",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
    // Files elsewhere are fine.
    assert_eq!(stderr.matches("error[").count(), 3, "{stderr}");
    let (code, stderr) = validate_text(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ningress:\n  domains:\n    api: api.other.com\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr
            .contains("error[T228]: `api.other.com` and `dify.example.com` share no parent domain"),
        "a shared `com` is no parent domain:\n{stderr}"
    );
    // Each name by Kubernetes' host-name rules, as `host` is.
    let long = "a".repeat(64);
    let (code, stderr) = validate_text(&format!(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\ningress:\n  domains:\n    files: {long}.example.com\n"
    ));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[T143]: invalid host name") && stderr.contains("t.yaml:6:12"),
        "{stderr}"
    );
}
