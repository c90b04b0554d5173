//! Scenarios (a) and (b): three etcd members and three Patroni nodes running
//! the rendered etcd arguments, `patroni.yml`, post-bootstrap script and
//! replication check. Per-member values reach Patroni through the same
//! PATRONI_* environment variables the pods set; the only other change to the
//! rendered files is the directory of the Patroni scripts.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::harness::{
    exclusive, free_port, free_space, hand_over, http_get, patroni_program, postgres_identity,
    psql, require_program, run_bounded, trouble_lines, wait_for, write_file, Process, LOCALHOST,
};
use super::rendered::{render_ha, Rendered, NAMESPACE, RELEASE};

const SUPERUSER_PASSWORD: &str = "superuser-test-password";
const REPLICATION_PASSWORD: &str = "replication-test-password";
const APP_PASSWORD: &str = "dify-test-password";
const PG_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// Longest accepted time from killing the leader to the first write accepted by
/// a new leader. Patroni's leader key expires after `ttl` (30 s) and the
/// replicas check every `loop_wait` (10 s), so about 40 s is the worst case.
const FAILOVER_BOUND: Duration = Duration::from_secs(60);

struct Etcd {
    client_ports: Vec<u16>,
    /// `--listen-metrics-urls` of each member.
    metrics_ports: Vec<u16>,
    _members: Vec<Process>,
}

fn start_etcd(rendered: &Rendered, root: &Path) -> Etcd {
    let etcd = require_program("etcd");
    let n = rendered.etcd_members;
    let client: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let peer: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let metrics: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let domain = format!("{RELEASE}-etcd-headless.{NAMESPACE}.svc.cluster.local");
    let mut members = Vec::new();
    for i in 0..n {
        let data = root.join(format!("etcd-{i}"));
        fs::create_dir_all(&data).expect("etcd data dir");
        let args: Vec<String> = rendered
            .etcd_args
            .iter()
            .map(|arg| {
                let mut arg = arg.replace("$(POD_NAME)", &format!("{RELEASE}-etcd-{i}"));
                for j in 0..n {
                    let host = format!("{RELEASE}-etcd-{j}.{domain}");
                    arg = arg.replace(&format!("{host}:2380"), &format!("{LOCALHOST}:{}", peer[j]));
                    arg = arg.replace(
                        &format!("{host}:2379"),
                        &format!("{LOCALHOST}:{}", client[j]),
                    );
                }
                arg = arg.replace("0.0.0.0:2380", &format!("{LOCALHOST}:{}", peer[i]));
                arg = arg.replace("0.0.0.0:2379", &format!("{LOCALHOST}:{}", client[i]));
                arg = arg.replace("0.0.0.0:8080", &format!("{LOCALHOST}:{}", metrics[i]));
                if arg.starts_with("--data-dir=") {
                    arg = format!("--data-dir={}", data.join("default.etcd").display());
                }
                arg
            })
            .collect();
        for arg in &args {
            assert!(
                !arg.contains("svc.cluster.local") && !arg.contains("0.0.0.0"),
                "etcd argument not adapted to 127.0.0.1: {arg}"
            );
        }
        let mut command = Command::new(&etcd);
        command.args(&args);
        members.push(Process::spawn(
            &format!("etcd-{i}"),
            command,
            root.join(format!("etcd-{i}.log")),
        ));
    }
    for (i, port) in client.iter().enumerate() {
        wait_for(
            &format!("etcd-{i} healthy"),
            Duration::from_secs(30),
            Duration::from_millis(250),
            || {
                http_get(*port, "/health")
                    .filter(|(status, body)| *status == 200 && body.contains("true"))
            },
        )
        .unwrap_or_else(|error| panic!("{error}\n{}", members[i].log_tail(30)));
    }
    Etcd {
        client_ports: client,
        metrics_ports: metrics,
        _members: members,
    }
}

/// A stand-in Kubernetes API (HTTPS on 127.0.0.1, `fake_kube_api.py`) that
/// records the pod-label patches of the rendered `role-label.py` callback:
/// what moves the leader Service in a cluster.
struct FakeApi {
    port: u16,
    service_account: PathBuf,
    log: PathBuf,
    _server: Process,
}

impl FakeApi {
    fn start(root: &Path) -> FakeApi {
        let openssl = require_program("openssl");
        let python = require_program("/usr/bin/python3");
        let dir = root.join("kube");
        let service_account = dir.join("serviceaccount");
        fs::create_dir_all(&service_account).expect("service account dir");
        hand_over(&dir, None, 0o755);
        hand_over(&service_account, None, 0o755);
        let mut command = Command::new(openssl);
        command
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(service_account.join("ca.crt"));
        let (ok, output) = run_bounded(command, Duration::from_secs(30));
        assert!(ok, "openssl req failed:\n{output}");
        write_file(
            &service_account.join("ca.crt"),
            &fs::read_to_string(service_account.join("ca.crt")).expect("cert"),
            0o644,
        );
        write_file(
            &service_account.join("token"),
            "test-service-account-token",
            0o644,
        );
        write_file(
            &dir.join("fake_kube_api.py"),
            include_str!("fake_kube_api.py"),
            0o644,
        );
        let port = free_port();
        let log = dir.join("patches.jsonl");
        let mut command = Command::new(python);
        command
            .arg(dir.join("fake_kube_api.py"))
            .arg(port.to_string())
            .arg(service_account.join("ca.crt"))
            .arg(dir.join("key.pem"))
            .arg("test-service-account-token")
            .arg(&log);
        let server = Process::spawn("fake-kube-api", command, root.join("fake-kube-api.log"));
        wait_for(
            "the fake API to listen",
            Duration::from_secs(20),
            Duration::from_millis(100),
            || std::net::TcpStream::connect((LOCALHOST, port)).ok(),
        )
        .unwrap_or_else(|error| panic!("{error}\n{}", server.log_tail(20)));
        FakeApi {
            port,
            service_account,
            log,
            _server: server,
        }
    }

    /// When `pod` was first patched to `primary` at or after `since` (seconds
    /// since the epoch).
    fn primary_since(&self, pod: &str, since: f64) -> Option<f64> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .find_map(|line| {
                let patch: serde_json::Value = serde_json::from_str(line).ok()?;
                let time = patch["time"].as_f64()?;
                (patch["pod"] == pod && patch["labels"][ROLE_LABEL] == "primary" && time >= since)
                    .then_some(time)
            })
    }

    /// The last role label each pod was patched to.
    fn roles(&self) -> BTreeMap<String, String> {
        let mut roles = BTreeMap::new();
        for line in fs::read_to_string(&self.log).unwrap_or_default().lines() {
            let patch: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            assert_eq!(patch["namespace"], NAMESPACE);
            let role = patch["labels"][ROLE_LABEL]
                .as_str()
                .expect("the role label")
                .to_string();
            roles.insert(patch["pod"].as_str().expect("pod").to_string(), role);
        }
        roles
    }
}

/// The label the leader Service selects on (read from the rendered callback).
const ROLE_LABEL: &str = "dify-gen.io/postgres-role";

struct Member {
    name: String,
    api_port: u16,
    pg_port: u16,
    dir: PathBuf,
    starts: usize,
    process: Option<Process>,
}

struct Cluster {
    root: PathBuf,
    scripts: PathBuf,
    etcd_hosts: String,
    members: Vec<Member>,
    identity: Option<(u32, u32)>,
    patroni: PathBuf,
    api: FakeApi,
}

impl Cluster {
    fn start(rendered: &Rendered, root: &Path, etcd: &Etcd, api: FakeApi) -> Cluster {
        let identity = postgres_identity();
        require_program(&format!("{PG_BIN_DIR}/postgres"));
        require_program("psql");
        let patroni = patroni_program();
        let scripts = root.join("scripts");
        fs::create_dir_all(&scripts).expect("scripts dir");
        for key in [
            "post-bootstrap.sh",
            "role-label.py",
            "replication-check.sh",
            "replication-check.sql",
        ] {
            write_file(&scripts.join(key), rendered.file(key), 0o755);
        }
        // The test sets the same variables the StatefulSet gives each pod.
        for var in [
            "PATRONI_NAME",
            "PATRONI_RESTAPI_CONNECT_ADDRESS",
            "PATRONI_POSTGRESQL_CONNECT_ADDRESS",
            "PATRONI_SUPERUSER_PASSWORD",
            "PATRONI_REPLICATION_PASSWORD",
            "DIFY_DB_PASSWORD",
        ] {
            assert!(
                rendered.patroni_env.iter().any(|v| v == var),
                "the Patroni pods do not get `{var}`"
            );
        }
        // The only edit to the file: the directory its scripts are mounted in.
        let rendered_config = rendered.file("patroni.yml");
        let dir = &rendered.patroni_dir;
        assert!(
            rendered_config.contains(dir.as_str()),
            "patroni.yml does not use its mount {dir}"
        );
        let config = rendered_config.replace(dir.as_str(), &scripts.display().to_string());
        let etcd_hosts = etcd
            .client_ports
            .iter()
            .map(|port| format!("'{LOCALHOST}:{port}'"))
            .collect::<Vec<_>>()
            .join(",");
        let members = (0..rendered.postgres_members)
            .map(|i| {
                let dir = root.join(format!("postgres-{i}"));
                fs::create_dir_all(&dir).expect("member dir");
                hand_over(&dir, identity, 0o700);
                write_file(&dir.join("patroni.yml"), &config, 0o644);
                Member {
                    name: format!("{RELEASE}-postgres-{i}"),
                    api_port: free_port(),
                    pg_port: free_port(),
                    dir,
                    starts: 0,
                    process: None,
                }
            })
            .collect();
        let mut cluster = Cluster {
            root: root.to_path_buf(),
            scripts,
            etcd_hosts,
            members,
            identity,
            patroni,
            api,
        };
        for i in 0..cluster.members.len() {
            cluster.start_member(i);
        }
        cluster
    }

    fn start_member(&mut self, i: usize) {
        let member = &self.members[i];
        let mut command = Command::new(&self.patroni);
        command
            .arg(member.dir.join("patroni.yml"))
            .current_dir(&member.dir)
            .env("HOME", &member.dir)
            // Per-pod values, as the StatefulSet sets them (addresses adapted).
            .env("PATRONI_NAME", &member.name)
            .env(
                "PATRONI_RESTAPI_LISTEN",
                format!("{LOCALHOST}:{}", member.api_port),
            )
            .env(
                "PATRONI_RESTAPI_CONNECT_ADDRESS",
                format!("{LOCALHOST}:{}", member.api_port),
            )
            .env(
                "PATRONI_POSTGRESQL_LISTEN",
                format!("{LOCALHOST}:{}", member.pg_port),
            )
            .env(
                "PATRONI_POSTGRESQL_CONNECT_ADDRESS",
                format!("{LOCALHOST}:{}", member.pg_port),
            )
            .env("PATRONI_SUPERUSER_PASSWORD", SUPERUSER_PASSWORD)
            .env("PATRONI_REPLICATION_PASSWORD", REPLICATION_PASSWORD)
            .env("DIFY_DB_PASSWORD", APP_PASSWORD)
            // Addresses and directories that differ outside the pod.
            .env("PATRONI_ETCD3_HOSTS", &self.etcd_hosts)
            .env("PATRONI_POSTGRESQL_DATA_DIR", member.dir.join("data"))
            .env("PATRONI_POSTGRESQL_BIN_DIR", PG_BIN_DIR)
            .env("PATRONI_POSTGRESQL_PGPASS", member.dir.join("pgpass"))
            // The callback's view of the pod and the API (adapted addresses).
            .env("POD_NAME", &member.name)
            .env("POD_NAMESPACE", NAMESPACE)
            .env("KUBERNETES_SERVICE_HOST", LOCALHOST)
            .env("KUBERNETES_SERVICE_PORT", self.api.port.to_string())
            .env("SERVICE_ACCOUNT_DIR", &self.api.service_account);
        if let Some((uid, gid)) = self.identity {
            command.uid(uid).gid(gid);
        }
        let log = self
            .root
            .join(format!("{}.start-{}.log", member.name, member.starts));
        let mut process = Process::spawn(&member.name, command, log);
        let data = member.dir.join("data");
        process.also_kill_pid_file(data.join("postmaster.pid"), &data.display().to_string());
        self.members[i].starts += 1;
        self.members[i].process = Some(process);
    }

    fn kill_member(&mut self, i: usize) {
        if let Some(mut process) = self.members[i].process.take() {
            process.kill();
        }
    }

    /// Index of the member whose REST API says it is the running primary
    /// holding the leader lock: what the leader Service routes to.
    fn leader(&self) -> Option<usize> {
        self.members.iter().position(|m| {
            m.process.is_some()
                && http_get(m.api_port, "/primary").is_some_and(|(status, _)| status == 200)
        })
    }

    fn replication_check(&self, leader: usize, extra_env: &[(&str, &str)]) -> (bool, String) {
        let mut command = Command::new("sh");
        command
            .arg(self.scripts.join("replication-check.sh"))
            .env("PGHOST", LOCALHOST)
            .env("PGPORT", self.members[leader].pg_port.to_string())
            .env("PGUSER", "postgres")
            .env("PGPASSWORD", SUPERUSER_PASSWORD);
        for (key, value) in extra_env {
            command.env(key, value);
        }
        run_bounded(command, Duration::from_secs(120))
    }

    /// What went wrong, member by member: the trouble lines of every start
    /// (a member restarted by the test has one log per start), the last lines
    /// of the running one, and the free space where the data lives.
    fn dump_logs(&self) {
        eprintln!("----- free space -----\n{}", free_space(&self.root));
        for member in &self.members {
            for start in 0..member.starts {
                let log = self.root.join(format!("{}.start-{start}.log", member.name));
                eprintln!(
                    "----- {} start {start}: errors -----\n{}",
                    member.name,
                    trouble_lines(&log, 24).join("\n")
                );
            }
            if let Some(process) = &member.process {
                eprintln!(
                    "----- {} last lines -----\n{}",
                    member.name,
                    process.log_tail(15)
                );
            }
        }
    }

    /// The first error line each member logged: short enough to survive in a
    /// CI summary that keeps only a part of the output.
    fn first_errors(&self) -> String {
        self.members
            .iter()
            .filter_map(|member| {
                let log = self.root.join(format!("{}.start-0.log", member.name));
                trouble_lines(&log, 2)
                    .into_iter()
                    .next()
                    .map(|line| format!("{}: {line}", member.name))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Members the leader's Patroni lists as streaming from it, read from its
    /// REST API's `/cluster`.
    fn streaming_standbys(&self, leader: usize) -> usize {
        http_get(self.members[leader].api_port, "/cluster")
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
            .and_then(|cluster| {
                cluster["members"].as_array().map(|members| {
                    members
                        .iter()
                        .filter(|m| m["role"] != "leader" && m["state"] == "streaming")
                        .count()
                })
            })
            .unwrap_or(0)
    }
}

#[test]
fn patroni_quorum_cluster_replicates_and_fails_over_without_losing_rows() {
    let _serial = exclusive();
    let rendered = render_ha();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    hand_over(root, None, 0o755);
    let etcd = start_etcd(&rendered, root);
    let api = FakeApi::start(root);
    let mut cluster = Cluster::start(&rendered, root, &etcd, api);

    // (a) A leader, streaming standbys, and the rendered replication check passes.
    let (leader, elapsed) = wait_for(
        "a Patroni leader",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || cluster.leader(),
    )
    .unwrap_or_else(|error| {
        cluster.dump_logs();
        panic!("{error}")
    });
    // Every REST port is served by the member this test started.
    for member in &cluster.members {
        let (_, body) = http_get(member.api_port, "/patroni").expect("GET /patroni");
        let status: serde_json::Value = serde_json::from_str(&body).expect("JSON status");
        assert_eq!(
            status["patroni"]["name"],
            member.name.as_str(),
            "port {} serves another Patroni",
            member.api_port
        );
    }
    eprintln!(
        "leader {} after {:.1}s",
        cluster.members[leader].name,
        elapsed.as_secs_f64()
    );
    // The metrics the monitoring rules and dashboards select from Patroni
    // and etcd are ones these programs serve.
    let scrape = |ports: &[u16]| -> String {
        ports
            .iter()
            .map(|p| http_get(*p, "/metrics").expect("GET /metrics").1)
            .collect()
    };
    let patroni_metrics = scrape(
        &cluster
            .members
            .iter()
            .map(|m| m.api_port)
            .collect::<Vec<_>>(),
    );
    for metric in crate::monitoring::selected_metrics("postgres") {
        assert!(
            crate::monitoring::exposes(&patroni_metrics, &metric),
            "Patroni does not serve `{metric}`"
        );
    }
    let etcd_metrics = scrape(&etcd.metrics_ports);
    for metric in crate::monitoring::selected_metrics("etcd") {
        assert!(
            crate::monitoring::exposes(&etcd_metrics, &metric),
            "etcd does not serve `{metric}`"
        );
    }
    // The standbys copy the leader with pg_basebackup first; on a slow
    // machine that takes a while. Wait for Patroni to report them streaming
    // (bounded), so the check below judges replication, not start-up time.
    let standbys = cluster.members.len() - 1;
    if let Err(error) = wait_for(
        "every standby streaming",
        Duration::from_secs(180),
        Duration::from_secs(1),
        || (cluster.streaming_standbys(leader) >= standbys).then_some(()),
    ) {
        cluster.dump_logs();
        panic!("{error}; first errors: {}", cluster.first_errors());
    }
    let (passed, output) = cluster.replication_check(leader, &[]);
    eprintln!("replication check:\n{output}");
    if !passed {
        cluster.dump_logs();
    }
    assert!(
        passed,
        "the rendered replication check failed against the leader (first errors: {}):\n{output}",
        cluster.first_errors()
    );
    // The rendered callback labelled every pod with its role through the
    // (stand-in) API: the leader Service selects the leader, and only it.
    let expected: BTreeMap<String, String> = cluster
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                m.name.clone(),
                if i == leader { "primary" } else { "replica" }.to_string(),
            )
        })
        .collect();
    wait_for(
        "role labels on every pod",
        Duration::from_secs(30),
        Duration::from_millis(250),
        || (cluster.api.roles() == expected).then_some(()),
    )
    .unwrap_or_else(|error| panic!("{error}: {:?}", cluster.api.roles()));
    let states = psql(
        cluster.members[leader].pg_port,
        "postgres",
        SUPERUSER_PASSWORD,
        "postgres",
        "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1",
    )
    .expect("query pg_stat_replication");
    eprintln!("pg_stat_replication:\n{states}");
    assert!(
        states.contains("|streaming|quorum"),
        "quorum commit is not in effect:\n{states}"
    );

    // The check is not vacuous: asking for one standby more than exists fails.
    let (passed, output) =
        cluster.replication_check(leader, &[("EXPECTED_STANDBYS", "3"), ("ATTEMPTS", "1")]);
    assert!(
        !passed,
        "the replication check passed with too few standbys:\n{output}"
    );

    // (b) Keep writing with synchronous commit while the leader is killed.
    let app_port = cluster.members[leader].pg_port;
    psql(
        app_port,
        "dify",
        APP_PASSWORD,
        "dify",
        "CREATE TABLE failover_probe (id integer PRIMARY KEY)",
    )
    .expect("the app role and database from post-bootstrap.sh accept a table");
    let setting = psql(
        app_port,
        "dify",
        APP_PASSWORD,
        "dify",
        "SHOW synchronous_commit",
    )
    .expect("show");
    assert_eq!(setting, "on");

    let old_leader = leader;
    let mut acknowledged = BTreeSet::new();
    let mut killed_at: Option<Instant> = None;
    let mut killed_wall: Option<f64> = None;
    let mut failover: Option<(Duration, usize)> = None;
    let mut after_failover = 0;
    let start = Instant::now();
    for id in 1..=4000u32 {
        if start.elapsed() > Duration::from_secs(180) || after_failover >= 50 {
            break;
        }
        if killed_at.is_none() && acknowledged.len() >= 100 {
            eprintln!(
                "killing leader {} after {} acknowledged rows",
                cluster.members[old_leader].name,
                acknowledged.len()
            );
            cluster.kill_member(old_leader);
            killed_at = Some(Instant::now());
            killed_wall = Some(epoch_seconds());
        }
        let Some(target) = cluster.leader() else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let sql = format!("INSERT INTO failover_probe (id) VALUES ({id})");
        if psql(
            cluster.members[target].pg_port,
            "dify",
            APP_PASSWORD,
            "dify",
            &sql,
        )
        .is_ok()
        {
            acknowledged.insert(id);
            if let Some(killed) = killed_at {
                after_failover += 1;
                if failover.is_none() {
                    failover = Some((killed.elapsed(), target));
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let Some((failover_time, new_leader)) = failover else {
        cluster.dump_logs();
        panic!("no new leader accepted writes within 180 s of the leader being killed");
    };
    assert_ne!(new_leader, old_leader);
    let killed_wall = killed_wall.expect("the leader was killed");
    let (labelled, _) = wait_for(
        "the new leader's primary label",
        Duration::from_secs(30),
        Duration::from_millis(100),
        || {
            cluster
                .api
                .primary_since(&cluster.members[new_leader].name, killed_wall)
        },
    )
    .unwrap_or_else(|error| panic!("{error}: {:?}", cluster.api.roles()));
    let label_switch = labelled - killed_wall;
    let present: BTreeSet<u32> = psql(
        cluster.members[new_leader].pg_port,
        "dify",
        APP_PASSWORD,
        "dify",
        "SELECT id FROM failover_probe ORDER BY id",
    )
    .expect("read back the rows")
    .lines()
    .map(|line| line.parse().expect("id"))
    .collect();
    let lost: Vec<u32> = acknowledged.difference(&present).copied().collect();
    eprintln!(
        "MEASURED patroni_failover_seconds={:.2} leader_label_seconds={label_switch:.2} new_leader={} rows_acknowledged={} rows_present={} rows_lost={}",
        failover_time.as_secs_f64(),
        cluster.members[new_leader].name,
        acknowledged.len(),
        present.len(),
        lost.len()
    );
    assert!(
        lost.is_empty(),
        "acknowledged rows lost in the failover: {lost:?}"
    );
    assert!(
        failover_time <= FAILOVER_BOUND,
        "failover took {:.1}s, more than {}s",
        failover_time.as_secs_f64(),
        FAILOVER_BOUND.as_secs()
    );

    // The killed member rejoins as a replica (pg_rewind) and the check passes again.
    cluster.start_member(old_leader);
    let (passed, output) = cluster.replication_check(new_leader, &[]);
    if !passed {
        cluster.dump_logs();
    }
    assert!(
        passed,
        "the replication check failed after the old leader rejoined:\n{output}"
    );
}

fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs_f64()
}
