//! The one integration test binary. Each module says what belongs in it.

mod acceptance;
mod checks;
mod cli;
mod cluster;
mod datalayer;
mod docs;
mod entry;
mod errors;
mod extras;
mod families;
mod fluent_bit;
mod monitoring;
mod plan;
mod plugins;
mod property;
pub mod realprograms;
mod releases;
mod render;
mod security;
mod support;
mod swarm;
mod validate;
