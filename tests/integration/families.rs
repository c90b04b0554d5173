//! Output families are pluggable: a family registered only here, in the
//! test, goes through the same render, firewall, validation and output tree
//! as the bundled ones, with each of its formats handled by format alone.

use dify_gen::pipeline::{self, Refused};
use dify_gen::plan::Plan;
use dify_gen::render::{self, Artifact, Content, Family};
use dify_gen::source::Sources;
use dify_gen::{emit, topology};
use serde_json::json;

/// A family with one file of every format: a Kubernetes object, a YAML
/// document, a JSON document and a text file.
fn hello(plan: &Plan) -> Vec<Artifact> {
    let object = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": plan.name("hello"), "namespace": plan.namespace},
        "data": {"greeting": "hello"},
    });
    vec![
        Artifact::object(HELLO.name, object),
        Artifact::file(
            HELLO.name,
            "values.yaml",
            Content::Yaml(json!({"replicas": 2})),
        ),
        Artifact::file(
            HELLO.name,
            "dashboard.json",
            Content::Json(json!({"title": "hello"})),
        ),
        Artifact::file(
            HELLO.name,
            "run.sh",
            Content::Text(format!("#!/bin/sh\necho {}\n", plan.release)),
        ),
    ]
}

const HELLO: Family = Family {
    name: "hello",
    render: hello,
};

/// Like `hello`, but its text file carries a random key.
fn leaky(_: &Plan) -> Vec<Artifact> {
    vec![Artifact::file(
        LEAKY.name,
        "env.sh",
        Content::Text("export TOKEN=sk-9fQ2xLm7RtZ4vBn8KpW3cYh6\n".into()),
    )]
}

const LEAKY: Family = Family {
    name: "leaky",
    render: leaky,
};

/// Like `hello`, but its object breaks the ConfigMap schema.
fn broken(plan: &Plan) -> Vec<Artifact> {
    vec![Artifact::object(
        BROKEN.name,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": plan.name("broken"), "namespace": plan.namespace},
            "data": {"n": 3},
        }),
    )]
}

const BROKEN: Family = Family {
    name: "broken",
    render: broken,
};

fn ha() -> (topology::Loaded, Sources) {
    let mut sources = Sources::default();
    let loaded = pipeline::checked(&["profiles/ha.yaml".into()], &[], &mut sources)
        .unwrap_or_else(|d| panic!("the ha profile loads: {d:?}"));
    (loaded, sources)
}

fn families(extra: Family) -> Vec<Family> {
    let mut all = render::FAMILIES.to_vec();
    all.push(extra);
    all
}

#[test]
fn a_registered_family_reaches_the_tree_the_stream_and_the_kustomization() {
    let (loaded, mut sources) = ha();
    let out = pipeline::rendered(&loaded, &families(HELLO), &mut sources, "1.37")
        .unwrap_or_else(|e| panic!("the hello family renders: {e:?}"));
    let file = |path: &str| {
        out.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.text.as_str())
            .unwrap_or_else(|| panic!("{path} is in the tree"))
    };
    // Each format is written as its format: YAML with the header, JSON
    // without comments, text as the family wrote it.
    assert_eq!(
        file("hello/values.yaml"),
        format!("{}replicas: 2\n", emit::HEADER)
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(file("hello/dashboard.json")).expect("the JSON file is JSON");
    assert_eq!(dashboard, json!({"title": "hello"}));
    assert_eq!(file("hello/run.sh"), "#!/bin/sh\necho dify\n");
    // The object joins the other families' objects.
    assert!(file("kubernetes/configmap-dify-hello.yaml").contains("greeting: hello"));
    assert!(file("kubernetes/kustomization.yaml").contains("- configmap-dify-hello.yaml"));
    let stream = emit::stream(&out.artifacts);
    // The CLI writes the stream from the tree's texts: the same bytes.
    assert_eq!(stream, emit::stream_with(&out.artifacts, &out.files));
    assert!(stream.contains("# Source: kubernetes/configmap-dify-hello.yaml"));
    assert!(!stream.contains("run.sh") && !stream.contains("replicas: 2\n---"));
    // In install order: among the ConfigMaps, before every Deployment.
    let at = |needle: &str| stream.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("configmap-dify-hello.yaml") < at("# Source: kubernetes/deployment-"));
    assert!(at("# Source: kubernetes/configmap-dify-backend") < at("configmap-dify-hello.yaml"));
    assert!(
        at("configmap-dify-hello.yaml") < at("# Source: kubernetes/configmap-dify-plugin-daemon")
    );
    // The bundled families are unchanged by the extra one.
    let plain = pipeline::rendered(&loaded, render::FAMILIES, &mut sources, "1.37")
        .unwrap_or_else(|_| panic!("the ha profile renders"));
    let extra: Vec<&str> = out
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| !plain.files.iter().any(|q| q.path == *p))
        .collect();
    assert_eq!(
        extra,
        [
            "hello/dashboard.json",
            "hello/run.sh",
            "hello/values.yaml",
            "kubernetes/configmap-dify-hello.yaml"
        ]
    );
}

#[test]
fn the_firewall_scans_a_registered_familys_text() {
    let (loaded, mut sources) = ha();
    match pipeline::rendered(&loaded, &families(LEAKY), &mut sources, "1.37") {
        Err(Refused::Leaks(leaks)) => {
            assert_eq!(leaks.len(), 1, "{leaks:?}");
            assert_eq!(leaks[0].path.as_deref(), Some("leaky/env.sh:1"));
        }
        Err(Refused::Invalid(d)) => panic!("refused as invalid, not as a leak: {d:?}"),
        Ok(_) => panic!("a random key in a text artifact must be refused"),
    }
}

#[test]
fn validation_checks_a_registered_familys_objects() {
    let (loaded, mut sources) = ha();
    match pipeline::rendered(&loaded, &families(BROKEN), &mut sources, "1.37") {
        Err(Refused::Invalid(findings)) => {
            let errors: Vec<_> = findings.iter().filter(|d| d.is_error()).collect();
            assert_eq!(errors.len(), 1, "{findings:?}");
            assert_eq!(errors[0].path.as_deref(), Some("data.n"), "{findings:?}");
        }
        Err(Refused::Leaks(d)) => panic!("refused as a leak: {d:?}"),
        Ok(_) => panic!("a ConfigMap with a number in `data` must be refused"),
    }
}

/// A render to stdout validates the objects before their texts are
/// written, and writes them only for a finding: its findings are the
/// tree's, at the same lines of the same file, whose text is there to show.
#[test]
fn a_stream_render_points_at_the_lines_the_tree_render_does() {
    let seen = |objects_only: bool| {
        let (loaded, mut sources) = ha();
        let rendered = match objects_only {
            true => pipeline::rendered_objects,
            false => pipeline::rendered,
        };
        let Err(Refused::Invalid(findings)) =
            rendered(&loaded, &families(BROKEN), &mut sources, "1.37")
        else {
            panic!("a ConfigMap with a number in `data` must be refused");
        };
        findings
            .iter()
            .map(|d| {
                let at = d.span.map(|s| {
                    let line = sources.line(s.file, s.line).map(str::to_string);
                    (sources.name(s.file).to_string(), s.line, s.col, s.len, line)
                });
                (d.code, d.message.clone(), d.path.clone(), at)
            })
            .collect::<Vec<_>>()
    };
    let stream = seen(true);
    let broken = stream
        .iter()
        .find(|f| f.2.as_deref() == Some("data.n"))
        .unwrap_or_else(|| panic!("{stream:?}"));
    let (file, _, _, _, line) = broken.3.clone().expect("the finding has a place");
    assert_eq!(file, "kubernetes/configmap-dify-broken.yaml");
    // `n` is quoted: YAML 1.1 reads it as "no".
    assert_eq!(line.as_deref(), Some("  \"n\": 3"));
    assert_eq!(stream, seen(false));
}
