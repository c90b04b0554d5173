//! The one integration test binary. Each module says what belongs in it.

mod acceptance;
mod checks;
mod cli;
pub mod cluster;
mod clusters;
mod datalayer;
mod diff;
mod docs;
mod entry;
mod errors;
mod extras;
mod families;
mod fluent_bit;
mod helm;
mod mail;
mod monitoring;
mod plan;
mod plugins;
mod property;
pub mod realprograms;
mod releases;
mod render;
pub mod security;
mod stores;
mod support;
mod swarm;
mod validate;
