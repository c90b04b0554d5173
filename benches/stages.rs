//! `cargo bench --bench stages [-- PROFILE]`: the time of each stage of a
//! render to stdout (`dify-gen render -f profiles/ha.yaml`), run in this
//! process the way the CLI runs it. The first round is printed on its own
//! (what one CLI run pays, lazily built tables and first-touch page faults
//! included), then the median of the next rounds (`ROUNDS`, default 30).
//! It finds where a render's time goes; `scripts/bench-render.sh` measures
//! the whole process against `helm template`.

use dify_gen::{emit, plan, render, source, topology, validate};
use std::time::Instant;

const STAGES: [&str; 9] = [
    "load", "topology", "plan", "checks", "render", "firewall", "emit", "validate", "write",
];

fn round(files: &[String]) -> [f64; 9] {
    let mut sources = source::Sources::default();
    let mut at = vec![Instant::now()];
    let (user, removals) = topology::layered(files, &[], &mut sources).expect("the profile loads");
    at.push(Instant::now());
    let mut loaded = topology::finish(user, removals, &mut sources).expect("the profile is valid");
    at.push(Instant::now());
    let plan = plan::Plan::objects_only(&loaded.topology);
    at.push(Instant::now());
    let more = plan::checks::run(&plan, &loaded.doc, &loaded.findings);
    loaded.findings.extend(more);
    at.push(Instant::now());
    let artifacts = render::render_with(&plan, render::FAMILIES);
    at.push(Instant::now());
    let leaks = render::firewall::scan(&artifacts, &topology::public::values(&loaded.doc));
    assert!(leaks.is_empty(), "the profile's render holds no secret");
    at.push(Instant::now());
    let files = emit::files(&artifacts);
    at.push(Instant::now());
    let findings = validate::validate_rendered(
        &artifacts,
        &files,
        &mut sources,
        validate::schemas::DEFAULT_KUBE_VERSION,
        Some(&loaded.doc),
    );
    assert!(
        !findings.iter().any(|d| d.is_error()),
        "the render is valid"
    );
    at.push(Instant::now());
    let mut out = Vec::with_capacity(1 << 20);
    emit::write_stream(&mut out, &artifacts, &files).expect("writing to memory");
    at.push(Instant::now());
    // As the CLI does: the process ends without freeing the render.
    std::mem::forget((artifacts, files, loaded, sources, out));
    let mut t = [0.0; 9];
    for (i, w) in at.windows(2).enumerate() {
        t[i] = (w[1] - w[0]).as_secs_f64() * 1000.0;
    }
    t
}

fn print(title: &str, t: &[f64; 9]) {
    println!("{title}");
    for (name, ms) in STAGES.iter().zip(t) {
        println!("  {name:9} {ms:7.2} ms");
    }
    println!("  {:9} {:7.2} ms", "total", t.iter().sum::<f64>());
}

fn main() {
    let profile = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "ha".to_string());
    let files = vec![format!("profiles/{profile}.yaml")];
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    print(
        &format!("profiles/{profile}.yaml, first round"),
        &round(&files),
    );
    let all: Vec<[f64; 9]> = (0..rounds).map(|_| round(&files)).collect();
    let mut median = [0.0; 9];
    for (i, m) in median.iter_mut().enumerate() {
        let mut v: Vec<f64> = all.iter().map(|t| t[i]).collect();
        v.sort_by(f64::total_cmp);
        *m = v[v.len() / 2];
    }
    print(&format!("median of {rounds} more rounds"), &median);
    families(&files, rounds);
}

/// The render stage by family (median of `rounds`), objects and files
/// alike as a stdout run renders them.
fn families(files: &[String], rounds: usize) {
    let mut sources = source::Sources::default();
    let (user, removals) = topology::layered(files, &[], &mut sources).expect("the profile loads");
    let loaded = topology::finish(user, removals, &mut sources).expect("the profile is valid");
    println!("render by family, median of {rounds} rounds");
    for family in render::FAMILIES {
        let mut v: Vec<f64> = (0..rounds)
            .map(|_| {
                let plan = plan::Plan::objects_only(&loaded.topology);
                let start = Instant::now();
                let artifacts = (family.render)(&plan);
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                std::mem::forget(artifacts);
                ms
            })
            .collect();
        v.sort_by(f64::total_cmp);
        println!("  {:13} {:7.2} ms", family.name, v[v.len() / 2]);
    }
}
