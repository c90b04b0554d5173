//! What the rendered `redis.conf` and `sentinel.conf` take from the
//! topology, by the rules of the Redis the image runs.
//!
//! Why: Sentinel reads `down-after-milliseconds` and `failover-timeout`
//! with C's `atoi`, a 32-bit integer, and refuses to start on a value that
//! is not positive, which is what a number above 2147483647 becomes. The
//! rendered files bind with `bind * -::*` and let Sentinel use host names
//! (`resolve-hostnames`, `announce-hostnames`), which need Redis 6.2 or
//! later; an older image does not start. The master set name goes into
//! Sentinel's configuration and Dify's settings as one word. Fix: keep
//! both times at most 2147483647 (a few seconds is usual), and use a
//! Redis 6.2 or later image.

use super::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::timings::SENTINEL_MAX_MILLISECONDS;
use crate::topology::RedisMode;

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
    for (field, value, usual) in [
        ("downAfterMilliseconds", s.down_after_milliseconds, 5000),
        (
            "failoverTimeoutMilliseconds",
            s.failover_timeout_milliseconds,
            10000,
        ),
    ] {
        if u64::from(value) > SENTINEL_MAX_MILLISECONDS {
            out.push(
                cx.error(
                    codes::T_REDIS_DIRECTIVE,
                    &format!("/redis/sentinel/{field}"),
                    format!(
                        "Sentinel cannot read {value} ms: it is above {SENTINEL_MAX_MILLISECONDS}, the largest time Sentinel reads"
                    ),
                )
                .help(format!(
                    "set at most {SENTINEL_MAX_MILLISECONDS} (a few seconds is usual: {usual})"
                )),
            );
        }
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
