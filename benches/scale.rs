//! `cargo bench --bench scale`: `plan`, `validate -f` and `render` of
//! topologies with growing node and pod counts, each a whole command run
//! in a fresh process (this binary re-executes itself with `--child`, so
//! that peak memory is the command's own), and prints a Markdown table of
//! the median of three runs and the peak resident memory.
//!
//! Sizes: nodes in three zones, in pools of at most 1,000 (the schema's
//! limit per pool); pods spread over six Dify components (1,000 replicas
//! each at most, the schema's limit) plus the rest of the `ha` profile.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const SIZES: &[(u32, u32)] = &[
    (30, 60),
    (300, 600),
    (1_000, 2_000),
    (3_000, 6_000),
    (10_000, 6_000),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = std::env::current_exe().expect("the bench knows its own path");
    // `cargo bench --bench scale -- fleet` runs the fleet table alone.
    if !args.iter().any(|a| a == "fleet") {
        sizes(&exe, dir.path());
    }
    fleets(&exe, dir.path());
}

/// `render --output-dir` of a fleet of 1, 10 and 100 clusters (each a full
/// tree of the `ha` profile): the time per cluster should stay flat.
fn fleets(exe: &Path, dir: &Path) {
    println!("| clusters | command | time (median of 3) | per cluster | peak memory |");
    println!("|---:|---|---:|---:|---:|");
    for clusters in [1, 10, 100] {
        let file = dir.join(format!("fleet-{clusters}.yaml"));
        std::fs::write(&file, fleet(clusters)).expect("the topology is written");
        let file = file.to_str().expect("a UTF-8 path").to_string();
        let out = dir.join(format!("out-{clusters}"));
        let out = out.to_str().expect("a UTF-8 path").to_string();
        let command = ["render", "-f", &file, "--output-dir", &out];
        let (seconds, memory) = median_of_three(exe, &command);
        println!(
            "| {clusters} | `render --output-dir` | {:.0} ms | {:.0} ms | {:.1} MiB |",
            seconds * 1e3,
            seconds * 1e3 / f64::from(clusters),
            memory as f64 / 1024.0
        );
    }
}

/// The `ha` profile in `clusters` regions, each with its own zones and host.
fn fleet(clusters: u32) -> String {
    let mut t = String::from(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\nnodes: null\nfleet:\n  clusters:\n",
    );
    for c in 0..clusters {
        t.push_str(&format!(
            "    region-{c}:\n      overlay:\n        zones: [r{c}-a, r{c}-b, r{c}-c]\n        \
             ingress: {{host: dify-{c}.example.com}}\n"
        ));
    }
    t.push_str(
        "  gitops: {kind: ApplicationSet, repoUrl: 'https://git.example.com/deploy.git', \
         revision: main, path: dify, namespace: argocd}\n",
    );
    t
}

/// `plan`, `validate -f` and `render` of one topology per size.
fn sizes(exe: &Path, dir: &Path) {
    println!("| nodes | pods | command | time (median of 3) | peak memory |");
    println!("|---:|---:|---|---:|---:|");
    for &(nodes, pods) in SIZES {
        let file = dir.join(format!("topology-{nodes}-{pods}.yaml"));
        std::fs::write(&file, topology(nodes, pods)).expect("the topology is written");
        let file = file.to_str().expect("a UTF-8 path").to_string();
        let total = release_pods(exe, &file);
        for command in [
            vec!["plan", "-f", &file],
            vec!["validate", "-f", &file],
            vec!["render", "-f", &file],
        ] {
            let (seconds, memory) = median_of_three(exe, &command);
            println!(
                "| {nodes} | {total} | `{}` | {:.0} ms | {:.1} MiB |",
                command[0],
                seconds * 1e3,
                memory as f64 / 1024.0
            );
        }
    }
}

/// The median wall time of three runs of a command, and the largest peak
/// memory (KiB) of the three.
fn median_of_three(exe: &Path, command: &[&str]) -> (f64, u64) {
    let mut runs: Vec<(f64, u64)> = (0..3).map(|_| measure(exe, command)).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let memory = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (runs[1].0, memory)
}

/// Runs one command in a fresh process: wall time and peak memory (KiB).
fn measure(exe: &Path, command: &[&str]) -> (f64, u64) {
    let start = Instant::now();
    let out = Command::new(exe)
        .arg("--child")
        .args(command)
        .output()
        .expect("the bench runs itself");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{command:?} failed:\n{stderr}");
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (seconds, peak)
}

/// The command as `dify-gen` runs it, then its peak memory on stderr.
fn child(args: &[String]) {
    use clap::Parser as _;
    let cli = dify_gen::cli::Cli::parse_from(
        std::iter::once("dify-gen".to_string()).chain(args.iter().cloned()),
    );
    // Output goes to this process's stdout, which the parent discards.
    let code = dify_gen::run::run(cli);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
        .unwrap_or_default();
    eprintln!("peak-kib {peak}");
    std::process::exit(code);
}

/// Every pod the release runs in steady state, as `plan -o json` counts
/// them: the six sized components plus the rest of the `ha` profile (beat,
/// the websocket server, the agent runtime, the data layer).
fn release_pods(exe: &Path, file: &str) -> u64 {
    let out = Command::new(exe)
        .args(["--child", "plan", "-f", file, "-o", "json"])
        .output()
        .expect("the bench runs itself");
    assert!(
        out.status.success(),
        "plan failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("plan -o json prints JSON");
    report["totals"]["pods"]
        .as_u64()
        .expect("the plan counts the release's pods")
}

/// A topology over the `ha` profile with `nodes` nodes in three zones and
/// `pods` pods over six components, sized so that every pod fits and the
/// connection budget holds.
fn topology(nodes: u32, pods: u32) -> String {
    let per = pods / 6;
    let mut t = String::from(
        "apiVersion: dify-gen.io/v1alpha1\nkind: Topology\nprofile: ha\n\
         postgres:\n  pool: {size: 1, maxOverflow: 0}\n  pluginDaemonMaxConnections: 1\n  \
         patroni:\n    parameters: {max_connections: 20000, shared_buffers: 1GB}\ncomponents:\n",
    );
    for c in [
        "api",
        "worker",
        "web",
        "sandbox",
        "pluginDaemon",
        "ssrfProxy",
    ] {
        t.push_str(&format!("  {c}:\n    replicas: {per}\n"));
        if matches!(c, "api" | "worker") {
            t.push_str(&format!(
                "    autoscaling: {{maxReplicas: {}, targetCpuPercent: 70}}\n",
                per * 2
            ));
        }
    }
    t.push_str("nodes:\n");
    for (z, zone) in ["zone-a", "zone-b", "zone-c"].iter().enumerate() {
        let mut left = nodes / 3 + u32::from((z as u32) < nodes % 3);
        let mut pool = 0;
        while left > 0 {
            let count = left.min(1_000);
            t.push_str(&format!(
                "  - {{name: pool-{zone}-{pool}, zone: {zone}, count: {count}, allocatable: {{cpu: '16', memory: 64Gi}}}}\n"
            ));
            left -= count;
            pool += 1;
        }
    }
    t
}
