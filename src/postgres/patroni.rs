//! The PostgreSQL parameters Patroni manages itself, so a value under
//! `postgres.patroni.parameters` is ignored, replaced or silently changed.
//! From Patroni 4.1's code: `ConfigHandler.CMDLINE_OPTIONS` and
//! `get_server_parameters` (patroni/postgresql/config.py), the recovery
//! parameters it writes on replicas and drops from `parameters`, and `Config._process_postgresql_parameters`
//! (patroni/config.py), which replaces a value that fails its check with a
//! default and only logs a warning.

/// The superuser role dify-gen's Patroni cluster creates (`postgres` in the
/// pgEdge image).
pub const SUPERUSER: &str = "postgres";
/// The replication role dify-gen's Patroni cluster creates.
pub const REPLICATION_USER: &str = "replicator";

/// What Patroni does with a parameter it manages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Managed {
    /// Patroni sets it from its own configuration; the topology's value is
    /// dropped. The text says where the value comes from.
    Owned(&'static str),
    /// Patroni accepts it only above a floor and otherwise uses its
    /// default without an error.
    AtLeast(i64, &'static str),
    /// Patroni accepts only these values and otherwise uses its default.
    OneOf(&'static [&'static str], &'static str),
    /// A recovery setting: Patroni writes these itself on replicas and
    /// drops them from `parameters` (patroni/postgresql/validator.py).
    Recovery,
}

/// The recovery settings Patroni handles apart from `parameters`
/// (`recovery_parameters` in Patroni's `available_parameters/0_postgres.yml`).
pub const RECOVERY: &[&str] = &[
    "archive_cleanup_command",
    "pause_at_recovery_target",
    "primary_conninfo",
    "primary_slot_name",
    "promote_trigger_file",
    "recovery_end_command",
    "recovery_min_apply_delay",
    "recovery_target",
    "recovery_target_action",
    "recovery_target_inclusive",
    "recovery_target_lsn",
    "recovery_target_name",
    "recovery_target_time",
    "recovery_target_timeline",
    "recovery_target_xid",
    "restore_command",
    "standby_mode",
    "trigger_file",
];

/// Parameters Patroni manages, by lower-case name.
pub const MANAGED: &[(&str, Managed)] = &[
    (
        "listen_addresses",
        Managed::Owned("Patroni sets it from `postgresql.listen` (all addresses in the pod)"),
    ),
    (
        "port",
        Managed::Owned("Patroni sets it from `postgresql.listen`; Dify and the Services use 5432"),
    ),
    (
        "cluster_name",
        Managed::Owned("Patroni sets it to the cluster's scope (`<release>-postgres`)"),
    ),
    (
        "hot_standby",
        Managed::Owned("Patroni always turns it on: replicas must serve reads to fail over"),
    ),
    (
        "synchronous_standby_names",
        Managed::Owned(
            "Patroni writes it from `synchronous_mode`: set `postgres.patroni.synchronous` instead",
        ),
    ),
    (
        "data_directory",
        Managed::Owned("Patroni sets it from `postgresql.data_dir` (the pod's volume)"),
    ),
    (
        "config_file",
        Managed::Owned("Patroni writes `postgresql.conf` itself"),
    ),
    (
        "hba_file",
        Managed::Owned("Patroni writes `pg_hba.conf` from the rendered `pg_hba` rules"),
    ),
    (
        "ident_file",
        Managed::Owned("Patroni writes `pg_ident.conf` itself"),
    ),
    (
        "wal_level",
        Managed::OneOf(
            &["replica", "logical"],
            "standbys need the WAL of `replica` at least; Patroni replaces `minimal` with `hot_standby`",
        ),
    ),
    (
        "max_connections",
        Managed::AtLeast(25, "Patroni replaces a smaller value with 100"),
    ),
    (
        "max_wal_senders",
        Managed::AtLeast(3, "Patroni replaces a smaller value with 10"),
    ),
    (
        "max_replication_slots",
        Managed::AtLeast(4, "Patroni replaces a smaller value with 10"),
    ),
    (
        "max_worker_processes",
        Managed::AtLeast(2, "Patroni replaces a smaller value with 8"),
    ),
    (
        "max_locks_per_transaction",
        Managed::AtLeast(32, "Patroni replaces a smaller value with 64"),
    ),
    (
        "wal_keep_size",
        Managed::AtLeast(16, "Patroni replaces a value below 16MB with 128MB"),
    ),
];

/// How Patroni manages `name`, if it does (any case).
pub fn managed(name: &str) -> Option<Managed> {
    let lower = name.to_ascii_lowercase();
    if RECOVERY.contains(&lower.as_str()) {
        return Some(Managed::Recovery);
    }
    MANAGED.iter().find(|(n, _)| *n == lower).map(|(_, m)| *m)
}
