//! The one integration test binary. Each module says what belongs in it.

mod checks;
mod cli;
mod docs;
mod errors;
mod plan;
mod render;
mod security;
mod support;
mod validate;
