//! Rules PostgreSQL applies to single values beyond their range, in the
//! `check_hook`s of its parameters (`guc_tables.c`): what `pg_settings`
//! cannot say. Each was seen refused by the real 17.6 server; the tests
//! hold dify-gen to the server on them.

use super::value::Parsed;

/// The parameters of PostgreSQL 17's SLRU caches, which take 0 (sized
/// automatically, where the default is 0) or a multiple of 16 buffers.
const SLRU_BUFFERS: &[&str] = &[
    "commit_timestamp_buffers",
    "multixact_member_buffers",
    "multixact_offset_buffers",
    "notify_buffers",
    "serializable_buffers",
    "subtransaction_buffers",
    "transaction_buffers",
];

/// The largest `max_stack_depth` (in kB) under the 8MB stack limit that
/// containers run with by default: PostgreSQL wants 512kB of it to spare.
pub const MAX_STACK_DEPTH_KB: i64 = 8192 - 512;

/// `Err` with PostgreSQL's rule when the server refuses `value` of `name`
/// (lower case) although it is within the parameter's range.
pub fn check(name: &str, value: &Parsed) -> Result<(), String> {
    match (name, value) {
        (n, Parsed::Integer(v)) if SLRU_BUFFERS.contains(&n) && *v != 0 && v % 16 != 0 => {
            Err(format!("`{n}` must be 0 or a multiple of 16 buffers, not {v}"))
        }
        ("vacuum_buffer_usage_limit", Parsed::Integer(v)) if *v != 0 && *v < 128 => Err(format!(
            "`vacuum_buffer_usage_limit` must be 0 or at least 128kB, not {v}kB"
        )),
        ("max_stack_depth", Parsed::Integer(v)) if *v > MAX_STACK_DEPTH_KB => Err(format!(
            "`max_stack_depth` {v}kB is above {MAX_STACK_DEPTH_KB}kB: PostgreSQL refuses more than the process's stack limit (8MB in a container) less 512kB"
        )),
        ("bonjour", Parsed::Bool(true)) => Err(
            "`bonjour: on` needs a server built with Bonjour, which PostgreSQL's Linux builds are not".into(),
        ),
        _ => Ok(()),
    }
}
