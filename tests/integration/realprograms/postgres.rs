//! Real PostgreSQL and Patroni as judges of parameters: a data directory
//! initialised by the server of a major version, whose `postgres -C` reads
//! a `postgresql.conf` and fails on any line the server refuses, and
//! Patroni's own code (`patroni_parameters.py`), which says what Patroni
//! does with each parameter before PostgreSQL sees it.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::harness::{
    free_port, hand_over, patroni_python, postgres_bin_dir, postgres_identity, psql,
    require_program, run_bounded, wait_for, write_file, Process,
};
use dify_gen::postgres::Catalogue;

/// A data directory of one major version, for `postgres -C`.
pub struct ConfigJudge {
    _dir: tempfile::TempDir,
    data: PathBuf,
    base: String,
    bin: PathBuf,
    identity: Option<(u32, u32)>,
}

impl ConfigJudge {
    /// `None` when no server of `major` is installed for the tests (only 15
    /// and 17 are).
    pub fn new(major: u32) -> Option<ConfigJudge> {
        let bin = postgres_bin_dir(major)?;
        let identity = postgres_identity();
        let dir = tempfile::tempdir().expect("tempdir for a data directory");
        hand_over(dir.path(), identity, 0o700);
        let data = dir.path().join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ]);
        as_postgres(&mut initdb, identity);
        let (ok, out) = run_bounded(initdb, Duration::from_secs(60));
        assert!(ok, "initdb of PostgreSQL {major} failed:\n{out}");
        let base = std::fs::read_to_string(data.join("postgresql.conf")).expect("postgresql.conf");
        Some(ConfigJudge {
            _dir: dir,
            data,
            base,
            bin,
            identity,
        })
    }

    /// Whether the server starts with these lines in `postgresql.conf`
    /// (`postgres -C` reads every line and stops at the first it refuses).
    pub fn accepts(&self, lines: &str) -> Result<(), String> {
        write_file(
            &self.data.join("postgresql.conf"),
            &format!("{}\n{lines}", self.base),
            0o644,
        );
        if let Some((uid, gid)) = self.identity {
            std::os::unix::fs::chown(self.data.join("postgresql.conf"), Some(uid), Some(gid))
                .expect("chown postgresql.conf");
        }
        let mut command = Command::new(self.bin.join("postgres"));
        command
            .arg("-D")
            .arg(&self.data)
            .args(["-C", "max_connections"]);
        as_postgres(&mut command, self.identity);
        let (ok, out) = run_bounded(command, Duration::from_secs(30));
        if ok {
            Ok(())
        } else {
            Err(out.trim().to_string())
        }
    }
}

/// A PostgreSQL server on 127.0.0.1 (a free port), with password
/// authentication for the `postgres` superuser; stopped when dropped.
pub struct Server {
    pub port: u16,
    _process: Process,
}

/// Initialises a data directory under `root` with the server in `bin` and
/// starts it.
pub fn start_server(bin: &Path, root: &Path, superuser_password: &str) -> Server {
    let identity = postgres_identity();
    let initdb = require_program(&bin.join("initdb").display().to_string());
    let postgres = require_program(&bin.join("postgres").display().to_string());
    require_program("psql");
    let data = root.join("pgdata");
    let sockets = root.join("sockets");
    for dir in [&data, &sockets] {
        std::fs::create_dir_all(dir).expect("postgres dir");
        hand_over(dir, identity, 0o700);
    }
    let pwfile = root.join("pwfile");
    write_file(&pwfile, superuser_password, 0o644);
    let mut init = Command::new(initdb);
    init.arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=scram-sha-256", "--pwfile"])
        .arg(&pwfile);
    as_postgres(&mut init, identity);
    let (ok, output) = run_bounded(init, Duration::from_secs(120));
    assert!(ok, "initdb failed:\n{output}");
    let port = free_port();
    let mut command = Command::new(postgres);
    command
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-k")
        .arg(&sockets);
    as_postgres(&mut command, identity);
    let process = Process::spawn("postgres", command, root.join("postgres.log"));
    wait_for(
        "PostgreSQL to accept connections",
        Duration::from_secs(30),
        Duration::from_millis(200),
        || psql(port, "postgres", superuser_password, "postgres", "select 1").ok(),
    )
    .unwrap_or_else(|error| panic!("{error}\n{}", process.log_tail(30)));
    Server {
        port,
        _process: process,
    }
}

fn as_postgres(command: &mut Command, identity: Option<(u32, u32)>) {
    if let Some((uid, gid)) = identity {
        command.uid(uid).gid(gid);
    }
}

/// What Patroni does with the parameters of one `patroni.yml`.
#[derive(Debug)]
pub struct PatroniView {
    /// Parameters Patroni drops or changes, with what it does.
    pub changed: Vec<(String, String)>,
    /// The lines Patroni writes into `postgresql.conf` for the rest.
    pub conf: String,
}

/// Runs Patroni's parameter handling for a server of `major` on each file.
pub fn patroni_views(major: u32, files: &[PathBuf]) -> Vec<PatroniView> {
    if files.is_empty() {
        return Vec::new();
    }
    let catalogue = Catalogue::of(major).expect("a catalogue of the major");
    let dir = tempfile::tempdir().expect("tempdir");
    let gucs = dir.path().join("gucs");
    std::fs::write(&gucs, catalogue.names().collect::<Vec<_>>().join("\n")).expect("write gucs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/realprograms/patroni_parameters.py");
    let output = Command::new(patroni_python())
        .arg(script)
        .arg(format!("{major}0000"))
        .arg(&gucs)
        .args(files)
        .output()
        .expect("run patroni_parameters.py");
    assert!(
        output.status.success(),
        "patroni_parameters.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let views: Vec<PatroniView> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
            PatroniView {
                changed: v["changed"]
                    .as_array()
                    .expect("changed")
                    .iter()
                    .map(|c| {
                        (
                            c[0].as_str().expect("name").to_string(),
                            c[1].as_str().expect("what").to_string(),
                        )
                    })
                    .collect(),
                conf: v["conf"].as_str().expect("conf").to_string(),
            }
        })
        .collect();
    assert_eq!(views.len(), files.len(), "one answer per file");
    views
}
