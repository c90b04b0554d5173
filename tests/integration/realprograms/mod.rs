//! Proof with the real programs: etcd, Patroni 4 with PostgreSQL, Redis,
//! Redis Sentinel, HAProxy, Squid, the schema wait (with PostgreSQL),
//! PostgreSQL with pgvector, pgBackRest, rclone, an S3 server, Azurite and the
//! Pushgateway run the files
//! dify-gen renders, on 127.0.0.1 only. `scripts/install-*.sh` install the
//! programs; a missing program fails the test with that hint.

mod backup;
mod backup_azure;
mod event_bus;
mod fuzz;
pub mod harness;
mod migrations;
mod parameters;
mod patroni;
mod pgvector;
mod postgres;
mod rendered;
mod sentinel;
mod squid;
