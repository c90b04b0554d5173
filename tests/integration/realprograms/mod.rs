//! Proof with the real programs: etcd, Patroni 4 with PostgreSQL, Redis,
//! Redis Sentinel, HAProxy, Squid and the schema wait (with PostgreSQL)
//! run the files dify-gen renders, on 127.0.0.1 only.
//! `scripts/install-test-deps.sh` installs the programs; a missing program
//! fails the test with that hint.

mod event_bus;
mod fuzz;
pub mod harness;
mod migrations;
mod parameters;
mod patroni;
mod postgres;
mod rendered;
mod sentinel;
mod squid;
