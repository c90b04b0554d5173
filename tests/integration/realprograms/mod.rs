//! Proof with the real programs: etcd, Patroni 4 with PostgreSQL, Redis and
//! Redis Sentinel run the files dify-gen renders, on 127.0.0.1 only.
//! `scripts/install-test-deps.sh` installs the programs; a missing program
//! fails the test with that hint.

mod fuzz;
pub mod harness;
mod parameters;
mod patroni;
mod postgres;
mod rendered;
mod sentinel;
