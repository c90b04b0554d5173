//! The backup round trip with the real programs: PostgreSQL 15 with the
//! archive settings of the rendered `patroni.yml`, `pgbackrest server` as
//! the rendered sidecar runs it, pgBackRest 2.45 and rclone running the
//! rendered CronJobs' scripts and configurations, moto's S3 (over HTTPS, on
//! 127.0.0.1) holding both repositories and Dify's buckets, and the
//! Prometheus Pushgateway receiving the drill's figures.
//!
//! The topology is `profiles/ha.yaml` with a test overlay that only points
//! the endpoints at a port the test owns, switches the repositories to path
//! addressing (moto is reached by IP) and shortens the archive timeout to
//! five seconds so the test need not wait a minute. What the test changes
//! in the rendered files is named in [`Sub`]: host names to 127.0.0.1, ports
//! to its own, and in-pod paths to its directories. Every command it runs is
//! a rendered script with the arguments of its CronJob.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dify_gen::load;
use dify_gen::source::Sources;
use serde_json::Value;

use super::harness::{
    exclusive, free_port, hand_over, http_get, postgres_identity, require_program, run_bounded,
    wait_for, write_file, Process, LOCALHOST,
};
use super::rendered::{read_objects, render_into};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const MOTO_VENV: &str = "/opt/dify-gen-test/moto-venv";
const PUSHGATEWAY: &str = "/usr/bin/prometheus-pushgateway";

/// What the test overlay sets on top of `profiles/ha.yaml`.
fn overlay(s3_port: u16, pushgateway_port: u16) -> String {
    format!(
        r#"apiVersion: dify-gen.io/v1alpha1
kind: Topology
profile: ha
storage:
  s3:
    endpoint: https://s3.us-east-1.amazonaws.com:{s3_port}
    addressStyle: path
backup:
  archive:
    timeoutSeconds: 5
  pushgateway: http://pushgateway.monitoring.svc.cluster.local:{pushgateway_port}
  repositories:
    - endpoint: https://s3.us-east-1.amazonaws.com:{s3_port}
      region: us-east-1
      bucket: dify-backups
      path: /dify
      uriStyle: path
      accessKey: {{name: dify-backup-s3, key: access-key-id}}
      secretKey: {{name: dify-backup-s3, key: secret-access-key}}
      retention: {{fullBackups: 7}}
    - endpoint: https://s3.eu-central-1.amazonaws.com:{s3_port}
      region: eu-central-1
      bucket: dify-backups-offsite
      path: /dify
      uriStyle: path
      accessKey: {{name: dify-backup-offsite-s3, key: access-key-id}}
      secretKey: {{name: dify-backup-offsite-s3, key: secret-access-key}}
      retention: {{days: 35}}
"#
    )
}

/// A rendered file, with the test's substitutions applied; each must hit.
pub(super) struct Sub<'a>(pub(super) Vec<(&'a str, String)>);

impl Sub<'_> {
    pub(super) fn apply(&self, name: &str, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.0 {
            assert!(
                out.contains(from),
                "rendered `{name}` no longer contains `{from}`:\n{text}"
            );
            out = out.replace(from, to);
        }
        out
    }
}

pub(super) fn yaml(name: &str, text: &str) -> Value {
    let mut sources = Sources::default();
    let file = sources.add(name, text);
    load::parse_one(&sources, file, "document")
        .unwrap_or_else(|_| panic!("{name} is not one YAML document"))
        .to_json()
}

struct Tree {
    objects: Vec<Value>,
    runbook: String,
    rules: Value,
}

impl Tree {
    fn find(&self, kind: &str, name: &str) -> &Value {
        self.objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} `{name}` was rendered"))
    }

    fn file(&self, config_map: &str, key: &str) -> String {
        self.find("ConfigMap", config_map)["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("ConfigMap `{config_map}` has no `{key}`"))
            .to_string()
    }

    /// The command and the env var names of a CronJob's container.
    fn cron_job(&self, name: &str) -> (Vec<String>, BTreeSet<String>) {
        let c = &self.find("CronJob", name)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            ["containers"][0];
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .map(|s| s.as_str().unwrap_or("").to_string())
                .collect()
        };
        let env = c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["name"].as_str().unwrap_or("").to_string())
            .collect();
        (strings(&c["command"]), env)
    }
}

fn render(root: &Path, s3_port: u16, pushgateway_port: u16) -> Tree {
    let topology = root.join("topology.yaml");
    write_file(&topology, &overlay(s3_port, pushgateway_port), 0o644);
    let out = root.join("rendered");
    render_into(&topology, &out);
    Tree {
        objects: read_objects(&out.join("kubernetes")),
        runbook: fs::read_to_string(out.join("backup/restore-runbook.md")).expect("the runbook"),
        rules: yaml(
            "dify.rules.yaml",
            &fs::read_to_string(out.join("prometheus/dify.rules.yaml")).expect("the rules"),
        ),
    }
}

/// Runs as the `postgres` user when the test runs as root (PostgreSQL and
/// pgBackRest refuse root).
pub(super) fn as_postgres(mut command: Command, identity: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = identity {
        command.uid(uid).gid(gid);
    }
    command
}

pub(super) fn dir(root: &Path, name: &str, identity: Option<(u32, u32)>, mode: u32) -> PathBuf {
    let path = root.join(name);
    fs::create_dir_all(&path).expect("create dir");
    hand_over(&path, identity, mode);
    path
}

/// A CA, and certificates for the S3 server, pgBackRest's server and its
/// client (whose common name the rendered server accepts).
pub(super) fn certificates(tls: &Path, client_cn: &str, identity: Option<(u32, u32)>) {
    let openssl = require_program("openssl");
    let run = |args: &[&str]| {
        let mut command = Command::new(&openssl);
        command.args(args).current_dir(tls);
        let (ok, output) = run_bounded(command, Duration::from_secs(30));
        assert!(ok, "openssl {args:?}:\n{output}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=dify-gen-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    // pgBackRest matches DNS names only, Go and Python IP addresses only.
    write_file(
        &tls.join("san.ext"),
        "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1\n",
        0o644,
    );
    for (name, cn) in [
        ("s3", "127.0.0.1"),
        ("server", "127.0.0.1"),
        ("client", client_cn),
    ] {
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={cn}"),
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            &format!("{name}.crt"),
        ]);
    }
    // As the Secrets are mounted: `tls.crt`, `tls.key` and `ca.crt`.
    for side in ["server", "client"] {
        let mounted = tls.join(side);
        fs::create_dir_all(&mounted).expect("secret dir");
        hand_over(&mounted, identity, 0o755);
        for (from, to) in [
            (format!("{side}.crt"), "tls.crt"),
            (format!("{side}.key"), "tls.key"),
            ("ca.crt".to_string(), "ca.crt"),
        ] {
            fs::copy(tls.join(from), mounted.join(to)).expect("copy a certificate");
        }
    }
    for path in walk(tls) {
        let key = path.extension().is_some_and(|e| e == "key");
        hand_over(&path, identity, if key { 0o600 } else { 0o644 });
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The pgBackRest side of a pod: its configuration (`PGBACKREST_CONFIG`) and
/// the keys the Secrets would give it.
fn pgbackrest_env(command: &mut Command, config: &Path, tls: &Path, repos: usize) {
    command
        .env("PGBACKREST_CONFIG", config)
        .env("SSL_CERT_FILE", tls.join("ca.crt"));
    for n in 1..=repos {
        command
            .env(
                format!("PGBACKREST_REPO{n}_S3_KEY"),
                format!("repo{n}-key-id"),
            )
            .env(
                format!("PGBACKREST_REPO{n}_S3_KEY_SECRET"),
                format!("repo{n}-secret"),
            )
            .env(
                format!("PGBACKREST_REPO{n}_CIPHER_PASS"),
                "drill-test-passphrase",
            );
    }
}

/// Runs a `postgres` command as the `postgres` user, stopped by the guard
/// (and by its `postmaster.pid`), once it answers on `at`: (data
/// directory, socket directory, port).
pub(super) fn run_postgres(
    name: &str,
    postgres: Command,
    log: PathBuf,
    at: (&Path, &Path, u16),
    identity: Option<(u32, u32)>,
) -> Process {
    let (data, socket, port) = at;
    let mut process = Process::spawn(name, as_postgres(postgres, identity), log);
    process.also_kill_pid_file(data.join("postmaster.pid"), &data.display().to_string());
    wait_for(
        name,
        Duration::from_secs(120),
        Duration::from_millis(200),
        || psql(socket, port, "postgres", "SELECT 1", identity).ok(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", process.log_tail(30)));
    process
}

pub(super) fn psql(
    socket: &Path,
    port: u16,
    database: &str,
    sql: &str,
    identity: Option<(u32, u32)>,
) -> Result<String, String> {
    let mut command = Command::new(format!("{PG_BIN}/psql"));
    command
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(socket)
        .args([
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        ]);
    let (ok, output) = run_bounded(as_postgres(command, identity), Duration::from_secs(20));
    if ok {
        Ok(output.trim().to_string())
    } else {
        Err(output)
    }
}

fn s3(endpoint: &str, args: &[&str], ca: &Path, script: &Path) -> String {
    let mut command = Command::new(format!("{MOTO_VENV}/bin/python"));
    command
        .arg(script)
        .arg(endpoint)
        .args(args)
        .env("AWS_CA_BUNDLE", ca);
    let (ok, output) = run_bounded(command, Duration::from_secs(60));
    assert!(ok, "s3 {args:?}:\n{output}");
    output
}

/// `key=value` fields of the script's `PREFIX ...` lines.
fn report_lines(output: &str, prefix: &str) -> Vec<BTreeMap<String, String>> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn backups_restore_every_committed_row_from_each_repository() {
    let _serial = exclusive();
    let started = Instant::now();
    for program in ["pgbackrest", "rclone"] {
        require_program(program);
    }
    require_program(PUSHGATEWAY);
    require_program(&format!("{PG_BIN}/postgres"));
    require_program(&format!("{MOTO_VENV}/bin/gunicorn"));
    let identity = postgres_identity();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    hand_over(root, identity, 0o755);
    let (s3_port, pgw_port, pg_port, server_port, drill_port) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    // The rendered cluster's other members: one streaming standby here,
    // which members 2 and 3 both name.
    let (standby_port, standby_server_port) = (free_port(), free_port());
    let tree = render(root, s3_port, pgw_port);

    // The rendered pieces the test runs.
    let patroni = yaml(
        "patroni.yml",
        &tree.file("dify-postgres-patroni", "patroni.yml"),
    );
    let params = &patroni["postgresql"]["parameters"];
    assert_eq!(params["archive_mode"], "on");
    assert_eq!(params["archive_timeout"], "5");
    let archive_command = params["archive_command"].as_str().expect("archive_command");
    assert!(
        archive_command.starts_with("pgbackrest ") && archive_command.contains("archive-push %p")
    );
    let restore_command = patroni["postgresql"]["recovery_conf"]["restore_command"]
        .as_str()
        .expect("restore_command for replicas");
    assert!(restore_command.contains("archive-get %f"));
    assert_eq!(
        patroni["postgresql"]["create_replica_methods"],
        serde_json::json!(["pgbackrest", "basebackup"])
    );
    let set = tree.find("StatefulSet", "dify-postgres");
    let containers = set["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "pgbackrest")
        .expect("the pgbackrest server container");
    assert_eq!(
        sidecar["command"],
        serde_json::json!(["pgbackrest", "server"])
    );
    let config_path = |c: &Value| -> String {
        c["env"]
            .as_array()
            .expect("env")
            .iter()
            .find(|e| e["name"] == "PGBACKREST_CONFIG")
            .and_then(|e| e["value"].as_str())
            .expect("PGBACKREST_CONFIG")
            .to_string()
    };
    let server_config = config_path(sidecar);
    assert_eq!(
        config_path(&containers[0]),
        server_config,
        "archive_command reads the same file"
    );
    let client_cn = tree
        .file("dify-postgres-patroni", "pgbackrest.conf")
        .lines()
        .find_map(|l| l.strip_prefix("tls-server-auth="))
        .and_then(|v| v.split('=').next())
        .expect("tls-server-auth")
        .to_string();

    // Directories the pods would mount.
    let tls = dir(root, "tls", identity, 0o755);
    certificates(&tls, &client_cn, identity);
    let data = root.join("data");
    let socket = dir(root, "run", identity, 0o755);
    let spool = dir(root, "spool", identity, 0o700);
    let server_lock = dir(root, "server-lock", identity, 0o700);
    let standby_data = root.join("standby");
    let standby_socket = dir(root, "standby-run", identity, 0o755);
    let standby_lock = dir(root, "standby-lock", identity, 0o700);
    let job_lock = dir(root, "job-lock", identity, 0o700);
    let scripts = dir(root, "scripts", identity, 0o755);
    let scratch = dir(root, "scratch", identity, 0o755);

    let data_dir = "/var/lib/pgsql/17/data";
    let s3_host_subs = || {
        vec![
            ("s3.us-east-1.amazonaws.com", LOCALHOST.to_string()),
            ("s3.eu-central-1.amazonaws.com", LOCALHOST.to_string()),
        ]
    };
    // One configuration per member: its data directory, ports and socket.
    let server_conf_for = |name: &str,
                           data: &Path,
                           pg_port: u16,
                           server_port: u16,
                           socket: &Path,
                           lock: &Path|
     -> PathBuf {
        let mut subs = s3_host_subs();
        subs.extend([
            (
                "tls-server-address=*",
                format!("tls-server-address={LOCALHOST}"),
            ),
            (
                "tls-server-port=8432",
                format!("tls-server-port={server_port}"),
            ),
            (
                "/etc/dify-gen/pgbackrest-tls",
                tls.join("server").display().to_string(),
            ),
            (
                "/var/lib/pgsql/pgbackrest-spool",
                spool.display().to_string(),
            ),
            ("/tmp/pgbackrest", lock.display().to_string()),
            (data_dir, data.display().to_string()),
            ("pg1-port=5432", format!("pg1-port={pg_port}")),
            ("/run/postgresql", socket.display().to_string()),
        ]);
        let path = root.join(format!("{name}-pgbackrest.conf"));
        write_file(
            &path,
            &Sub(subs).apply(
                "server pgbackrest.conf",
                &tree.file("dify-postgres-patroni", "pgbackrest.conf"),
            ),
            0o644,
        );
        path
    };
    let server_conf = server_conf_for(
        "primary",
        &data,
        pg_port,
        server_port,
        &socket,
        &server_lock,
    );
    let standby_conf = server_conf_for(
        "standby",
        &standby_data,
        standby_port,
        standby_server_port,
        &standby_socket,
        &standby_lock,
    );
    assert_eq!(server_config, "/etc/dify-gen/patroni/pgbackrest.conf");
    let member =
        |i: u32| format!("dify-postgres-{i}.dify-postgres-headless.dify.svc.cluster.local");
    let mut client_subs = s3_host_subs();
    client_subs.extend([
        (
            "/etc/dify-gen/backup-tls",
            tls.join("client").display().to_string(),
        ),
        ("/tmp/pgbackrest", job_lock.display().to_string()),
    ]);
    let mut client = Sub(client_subs).apply(
        "job pgbackrest.conf",
        &tree.file("dify-backup", "pgbackrest.conf"),
    );
    // Per member: its host, ports and directories.
    for (i, port, pg, data_path, socket_path) in [
        (0, server_port, pg_port, &data, &socket),
        (
            1,
            standby_server_port,
            standby_port,
            &standby_data,
            &standby_socket,
        ),
        (
            2,
            standby_server_port,
            standby_port,
            &standby_data,
            &standby_socket,
        ),
    ] {
        let n = i + 1;
        let host_line = format!("pg{n}-host={}", member(i));
        assert!(
            client.contains(&host_line),
            "member {i} is not in the job configuration"
        );
        client = client
            .replace(&host_line, &format!("pg{n}-host={LOCALHOST}"))
            .replace(
                &format!("pg{n}-host-port=8432"),
                &format!("pg{n}-host-port={port}"),
            )
            .replace(&format!("pg{n}-port=5432"), &format!("pg{n}-port={pg}"))
            .replace(
                &format!("pg{n}-path={data_dir}"),
                &format!("pg{n}-path={}", data_path.display()),
            )
            .replace(
                &format!("pg{n}-socket-path=/run/postgresql"),
                &format!("pg{n}-socket-path={}", socket_path.display()),
            );
    }
    let client_conf = root.join("job-pgbackrest.conf");
    write_file(&client_conf, &client, 0o644);
    let script_subs = || {
        Sub(vec![
            ("/etc/dify-gen/backup", scripts.display().to_string()),
            ("/var/lib/dify-gen-drill", scratch.display().to_string()),
            ("/usr/pgsql-17/bin", PG_BIN.to_string()),
            ("port=5433", format!("port={drill_port}")),
            (
                "http://pushgateway.monitoring.svc.cluster.local",
                format!("http://{LOCALHOST}"),
            ),
        ])
    };
    for key in ["backup.sh", "restore.sh", "files-copy.sh"] {
        write_file(&scripts.join(key), &tree.file("dify-backup", key), 0o755);
    }
    write_file(
        &scripts.join("drill.sh"),
        &script_subs().apply("drill.sh", &tree.file("dify-backup", "drill.sh")),
        0o755,
    );
    let rclone_conf = root.join("rclone.conf");
    write_file(
        &rclone_conf,
        &Sub(s3_host_subs()).apply("rclone.conf", &tree.file("dify-backup", "rclone.conf")),
        0o644,
    );

    // S3 over HTTPS: both repositories and Dify's buckets.
    let s3_dir = dir(root, "s3", None, 0o755);
    write_file(
        &s3_dir.join("s3_server.py"),
        include_str!("s3_server.py"),
        0o644,
    );
    let s3_client = s3_dir.join("s3_objects.py");
    write_file(&s3_client, include_str!("s3_objects.py"), 0o644);
    let mut gunicorn = Command::new(format!("{MOTO_VENV}/bin/gunicorn"));
    gunicorn
        .args([
            "-b",
            &format!("{LOCALHOST}:{s3_port}"),
            "-k",
            "gthread",
            "--threads",
            "8",
            "-w",
            "1",
        ])
        .args(["--keep-alive", "120", "--chdir"])
        .arg(&s3_dir)
        .arg("--certfile")
        .arg(tls.join("s3.crt"))
        .arg("--keyfile")
        .arg(tls.join("s3.key"))
        .arg("s3_server:app")
        .env("HOME", &s3_dir);
    let _s3 = Process::spawn("moto-s3", gunicorn, root.join("s3.log"));
    let endpoint = format!("https://{LOCALHOST}:{s3_port}");
    let ca = tls.join("ca.crt");
    _s3.wait_for_port("the S3 server", s3_port, Duration::from_secs(30));
    s3(
        &endpoint,
        &[
            "create",
            "dify-backups@us-east-1",
            "dify-backups-offsite@eu-central-1",
            "dify-files@us-east-1",
            "dify-plugins@us-east-1",
        ],
        &ca,
        &s3_client,
    );
    let tenant = "7d2f0c8e-4b1a-4c55-9e2a-1f3b5c7d9e01";
    let files = [
        (
            "dify-files",
            format!("privkeys/{tenant}/private.pem"),
            "-----BEGIN RSA PRIVATE KEY----- test key",
        ),
        (
            "dify-files",
            format!("upload_files/{tenant}/report.txt"),
            "quarterly report",
        ),
        (
            "dify-plugins",
            "plugin_packages/langgenius/openai.difypkg".to_string(),
            "plugin package bytes",
        ),
    ];
    for (bucket, key, body) in &files {
        s3(&endpoint, &["put", bucket, key, body], &ca, &s3_client);
    }

    // PostgreSQL with the rendered archive settings, and pgBackRest's server.
    let mut initdb = Command::new(format!("{PG_BIN}/initdb"));
    // Local connections only, over a socket in the test's own directory.
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "--data-checksums"]);
    let (ok, output) = run_bounded(as_postgres(initdb, identity), Duration::from_secs(120));
    assert!(ok, "initdb:\n{output}");
    let mut conf = fs::read_to_string(data.join("postgresql.conf")).expect("postgresql.conf");
    conf.push_str(&format!(
        "\n# The test instances: sockets only\nlisten_addresses = ''\n# As Patroni writes them: by the member's absolute path\nhba_file = '{data}/pg_hba.conf'\nident_file = '{data}/pg_ident.conf'\n# From the rendered patroni.yml\narchive_mode = on\narchive_command = '{}'\narchive_timeout = {}\n",
        archive_command.replace('\'', "''"),
        params["archive_timeout"].as_str().expect("archive_timeout"),
        data = data.display(),
    ));
    write_file(&data.join("postgresql.conf"), &conf, 0o600);
    hand_over(&data.join("postgresql.conf"), identity, 0o600);
    let start = |name: &str, data: &Path, port: u16, socket: &Path, conf: &Path| -> Process {
        let mut postgres = Command::new(format!("{PG_BIN}/postgres"));
        postgres
            .arg("-D")
            .arg(data)
            .args(["-c", &format!("port={port}"), "-c"])
            .arg(format!("unix_socket_directories={}", socket.display()));
        pgbackrest_env(&mut postgres, conf, &tls, 2);
        run_postgres(
            name,
            postgres,
            root.join(format!("{name}.log")),
            (data, socket, port),
            identity,
        )
    };
    let serve = |name: &str, conf: &Path, port: u16| -> Process {
        let mut command = Command::new("pgbackrest");
        command.arg("server");
        pgbackrest_env(&mut command, conf, &tls, 2);
        let server = Process::spawn(
            name,
            as_postgres(command, identity),
            root.join(format!("{name}.log")),
        );
        server.wait_for_port(name, port, Duration::from_secs(30));
        server
    };
    let mut postgres = start("postgres", &data, pg_port, &socket, &server_conf);
    let mut server = serve("pgbackrest-server", &server_conf, server_port);
    // A streaming standby, as Patroni's replicas are.
    let mut basebackup = Command::new(format!("{PG_BIN}/pg_basebackup"));
    basebackup
        .arg("-D")
        .arg(&standby_data)
        .args(["-R", "-X", "stream", "-c", "fast", "-h"])
        .arg(&socket)
        .args(["-p", &pg_port.to_string(), "-U", "postgres"]);
    let (ok, output) = run_bounded(as_postgres(basebackup, identity), Duration::from_secs(120));
    assert!(ok, "pg_basebackup:\n{output}");
    let mut standby = start(
        "standby",
        &standby_data,
        standby_port,
        &standby_socket,
        &standby_conf,
    );
    let mut standby_server = serve("pgbackrest-standby", &standby_conf, standby_server_port);
    assert_eq!(
        psql(
            &standby_socket,
            standby_port,
            "postgres",
            "SELECT pg_is_in_recovery()",
            identity
        )
        .as_deref(),
        Ok("t")
    );

    // Dify's two databases, with rows written in four batches.
    let databases = ["dify", "dify_plugin"];
    for db in databases {
        psql(
            &socket,
            pg_port,
            "postgres",
            &format!("CREATE DATABASE {db}"),
            identity,
        )
        .expect("create database");
        psql(&socket, pg_port, db, "CREATE TABLE probe (id integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), payload text)", identity)
            .expect("create table");
    }
    let write_batch = |batch: u32| {
        let (from, to) = (batch * 100 - 99, batch * 100);
        for db in databases {
            psql(
                &socket,
                pg_port,
                db,
                &format!("INSERT INTO probe (id, payload) SELECT g, md5(g::text) FROM generate_series({from}, {to}) g"),
                identity,
            )
            .expect("insert a batch");
        }
    };
    let backup = |cron_job: &str| -> String {
        let (command, env) = tree.cron_job(cron_job);
        assert!(
            env.contains("PGBACKREST_CONFIG") && env.contains("PGBACKREST_REPO2_CIPHER_PASS"),
            "{env:?}"
        );
        assert_eq!(
            command[..2],
            [
                "sh".to_string(),
                "/etc/dify-gen/backup/backup.sh".to_string()
            ]
        );
        let mut run = Command::new("sh");
        run.arg(scripts.join("backup.sh")).args(&command[2..]);
        pgbackrest_env(&mut run, &client_conf, &tls, 2);
        let (ok, output) = run_bounded(as_postgres(run, identity), Duration::from_secs(240));
        eprintln!(
            "----- {cron_job} -----\n{}",
            output
                .lines()
                .filter(|l| l.contains("backup:") || l.contains("WARN") || l.contains("ERROR"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(ok, "{cron_job} failed:\n{output}\n{}", server.log_tail(20));
        output
    };
    write_batch(1);
    let full = backup("dify-backup-full");
    assert!(
        full.contains("full backup in every repository (1 2): ok"),
        "{full}"
    );
    write_batch(2);
    let incr = backup("dify-backup-incremental");
    assert!(
        incr.contains("incr backup in every repository (1 2): ok"),
        "{incr}"
    );
    write_batch(3);
    // The point in time to restore to: after batch 3 committed, before batch 4.
    std::thread::sleep(Duration::from_millis(1100));
    let target = psql(&socket, pg_port, "postgres", "SELECT now()", identity).expect("now");
    std::thread::sleep(Duration::from_millis(1100));
    write_batch(4);
    // Nothing is forced: the rendered archive_timeout (5 s) switches the
    // segment and archive_command pushes it.
    let last_segment = psql(
        &socket,
        pg_port,
        "postgres",
        "SELECT pg_walfile_name(pg_current_wal_lsn())",
        identity,
    )
    .expect("segment");
    let (_, archived_after) = wait_for(
        "the last WAL segment archived",
        Duration::from_secs(60),
        Duration::from_millis(250),
        || {
            psql(
                &socket,
                pg_port,
                "postgres",
                "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
                identity,
            )
            .ok()
            .filter(|w| w.as_str() >= last_segment.as_str())
        },
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", postgres.log_tail(30)));
    eprintln!(
        "segment {last_segment} archived {:.1}s after the last commit",
        archived_after.as_secs_f64()
    );
    let committed = 400;

    // Destroy the instance: the pod and its volume are gone.
    for process in [
        &mut standby_server,
        &mut standby,
        &mut server,
        &mut postgres,
    ] {
        process.kill();
    }
    fs::remove_dir_all(&data).expect("remove the data directory");
    fs::remove_dir_all(&standby_data).expect("remove the standby's data directory");

    // The drill, as its CronJob runs it: every repository, with figures.
    let mut pushgateway = Command::new(PUSHGATEWAY);
    pushgateway.arg(format!("--web.listen-address={LOCALHOST}:{pgw_port}"));
    let _pushgateway = Process::spawn("pushgateway", pushgateway, root.join("pushgateway.log"));
    wait_for(
        "the Pushgateway",
        Duration::from_secs(30),
        Duration::from_millis(200),
        || http_get(pgw_port, "/-/ready").filter(|(status, _)| *status == 200),
    )
    .expect("the Pushgateway starts");
    let (command, _) = tree.cron_job("dify-backup-drill");
    assert_eq!(command, ["sh", "/etc/dify-gen/backup/drill.sh"]);
    let mut drill = Command::new("sh");
    drill.arg(scripts.join("drill.sh"));
    pgbackrest_env(&mut drill, &client_conf, &tls, 2);
    let (ok, output) = run_bounded(as_postgres(drill, identity), Duration::from_secs(600));
    eprintln!(
        "----- drill -----\n{}",
        output
            .lines()
            .filter(|l| l.starts_with("DRILL") || l.starts_with("ROWS") || l.starts_with("drill"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(ok, "the drill failed:\n{output}");
    let objectives = &tree.find("ConfigMap", "dify-backup")["data"]["drill.sh"];
    assert!(
        objectives.as_str().unwrap().contains("objective (3600s)"),
        "the ha RTO objective"
    );
    let reports = report_lines(&output, "DRILL ");
    assert_eq!(reports.len(), 2, "one DRILL line per repository:\n{output}");
    for r in &reports {
        let figure = |k: &str| -> i64 { r[k].parse().unwrap_or_else(|_| panic!("{k} in {r:?}")) };
        eprintln!(
            "MEASURED backup_drill repo={} rto_seconds={} rpo_seconds={} (objectives {}s and {}s)",
            r["repo"],
            figure("rto_seconds"),
            figure("rpo_seconds"),
            figure("rto_objective_seconds"),
            figure("rpo_objective_seconds")
        );
        assert_eq!(r["success"], "1", "{r:?}");
        assert!(
            figure("rto_seconds") <= figure("rto_objective_seconds"),
            "{r:?}"
        );
        assert!(
            (0..=figure("rpo_objective_seconds")).contains(&figure("rpo_seconds")),
            "{r:?}"
        );
    }
    // Every committed row is back, from each repository. Ids are a primary
    // key and only 1..=400 were written, so the count is the set.
    let rows = report_lines(&output, "ROWS ");
    for repo in ["1", "2"] {
        for db in databases {
            let row = rows
                .iter()
                .find(|r| r["repo"] == repo && r["database"] == db && r["table"] == "public.probe")
                .unwrap_or_else(|| panic!("no row count for {db} from repo{repo}:\n{output}"));
            assert_eq!(row["rows"], committed.to_string(), "repo{repo} {db}");
        }
    }
    // The figures reached the Pushgateway as metrics.
    let (_, metrics) = http_get(pgw_port, "/metrics").expect("Pushgateway metrics");
    for repo in ["1", "2"] {
        let line = metrics
            .lines()
            .find(|l| {
                l.starts_with("dify_backup_drill_success{")
                    && l.contains(&format!("repo=\"{repo}\""))
            })
            .unwrap_or_else(|| panic!("no drill metrics for repo{repo}:\n{metrics}"));
        assert!(line.ends_with(" 1"), "{line}");
    }
    // The monitoring output alerts on every backup CronJob (promtool
    // proves those rules in the monitoring tests).
    let rule_names: Vec<&str> = tree.rules["groups"]
        .as_array()
        .expect("rule groups")
        .iter()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .filter_map(|r| r["alert"].as_str())
        .collect();
    for alert in [
        "DifyBackupFullStale",
        "DifyBackupIncrementalFailed",
        "DifyBackupFilesMissed",
        "DifyBackupDrillFailed",
    ] {
        assert!(
            rule_names.contains(&alert),
            "no `{alert}` in {rule_names:?}"
        );
    }
    assert!(metrics.contains("job=\"dify-backup-drill\""), "{metrics}");

    // To a point in time, from repo1, with the rendered restore script.
    let pitr = root.join("pitr");
    let mut restore = Command::new("sh");
    restore
        .arg(scripts.join("restore.sh"))
        .arg("1")
        .arg(&pitr)
        .arg(&target);
    pgbackrest_env(&mut restore, &client_conf, &tls, 2);
    let (ok, output) = run_bounded(as_postgres(restore, identity), Duration::from_secs(240));
    assert!(ok, "restore.sh to {target}:\n{output}");
    assert!(
        tree.runbook.contains("sh restore.sh 1 /srv/dify-restore '"),
        "the runbook uses restore.sh"
    );
    let mut restored = Command::new(format!("{PG_BIN}/postgres"));
    restored
        .arg("-D")
        .arg(&pitr)
        .args([
            "-c",
            &format!("port={pg_port}"),
            "-c",
            "listen_addresses=",
            "-c",
        ])
        .arg(format!("unix_socket_directories={}", socket.display()))
        .args(["-c", "archive_mode=off", "-c", "synchronous_standby_names="])
        // As the runbook says: the copy's own pg_hba.conf and pg_ident.conf.
        .arg("-c")
        .arg(format!("hba_file={}/pg_hba.conf", pitr.display()))
        .arg("-c")
        .arg(format!("ident_file={}/pg_ident.conf", pitr.display()));
    pgbackrest_env(&mut restored, &client_conf, &tls, 2);
    let mut restored = Process::spawn(
        "postgres-pitr",
        as_postgres(restored, identity),
        root.join("pitr.log"),
    );
    restored.also_kill_pid_file(pitr.join("postmaster.pid"), &pitr.display().to_string());
    wait_for(
        "the point-in-time restore to end",
        Duration::from_secs(120),
        Duration::from_millis(500),
        || {
            psql(
                &socket,
                pg_port,
                "postgres",
                "SELECT pg_is_in_recovery()",
                identity,
            )
            .ok()
            .filter(|r| r == "f")
        },
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", restored.log_tail(30)));
    for db in databases {
        let ids = psql(
            &socket,
            pg_port,
            db,
            "SELECT count(*), min(id), max(id) FROM probe",
            identity,
        )
        .expect("count");
        assert_eq!(
            ids, "300|1|300",
            "{db} at {target}: batches 1 to 3 and not 4"
        );
    }
    restored.kill();

    // The bucket copy, as its CronJob runs it, checked object by object.
    let (command, env) = tree.cron_job("dify-backup-files");
    assert_eq!(command, ["sh", "/etc/dify-gen/backup/files-copy.sh"]);
    let mut copy = Command::new("sh");
    copy.arg(scripts.join("files-copy.sh"))
        .env("RCLONE_CONFIG", &rclone_conf)
        .env("SSL_CERT_FILE", &ca)
        .env("HOME", root)
        .env("XDG_CACHE_HOME", root)
        // Not in the pod; rclone 1.60 cannot combine it with its own transport.
        .env_remove("AWS_CA_BUNDLE");
    for var in env
        .iter()
        .filter(|v| v.ends_with("_ACCESS_KEY_ID") || v.ends_with("_SECRET_ACCESS_KEY"))
    {
        copy.env(var, "test-credential");
    }
    let (ok, output) = run_bounded(copy, Duration::from_secs(120));
    assert!(ok, "files-copy.sh:\n{output}");
    for bucket in ["dify-files", "dify-plugins"] {
        let source: BTreeMap<String, String> =
            serde_json::from_str(&s3(&endpoint, &["list", bucket, ""], &ca, &s3_client))
                .expect("listing");
        assert!(!source.is_empty());
        for repo_bucket in ["dify-backups", "dify-backups-offsite"] {
            let copy: BTreeMap<String, String> = serde_json::from_str(&s3(
                &endpoint,
                &["list", repo_bucket, &format!("dify/files/{bucket}/")],
                &ca,
                &s3_client,
            ))
            .expect("listing");
            assert_eq!(copy, source, "{bucket} in {repo_bucket}, object by object");
        }
    }
    eprintln!(
        "MEASURED backup_round_trip_seconds={:.1}",
        started.elapsed().as_secs_f64()
    );
}
