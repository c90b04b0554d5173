//! dify-gen: compiles one topology file into a complete, validated,
//! highly-available Dify deployment.
//!
//! The pipeline runs in one direction, one module per stage:
//! `load` → `topology` → `plan` → `render` → `validate` → `emit`.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod dify;
pub mod emit;
pub mod heap;
pub mod load;
pub mod names;
pub mod pipeline;
pub mod plan;
pub mod postgres;
pub mod promql;
pub mod render;
pub mod run;
pub mod schema;
pub mod secret_scan;
pub mod source;
pub mod timings;
pub mod topology;
pub mod validate;
