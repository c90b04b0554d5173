//! Every value dify-gen hands to a program is one that program accepts: a
//! fuzz test with a fixed seed and budget sets random leaves of both
//! profiles (and, now and then, a random PostgreSQL parameter) to odd
//! values. Each render must either fail with a finding at the field, or
//! produce files the real programs accept:
//! - `patroni --validate-config` on every rendered `patroni.yml`;
//! - Patroni's own parameter handling keeps every parameter as written, and
//!   the PostgreSQL of the image's major (15 or 17) reads them all
//!   (`postgres -C`);
//! - `redis-server` and `redis-sentinel`, started by the rendered start-up
//!   scripts with the rendered `redis.conf` and `sentinel.conf`, come up and
//!   answer.
//!
//! The budget is 400 cases or 75 s, whichever ends first
//! (`DIFY_GEN_MEANING_FUZZ_CASES`, `DIFY_GEN_MEANING_FUZZ_SECONDS` raise it
//! for a longer local run; `DIFY_GEN_MEANING_FUZZ_SEED` picks another seed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::harness::{
    exclusive, free_port, patroni_program, require_redis_programs, run_bounded, wait_for,
    write_file, Process, Reply, Resp, LOCALHOST,
};
use super::postgres::{patroni_views, ConfigJudge};
use crate::support::{budget, Rng};
use dify_gen::diagnostic::Diagnostic;
use dify_gen::pipeline::{self, Refused};
use dify_gen::postgres::{Catalogue, VarType};
use dify_gen::render::{Content, FAMILIES};
use dify_gen::source::Sources;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PASSWORD: &str = "fuzz-redis-password";

/// Codes of checks that compare two fields and report at the other one
/// (a request above the limit just lowered, a budget that no longer fits):
/// a mutation may rightly be reported there.
const CROSS_FIELD: &[&str] = &[
    "T103", "T104", "T107", "T109", "T110", "T113", "T114", "T141", "T148", "T201", "T202", "T203",
    "T204", "T205", "T206", "T207", "T208", "T220",
    // a request above its limit, found in the rendered pod spec (the
    // OpenTelemetry collector's resources have no topology check of their own)
    "V114",
];

/// Patroni 4.1.3's `--validate-config` refuses `synchronous_mode: quorum`,
/// which Patroni itself runs (patroni/patroni#3606, fixed by #3681 after
/// 4.1.3); the Patroni test runs a quorum cluster on this very file.
const PATRONI_VALIDATOR_BUG: &str = "bootstrap.dcs.synchronous_mode quorum is not a boolean";

fn profile(name: &str) -> Value {
    let mut sources = Sources::default();
    let path = format!("{ROOT}/profiles/{name}.yaml");
    let file = dify_gen::load::read(&path, &mut sources).expect("read profile");
    dify_gen::load::parse_one(&sources, file, "topology")
        .unwrap_or_else(|_| panic!("profile {name} parses"))
        .to_json()
}

/// Every scalar of a document, by JSON pointer.
fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(
                    v,
                    format!("{pointer}/{}", dify_gen::source::pointer_segment(k)),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

/// Odd values for a leaf that holds `original`.
fn odd_value(rng: &mut Rng, original: &Value) -> Value {
    let general = [
        json!(""),
        json!(" "),
        json!("0"),
        json!("-1"),
        json!(0),
        json!(-1),
        json!(1),
        json!(2_147_483_648u64),
        json!(4_294_967_296u64),
        json!(i64::MAX),
        json!(1e308),
        json!(0.5),
        json!(true),
        json!(false),
        Value::Null,
        json!("a b"),
        json!("/"),
        json!(".."),
        json!("-"),
        json!("x".repeat(300)),
        json!("100Ei"),
        json!("0Gi"),
        json!("3"),
        json!("1m"),
        json!("é"),
        json!("line\nbreak"),
        json!("it's"),
        json!("say \"hi\""),
        json!("$(HOME)"),
        json!("{{ x }}"),
        json!("%s"),
        json!("UPPER"),
        json!("a.b..c"),
        json!("# comment"),
        json!("key: value"),
        json!("*"),
    ];
    if rng.below(3) == 0 {
        return rng.pick(&general).clone();
    }
    match original {
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(0.0);
            let options = [
                json!(n + 1.0),
                json!(n - 1.0),
                json!(n * 2.0),
                json!(n * 1000.0),
                json!(-n),
                json!(n.to_string()),
                json!(format!("{n}Gi")),
                json!(n / 3.0),
                json!(2),
                json!(100_000),
            ];
            rng.pick(&options).clone()
        }
        Value::String(s) => {
            let options = [
                format!("{s} "),
                format!(" {s}"),
                s.to_uppercase(),
                format!("{s}{}", "x".repeat(60)),
                format!("{s}."),
                s.chars().take(1).collect(),
                s.replace('-', "_"),
                format!("{s}\n"),
                format!("{s}'"),
                format!("0{s}"),
                format!("{s}:8080"),
                s.replace('.', ".."),
                format!("{s}2"),
                format!("x{s}"),
                s.replace(['a', 'e'], "o"),
            ];
            json!(rng.pick(&options))
        }
        Value::Bool(b) => rng.pick(&[json!(!b), json!("yes"), json!("on")]).clone(),
        _ => rng.pick(&general).clone(),
    }
}

/// A parameter of the catalogue, with a value near or past its rules.
fn odd_parameter(rng: &mut Rng, catalogue: &Catalogue) -> (String, Value) {
    let settings: Vec<_> = catalogue
        .settings()
        .filter(|s| s.vartype != VarType::String && s.context != "internal")
        .collect();
    let s = *rng.pick(&settings);
    let number = |v: Option<f64>| v.map_or_else(|| "0".to_string(), |v| format!("{v}"));
    let mut options = vec![
        s.boot.to_string(),
        number(s.min),
        number(s.max),
        number(s.min.map(|v| v - 1.0)),
        number(s.max.map(|v| v + 1.0)),
        format!("{} ", s.boot),
        "a b".into(),
        String::new(),
        "1GB".into(),
        "1kB".into(),
        "1ms".into(),
        "1min".into(),
        "0x10".into(),
        "1e3".into(),
        "tru".into(),
        "on".into(),
        "OFF".into(),
    ];
    options.extend(s.enumvals.iter().map(|v| v.to_uppercase()));
    options.extend(s.enumvals.iter().map(|v| v.to_string()));
    (s.name.to_string(), json!(rng.pick(&options)))
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key, value);
        }
        Some(Value::Array(items)) => {
            let i: usize = key.parse().expect("index");
            items[i] = value;
        }
        _ => panic!("no parent at {parent}"),
    }
}

/// Whether a finding's field is the mutated one, inside it, or above it.
fn related(finding: &str, mutated: &str) -> bool {
    finding == mutated
        || finding.starts_with(&format!("{mutated}."))
        || finding.starts_with(&format!("{mutated}["))
        || mutated.starts_with(&format!("{finding}."))
        || mutated.starts_with(&format!("{finding}["))
}

/// Judges the findings of a refused case; `Err` says what is wrong.
fn judge_findings(
    findings: &[Diagnostic],
    mutated: &[String],
    file: &str,
    sources: &Sources,
) -> Result<(), String> {
    let errors: Vec<&Diagnostic> = findings.iter().filter(|d| d.is_error()).collect();
    if errors.is_empty() {
        return Err("refused without an error".into());
    }
    for e in &errors {
        let at_topology = e.span.is_some_and(|s| sources.name(s.file) == file);
        if !at_topology || e.path.is_none() {
            return Err(format!(
                "error not at a topology field: {}",
                e.render(sources)
            ));
        }
    }
    let dotted: Vec<String> = mutated
        .iter()
        .map(|p| dify_gen::source::dotted(p))
        .collect();
    let at_field = errors.iter().any(|e| {
        let path = e.path.as_deref().unwrap_or("");
        dotted.iter().any(|m| related(path, m)) || CROSS_FIELD.contains(&e.code)
    });
    if at_field {
        Ok(())
    } else {
        Err(format!(
            "no error at the mutated fields {dotted:?}:\n{}",
            errors.iter().map(|e| e.render(sources)).collect::<String>()
        ))
    }
}

/// The files of the data layer's ConfigMaps, by key.
fn config_files(artifacts: &[dify_gen::render::Artifact]) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for a in artifacts {
        let Content::Object(object) = &a.content else {
            continue;
        };
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        if object["kind"] != "ConfigMap"
            || !(name.ends_with("-postgres-patroni") || name.ends_with("-redis-config"))
        {
            continue;
        }
        for (k, v) in object["data"].as_object().into_iter().flatten() {
            files.insert(k.clone(), v.as_str().unwrap_or("").to_string());
        }
    }
    files
}

/// The real programs, and what they have judged so far.
struct Programs {
    root: tempfile::TempDir,
    patroni: PathBuf,
    etcd_stand_in: TcpListener,
    judged: BTreeSet<String>,
    /// Distinct `patroni.yml` files to hand to Patroni's parameter code
    /// and PostgreSQL at the end, by major.
    parameter_sets: BTreeMap<u32, Vec<PathBuf>>,
    counts: BTreeMap<&'static str, usize>,
}

impl Programs {
    fn new() -> Programs {
        require_redis_programs();
        // `--validate-config` connects to each etcd host; a listening
        // socket on 127.0.0.1 stands in for etcd (nothing else is asked).
        let etcd_stand_in =
            TcpListener::bind((LOCALHOST, free_port())).expect("bind etcd stand-in");
        Programs {
            root: tempfile::tempdir().expect("tempdir"),
            patroni: patroni_program(),
            etcd_stand_in,
            judged: BTreeSet::new(),
            parameter_sets: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    fn first_time(&mut self, what: &str, text: &str) -> bool {
        use sha2::Digest;
        let digest = format!("{what}:{:x}", sha2::Sha256::digest(text.as_bytes()));
        self.judged.insert(digest)
    }

    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    fn judge(&mut self, files: &BTreeMap<String, String>, major: u32) -> Result<(), String> {
        if let Some(config) = files.get("patroni.yml") {
            if self.first_time("patroni", config) {
                self.validate_patroni(config)?;
                let path = self
                    .root
                    .path()
                    .join(format!("patroni-{}.yml", self.judged.len()));
                fs::write(&path, config).expect("write patroni.yml");
                self.parameter_sets.entry(major).or_default().push(path);
            }
        }
        if let (Some(conf), Some(script)) = (files.get("redis.conf"), files.get("start-redis.sh")) {
            let sentinel = (files.get("sentinel.conf"), files.get("start-sentinel.sh"));
            let key = format!("{conf}{script}{:?}", sentinel);
            if self.first_time("redis", &key) {
                let (Some(sentinel_conf), Some(sentinel_script)) = sentinel else {
                    return Err("redis.conf without sentinel.conf".into());
                };
                self.start_redis(conf, script, sentinel_conf, sentinel_script)?;
            }
        }
        Ok(())
    }

    fn validate_patroni(&mut self, config: &str) -> Result<(), String> {
        self.count("patroni --validate-config");
        let dir = tempfile::tempdir_in(self.root.path()).expect("tempdir");
        let file = dir.path().join("patroni.yml");
        fs::write(&file, config).expect("write patroni.yml");
        let etcd = self.etcd_stand_in.local_addr().expect("address").port();
        let mut command = Command::new(&self.patroni);
        command
            .arg("--validate-config")
            .arg(&file)
            .env("HOME", dir.path())
            // What the StatefulSet gives each pod; the connect addresses are
            // the pod's IP there (192.0.2.10 is a documentation address:
            // the validator only reads it, nothing is sent to it).
            .env("PATRONI_NAME", "dify-postgres-0")
            .env("PATRONI_RESTAPI_CONNECT_ADDRESS", "192.0.2.10:8008")
            .env("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "192.0.2.10:5432")
            // Addresses and directories that differ outside the pod.
            .env(
                "PATRONI_RESTAPI_LISTEN",
                format!("{LOCALHOST}:{}", free_port()),
            )
            .env(
                "PATRONI_POSTGRESQL_LISTEN",
                format!("{LOCALHOST}:{}", free_port()),
            )
            .env("PATRONI_ETCD3_HOSTS", format!("'{LOCALHOST}:{etcd}'"))
            .env("PATRONI_POSTGRESQL_DATA_DIR", dir.path().join("data"))
            .env("PATRONI_POSTGRESQL_BIN_DIR", "/usr/lib/postgresql/15/bin")
            .env("PATRONI_POSTGRESQL_PGPASS", dir.path().join("pgpass"));
        let (ok, out) = run_bounded(command, Duration::from_secs(30));
        let complaints: Vec<&str> = out
            .lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != PATRONI_VALIDATOR_BUG)
            .collect();
        if ok || complaints.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "patroni --validate-config refuses patroni.yml:\n{}\n---\n{config}",
                complaints.join("\n")
            ))
        }
    }

    fn start_redis(
        &mut self,
        conf: &str,
        script: &str,
        sentinel_conf: &str,
        sentinel_script: &str,
    ) -> Result<(), String> {
        self.count("redis-server and redis-sentinel");
        let dir = tempfile::tempdir_in(self.root.path()).expect("tempdir");
        let d = dir.path();
        // The one address in the files: 127.0.0.1 only, not every interface.
        if !conf.contains("\nbind * -::*\n") {
            return Err(format!("redis.conf does not bind as expected:\n{conf}"));
        }
        write_file(
            &d.join("redis.conf"),
            &conf.replace("\nbind * -::*\n", "\nbind 127.0.0.1\n"),
            0o644,
        );
        write_file(
            &d.join("sentinel.conf"),
            &format!("{sentinel_conf}bind 127.0.0.1\n"),
            0o644,
        );
        write_file(&d.join("start-redis.sh"), script, 0o755);
        write_file(&d.join("start-sentinel.sh"), sentinel_script, 0o755);
        fs::create_dir_all(d.join("data")).expect("data dir");
        let (redis_port, sentinel_port) = (free_port(), free_port());
        let script_command = |name: &str| {
            let mut c = Command::new("sh");
            c.arg(d.join(name))
                .env("REDIS_PASSWORD", PASSWORD)
                .env("SENTINEL_ADDRESSES", "")
                .env("LOOKUP_ROUNDS", "1")
                .env("BOOTSTRAP_MASTER", format!("{LOCALHOST}:{redis_port}"));
            c
        };
        let mut redis = script_command("start-redis.sh");
        redis
            .env("POD_NAME", "dify-redis-0")
            .env("REDIS_PORT", redis_port.to_string())
            .env("REDIS_ANNOUNCE_HOST", LOCALHOST)
            .env("REDIS_CONF_SOURCE", d.join("redis.conf"))
            .env("REDIS_CONF_DIR", d.join("redis"))
            .env("REDIS_DATA_DIR", d.join("data"));
        let mut redis = Process::spawn("redis", redis, d.join("redis.log"));
        answers(&mut redis, redis_port, "redis-server", conf)?;
        let mut sentinel = script_command("start-sentinel.sh");
        sentinel
            .env("POD_NAME", "dify-sentinel-0")
            .env("SENTINEL_PORT", sentinel_port.to_string())
            .env("SENTINEL_ANNOUNCE_HOST", LOCALHOST)
            .env("SENTINEL_CONF_SOURCE", d.join("sentinel.conf"))
            .env("SENTINEL_CONF_DIR", d.join("sentinel"));
        let mut sentinel = Process::spawn("sentinel", sentinel, d.join("sentinel.log"));
        answers(
            &mut sentinel,
            sentinel_port,
            "redis-sentinel",
            sentinel_conf,
        )
    }

    /// Patroni's parameter code and PostgreSQL on every distinct parameter
    /// set, once, at the end.
    fn judge_parameters(&mut self) -> Vec<String> {
        let mut failures = Vec::new();
        let sets = std::mem::take(&mut self.parameter_sets);
        for (major, files) in sets {
            let Some(judge) = ConfigJudge::new(major) else {
                *self
                    .counts
                    .entry("parameter sets of a major without a test server")
                    .or_default() += files.len();
                continue;
            };
            for (file, view) in files.iter().zip(patroni_views(major, &files)) {
                self.count("parameter sets read by Patroni and PostgreSQL");
                let config = fs::read_to_string(file).expect("read back");
                if !view.changed.is_empty() {
                    failures.push(format!(
                        "Patroni changes parameters {:?} of:\n{config}",
                        view.changed
                    ));
                } else if let Err(why) = judge.accepts(&view.conf) {
                    failures.push(format!("PostgreSQL {major} refuses:\n{}\n{why}", view.conf));
                }
            }
        }
        failures
    }
}

/// Waits until the server started by `process` answers on `port`, or has
/// exited (it refused its configuration).
fn answers(process: &mut Process, port: u16, program: &str, conf: &str) -> Result<(), String> {
    let answered = wait_for(
        program,
        Duration::from_secs(15),
        Duration::from_millis(50),
        || {
            let mut c = Resp::connect(port, PASSWORD).ok()?;
            matches!(c.call(&["PING"]), Ok(Reply::Status(s)) if s == "PONG").then_some(())
        },
    );
    match answered {
        Ok(_) => {
            process.kill();
            Ok(())
        }
        Err(why) => Err(format!(
            "{program} did not come up ({why}):\n{}\n--- config:\n{conf}",
            process.log_tail(20)
        )),
    }
}

#[test]
fn odd_values_are_refused_at_their_field_or_accepted_by_the_programs() {
    let _one = exclusive();
    let (max_cases, seconds, seed) = (
        budget("DIFY_GEN_MEANING_FUZZ_CASES", 400),
        budget("DIFY_GEN_MEANING_FUZZ_SECONDS", 75),
        budget("DIFY_GEN_MEANING_FUZZ_SEED", 0x5EED_1717_D1F7_6E17),
    );
    let profiles = [("ha", profile("ha")), ("dev", profile("dev"))];
    let leaf_lists: Vec<Vec<String>> = profiles
        .iter()
        .map(|(_, doc)| {
            let mut out = Vec::new();
            leaves(doc, String::new(), &mut out);
            out
        })
        .collect();
    let mut rng = Rng(seed.max(1));
    let mut programs = Programs::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let (mut cases, mut refused, mut rendered) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    // The time budget ends the run only once it has enough of both sides
    // (the assertions below), so a slow or loaded machine runs longer
    // rather than too few cases; `max_cases` bounds it.
    let enough =
        |cases: u64, rendered: u64, refused: u64| cases >= 40 && rendered >= 10 && refused >= 10;
    while cases < max_cases
        && (started.elapsed() < Duration::from_secs(seconds) || !enough(cases, rendered, refused))
    {
        let which = rng.below(profiles.len());
        let mut doc = profiles[which].1.clone();
        let mut mutated = Vec::new();
        // Half the cases aim at the data layer, whose files the programs read.
        let data_layer: Vec<String> = leaf_lists[which]
            .iter()
            .filter(|p| {
                [
                    "/postgres",
                    "/redis",
                    "/etcd",
                    "/images/postgres",
                    "/images/redis",
                    "/metadata",
                ]
                .iter()
                .any(|s| p.starts_with(s))
            })
            .cloned()
            .collect();
        let pool = if rng.below(2) == 0 {
            &data_layer
        } else {
            &leaf_lists[which]
        };
        for _ in 0..1 + rng.below(2) {
            let pointer = rng.pick(pool).clone();
            if doc.pointer(&pointer).is_none() {
                continue;
            }
            let original = doc.pointer(&pointer).cloned().unwrap_or(Value::Null);
            set(&mut doc, &pointer, odd_value(&mut rng, &original));
            mutated.push(pointer);
        }
        if rng.below(4) == 0 {
            let major = dify_gen::topology::DEFAULT_POSTGRES_MAJOR;
            let (name, value) = odd_parameter(&mut rng, Catalogue::of(major).expect("catalogue"));
            if let Some(Value::Object(params)) = doc.pointer_mut("/postgres/patroni/parameters") {
                let pointer = format!(
                    "/postgres/patroni/parameters/{}",
                    dify_gen::source::pointer_segment(&name)
                );
                params.insert(name, value);
                mutated.push(pointer);
            }
        }
        cases += 1;
        let file = dir.path().join(format!("case-{cases}.json"));
        let text = serde_json::to_string_pretty(&doc).expect("serialise");
        fs::write(&file, &text).expect("write case");
        let file = file.display().to_string();
        let mut sources = Sources::default();
        let outcome = match pipeline::checked(std::slice::from_ref(&file), &[], &mut sources) {
            Err(findings) => Err(findings),
            Ok(loaded) => match pipeline::rendered(&loaded, FAMILIES, &mut sources, "1.37") {
                Ok(out) => Ok((out, loaded.topology.images.postgres_major())),
                Err(Refused::Invalid(findings)) => Err(findings),
                Err(Refused::Leaks(leaks)) => {
                    failures.push(format!(
                        "case {cases}: the secret firewall fired: {leaks:?}\n{text}"
                    ));
                    continue;
                }
            },
        };
        match outcome {
            Err(findings) => {
                refused += 1;
                if let Err(why) = judge_findings(&findings, &mutated, &file, &sources) {
                    failures.push(format!("case {cases} ({mutated:?}): {why}"));
                }
            }
            Ok((out, major)) => {
                rendered += 1;
                if let Err(why) = programs.judge(&config_files(&out.artifacts), major) {
                    failures.push(format!(
                        "case {cases} ({mutated:?} = {:?}): {why}",
                        mutated.iter().map(|p| doc.pointer(p)).collect::<Vec<_>>()
                    ));
                }
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    failures.extend(programs.judge_parameters());
    eprintln!(
        "meaning fuzz: {cases} cases in {:.0}s: {refused} refused at their field, {rendered} rendered; real programs: {:?}",
        started.elapsed().as_secs_f64(),
        programs.counts
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(cases >= 40, "only {cases} cases within the budget");
    assert!(
        rendered >= 10 && refused >= 10,
        "{rendered} rendered, {refused} refused: the mutations miss one side"
    );
}
