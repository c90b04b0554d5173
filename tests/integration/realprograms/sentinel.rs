//! Scenario (c): a Redis master, two replicas and three Sentinels started by
//! the rendered `start-redis.sh` / `start-sentinel.sh` with the rendered
//! `redis.conf` / `sentinel.conf`. Addresses, ports and directories are
//! adapted through the scripts' environment only.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::harness::{
    exclusive, free_port, require_redis_programs, run_bounded, wait_for, write_file, Process,
    Reply, Resp, LOCALHOST,
};
use super::rendered::{render_ha, Rendered, RELEASE};

pub(super) const PASSWORD: &str = "redis-test-password";

/// Longest accepted time from killing the master to the first write a client
/// makes, through Sentinel discovery, to the promoted replica. Sentinel waits
/// `down-after-milliseconds` (5 s in the `ha` profile) before the failover.
const FAILOVER_BOUND: Duration = Duration::from_secs(30);

pub(super) struct Deployment {
    root: PathBuf,
    readiness: String,
    conf: PathBuf,
    master_set: String,
    pub(super) redis_ports: Vec<u16>,
    sentinel_ports: Vec<u16>,
    pub(super) redis: Vec<Option<Process>>,
    sentinels: Vec<Process>,
    starts: usize,
}

impl Deployment {
    pub(super) fn new(rendered: &Rendered, root: &Path) -> Deployment {
        require_redis_programs();
        for var in ["REDIS_PASSWORD", "POD_NAME"] {
            assert!(
                rendered.redis_env.iter().any(|v| v == var),
                "the Redis pods do not get `{var}`"
            );
        }
        let conf = root.join("conf");
        fs::create_dir_all(&conf).expect("conf dir");
        for key in ["start-redis.sh", "start-sentinel.sh"] {
            write_file(&conf.join(key), rendered.file(key), 0o755);
        }
        // The one address in the files: listen on 127.0.0.1 only, not on
        // every interface as in a pod.
        let redis_conf = rendered.file("redis.conf");
        assert!(
            redis_conf.contains("\nbind * -::*\n"),
            "redis.conf binds every interface"
        );
        let redis_conf = redis_conf.replace("\nbind * -::*\n", "\nbind 127.0.0.1\n");
        write_file(&conf.join("redis.conf"), &redis_conf, 0o644);
        let sentinel_conf = format!("{}bind 127.0.0.1\n", rendered.file("sentinel.conf"));
        write_file(&conf.join("sentinel.conf"), &sentinel_conf, 0o644);
        Deployment {
            root: root.to_path_buf(),
            readiness: rendered.redis_readiness.clone(),
            conf,
            master_set: rendered.master_set.clone(),
            redis_ports: (0..rendered.redis_nodes).map(|_| free_port()).collect(),
            sentinel_ports: (0..rendered.sentinels).map(|_| free_port()).collect(),
            redis: (0..rendered.redis_nodes).map(|_| None).collect(),
            sentinels: Vec::new(),
            starts: 0,
        }
    }

    fn sentinel_addresses(&self) -> String {
        self.sentinel_ports
            .iter()
            .map(|port| format!("{LOCALHOST}:{port}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn script(&self, name: &str) -> Command {
        let mut command = Command::new("sh");
        command
            .arg(self.conf.join(name))
            .env("REDIS_PASSWORD", PASSWORD)
            .env("SENTINEL_ADDRESSES", self.sentinel_addresses())
            .env(
                "BOOTSTRAP_MASTER",
                format!("{LOCALHOST}:{}", self.redis_ports[0]),
            );
        command
    }

    fn start_redis(&mut self, i: usize) {
        let dir = self.root.join(format!("redis-{i}"));
        fs::create_dir_all(dir.join("data")).expect("redis dir");
        let mut command = self.script("start-redis.sh");
        command
            .env("POD_NAME", format!("{RELEASE}-redis-{i}"))
            .env("REDIS_PORT", self.redis_ports[i].to_string())
            .env("REDIS_ANNOUNCE_HOST", LOCALHOST)
            .env("REDIS_CONF_SOURCE", self.conf.join("redis.conf"))
            .env("REDIS_CONF_DIR", &dir)
            .env("REDIS_DATA_DIR", dir.join("data"));
        self.starts += 1;
        let log = self
            .root
            .join(format!("redis-{i}.start-{}.log", self.starts));
        self.redis[i] = Some(Process::spawn(&format!("redis-{i}"), command, log));
    }

    fn start_sentinel(&mut self, i: usize) {
        let dir = self.root.join(format!("sentinel-{i}"));
        let mut command = self.script("start-sentinel.sh");
        command
            .env("POD_NAME", format!("{RELEASE}-sentinel-{i}"))
            .env("SENTINEL_PORT", self.sentinel_ports[i].to_string())
            .env("SENTINEL_ANNOUNCE_HOST", LOCALHOST)
            .env("SENTINEL_CONF_SOURCE", self.conf.join("sentinel.conf"))
            .env("SENTINEL_CONF_DIR", &dir);
        let log = self.root.join(format!("sentinel-{i}.log"));
        self.sentinels
            .push(Process::spawn(&format!("sentinel-{i}"), command, log));
    }

    /// What Dify's client does (`Sentinel(...).master_for(name)`): ask the
    /// Sentinels in order for the master's address, connect, and check that
    /// the node really is a master before using it.
    fn discover_master(&self) -> Option<u16> {
        for port in &self.sentinel_ports {
            let Ok(mut sentinel) = Resp::connect(*port, PASSWORD) else {
                continue;
            };
            let Ok(Reply::Array(address)) =
                sentinel.call(&["SENTINEL", "get-master-addr-by-name", &self.master_set])
            else {
                continue;
            };
            if let [Reply::Bulk(Some(host)), Reply::Bulk(Some(master_port))] = address.as_slice() {
                assert_eq!(host, LOCALHOST, "Sentinel announced a non-local master");
                return master_port.parse().ok();
            }
        }
        None
    }

    fn write_through_sentinel(&self, key: &str) -> Result<u16, String> {
        let port = self.discover_master().ok_or("no Sentinel answered")?;
        let mut master = Resp::connect(port, PASSWORD)?;
        match master.call(&["ROLE"])? {
            Reply::Array(role) if role.first().and_then(Reply::text) == Some("master") => {}
            other => return Err(format!("{port} is not a master: {other:?}")),
        }
        match master.call(&["SET", key, "1"])? {
            Reply::Status(ok) if ok == "OK" => Ok(port),
            other => Err(format!("SET on {port}: {other:?}")),
        }
    }

    pub(super) fn role(&self, port: u16) -> Option<(String, Option<u16>)> {
        let mut node = Resp::connect(port, PASSWORD).ok()?;
        let Reply::Array(role) = node.call(&["ROLE"]).ok()? else {
            return None;
        };
        let name = role.first()?.text()?.to_string();
        let master_port = match role.get(2) {
            Some(Reply::Integer(port)) => u16::try_from(*port).ok(),
            _ => None,
        };
        Some((name, master_port))
    }

    fn info_field(&self, port: u16, section: &str, field: &str) -> Option<String> {
        let mut node = Resp::connect(port, PASSWORD).ok()?;
        let reply = node.call(&["INFO", section]).ok()?;
        reply.text()?.lines().find_map(|line| {
            line.strip_prefix(&format!("{field}:"))
                .map(|v| v.trim().to_string())
        })
    }

    fn sentinel_master_field(&self, port: u16, field: &str) -> Option<String> {
        let mut sentinel = Resp::connect(port, PASSWORD).ok()?;
        let Reply::Array(items) = sentinel
            .call(&["SENTINEL", "master", &self.master_set])
            .ok()?
        else {
            return None;
        };
        items
            .chunks(2)
            .find(|pair| pair[0].text() == Some(field))
            .and_then(|pair| pair.get(1)?.text().map(str::to_string))
    }

    /// Fails the test unless every port is served by the process this test
    /// started there (not by some other program's server).
    fn assert_own_processes(&self) {
        let ports = self
            .redis_ports
            .iter()
            .zip(self.redis.iter().map(|p| p.as_ref().map(Process::pid)));
        let sentinels = self
            .sentinel_ports
            .iter()
            .zip(self.sentinels.iter().map(|p| Some(p.pid())));
        for (port, pid) in ports.chain(sentinels) {
            let mut node = Resp::connect(*port, PASSWORD).expect("connect");
            let info = node.call(&["INFO", "server"]).expect("INFO server");
            let served_by = info
                .text()
                .and_then(|t| t.lines().find_map(|l| l.strip_prefix("process_id:")))
                .map(|v| v.trim().parse::<u32>().expect("pid"));
            assert_eq!(
                served_by, pid,
                "port {port} is not served by the process this test started"
            );
        }
    }

    /// The pods' rendered readiness probe, run against node `i` (its port adapted).
    fn ready(&self, i: usize) -> bool {
        let probe = self
            .readiness
            .replace("-p 6379", &format!("-p {}", self.redis_ports[i]));
        let mut command = Command::new("sh");
        command.args(["-c", &probe]).env("REDIS_PASSWORD", PASSWORD);
        run_bounded(command, Duration::from_secs(5)).0
    }

    pub(super) fn dump_logs(&self) {
        for process in self.redis.iter().flatten().chain(&self.sentinels) {
            eprintln!("----- {} -----\n{}", process.name, process.log_tail(60));
        }
    }
}

impl Deployment {
    /// Starts every data node and Sentinel and waits until the master has
    /// all its replicas in sync and every Sentinel knows them all.
    pub(super) fn start_and_wait(&mut self, rendered: &Rendered) {
        for i in 0..rendered.redis_nodes {
            self.start_redis(i);
        }
        for i in 0..rendered.sentinels {
            self.start_sentinel(i);
        }
        let replicas = (rendered.redis_nodes - 1).to_string();
        let others = (rendered.sentinels - 1).to_string();
        let master = self.redis_ports[0];
        let ready = wait_for(
            "master with replicas and Sentinels",
            Duration::from_secs(60),
            Duration::from_millis(250),
            || {
                // What Kubernetes waits for: every node passes its readiness
                // probe (a replica only once its initial sync is done).
                if !(0..self.redis_ports.len()).all(|i| self.ready(i)) {
                    return None;
                }
                let slaves = self.info_field(master, "replication", "connected_slaves")?;
                let sentinels_ready = self.sentinel_ports.iter().all(|port| {
                    self.sentinel_master_field(*port, "num-slaves").as_deref()
                        == Some(replicas.as_str())
                        && self
                            .sentinel_master_field(*port, "num-other-sentinels")
                            .as_deref()
                            == Some(others.as_str())
                });
                (slaves == replicas && sentinels_ready).then_some(())
            },
        );
        if let Err(error) = ready {
            self.dump_logs();
            panic!("{error}");
        }
        self.assert_own_processes();
        assert_eq!(
            self.discover_master(),
            Some(master),
            "Sentinel does not report pod 0 as the first master"
        );
    }
}

#[test]
fn sentinel_promotes_a_replica_and_clients_follow_it() {
    let _serial = exclusive();
    let rendered = render_ha();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut deployment = Deployment::new(&rendered, tmp.path());
    deployment.start_and_wait(&rendered);
    let master = deployment.redis_ports[0];

    let mut acknowledged = BTreeMap::new();
    let mut killed_at: Option<Instant> = None;
    let mut before_kill = String::new();
    let mut failover: Option<(Duration, u16)> = None;
    let mut after_failover = 0;
    let start = Instant::now();
    for i in 1..=5000u32 {
        if start.elapsed() > Duration::from_secs(120) || after_failover >= 50 {
            break;
        }
        if killed_at.is_none() && acknowledged.len() >= 50 {
            // Kept to explain a loss, should one happen.
            before_kill = deployment
                .redis_ports
                .iter()
                .map(|port| {
                    let info = Resp::connect(*port, PASSWORD)
                        .and_then(|mut node| node.call(&["INFO", "replication"]))
                        .map(|reply| reply.text().unwrap_or_default().to_string())
                        .unwrap_or_else(|error| error);
                    format!("--- {port} ---\n{info}")
                })
                .collect::<Vec<_>>()
                .join("\n");
            eprintln!("killing Redis master on port {master}");
            deployment.redis[0].take().expect("master process").kill();
            killed_at = Some(Instant::now());
        }
        let key = format!("probe:{i}");
        match deployment.write_through_sentinel(&key) {
            Ok(port) => {
                acknowledged.insert(key, port);
                if let Some(killed) = killed_at {
                    assert_ne!(port, master, "a write succeeded on the killed master");
                    after_failover += 1;
                    if failover.is_none() {
                        failover = Some((killed.elapsed(), port));
                    }
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let Some((failover_time, new_master)) = failover else {
        deployment.dump_logs();
        panic!("no client write reached a new master within 120 s");
    };
    assert!(
        deployment.redis_ports[1..].contains(&new_master),
        "the new master is not one of the replicas"
    );
    assert_eq!(
        deployment.role(new_master).map(|(role, _)| role).as_deref(),
        Some("master")
    );
    let missing: Vec<&String> = {
        let mut node = Resp::connect(new_master, PASSWORD).expect("connect to the new master");
        acknowledged
            .keys()
            .filter(|key| node.call(&["EXISTS", key]).ok() != Some(Reply::Integer(1)))
            .collect()
    };
    let lost = missing.len();
    if lost > 0 {
        let ports: BTreeSet<u16> = acknowledged.values().copied().collect();
        eprintln!("acknowledged writes missing on {new_master}: {missing:?}; writes went to ports {ports:?}");
        eprintln!("replication before the kill:\n{before_kill}");
        deployment.dump_logs();
    }
    eprintln!(
        "MEASURED redis_failover_seconds={:.2} new_master_port={new_master} writes_acknowledged={} writes_lost={lost}",
        failover_time.as_secs_f64(),
        acknowledged.len()
    );
    assert!(
        failover_time <= FAILOVER_BOUND,
        "Redis failover took {:.1}s, more than {}s",
        failover_time.as_secs_f64(),
        FAILOVER_BOUND.as_secs()
    );

    // The old master restarts with the same script, finds the new master
    // through Sentinel, and becomes its replica.
    deployment.start_redis(0);
    let rejoined = wait_for(
        "old master to rejoin as replica",
        Duration::from_secs(60),
        Duration::from_millis(250),
        || {
            let following = deployment.role(master)? == ("slave".to_string(), Some(new_master));
            (following && deployment.ready(0)).then_some(())
        },
    );
    if let Err(error) = rejoined {
        deployment.dump_logs();
        panic!("{error}");
    }
}
