//! Scenario (f): the SSRF proxies' ACLs. Squid runs the rendered
//! `squid.conf` of the agent runtime's proxy and of Dify's own, as the
//! image's `proxy` user (uid 13), with its port, pid file and logs moved to
//! a temporary directory, and a `hosts_file` that gives the cluster's
//! Service names the address of a test server on 127.0.0.1 (the first name
//! on the line, which Squid's reverse lookups return, is one no ACL names).
//! Requests go through the proxy as the local sandbox's would.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::harness::{
    free_port, hand_over, require_program, wait_for, write_file, Process, LOCALHOST,
};
use super::rendered::{render_ha, NAMESPACE, RELEASE};

/// The uid of `proxy` in the Ubuntu squid image and in Debian.
const PROXY_UID: u32 = 13;

/// An HTTP server on 127.0.0.1 that answers every request with its path.
struct Upstream {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Upstream {
    fn start() -> Upstream {
        let port = free_port();
        let listener = TcpListener::bind((LOCALHOST, port)).expect("bind the test server");
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        stream.set_nonblocking(false).ok();
                        stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
                        let mut buffer = [0u8; 4096];
                        let n = stream.read(&mut buffer).unwrap_or(0);
                        let request = String::from_utf8_lossy(&buffer[..n]);
                        let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{path}",
                            path.len()
                        );
                    }
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Upstream {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Proxy {
    port: u16,
    _squid: Process,
}

/// Runs a rendered `squid.conf`; `names` resolve to 127.0.0.1.
fn start_squid(root: &Path, name: &str, rendered: &str, names: &[String]) -> Proxy {
    let squid = if Path::new("/usr/sbin/squid").is_file() {
        require_program("/usr/sbin/squid")
    } else {
        require_program("squid")
    };
    let dir = root.join(name);
    fs::create_dir_all(&dir).expect("squid dir");
    let root_user = nix_is_root();
    if root_user {
        std::os::unix::fs::chown(&dir, Some(PROXY_UID), Some(PROXY_UID)).expect("chown to proxy");
    }
    hand_over(&dir, None, 0o755);
    let port = free_port();
    let mut config = rendered.to_string();
    for (from, to) in [
        (
            "http_port 3128\n".to_string(),
            format!("http_port {LOCALHOST}:{port}\n"),
        ),
        (
            "pid_filename /tmp/squid.pid\n".into(),
            format!("pid_filename {}/squid.pid\n", dir.display()),
        ),
        (
            "access_log stdio:/dev/stdout\n".into(),
            format!("access_log stdio:{}/access.log\n", dir.display()),
        ),
        (
            "cache_log stdio:/dev/stderr\n".into(),
            format!("cache_log stdio:{}/cache.log\n", dir.display()),
        ),
    ] {
        assert!(
            config.contains(&from),
            "{name}'s squid.conf has no `{}`",
            from.trim()
        );
        config = config.replace(&from, &to);
    }
    let hosts = dir.join("hosts");
    write_file(
        &hosts,
        &format!("{LOCALHOST} internal-service {}\n", names.join(" ")),
        0o644,
    );
    config.push_str(&format!("hosts_file {}\n", hosts.display()));
    let conf = dir.join("squid.conf");
    write_file(&conf, &config, 0o644);
    let mut command = Command::new(squid);
    command.args(["-N", "-d", "1", "-f"]).arg(&conf);
    if root_user {
        command.uid(PROXY_UID).gid(PROXY_UID);
    }
    let process = Process::spawn(
        &format!("squid ({name})"),
        command,
        root.join(format!("{name}.log")),
    );
    wait_for(
        "squid to listen",
        Duration::from_secs(30),
        Duration::from_millis(100),
        || TcpStream::connect((LOCALHOST, port)).ok(),
    )
    .unwrap_or_else(|error| {
        let cache = fs::read_to_string(dir.join("cache.log")).unwrap_or_default();
        panic!("{error}\n{}\n{cache}", process.log_tail(30))
    });
    Proxy {
        port,
        _squid: process,
    }
}

fn nix_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The status of `GET url` through the proxy, and the body.
fn through(proxy: &Proxy, url: &str) -> (u16, String) {
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    let mut stream = TcpStream::connect((LOCALHOST, proxy.port)).expect("connect to squid");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_ssrf_proxies_allow_only_what_difys_acls_allow() {
    let rendered = render_ha();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    hand_over(root, None, 0o755);
    let upstream = Upstream::start();
    let service = |component: &str| {
        let short = format!("{RELEASE}-{component}");
        vec![
            short.clone(),
            format!("{short}.{NAMESPACE}.svc.cluster.local"),
        ]
    };
    let names: Vec<String> = service("agent-backend")
        .into_iter()
        .chain(service("api"))
        .collect();
    let agent = start_squid(
        root,
        "agent-ssrf-proxy",
        rendered.file("agent-squid.conf"),
        &names,
    );
    let dify = start_squid(root, "ssrf-proxy", rendered.file("squid.conf"), &names);
    let port = upstream.port;
    let url = |host: &str, path: &str| format!("http://{host}:{port}{path}");
    let agent_backend = format!("{RELEASE}-agent-backend");
    let agent_backend_fqdn = format!("{agent_backend}.{NAMESPACE}.svc.cluster.local");
    let api = format!("{RELEASE}-api");
    // The agent's proxy: the stub API and api's files, nothing else inside.
    for (host, path, allowed) in [
        (agent_backend.as_str(), "/agent-stub/v1/files", true),
        (agent_backend_fqdn.as_str(), "/agent-stub/v1/files", true),
        (agent_backend.as_str(), "/runs", false),
        (api.as_str(), "/files/abc/file-preview", true),
        (api.as_str(), "/console/api/apps", false),
        (api.as_str(), "/v1/chat-messages", false),
        ("internal-service", "/agent-stub/v1/files", false),
        (LOCALHOST, "/files/abc", false),
    ] {
        let (status, body) = through(&agent, &url(host, path));
        if allowed {
            assert_eq!(
                (status, body.as_str()),
                (200, path),
                "{host}{path} is allowed"
            );
        } else {
            assert_eq!(status, 403, "{host}{path} is refused, got {status}");
        }
    }
    // A port outside Squid's safe ports is refused even for allowed paths.
    let (status, _) = through(&agent, &format!("http://{api}:22/files/abc"));
    assert_eq!(status, 403);
    // Dify's own SSRF proxy lets nothing inside the cluster through.
    for (host, path) in [
        (api.as_str(), "/files/abc"),
        (agent_backend.as_str(), "/agent-stub/v1/files"),
        ("internal-service", "/"),
    ] {
        let (status, _) = through(&dify, &url(host, path));
        assert_eq!(status, 403, "Dify's SSRF proxy let {host}{path} through");
    }
}
