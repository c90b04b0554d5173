//! Property test over random valid topologies (fixed seed, bounded budget):
//! whatever the topology's checks accept must render, pass the secret
//! firewall (no false alarm on names, tags, digests or identifiers), pass
//! the same validation as `dify-gen validate`, and keep every name within
//! its Kubernetes limit.
//!
//! Topologies layer over `ha` or `dev` and draw, within the schema's
//! limits: release names up to 40 characters, namespaces up to 63, image
//! tags up to 128 characters of the tag alphabet or `sha256` digests,
//! 1 to 5 zones, replicas, spread, autoscaling, the PostgreSQL and Redis
//! modes, the vector store, the entry and identifier fields (buckets,
//! hosts) of every shape those fields allow.

use crate::support::{budget, Rng};
use dify_gen::names::{dns, kubernetes};
use dify_gen::source::Sources;
use serde_json::{json, Value};

/// The draws the generator needs, over the shared fixed-seed generator.
trait Draw {
    fn chance(&mut self, percent: usize) -> bool;
    fn one<'a>(&mut self, items: &[&'a str]) -> &'a str;
    fn text(&mut self, alphabet: &str, len: usize) -> String;
    fn label(&mut self, max: usize) -> String;
    fn tag(&mut self) -> String;
    fn image(&mut self, repo: &str) -> String;
}

impl Draw for Rng {
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn one<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `len` characters of `alphabet`.
    fn text(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| chars[self.below(chars.len())]).collect()
    }

    /// A DNS label of 1 to `max` characters, starting with a letter.
    fn label(&mut self, max: usize) -> String {
        let len = 1 + self.below(max);
        let mut s = self.text("abcdefghijklmnopqrstuvwxyz", 1);
        if len > 1 {
            s.push_str(&self.text("abcdefghijklmnopqrstuvwxyz0123456789-", len - 2));
            s.push_str(&self.text("abcdefghijklmnopqrstuvwxyz0123456789", 1));
        }
        s
    }

    /// An image tag as registries allow: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    fn tag(&mut self) -> String {
        let len = match self.below(4) {
            0 => 1 + self.below(8),
            1 => 20 + self.below(30),
            _ => 1 + self.below(128),
        };
        let mut t = self.text(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_",
            1,
        );
        t.push_str(&self.text(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
            len - 1,
        ));
        if t.eq_ignore_ascii_case("latest") {
            t.push('1');
        }
        t
    }

    fn image(&mut self, repo: &str) -> String {
        if self.chance(30) {
            format!("{repo}@sha256:{}", self.text("0123456789abcdef", 64))
        } else {
            format!("{repo}:{}", self.tag())
        }
    }
}

fn topology(rng: &mut Rng) -> Value {
    let profile = if rng.chance(70) { "ha" } else { "dev" };
    let zones: Vec<String> = {
        let n = 1 + rng.below(5);
        let mut z: Vec<String> = Vec::new();
        while z.len() < n {
            let name = if rng.chance(50) {
                format!(
                    "{}-{}",
                    rng.one(&["eu-west-1", "us-east-2", "ap-south-1"]),
                    rng.text("abcdef", 1)
                )
            } else {
                rng.label(63)
            };
            if !z.contains(&name) {
                z.push(name);
            }
        }
        z
    };
    let mut t = json!({
        "apiVersion": "dify-gen.io/v1alpha1",
        "kind": "Topology",
        "profile": profile,
        "metadata": {"name": rng.label(40), "namespace": rng.label(63)},
        "zones": zones,
        "nodes": [],
        "images": {
            "api": rng.image("langgenius/dify-api"),
            "web": rng.image("registry.example.com/mirror/dify-web"),
            "sandbox": rng.image("langgenius/dify-sandbox"),
            "pluginDaemon": rng.image("langgenius/dify-plugin-daemon"),
            "ssrfProxy": rng.image("ubuntu/squid"),
        },
        "storage": {"s3": {
            "bucket": format!("{}-{}", rng.label(20), rng.text("abcdefghijklmnopqrstuvwxyz0123456789", 12)),
            "pluginBucket": format!("{}-plugins", rng.label(30)),
        }},
        "components": {},
    });
    if rng.chance(50) {
        t["storage"]["s3"]["endpoint"] =
            format!("https://{}.{}.example.com", rng.label(20), rng.label(10)).into();
    }
    for (key, max) in [
        ("api", 6),
        ("worker", 6),
        ("web", 6),
        ("sandbox", 6),
        ("pluginDaemon", 4),
        ("ssrfProxy", 4),
    ] {
        let replicas = 1 + rng.below(max);
        let mut c = json!({"replicas": replicas, "spread": rng.one(&["zone", "host", "none"])});
        if matches!(key, "web" | "sandbox") && rng.chance(40) {
            c["autoscaling"] = json!({"maxReplicas": replicas + rng.below(4), "targetCpuPercent": 50 + rng.below(40)});
        }
        if rng.chance(20) {
            c["nodeSelector"] = json!({"node.example.com/pool": rng.label(63)});
        }
        t["components"][key] = c;
    }
    if profile == "ha" {
        // More members than zones keep the quorum checks quiet only with
        // enough zones; odd counts, as the ha profile promises.
        let members = [3, 5][rng.below(2)];
        t["etcd"] = json!({"members": members});
    }
    if rng.chance(40) {
        t["postgres"] = json!({
            "mode": "external",
            "patroni": null,
            "external": {"host": format!("{}.rds.amazonaws.com", rng.label(30)), "port": 5432, "sslMode": "require", "maxConnections": 5000},
        });
        t["etcd"] = Value::Null;
        // pgBackRest backs up the Patroni cluster dify-gen runs; a managed
        // database keeps its own backups (T212 refuses the section).
        t["backup"] = Value::Null;
    } else {
        t["postgres"] = json!({"patroni": {"parameters": {"max_connections": 5000, "shared_buffers": "256MB"}}});
    }
    if rng.chance(40) {
        let sentinels = rng.chance(50);
        let mut external = json!({"host": format!("{}.cache.example.com", rng.label(30)), "port": 6379, "useSsl": rng.chance(50)});
        if sentinels {
            external["sentinels"] = json!([
                format!("{}:26379", rng.label(20)),
                format!("{}:26379", rng.label(20))
            ]);
            external["masterSet"] = rng.label(20).into();
            external["masterEndpoint"] =
                json!({"host": format!("{}.cache.example.com", rng.label(30)), "port": 6379});
        }
        t["redis"] = json!({"mode": "external", "sentinel": null, "external": external});
    }
    let store = rng.one(&["weaviate", "qdrant", "milvus"]);
    t["vectorStore"] = json!({"type": store});
    // Only Weaviate reads the profile's gRPC endpoint (T223 otherwise).
    if store != "weaviate" {
        t["vectorStore"]["grpcEndpoint"] = serde_json::Value::Null;
    }
    match rng.below(3) {
        0 => t["ingress"] = json!({"controller": "f5-nginx"}),
        1 => {
            t["ingress"] = json!({"controller": "gateway-api", "gateway": {
                "name": rng.label(40), "namespace": rng.label(40),
                "implementation": rng.one(&["standard", "nginx-gateway-fabric"]),
            }})
        }
        _ => t["ingress"] = json!({"controller": "ingress-nginx"}),
    }
    t["ingress"]["host"] = format!("{}.{}.example.com", rng.label(30), rng.label(20)).into();
    t
}

/// Every name in a rendered object within its limit, by the rules of
/// `dify_gen::names` (the same `dify-gen validate` applies).
fn names_within_limits(doc: &Value, path: &str) {
    let kind = doc["kind"].as_str().unwrap_or_default();
    let name = doc["metadata"]["name"].as_str().unwrap_or_default();
    assert!(
        name.len() <= kubernetes::max_len(kind) && dns::subdomain(name).is_ok(),
        "{path}: {kind} name `{name}` ({} characters)",
        name.len()
    );
    let mut labels: Vec<&Value> = vec![&doc["metadata"]["labels"]];
    let template = if kind == "CronJob" {
        &doc["spec"]["jobTemplate"]["spec"]["template"]
    } else {
        &doc["spec"]["template"]
    };
    labels.push(&template["metadata"]["labels"]);
    for map in labels.into_iter().filter_map(Value::as_object) {
        for (k, v) in map {
            let v = v.as_str().unwrap_or_default();
            assert!(kubernetes::label_key(k).is_ok(), "{path}: label key `{k}`");
            assert!(
                kubernetes::label_value(v).is_ok(),
                "{path}: label `{k}: {v}` ({} characters)",
                v.len()
            );
        }
    }
    for c in template["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(
            dns::label(c["name"].as_str().unwrap_or_default()).is_ok(),
            "{path}: container"
        );
        for p in c["ports"].as_array().into_iter().flatten() {
            let port = p["name"].as_str().unwrap_or("http");
            assert!(kubernetes::port_name(port).is_ok(), "{path}: port `{port}`");
        }
    }
    for p in doc["spec"]["ports"].as_array().into_iter().flatten() {
        let port = p["name"].as_str().unwrap_or("http");
        assert!(kubernetes::port_name(port).is_ok(), "{path}: port `{port}`");
    }
}

#[test]
fn random_valid_topologies_render_validate_and_keep_names_within_limits() {
    // DIFY_GEN_PROPERTY_CASES / _SECONDS raise the budget for a longer
    // local run; CI keeps the default.
    let (cases, seconds) = (
        budget("DIFY_GEN_PROPERTY_CASES", 80),
        budget("DIFY_GEN_PROPERTY_SECONDS", 30),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let started = std::time::Instant::now();
    let (mut rendered, mut refused) = (0u64, Vec::new());
    // The time budget only cuts the run short after the first `MIN_CASES`
    // renders, so a slow or loaded machine runs fewer cases, never too few.
    const MIN_CASES: u64 = 20;
    for case in 0..cases {
        if rendered >= MIN_CASES && started.elapsed() > std::time::Duration::from_secs(seconds) {
            break;
        }
        let t = topology(&mut rng);
        let file = dir.path().join(format!("case-{case}.yaml"));
        std::fs::write(&file, dify_gen::emit::yaml::to_string(&t)).unwrap();
        let file = file.to_str().unwrap().to_string();
        let mut sources = Sources::default();
        let loaded =
            match dify_gen::pipeline::checked(std::slice::from_ref(&file), &[], &mut sources) {
                Ok(l) => l,
                Err(found) => {
                    // The generator stays within the schema; what a check
                    // refuses (a quorum over too few zones) is fine, but it
                    // must be a finding of a check, never of the schema.
                    for d in &found {
                        assert!(
                            d.code.starts_with("T1") || d.code.starts_with("T2"),
                            "case {case}: a schema finding for a topology within the schema:\n{}",
                            d.render(&sources)
                        );
                    }
                    if std::env::var("DIFY_GEN_PROPERTY_SHOW").is_ok() {
                        for d in &found {
                            eprintln!("{}", d.render(&sources));
                        }
                    }
                    // Named by its first error (warnings come first in
                    // source order, and do not refuse).
                    let first = found.iter().find(|d| d.is_error()).unwrap_or(&found[0]);
                    refused.push(first.code);
                    continue;
                }
            };
        let out =
            dify_gen::pipeline::rendered(&loaded, dify_gen::render::FAMILIES, &mut sources, "1.37")
                .unwrap_or_else(|why| {
                    let found = match why {
                        dify_gen::pipeline::Refused::Leaks(d)
                        | dify_gen::pipeline::Refused::Invalid(d) => d,
                    };
                    let shown: String = found.iter().map(|d| d.render(&sources)).collect();
                    panic!("case {case} ({file}) was accepted but does not render:\n{shown}")
                });
        for a in &out.artifacts {
            if let Some(doc) = a.object_doc() {
                names_within_limits(doc, &format!("case {case} {}", a.path));
            }
        }
        rendered += 1;
    }
    eprintln!(
        "{rendered} random topologies rendered and validated, {} refused by checks ({:?})",
        refused.len(),
        refused
    );
    assert!(
        rendered >= MIN_CASES.min(cases),
        "only {rendered} of {cases} topologies rendered"
    );
    assert!(
        rendered as usize >= refused.len(),
        "the generator should mostly make valid topologies"
    );
}
