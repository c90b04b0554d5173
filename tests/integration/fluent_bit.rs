//! The rendered Fluent Bit pipeline, run on real log lines of every
//! component with the patterns exactly as rendered, through Onigmo's
//! sibling Oniguruma (the `onig` crate) with Fluent Bit's Ruby syntax.
//!
//! The driver below is a small model of the Fluent Bit 5.1 plugins the
//! pipeline uses; it reads every rule, regex and property from the
//! rendered `fluent-bit.yaml` and refuses any plugin or property it does
//! not model (so a change of the pipeline cannot slip past it). What it
//! models, from Fluent Bit's sources:
//! - regexes (`flb_regex.c`): `/pattern/opts` stripping, Ruby syntax,
//!   UTF-8, `onig_search` (unanchored) semantics;
//! - `match` (a `*` glob on the tag) and `match_regex` (search on the tag);
//! - `multiline` filter, buffered (`flb_ml_rule.c`, `flb_ml.c`): one
//!   stream per tag; in a continuation, only the non-start rules whose
//!   states include the current rule's `next_state` are tried, in order;
//!   a match appends `\n` + line (a blank line appends `\n`); otherwise the
//!   start rules are tried, and a match flushes the pending record and
//!   starts a new one from this record; a rule whose `next_state` has a
//!   start rule flushes at once; no match flushes the pending record and
//!   passes the line on alone. The flushed record is the first line's
//!   record with `multiline.key_content` replaced by the joined text. The
//!   flush timeout is modelled as a flush of every stream at the end;
//! - `kubernetes`: pod, namespace and container from the tag, metadata
//!   from a fixture pod, `merge_log` of a JSON object string into the
//!   record, `keep_log off`;
//! - `nest` `lift`, `modify` (`rename`, `remove`, `set`, `add`, `copy`,
//!   `condition` `Key_exists`/`Key_does_not_exist`/`Key_value_matches`,
//!   all conditions ANDed), `parser` (the listed regex parsers in order,
//!   named captures, empty captures skipped, `reserve_data on`,
//!   `preserve_key off`), `grep` and `log_to_metrics` (rules in order: a
//!   `regex` that fails excludes and one that matches keeps; an `exclude`
//!   that matches excludes), `log_to_metrics` counters by `label_field`.
//!
//! Not modelled: the tail input and its `cri` parser (the lines start as
//! the `log` field the CRI parser yields), timing, buffering, outputs.

use dify_gen::pipeline;
use dify_gen::plan::Plan;
use dify_gen::render::{self, Content};
use dify_gen::source::Sources;
use onig::{Regex, RegexOptions, Syntax};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Record = Map<String, Value>;

fn rendered(profile: &str) -> Vec<render::Artifact> {
    rendered_with(profile, &[])
}

fn rendered_with(profile: &str, sets: &[&str]) -> Vec<render::Artifact> {
    let mut sources = Sources::default();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let loaded = pipeline::checked(&[profile.to_string()], &sets, &mut sources)
        .unwrap_or_else(|d| panic!("{profile} loads: {d:?}"));
    let plan = Plan::new(&loaded.topology);
    render::render(&plan)
}

fn file<'a>(artifacts: &'a [render::Artifact], path: &str) -> &'a Content {
    &artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("{path} is rendered"))
        .content
}

/// `flb_regex_create`: `/pattern/` and `/pattern/imx` lose their slashes.
fn flb_regex(pattern: &str) -> Regex {
    let mut body = pattern;
    let mut options = RegexOptions::REGEX_OPTION_NONE;
    if pattern.len() > 1 && pattern.starts_with('/') {
        if let Some(end) = pattern.rfind('/').filter(|e| *e > 0) {
            let flags = &pattern[end + 1..];
            if flags.chars().all(|c| "imx".contains(c)) {
                for c in flags.chars() {
                    options |= match c {
                        'i' => RegexOptions::REGEX_OPTION_IGNORECASE,
                        'm' => RegexOptions::REGEX_OPTION_MULTILINE,
                        _ => RegexOptions::REGEX_OPTION_EXTEND,
                    };
                }
                body = &pattern[1..end];
            }
        }
    }
    Regex::with_options(body, options, Syntax::ruby())
        .unwrap_or_else(|e| panic!("Fluent Bit could not compile `{pattern}`: {e}"))
}

fn search(re: &Regex, text: &str) -> bool {
    re.find(text).is_some()
}

/// The named captures of a search, as `flb_regex_parse` hands them over
/// (`onig_foreach_name`), empty ones skipped.
fn named(re: &Regex, text: &str) -> Option<Vec<(String, String)>> {
    let caps = re.captures(text)?;
    let mut out = Vec::new();
    re.foreach_name(|name, groups| {
        for g in groups {
            if let Some(m) = caps.at(*g as usize).filter(|m| !m.is_empty()) {
                out.push((name.to_string(), m.to_string()));
            }
        }
        true
    });
    Some(out)
}

/// `match`: `*` matches any run of characters.
fn glob(pattern: &str, tag: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = tag;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct MlRule {
    states: Vec<String>,
    regex: Regex,
    next: String,
}

impl MlRule {
    fn start(&self) -> bool {
        self.states.iter().any(|s| s == "start_state")
    }
}

#[derive(Default)]
struct Stream {
    rule: Option<usize>,
    first: Option<Record>,
    buf: String,
}

struct Event {
    tag: String,
    record: Record,
}

/// The pipeline, read from the rendered YAML.
struct Driver {
    parsers: BTreeMap<String, Regex>,
    multiline: BTreeMap<String, Vec<MlRule>>,
    filters: Vec<Map<String, Value>>,
    counters: BTreeMap<Vec<String>, u64>,
}

const IGNORED: &[&str] = &[
    "alias",
    "emitter_name",
    "emitter_storage.type",
    "emitter_mem_buf_limit",
    "flush_ms",
];

impl Driver {
    fn new(config: &Value) -> Driver {
        let parsers = config["parsers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["format"], "regex");
                (text(&p["name"]), flb_regex(p["regex"].as_str().unwrap()))
            })
            .collect();
        let multiline = config["multiline_parsers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let rules: Vec<MlRule> = m["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| MlRule {
                        states: text(&r["state"])
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .collect(),
                        regex: flb_regex(r["regex"].as_str().unwrap()),
                        next: text(&r["next_state"]),
                    })
                    .collect();
                assert!(rules[0].start(), "the first rule must be a start_state");
                (text(&m["name"]), rules)
            })
            .collect();
        let filters = config["pipeline"]["filters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_object().unwrap().clone())
            .collect();
        Driver {
            parsers,
            multiline,
            filters,
            counters: BTreeMap::new(),
        }
    }

    fn run(&mut self, mut events: Vec<Event>, pods: &Value) -> Vec<Event> {
        let filters = self.filters.clone();
        for f in &filters {
            let name = f["name"].as_str().unwrap();
            let applies = |tag: &str| match (f.get("match"), f.get("match_regex")) {
                (Some(m), None) => glob(m.as_str().unwrap(), tag),
                (None, Some(r)) => search(&flb_regex(r.as_str().unwrap()), tag),
                other => panic!("{name}: needs exactly one of match and match_regex: {other:?}"),
            };
            events = match name {
                "multiline" => self.multiline(f, events, &applies),
                _ => events
                    .into_iter()
                    .filter_map(|mut e| {
                        if !applies(&e.tag) {
                            return Some(e);
                        }
                        self.filter(name, f, &e.tag.clone(), &mut e.record, pods)
                            .then_some(e)
                    })
                    .collect(),
            };
        }
        events
    }

    fn multiline(
        &self,
        f: &Map<String, Value>,
        events: Vec<Event>,
        applies: &dyn Fn(&str) -> bool,
    ) -> Vec<Event> {
        for k in f.keys() {
            assert!(
                [
                    "name",
                    "match",
                    "match_regex",
                    "multiline.key_content",
                    "multiline.parser"
                ]
                .contains(&k.as_str())
                    || IGNORED.contains(&k.as_str()),
                "multiline: `{k}` is not modelled"
            );
        }
        let key = f["multiline.key_content"].as_str().unwrap();
        let rules = &self.multiline[f["multiline.parser"].as_str().unwrap()];
        let mut streams: BTreeMap<String, Stream> = BTreeMap::new();
        let mut out = Vec::new();
        let flush = |s: &mut Stream, tag: &str, out: &mut Vec<Event>| {
            if s.buf.is_empty() && s.first.is_none() {
                return;
            }
            let mut record = s.first.take().unwrap_or_default();
            record.insert(key.to_string(), Value::String(std::mem::take(&mut s.buf)));
            out.push(Event {
                tag: tag.to_string(),
                record,
            });
        };
        for e in events {
            if !applies(&e.tag) {
                out.push(e);
                continue;
            }
            let s = streams.entry(e.tag.clone()).or_default();
            let Some(line) = e
                .record
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                flush(s, &e.tag, &mut out);
                out.push(e);
                continue;
            };
            let mut matched = None;
            if let Some(cur) = s.rule {
                let state = &rules[cur].next;
                for (i, r) in rules.iter().enumerate() {
                    if r.start() || !r.states.contains(state) {
                        continue;
                    }
                    if search(&r.regex, &line) {
                        if !s.buf.is_empty() && !s.buf.ends_with('\n') {
                            s.buf.push('\n');
                        }
                        if line.is_empty() {
                            s.buf.push('\n');
                        } else {
                            s.buf.push_str(&line);
                        }
                        matched = Some(i);
                        break;
                    }
                }
            }
            if matched.is_none() {
                if let Some(i) = rules
                    .iter()
                    .position(|r| r.start() && search(&r.regex, &line))
                {
                    flush(s, &e.tag, &mut out);
                    s.buf = line.clone();
                    s.first = Some(e.record.clone());
                    matched = Some(i);
                }
            }
            match matched {
                Some(i) => {
                    s.rule = Some(i);
                    let next = &rules[i].next;
                    if rules.iter().any(|r| r.start() && r.states.contains(next)) {
                        flush(s, &e.tag, &mut out);
                    }
                }
                None => {
                    flush(s, &e.tag, &mut out);
                    out.push(e);
                }
            }
        }
        // The flush timeout.
        for (tag, s) in &mut streams {
            flush(s, tag, &mut out);
        }
        out
    }

    /// One record through one filter; false drops it.
    fn filter(
        &mut self,
        name: &str,
        f: &Map<String, Value>,
        tag: &str,
        r: &mut Record,
        pods: &Value,
    ) -> bool {
        let known: &[&str] = match name {
            "kubernetes" => &[
                "merge_log",
                "merge_log_trim",
                "keep_log",
                "labels",
                "annotations",
                "kube_url",
                "kube_tag_prefix",
                "k8s-logging.exclude",
                "buffer_size",
            ],
            "nest" => &["operation", "nested_under", "add_prefix"],
            "modify" => &["rename", "remove", "set", "add", "copy", "condition"],
            "parser" => &["key_name", "parser", "reserve_data", "preserve_key"],
            "grep" => &["exclude", "regex"],
            "log_to_metrics" => &[
                "regex",
                "exclude",
                "tag",
                "metric_mode",
                "metric_namespace",
                "metric_subsystem",
                "metric_name",
                "metric_description",
                "label_field",
            ],
            other => panic!("filter `{other}` is not modelled"),
        };
        for k in f.keys() {
            assert!(
                ["name", "match", "match_regex"].contains(&k.as_str())
                    || IGNORED.contains(&k.as_str())
                    || known.contains(&k.as_str()),
                "{name}: `{k}` is not modelled"
            );
        }
        match name {
            "kubernetes" => {
                assert_eq!(f["merge_log"], "on");
                assert_eq!(f["keep_log"], "off");
                let prefix = f["kube_tag_prefix"].as_str().unwrap();
                let file = tag.strip_prefix(prefix).expect("tag has the prefix");
                let meta = flb_regex(
                    r"^(?<pod>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)_(?<ns>[^_]+)_(?<container>.+)-(?<id>[a-z0-9]{64})\.log$",
                );
                let caps: BTreeMap<String, String> = named(&meta, file)
                    .expect("a container log file name")
                    .into_iter()
                    .collect();
                let pod = caps["pod"].as_str();
                let mut k = Map::new();
                k.insert("pod_name".into(), json!(pod));
                k.insert("namespace_name".into(), json!(caps["ns"]));
                k.insert("container_name".into(), json!(caps["container"]));
                k.insert("docker_id".into(), json!(caps["id"]));
                k.insert("host".into(), json!("node-a"));
                k.insert(
                    "pod_id".into(),
                    json!("0b7c2a6e-1111-2222-3333-444455556666"),
                );
                k.insert("labels".into(), pods[pod]["labels"].clone());
                if let Some(log) = r.get("log").and_then(Value::as_str) {
                    let trimmed = log.trim_end_matches(['\n', '\r']);
                    if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(trimmed) {
                        r.remove("log");
                        r.extend(fields);
                    }
                }
                r.insert("kubernetes".into(), Value::Object(k));
                true
            }
            "nest" => {
                assert_eq!(f["operation"], "lift");
                let under = text(&f["nested_under"]);
                let prefix = text(&f["add_prefix"]);
                if let Some(Value::Object(inner)) = r.remove(&under) {
                    for (k, v) in inner {
                        r.insert(format!("{prefix}{k}"), v);
                    }
                }
                true
            }
            "modify" => {
                let conditions = f.get("condition").map(list).unwrap_or_default();
                let holds = conditions.iter().all(|c| {
                    let mut parts = c.splitn(3, ' ');
                    let (op, key, arg) =
                        (parts.next().unwrap(), parts.next().unwrap(), parts.next());
                    match op {
                        "Key_exists" => r.contains_key(key),
                        "Key_does_not_exist" => !r.contains_key(key),
                        "Key_value_matches" => r
                            .get(key)
                            .and_then(Value::as_str)
                            .is_some_and(|v| search(&flb_regex(arg.unwrap()), v)),
                        other => panic!("modify condition `{other}` is not modelled"),
                    }
                });
                if !holds {
                    return true;
                }
                for (op, v) in f {
                    let rules = match op.as_str() {
                        "rename" | "remove" | "set" | "add" | "copy" => list(v),
                        _ => continue,
                    };
                    for rule in rules {
                        let mut parts = rule.splitn(2, ' ');
                        let (a, b) = (
                            parts.next().unwrap().to_string(),
                            parts.next().map(str::to_string),
                        );
                        match op.as_str() {
                            "remove" => {
                                r.remove(&a);
                            }
                            "rename" => {
                                let b = b.unwrap();
                                if r.contains_key(&a) && !r.contains_key(&b) {
                                    let v = r.remove(&a).unwrap();
                                    r.insert(b, v);
                                }
                            }
                            "copy" => {
                                let b = b.unwrap();
                                if let (Some(v), false) = (r.get(&a).cloned(), r.contains_key(&b)) {
                                    r.insert(b, v);
                                }
                            }
                            "set" => {
                                r.insert(a, json!(b.unwrap()));
                            }
                            "add" => {
                                r.entry(a).or_insert(json!(b.unwrap()));
                            }
                            _ => unreachable!(),
                        }
                    }
                }
                true
            }
            "parser" => {
                assert_eq!(f["reserve_data"], "on");
                assert_eq!(f["preserve_key"], "off");
                let key = text(&f["key_name"]);
                let Some(value) = r.get(&key).and_then(Value::as_str).map(str::to_string) else {
                    return true;
                };
                for parser in list(&f["parser"]) {
                    let Some(fields) = named(&self.parsers[&parser], &value) else {
                        continue;
                    };
                    r.remove(&key);
                    for (name, v) in fields {
                        r.insert(name, json!(v));
                    }
                    r.insert("_parser".into(), json!(parser));
                    break;
                }
                true
            }
            "grep" | "log_to_metrics" => {
                let mut rules: Vec<(bool, String)> = Vec::new();
                for (op, v) in f {
                    if op == "regex" || op == "exclude" {
                        rules.extend(list(v).into_iter().map(|rule| (op == "regex", rule)));
                    }
                }
                let mut keep = true;
                for (is_regex, rule) in rules {
                    let (key, pattern) = rule.split_once(' ').unwrap();
                    let hit = r
                        .get(key)
                        .and_then(Value::as_str)
                        .is_some_and(|v| search(&flb_regex(pattern), v));
                    match (is_regex, hit) {
                        (true, false) | (false, true) => {
                            keep = false;
                            break;
                        }
                        (true, true) => break,
                        (false, false) => {}
                    }
                }
                if name == "grep" {
                    return keep;
                }
                if keep {
                    let labels = list(&f["label_field"])
                        .iter()
                        .map(|k| r.get(k).map(text).unwrap_or_default())
                        .collect();
                    *self.counters.entry(labels).or_default() += 1;
                }
                true
            }
            _ => unreachable!(),
        }
    }
}

const ID: &str = "3f1c9a8b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a";

/// A pod of the release, with the labels dify-gen gives it.
fn pod(pods: &mut Value, name: &str, component: &str) {
    pods[name] = json!({"labels": {
        "app.kubernetes.io/name": "dify",
        "app.kubernetes.io/instance": "dify",
        "app.kubernetes.io/component": component,
    }});
}

fn line(pod: &str, container: &str, log: &str) -> Event {
    let mut record = Map::new();
    record.insert("time".into(), json!("2025-06-01T10:00:00.000000000Z"));
    record.insert("stream".into(), json!("stderr"));
    record.insert("_p".into(), json!("F"));
    record.insert("log".into(), json!(log));
    Event {
        tag: format!("kube.var.log.containers.{pod}_dify_{container}-{ID}.log"),
        record,
    }
}

const API: &str = "dify-api-7c9d8f6b5-x2k4q";
const API2: &str = "dify-api-7c9d8f6b5-p9w3z";
const WORKER: &str = "dify-worker-5b6c7d8e9f-7hq2m";
const DAEMON: &str = "dify-plugin-daemon-6d5c4b3a21-k8s7d";
const SANDBOX: &str = "dify-sandbox-58f7c9d6b4-q1w2e";
const PROXY: &str = "dify-ssrf-proxy-7f6e5d4c3b-z9y8x";
const WEB: &str = "dify-web-6b5a4c3d2e-m3n4b";
const PG: &str = "dify-postgres-0";
const REDIS: &str = "dify-redis-1";
const ETCD: &str = "dify-etcd-2";

fn events() -> (Vec<Event>, Value) {
    let mut pods = json!({});
    for (p, c) in [
        (API, "api"),
        (API2, "api"),
        (WORKER, "worker"),
        (DAEMON, "plugin-daemon"),
        (SANDBOX, "sandbox"),
        (PROXY, "ssrf-proxy"),
        (WEB, "web"),
        (PG, "postgres"),
        (REDIS, "redis"),
        (ETCD, "etcd"),
    ] {
        pod(&mut pods, p, c);
    }
    let e = vec![
        line(API, "api", r#"{"ts": "2025-06-01T10:00:00.123Z", "severity": "ERROR", "service": "api", "caller": "controllers/console/app/completion.py:123", "message": "Failed to generate: model quota exceeded", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "identity": {"tenant_id": "t-1", "user_id": "u-1", "user_type": "account"}, "stack_trace": "Traceback (most recent call last):\n  File \"/app/api/x.py\", line 1, in f\nQuotaExceededError: quota"}"#),
        // gunicorn's own error, with a chained traceback, interleaved with
        // other pods' lines.
        line(API2, "api", "[2025-06-01 10:00:01 +0000] [7] [ERROR] Exception in worker process"),
        line(API2, "api", "Traceback (most recent call last):"),
        line(WORKER, "worker", r#"{"ts": "2025-06-01T10:00:01.500Z", "severity": "INFO", "service": "worker", "caller": "tasks/mail.py:40", "message": "sent"}"#),
        line(API2, "api", r#"  File "/app/api/.venv/lib/python3.12/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker"#),
        line(API2, "api", "    worker.init_process()"),
        line(WEB, "web", "  ▲ Next.js 15.5.0"),
        line(API2, "api", "ModuleNotFoundError: No module named 'extensions.ext_storage'"),
        line(API2, "api", ""),
        line(API2, "api", "During handling of the above exception, another exception occurred:"),
        line(API2, "api", ""),
        line(API2, "api", "Traceback (most recent call last):"),
        line(API2, "api", r#"  File "/app/api/app.py", line 12, in <module>"#),
        line(API2, "api", "    app = create_app()"),
        line(API2, "api", "RuntimeError: app failed to start"),
        line(API2, "api", "[2025-06-01 10:00:02 +0000] [7] [INFO] Worker exiting (pid: 7)"),
        // Celery's task failure.
        line(WORKER, "worker", "[2025-06-01 10:00:03,210: ERROR/ForkPoolWorker-2] Task tasks.document_indexing_task[6f1c] raised unexpected: ConnectionError('Error 111 connecting to dify-redis:6379. Connection refused.')"),
        line(WORKER, "worker", "Traceback (most recent call last):"),
        line(WORKER, "worker", r#"  File "/app/api/.venv/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task"#),
        line(WORKER, "worker", "    R = retval = fun(*args, **kwargs)"),
        line(WORKER, "worker", "redis.exceptions.ConnectionError: Error 111 connecting to dify-redis:6379. Connection refused."),
        // The plugin daemon: a JSON warning and a Go panic.
        line(DAEMON, "plugin-daemon", r#"{"ts":"2025-06-01T10:00:04.1Z","severity":"WARN","service":"dify-plugin-daemon","caller":"plugin_manager/manager.go:88","message":"plugin runtime restarting","attributes":{"plugin":"langgenius/openai"}}"#),
        line(DAEMON, "plugin-daemon", "panic: runtime error: invalid memory address or nil pointer dereference"),
        line(DAEMON, "plugin-daemon", "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x12a4f0c]"),
        line(DAEMON, "plugin-daemon", ""),
        line(DAEMON, "plugin-daemon", "goroutine 81 [running]:"),
        line(DAEMON, "plugin-daemon", "github.com/langgenius/dify-plugin-daemon/internal/core/plugin_manager.(*PluginManager).Launch(0x0, {0x1b0e2c0, 0xc000123})"),
        line(DAEMON, "plugin-daemon", "\t/app/internal/core/plugin_manager/manager.go:120 +0x2c"),
        line(DAEMON, "plugin-daemon", "created by main.main in goroutine 1"),
        // The sandbox: a health probe (dropped), a run, a start-up line.
        line(SANDBOX, "sandbox", r#"[GIN] 2025/06/01 - 10:00:05 | 200 |      18.2µs |     10.244.1.1 | GET      "/health""#),
        line(SANDBOX, "sandbox", r#"[GIN] 2025/06/01 - 10:00:05 | 500 |   1.204511s |     10.244.2.7 | POST     "/v1/sandbox/run""#),
        line(SANDBOX, "sandbox", "2025/06/01 10:00:05 setup.go:29: [INFO]initializing python runner environment..."),
        // squid: a tunnel, a TCP probe (dropped), an error.
        line(PROXY, "ssrf-proxy", "1748772006.412    903 10.244.3.9 TCP_TUNNEL/200 6042 CONNECT api.openai.com:443 - HIER_DIRECT/162.159.140.245 -"),
        line(PROXY, "ssrf-proxy", "1748772007.001      0 10.244.0.1 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -"),
        line(PROXY, "ssrf-proxy", "2025/06/01 10:00:07 kid1| ERROR: Connection to 10.0.0.8 failed"),
        // web: an error with its stack.
        line(WEB, "web", " ⨯ Error: fetch failed"),
        line(WEB, "web", "    at async Promise.all (index 0)"),
        line(WEB, "web", "    at async RootLayout (/app/web/.next/server/app/layout.js:1:2)"),
        // PostgreSQL under Patroni.
        line(PG, "postgres", "2025-06-01 10:00:08,101 INFO: no action. I am (dify-postgres-0), the leader with the lock"),
        line(PG, "postgres", "2025-06-01 10:00:08.312 UTC [4121] ERROR:  duplicate key value violates unique constraint \"accounts_email_key\""),
        line(PG, "postgres", "2025-06-01 10:00:08.313 UTC [4121] LOG:  checkpoint starting: time"),
        // Redis and etcd.
        line(REDIS, "redis", "1:S 01 Jun 2025 10:00:09.001 # Connection with master lost."),
        line(REDIS, "redis", "1:S 01 Jun 2025 10:00:09.002 * MASTER <-> REPLICA sync started"),
        line(ETCD, "etcd", r#"{"level":"warn","ts":"2025-06-01T10:00:10.000Z","caller":"etcdserver/server.go:1100","msg":"slow fdatasync","took":"1.2s"}"#),
    ];
    (e, pods)
}

fn records(out: &[Event], component: &str) -> Vec<Record> {
    out.iter()
        .filter(|e| e.record.get("component").and_then(Value::as_str) == Some(component))
        .map(|e| e.record.clone())
        .collect()
}

#[test]
fn real_log_lines_of_every_component_come_out_as_records() {
    let artifacts = rendered("profiles/ha.yaml");
    let Content::Yaml(config) = file(&artifacts, "fluent-bit/fluent-bit.yaml") else {
        panic!("fluent-bit.yaml is YAML");
    };
    let mut driver = Driver::new(config);
    let (events, pods) = events();
    let out = driver.run(events, &pods);
    let get = |r: &Record, k: &str| r.get(k).map(text).unwrap_or_default();
    // Every record is labelled.
    for e in &out {
        for k in ["release", "component", "pod", "severity", "namespace"] {
            assert!(e.record.contains_key(k), "{k} missing in {:?}", e.record);
        }
        assert!(
            !e.record.contains_key("kubernetes"),
            "metadata is flattened"
        );
    }

    let api = records(&out, "api");
    assert_eq!(api.len(), 3, "{api:#?}");
    // Dify's JSON line became fields.
    let json_line = api.iter().find(|r| r.contains_key("trace_id")).unwrap();
    assert_eq!(get(json_line, "severity"), "ERROR");
    assert_eq!(
        get(json_line, "message"),
        "Failed to generate: model quota exceeded"
    );
    assert_eq!(json_line["identity"]["tenant_id"], "t-1");
    assert_eq!(get(json_line, "pod"), API);
    assert!(!json_line.contains_key("log"));
    // The traceback joined the gunicorn line that started it.
    let crash = api
        .iter()
        .find(|r| get(r, "message") == "Exception in worker process")
        .unwrap();
    assert_eq!(get(crash, "_parser"), "dify-gunicorn");
    assert_eq!(get(crash, "severity"), "ERROR");
    let st = get(crash, "stack_trace");
    assert!(
        st.starts_with("Traceback (most recent call last):\n  File"),
        "{st}"
    );
    assert!(
        st.contains(
            "ModuleNotFoundError: No module named 'extensions.ext_storage'\n\nDuring handling"
        ),
        "{st}"
    );
    assert!(st.ends_with("RuntimeError: app failed to start"), "{st}");
    assert!(
        !st.contains("Next.js") && !st.contains("sent"),
        "other pods' lines stay out"
    );
    let exiting = api
        .iter()
        .find(|r| get(r, "message") == "Worker exiting (pid: 7)")
        .unwrap();
    assert_eq!(get(exiting, "severity"), "INFO");

    let worker = records(&out, "worker");
    assert_eq!(worker.len(), 2, "{worker:#?}");
    let task = worker
        .iter()
        .find(|r| get(r, "_parser") == "dify-celery")
        .unwrap();
    assert_eq!(get(task, "severity"), "ERROR");
    assert_eq!(get(task, "process"), "ForkPoolWorker-2");
    assert!(get(task, "message")
        .starts_with("Task tasks.document_indexing_task[6f1c] raised unexpected"));
    assert!(get(task, "stack_trace").ends_with("redis.exceptions.ConnectionError: Error 111 connecting to dify-redis:6379. Connection refused."));

    let daemon = records(&out, "plugin-daemon");
    assert_eq!(daemon.len(), 2, "{daemon:#?}");
    assert_eq!(get(&daemon[0], "severity"), "WARNING");
    assert_eq!(daemon[0]["attributes"]["plugin"], "langgenius/openai");
    let panic = &daemon[1];
    assert_eq!(get(panic, "severity"), "CRITICAL");
    assert_eq!(
        get(panic, "message"),
        "runtime error: invalid memory address or nil pointer dereference"
    );
    assert!(get(panic, "stack_trace").contains("goroutine 81 [running]:\ngithub.com/langgenius"));
    assert!(get(panic, "stack_trace").ends_with("created by main.main in goroutine 1"));

    let sandbox = records(&out, "sandbox");
    assert_eq!(
        sandbox.len(),
        2,
        "the probe's request line is dropped: {sandbox:#?}"
    );
    assert_eq!(get(&sandbox[0], "status"), "500");
    assert_eq!(get(&sandbox[0], "path"), "/v1/sandbox/run");
    assert_eq!(get(&sandbox[1], "severity"), "INFO");
    assert_eq!(
        get(&sandbox[1], "message"),
        "initializing python runner environment..."
    );

    let proxy = records(&out, "ssrf-proxy");
    assert_eq!(
        proxy.len(),
        2,
        "the TCP probe's record is dropped: {proxy:#?}"
    );
    assert_eq!(get(&proxy[0], "squid_status"), "TCP_TUNNEL");
    assert_eq!(get(&proxy[0], "url"), "api.openai.com:443");
    assert_eq!(get(&proxy[0], "severity"), "INFO");
    assert_eq!(get(&proxy[1], "severity"), "ERROR");

    let web = records(&out, "web");
    assert_eq!(web.len(), 2, "{web:#?}");
    assert_eq!(get(&web[1], "severity"), "ERROR");
    assert!(get(&web[1], "message")
        .ends_with("at async RootLayout (/app/web/.next/server/app/layout.js:1:2)"));

    let pg = records(&out, "postgres");
    let sev: Vec<String> = pg.iter().map(|r| get(r, "severity")).collect();
    assert_eq!(sev, ["INFO", "ERROR", "INFO"]);
    assert_eq!(get(&pg[0], "_parser"), "dify-patroni");
    assert_eq!(get(&pg[1], "_parser"), "dify-postgres");

    let redis: Vec<String> = records(&out, "redis")
        .iter()
        .map(|r| get(r, "severity"))
        .collect();
    assert_eq!(redis, ["WARNING", "INFO"]);
    let etcd = records(&out, "etcd");
    assert_eq!(get(&etcd[0], "severity"), "WARNING");
    assert_eq!(get(&etcd[0], "msg"), "slow fdatasync");

    // Errors counted per pod, as the alerts read them.
    let count = |component: &str, pod: &str| {
        driver
            .counters
            .get(&vec![
                "dify".to_string(),
                "dify".to_string(),
                component.to_string(),
                pod.to_string(),
            ])
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(count("api", API), 1);
    assert_eq!(count("api", API2), 1);
    assert_eq!(count("worker", WORKER), 1);
    assert_eq!(count("plugin-daemon", DAEMON), 1);
    assert_eq!(count("postgres", PG), 1);
    assert_eq!(count("redis", REDIS), 0);
    assert_eq!(count("web", WEB), 1);
    assert_eq!(count("ssrf-proxy", PROXY), 1);
    assert_eq!(
        driver.counters.values().sum::<u64>(),
        7,
        "{:?}",
        driver.counters
    );
}

/// Fluent Bit's classic tokenizer for `rule` lines (`flb_slist_split_tokens`):
/// double-quoted tokens, `\"` unescaped.
fn classic_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while let Some(body) = rest.strip_prefix('"') {
        let mut end = 0;
        let bytes = body.as_bytes();
        while end < bytes.len() && !(bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\')) {
            end += 1;
        }
        out.push(body[..end].replace("\\\"", "\""));
        rest = body[(end + 1).min(body.len())..].trim_start();
    }
    assert!(rest.is_empty(), "unquoted token in `{s}`");
    out
}

/// Sections of a classic file: `[NAME]` then `key value` lines.
fn classic_sections(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push((name.to_string(), Vec::new()));
            continue;
        }
        let (k, v) = line.split_once(' ').unwrap();
        out.last_mut()
            .unwrap()
            .1
            .push((k.to_string(), v.trim().to_string()));
    }
    out
}

#[test]
fn classic_format_says_what_the_yaml_says() {
    let artifacts = rendered("profiles/ha.yaml");
    let Content::Yaml(yaml) = file(&artifacts, "fluent-bit/fluent-bit.yaml") else {
        panic!()
    };
    let Content::Text(main) = file(&artifacts, "fluent-bit/fluent-bit.conf") else {
        panic!()
    };
    let Content::Text(parsers) = file(&artifacts, "fluent-bit/parsers.conf") else {
        panic!()
    };
    let flat = |m: &Map<String, Value>| -> Vec<(String, String)> {
        m.iter()
            .flat_map(|(k, v)| list(v).into_iter().map(move |v| (k.clone(), v)))
            .collect()
    };
    let mut want = vec![("SERVICE".to_string(), {
        let mut s = flat(yaml["service"].as_object().unwrap());
        s.push(("parsers_file".into(), "parsers.conf".into()));
        s
    })];
    for (section, key) in [
        ("INPUT", "inputs"),
        ("FILTER", "filters"),
        ("OUTPUT", "outputs"),
    ] {
        for p in yaml["pipeline"][key].as_array().unwrap() {
            want.push((section.to_string(), flat(p.as_object().unwrap())));
        }
    }
    assert_eq!(classic_sections(main), want);
    let mut want = Vec::new();
    for p in yaml["parsers"].as_array().unwrap() {
        want.push(("PARSER".to_string(), flat(p.as_object().unwrap())));
    }
    for m in yaml["multiline_parsers"].as_array().unwrap() {
        let mut entries = vec![
            ("name".to_string(), text(&m["name"])),
            ("type".to_string(), text(&m["type"])),
            ("flush_timeout".to_string(), text(&m["flush_timeout"])),
        ];
        for r in m["rules"].as_array().unwrap() {
            entries.push((
                "rule".into(),
                format!(
                    "{}|{}|{}",
                    text(&r["state"]),
                    text(&r["regex"]),
                    text(&r["next_state"])
                ),
            ));
        }
        want.push(("MULTILINE_PARSER".to_string(), entries));
    }
    let got: Vec<(String, Vec<(String, String)>)> = classic_sections(parsers)
        .into_iter()
        .map(|(name, entries)| {
            let entries = entries
                .into_iter()
                .map(|(k, v)| {
                    if k == "rule" {
                        (k, classic_tokens(&v).join("|"))
                    } else {
                        (k, v)
                    }
                })
                .collect();
            (name, entries)
        })
        .collect();
    assert_eq!(got, want);
}

/// How a log alert selects the agent's counter.
const SELECTS_THE_AGENT: &str = r#"dify_log_errors_total{job="dify-fluent-bit","#;

/// The log alerts are a group of the monitoring rules (their promtool
/// unit tests run with every other built-in rule in
/// `monitoring::promtool_checks_and_unit_tests_the_rendered_rules`): with
/// `logging.alerts` on, each long-running component the agent collects
/// has the warning and the critical tier, selecting the agent's job and
/// counter; the agent is scraped in its own namespace with its labels
/// honoured (the counts name the pod that logged, not the agent); with
/// `alerts.enabled: false` there is no log rule, the scrape stays.
#[test]
fn log_alerts_are_a_group_of_the_monitoring_rules() {
    use dify_gen::plan::monitoring::{Facts, Source};
    let rules_of = |sets: &[&str]| {
        let mut sources = Sources::default();
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let loaded = pipeline::checked(&["profiles/ha.yaml".to_string()], &sets, &mut sources)
            .unwrap_or_else(|d| panic!("loads: {d:?}"));
        let plan = Plan::new(&loaded.topology);
        let facts = Facts::of(&plan).expect("the ha profile has monitoring");
        let scrape = facts.job("dify-fluent-bit").map(|j| j.source.clone());
        let logs: Vec<(String, String, String)> = facts
            .groups
            .iter()
            .filter(|g| g.name == "dify-logs")
            .flat_map(|g| &g.rules)
            .map(|t| {
                (
                    t.rule.alert.clone(),
                    t.rule.component.clone(),
                    t.rule.expr.clone(),
                )
            })
            .collect();
        (logs, scrape)
    };
    let (logs, scrape) = rules_of(&[]);
    for component in [
        "api",
        "worker",
        "beat",
        "web",
        "sandbox",
        "plugin-daemon",
        "ssrf-proxy",
        "postgres",
        "redis",
    ] {
        for alert in ["DifyPodLoggingErrors", "DifyComponentErrorsWidespread"] {
            assert!(
                logs.iter().any(|(a, c, e)| {
                    a == alert && c == component && e.contains(SELECTS_THE_AGENT)
                }),
                "{alert} for {component}: {logs:?}"
            );
        }
    }
    assert!(
        logs.iter().all(|(_, c, _)| c != "migration"),
        "Jobs have no log alert"
    );
    match scrape {
        Some(Source::Pods {
            namespace,
            honor_labels,
            port_number,
            ..
        }) => {
            assert_eq!(
                (namespace.as_str(), honor_labels, port_number),
                ("dify-logging", true, 2021)
            );
        }
        other => panic!("the agent is scraped as pods: {other:?}"),
    }
    let (logs, scrape) = rules_of(&["logging.alerts.enabled=false"]);
    assert!(logs.is_empty());
    assert!(scrape.is_some());
}

/// A finding of `dify-gen validate`: code, line, column, message, help.
type Finding = (String, u64, u64, String, String);

/// `dify-gen validate` on a file: its exit code and findings.
fn validate_file(path: &std::path::Path) -> (i32, Vec<Finding>) {
    let run = crate::support::run(&["validate", "-o", "json", path.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let findings = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                text(&d["code"]),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                text(&d["message"]),
                d["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (run.code, findings)
}

/// The rendered configuration of both profiles meets the schema generated
/// from Fluent Bit 5.1's sources (`scripts/gen-fluent-bit-schema.py`), as
/// does a hand-written one in the spellings users write (classic-style
/// capitalised keys, `${VAR}` values, processors, other plugins); and the
/// schema refuses what Fluent Bit refuses (an unknown plugin, an unknown
/// property, a value that is no boolean), each at its line.
#[test]
fn fluent_bit_schema_from_its_sources_accepts_ours_and_refuses_unknown_plugins_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut ha = String::new();
    for profile in ["ha", "dev"] {
        let artifacts = rendered(&format!("profiles/{profile}.yaml"));
        let config = dify_gen::emit::text(file(&artifacts, "fluent-bit/fluent-bit.yaml"));
        let path = dir.path().join(format!("{profile}.fluent-bit.yaml"));
        std::fs::write(&path, &config).unwrap();
        assert_eq!(validate_file(&path), (0, vec![]), "{profile}");
        if profile == "ha" {
            ha = config;
        }
    }

    let users = "\
env:
  LOKI_HOST: loki.logging.svc
service:
  Flush: 5
  Log_Level: warn
  HTTP_Server: on
  storage.path: /var/fluent-bit/state
pipeline:
  inputs:
    - Name: tail
      Path: /var/log/containers/*.log
      multiline.parser: [docker, cri]
      Mem_Buf_Limit: 5MB
      Refresh_Interval: 10
      Skip_Long_Lines: On
      processors:
        logs:
          - name: content_modifier
            action: insert
            key: cluster
            value: prod
          - name: grep
            regex: log error
    - name: systemd
      systemd_filter: _SYSTEMD_UNIT=kubelet.service
      read_from_tail: on
  filters:
    - name: kubernetes
      match: kube.*
      Merge_Log: On
      K8S-Logging.Parser: On
    - name: modify
      match: '*'
      add: [cluster prod, region eu]
    - name: lua
      match: '*'
      script: /fluent-bit/scripts/filter.lua
      call: cb
    - name: rewrite_tag
      match: kube.*
      rule: $level ^(error)$ errors.$TAG false
  outputs:
    - name: loki
      match: '*'
      host: ${LOKI_HOST}
      port: 3100
      labels: job=fluent-bit
      tls: ${LOKI_TLS}
    - name: es
      match: errors.*
      host: es.logging.svc
      Logstash_Format: On
      Retry_Limit: False
    - name: forward
      match: audit.*
      host: fluentd
      port: 24224
    - name: http
      match: '*'
      host: collector
      header: [X-Team a, X-Env b]
      format: json_lines
";
    let path = dir.path().join("users.fluent-bit.yaml");
    std::fs::write(&path, users).unwrap();
    assert_eq!(validate_file(&path), (0, vec![]), "{users}");

    // Three faults in the rendered ha configuration.
    let line_of = |text: &str, needle: &str| -> u64 {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` is rendered")) as u64
            + 1
    };
    let broken = ha
        .replacen("  - name: loki", "  - name: lokii", 1)
        .replacen("    merge_log: ", "    merge_logs: ", 1)
        .replacen(
            "    skip_long_lines: \"on\"",
            "    skip_long_lines: maybe",
            1,
        );
    let path = dir.path().join("broken.fluent-bit.yaml");
    std::fs::write(&path, &broken).unwrap();
    let (code, findings) = validate_file(&path);
    assert_eq!(code, 1);
    let want = vec![
        (
            "V004".to_string(),
            line_of(&broken, "skip_long_lines: maybe"),
            22,
            "expected on, off, true, false, yes or no, found `maybe`".to_string(),
            String::new(),
        ),
        (
            "V001".to_string(),
            line_of(&broken, "merge_logs:"),
            5,
            "unknown field `merge_logs`".to_string(),
            "did you mean `merge_log`?".to_string(),
        ),
        (
            "V004".to_string(),
            line_of(&broken, "name: lokii"),
            11,
            "`lokii` is not an output plugin of Fluent Bit 5.1".to_string(),
            "did you mean `loki`?".to_string(),
        ),
    ];
    assert_eq!(findings, want);
}

/// The YAML configuration as the agent reads it (the ConfigMap's text,
/// without the file's header comment).
fn config_of(artifacts: &[render::Artifact]) -> String {
    let Content::Yaml(doc) = file(artifacts, "fluent-bit/fluent-bit.yaml") else {
        panic!("the configuration is YAML");
    };
    dify_gen::emit::yaml::to_string(doc)
}

/// `a == b` for long texts, reporting the first line that differs.
fn same_text(a: &str, b: &str, what: &str) {
    if let Some((i, (x, y))) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!("{what}: line {} differs:\n{x}\n{y}", i + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}: line count");
}

/// The agent's Kubernetes objects among the artifacts, by kind.
fn agent_objects(artifacts: &[render::Artifact]) -> BTreeMap<String, Value> {
    artifacts
        .iter()
        .filter_map(|a| match &a.content {
            Content::Object(o)
                if o["metadata"]["labels"]["app.kubernetes.io/component"] == "fluent-bit"
                    || o["metadata"]["name"] == "dify-logging" =>
            {
                Some((text(&o["kind"]), o.clone()))
            }
            _ => None,
        })
        .collect()
}

/// An output with credentials, a CA bundle and a token, so the values
/// carry secret environment variables and a Secret volume.
const SECURED_OUTPUTS: &str = "logging.outputs=[{type: elasticsearch, endpoint: 'https://es.logging.svc:9200', credentials: {username: {name: es-auth, key: user}, password: {name: es-auth, key: password}}, ca: {name: es-ca, key: ca.crt}}, {type: loki, endpoint: 'http://loki.loki.svc:3100', bearerToken: {name: loki-token, key: token}}]";

/// `collector.mode: helm` renders values for the `fluent/fluent-bit`
/// chart instead of the DaemonSet; `both` renders both, and the values
/// carry exactly the DaemonSet's agent: configuration, volumes, secret
/// environment, security contexts, probes, priority, tolerations and
/// resources. The values meet the chart-values schema (an unknown key is
/// refused at its line). Where the chart and a `helm` binary are at hand
/// (`DIFY_GEN_FLUENT_BIT_CHART`, the chart's folder, and `HELM`, the
/// binary), `helm template` renders them, and what it renders passes
/// dify-gen's strict validation, carries the labels dify-gen's
/// NetworkPolicy selects, and mounts the configuration unchanged.
#[test]
fn helm_values_for_the_fluent_bit_chart_carry_the_daemonsets_agent() {
    let helm = rendered_with(
        "profiles/ha.yaml",
        &["logging.collector.mode=helm", SECURED_OUTPUTS],
    );
    let objects = agent_objects(&helm);
    let kinds: Vec<&str> = objects.keys().map(String::as_str).collect();
    assert_eq!(kinds, ["Namespace", "NetworkPolicy", "PriorityClass"]);
    let Content::Yaml(values) = file(&helm, "helm/fluent-bit-0.58.1.values.yaml") else {
        panic!("the values are YAML");
    };
    same_text(
        &text(&values["config"]["extraFiles"]["fluent-bit.yaml"]),
        &config_of(&helm),
        "values",
    );

    let both = rendered_with(
        "profiles/ha.yaml",
        &["logging.collector.mode=both", SECURED_OUTPUTS],
    );
    let Content::Yaml(same) = file(&both, "helm/fluent-bit-0.58.1.values.yaml") else {
        panic!("the values are YAML");
    };
    assert_eq!(same, values, "the values do not depend on the mode");
    let objects = agent_objects(&both);
    let pod = &objects["DaemonSet"]["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let without_config = |list: &Value| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|v| v["name"] != "config")
            .cloned()
            .collect()
    };
    assert_eq!(values["daemonSetVolumes"], without_config(&pod["volumes"]));
    assert_eq!(
        values["daemonSetVolumeMounts"],
        without_config(&container["volumeMounts"])
    );
    assert_eq!(values["env"], container["env"]);
    assert_eq!(values["env"].as_array().unwrap().len(), 3);
    for (value, field) in [
        ("securityContext", &container["securityContext"]),
        ("podSecurityContext", &pod["securityContext"]),
        ("livenessProbe", &container["livenessProbe"]),
        ("readinessProbe", &container["readinessProbe"]),
        ("resources", &container["resources"]),
        ("tolerations", &pod["tolerations"]),
        ("priorityClassName", &pod["priorityClassName"]),
        (
            "terminationGracePeriodSeconds",
            &pod["terminationGracePeriodSeconds"],
        ),
    ] {
        assert_eq!(&values[value], field, "{value}");
    }
    same_text(
        &text(&values["config"]["extraFiles"]["fluent-bit.yaml"]),
        &text(&objects["ConfigMap"]["data"]["fluent-bit.yaml"]),
        "ConfigMap",
    );

    // The chart-values schema.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fluent-bit.values.yaml");
    let written = dify_gen::emit::text(file(&helm, "helm/fluent-bit-0.58.1.values.yaml"));
    std::fs::write(&path, &written).unwrap();
    assert_eq!(validate_file(&path), (0, vec![]));
    let broken = written.replacen("podLabels:", "podLables:", 1);
    std::fs::write(&path, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("podLables:"))
        .unwrap() as u64
        + 1;
    assert_eq!(
        validate_file(&path),
        (
            1,
            vec![(
                "V001".to_string(),
                line,
                1,
                "unknown field `podLables`".to_string(),
                "did you mean `podLabels`?".to_string()
            )]
        )
    );

    // The real chart, where it is at hand.
    let (Some(chart), Some(helm_bin)) = (
        std::env::var_os("DIFY_GEN_FLUENT_BIT_CHART"),
        std::env::var_os("HELM"),
    ) else {
        eprintln!("helm template not run: set DIFY_GEN_FLUENT_BIT_CHART and HELM");
        return;
    };
    std::fs::write(&path, &written).unwrap();
    let out = std::process::Command::new(helm_bin)
        .args(["template", "dify"])
        .arg(&chart)
        .args(["--namespace", "dify-logging", "-f"])
        .arg(&path)
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifests = dir.path().join("chart.yaml");
    std::fs::write(&manifests, &out.stdout).unwrap();
    assert_eq!(validate_file(&manifests), (0, vec![]));
    let docs = crate::support::parse_stream(&String::from_utf8_lossy(&out.stdout));
    let daemon_set = docs.iter().find(|d| d["kind"] == "DaemonSet").unwrap();
    let labels = daemon_set["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .unwrap();
    let policy = &agent_objects(&helm)["NetworkPolicy"];
    for (k, v) in policy["spec"]["podSelector"]["matchLabels"]
        .as_object()
        .unwrap()
    {
        assert_eq!(labels.get(k), Some(v), "the NetworkPolicy selects {k}");
    }
    let config_map = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    same_text(
        &text(&config_map["data"]["fluent-bit.yaml"]),
        &config_of(&helm),
        "the chart's ConfigMap",
    );
    let args = &daemon_set["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(
        args,
        &json!(["--config=/fluent-bit/etc/conf/fluent-bit.yaml"])
    );
}
