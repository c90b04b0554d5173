//! dify-gen: compiles one topology file into a complete, validated,
//! highly-available Dify deployment.
//!
//! The pipeline runs in one direction, one module per stage:
//! `load` → `topology` → `plan` → `render` → `validate` → `emit`.

pub mod diagnostic;
pub mod load;
pub mod validate;
