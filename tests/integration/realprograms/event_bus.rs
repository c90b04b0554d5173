//! Scenario (d): Dify's event bus under Sentinel. Dify's pub/sub client
//! (streamed answers from workers to api, Socket.IO fan-out) takes a URL and
//! never asks Sentinel, so the api pods get `EVENT_BUS_REDIS_URL` pointing at
//! the master proxy. Here the rendered `haproxy.cfg` runs in front of the
//! rendered Redis and Sentinels (addresses and the listening port adapted),
//! a subscriber and a publisher connect through it the way redis-py does
//! (connect, `AUTH`, reconnect on a closed connection), the master is killed,
//! and the subscriber must receive a message published after a replica was
//! promoted. What is published in between is lost (pub/sub delivers at most
//! once): the test measures that gap.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::harness::{
    exclusive, free_port, require_program, wait_for, write_file, Process, Reply, Resp, LOCALHOST,
};
use super::rendered::{render_ha, Rendered, NAMESPACE, RELEASE};
use super::sentinel::{Deployment, PASSWORD};

const CHANNEL: &str = "dify-gen-test-events";

/// Longest accepted time from killing the master until a subscriber
/// reconnected through the proxy receives again: Sentinel's
/// `down-after-milliseconds` (5 s), its election, and the proxy's
/// `rise` checks.
const GAP_BOUND: Duration = Duration::from_secs(30);

struct Proxy {
    port: u16,
    process: Process,
}

/// The rendered proxy, listening on 127.0.0.1 and pointing at the test's
/// data nodes instead of the pods' DNS names.
fn start_proxy(rendered: &Rendered, deployment: &Deployment, root: &Path) -> Proxy {
    let haproxy = if Path::new("/usr/sbin/haproxy").is_file() {
        require_program("/usr/sbin/haproxy")
    } else {
        require_program("haproxy")
    };
    assert!(
        rendered.proxy_env.iter().any(|v| v == "REDIS_PASSWORD"),
        "the proxy pods do not get REDIS_PASSWORD"
    );
    let port = free_port();
    let mut config = rendered.file("haproxy.cfg").to_string();
    let bind = "\n    bind :6379\n";
    assert!(config.contains(bind), "haproxy.cfg listens elsewhere");
    config = config.replace(bind, &format!("\n    bind {LOCALHOST}:{port}\n"));
    for (i, redis_port) in deployment.redis_ports.iter().enumerate() {
        let host = format!(
            "{RELEASE}-redis-{i}.{RELEASE}-redis-headless.{NAMESPACE}.svc.cluster.local:6379"
        );
        assert!(config.contains(&host), "haproxy.cfg has no server {host}");
        config = config.replace(&host, &format!("{LOCALHOST}:{redis_port}"));
    }
    assert!(
        !config.contains("svc.cluster.local"),
        "a server of haproxy.cfg was not adapted:\n{config}"
    );
    let path = root.join("haproxy.cfg");
    write_file(&path, &config, 0o644);
    // The pod's own command, with the configuration's path adapted.
    let (program, args) = rendered
        .proxy_command
        .split_first()
        .expect("the proxy has a command");
    assert_eq!(program, "haproxy");
    let mut command = Command::new(haproxy);
    for arg in args {
        if arg.ends_with("/haproxy.cfg") {
            command.arg(&path);
        } else {
            command.arg(arg);
        }
    }
    command.env("REDIS_PASSWORD", PASSWORD);
    let process = Process::spawn("haproxy", command, root.join("haproxy.log"));
    Proxy { port, process }
}

/// The data node a connection through the proxy lands on.
fn served_by(proxy: u16) -> Option<u16> {
    let mut node = Resp::connect(proxy, PASSWORD).ok()?;
    let info = node.call(&["INFO", "server"]).ok()?;
    info.text()?
        .lines()
        .find_map(|l| l.strip_prefix("tcp_port:"))
        .and_then(|p| p.trim().parse().ok())
}

fn subscribe(proxy: u16) -> Result<Resp, String> {
    let mut sub = Resp::connect(proxy, PASSWORD)?;
    match sub.call(&["SUBSCRIBE", CHANNEL])? {
        Reply::Array(reply) if reply.first().and_then(Reply::text) == Some("subscribe") => {}
        other => return Err(format!("SUBSCRIBE: {other:?}")),
    }
    sub.set_read_timeout(Duration::from_millis(100))?;
    Ok(sub)
}

fn publish(publisher: &mut Option<Resp>, proxy: u16, message: &str) -> Option<i64> {
    if publisher.is_none() {
        *publisher = Resp::connect(proxy, PASSWORD).ok();
    }
    match publisher.as_mut()?.call(&["PUBLISH", CHANNEL, message]) {
        Ok(Reply::Integer(receivers)) => Some(receivers),
        _ => {
            *publisher = None;
            None
        }
    }
}

/// The payload of a pushed `message`, if it is one.
fn message_of(push: &Reply) -> Option<String> {
    let Reply::Array(parts) = push else {
        return None;
    };
    match parts.as_slice() {
        [kind, channel, payload]
            if kind.text() == Some("message") && channel.text() == Some(CHANNEL) =>
        {
            payload.text().map(str::to_string)
        }
        _ => None,
    }
}

#[test]
fn event_bus_subscribers_follow_a_sentinel_failover_through_the_master_proxy() {
    let _serial = exclusive();
    let rendered = render_ha();
    // The api pods' event bus URL names the proxy's Service, with the
    // password from the Secret.
    let expected = format!("redis://:$(REDIS_PASSWORD)@{RELEASE}-redis-proxy:6379/0");
    assert_eq!(rendered.event_bus_url, expected);
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut deployment = Deployment::new(&rendered, tmp.path());
    deployment.start_and_wait(&rendered);
    let master = deployment.redis_ports[0];
    let proxy = start_proxy(&rendered, &deployment, tmp.path());
    let routed = wait_for(
        "the proxy to route to the master",
        Duration::from_secs(30),
        Duration::from_millis(250),
        || (served_by(proxy.port) == Some(master)).then_some(()),
    );
    if let Err(error) = routed {
        eprintln!("{}", proxy.process.log_tail(40));
        deployment.dump_logs();
        panic!("{error}");
    }

    let mut sub = Some(subscribe(proxy.port).expect("subscribe through the proxy"));
    let mut publisher = None;
    assert_eq!(publish(&mut publisher, proxy.port, "before"), Some(1));
    let before = wait_for(
        "the first message",
        Duration::from_secs(5),
        Duration::from_millis(10),
        || {
            let push = sub.as_mut()?.next_push().ok()??;
            (message_of(&push).as_deref() == Some("before")).then_some(())
        },
    );
    before.expect("a subscriber through the proxy receives what is published");

    eprintln!("killing Redis master on port {master}");
    deployment.redis[0].take().expect("master process").kill();
    let killed = Instant::now();
    let mut dropped = false;
    let mut promoted: Option<(Instant, u16)> = None;
    let mut resubscribed: Option<Instant> = None;
    let mut published = 0u32;
    let mut received_after: Option<(Instant, u32)> = None;
    let mut lost = 0u32;
    let mut seq = 0u32;
    while killed.elapsed() < Duration::from_secs(90) && received_after.is_none() {
        if promoted.is_none() {
            promoted = deployment.redis_ports[1..]
                .iter()
                .find(|port| {
                    deployment.role(**port).map(|(role, _)| role).as_deref() == Some("master")
                })
                .map(|port| (Instant::now(), *port));
        }
        match sub.as_mut().map(Resp::next_push) {
            None => {
                // What redis-py does after a closed connection: connect
                // again through the same URL and subscribe again.
                if let Ok(s) = subscribe(proxy.port) {
                    sub = Some(s);
                    resubscribed = Some(Instant::now());
                } else {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            Some(Err(_)) => {
                dropped = true;
                sub = None;
            }
            Some(Ok(Some(push))) => {
                if let Some(n) = message_of(&push).and_then(|m| m.parse::<u32>().ok()) {
                    received_after = Some((Instant::now(), n));
                }
            }
            Some(Ok(None)) => {}
        }
        // Messages are published only once a replica is the master, so a
        // message received now crossed the failover.
        if promoted.is_some() && received_after.is_none() {
            seq += 1;
            match publish(&mut publisher, proxy.port, &seq.to_string()) {
                Some(receivers) => {
                    published += 1;
                    if receivers == 0 {
                        lost += 1;
                    }
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    let Some((received_at, n)) = received_after else {
        eprintln!("{}", proxy.process.log_tail(60));
        deployment.dump_logs();
        panic!(
            "no message published after the failover reached the subscriber within 90 s \
             (promoted: {promoted:?}, subscriber dropped: {dropped}, resubscribed: {resubscribed:?})"
        );
    };
    let (promoted_at, new_master) = promoted.expect("a message is published only after promotion");
    assert!(
        dropped,
        "the subscriber's connection to the killed master was never closed"
    );
    assert!(n >= 1 && n <= seq);
    // The subscriber is now attached to the promoted replica, through the proxy.
    assert_eq!(served_by(proxy.port), Some(new_master));
    let mut direct = Resp::connect(new_master, PASSWORD).expect("connect to the new master");
    match direct.call(&["PUBSUB", "NUMSUB", CHANNEL]) {
        Ok(Reply::Array(counts)) => assert_eq!(counts.get(1), Some(&Reply::Integer(1))),
        other => panic!("PUBSUB NUMSUB: {other:?}"),
    }
    let gap = received_at - killed;
    eprintln!(
        "MEASURED event_bus_gap_seconds={:.2} promoted_after_seconds={:.2} \
         resubscribed_after_seconds={:.2} published_after_promotion={published} \
         published_to_no_subscriber={lost}",
        gap.as_secs_f64(),
        (promoted_at - killed).as_secs_f64(),
        resubscribed.map_or(f64::NAN, |t| (t - killed).as_secs_f64()),
    );
    assert!(
        gap <= GAP_BOUND,
        "the event bus was cut for {:.1}s, more than {}s",
        gap.as_secs_f64(),
        GAP_BOUND.as_secs()
    );
}
