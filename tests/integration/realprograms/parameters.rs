//! The PostgreSQL parameter catalogues and dify-gen's reading of parameter
//! values, against the real servers and Patroni: the catalogues regenerate
//! to the same bytes, and for each value of a table of ordinary and odd
//! ones dify-gen refuses exactly what PostgreSQL or Patroni would refuse,
//! drop or change (with the listed, deliberate exceptions).

use std::path::Path;

use super::harness::{exclusive, postgres_bin_dir, require_program, run_bounded};
use super::postgres::{patroni_views, ConfigJudge};
use dify_gen::diagnostic::Diagnostic;
use dify_gen::source::Sources;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `scripts/gen-pg-catalogue.sh` run on Debian's PostgreSQL 15 and on the
/// image's 17.6 prints the committed catalogues byte for byte, and each
/// enum value `build.tsv` adds for the image's build is one a real build
/// with that option (Debian's 15, built with lz4 and zstd) lists.
#[test]
fn catalogues_regenerate_from_real_servers() {
    let _one = exclusive();
    require_program("psql");
    for major in dify_gen::postgres::catalogue::MAJORS {
        let bin = postgres_bin_dir(*major).expect("a server of every catalogued major");
        let out = tempfile::tempdir().expect("tempdir");
        let mut command = std::process::Command::new(format!("{ROOT}/scripts/gen-pg-catalogue.sh"));
        command.arg(&bin).arg(out.path());
        let (ok, log) = run_bounded(command, std::time::Duration::from_secs(120));
        assert!(ok, "gen-pg-catalogue.sh {major} failed:\n{log}");
        for file in ["settings.tsv", "keywords.tsv"] {
            let fresh = std::fs::read_to_string(out.path().join(file)).expect("generated file");
            let committed_path = format!("{ROOT}/src/postgres/catalogue/{major}/{file}");
            let committed = std::fs::read_to_string(&committed_path).expect("committed file");
            assert!(
                fresh == committed,
                "{committed_path} differs from what PostgreSQL {major} prints: run \
                 `scripts/gen-pg-catalogue.sh {} src/postgres/catalogue/{major}`",
                bin.display()
            );
        }
    }
    let debian = std::fs::read_to_string(format!("{ROOT}/src/postgres/catalogue/15/settings.tsv"))
        .expect("15");
    let build = std::fs::read_to_string(format!("{ROOT}/src/postgres/catalogue/17/build.tsv"))
        .expect("build.tsv");
    for line in build.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let row = debian
            .lines()
            .find(|l| l.split('\t').next() == Some(fields[0]))
            .unwrap_or_else(|| panic!("PostgreSQL 15 has no `{}`", fields[0]));
        let values: Vec<&str> = row
            .split('\t')
            .nth(6)
            .expect("enumvals")
            .split(',')
            .collect();
        for value in fields[1].split(',') {
            assert!(
                values.contains(&value),
                "`{}: {value}` is not a value of a build with the option ({values:?})",
                fields[0]
            );
        }
    }
}

/// Values of every type, with units, bounds, prefixes, spaces and the
/// spellings C's `strtol` and `strtod` take.
const CASES: &[(&str, &str)] = &[
    ("shared_buffers", "128MB"),
    ("shared_buffers", "a b"),
    ("shared_buffers", "1gb"),
    ("shared_buffers", "08"),
    ("shared_buffers", " 010 "),
    ("shared_buffers", "0x1000"),
    ("shared_buffers", "1.5GB"),
    ("shared_buffers", "127kB"),
    ("shared_buffers", "128kB"),
    ("shared_buffers", "9TB"),
    ("shared_buffers", "1e3"),
    ("shared_buffers", "-1"),
    ("shared_buffers", ""),
    ("shared_buffers", "inf"),
    ("shared_buffers", "1 GB"),
    ("shared_buffers", "1GB "),
    ("shared_buffers", "1GB x"),
    ("shared_buffers", "1MBB"),
    ("max_connections", "25"),
    ("max_connections", "24"),
    ("max_connections", "1e2"),
    ("max_connections", "100.5"),
    ("max_connections", "262121"),
    ("max_connections", "262122"),
    ("max_connections", "3000000000"),
    ("max_connections", "99999999999999999999"),
    ("max_connections", "10 kB"),
    ("work_mem", "64kB"),
    ("work_mem", "63kB"),
    ("work_mem", "1"),
    ("work_mem", "2147483647kB"),
    ("work_mem", "2TB"),
    ("work_mem", "1.5MB"),
    ("statement_timeout", "1min"),
    ("statement_timeout", "1.5s"),
    ("statement_timeout", "1 sec"),
    ("statement_timeout", "-1"),
    ("statement_timeout", "100us"),
    ("statement_timeout", "0.4ms"),
    ("statement_timeout", "2147483648"),
    ("jit", "on"),
    ("jit", "ON"),
    ("jit", "tru"),
    ("jit", "yes"),
    ("jit", "1"),
    ("jit", "2"),
    ("jit", " on"),
    ("wal_level", "replica"),
    ("wal_level", "Logical"),
    ("wal_level", "minimal"),
    ("wal_level", "hot_standby"),
    ("random_page_cost", "1.1"),
    ("random_page_cost", "-1"),
    ("random_page_cost", "1e400"),
    ("random_page_cost", "nan"),
    ("random_page_cost", "0x1p3"),
    ("random_page_cost", "4 ms"),
    ("vacuum_cost_delay", "2ms"),
    ("vacuum_cost_delay", "101"),
    ("vacuum_cost_delay", "0.5s"),
    ("application_name", "dify"),
    ("log_line_prefix", "%m [%p] it's "),
    ("application_name", "back\\slash"),
    ("port", "5433"),
    ("max_connectionz", "5"),
    ("block_size", "8192"),
    ("spock.node", "n1"),
    ("spock..node", "n1"),
    ("max_wal_senders", "2"),
    ("max_wal_senders", "3"),
    ("max_locks_per_transaction", "31"),
    ("wal_keep_size", "15MB"),
    ("wal_keep_size", "16MB"),
    ("superuser_reserved_connections", "97"),
    ("superuser_reserved_connections", "800"),
    ("max_connections", "0X20"),
    ("max_connections", "100."),
    ("random_page_cost", ".5"),
    ("random_page_cost", "inf"),
    ("TimeZone", "UTC"),
    ("timezone", "Nowhere/Bad"),
    ("hot_standby", "on"),
    ("synchronous_standby_names", "*"),
    ("password_encryption", "md5"),
    ("wal_compression", "zstd"),
    ("commit_timestamp_buffers", "0"),
    ("commit_timestamp_buffers", "17"),
    ("notify_buffers", "32"),
    ("notify_buffers", "100"),
    ("vacuum_buffer_usage_limit", "0"),
    ("vacuum_buffer_usage_limit", "100kB"),
    ("vacuum_buffer_usage_limit", "256kB"),
    ("max_stack_depth", "7680kB"),
    ("max_stack_depth", "7681kB"),
    ("bonjour", "on"),
    ("bonjour", "off"),
    ("ssl", "on"),
];

/// Where dify-gen's verdict differs from what the programs do, on purpose
/// or as a known limit, with why. The test fails when one of these stops
/// differing, so the list stays true.
const DIFFERENT: &[(&str, &str, &str)] = &[
    ("hot_standby", "on", "dify-gen refuses every parameter Patroni owns, also the value Patroni would set"),
    ("synchronous_standby_names", "*", "Patroni rewrites it from `synchronous_mode` at run time"),
    ("password_encryption", "md5", "the rendered pg_hba.conf requires SCRAM: md5 passwords cannot log in"),
    ("superuser_reserved_connections", "800", "PostgreSQL checks the reserve against max_connections (800 here) at start, after `-C`"),
    ("wal_compression", "zstd", "the image's build has zstd; the test's build of 17.6 does not"),
    ("ssl", "on", "PostgreSQL looks for its certificate only when it starts, after `-C`"),
    ("timezone", "Nowhere/Bad", "string parameters are not checked beyond control characters: PostgreSQL's own checks (time zones, locales, libraries) run only in the server"),
];

fn dify_gen_refuses(name: &str, value: &str, dir: &Path) -> Option<String> {
    let file = dir.join(format!("{}.json", name.len() * 1000 + value.len()));
    let topology = serde_json::json!({
        "apiVersion": "dify-gen.io/v1alpha1",
        "kind": "Topology",
        "profile": "ha",
        "postgres": {"patroni": {"parameters": {name: value}}}
    });
    std::fs::write(&file, topology.to_string()).expect("write topology");
    let mut sources = Sources::default();
    match dify_gen::pipeline::checked(&[file.display().to_string()], &[], &mut sources) {
        Ok(_) => None,
        Err(findings) => {
            // Findings about parameters only: a small max_connections also
            // trips the connection budget, which is not PostgreSQL's rule.
            let errors: Vec<&Diagnostic> = findings
                .iter()
                .filter(|d| d.is_error() && d.code.starts_with("T14"))
                .collect();
            if errors.is_empty() {
                return None;
            }
            Some(
                errors
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }
}

#[test]
fn parameter_verdicts_agree_with_postgresql_and_patroni() {
    let _one = exclusive();
    let judge = ConfigJudge::new(17).expect("PostgreSQL 17");
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<_> = CASES
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let path = dir.path().join(format!("case-{i}.yml"));
            let yaml = serde_json::json!({"bootstrap": {"dcs": {"postgresql": {"parameters": {*name: *value}}}}});
            std::fs::write(&path, yaml.to_string()).expect("write case");
            path
        })
        .collect();
    let views = patroni_views(17, &files);
    let mut wrong = Vec::new();
    let mut still_different = Vec::new();
    for ((name, value), view) in CASES.iter().zip(&views) {
        let real = match view.changed.first() {
            Some((_, what)) => Err(format!("Patroni: {what}")),
            None => judge
                .accepts(&view.conf)
                .map_err(|e| format!("PostgreSQL 17: {e}")),
        };
        let ours = dify_gen_refuses(name, value, dir.path());
        let agree = ours.is_some() == real.is_err();
        let known = DIFFERENT.iter().find(|(n, v, _)| n == name && v == value);
        match (agree, known) {
            (true, None) => {}
            (false, Some(_)) => still_different.push((name, value)),
            (true, Some((_, _, why))) => wrong.push(format!(
                "`{name}: {value:?}` is listed as different ({why}) but dify-gen and the programs agree now"
            )),
            (false, None) => wrong.push(format!(
                "`{name}: {value:?}`: dify-gen says {}, the programs say {}",
                ours.as_deref().unwrap_or("ok"),
                real.as_ref().err().map_or("ok", String::as_str)
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(still_different.len(), DIFFERENT.len());
}
