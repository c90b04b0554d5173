//! `cargo bench --bench validate`: load and validate a stream of valid
//! manifests (the valid twins of the test corpus, repeated with fresh
//! names up to 10,000 documents) in-process, and print resources/s.
//! The whole-process comparison with kubernetes-validate is
//! `scripts/bench-validate.sh`.

use dify_gen::load::{self, Limits};
use dify_gen::source::Sources;
use dify_gen::validate::{validate_documents, ValidateOptions};
use std::time::Instant;

fn main() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/manifests/valid"
    );
    let mut files: Vec<Vec<String>> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        // Kubernetes objects only: config files have no names to vary.
        if text.contains("apiVersion:") && !text.contains("ConfigMapp") && text.contains("kind:") {
            files.push(text.split("---\n").map(str::to_string).collect());
        }
    }
    let mut stream = String::new();
    let mut count = 0;
    'fill: for round in 0.. {
        // One namespace per file and round: every object stays unique and
        // every cross-document check sees the same neighbours as in the corpus.
        for (index, docs) in files.iter().enumerate() {
            let ns = format!("namespace: r{round}-f{index}");
            for doc in docs {
                stream.push_str("---\n");
                stream.push_str(
                    &doc.replace("namespace: dify\n", &format!("{ns}\n"))
                        .replace("namespace: argocd\n", &format!("{ns}\n")),
                );
                count += 1;
                if count == 10_000 {
                    break 'fill;
                }
            }
        }
    }
    let mut sources = Sources::default();
    let file = sources.add("bench.yaml", stream);
    for run in 0..3 {
        let start = Instant::now();
        let parsed = load::parse(&sources, file, Limits::default()).unwrap();
        let loaded = start.elapsed();
        let diags = validate_documents(&parsed, &sources, &ValidateOptions::default());
        let total = start.elapsed();
        println!(
            "run {run}: {count} documents, load {:.0} ms, total {:.0} ms, {:.0} resources/s ({} findings)",
            loaded.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            count as f64 / total.as_secs_f64(),
            diags.len(),
        );
        let mut codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        println!("  codes: {codes:?}");
    }
}
