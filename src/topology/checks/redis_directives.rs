//! What the rendered `redis.conf` and `sentinel.conf` take from the
//! topology, by the rules of the Redis the image runs.
//!
//! Why: Sentinel reads `down-after-milliseconds` and `failover-timeout`
//! (dify-gen writes six times the former, at least 60 s) with C's `atoi`,
//! a 32-bit integer, and refuses to start on a value that is not positive,
//! which is what a number above 2147483647 becomes. The rendered files
//! bind with `bind * -::*` and let Sentinel use host names
//! (`resolve-hostnames`, `announce-hostnames`), which need Redis 6.2 or
//! later; an older image does not start. The master set name goes into
//! Sentinel's configuration and Dify's settings as one word. Fix: keep
//! `downAfterMilliseconds` at most 357913941 (six times fits), and use a
//! Redis 6.2 or later image.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::topology::RedisMode;

/// Sentinel's largest time value (`INT_MAX` milliseconds).
pub const SENTINEL_MAX_MILLISECONDS: u64 = i32::MAX as u64;
/// `failover-timeout` is this many times `down-after-milliseconds`.
pub const FAILOVER_FACTOR: u64 = 6;
/// The oldest Redis the rendered configuration runs on.
pub const OLDEST_REDIS: (u32, u32) = (6, 2);

pub(super) fn check(cx: &Cx) -> Vec<Diagnostic> {
    let t = cx.t;
    let mut out = Vec::new();
    let (RedisMode::Sentinel, Some(s)) = (t.redis.mode, &t.redis.sentinel) else {
        if let Some(name) = t
            .redis
            .external
            .as_ref()
            .and_then(|e| e.master_set.as_ref())
        {
            out.extend(cx.name_rule(
                "/redis/external/masterSet",
                "master set name",
                name,
                master_set,
            ));
        }
        return out;
    };
    if let Some(version) = t.images.redis_version() {
        if version < OLDEST_REDIS {
            out.push(
                cx.error(
                    codes::T_REDIS_DIRECTIVE,
                    "/images/redis",
                    format!("Redis {}.{} does not read the rendered configuration: `bind * -::*` and Sentinel's host names need Redis {}.{} or later", version.0, version.1, OLDEST_REDIS.0, OLDEST_REDIS.1),
                )
                .help("use a Redis 6.2 or later image (`redis:8.2`)"),
            );
        }
    }
    let limit = SENTINEL_MAX_MILLISECONDS / FAILOVER_FACTOR;
    if u64::from(s.down_after_milliseconds) > limit {
        out.push(
            cx.error(
                codes::T_REDIS_DIRECTIVE,
                "/redis/sentinel/downAfterMilliseconds",
                format!(
                    "Sentinel cannot read {} ms: its failover timeout ({FAILOVER_FACTOR} times that) is above {SENTINEL_MAX_MILLISECONDS}, the largest time Sentinel reads",
                    s.down_after_milliseconds
                ),
            )
            .help(format!("set at most {limit} (a few seconds is usual: 5000)")),
        );
    }
    out.extend(cx.name_rule(
        "/redis/sentinel/masterSet",
        "master set name",
        &s.master_set,
        master_set,
    ));
    out
}

/// A Sentinel master set name: one word of letters, digits, `.`, `_`, `-`.
fn master_set(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err("must be one word of letters, digits, `.`, `_` and `-`".into())
    }
}
