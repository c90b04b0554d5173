//! Monitoring, proven with the real tools on what `render` writes:
//! promtool checks the rule files and runs their unit tests (every
//! built-in alert fires on a failing series and stays quiet on a healthy
//! one) and checks the scrape configuration; amtool checks the
//! Alertmanager configuration and shows where warnings and criticals go;
//! a real Alertmanager on 127.0.0.1 shows a critical inhibiting the
//! warnings of its component. Dashboards: every panel's query parses and
//! selects series the scrapes produce. `scripts/install-monitoring.sh`
//! installs promtool, amtool and Alertmanager.

use crate::realprograms::harness::{
    free_port, http_get, require_program, run_bounded, wait_for, Process, LOCALHOST,
};
use crate::support::{parse_stream, read_tree, run};
use dify_gen::plan::checks::monitoring::selector_problems;
use dify_gen::plan::monitoring::Facts;
use dify_gen::plan::Plan;
use dify_gen::source::Sources;
use dify_gen::{pipeline, promql};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A rendered tree in a temporary directory.
fn render(profile: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let r = run(&[
        "render",
        "-f",
        &format!("profiles/{profile}.yaml"),
        "--output-dir",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir, out)
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_stream(&text)
        .into_iter()
        .next()
        .expect("one document")
}

fn tool(name: &str, args: &[&str], dir: &Path) -> (bool, String) {
    let mut cmd = Command::new(require_program(name));
    cmd.args(args).current_dir(dir);
    run_bounded(cmd, Duration::from_secs(240))
}

#[test]
fn promtool_checks_and_unit_tests_the_rendered_rules() {
    let trees: Vec<_> = ["ha", "dev"].iter().map(|p| (*p, render(p))).collect();
    // The two profiles' tests run side by side: each takes most of the time.
    std::thread::scope(|s| {
        for (profile, (_, out)) in &trees {
            s.spawn(move || {
                let dir = out.join("prometheus");
                let (ok, text) = tool("promtool", &["check", "rules", "dify.rules.yaml"], &dir);
                assert!(ok, "{profile}: promtool check rules:\n{text}");
                let (ok, text) = tool("promtool", &["test", "rules", "dify.rules.test.yaml"], &dir);
                assert!(ok, "{profile}: promtool test rules:\n{text}");
                assert!(text.contains("SUCCESS"), "{profile}:\n{text}");
            });
        }
    });
    // Every built-in rule is expected to fire, with all its labels, in the
    // firing test of its alert name; the quiet test of that name expects
    // no alert at all.
    for (profile, (_, out)) in &trees {
        let rules = yaml(&out.join("prometheus/dify.rules.yaml"));
        let tests = yaml(&out.join("prometheus/dify.rules.test.yaml"));
        let expected = |name: &str| -> Vec<Value> {
            let test = tests["tests"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("{profile}: no test `{name}`"));
            test["alert_rule_test"][0]["exp_alerts"]
                .as_array()
                .unwrap()
                .clone()
        };
        let mut built_in = 0;
        for g in rules["groups"].as_array().unwrap() {
            for r in g["rules"].as_array().unwrap() {
                let alert = r["alert"].as_str().unwrap();
                let labels = r["labels"].as_object().unwrap();
                let fired = expected(&format!("{alert} fires"))
                    .iter()
                    .any(|a| labels.iter().all(|(k, v)| &a["exp_labels"][k] == v));
                assert!(fired, "{profile}: no firing test for {alert} {labels:?}");
                assert!(expected(&format!("{alert} stays quiet")).is_empty());
                assert!(labels["release"] == "dify" && labels["severity"].is_string());
                assert!(
                    r["annotations"]["runbook_url"]
                        .as_str()
                        .unwrap()
                        .contains('#'),
                    "{alert}: runbook"
                );
                built_in += 1;
            }
        }
        let all_expected: usize = tests["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                t["alert_rule_test"][0]["exp_alerts"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .sum();
        assert_eq!(
            all_expected, built_in,
            "{profile}: one expected alert per rule"
        );
        assert!(built_in > 50, "{profile}: {built_in} rules");
    }
    // The tests can fail: an expected alert that never fires is reported.
    let (_, out) = &trees[0].1;
    let dir = out.join("prometheus");
    let mut tests = yaml(&dir.join("dify.rules.test.yaml"));
    let quiet = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str().unwrap().ends_with("stays quiet"))
        .unwrap()
        .clone();
    let mut wrong = quiet.clone();
    wrong["alert_rule_test"][0]["exp_alerts"] = json!([{"exp_labels": {"severity": "warning"}}]);
    tests["tests"] = json!([wrong]);
    std::fs::write(dir.join("broken.test.yaml"), tests.to_string()).unwrap();
    let (ok, text) = tool("promtool", &["test", "rules", "broken.test.yaml"], &dir);
    assert!(!ok, "a wrong expectation must fail promtool:\n{text}");
}

#[test]
fn promtool_checks_the_scrape_configuration() {
    let (_tmp, out) = render("dev");
    let dir = out.join("prometheus");
    let scrape = yaml(&dir.join("scrape-configs.yaml"));
    let jobs: Vec<&str> = scrape["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["job_name"].as_str().unwrap())
        .collect();
    // The plugin daemon serves `/metrics/` from 0.5.7 on (1.16.1 runs 0.6.3).
    assert_eq!(
        jobs,
        [
            "dify-blackbox",
            "dify-postgres",
            "dify-etcd",
            "dify-redis",
            "dify-plugin-daemon",
            "dify-fluent-bit"
        ]
    );
    // A Prometheus configuration that loads both files, as the docs say.
    // Debian's promtool is built without Kubernetes service discovery (it
    // refuses `kubernetes_sd_configs` as an unknown field), so the pod
    // jobs' discovery is replaced by a static target: everything else of
    // each job, its relabelling above all, is checked as rendered.
    let mut configs = scrape["scrape_configs"].clone();
    for c in configs.as_array_mut().unwrap() {
        // The log agent runs in a namespace of its own.
        let namespace = if c["job_name"] == "dify-fluent-bit" {
            "dify-logging"
        } else {
            "dify"
        };
        if let Some(sd) = c.as_object_mut().unwrap().remove("kubernetes_sd_configs") {
            assert_eq!(sd[0]["role"], "pod");
            assert_eq!(sd[0]["namespaces"]["names"], json!([namespace]));
            c["static_configs"] = json!([{"targets": ["127.0.0.1:9"]}]);
        }
    }
    let config = json!({
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
        "rule_files": ["dify.rules.yaml"],
        "scrape_configs": configs,
    });
    std::fs::write(dir.join("prometheus.yml"), config.to_string()).unwrap();
    let (ok, text) = tool("promtool", &["check", "config", "prometheus.yml"], &dir);
    assert!(ok, "promtool check config:\n{text}");
}

#[test]
fn amtool_checks_the_configuration_and_routes_each_tier_to_its_receiver() {
    for profile in ["ha", "dev"] {
        let (_tmp, out) = render(profile);
        let dir = out.join("alertmanager");
        let (ok, text) = tool("amtool", &["check-config", "alertmanager.yaml"], &dir);
        assert!(ok, "{profile}: amtool check-config:\n{text}");
        let route = |labels: &[&str], receiver: &str| {
            let mut args = vec![
                "config",
                "routes",
                "test",
                "--config.file=alertmanager.yaml",
            ];
            let verify = format!("--verify.receivers={receiver}");
            args.push(&verify);
            args.extend_from_slice(labels);
            tool("amtool", &args, &dir)
        };
        for component in [
            "api", "worker", "beat", "postgres", "redis", "etcd", "entry",
        ] {
            let c = format!("component={component}");
            for (severity, receiver) in [("critical", "dify-critical"), ("warning", "dify-warning")]
            {
                let s = format!("severity={severity}");
                let (ok, text) = route(&["release=dify", &c, &s], receiver);
                assert!(
                    ok,
                    "{profile}: {severity} {component} must reach {receiver}:\n{text}"
                );
            }
        }
        // And the test would notice a warning paging someone.
        let (ok, _) = route(
            &["release=dify", "component=api", "severity=warning"],
            "dify-critical",
        );
        assert!(
            !ok,
            "{profile}: a warning must not reach the critical receiver"
        );
    }
}

/// `POST path` with a JSON body; returns the status code.
fn http_post(port: u16, path: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect((LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {LOCALHOST}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_real_alertmanager_inhibits_the_warnings_of_a_component_with_a_critical() {
    let (tmp, out) = render("ha");
    let mut config = yaml(&out.join("alertmanager/alertmanager.yaml"));
    // The rendered routing and inhibition, unchanged; the receivers are
    // swapped for a webhook on 127.0.0.1, so no notification can leave
    // this machine (and the credential files need not exist).
    let sink = free_port();
    for r in config["receivers"].as_array_mut().unwrap() {
        let name = r["name"].clone();
        *r = json!({"name": name, "webhook_configs": [{"url": format!("http://{LOCALHOST}:{sink}/")}]});
    }
    let config_file = tmp.path().join("alertmanager.json");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let port = free_port();
    let mut cmd = Command::new(require_program("prometheus-alertmanager"));
    cmd.arg(format!("--config.file={}", config_file.display()))
        .arg(format!(
            "--storage.path={}",
            tmp.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={LOCALHOST}:{port}"))
        // No cluster listener: nothing binds beyond the one port.
        .arg("--cluster.listen-address=");
    let _alertmanager = Process::spawn("alertmanager", cmd, tmp.path().join("alertmanager.log"));
    wait_for(
        "alertmanager ready",
        Duration::from_secs(30),
        Duration::from_millis(200),
        || http_get(port, "/-/ready").filter(|(status, _)| *status == 200),
    )
    .unwrap();
    let alert = |alertname: &str, severity: &str, component: &str| json!({"labels": {"alertname": alertname, "severity": severity, "component": component, "release": "dify"}});
    let alerts = json!([
        alert("DifyComponentDegraded", "warning", "api"),
        alert("DifyComponentDown", "critical", "api"),
        alert("DifyComponentDegraded", "warning", "worker"),
    ]);
    assert_eq!(
        http_post(port, "/api/v2/alerts", &alerts.to_string()),
        Some(200)
    );
    let state = |body: &str, alertname: &str, component: &str| -> Option<(String, usize)> {
        let alerts: Value = serde_json::from_str(body).ok()?;
        alerts.as_array()?.iter().find_map(|a| {
            (a["labels"]["alertname"] == alertname && a["labels"]["component"] == component).then(
                || {
                    (
                        a["status"]["state"].as_str().unwrap_or("").to_string(),
                        a["status"]["inhibitedBy"].as_array().map_or(0, Vec::len),
                    )
                },
            )
        })
    };
    let (body, _) = wait_for(
        "the api warning inhibited",
        Duration::from_secs(20),
        Duration::from_millis(250),
        || {
            let (status, body) = http_get(port, "/api/v2/alerts")?;
            (status == 200 && state(&body, "DifyComponentDegraded", "api")?.1 == 1).then_some(body)
        },
    )
    .unwrap();
    assert_eq!(
        state(&body, "DifyComponentDegraded", "api"),
        Some(("suppressed".to_string(), 1))
    );
    assert_eq!(
        state(&body, "DifyComponentDown", "api"),
        Some(("active".to_string(), 0))
    );
    // The worker's warning has no critical of its own: it is delivered.
    assert_eq!(
        state(&body, "DifyComponentDegraded", "worker"),
        Some(("active".to_string(), 0))
    );
}

#[test]
fn every_dashboard_query_parses_and_selects_scraped_series() {
    for profile in ["ha", "dev"] {
        let mut sources = Sources::default();
        let loaded = pipeline::checked(&[format!("profiles/{profile}.yaml")], &[], &mut sources)
            .unwrap_or_else(|d| panic!("{profile}: {d:?}"));
        let plan = Plan::new(&loaded.topology);
        let facts = Facts::of(&plan).expect("the profile has monitoring");
        let (_tmp, out) = render(profile);
        let tree = read_tree(&out);
        let boards: Vec<_> = tree.keys().filter(|p| p.starts_with("grafana/")).collect();
        assert_eq!(boards.len(), 3, "{profile}: {boards:?}");
        let mut queries = 0;
        for path in boards {
            let doc: Value = serde_json::from_slice(&tree[path]).expect("dashboards are JSON");
            for panel in doc["panels"].as_array().unwrap() {
                for target in panel["targets"].as_array().unwrap() {
                    let expr = target["expr"].as_str().unwrap();
                    let selectors = promql::selectors(expr)
                        .unwrap_or_else(|e| panic!("{path}: `{expr}` does not parse: {e}"));
                    assert!(!selectors.is_empty(), "{path}: `{expr}` selects nothing");
                    for s in &selectors {
                        let problems = selector_problems(&facts, s, true);
                        assert!(problems.is_empty(), "{path}: `{expr}`: {problems:?}");
                    }
                    queries += 1;
                }
            }
        }
        assert!(queries >= 12, "{profile}: {queries} queries");
    }
}

#[test]
fn every_workload_rendered_has_its_availability_rules_and_is_reachable_by_its_scraper() {
    let (_tmp, out) = render("ha");
    let tree = read_tree(&out);
    let rules = yaml(&out.join("prometheus/dify.rules.yaml"));
    let exprs: Vec<(String, String)> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["alert"].as_str().unwrap().to_string(),
                r["expr"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let objects: Vec<Value> = tree
        .iter()
        .filter(|(p, _)| p.starts_with("kubernetes/") && !p.ends_with("kustomization.yaml"))
        .flat_map(|(_, text)| parse_stream(&String::from_utf8_lossy(text)))
        .collect();
    let mut workloads = 0;
    for o in &objects {
        let label = match o["kind"].as_str() {
            Some("Deployment") => "deployment",
            Some("StatefulSet") => "statefulset",
            _ => continue,
        };
        let selector = format!("{label}=\"{}\"", o["metadata"]["name"].as_str().unwrap());
        for alert in [
            "DifyComponentDegraded",
            "DifyComponentFailing",
            "DifyComponentDown",
        ] {
            assert!(
                exprs
                    .iter()
                    .any(|(a, e)| a == alert && e.contains(&selector)),
                "{alert} does not watch {selector}"
            );
        }
        workloads += 1;
    }
    // The Dify Deployments (11), the data layer (4 StatefulSets and the
    // Redis master proxy) and the OTel Collector.
    assert_eq!(workloads, 17);
    // Each PodMonitor's port is open to Prometheus' namespace in its
    // component's NetworkPolicy.
    let port_of = |component: &str, name: &str| -> i64 {
        objects
            .iter()
            .filter(|o| {
                ["StatefulSet", "Deployment", "DaemonSet"].contains(&o["kind"].as_str().unwrap())
                    && o["metadata"]["labels"]["app.kubernetes.io/component"] == component
            })
            .flat_map(|o| {
                o["spec"]["template"]["spec"]["containers"]
                    .as_array()
                    .unwrap()
                    .iter()
            })
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == name)
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or_else(|| panic!("{component} has no port {name}"))
    };
    let monitors: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "PodMonitor")
        .collect();
    // PostgreSQL, etcd, Redis, the OTel Collector, the plugin daemon
    // (0.6.3 in 1.16.1 serves `/metrics/`) and the log agent.
    assert_eq!(monitors.len(), 6);
    for m in monitors {
        let component = m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
            .as_str()
            .unwrap();
        let port = port_of(
            component,
            m["spec"]["podMetricsEndpoints"][0]["port"]
                .as_str()
                .unwrap(),
        );
        let policy = objects
            .iter()
            .find(|o| {
                o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == format!("dify-{component}")
            })
            .unwrap();
        let open = policy["spec"]["ingress"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| {
                rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    == "monitoring"
                    && rule["ports"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["port"] == port)
            });
        assert!(open, "{component}: port {port} closed to Prometheus");
    }
}

/// The monitoring files of both profiles, for review (the objects are in
/// the render snapshots).
#[test]
fn monitoring_files_snapshot() {
    for profile in ["ha", "dev"] {
        let (_tmp, out) = render(profile);
        let tree = read_tree(&out);
        let mut text = String::new();
        for (path, bytes) in &tree {
            let shown = path.starts_with("alertmanager/")
                || path.ends_with(".rules.yaml")
                || path.ends_with("scrape-configs.yaml");
            if shown {
                text.push_str(&format!("=== {path}\n{}", String::from_utf8_lossy(bytes)));
            }
        }
        insta::assert_snapshot!(format!("monitoring_files_{profile}"), text);
    }
}

/// The metrics the `ha` profile's built-in rules and dashboards select
/// from one of dify-gen's own jobs (`postgres`, `etcd`, `redis`), for the
/// tests that read them from the real programs.
pub fn selected_metrics(component: &str) -> BTreeSet<String> {
    let mut sources = Sources::default();
    let loaded = pipeline::checked(&["profiles/ha.yaml".to_string()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("the ha profile loads: {d:?}"));
    let plan = Plan::new(&loaded.topology);
    let facts = Facts::of(&plan).expect("the ha profile has monitoring");
    let job = facts.own_job(component);
    let mut exprs: Vec<String> = facts.all_rules().map(|r| r.expr.clone()).collect();
    for d in dify_gen::render::grafana::dashboards(&plan, &facts) {
        exprs.extend(
            d.panels
                .into_iter()
                .flat_map(|p| p.queries.into_iter().map(|(e, _)| e)),
        );
    }
    let mut out = BTreeSet::new();
    for expr in exprs {
        for s in promql::selectors(&expr).expect("built-in queries parse") {
            if s.value("job") == Some(job.as_str()) {
                out.extend(s.metric.filter(|m| m != "up"));
            }
        }
    }
    assert!(!out.is_empty(), "no metric of job {job}");
    out
}

/// Whether a Prometheus text exposition has a sample of `metric`.
pub fn exposes(text: &str, metric: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(metric)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
    })
}

#[test]
fn redis_exporter_with_the_rendered_sidecar_settings_reads_roles_and_queue_lengths() {
    let (tmp, out) = render("ha");
    let set = yaml(&out.join("kubernetes/statefulset-dify-redis.yaml"));
    let sidecar = set["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "redis-exporter")
        .expect("the redis_exporter sidecar")
        .clone();
    let env = |name: &str| -> String {
        sidecar["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .and_then(|e| e["value"].as_str())
            .unwrap_or_else(|| panic!("sidecar env {name}"))
            .to_string()
    };
    assert_eq!(env("REDIS_ADDR"), "redis://localhost:6379");
    // A Redis with a password, holding three tasks in the `dataset` queue
    // of the broker's database.
    let redis_port = free_port();
    let password = "monitoring-test-password";
    let mut redis = Command::new(require_program("redis-server"));
    redis.args([
        "--port",
        &redis_port.to_string(),
        "--bind",
        LOCALHOST,
        "--requirepass",
        password,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
    ]);
    redis.arg(tmp.path());
    let _redis = Process::spawn("redis", redis, tmp.path().join("redis.log"));
    let mut conn = wait_for(
        "redis",
        Duration::from_secs(20),
        Duration::from_millis(100),
        || crate::realprograms::harness::Resp::connect(redis_port, password).ok(),
    )
    .unwrap()
    .0;
    conn.call(&["SELECT", "1"]).unwrap();
    for task in ["a", "b", "c"] {
        conn.call(&["LPUSH", "dataset", task]).unwrap();
    }
    // The exporter as the sidecar runs it, pointed at this Redis.
    let port = free_port();
    let mut exporter = Command::new(require_program("prometheus-redis-exporter"));
    exporter
        .env_clear()
        .env("REDIS_ADDR", format!("redis://{LOCALHOST}:{redis_port}"))
        .env("REDIS_PASSWORD", password)
        .env(
            "REDIS_EXPORTER_CHECK_SINGLE_KEYS",
            env("REDIS_EXPORTER_CHECK_SINGLE_KEYS"),
        )
        .env(
            "REDIS_EXPORTER_WEB_LISTEN_ADDRESS",
            format!("{LOCALHOST}:{port}"),
        );
    let _exporter = Process::spawn("redis_exporter", exporter, tmp.path().join("exporter.log"));
    let (text, _) = wait_for(
        "redis_exporter metrics",
        Duration::from_secs(20),
        Duration::from_millis(200),
        || {
            http_get(port, "/metrics")
                .filter(|(status, body)| *status == 200 && body.contains("redis_up 1"))
                .map(|(_, body)| body)
        },
    )
    .unwrap();
    for metric in selected_metrics("redis") {
        assert!(
            exposes(&text, &metric),
            "redis_exporter does not expose `{metric}`"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("redis_instance_info{") && l.contains("role=\"master\"")),
        "no role label"
    );
    assert!(
        text.lines().any(|l| l.starts_with("redis_key_size{")
            && l.contains("db=\"db1\"")
            && l.contains("key=\"dataset\"")
            && l.ends_with(" 3")),
        "the `dataset` queue's length is not exported as the rules select it:\n{}",
        text.lines()
            .filter(|l| l.contains("key_size"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
